import numpy as np

from avsync.audio import features, vad
from avsync.timeline import Timeline

from conftest import speechlike


def test_log_mel_is_on_the_shared_clock():
    sr = 16000
    x = np.zeros(3 * sr, np.float32)
    x[int(1.234 * sr): int(1.234 * sr) + 80] = 1.0  # a 5 ms click at 1.234 s
    mel, tl = features.log_mel(x, sr, start_s=10.0)
    assert tl.start == 10.0 and np.isclose(tl.step, 0.01)
    env = features.speech_envelope(mel)
    assert abs(tl.times[np.argmax(env)] - 11.234) <= 0.011


def test_log_mel_chunking_matches_one_pass():
    sr = 16000
    x = np.random.default_rng(0).standard_normal(5 * sr).astype(np.float32)
    full, _ = features.log_mel(x, sr, start_s=0.0)
    chunked, _ = features.log_mel(x, sr, start_s=0.0, chunk_s=1.0)
    assert chunked.shape == full.shape
    np.testing.assert_allclose(chunked, full, atol=1e-3)


def test_vad_silence_and_speech():
    sr = 16000
    x = np.r_[np.zeros(2 * sr, np.float32), speechlike(3.0, sr)]
    tl = Timeline(0.0, 0.01, len(x) // 160)
    m = vad.speech_mask(x, sr, tl)
    assert m[:180].mean() < 0.05
    assert m[220:480].mean() > 0.6
