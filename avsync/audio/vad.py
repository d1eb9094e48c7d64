"""Speech mask on the shared clock (webrtcvad)."""
from __future__ import annotations

import numpy as np
import webrtcvad

from ..timeline import Timeline

VAD_SR = 16000
VAD_FRAME_S = 0.03  # webrtcvad accepts 10, 20 or 30 ms frames
#: 0..3; 2 rejects most steady noise and music beds while keeping soft speech.
AGGRESSIVENESS = 2
#: Speech runs shorter than this are dropped, pauses shorter than this are filled.
MIN_RUN_S = 0.1
FILL_GAP_S = 0.2
#: Frames quieter than this (dBFS) are never speech (webrtcvad fires on some near-silence).
MIN_LEVEL_DB = -55.0


def speech_mask(samples: np.ndarray, sr: int, timeline: Timeline) -> np.ndarray:
    """Boolean speech mask for each tick of ``timeline`` [shape=(timeline.n,)].

    ``samples`` are mono float at ``sr`` = 16 kHz whose first sample lies at
    ``timeline.start``.
    """
    if sr != VAD_SR:
        raise ValueError(f"speech_mask needs {VAD_SR} Hz audio, got {sr}")
    vad = webrtcvad.Vad(AGGRESSIVENESS)
    flen = int(VAD_FRAME_S * sr)
    n = len(samples) // flen
    is_speech = np.zeros(n, bool)
    step = 2000  # frames (60 s) at a time: no full-length temporary copies on long files
    for k0 in range(0, n, step):
        block = samples[k0 * flen: min(n, k0 + step) * flen].reshape(-1, flen)
        level = 10 * np.log10(np.mean(np.square(block, dtype=np.float64), axis=1) + 1e-12)
        pcm = (np.clip(block, -1, 1) * 32767).astype(np.int16)
        is_speech[k0: k0 + len(block)] = [lvl > MIN_LEVEL_DB and vad.is_speech(f.tobytes(), sr)
                                          for f, lvl in zip(pcm, level)]
    # frame k covers [k*30ms, (k+1)*30ms); map each tick to the frame containing it
    tick_t = np.arange(timeline.n) * timeline.step
    idx = np.minimum((tick_t / VAD_FRAME_S).astype(int), max(n - 1, 0))
    mask = is_speech[idx] if n else np.zeros(timeline.n, bool)
    return _clean(mask, step=timeline.step)


def _clean(mask: np.ndarray, *, step: float) -> np.ndarray:
    mask = mask.copy()
    fill = int(round(FILL_GAP_S / step))
    min_run = int(round(MIN_RUN_S / step))
    for value, limit in ((False, fill), (True, min_run)):
        runs = _runs(mask)
        for s, e, v in runs:
            if v == value and e - s < limit and (value or (s > 0 and e < len(mask))):
                mask[s:e] = not value
    return mask


def _runs(mask: np.ndarray):
    if len(mask) == 0:
        return []
    edges = np.flatnonzero(np.diff(mask.astype(np.int8))) + 1
    starts = np.r_[0, edges]
    ends = np.r_[edges, len(mask)]
    return [(int(s), int(e), bool(mask[s])) for s, e in zip(starts, ends)]


