import numpy as np

from avsync.detectors import sync
from avsync.timeline import Timeline


def _planted(lag_ticks, n=800, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    ea = rng.standard_normal((dim, n))
    ev = rng.standard_normal((dim, n))
    ev[:, : n - lag_ticks] = ea[:, lag_ticks:]  # video at t matches audio at t + lag: audio late
    ea /= np.linalg.norm(ea, axis=0)
    ev /= np.linalg.norm(ev, axis=0)
    return ea.astype(np.float32), ev.astype(np.float32)


def test_sign_convention_and_unweighted_evidence():
    ea, ev = _planted(23)
    tl = Timeline(0.0, 0.01, ea.shape[1])
    weight = np.full(ea.shape[1], 0.2, np.float32)  # low landmark quality must not shrink evidence
    est = sync.estimate_sync(ea, ev, weight, np.ones(ea.shape[1], bool), tl, calib=(1.0, 0.0))
    assert abs(est.offset_ms - 230) <= 5
    assert est.evidence_s > 7.0
    assert est.sharpness > 5


def test_no_speech_means_no_estimate():
    ea, ev = _planted(10)
    tl = Timeline(0.0, 0.01, ea.shape[1])
    est = sync.estimate_sync(ea, ev, np.ones(ea.shape[1], np.float32), np.zeros(ea.shape[1], bool), tl,
                             calib=(1.0, 0.0))
    assert est.offset_ms is None and all(w.offset_ms is None for w in est.windows)


def test_drift_is_measured_from_windows():
    wins = [sync.WindowEstimate(t, t + 5, 2.0 * t, 0.9, 4.0, 6.0) for t in range(0, 60, 5)]
    assert abs(sync._drift(wins, 3.0) - 120.0) < 1e-6  # 2 ms per second = 120 ms per minute


def test_moving_stats_blockwise_matches_direct():
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((1000, 3)) * [1, 2, 3] + [5, -1, 0]).astype(np.float32)
    valid = np.ones(1000, bool)
    valid[100:200] = False
    mean, std = sync._moving_stats(x, valid, win=2000)  # window covers everything
    np.testing.assert_allclose(mean[500], x[valid].mean(axis=0), atol=1e-4)
    np.testing.assert_allclose(std[500, 0], np.sqrt(x[valid].var(axis=0).mean()), rtol=1e-3)
    assert mean.dtype == np.float32 and std.shape == (1000, 1)
