"""avsync.check(): the whole flow, top to bottom.

decode -> audio branch (speech mask, log-mel) and video branch (face tracks, mouth shape)
-> shared 100 Hz clock -> sync detector per face track -> speaking face -> verdict -> Report.
"""
from __future__ import annotations

import time
from dataclasses import asdict
from typing import TYPE_CHECKING

import numpy as np

from . import __version__, media
from .config import Config
from .errors import ModelError, NoAudioError
from .report import CONSISTENT, INCONCLUSIVE, INCONSISTENT, Finding, Report, describe_offset
from .timeline import Track
from .video import faces as faces_mod
from .video.branch import VideoJob, VideoResult
from .video.mouth import aperture

if TYPE_CHECKING:  # torch-based modules are imported inside check(), once the video workers are starting
    from .audio.branch import AudioResult
    from .detectors import sync

#: A face track needs this many frames to be considered at all.
MIN_TRACK_FRAMES = 10

_MODEL_CACHE: dict = {}


def load_sync_model(path: str | None, device: str):
    """The sync model and its confidence calibration, loaded once per process."""
    from .nets import syncnet
    from .weights import path as weight_path

    p = path or weight_path("sync")
    key = (p, device)
    if key not in _MODEL_CACHE:
        try:
            model, meta = syncnet.load(p, device)
        except (OSError, RuntimeError, KeyError, ValueError, TypeError) as exc:
            raise ModelError(f"cannot load sync model {p}: {exc}") from None
        _MODEL_CACHE[key] = (model, meta)
    return _MODEL_CACHE[key]


def p_beyond(offset_ms: float, tol_ms: float, err_quantiles_ms: list) -> float | None:
    """Probability that the true offset lies beyond +-tol_ms given the estimate, from the
    held-out error distribution stored with the model (true = estimate - error)."""
    if not err_quantiles_ms:
        return None
    q = np.asarray(err_quantiles_ms, float)
    return float(np.mean(np.abs(offset_ms - q) > tol_ms))


def check(path: str, *, device: str | None = None, config: Config | None = None, hook=None) -> Report:
    """Check whether the voice and the face of a clip belong together in time.

    Parameters
    ----------
    path : str
        Video or audio file (anything FFmpeg reads).
    device : {"auto", "cpu", "cuda"}, optional
        Overrides ``config.device`` (default "auto": CUDA when present).
    config : Config, optional
    hook : callable, optional
        ``hook(stage: str, done: int, total: int)`` for progress display.

    Returns
    -------
    Report
        ``label`` is CONSISTENT, INCONSISTENT or INCONCLUSIVE with reasons.

    Raises
    ------
    InputError
        Missing, empty, unreadable or corrupt input, or a file with no streams.
    ModelError
        Shipped weights missing or damaged.
    """
    t_start = time.perf_counter()
    cfg = config or Config()
    if device not in (None, cfg.device):
        from dataclasses import replace

        cfg = replace(cfg, device=device)
    hook = hook or (lambda *a: None)
    timing = {}

    info = media.probe(path)
    rep = Report(path=path, label=INCONCLUSIVE, reasons=[], media=_media_dict(info), device=cfg.device,
                 version=__version__)

    def done():
        timing["total"] = round(time.perf_counter() - t_start, 3)
        rep.timing_s = timing
        return rep

    if info.audio is None:
        rep.reasons.append("no audio stream: there is no voice to compare with the face")
        return done()
    # the video branch runs in worker processes while this process does the audio branch
    job = VideoJob(path, info, workers=cfg.workers) if info.video is not None else None
    try:
        from .audio.branch import analyze_audio  # torch loads here, while the workers start
        from .config import resolve_device

        dev = rep.device = resolve_device(cfg.device)
        hook("audio", 0, 1)
        t = time.perf_counter()
        try:
            aud = media.read_audio(path)
        except NoAudioError as exc:
            rep.reasons.append(f"audio stream could not be decoded ({exc})")
            return done()
        a = analyze_audio(aud, device=dev)
        timing["audio"] = round(time.perf_counter() - t, 3)
        if a.truncated:
            rep.warnings.append(f"audio stopped decoding after {a.duration_s:.1f} s: the file looks truncated or damaged")
        rep.audio = {"speech_s": round(a.speech_s, 2), "duration_s": round(a.duration_s, 3),
                     "speech_coverage": round(a.speech_s / max(a.duration_s, 1e-9), 3),
                     "start_s": round(aud.start_s, 4)}
        del aud  # the waveform is no longer needed; an hour of it is 230 MB
        hook("audio", 1, 1)
        if job is None:
            rep.reasons.append("audio-only input: lip-sync cannot be checked without video")
            return done()
        if a.speech_s < cfg.min_speech_s:
            rep.reasons.append(f"too little speech ({a.speech_s:.1f} s; at least {cfg.min_speech_s:.0f} s needed)")
            rep.findings.append(Finding("little_speech", rep.reasons[-1]))
            return done()
        t = time.perf_counter()
        v = job.result(hook=lambda d, n: hook("video", d, n))
        timing["video_wait"] = round(time.perf_counter() - t, 3)
    finally:
        if job is not None:
            job.close()
    if v.n_frames == 0:
        rep.reasons.append("the video stream has no decodable frames")
        return done()
    last_frame = v.frame_times[-1]
    if v.decode_error:
        rep.warnings.append(f"video decoding failed after {last_frame:.1f} s ({v.decode_error}): file truncated or damaged")
    elif info.video.stream_duration_s and last_frame < 0.9 * info.video.stream_duration_s - 1.0:
        rep.warnings.append(f"video frames stop at {last_frame:.1f} s of the {info.video.stream_duration_s:.1f} s the "
                            "stream declares: file truncated or damaged")

    # sync detector on every usable face track
    t = time.perf_counter()
    _sync_and_verdict(rep, a, v, cfg, dev)
    timing["sync"] = round(time.perf_counter() - t, 3)
    return done()


