from fractions import Fraction

import av
import numpy as np
import pytest

from avsync import media
from avsync.errors import InputError, NoAudioError

from conftest import make_video, speechlike


def _pcm_with_gap(path, *, sr=16000, start_s=0.0, gap_at_s=1.0, gap_s=0.5, click_after_s=0.25):
    """PCM audio in .mkv whose timestamps jump by gap_s at gap_at_s; a click follows the gap."""
    x = np.zeros(int(3.0 * sr), np.float32)
    click = int((gap_at_s + click_after_s) * sr)  # position in the *sample* stream
    x[click: click + 40] = 0.9
    with av.open(str(path), "w") as out:
        st = out.add_stream("pcm_s16le", rate=sr, layout="mono")
        st.codec_context.format = "s16"
        n, block = 0, 800
        while n < len(x):
            t = start_s + n / sr + (gap_s if n >= gap_at_s * sr else 0.0)
            fr = av.AudioFrame.from_ndarray((x[None, n: n + block] * 32767).astype(np.int16), format="s16", layout="mono")
            fr.sample_rate, fr.pts, fr.time_base = sr, int(round(t * sr)), Fraction(1, sr)
            for p in st.encode(fr):
                out.mux(p)
            n += block
        for p in st.encode(None):
            out.mux(p)
    return start_s + gap_at_s + gap_s + click_after_s  # where the click belongs on the clock


def test_audio_is_placed_by_timestamps_across_a_gap(tmp_path):
    p = tmp_path / "gap.mkv"
    true_t = _pcm_with_gap(p)
    a = media.read_audio(str(p))
    t = a.start_s + np.argmax(np.abs(a.samples)) / a.sr
    assert abs(t - true_t) < 0.005


def test_audio_start_offset_is_kept(tmp_path):
    p = tmp_path / "late_start.mkv"
    true_t = _pcm_with_gap(p, start_s=0.7, gap_s=0.0)
    a = media.read_audio(str(p))
    assert abs(a.start_s - 0.7) < 1e-3
    assert abs(a.start_s + np.argmax(np.abs(a.samples)) / a.sr - true_t) < 0.005


def test_frames_carry_their_own_timestamps_at_odd_and_variable_rates(tmp_path):
    times = np.cumsum(np.r_[0.0, np.full(20, 1 / 22.13), np.full(20, 1 / 29.97), np.full(5, 0.1)])
    p = tmp_path / "vfr.mkv"
    make_video(p, pts_s=times, codec="libx264")
    got = np.array([t for t, _ in media.iter_frames(str(p))])
    np.testing.assert_allclose(got, np.round(times, 3), atol=1.5e-3)


def test_huge_frames_are_scaled_for_analysis():
    assert media.analysis_size(7680, 4320) == (1280, 720)
    assert media.analysis_size(640, 480) == (640, 480)


def test_probe_and_read_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        media.probe(str(tmp_path / "missing.mp4"))
    p = tmp_path / "v.mp4"
    make_video(p, seconds=1)
    with pytest.raises(NoAudioError):
        media.read_audio(str(p))
    q = tmp_path / "with_audio.mp4"
    make_video(q, seconds=1, audio=speechlike(1.0))
    info = media.probe(str(q))
    assert info.audio.sample_rate == 16000 and info.video.width == 160
