"""Audio branch: mono 16 kHz waveform -> log-mel, voice envelope and speech mask on the shared clock."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import media
from ..timeline import Timeline
from . import features, vad


@dataclass
class AudioResult:
    mel: np.ndarray  # [shape=(n, N_MELS)] natural-log mel power
    envelope: np.ndarray  # [shape=(n,)] 200-4000 Hz log energy
    speech: np.ndarray  # [shape=(n,)] bool, webrtcvad
    timeline: Timeline
    duration_s: float
    truncated: bool

    @property
    def speech_s(self) -> float:
        return float(self.speech.sum() * self.timeline.step)


def analyze_audio(audio: media.Audio, *, device: str = "cpu") -> AudioResult:
    mel, tl = features.log_mel(audio.samples, audio.sr, start_s=audio.start_s, device=device)
    speech = vad.speech_mask(audio.samples, audio.sr, tl)
    return AudioResult(mel=mel, envelope=features.speech_envelope(mel), speech=speech, timeline=tl,
                       duration_s=audio.duration_s, truncated=audio.truncated)
