"""Planted-offset accuracy of `avsync check` on ../shared/data/av/real, and what it says on lip-sync fakes.

For every real clip and every planted offset, the clip's audio is shifted by exactly that
many milliseconds (whole samples at the source rate, gap filled with silence, so no
container timestamp reveals it), re-muxed as PCM beside the untouched video stream, and
the full `avsync.check` runs on the result. Truth = planted offset (the originals are
assumed to be in sync; the per-clip table shows what the detector reads on each original).

    python benchmarks/sync_accuracy.py [--shared ../shared/data] [--jobs 2] [--weights PATH]
"""
import argparse
import glob
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

LETTER = {"CONSISTENT": "C", "INCONSISTENT": "X", "INCONCLUSIVE": "?"}
PLANTED_MS = [-600, -333, -170, -70, 0, 50, 130, 290, 600]  # includes non-multiples of a 40/33 ms frame


def run_one(job):
    src, offset_ms, weights, tmp = job  # src: path, or (video, audio) to mux
    import avsync
    from avsync.testing import plant_offset, read_audio_native, replace_audio

    if isinstance(src, tuple):  # (video, foreign audio): an audio swap
        video, audio = src
        name = f"{os.path.basename(os.path.dirname(video))}/source_video+driving_audio"
        dst = os.path.join(tmp, name.replace("/", "_") + ".mkv")
        x, sr = read_audio_native(audio)
        replace_audio(video, dst, x, sr)
    elif offset_ms is None:  # a fake or its source, checked as it is
        name = f"{os.path.basename(os.path.dirname(src))}/{os.path.splitext(os.path.basename(src))[0]}"
        dst = src
    else:
        name = os.path.splitext(os.path.basename(src))[0]
        dst = os.path.join(tmp, f"{name}_{offset_ms:+d}.mkv")
        plant_offset(src, dst, offset_ms)
    cfg = avsync.Config(device="cpu", workers=1, sync_weights=weights)
    t = time.perf_counter()
    rep = avsync.check(dst, config=cfg)
    s = rep.sync or {}
    if dst.startswith(tmp):
        os.remove(dst)
    return dict(clip=name, planted_ms=offset_ms, label=rep.label, est_ms=s.get("offset_ms"),
                frame_ms=s.get("frame_ms"), sharpness=s.get("sharpness"), confidence=s.get("confidence"),
                reason=rep.reasons[0] if rep.reasons else "", wall_s=time.perf_counter() - t)


def weights_for(clip, args):
    """The checkpoint to check ``clip`` with: its source's held-out fold model, or --weights."""
    if not args.holdout_dir:
        return args.weights
    sys.path.insert(0, os.path.join(ROOT, "models", "sync"))
    from extract import GROUPS

    for group, pattern in GROUPS.items():
        if glob.fnmatch.fnmatch(clip, os.path.join("*", pattern)):
            return os.path.join(args.holdout_dir, f"fold_{group}.pt")
    sys.exit(f"{clip}: no source group in models/sync/extract.py GROUPS")


