"""Video branch: face tracks with mouth shape for a whole file, in parallel time segments."""
from __future__ import annotations

import multiprocessing as mp
import os
from dataclasses import dataclass

import numpy as np

from .. import media
from . import faces

#: Longest segment one worker analyses at a time; each worker holds only its segment's
#: compact results, so memory does not grow with the file's length.
SEGMENT_S = 30.0
#: Clips shorter than this are one segment (worker start-up would cost more than it saves).
MIN_SPLIT_S = 12.0


@dataclass
class VideoResult:
    tracks: list[dict]  # faces.FaceTrack.arrays() per track, stitched over the clip
    frame_times: np.ndarray  # every decoded frame's time (s) [shape=(n_frames,)]
    decode_error: str | None = None  # why decoding stopped early, if it did

    @property
    def n_frames(self) -> int:
        return len(self.frame_times)


def segments(start_s: float, duration_s: float, workers: int) -> list[tuple[float | None, float | None]]:
    """Equal time segments, a multiple of ``workers`` in number, none longer than SEGMENT_S.

    The first starts at the beginning of the file and the last runs to its end (None).
    """
    if duration_s < MIN_SPLIT_S:
        return [(None, None)]
    n = workers * int(np.ceil(duration_s / (workers * SEGMENT_S)))
    step = duration_s / n
    return [(None if i == 0 else start_s + i * step, None if i == n - 1 else start_s + (i + 1) * step)
            for i in range(n)]


def _pin(cores):
    """Pool initializer: bind this worker to one core of its own. The face mesh's internal
    threads otherwise contend across workers (measured: 152 -> 218 fps per worker on 2 cores)."""
    try:
        os.sched_setaffinity(0, {cores.get_nowait()})
    except Exception:  # no affinity API, or more workers than cores: leave it to the OS
        pass


#: Frames per segment on which faces are counted before tracking.
N_PROBES = 4


def _work(args):
    return faces.track_segment(*args)


class VideoJob:
    """Video analysis running in worker processes while the caller does other work."""

    def __init__(self, path: str, info: media.MediaInfo, *, workers: int = 2):
        v = info.video
        duration = max(v.duration_s, info.duration_s)
        self.jobs = []
        for s, e in segments(v.start_s, duration, workers):
            lo, hi = (v.start_s if s is None else s), (v.start_s + duration if e is None else e)
            probes = [lo + (hi - lo) * (k + 0.5) / N_PROBES for k in range(N_PROBES)]
            self.jobs.append((path, s, e, probes))
        self.pool = None
        self.pending = None
        if workers > 1:
            ctx = mp.get_context("spawn")
            n = min(workers, len(self.jobs))
            cores = ctx.Queue()
            try:
                avail = sorted(os.sched_getaffinity(0))
            except AttributeError:  # not Linux
                avail = []
            if len(avail) >= n:
                for c in avail[-n:]:
                    cores.put(c)
            self.pool = ctx.Pool(n, initializer=_pin, initargs=(cores,))
            self.pending = self.pool.imap(_work, self.jobs)

    def result(self, hook=None) -> VideoResult:
        """Wait for every segment; ``hook(done, total)`` is called as segments finish."""
        results = []
        try:
            it = self.pending if self.pool is not None else map(_work, self.jobs)
            for r in it:
                results.append(r)
                if hook:
                    hook(len(results), len(self.jobs))
        finally:
            self.close()
        tracks = faces.stitch([r[0] for r in results])
        frame_times = np.concatenate([r[1] for r in results]) if results else np.zeros(0)
        error = next((r[2] for r in results if r[2]), None)
        return VideoResult(tracks=tracks, frame_times=frame_times, decode_error=error)

    def close(self):
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None


def analyze_video(path: str, info: media.MediaInfo, *, workers: int = 2, hook=None) -> VideoResult:
    """Face tracks for the whole video stream of ``path`` (blocking)."""
    return VideoJob(path, info, workers=workers).result(hook)
