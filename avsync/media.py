"""Decoding with the container's own timestamps (PyAV, FFmpeg bundled).

Nothing here assumes a frame rate: every video frame carries its presentation time in
seconds, and the audio carries the time of its first sample. Video is streamed frame
by frame (optionally over a time range) so memory stays bounded on long files.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator

import numpy as np

from .errors import InputError, NoAudioError

#: Analysis sample rate for all audio features (speech band; VAD and phone models use it).
AUDIO_SR = 16000
#: Frames are scaled so their longer side is at most this many pixels before face
#: analysis: the face mesh crops faces to 192 px anyway, and this bounds memory and time
#: on 4K/8K input while keeping a small face in a 1080p wide shot findable.
MAX_ANALYSIS_SIDE = 1280
#: Audio timestamps that disagree with the samples decoded so far by more than this are
#: honoured (silence inserted or overlap dropped); smaller jitter is codec rounding.
GAP_TOLERANCE_S = 0.002
#: Longest input accepted (seconds); beyond this the user should cut the file.
MAX_DURATION_S = 6 * 3600.0

try:  # PyAV is imported lazily by callers' environments; keep the error clear.
    import av
except ImportError as exc:  # pragma: no cover - install problem
    raise ImportError("avsync needs PyAV ('pip install av')") from exc


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float  # average rate reported by the container; informative only
    start_s: float
    duration_s: float
    codec: str
    stream_duration_s: float | None = None  # as the stream itself declares it, if it does


@dataclass(frozen=True)
class AudioInfo:
    sample_rate: int
    channels: int
    start_s: float
    duration_s: float
    codec: str


@dataclass(frozen=True)
class MediaInfo:
    path: str
    format: str
    duration_s: float
    video: VideoInfo | None
    audio: AudioInfo | None


def _open(path: str):
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, not a media file")
    if os.path.getsize(path) == 0:
        raise InputError(f"{path}: file is empty (0 bytes)")
    try:
        return av.open(path, metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise InputError(f"{path}: not a readable media file or corrupt/truncated ({_reason(exc)})") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: cannot open ({exc})") from None


def _reason(exc: Exception) -> str:
    msg = getattr(exc, "strerror", None) or str(exc)
    return msg.split(":")[0] if msg else type(exc).__name__


def _seconds(value, time_base) -> float | None:
    if value is None or time_base is None:
        return None
    return float(value * time_base)


def probe(path: str) -> MediaInfo:
    """Read stream facts without decoding.

    Raises
    ------
    InputError
        Missing, empty, unreadable, or containing neither audio nor video.
    """
    with _open(path) as c:
        cdur = c.duration / 1e6 if c.duration else None
        video = audio = None
        vs = next((s for s in c.streams.video if s.codec_context is not None), None)
        if vs is not None and vs.width and vs.height:
            rate = vs.average_rate or vs.guessed_rate or vs.base_rate
            own = _seconds(vs.duration, vs.time_base)
            video = VideoInfo(
                width=int(vs.width), height=int(vs.height), fps=float(rate) if rate else 0.0,
                start_s=_seconds(vs.start_time, vs.time_base) or 0.0, duration_s=own or cdur or 0.0,
                codec=vs.codec_context.name, stream_duration_s=own,
            )
        aus = next(iter(c.streams.audio), None)
        if aus is not None and aus.codec_context is not None and aus.codec_context.sample_rate:
            dur = _seconds(aus.duration, aus.time_base) or cdur or 0.0
            audio = AudioInfo(
                sample_rate=int(aus.codec_context.sample_rate), channels=int(aus.codec_context.channels or 1),
                start_s=_seconds(aus.start_time, aus.time_base) or 0.0, duration_s=dur,
                codec=aus.codec_context.name,
            )
        if video is None and audio is None:
            raise InputError(f"{path}: no audio or video stream found")
        duration = cdur or max((s.duration_s for s in (video, audio) if s), default=0.0)
        if duration > MAX_DURATION_S:
            raise InputError(f"{path}: {duration / 3600:.1f} h is longer than the {MAX_DURATION_S / 3600:.0f} h limit; cut it first")
        return MediaInfo(path=path, format=c.format.name, duration_s=float(duration), video=video, audio=audio)


@dataclass
class Audio:
    """Mono waveform at ``sr`` Hz whose first sample lies at ``start_s`` on the container clock."""

    samples: np.ndarray  # float32 [shape=(n,)], range about [-1, 1]
    sr: int
    start_s: float
    truncated: bool = False

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sr


def read_audio(path: str, *, sr: int = AUDIO_SR) -> Audio:
    """Decode the first audio stream, mixed to mono and resampled to ``sr`` Hz.

    The container's start time of the stream is kept, so an audio track that starts
    later than the video stays where it belongs on the shared clock, and decoded audio is
    placed by its timestamps (gaps become silence, overlaps are dropped).

    Raises
    ------
    NoAudioError
        The file has no decodable audio.
    """
    buf = _Buffer()
    start_s = None
    placed_s = 0.0  # input audio placed so far, seconds after start_s
    truncated = False
    with _open(path) as c:
        if not c.streams.audio:
            raise NoAudioError(f"{path}: no audio stream")
        stream = c.streams.audio[0]
        if stream.duration and stream.time_base:
            buf.reserve(int(float(stream.duration * stream.time_base) * sr * 1.01) + sr)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sr)
        try:
            for frame in c.decode(stream):
                if frame.pts is not None and frame.sample_rate:
                    t = float(frame.pts * frame.time_base)
                    if start_s is None:
                        start_s = t
                    # place audio by its timestamps: a gap becomes silence and an overlap is
                    # dropped, so a hole in the stream cannot slide the rest of the audio
                    gap = (t - start_s) - placed_s
                    if gap > GAP_TOLERANCE_S:
                        buf.append(np.zeros(int(round(gap * sr)), np.float32))
                        placed_s += gap
                    elif gap < -GAP_TOLERANCE_S:
                        keep = frame.samples + int(round(gap * frame.sample_rate))
                        if keep <= 0:
                            continue
                        frame = _tail(frame, keep)
                    placed_s += frame.samples / frame.sample_rate
                for out in resampler.resample(frame):
                    buf.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                buf.append(out.to_ndarray().reshape(-1))
        except (av.error.FFmpegError, ValueError):
            truncated = True  # keep what decoded; the caller reports it
    samples = buf.array()
    if samples.size == 0:
        raise NoAudioError(f"{path}: audio stream has no decodable samples")
    return Audio(samples=samples, sr=sr, start_s=start_s or 0.0, truncated=truncated)


class _Buffer:
    """Growable float32 buffer: decoding an hour of audio holds one copy, not chunks + a concatenation."""

    def __init__(self):
        self.data = np.zeros(0, np.float32)
        self.n = 0

    def reserve(self, n: int):
        if n > len(self.data):
            new = np.empty(n, np.float32)
            new[: self.n] = self.data[: self.n]
            self.data = new

    def append(self, x: np.ndarray):
        if self.n + len(x) > len(self.data):
            self.reserve(max(self.n + len(x), int(len(self.data) * 1.5) + 16000))
        self.data[self.n: self.n + len(x)] = x
        self.n += len(x)

    def array(self) -> np.ndarray:
        return self.data[: self.n]


def _tail(frame, keep: int):
    """The last ``keep`` samples of an audio frame, as a new frame (overlap removal)."""
    x = frame.to_ndarray()
    planar = frame.format.is_planar
    x = x[:, -keep:] if planar else x[:, -keep * len(frame.layout.channels):]
    out = av.AudioFrame.from_ndarray(np.ascontiguousarray(x), format=frame.format.name, layout=frame.layout.name)
    out.sample_rate = frame.sample_rate
    return out


def analysis_size(width: int, height: int, *, max_side: int = MAX_ANALYSIS_SIDE) -> tuple[int, int]:
    """Frame size used for face analysis: original size, scaled down to ``max_side`` (even sizes)."""
    scale = min(1.0, max_side / max(width, height))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def iter_frames(path: str, *, start_s: float | None = None, end_s: float | None = None,
                max_side: int = MAX_ANALYSIS_SIDE, status: dict | None = None) -> Iterator[tuple[float, np.ndarray]]:
    """Yield ``(pts_seconds, rgb[h, w, 3] uint8)`` for video frames with ``start_s <= pts < end_s``.

    Frames come in presentation order with their own timestamps (variable frame rate is
    fine). A decode error part-way (truncated file) ends the iteration after the last good
    frame and is recorded as ``status["error"]`` when a ``status`` dict is given.
    """
    with _open(path) as c:
        if not c.streams.video:
            return
        stream = c.streams.video[0]
        stream.thread_type = "AUTO"
        tb = stream.time_base or Fraction(1, 90000)
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        # a frame without a timestamp (rare: raw elementary streams) is placed one frame
        # period, at the stream's own declared rate, after the previous one
        period = 1.0 / float(rate) if rate else None
        if start_s:
            c.seek(int(start_s / tb), stream=stream, backward=True, any_frame=False)
        size = None
        last_t = -np.inf
        try:
            for frame in c.decode(stream):
                if frame.pts is None:
                    if period is None:
                        continue  # no timestamp and no declared rate: cannot place it
                    t = last_t + period if np.isfinite(last_t) else 0.0
                else:
                    t = float(frame.pts * tb)
                if start_s is not None and t < start_s:
                    continue
                if end_s is not None and t >= end_s:
                    break
                if t <= last_t:  # duplicated/out-of-order timestamps: keep the clock monotonic
                    continue
                last_t = t
                if size is None:
                    size = analysis_size(frame.width, frame.height, max_side=max_side)
                if (frame.width, frame.height) == size:
                    yield t, frame.to_ndarray(format="rgb24")
                else:  # area averaging: good for downscaling and 1.5x faster than the default here
                    yield t, frame.to_ndarray(format="rgb24", width=size[0], height=size[1], interpolation="AREA")
        except (av.error.FFmpegError, ValueError) as exc:
            if status is not None:
                status["error"] = _reason(exc)
