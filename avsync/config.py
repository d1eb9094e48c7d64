"""Options for a check: one frozen dataclass, one validator, one device resolver."""
from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import ConfigError

DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class Config:
    """Everything a check can be told. Units are in the names.

    Attributes
    ----------
    device : {"auto", "cpu", "cuda"}
        Where torch models and transforms run; ``auto`` takes CUDA when present.
    workers : int
        Processes for the video branch (face mesh); 2 suits a 2-core machine.
    max_offset_ms : float
        Offsets searched either way.
    window_s, window_hop_s : float
        Sliding windows for per-window offsets and drift.
    tolerance_ms : float or None
        Largest |offset| still called in sync; None = max(160 ms, 4 video frames). ITU-R
        BT.1359 puts the acceptability limits at 90 ms (audio early) and 185 ms (audio
        late); 160 ms also stays above the estimator's measured per-clip error on real clips
        (leave-one-source-out: most within +-130 ms, see models/sync/MODEL_CARD.md).
    min_sharpness : float
        Below this peak sharpness (how far the best lag stands above all others, in
        standard deviations) no offset is asserted: the check is INCONCLUSIVE.
    min_speech_s : float
        Less speech than this gives INCONCLUSIVE.
    sync_weights : str or None
        Another checkpoint for the sync model (evaluation); None = the shipped one.
    """

    device: str = "auto"
    workers: int = 2
    max_offset_ms: float = 1000.0
    window_s: float = 5.0
    window_hop_s: float = 1.0
    tolerance_ms: float | None = None
    min_sharpness: float = 3.0
    min_speech_s: float = 2.0
    sync_weights: str | None = None

    def __post_init__(self):
        validate(self)


def validate(cfg: Config) -> None:
    """Raise ConfigError naming the offending option and the fix."""
    if cfg.device not in DEVICES:
        raise ConfigError(f"device={cfg.device!r}: choose one of {', '.join(DEVICES)}")
    if not isinstance(cfg.workers, int) or cfg.workers < 1:
        raise ConfigError(f"workers={cfg.workers!r}: use a whole number >= 1")
    if not 40.0 <= cfg.max_offset_ms <= 5000.0:
        raise ConfigError(f"max_offset_ms={cfg.max_offset_ms}: use 40..5000 ms")
    if cfg.window_s < 2.0:
        raise ConfigError(f"window_s={cfg.window_s}: windows under 2 s hold too little speech; use >= 2")
    if not 0 < cfg.window_hop_s <= cfg.window_s:
        raise ConfigError(f"window_hop_s={cfg.window_hop_s} must be > 0 and <= window_s={cfg.window_s}")
    if cfg.tolerance_ms is not None and cfg.tolerance_ms <= 0:
        raise ConfigError(f"tolerance_ms={cfg.tolerance_ms}: must be > 0 (or None for the default)")
    if cfg.tolerance_ms is not None and cfg.tolerance_ms >= cfg.max_offset_ms:
        raise ConfigError(f"tolerance_ms={cfg.tolerance_ms} must be below max_offset_ms={cfg.max_offset_ms}")
    if cfg.min_sharpness < 0.0:
        raise ConfigError(f"min_sharpness={cfg.min_sharpness}: use >= 0")
    if cfg.min_speech_s < 0.5:
        raise ConfigError(f"min_speech_s={cfg.min_speech_s}: use >= 0.5 s")
    if cfg.sync_weights is not None and not os.path.isfile(cfg.sync_weights):
        raise ConfigError(f"sync_weights={cfg.sync_weights!r}: no such file")


def resolve_device(name: str) -> str:
    """The one place ``auto`` becomes a device: ``cuda`` if torch sees a GPU, else ``cpu``."""
    import torch

    if name not in DEVICES:
        raise ConfigError(f"device={name!r}: choose one of {', '.join(DEVICES)}")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device='cuda' but torch sees no CUDA GPU; use --device cpu or auto")
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name
