"""A non-editable install carries the shipped weights and runs from outside the source tree."""
import os
import subprocess
import sys

from conftest import ROOT, SAMPLES


def test_non_editable_install_finds_weights_and_runs(tmp_path):
    site = tmp_path / "site"
    p = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                        "--target", str(site), ROOT], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    assert (site / "avsync" / "weights" / "sync.pt").is_file()
    env = dict(os.environ, PYTHONPATH=str(site))
    code = ("import avsync, avsync.weights as w; assert avsync.__file__.startswith(%r), avsync.__file__; "
            "print(w.path('sync'))" % str(site))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert p.returncode == 0, p.stderr[-2000:]
    p = subprocess.run([sys.executable, "-m", "avsync", "check", os.path.join(SAMPLES, "grid_in_sync.mp4"), "-q"],
                       capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
