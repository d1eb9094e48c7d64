"""Shared clock: every feature is a Track whose time base travels with it.

Times are seconds on the *container* clock (presentation timestamps), so audio and
video features of the same file are comparable without assuming any frame rate.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Rate of the common analysis clock on which audio and video features meet.
#: 100 Hz (10 ms) gives sub-frame resolution for any video rate up to 60 fps.
CLOCK_HZ = 100.0


@dataclass(frozen=True)
class Timeline:
    """A regular clock: ``n`` ticks of ``step`` seconds starting at ``start`` seconds."""

    start: float
    step: float
    n: int

    @property
    def times(self) -> np.ndarray:
        """Tick times in seconds [shape=(n,)]."""
        return self.start + self.step * np.arange(self.n)

    @property
    def end(self) -> float:
        return self.start + self.step * self.n

    @classmethod
    def covering(cls, start: float, end: float, *, rate_hz: float = CLOCK_HZ) -> "Timeline":
        """The regular clock at ``rate_hz`` that covers ``[start, end)``."""
        step = 1.0 / rate_hz
        n = max(0, int(np.floor((end - start) / step)))
        return cls(start=float(start), step=step, n=n)

    def index_of(self, t: float) -> int:
        """Nearest tick index of time ``t`` seconds (may fall outside ``[0, n)``)."""
        return int(round((t - self.start) / self.step))


@dataclass
class Track:
    """Feature values with their own times.

    Parameters
    ----------
    data : np.ndarray [shape=(n,) or (n, d)]
        One row per sample; NaN marks a sample with no valid value (e.g. no face).
    times : np.ndarray [shape=(n,)]
        Time of each row in seconds, increasing; need not be regular (variable frame rate).
    name : str
        What the feature is, for reports and debugging.
    """

    data: np.ndarray
    times: np.ndarray
    name: str = ""

    def __post_init__(self):
        self.times = np.asarray(self.times, dtype=np.float64)
        if len(self.data) != len(self.times):
            raise ValueError(f"track {self.name!r}: {len(self.data)} rows but {len(self.times)} times")

    @classmethod
    def regular(cls, data: np.ndarray, timeline: Timeline, name: str = "") -> "Track":
        return cls(data=data, times=timeline.times, name=name)

    def resample(self, timeline: Timeline, *, max_gap_s: float = 0.25, dtype=np.float64) -> np.ndarray:
        """Linearly interpolate onto ``timeline``.

        Ticks farther than ``max_gap_s`` from any valid sample, or outside the track's
        span, become NaN rather than being invented.

        Returns
        -------
        np.ndarray [shape=(timeline.n,) or (timeline.n, d)]
        """
        data = np.asarray(self.data)
        squeeze = data.ndim == 1
        if squeeze:
            data = data[:, None]
        out = np.full((timeline.n, data.shape[1]), np.nan, dtype=dtype)
        valid = np.all(np.isfinite(data), axis=1)
        t = self.times[valid]
        if t.size >= 2 and timeline.n:
            tt = timeline.times
            for j in range(data.shape[1]):
                out[:, j] = np.interp(tt, t, data[valid, j], left=np.nan, right=np.nan)
            # distance from each tick to the nearest valid sample
            pos = np.clip(np.searchsorted(t, tt), 1, t.size - 1)
            dist = np.minimum(np.abs(tt - t[pos - 1]), np.abs(t[pos] - tt))
            out[dist > max_gap_s] = np.nan
        return out[:, 0] if squeeze else out
