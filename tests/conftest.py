import os
import subprocess
import sys
from fractions import Fraction

import av
import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.abspath(os.environ.get("AVSYNC_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data")))
SAMPLES = os.path.join(ROOT, "samples")


def shared(rel: str) -> str:
    """Path of a file in ../shared/data, or skip the test with the reason."""
    p = os.path.join(SHARED, rel)
    if not os.path.exists(p):
        pytest.skip(f"shared dev data not found at {p} (set AVSYNC_SHARED_DATA or check out ../shared)")
    return p


def run_cli(*args, timeout=600):
    """Run `python -m avsync ...`, returning (exit code, stdout, stderr)."""
    p = subprocess.run([sys.executable, "-m", "avsync", *args], capture_output=True, text=True, timeout=timeout,
                       cwd=ROOT, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def make_video(path, *, seconds=2.0, fps=25.0, size=(160, 120), audio=None, sr=16000, pts_s=None, codec="mpeg4"):
    """Synthetic clip: noise frames (no face) and optional mono audio [shape=(n,)].

    ``pts_s`` gives explicit frame times for variable frame rates.
    """
    rng = np.random.default_rng(0)
    times = pts_s if pts_s is not None else np.arange(int(seconds * fps)) / fps
    with av.open(str(path), "w") as out:
        vs = out.add_stream(codec, rate=int(round(fps)) if pts_s is None else 1000)
        vs.width, vs.height = size
        vs.pix_fmt = "yuv420p"
        if pts_s is not None:
            vs.codec_context.time_base = Fraction(1, 1000)
        aus = None
        if audio is not None:
            aus = out.add_stream("aac", rate=sr, layout="mono")
        for i, t in enumerate(times):
            img = rng.integers(0, 255, size=(size[1], size[0], 3), dtype=np.uint8)
            fr = av.VideoFrame.from_ndarray(img, format="rgb24")
            if pts_s is not None:
                fr.pts = int(round(t * 1000))
                fr.time_base = Fraction(1, 1000)
            for p in vs.encode(fr):
                out.mux(p)
        for p in vs.encode(None):
            out.mux(p)
        if aus is not None:
            from avsync.testing import _write_audio

            _write_audio(out, aus, audio[None].astype(np.float32), sr)


def speechlike(seconds=4.0, sr=16000, seed=0):
    """Voiced, syllable-modulated harmonic signal that webrtcvad takes for speech."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    f0 = 120 + 20 * np.sin(2 * np.pi * 0.5 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    x = sum(np.sin(k * phase) / k for k in range(1, 20))
    env = (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)) ** 2
    return (0.3 * x * env + 0.003 * rng.standard_normal(len(t))).astype(np.float32)