def summarize(rows):
    done = [r for r in rows if r["label"] != "INCONCLUSIVE"]
    within1 = [abs(r["est_ms"] - r["planted_ms"]) <= r["frame_ms"] for r in done]
    within20 = [abs(r["est_ms"] - r["planted_ms"]) <= 20 for r in done]
    zero = [r for r in rows if r["planted_ms"] == 0]
    false_alarm = [r["label"] == "INCONSISTENT" for r in zero]
    big = [r for r in rows if abs(r["planted_ms"]) >= 250]
    detected = [r["label"] == "INCONSISTENT" for r in big]
    n = len(rows)
    print(f"runs: {n} ({len(set(r['clip'] for r in rows))} clips x {len(PLANTED_MS)} offsets)")
    print(f"  INCONCLUSIVE rate            : {1 - len(done) / n:.3f}")
    print(f"  within +-1 frame (decided)   : {np.mean(within1):.3f}   (of all runs: {np.sum(within1) / n:.3f})")
    print(f"  within +-20 ms   (decided)   : {np.mean(within20):.3f}")
    errs = [abs(r["est_ms"] - r["planted_ms"]) for r in done]
    print(f"  median |error|               : {np.median(errs):.1f} ms")
    print(f"  false OUT-OF-SYNC, unshifted : {np.sum(false_alarm)}/{len(zero)} = {np.mean(false_alarm):.3f}")
    print(f"  flagged, |planted| >= 250 ms : {np.sum(detected)}/{len(big)} = {np.mean(detected):.3f}")
    print("  per clip: estimate on the original, and mean error over planted offsets")
    for clip in sorted(set(r["clip"] for r in rows)):
        rr = [r for r in rows if r["clip"] == clip]
        z = next((r for r in rr if r["planted_ms"] == 0), None)
        e = [r["est_ms"] - r["planted_ms"] for r in rr if r["est_ms"] is not None]
        zs = "inconclusive" if z is None or z["est_ms"] is None else f"{z['est_ms']:+7.1f} ms (sharp {z['sharpness']:.1f})"
        print(f"    {clip:36s} original: {zs:28s} mean err {np.mean(e) if e else float('nan'):+7.1f} "
              f"spread {np.ptp(e) if e else float('nan'):5.1f} ms  labels {''.join(LETTER[r['label']] for r in rr)}")
    print("  (labels per planted offset " + " ".join(f"{o:+d}" for o in PLANTED_MS)
          + ": C consistent, X out of sync, ? inconclusive)")


def report_fakes(rows):
    print("== lip-sync fakes, their sources, and sources + driving audio (an audio swap); fakes are expected to look in sync")
    for r in sorted([r for r in rows if r["planted_ms"] is None], key=lambda r: r["clip"]):
        est = "n/a" if r["est_ms"] is None else f"{r['est_ms']:+.0f} ms (sharp {r['sharpness']:.1f})"
        print(f"    {r['clip']:40s} {r['label']:12s} offset {est:24s} {r['reason'][:100]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--weights", default=None, help="sync checkpoint to evaluate (default: shipped)")
    ap.add_argument("--holdout-dir", default=None,
                    help="folder of fold_<group>.pt from models/sync/train.py --cv --save-folds: each clip is "
                         "checked with the model that never saw its source (the honest figure)")
    ap.add_argument("--out", default=None, help="write all rows as JSON here")
    ap.add_argument("--limit", type=int, default=None, help="first N clips only (quick look)")
    ap.add_argument("--rows", default=None, help="summarise rows saved by --out instead of running")
    args = ap.parse_args()
    if args.rows:
        rows = json.load(open(args.rows))
        summarize([r for r in rows if r["planted_ms"] is not None])
        report_fakes(rows)
        return
    clips = sorted(glob.glob(os.path.join(args.shared, "av", "real", "*.mp4")))[: args.limit]
    if not clips:
        sys.exit(f"no clips under {args.shared}/av/real")
    fakes = sorted(glob.glob(os.path.join(args.shared, "av", "lipsync_fake", "*", "*.mp4")))
    for d in sorted(glob.glob(os.path.join(args.shared, "av", "lipsync_fake", "*"))):
        video, audio = os.path.join(d, "source_video.mp4"), glob.glob(os.path.join(d, "driving_audio.*"))
        if os.path.exists(video) and audio:
            fakes.append((video, audio[0]))
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [(c, o, weights_for(c, args), tmp) for c in clips for o in PLANTED_MS]
        jobs += [(f, None, args.weights, tmp) for f in fakes]
        t0 = time.time()
        with mp.get_context("spawn").Pool(args.jobs) as pool:
            rows = list(pool.imap_unordered(run_one, jobs))
    real = [r for r in rows if r["planted_ms"] is not None]
    print(f"== planted offsets on av/real ({time.time() - t0:.0f} s, {args.jobs} jobs)")
    summarize(real)
    report_fakes(rows)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
