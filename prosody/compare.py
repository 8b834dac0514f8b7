"""Comparing two takes: time alignment by dynamic time warping (librosa's), and differences in
words.

Two takes of the same phrase never run at the same speed, so their contours are compared after
aligning them in time. The alignment follows the loudness envelope and voicing (which mark the
syllables and gaps of the phrase) and, more lightly, the pitch contour relative to each take's own
median (so a take that is simply lower still aligns with a higher one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import ProsodyError
from .util import FRAME_S, hz_to_st

#: Frames are merged in pairs before alignment: 20 ms is fine enough for syllables and keeps a
#: one-minute pair at 9 million cells.
STEP_FRAMES = 2
#: Most cells of the alignment's cost table (take A's steps x take B's): about 100 MB for the
#: distance, cost and move tables together (8 + 8 + 4 bytes a cell, and a moment's 8 more while
#: librosa fills its cost table). Longer takes are aligned on coarser steps (two 15-minute takes
#: on 0.46 s steps instead of 20 ms, which would need 34 GB); every practice phrase up to 40 s
#: stays on the 20 ms step.
MAX_ALIGN_CELLS = 4_000_000
#: Fewest alignment steps a take must have (60 ms on the 20 ms step).
MIN_STEPS = 3


@dataclass(frozen=True)
class Alignment:
    """A monotonic mapping between the frames of take A and take B.

    Attributes
    ----------
    time_a_s, time_b_s : np.ndarray [shape=(k,)]
        aligned pairs of times, in seconds, both increasing
    cost : float
        mean distance along the path (0 = identical shapes)
    """

    time_a_s: np.ndarray
    time_b_s: np.ndarray
    cost: float

    def b_time_at(self, time_a_s) -> np.ndarray:
        """Where in take B the moment ``time_a_s`` of take A lands."""
        return np.interp(time_a_s, self.time_a_s, self.time_b_s)


def _features(tracks, step_frames: int = STEP_FRAMES) -> np.ndarray:
    level = np.asarray(tracks.loudness_db, dtype=float)
    speech = level > np.percentile(level, 95) - 40.0
    lv = np.clip(level, np.percentile(level, 95) - 40.0, None)
    lv = (lv - lv[speech].mean()) / (lv[speech].std() + 1e-9) if speech.any() else lv * 0
    f0 = np.asarray(tracks.f0_hz, dtype=float)
    voiced = np.isfinite(f0)
    st = np.zeros_like(f0)
    if voiced.any():
        st[voiced] = hz_to_st(f0[voiced], np.median(f0[voiced]))
    feats = np.stack([lv, voiced.astype(float), 0.15 * st], axis=1)
    n = feats.shape[0] // step_frames * step_frames
    if n == 0:
        return feats
    return feats[:n].reshape(-1, step_frames, feats.shape[1]).mean(axis=1)


#: The DTW's moves, (take A steps, take B steps), and the weight of each move's cell: a move
#: that skips a frame of one take counts its cell twice, as the frames it covers.
STEPS = np.array([[1, 1], [1, 2], [2, 1]])
STEP_WEIGHTS = np.array([1.0, 2.0, 2.0])


def align(tracks_a, tracks_b) -> Alignment:
    """Align two takes' frame tracks (``Analysis.tracks``) by dynamic time warping.

    The path moves by (1, 1), (1, 2) or (2, 1) steps, so the local tempo ratio stays between one
    half and two: a real difference in pace, never a frozen stretch of one take against a whole
    phrase of the other. The search is ``librosa.sequence.dtw`` with those steps (weights
    :data:`STEP_WEIGHTS`) on the distances of :func:`_features`.

    Measured against the hand-written DTW it replaced (``benchmarks/library_swaps.py``: 30
    known tempo warps of a real phrase, 0.65-1.5x, 3 st higher, with pitch and level noise):
    7.0 ms mean error against 7.1 ms, and 2x faster on practice phrases (3 s: 0.9 against
    2.1 ms; 10 s: 4.8 against 9.1 ms). Its import costs 1.2-2 s (numba, scipy) on first use
    in a process, so it is imported here and nowhere on the path of ``analyze``.

    Raises
    ------
    ProsodyError
        when a take is shorter than 60 ms, or one is more than twice as long as the other
    """
    cells = (len(tracks_a.loudness_db) / STEP_FRAMES) * (len(tracks_b.loudness_db) / STEP_FRAMES)
    step = STEP_FRAMES * max(1, math.ceil(math.sqrt(cells / MAX_ALIGN_CELLS)))
    fa, fb = _features(tracks_a, step), _features(tracks_b, step)
    na, nb = len(fa), len(fb)
    if na < MIN_STEPS or nb < MIN_STEPS:
        which, n = ("take A", na) if na < MIN_STEPS else ("take B", nb)
        raise ProsodyError(f"{which} holds {n * step * FRAME_S * 1000:.0f} ms of frames, fewer "
                           f"than the {MIN_STEPS * step * FRAME_S * 1000:.0f} ms an alignment "
                           "needs; compare two recordings of a whole phrase.")
    if nb - 1 > 2 * (na - 1) or na - 1 > 2 * (nb - 1):  # no path of half- to double-speed steps
        raise ProsodyError(f"take B is {nb / na:.2f} times as long as take A, outside the "
                           "one half to two that an alignment allows (the pace may at most halve "
                           "or double); compare two takes of the same phrase.")
    from librosa.sequence import dtw

    # summed feature by feature: one table of the cells at a time, not one per feature
    dist = np.subtract.outer(fa[:, 0], fb[:, 0])
    dist **= 2
    for k in range(1, fa.shape[1]):
        term = np.subtract.outer(fa[:, k], fb[:, k])
        term **= 2
        dist += term
        del term
    np.sqrt(dist, out=dist)
    _, path = dtw(C=dist, step_sizes_sigma=STEPS, weights_add=np.zeros(len(STEPS)),
                  weights_mul=STEP_WEIGHTS)
    ia, ib = path[::-1].T
    scale = step * FRAME_S
    return Alignment(ia * scale, ib * scale, float(np.mean(dist[ia, ib])))


@dataclass(frozen=True)
class Delta:
    """One feature's change from take A to take B, with the sentence that says it."""

    name: str
    change: float
    unit: str
    words: str


