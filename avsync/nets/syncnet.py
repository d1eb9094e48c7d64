"""Audio-visual sync embedding: two small dilated 1-D conv encoders on the shared 100 Hz clock.

The audio encoder reads log-mel frames, the visual encoder reads mouth/jaw shape and its
velocity; both map each tick to a unit vector, and the lag at which the two sequences
agree best is the audio-video offset.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class SyncDims:
    n_mels: int = 40
    shape_dim: int = 82
    hidden: int = 64
    embed: int = 32
    kernel: int = 5
    dilations: tuple = (1, 2, 4, 8)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "SyncDims":
        d = dict(d)
        d["dilations"] = tuple(d["dilations"])
        return cls(**d)

    @property
    def receptive_ticks(self) -> int:
        return 1 + (self.kernel - 1) * sum(self.dilations)


class _Encoder(nn.Module):
    def __init__(self, n_in: int, dims: SyncDims):
        super().__init__()
        self.inp = nn.Conv1d(n_in, dims.hidden, 1)
        self.blocks = nn.ModuleList(
            nn.Conv1d(dims.hidden, dims.hidden, dims.kernel, dilation=d, padding=d * (dims.kernel - 1) // 2)
            for d in dims.dilations
        )
        self.norms = nn.ModuleList(nn.GroupNorm(1, dims.hidden) for _ in dims.dilations)
        self.out = nn.Conv1d(dims.hidden, dims.embed, 1)

    def forward(self, x):  # x: (batch, n_in, time)
        h = self.inp(x)
        for conv, norm in zip(self.blocks, self.norms):
            h = h + conv(F.gelu(norm(h)))
        return F.normalize(self.out(F.gelu(h)), dim=1)


class SyncNet(nn.Module):
    def __init__(self, dims: SyncDims):
        super().__init__()
        self.dims = dims
        self.audio = _Encoder(dims.n_mels, dims)
        self.video = _Encoder(2 * dims.shape_dim, dims)
        self.log_temp = nn.Parameter(torch.tensor(2.5))  # logits = cosine * exp(log_temp)

    def forward(self, mel, shape):
        """mel: (b, n_mels, t_a), shape: (b, 2*shape_dim, t_v) -> unit embeddings (b, embed, t)."""
        return self.audio(mel), self.video(shape)


def save(model: SyncNet, path: str, **meta) -> None:
    torch.save({"dims": model.dims.to_dict(), "state_dict": model.state_dict(), "meta": meta}, path)


def load(path: str, device: str = "cpu") -> tuple[SyncNet, dict]:
    """Model (eval mode, on ``device``) and the checkpoint's metadata (calibration, provenance)."""
    ckpt = torch.load(path, map_location=device, weights_only=True)
    model = SyncNet(SyncDims.from_dict(ckpt["dims"]))
    model.load_state_dict(ckpt["state_dict"])
    return model.to(device).eval(), ckpt.get("meta", {})
