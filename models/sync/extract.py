"""Extract and cache per-clip features (face tracks + audio) for training and evaluating the sync model.

Usage: python models/sync/extract.py --out CACHE_DIR [--shared ../shared/data]
Writes one CACHE_DIR/<group>__<name>.npz per clip that has audio and at least one face track.
"""
import argparse
import glob
import multiprocessing as mp
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from avsync import media  # noqa: E402
from avsync.audio.branch import analyze_audio  # noqa: E402
from avsync.video.branch import analyze_video  # noqa: E402

# Clips whose audio is known to be in sync with the video, grouped by source: evaluation
# holds out whole groups. The SyncNet demo clip is excluded (known 3-frame offset), and
# so are mouth-only crops (no full face for the mesh).
GROUPS = {
    "pcavs": "av/real/pcavs_*.mp4",
    "retalking": "av/real/retalking_face*.mp4",
    "wda": "av/real/WDA_*.mp4",
    "kennedy": "av/real/Real_Kennedy.mp4",
    "grid": "av/real_more/*.mpg",
    "hdtf": "av/real_more/tencent-ailab__*.mp4",
    "mead": "av/real_more/jixinya__*.mp4",
    "kim": "av/real_more/ajay-sainy__*.mp4",
}


def one(job):
    group, path, out = job
    name = f"{group}__{os.path.splitext(os.path.basename(path))[0]}"
    dst = os.path.join(out, name + ".npz")
    if os.path.exists(dst):
        return name, "cached"
    try:
        info = media.probe(path)
        a = analyze_audio(media.read_audio(path))
        v = analyze_video(path, info, workers=1)
    except Exception as exc:  # report and go on; a recipe run must not stop on one clip
        return name, f"failed: {exc}"
    if not v.tracks:
        return name, "no face"
    best = max(v.tracks, key=lambda t: len(t["times"]))
    np.savez_compressed(dst, mel=a.mel, speech=a.speech, mel_start=a.timeline.start, mel_step=a.timeline.step,
                        times=best["times"], shapes=best["shapes"], quality=best["quality"], group=group)
    return name, f"{len(best['times'])} face frames, {a.speech_s:.1f}s speech"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data"))
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    jobs = [(g, p, args.out) for g, pat in GROUPS.items() for p in sorted(glob.glob(os.path.join(args.shared, pat)))]
    with mp.get_context("spawn").Pool(args.jobs) as pool:
        for name, msg in pool.imap_unordered(one, jobs):
            print(f"{name}: {msg}", flush=True)


if __name__ == "__main__":
    main()
