"""Make clips with known answers: planted audio offsets, re-encodes, concatenations.

Used by the tests, the benchmarks and the samples recipe, and useful to anyone who wants
to check avsync on their own material. Video is stream-copied where possible so the
video frames and their timestamps stay exactly as they were.
"""
from __future__ import annotations

from fractions import Fraction

import av
import numpy as np


def read_audio_native(path: str) -> tuple[np.ndarray, int]:
    """All audio of the first stream at its own rate: float32 [shape=(channels, n)], sr."""
    with av.open(path) as c:
        s = c.streams.audio[0]
        sr = s.codec_context.sample_rate
        ch = s.codec_context.channels
        layout = "mono" if ch == 1 else "stereo"
        res = av.AudioResampler(format="fltp", layout=layout, rate=sr)
        chunks = [f.to_ndarray() for fr in c.decode(s) for f in res.resample(fr)]
        chunks += [f.to_ndarray() for f in res.resample(None)]
    return np.concatenate(chunks, axis=1).astype(np.float32), sr


def shift_audio(x: np.ndarray, sr: int, offset_ms: float) -> np.ndarray:
    """Delay (offset > 0, audio late) or advance (offset < 0) audio by whole samples, keeping its length.

    The gap is filled with silence, so the output has exactly the input's length and start.
    """
    k = int(round(offset_ms * sr / 1000.0))
    out = np.zeros_like(x)
    n = x.shape[-1]
    if k >= 0:
        out[..., k:] = x[..., : max(0, n - k)]
    else:
        out[..., : max(0, n + k)] = x[..., -k:]
    return out


def _write_audio(out, stream, x: np.ndarray, sr: int, start_pts: int = 0):
    layout = "mono" if x.shape[0] == 1 else "stereo"
    block = 1024
    pts = start_pts
    fmt = stream.codec_context.format.name if stream.codec_context.format else "s16"
    for s in range(0, x.shape[1], block):
        chunk = np.ascontiguousarray(x[:, s: s + block])
        if fmt in ("s16", "s16p"):
            data = (np.clip(chunk, -1, 1) * 32767).astype(np.int16)
            data = data.T.reshape(1, -1) if fmt == "s16" else data
        else:
            data = chunk if fmt.endswith("p") else chunk.T.reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(data, format=fmt, layout=layout)
        frame.sample_rate = sr
        frame.pts = pts
        frame.time_base = Fraction(1, sr)
        pts += chunk.shape[1]
        for p in stream.encode(frame):
            out.mux(p)
    for p in stream.encode(None):
        out.mux(p)


def replace_audio(video_src: str, dst: str, audio: np.ndarray, sr: int, *, audio_codec: str = "pcm_s16le") -> None:
    """Copy the video stream of ``video_src`` untouched into ``dst`` beside new audio [shape=(ch, n)].

    ``dst`` should be .mkv or .mov for PCM audio; use audio_codec="aac" for .mp4.
    """
    with av.open(video_src) as src, av.open(dst, "w") as out:
        vin = src.streams.video[0]
        vout = out.add_stream_from_template(vin)
        astream = out.add_stream(audio_codec, rate=sr, layout="mono" if audio.shape[0] == 1 else "stereo")
        if audio_codec == "pcm_s16le":
            astream.codec_context.format = "s16"
        for pkt in src.demux(vin):
            if pkt.dts is None:
                continue
            pkt.stream = vout
            out.mux(pkt)
        _write_audio(out, astream, audio, sr)


def plant_offset(src: str, dst: str, offset_ms: float, *, audio_codec: str = "pcm_s16le") -> None:
    """``dst`` = ``src`` with its audio shifted by ``offset_ms`` (positive = audio late), video untouched."""
    x, sr = read_audio_native(src)
    replace_audio(src, dst, shift_audio(x, sr, offset_ms), sr, audio_codec=audio_codec)


