"""Every common container and audio format decodes with its timestamps."""
from fractions import Fraction

import av
import numpy as np
import pytest

from avsync import media

from conftest import speechlike

SR = 16000


def _write(path, *, vcodec=None, acodec="pcm_s16le", seconds=2.0, fps=25):
    """Noise video (if vcodec) and a speech-like tone, written with PyAV."""
    x = speechlike(seconds, SR)
    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as out:
        vs = None
        if vcodec:
            vs = out.add_stream(vcodec, rate=fps)
            vs.width, vs.height, vs.pix_fmt = 128, 96, "yuv420p"
        rate = 48000 if acodec == "libopus" else SR
        aus = out.add_stream(acodec, rate=rate, layout="mono")
        if vs is not None:
            for i in range(int(seconds * fps)):
                fr = av.VideoFrame.from_ndarray(rng.integers(0, 255, (96, 128, 3), dtype=np.uint8), format="rgb24")
                fr.pts = i
                fr.time_base = Fraction(1, fps)
                for p in vs.encode(fr):
                    out.mux(p)
            for p in vs.encode(None):
                out.mux(p)
        res = av.AudioResampler(format=aus.codec_context.format.name, layout="mono", rate=rate)
        src = av.AudioFrame.from_ndarray(x[None], format="flt", layout="mono")
        src.sample_rate = SR
        frames = res.resample(src) + res.resample(None)
        fifo = av.AudioFifo()
        for f in frames:
            f.pts = None
            fifo.write(f)
        size = aus.codec_context.frame_size or 1024
        pts = 0
        while fifo.samples:
            f = fifo.read(min(size, fifo.samples)) if fifo.samples >= size else fifo.read(fifo.samples)
            if f is None:
                break
            f.pts = pts
            pts += f.samples
            for p in aus.encode(f):
                out.mux(p)
        for p in aus.encode(None):
            out.mux(p)


@pytest.mark.parametrize("ext,vcodec,acodec", [
    ("mp4", "libx264", "aac"), ("mov", "libx264", "aac"), ("mkv", "libx264", "flac"),
    ("webm", "libvpx-vp9", "libopus"), ("avi", "mpeg4", "libmp3lame"), ("flv", "libx264", "aac"),
])
def test_video_containers(tmp_path, ext, vcodec, acodec):
    p = tmp_path / f"clip.{ext}"
    _write(p, vcodec=vcodec, acodec=acodec)
    info = media.probe(str(p))
    assert info.video is not None and info.audio is not None
    times = np.array([t for t, _ in media.iter_frames(str(p))])
    assert 45 <= len(times) <= 50
    assert np.all(np.diff(times) > 0) and abs(np.median(np.diff(times)) - 0.04) < 2e-3
    a = media.read_audio(str(p))
    assert abs(a.duration_s - 2.0) < 0.15 and a.sr == 16000  # mp3 keeps its encoder padding in avi


@pytest.mark.parametrize("ext,acodec", [
    ("wav", "pcm_s16le"), ("mp3", "libmp3lame"), ("m4a", "aac"), ("flac", "flac"), ("ogg", "libopus"),
])
def test_audio_files(tmp_path, ext, acodec):
    p = tmp_path / f"call.{ext}"
    _write(p, acodec=acodec)
    info = media.probe(str(p))
    assert info.video is None and info.audio is not None
    a = media.read_audio(str(p))
    assert abs(a.duration_s - 2.0) < 0.1
    assert np.abs(a.samples).max() > 0.05
