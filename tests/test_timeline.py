import numpy as np

from avsync.timeline import Timeline, Track


def test_covering_and_times():
    tl = Timeline.covering(0.5, 1.5, rate_hz=100)
    assert tl.n == 100
    assert np.isclose(tl.times[0], 0.5) and np.isclose(tl.times[-1], 1.49)
    assert tl.index_of(1.0) == 50


def test_resample_interpolates_on_own_clock():
    # samples at an odd, variable rate: values equal their own time
    t = np.cumsum(np.r_[0.0, np.full(10, 1 / 22.13), np.full(10, 1 / 29.97)])
    tr = Track(t.copy(), t)
    tl = Timeline(0.0, 0.01, int(t[-1] / 0.01))
    out = tr.resample(tl)
    ok = np.isfinite(out)
    assert ok.sum() > 0.95 * tl.n
    np.testing.assert_allclose(out[ok], tl.times[ok], atol=1e-9)


def test_resample_marks_gaps_and_outside_as_nan():
    t = np.r_[np.arange(0, 1, 0.04), np.arange(2, 3, 0.04)]
    tr = Track(np.ones((len(t), 2)), t)
    out = tr.resample(Timeline(-0.5, 0.01, 400), max_gap_s=0.1)
    times = Timeline(-0.5, 0.01, 400).times
    assert np.all(np.isnan(out[times < 0]))
    assert np.all(np.isnan(out[(times > 1.2) & (times < 1.8)]))
    assert np.all(out[(times > 0.1) & (times < 0.9)] == 1)


def test_nan_rows_do_not_count_as_samples():
    t = np.arange(0, 2, 0.04)
    d = np.ones(len(t))
    d[10:30] = np.nan  # face lost for 0.8 s
    out = Track(d, t).resample(Timeline(0, 0.01, 190), max_gap_s=0.2)
    assert np.isnan(out[int(0.8 / 0.01)])
    assert out[int(0.2 / 0.01)] == 1