def deltas(summary_a, summary_b) -> list[Delta]:
    """How take B differs from take A, feature by feature, in a person's words.

    Accepts ``Summary`` objects or their ``to_dict()`` dicts. Features undefined in either take
    are left out.
    """
    a = summary_a if isinstance(summary_a, dict) else summary_a.to_dict()
    b = summary_b if isinstance(summary_b, dict) else summary_b.to_dict()
    out: list[Delta] = []

    def both(key):
        return a.get(key) is not None and b.get(key) is not None

    if both("f0_median_hz"):
        d = float(hz_to_st(b["f0_median_hz"], a["f0_median_hz"]))
        out.append(Delta("pitch", d, "st", _signed(d, "st", "higher", "lower", 0.3,
                                                   "about the same pitch")))
    if both("f0_range_st"):
        d = b["f0_range_st"] - a["f0_range_st"]
        out.append(Delta("melody", d, "st", _signed(d, "st", "wider melody", "narrower melody",
                                                    0.5, "a similar melody range")))
    if both("articulation_rate_syl_per_s"):
        d = 100.0 * (b["articulation_rate_syl_per_s"] / a["articulation_rate_syl_per_s"] - 1)
        out.append(Delta("pace", d, "%", _signed(d, "%", "faster", "slower", 5.0,
                                                 "about the same pace")))
    if both("loudness_db"):
        d = b["loudness_db"] - a["loudness_db"]
        out.append(Delta("loudness", d, "dB", _signed(d, "dB", "louder", "softer", 1.0,
                                                      "about as loud")))
    if both("pause_ratio"):
        d = 100.0 * (b["pause_ratio"] - a["pause_ratio"])
        out.append(Delta("pauses", d, "points", _signed(d, " points of time", "more pausing",
                                                        "less pausing", 3.0,
                                                        "about as much pausing")))
    if both("final_fall_fraction"):
        d = 100.0 * (b["final_fall_fraction"] - a["final_fall_fraction"])
        out.append(Delta("phrase ends", d, "points",
                         _signed(d, " points", "more phrase ends falling",
                                 "fewer phrase ends falling", 10.0,
                                 "phrase ends falling as often")))
    return out


def _signed(d: float, unit: str, up: str, down: str, threshold: float, same: str) -> str:
    if abs(d) < threshold:
        return same
    amount = f"{abs(d):.1f}" if abs(d) < 10 else f"{abs(d):.0f}"
    sep = "" if unit.startswith(" ") else " "
    return f"{amount}{sep}{unit} {up if d > 0 else down}"


def deltas_sentence(summary_a, summary_b) -> str:
    """All :func:`deltas` in one line, e.g. "0.8 st lower, 15 % slower, 3.0 dB softer"."""
    parts = [d.words for d in deltas(summary_a, summary_b)]
    return ", ".join(parts) if parts else "no comparable features"
