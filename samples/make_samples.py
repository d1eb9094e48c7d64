"""Rebuild the bundled samples from the GRID corpus clips in ../shared/data/av/real_more (CC BY 4.0).

    python samples/make_samples.py [--shared ../shared/data]

grid_in_sync.mp4          four GRID sentences joined (H.264 + AAC), audio in sync
grid_audio_200ms_late.mp4 the same video stream with the audio delayed by exactly 200 ms
"""
import argparse
import glob
import os
import sys
from fractions import Fraction

import av
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from avsync.testing import _write_audio, read_audio_native, replace_audio, shift_audio  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CLIPS = ["rizkiarm__LipNet__bbaf2n.mpg", "rizkiarm__LipNet__lbax4n.mpg", "rizkiarm__LipNet__pwij3p.mpg",
         "rizkiarm__LipNet__lwbsza.mpg"]
SR = 16000


def join(paths, dst):
    """Decode each clip, re-encode the sequence with continuous timestamps (25 fps, 16 kHz mono)."""
    with av.open(dst, "w") as out:
        vs = out.add_stream("libx264", rate=25, options={"crf": "28", "preset": "slow"})
        vs.width, vs.height, vs.pix_fmt = 360, 288, "yuv420p"
        aus = out.add_stream("aac", rate=SR, layout="mono", bit_rate=48000)
        n = 0
        audio = []
        for p in paths:
            x, sr = read_audio_native(p)
            with av.open(p) as c:
                frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
            res = av.AudioResampler(format="fltp", layout="mono", rate=SR)
            fr = av.AudioFrame.from_ndarray(np.ascontiguousarray(x), format="fltp",
                                            layout="mono" if x.shape[0] == 1 else "stereo")
            fr.sample_rate = sr
            a = np.concatenate([f.to_ndarray() for f in res.resample(fr)] + [f.to_ndarray() for f in res.resample(None)], 1)
            k = int(round(len(frames) / 25 * SR))  # cut/pad the audio to the clip's video length
            a = np.pad(a[:, :k], ((0, 0), (0, max(0, k - a.shape[1]))))
            audio.append(a)
            for img in frames:
                vf = av.VideoFrame.from_ndarray(img, format="rgb24")
                vf.pts, vf.time_base = n, Fraction(1, 25)
                n += 1
                for pkt in vs.encode(vf):
                    out.mux(pkt)
        for pkt in vs.encode(None):
            out.mux(pkt)
        _write_audio(out, aus, np.concatenate(audio, axis=1).astype(np.float32), SR)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared", "data"))
    args = ap.parse_args()
    src = [os.path.join(args.shared, "av", "real_more", c) for c in CLIPS]
    dst = os.path.join(HERE, "grid_in_sync.mp4")
    join(src, dst)
    x, sr = read_audio_native(dst)
    replace_audio(dst, os.path.join(HERE, "grid_audio_200ms_late.mp4"), shift_audio(x, sr, 200.0), sr, audio_codec="aac")
    for f in sorted(glob.glob(os.path.join(HERE, "*.mp4"))):
        print(f, os.path.getsize(f))


if __name__ == "__main__":
    main()