def _media_dict(info: media.MediaInfo) -> dict:
    return {"format": info.format, "duration_s": round(info.duration_s, 3),
            "video": asdict(info.video) if info.video else None,
            "audio": asdict(info.audio) if info.audio else None}


def _frame_ms(frame_times: np.ndarray) -> float:
    d = np.diff(frame_times)
    d = d[d > 0]
    return float(np.median(d) * 1000) if d.size else 40.0


def _sync_and_verdict(rep: Report, a: AudioResult, v: VideoResult, cfg: Config, dev: str) -> None:
    from .detectors import sync

    tl = a.timeline
    frame_ms = _frame_ms(v.frame_times)
    tol = cfg.tolerance_ms if cfg.tolerance_ms is not None else max(160.0, 4 * frame_ms)
    tracks = [tr for tr in v.tracks if len(tr["times"]) >= MIN_TRACK_FRAMES]
    rep.faces = {"tracks": [], "active_track": None, "face_coverage": 0.0, "frames": v.n_frames,
                 "frames_with_face": int(len(np.unique(np.concatenate([tr["times"] for tr in v.tracks])))) if v.tracks else 0}
    if not tracks:
        rep.reasons.append("no human face found in the video" if not v.tracks else
                           "faces appear only briefly (fewer than 10 frames)")
        rep.findings.append(Finding("no_face", rep.reasons[-1]))
        return
    usable = [tr for tr in tracks if np.median(tr["iod_px"]) >= faces_mod.MIN_IOD_PX]
    if not usable:
        iod = max(float(np.median(tr["iod_px"])) for tr in tracks)
        rep.reasons.append(f"face too small to read the lips ({iod:.0f} px between the eyes; at least "
                           f"{faces_mod.MIN_IOD_PX:.0f} px needed)")
        return

    model, meta = load_sync_model(cfg.sync_weights, dev)
    calib = tuple(meta.get("calib", (1.0, 0.0)))
    ea = sync.embed_audio(model, sync.audio_input(a.mel, tl), device=dev)
    results = []
    for i, tr in enumerate(tracks):
        v_in, valid = sync.video_input(tr["times"], tr["shapes"], tl)
        q = Track(tr["quality"], tr["times"]).resample(tl, max_gap_s=sync.MAX_VIDEO_GAP_S)
        weight = np.where(valid, np.nan_to_num(q), 0.0).astype(np.float32)
        usable_track = np.median(tr["iod_px"]) >= faces_mod.MIN_IOD_PX
        est = None
        if usable_track:
            ev = sync.embed_video(model, v_in, device=dev)
            est = sync.estimate_sync(ea, ev, weight, a.speech, tl, calib=calib, max_lag_s=cfg.max_offset_ms / 1000,
                                     window_s=cfg.window_s, hop_s=cfg.window_hop_s, min_sharpness=cfg.min_sharpness)
        cover = float((valid & a.speech).sum() / max(a.speech.sum(), 1))
        ap = aperture(tr["shapes"])
        rep.faces["tracks"].append({
            "id": i, "first_s": round(float(tr["times"][0]), 3), "last_s": round(float(tr["times"][-1]), 3),
            "frames": int(len(tr["times"])), "median_interocular_px": round(float(np.median(tr["iod_px"])), 1),
            "mean_quality": round(float(np.mean(tr["quality"])), 3), "speech_coverage": round(cover, 3),
            "mean_lip_aperture": round(float(np.mean(ap)), 4),
            "center_x": round(float(np.median(tr["centers"][:, 0])), 1),
            "center_y": round(float(np.median(tr["centers"][:, 1])), 1),
            "sync_sharpness": None if est is None else round(est.sharpness, 2)})
        results.append((i, est, cover))

    scored = [(i, e, c) for i, e, c in results if e is not None and e.offset_ms is not None]
    if not scored:
        best_cover = max(c for _, _, c in results)
        rep.reasons.append(f"too little speech with a visible face ({best_cover * a.speech_s:.1f} s; "
                           f"{sync.MIN_EVIDENCE_S:.1f} s needed)")
        return
    # the speaking face: the track whose mouth follows the audio most clearly
    i, est, cover = max(scored, key=lambda r: r[1].sharpness)
    rep.faces["active_track"] = i
    rep.faces["face_coverage"] = round(cover, 3)
    if len(tracks) > 1:
        rep.reasons.append(f"{len(tracks)} faces seen; track {i} is taken as the speaker (its mouth follows the audio most clearly)")

    rep.sync = {
        "offset_ms": round(est.offset_ms, 1), "offset_frames": round(est.offset_ms / frame_ms, 2),
        "frame_ms": round(frame_ms, 3), "confidence": round(est.confidence, 3), "sharpness": round(est.sharpness, 2),
        "tolerance_ms": round(tol, 1), "min_sharpness": cfg.min_sharpness,
        # the held-out error distribution describes clear estimates only
        "p_beyond_tolerance": None if est.sharpness < cfg.min_sharpness else
        _round(p_beyond(est.offset_ms, tol, meta.get("err_quantiles_ms", [])), 3),
        "evidence_s": round(est.evidence_s, 2), "sign": "positive = audio late",
        "window_s": cfg.window_s, "drift_ms_per_min": _round(est.drift_ms_per_min, 1),
        "windows": [{"start_s": round(w.start_s, 2), "end_s": round(w.end_s, 2), "offset_ms": _round(w.offset_ms, 1),
                     "confidence": round(w.confidence, 3), "sharpness": round(w.sharpness, 2),
                     "evidence_s": round(w.evidence_s, 2)} for w in est.windows],
        "curve": {"lags_ms": [round(x * 1000, 1) for x in est.curve.lags_s],
                  "score": [round(float(x), 4) for x in est.curve.score]},
    }
    if est.sharpness < cfg.min_sharpness:
        rep.reasons.insert(0, f"no clear audio-visual agreement at any offset (peak sharpness {est.sharpness:.1f} < "
                              f"{cfg.min_sharpness:.1f}; best guess {est.offset_ms:+.0f} ms): the "
                              "audio may not belong to this face, or the mouth is poorly visible")
        rep.findings.append(Finding("weak_sync", rep.reasons[0]))
        return
    off = est.offset_ms
    if abs(off) > tol:
        rep.label = INCONSISTENT
        rep.reasons.insert(0, f"{describe_offset(off, frame_ms)}, beyond the +-{tol:.0f} ms tolerance")
        rep.findings.append(Finding("sync_offset", rep.reasons[0], float(tl.start), float(tl.end)))
        return
    rep.label = CONSISTENT
    rep.reasons.insert(0, f"audio and mouth agree at {off:+.0f} ms, within the +-{tol:.0f} ms tolerance")
    drift = _drift_finding(est, tol, cfg.min_sharpness)
    if drift:
        rep.label = INCONSISTENT
        rep.reasons.insert(0, drift.message)
        rep.findings.append(drift)


def _round(x: float | None, nd: int) -> float | None:
    return None if x is None else round(x, nd)


def _drift_finding(est: sync.SyncEstimate, tol: float, min_sharpness: float) -> Finding | None:
    """A finding when clear windows disagree with each other by more than twice the tolerance."""
    good = [w for w in est.windows if w.offset_ms is not None and w.sharpness >= min_sharpness + 1.0]
    if len(good) < 5:
        return None
    offs = np.array([w.offset_ms for w in good])
    lo, hi = np.percentile(offs, [10, 90])
    if hi - lo <= 2 * tol:
        return None
    w_lo = good[int(np.argmin(np.abs(offs - lo)))]
    w_hi = good[int(np.argmin(np.abs(offs - hi)))]
    first, second = sorted([w_lo, w_hi], key=lambda w: w.start_s)
    return Finding("sync_drift", f"the offset changes within the clip: {first.offset_ms:+.0f} ms around "
                   f"{first.start_s:.0f}-{first.end_s:.0f} s but {second.offset_ms:+.0f} ms around "
                   f"{second.start_s:.0f}-{second.end_s:.0f} s", first.start_s, second.end_s)
