"""Audio features on the shared clock: log-mel and speech energy, torchaudio on CPU or CUDA."""
from __future__ import annotations

import numpy as np
import torch
import torchaudio

from ..timeline import CLOCK_HZ, Timeline

N_MELS = 40
WIN_S = 0.025  # analysis window
HOP_S = 1.0 / CLOCK_HZ  # one frame per tick of the shared clock
F_MIN, F_MAX = 60.0, 7600.0  # speech band; also valid for 8 kHz telephone audio upsampled


def log_mel(samples: np.ndarray, sr: int, *, start_s: float, device: str = "cpu", chunk_s: float = 60.0) -> tuple[np.ndarray, Timeline]:
    """Log-mel spectrogram, one frame per tick of the shared clock.

    Frame ``i`` is centred at ``start_s + i * HOP_S`` (the window is centred by padding),
    so the returned timeline places audio features at the instants they describe.

    Returns
    -------
    mel : np.ndarray [shape=(n, N_MELS)], natural log of power
    timeline : Timeline
    """
    hop = int(round(HOP_S * sr))
    win = int(round(WIN_S * sr))
    tf = torchaudio.transforms.MelSpectrogram(
        sample_rate=sr, n_fft=512 if sr <= 16000 else 1024, win_length=win, hop_length=hop,
        f_min=F_MIN, f_max=min(F_MAX, sr / 2), n_mels=N_MELS, center=True, power=2.0,
    ).to(device)
    out = []
    # chunk long audio so memory on the device stays bounded
    chunk_frames = max(1, int(chunk_s / HOP_S))
    x = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))
    n_frames = len(samples) // hop + 1
    pad = hop * -(-win // hop)  # margin of whole hops so frame centres stay on the clock
    for f0 in range(0, n_frames, chunk_frames):
        s = f0 * hop
        lo = max(0, s - pad)
        seg = x[lo: s + chunk_frames * hop + pad].to(device)
        m = tf(seg)  # (n_mels, frames), frame k centred at sample lo + k*hop
        first = (s - lo) // hop
        take = min(chunk_frames, n_frames - f0)
        out.append(m[:, first: first + take].T.cpu())
    mel = torch.cat(out).numpy() if out else np.zeros((0, N_MELS), np.float32)
    mel = np.log(mel + 1e-8).astype(np.float32)
    return mel, Timeline(start=start_s, step=HOP_S, n=len(mel))


def speech_envelope(mel: np.ndarray) -> np.ndarray:
    """Log energy of the 200-4000 Hz mel bands per frame (voice energy, for plots and coverage)."""
    freqs = _mel_centres()
    band = (freqs >= 200) & (freqs <= 4000)
    return np.log(np.exp(mel[:, band]).sum(axis=1) + 1e-8).astype(np.float32)


def _mel_centres() -> np.ndarray:
    m = np.linspace(2595 * np.log10(1 + F_MIN / 700), 2595 * np.log10(1 + F_MAX / 700), N_MELS + 2)[1:-1]
    return 700 * (10 ** (m / 2595) - 1)
