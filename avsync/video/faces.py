"""Face mesh per frame and face tracks across frames (mediapipe, models inside the wheel).

Output per track is compact (a few numbers and the lip/jaw shape per frame), so an
hour of video fits in memory; frames themselves are never kept.
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field

import numpy as np

from .. import media
from . import mouth

#: Most faces followed at once. The face mesh runs its detector on every frame while it
#: follows fewer faces than this, so it is set from a quick count first (see ``count_faces``).
MAX_FACES = 4
#: A track that has not been seen for this long is closed.
TRACK_GAP_S = 0.5
#: Two detections belong to one track if their centres are closer than this many face sizes.
MATCH_DIST = 0.6
#: Faces whose inter-ocular distance is below this (pixels, in the analysed frame) are too
#: small for the lip landmarks to mean anything.
MIN_IOD_PX = 12.0


@dataclass
class FaceTrack:
    """One face followed over time. Rows are frames in which this face was found."""

    times: list = field(default_factory=list)  # seconds
    centers: list = field(default_factory=list)  # (x, y) pixels
    iod_px: list = field(default_factory=list)  # inter-ocular distance, pixels
    shapes: list = field(default_factory=list)  # mouth.shape_vector per frame
    quality: list = field(default_factory=list)  # 0..1 per frame

    def add(self, t, center, iod, shape, quality):
        self.times.append(t)
        self.centers.append(center)
        self.iod_px.append(iod)
        self.shapes.append(shape)
        self.quality.append(quality)

    def arrays(self) -> dict:
        return {
            "times": np.asarray(self.times, np.float64),
            "centers": np.asarray(self.centers, np.float32).reshape(-1, 2),
            "iod_px": np.asarray(self.iod_px, np.float32),
            "shapes": np.asarray(self.shapes, np.float32).reshape(len(self.times), mouth.SHAPE_DIM),
            "quality": np.asarray(self.quality, np.float32),
        }


@contextlib.contextmanager
def quiet_native_stderr():
    """Silence the C++ logging of mediapipe/TFLite (written straight to fd 2) inside the block."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _face_mesh(max_faces: int):
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import mediapipe as mp

    return mp.solutions.face_mesh.FaceMesh(
        static_image_mode=False, max_num_faces=max_faces, refine_landmarks=False,
        min_detection_confidence=0.5, min_tracking_confidence=0.5,
    )


def count_faces(frames: list[np.ndarray]) -> int:
    """Largest number of faces the full-range detector sees on ``frames`` (0..MAX_FACES)."""
    import mediapipe as mp

    best = 0
    with quiet_native_stderr():
        det = mp.solutions.face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.6)
        try:
            for img in frames:
                best = max(best, len(det.process(img).detections or []))
        finally:
            det.close()
    return min(best, MAX_FACES)


def probe_frames(path: str, times: list[float]) -> list[np.ndarray]:
    """One decoded frame at (or just after) each of ``times`` seconds."""
    out = []
    for t in times:
        for _, img in media.iter_frames(path, start_s=t, end_s=t + 1.0):
            out.append(img)
            break
    return out


def track_segment(path: str, start_s: float | None, end_s: float | None,
                  probe_times: list[float]) -> tuple[list[dict], np.ndarray, str | None]:
    """Run the face mesh on frames in ``[start_s, end_s)`` and link faces into tracks.

    The number of faces to follow is first counted on frames at ``probe_times`` (spread
    over the segment), so a face that enters late is still followed.

    Returns
    -------
    tracks : list of dict
        ``FaceTrack.arrays()`` per track.
    frame_times : np.ndarray
        Time (s) of every frame decoded in the segment, with or without a face.
    decode_error : str or None
        Why decoding stopped early (damaged or truncated file), if it did.
    """
    tracks: list[FaceTrack] = []
    frame_times = []
    max_faces = count_faces(probe_frames(path, probe_times))
    status: dict = {}
    with quiet_native_stderr():
        fm = _face_mesh(max(1, max_faces))
        _run_segment(fm, media.iter_frames(path, start_s=start_s, end_s=end_s, status=status), tracks, frame_times)
    return [tr.arrays() for tr in tracks], np.asarray(frame_times), status.get("error")


def _run_segment(fm, frames, tracks, frame_times):
    try:
        for t, img in frames:
            frame_times.append(t)
            h, w = img.shape[:2]
            res = fm.process(img)
            for lm in res.multi_face_landmarks or []:
                pts = mouth.landmarks_array(lm.landmark, w, h)
                iod = mouth.interocular(pts)
                if iod < 1.0:
                    continue
                center = pts[mouth.USED, :2].mean(axis=0)
                shape = mouth.shape_vector(pts)
                q = mouth.quality(pts, iod_px=iod, min_iod_px=MIN_IOD_PX)
                _assign(tracks, t, center, iod, shape, q)
    finally:
        fm.close()


def _distance(center, iod_px, other) -> float:
    """Distance between face centres in face sizes (2.5 inter-ocular distances)."""
    return float(np.hypot(*(np.asarray(center) - np.asarray(other)))) / max(iod_px * 2.5, 1.0)


def _assign(tracks: list[FaceTrack], t, center, iod, shape, q):
    best, best_d = None, MATCH_DIST
    for tr in tracks:
        if t - tr.times[-1] > TRACK_GAP_S or tr.times[-1] == t:
            continue
        d = _distance(tr.centers[-1], tr.iod_px[-1], center)
        if d < best_d:
            best, best_d = tr, d
    if best is None:
        best = FaceTrack()
        tracks.append(best)
    best.add(t, center, iod, shape, q)


def stitch(segments: list[list[dict]]) -> list[dict]:
    """Join per-segment tracks into clip tracks, linking a track that ends near a segment
    boundary to the one starting where it left off."""
    out: list[dict] = []
    for seg in segments:
        for tr in seg:
            best, best_d = None, MATCH_DIST
            for cand in out:
                gap = tr["times"][0] - cand["times"][-1]
                if not (0 < gap <= TRACK_GAP_S):
                    continue
                d = _distance(cand["centers"][-1], cand["iod_px"][-1], tr["centers"][0])
                if d < best_d:
                    best, best_d = cand, d
            if best is None:
                out.append(dict(tr))
            else:
                for k in best:
                    best[k] = np.concatenate([best[k], tr[k]])
    return out
