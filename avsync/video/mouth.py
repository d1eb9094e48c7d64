"""Mouth shape from face-mesh landmarks, in a head-fixed frame normalised by face size.

Landmark indices follow mediapipe's 468-point canonical face mesh.
"""
from __future__ import annotations

import numpy as np

EYE_OUTER_L, EYE_OUTER_R = 33, 263
FOREHEAD, CHIN, NOSE_TIP, SUBNASALE = 10, 152, 1, 2
CHEEK_L, CHEEK_R = 234, 454

OUTER_UPPER = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291]
OUTER_LOWER = [146, 91, 181, 84, 17, 314, 405, 321, 375]
INNER_UPPER = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308]
INNER_LOWER = [95, 88, 178, 87, 14, 317, 402, 318, 324]
#: Points whose (x, y) form the shape vector: the four lip contours, then the chin.
SHAPE_POINTS = OUTER_UPPER + OUTER_LOWER + INNER_UPPER + INNER_LOWER + [CHIN]
SHAPE_DIM = 2 * len(SHAPE_POINTS)

# Positions inside SHAPE_POINTS of the middle of the inner lips, used for the aperture.
_GAP_UPPER = [SHAPE_POINTS.index(i) for i in (81, 82, 13, 312, 311)]
_GAP_LOWER = [SHAPE_POINTS.index(i) for i in (178, 87, 14, 317, 402)]


#: Every landmark avsync reads; the others are never converted (saves time per frame).
USED = sorted(set(SHAPE_POINTS + [EYE_OUTER_L, EYE_OUTER_R, FOREHEAD, CHIN, NOSE_TIP, SUBNASALE, CHEEK_L, CHEEK_R]))
N_MESH = 468


def landmarks_array(landmarks, width: int, height: int) -> np.ndarray:
    """Pixel coordinates [shape=(468, 3)] of the landmarks avsync uses (others left at 0).

    z is scaled like x (mediapipe's convention), so distances are isotropic.
    """
    pts = np.zeros((N_MESH, 3), np.float32)
    for i in USED:
        p = landmarks[i]
        pts[i] = (p.x * width, p.y * height, p.z * width)
    return pts


def interocular(pts: np.ndarray) -> float:
    """Distance between the outer eye corners in pixels (the face-size unit)."""
    return float(np.linalg.norm(pts[EYE_OUTER_R, :2] - pts[EYE_OUTER_L, :2]))


def head_frame(pts: np.ndarray) -> np.ndarray:
    """Rows are the head's right, down and forward axes in image coordinates [shape=(3, 3)]."""
    x = pts[EYE_OUTER_R] - pts[EYE_OUTER_L]
    x = x / (np.linalg.norm(x) + 1e-9)
    y = pts[CHIN] - pts[FOREHEAD]
    y = y - np.dot(y, x) * x
    y = y / (np.linalg.norm(y) + 1e-9)
    return np.stack([x, y, np.cross(x, y)])


def shape_vector(pts: np.ndarray) -> np.ndarray:
    """Lip contours and chin relative to the subnasale, rotated into the head frame and
    divided by the inter-ocular distance [shape=(SHAPE_DIM,)].

    This removes head position, in-plane and most out-of-plane rotation, and face size,
    leaving what the mouth and jaw do.
    """
    R = head_frame(pts)
    rel = (pts[SHAPE_POINTS] - pts[SUBNASALE]) @ R.T
    iod = np.linalg.norm(pts[EYE_OUTER_R] - pts[EYE_OUTER_L]) + 1e-9
    return (rel[:, :2] / iod).reshape(-1).astype(np.float32)


def aperture(shapes: np.ndarray) -> np.ndarray:
    """Inner-lip gap in inter-ocular units from shape vectors [shape=(n,)]; 0 = lips closed."""
    s = shapes.reshape(len(shapes), -1, 2)
    gap = s[:, _GAP_LOWER, 1].mean(axis=1) - s[:, _GAP_UPPER, 1].mean(axis=1)
    return np.maximum(gap, 0.0)


def quality(pts: np.ndarray, *, iod_px: float, min_iod_px: float) -> float:
    """Heuristic 0..1 trust in the lip landmarks of one detection.

    The legacy face mesh reports no per-face score, so trust is derived from what makes
    lip landmarks unreliable: a small face (``iod_px`` near ``min_iod_px``) and a head
    turned away (the nose far off the middle of the cheeks).
    """
    size = np.clip((iod_px - min_iod_px) / (2.0 * min_iod_px), 0.0, 1.0)
    left = abs(pts[NOSE_TIP, 0] - pts[CHEEK_L, 0])
    right = abs(pts[CHEEK_R, 0] - pts[NOSE_TIP, 0])
    frontal = min(left, right) / (max(left, right) + 1e-9)  # 1 = frontal, 0 = profile
    return float(size * np.clip(frontal * 2.0, 0.0, 1.0))
