"""Video branch: face tracks with mouth shape for a whole file, in parallel time segments."""
from __future__ import annotations

import multiprocessing as mp
from dataclasses import dataclass

import numpy as np

from .. import media
from . import faces

#: Files are cut into segments of this length, analysed by separate worker processes;
#: each worker holds only its segment's compact results, so memory does not grow with length.
SEGMENT_S = 30.0


@dataclass
class VideoResult:
    tracks: list[dict]  # faces.FaceTrack.arrays() per track, stitched over the clip
    frame_times: np.ndarray  # every decoded frame's time (s) [shape=(n_frames,)]
    n_faces_probe: int  # faces counted on probe frames

    @property
    def n_frames(self) -> int:
        return len(self.frame_times)


def _work(args):
    path, s, e, k = args
    return faces.track_segment(path, s, e, k)


def analyze_video(path: str, info: media.MediaInfo, *, workers: int = 2, hook=None) -> VideoResult:
    """Face tracks for the whole video stream of ``path``.

    ``workers`` processes analyse segments concurrently; ``hook(done, total)`` is called
    as segments finish.
    """
    v = info.video
    duration = max(v.duration_s, info.duration_s)
    n_faces = faces.count_faces(path, duration_s=max(duration, 1e-3))
    max_faces = max(1, n_faces)
    n_seg = max(1, int(np.ceil(duration / SEGMENT_S)))
    bounds = [(None if i == 0 else v.start_s + i * SEGMENT_S,
               None if i == n_seg - 1 else v.start_s + (i + 1) * SEGMENT_S) for i in range(n_seg)]
    jobs = [(path, s, e, max_faces) for s, e in bounds]
    results = []
    if n_seg == 1 or workers <= 1:
        for j in jobs:
            results.append(_work(j))
            if hook:
                hook(len(results), n_seg)
    else:
        ctx = mp.get_context("spawn")
        with ctx.Pool(min(workers, n_seg)) as pool:
            for r in pool.imap(_work, jobs):
                results.append(r)
                if hook:
                    hook(len(results), n_seg)
    tracks = faces.stitch([r[0] for r in results])
    frame_times = np.concatenate([r[1] for r in results]) if results else np.zeros(0)
    return VideoResult(tracks=tracks, frame_times=frame_times, n_faces_probe=n_faces)
