"""Lip-sync offset: where the audio and the mouth agree best, per window and for the clip.

Sign convention: a positive offset means the audio is *late* (sound comes after the
mouth movement that made it); negative means the audio is early.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..nets.syncnet import SyncNet
from ..timeline import Timeline, Track

#: Offsets searched, seconds either way (a SyncNet-style search covers +-15 frames = 0.6 s at 25 fps).
MAX_LAG_S = 1.0
#: Sliding windows for per-window estimates and drift.
WINDOW_S = 5.0
WINDOW_HOP_S = 1.0
#: A window needs this much speech with a visible face to count.
MIN_EVIDENCE_S = 1.5
#: Features are normalised over a moving window of this length (speaker/channel changes).
NORM_WIN_S = 20.0
#: Video features are interpolated across gaps up to this long; longer gaps are "no face".
MAX_VIDEO_GAP_S = 0.2
#: Embeddings are computed in chunks of this many seconds (bounded memory on long files).
CHUNK_S = 120.0


@dataclass
class LagCurve:
    lags_s: np.ndarray  # [shape=(L,)]
    score: np.ndarray  # mean cosine agreement per lag [shape=(L,)]
    evidence_s: float  # seconds of speech with a visible face behind it

    def estimate(self) -> tuple[float, float]:
        """(offset_s, sharpness): parabolic-refined peak and how far it stands above the rest."""
        s = self.score
        k = int(np.nanargmax(s))
        step = self.lags_s[1] - self.lags_s[0]
        frac = 0.0
        if 0 < k < len(s) - 1:
            a, b, c = s[k - 1], s[k], s[k + 1]
            den = a - 2 * b + c
            if den < 0:
                frac = float(np.clip(0.5 * (a - c) / den, -0.5, 0.5))
        far = np.abs(self.lags_s - self.lags_s[k]) > 0.1
        rest = s[far]
        sharp = float((s[k] - rest.mean()) / (rest.std() + 1e-6)) if rest.size > 2 else 0.0
        return float(self.lags_s[k] + frac * step), sharp


def _moving_stats(x: np.ndarray, valid: np.ndarray, win: int, block: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and one overall std over a centred moving window of valid rows.

    Statistics are gathered per ``block`` rows (1 s) and the window is a whole number of
    blocks, so memory stays at the size of the output however long the file is.

    Returns
    -------
    mean : np.ndarray [shape=x.shape], float32
    std : np.ndarray [shape=(len(x), 1)], float32
    """
    n, d = x.shape
    nb = -(-n // block)
    xv = np.zeros((nb * block, d), np.float32)
    xv[:n] = np.where(valid[:, None], x, 0.0)
    r = xv.reshape(nb, block, d)
    s1 = r.sum(axis=1, dtype=np.float64)
    s2 = np.einsum("bkd,bkd->bd", r, r, dtype=np.float64)
    del xv, r
    cnt = np.zeros(nb * block)
    cnt[:n] = valid
    cnt = cnt.reshape(nb, block).sum(axis=1)
    half = max(1, win // block) // 2

    def box(a):
        c = np.concatenate([np.zeros((1,) + a.shape[1:]), np.cumsum(a, axis=0)])
        i = np.arange(nb)
        return c[np.minimum(i + half + 1, nb)] - c[np.maximum(i - half, 0)]

    c = np.maximum(box(cnt), 1.0)[:, None]
    mean_b = box(s1) / c
    var_b = np.maximum(box(s2) / c - mean_b ** 2, 0.0)
    std_b = np.sqrt(np.maximum(var_b.mean(axis=1, keepdims=True), 1e-8))
    mean = np.repeat(mean_b.astype(np.float32), block, axis=0)[:n]
    std = np.repeat(std_b.astype(np.float32), block, axis=0)[:n]
    return mean, std


def audio_input(mel: np.ndarray, timeline: Timeline) -> np.ndarray:
    """Normalised log-mel for the audio encoder [shape=(n_mels, n)]."""
    win = int(NORM_WIN_S / timeline.step)
    valid = np.ones(len(mel), bool)
    mean, std = _moving_stats(mel, valid, win)
    return np.ascontiguousarray(((mel - mean) / std).T, dtype=np.float32)


def video_input(times: np.ndarray, shapes: np.ndarray, timeline: Timeline) -> tuple[np.ndarray, np.ndarray]:
    """Mouth shape and velocity on ``timeline`` for the visual encoder.

    Returns
    -------
    x : np.ndarray [shape=(2 * shape_dim, n)], zeros where no face
    valid : np.ndarray [shape=(n,)] bool, a face is visible at the tick
    """
    vals = Track(shapes, times).resample(timeline, max_gap_s=MAX_VIDEO_GAP_S, dtype=np.float32)
    valid = np.all(np.isfinite(vals), axis=1)
    np.nan_to_num(vals, copy=False)
    win = int(NORM_WIN_S / timeline.step)
    mean, std = _moving_stats(vals, valid, win)
    vals -= mean
    vals /= std
    vals[~valid] = 0.0
    out = np.empty((2 * vals.shape[1], len(vals)), np.float32)
    out[: vals.shape[1]] = vals.T
    out[vals.shape[1]:] = np.gradient(vals, axis=0).T * 10.0  # per 100 ms, comparable in scale to z
    out[vals.shape[1]:, ~valid] = 0.0
    return out, valid


@torch.no_grad()
def _embed(encoder, x: np.ndarray, pad: int, device: str) -> np.ndarray:
    n = x.shape[1]
    chunk = int(CHUNK_S * 100)
    outs = []
    for s in range(0, n, chunk):
        lo, hi = max(0, s - pad), min(n, s + chunk + pad)
        e = encoder(torch.from_numpy(np.ascontiguousarray(x[:, lo:hi])).to(device)[None])
        outs.append(e[0, :, s - lo: s - lo + min(chunk, n - s)].cpu().numpy())
    return np.concatenate(outs, axis=1)


def embed_audio(model: SyncNet, a_in: np.ndarray, *, device: str = "cpu") -> np.ndarray:
    """Per-tick unit audio embeddings [shape=(embed, n)], computed in chunks (bounded memory)."""
    return _embed(model.audio, a_in, model.dims.receptive_ticks, device)


def embed_video(model: SyncNet, v_in: np.ndarray, *, device: str = "cpu") -> np.ndarray:
    """Per-tick unit mouth embeddings [shape=(embed, n)], computed in chunks."""
    return _embed(model.video, v_in, model.dims.receptive_ticks, device)


def lag_matrix(ea: np.ndarray, ev: np.ndarray, weight_v: np.ndarray, speech: np.ndarray, *, max_lag: int,
               windows: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean agreement ``ev[t] . ea[t + lag]`` per window and lag.

    ``weight_v`` weighs video ticks (face visible x landmark quality); ``speech`` masks audio
    ticks. Returns ``(score [shape=(W, 2*max_lag+1)], evidence_ticks [shape=(W, 2*max_lag+1)])``
    where evidence counts ticks with a face (weight > 0) facing speech, unweighted.
    """
    n = ea.shape[1]
    L = 2 * max_lag + 1
    num = np.zeros((len(windows), L))
    den = np.zeros((len(windows), L))
    cnt = np.zeros((len(windows), L))
    ws = np.array([w[0] for w in windows])
    we = np.array([w[1] for w in windows])
    ea_t = torch.from_numpy(np.ascontiguousarray(ea))
    ev_t = torch.from_numpy(np.ascontiguousarray(ev))
    wv = torch.from_numpy(weight_v.astype(np.float32))
    sp = torch.from_numpy(speech.astype(np.float32))

    def csum(x):
        return torch.cat([torch.zeros(1, dtype=torch.float64), torch.cumsum(x.double(), 0)]).numpy()

    for j, lag in enumerate(range(-max_lag, max_lag + 1)):
        lo, hi = max(0, -lag), min(n, n - lag)  # t in [lo, hi) has t+lag inside the audio
        if hi <= lo:
            continue
        c = (ev_t[:, lo:hi] * ea_t[:, lo + lag:hi + lag]).sum(0)
        w = wv[lo:hi] * sp[lo + lag:hi + lag]
        seen = (wv[lo:hi] > 0) * sp[lo + lag:hi + lag]
        a, b = np.clip(ws, lo, hi) - lo, np.clip(we, lo, hi) - lo
        for out, x in ((num, c * w), (den, w), (cnt, seen)):
            cs = csum(x)
            out[:, j] = cs[b] - cs[a]
    score = np.where(den > 0, num / np.maximum(den, 1e-9), np.nan)
    return score, cnt


@dataclass
class WindowEstimate:
    start_s: float
    end_s: float
    offset_ms: float | None
    confidence: float
    evidence_s: float
    sharpness: float = 0.0


@dataclass
class SyncEstimate:
    offset_ms: float | None
    confidence: float  # probability the clip offset is within one frame of the truth
    sharpness: float
    evidence_s: float
    windows: list[WindowEstimate] = field(default_factory=list)
    drift_ms_per_min: float | None = None
    curve: LagCurve | None = None


def confidence_from_sharpness(sharp: float, calib: tuple[float, float]) -> float:
    a, b = calib
    return float(1.0 / (1.0 + np.exp(-(a * sharp + b))))


def estimate_sync(ea: np.ndarray, ev: np.ndarray, weight_v: np.ndarray, speech: np.ndarray, timeline: Timeline, *,
                  calib: tuple[float, float], max_lag_s: float = MAX_LAG_S, window_s: float = WINDOW_S,
                  hop_s: float = WINDOW_HOP_S, min_sharpness: float = 3.0) -> SyncEstimate:
    """Clip-level and per-window offsets from the embeddings of one face track."""
    step = timeline.step
    n = ea.shape[1]
    max_lag = int(round(max_lag_s / step))
    lags_s = np.arange(-max_lag, max_lag + 1) * step
    win, hop = int(round(window_s / step)), int(round(hop_s / step))
    starts = list(range(0, max(1, n - win + 1), hop)) if n > win else [0]
    windows = [(0, n)] + [(s, min(n, s + win)) for s in starts]
    score, seen = lag_matrix(ea, ev, weight_v, speech, max_lag=max_lag, windows=windows)
    ev_s = np.nanmax(seen, axis=1) * step if seen.size else np.zeros(len(windows))

    def one(i):
        if ev_s[i] < MIN_EVIDENCE_S or not np.isfinite(score[i]).any():
            return None
        curve = LagCurve(lags_s, np.nan_to_num(score[i], nan=np.nanmin(score[i])), float(ev_s[i]))
        off, sharp = curve.estimate()
        return curve, off, sharp

    clip = one(0)
    wins = []
    for i, (s, e) in enumerate(windows[1:], start=1):
        r = one(i)
        t0, t1 = timeline.start + s * step, timeline.start + e * step
        if r is None:
            wins.append(WindowEstimate(t0, t1, None, 0.0, float(ev_s[i])))
        else:
            wins.append(WindowEstimate(t0, t1, r[1] * 1000, confidence_from_sharpness(r[2], calib), float(ev_s[i]), r[2]))
    if clip is None:
        return SyncEstimate(None, 0.0, 0.0, float(ev_s[0]), wins)
    curve, off, sharp = clip
    return SyncEstimate(off * 1000, confidence_from_sharpness(sharp, calib), sharp, float(ev_s[0]), wins,
                        _drift(wins, min_sharpness), curve)


def _drift(wins: list[WindowEstimate], min_sharpness: float) -> float | None:
    """Slope of clear window offsets over time, ms per minute (None if too few)."""
    good = [w for w in wins if w.offset_ms is not None and w.sharpness >= min_sharpness]
    if len(good) < 3:
        return None
    t = np.array([(w.start_s + w.end_s) / 2 for w in good])
    if t.max() - t.min() < 10.0:
        return None
    o = np.array([w.offset_ms for w in good])
    wts = np.array([w.confidence for w in good])
    slope = np.polyfit(t / 60.0, o, 1, w=wts)[0]
    return float(slope)
