"""Known answers: planted offsets, variable frame rate, two faces. Full pipeline, real clips."""
import json
import os

import pytest

import avsync
from avsync.testing import plant_offset, retime, side_by_side

from conftest import SAMPLES, run_cli, shared

IN_SYNC = os.path.join(SAMPLES, "grid_in_sync.mp4")
LATE = os.path.join(SAMPLES, "grid_audio_200ms_late.mp4")
CFG = avsync.Config(device="cpu", workers=1)


def _offset(path):
    rep = avsync.check(path, config=CFG)
    assert rep.sync and rep.sync["offset_ms"] is not None, rep.reasons
    return rep, rep.sync["offset_ms"], rep.sync["frame_ms"]


def test_samples_cli_answers():
    code, out, err = run_cli("check", IN_SYNC, "--json", "-", "-q")
    assert code == 0, err
    rep = json.loads(out)
    assert rep["schema"] == "avsync.report" and rep["schema_version"].startswith("1.")
    assert rep["label"] == "CONSISTENT" and abs(rep["sync"]["offset_ms"]) <= rep["sync"]["frame_ms"]
    assert rep["sync"]["p_beyond_tolerance"] < 0.1
    code, out, err = run_cli("check", LATE, "--json", "-", "-q")
    assert code == 1, err
    rep = json.loads(out)
    assert rep["sync"]["p_beyond_tolerance"] > 0.5
    code, out, err = run_cli("check", LATE)
    assert code == 1, err
    assert "OUT OF SYNC" in out and "late" in out and "P(true offset beyond" in out


def test_late_sample_offset_within_a_frame():
    rep, off, frame = _offset(LATE)
    assert rep.label == "INCONSISTENT"
    assert abs(off - 200) <= frame


@pytest.mark.parametrize("planted", [-333, 130])
def test_planted_shift_moves_estimate_by_the_same_amount(tmp_path, planted):
    """Shift-equivariance on a real archival clip: estimate(planted) - estimate(original) = planted."""
    src = shared("av/real/Real_Kennedy.mp4")
    _, base, frame = _offset(src)
    dst = str(tmp_path / "planted.mkv")
    plant_offset(src, dst, planted)
    _, off, _ = _offset(dst)
    assert abs((off - base) - planted) <= frame


def test_variable_frame_rate(tmp_path):
    dst = str(tmp_path / "vfr.mkv")
    retime(LATE, dst, keep=0.7)
    rep, off, _ = _offset(dst)
    assert abs(off - 200) <= 40, rep.sync


def test_two_faces_picks_the_speaker(tmp_path):
    other = shared("av/real_more/rizkiarm__LipNet__swiz3n.mpg")
    dst = str(tmp_path / "two.mkv")
    side_by_side(LATE, other, dst)
    rep = avsync.check(dst, config=CFG)
    tracks = rep.faces["tracks"]
    assert len(tracks) >= 2
    active = tracks[rep.faces["active_track"]]
    # the speaker is on the left half of the frame
    leftmost = min(tracks, key=lambda t: t["center_x"])
    assert active["id"] == leftmost["id"], tracks
    assert abs(rep.sync["offset_ms"] - 200) <= rep.sync["frame_ms"]
