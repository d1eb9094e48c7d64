"""Speed and memory of `avsync check`: wall time, real-time factor, peak RSS (whole process tree),
against decode-only time of the same file.

Test files are made from ../shared/data by looping clips (packet copy, no re-encode):
  512 px 25 fps, 64 s     (WDA_KatieHill_000.mp4 x 8)
  512 px 25 fps, 10 min   (WDA_KatieHill_000.mp4 x 75)
  1080p 30 fps, 30 s      (real_more/ajay-sainy__Wav2Lip-GFPGAN__kim_7s_raw.mp4 x 4)
  512 px 25 fps, 60 min   (WDA_KatieHill_000.mp4 x 450; with --long)

    python benchmarks/speed_memory.py [--long] [--device cpu|cuda]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in kB (Linux /proc)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as f:
                    stack += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def run_measured(cmd):
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    peak = 0
    while p.poll() is None:
        peak = max(peak, tree_rss_kb(p.pid))
        time.sleep(0.1)
    out, err = p.communicate()
    return time.perf_counter() - t, peak / 1024, p.returncode, out, err


def decode_only(path):
    from avsync import media

    t = time.perf_counter()
    n = sum(1 for _ in media.iter_frames(path))
    media.read_audio(path)
    return time.perf_counter() - t, n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--long", action="store_true", help="also the 60-minute file")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    from avsync import media
    from avsync.testing import loop_clip

    wda = os.path.join(args.shared, "av", "real", "WDA_KatieHill_000.mp4")
    kim = os.path.join(args.shared, "av", "real_more", "ajay-sainy__Wav2Lip-GFPGAN__kim_7s_raw.mp4")
    with tempfile.TemporaryDirectory() as tmp:
        cases = [("512px 25fps 64 s", wda, 8), ("1080p 30fps 30 s", kim, 4), ("512px 25fps 10 min", wda, 75)]
        if args.long:
            cases.append(("512px 25fps 60 min", wda, 450))
        for label, src, k in cases:
            path = os.path.join(tmp, f"case{k}.mp4")
            loop_clip(src, path, repeats=k)
            dur = media.probe(path).duration_s
            dec_s, n = decode_only(path)
            wall, peak_mb, code, out, err = run_measured(
                [sys.executable, "-m", "avsync", "check", path, "--device", args.device, "--json", os.path.join(tmp, "r.json")])
            verdict = next((ln for ln in out.splitlines() if ln.startswith("Verdict")), err.strip()[-200:])
            print(f"{label}: duration {dur:.0f} s, {n} frames")
            print(f"  decode only      : {dec_s:.1f} s ({n / dec_s:.0f} fps, {dur / dec_s:.0f}x real time)")
            print(f"  avsync check     : {wall:.1f} s = {dur / wall:.1f}x real time, peak RSS {peak_mb:.0f} MB (process tree), exit {code}")
            print(f"  {verdict}")


if __name__ == "__main__":
    main()