def loop_clip(src: str, dst: str, *, repeats: int) -> None:
    """Concatenate ``src`` with itself ``repeats`` times by copying packets with shifted timestamps
    (no re-encoding; makes hour-long test files in seconds)."""
    first, last = np.inf, -np.inf
    with av.open(src) as probe:
        streams = list(probe.streams.video[:1]) + list(probe.streams.audio[:1])
        for pkt in probe.demux(*streams):
            if pkt.dts is not None:
                tb = pkt.stream.time_base
                first = min(first, float(pkt.dts * tb))
                last = max(last, float((max(pkt.pts or pkt.dts, pkt.dts) + (pkt.duration or 0)) * tb))
    # each repeat starts after everything of the previous one (audio priming makes the first dts negative)
    period = last - first + 0.001
    with av.open(dst, "w") as out:
        with av.open(src) as c:
            streams = list(c.streams.video[:1]) + list(c.streams.audio[:1])
            outs = {s.index: out.add_stream_from_template(s) for s in streams}
        for r in range(repeats):
            with av.open(src) as c:
                streams = list(c.streams.video[:1]) + list(c.streams.audio[:1])
                for pkt in c.demux(*streams):
                    if pkt.dts is None:
                        continue
                    shift = int(round(r * period / pkt.stream.time_base))
                    pkt.pts += shift
                    pkt.dts += shift
                    pkt.stream = outs[pkt.stream.index]
                    out.mux(pkt)


def _write_av(dst, frames_with_times, audio: np.ndarray, sr: int):
    """Write frames (ms time base, so any timing survives) and PCM audio to ``dst`` (.mkv)."""
    h, w = frames_with_times[0][1].shape[:2]
    with av.open(dst, "w") as out:
        vs = out.add_stream("libx264", rate=1000, options={"crf": "23", "preset": "veryfast"})
        vs.codec_context.time_base = Fraction(1, 1000)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        astream = out.add_stream("pcm_s16le", rate=sr, layout="mono" if audio.shape[0] == 1 else "stereo")
        astream.codec_context.format = "s16"
        _encode_frames(out, vs, frames_with_times)
        _write_audio(out, astream, audio, sr)


def _encode_frames(out, vs, frames_with_times):
    for t, img in frames_with_times:
        vf = av.VideoFrame.from_ndarray(img, format="rgb24")
        vf.pts, vf.time_base = int(round(t * 1000)), Fraction(1, 1000)
        for p in vs.encode(vf):
            out.mux(p)
    for p in vs.encode(None):
        out.mux(p)


def _decode_frames(path: str) -> list[tuple[float, np.ndarray]]:
    """Every video frame of ``path`` as (pts seconds, rgb array)."""
    with av.open(path) as c:
        vs = c.streams.video[0]
        return [(float(f.pts * vs.time_base), f.to_ndarray(format="rgb24")) for f in c.decode(vs)]


def retime(src: str, dst: str, *, keep: float = 0.7, seed: int = 0) -> None:
    """Variable-frame-rate copy of ``src``: a random ``keep`` share of frames survive with their
    original timestamps (ms time base); the audio is carried over unchanged (.mkv)."""
    rng = np.random.default_rng(seed)
    x, sr = read_audio_native(src)
    kept = [fr for i, fr in enumerate(_decode_frames(src)) if i == 0 or rng.random() < keep]
    _write_av(dst, kept, x, sr)


def side_by_side(speaker: str, other: str, dst: str) -> None:
    """Two faces in one frame: ``speaker`` (left, with its own audio) and a silent ``other`` (right)."""
    x, sr = read_audio_native(speaker)
    a, b = _decode_frames(speaker), _decode_frames(other)
    bt = np.array([t for t, _ in b])
    h = min(a[0][1].shape[0], b[0][1].shape[0]) // 2 * 2
    joined = []
    for t, img in a:
        j = min(int(np.searchsorted(bt, t)), len(b) - 1)
        joined.append((t, np.concatenate([img[:h], b[j][1][:h]], axis=1)))
    w = joined[0][1].shape[1] // 2 * 2
    joined = [(t, np.ascontiguousarray(img[:, :w])) for t, img in joined]
    _write_av(dst, joined, x, sr)
