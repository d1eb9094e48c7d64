"""Report of one check: dataclasses, JSON (versioned schema) and the terminal summary.

Schema changes: bump SCHEMA_VERSION's minor number when fields are added, its major
number when a field changes meaning or is removed (docs/report-schema.md).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

SCHEMA_VERSION = "1.0"

CONSISTENT, INCONSISTENT, INCONCLUSIVE = "CONSISTENT", "INCONSISTENT", "INCONCLUSIVE"
EXIT_CODES = {CONSISTENT: 0, INCONSISTENT: 1, INCONCLUSIVE: 2}

SYNC_CAVEAT = ("A lip-sync check alone cannot show that a video is genuine: lip-sync generators "
               "(Wav2Lip and successors) are trained to pass exactly this test.")


@dataclass
class Finding:
    """One piece of evidence on the clip's clock."""

    kind: str  # "sync_offset" | "sync_drift" | "no_face" | "little_speech" | ...
    message: str
    start_s: float | None = None
    end_s: float | None = None


@dataclass
class Report:
    path: str
    label: str  # CONSISTENT | INCONSISTENT | INCONCLUSIVE
    reasons: list[str]
    media: dict
    audio: dict | None = None
    faces: dict | None = None
    sync: dict | None = None
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    device: str = "cpu"
    timing_s: dict = field(default_factory=dict)
    version: str = ""

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.label]

    def to_dict(self) -> dict:
        d = asdict(self)
        d = {"schema": "avsync.report", "schema_version": SCHEMA_VERSION, "avsync_version": d.pop("version"),
             "exit_code": self.exit_code, **d}
        return d

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False, default=_jsonable)

    def to_text(self) -> str:
        return render_text(self)


def _jsonable(o):
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _headline(r: Report) -> str:
    s = r.sync or {}
    if r.label == INCONSISTENT and s.get("offset_ms") is not None:
        return f"OUT OF SYNC: {describe_offset(s['offset_ms'], s.get('frame_ms'))}"
    if r.label == CONSISTENT:
        return "IN SYNC: audio and mouth movements agree"
    return f"INCONCLUSIVE: {r.reasons[0] if r.reasons else 'not enough evidence'}"


def describe_offset(offset_ms: float, frame_ms: float | None) -> str:
    """'the audio is 200 ms late (5.0 frames at 25 fps)' and the like."""
    when = "late" if offset_ms > 0 else "early"
    txt = f"the audio is {abs(offset_ms):.0f} ms {when}"
    if frame_ms:
        txt += f" ({abs(offset_ms) / frame_ms:.1f} frames at {1000 / frame_ms:.4g} fps)"
    return txt


def render_text(r: Report) -> str:
    m = r.media
    lines = [f"avsync {r.version}  {r.path}"]
    facts = [f"{m.get('duration_s', 0):.1f} s"]
    if m.get("video"):
        v = m["video"]
        facts.append(f"video {v['width']}x{v['height']} {v['fps']:.4g} fps")
    else:
        facts.append("no video")
    if m.get("audio"):
        a = m["audio"]
        facts.append(f"audio {a['codec']} {a['sample_rate'] / 1000:.4g} kHz {a['channels']} ch")
    else:
        facts.append("no audio")
    lines.append("  " + ", ".join(facts))
    lines.append("")
    lines.append(f"Verdict: {_headline(r)}")
    s = r.sync
    if s and s.get("offset_ms") is not None:
        off = round(s["offset_ms"])
        side = "audio late" if off > 0 else "audio early" if off < 0 else "no offset"
        head = "Lip-sync offset " if r.label != INCONCLUSIVE else "Best guess only "
        lines.append(f"  {head}: {off:+d} ms ({side}), {round(s['offset_frames'], 1) + 0.0:+.1f} frames;"
                     f" sharpness {s['sharpness']:.1f}")
        if s.get("p_beyond_tolerance") is not None and r.label != INCONCLUSIVE:
            lines.append(f"  How sure        : P(true offset beyond +-{s['tolerance_ms']:.0f} ms) = {s['p_beyond_tolerance']:.2f},"
                         f" P(estimate within 1 frame) = {s['confidence']:.2f}  [held-out calibration]")
        clear = [w for w in s.get("windows", []) if w["offset_ms"] is not None and w["sharpness"] >= s["min_sharpness"]]
        if clear:
            offs = [w["offset_ms"] for w in clear]
            lines.append(f"  Per window      : {len(clear)} clear {s['window_s']:.0f}-s windows,"
                         f" offsets {min(offs):+.0f}..{max(offs):+.0f} ms")
        d = s.get("drift_ms_per_min")
        lines.append("  Drift           : " + (f"{d:+.0f} ms per minute" if d is not None else "not measurable (needs 10 s of clear windows)"))
    if r.faces:
        f = r.faces
        act = f.get("active_track")
        txt = f"{len(f['tracks'])} face track(s)"
        if act is not None:
            txt += f"; speaking face = track {act}, visible during {100 * f['face_coverage']:.0f}% of speech"
        lines.append(f"  Faces           : {txt}")
    if r.audio:
        lines.append(f"  Speech          : {r.audio['speech_s']:.1f} s ({100 * r.audio['speech_coverage']:.0f}% of the audio)")
    if r.reasons:
        lines.append("Reasons:")
        lines += [f"  - {x}" for x in r.reasons]
    if r.warnings:
        lines.append("Warnings:")
        lines += [f"  - {x}" for x in r.warnings]
    if r.label == CONSISTENT:
        lines.append("Note: " + SYNC_CAVEAT)
    return "\n".join(lines)
