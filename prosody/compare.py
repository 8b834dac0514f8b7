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
#: that skips frames of one take counts its cell as often as the frames it covers.
STEPS = np.array([[1, 1], [1, 2], [2, 1], [1, 3], [3, 1]])
STEP_WEIGHTS = np.array([1.0, 2.0, 2.0, 3.0, 3.0])
#: The most one take may run faster than the other, locally and overall: a hurried take of a
#: phrase is often twice as fast as a calm model of it, and must still be compared.
MAX_TEMPO_RATIO = 3
#: Silence kept before the first and after the last speech frame when takes are trimmed for
#: alignment, in seconds: the breath before a word is part of its timing, seconds of room
#: noise are not.
TRIM_MARGIN_S = 0.1


def speech_span(tracks) -> tuple[int, int]:
    """The frames from the first to the last speech frame of a take, with
    :data:`TRIM_MARGIN_S` either side, as a slice's (start, stop); the whole take when it
    holds no speech."""
    speech = np.asarray(getattr(tracks, "speech", ()), dtype=bool)
    n = len(tracks.loudness_db)
    if speech.size != n or not speech.any():
        return 0, n
    margin = int(round(TRIM_MARGIN_S / FRAME_S))
    found = np.flatnonzero(speech)
    return max(0, int(found[0]) - margin), min(n, int(found[-1]) + 1 + margin)


def _trimmed(tracks, start: int, stop: int):
    """The frame tracks between two frames (only what the alignment reads)."""
    from types import SimpleNamespace

    return SimpleNamespace(loudness_db=np.asarray(tracks.loudness_db)[start:stop],
                           f0_hz=np.asarray(tracks.f0_hz)[start:stop])


def align(tracks_a, tracks_b) -> Alignment:
    """Align two takes' frame tracks (``Analysis.tracks``) by dynamic time warping.

    Each take is first trimmed to its speech (:func:`speech_span`): seconds of silence before
    the first word must not decide how the words line up. The path moves by (1, 1), (1, 2),
    (2, 1), (1, 3) or (3, 1) steps, so the local tempo ratio stays between a third and three
    (:data:`MAX_TEMPO_RATIO`): a hurried take against a slow model, yet never a frozen stretch
    of one take against a whole phrase of the other. The search is ``librosa.sequence.dtw``
    with those steps (weights :data:`STEP_WEIGHTS`) on the distances of :func:`_features`.

    Measured against the hand-written DTW it replaced (``benchmarks/library_swaps.py``: 30
    known tempo warps of a real phrase, 0.65-1.5x, 3 st higher, with pitch and level noise):
    7.0 ms mean error against 7.1 ms, and 2x faster on practice phrases (3 s: 0.9 against
    2.1 ms; 10 s: 4.8 against 9.1 ms). Its import costs 1.2-2 s (numba, scipy) on first use
    in a process, so it is imported here and nowhere on the path of ``analyze``. The third
    steps and the trimming (the same 30 warps of the arctic phrase, seed 20261207) cost 1 ms
    there (8.0 ms) and align what the half- to double-speed path could not: take B 1.5-2.5x
    as fast, 4.8 ms (that path refused 18 of 30, 38 ms on the rest); 2.2-2.9x, 4.0 ms (it
    refused all); B 1.7-2.5x as slow, 12.6 ms (it refused 16, 96 ms on the rest).

    Raises
    ------
    ProsodyError
        when a take is shorter than 60 ms, or one's speech is more than three times as long as
        the other's
    """
    (a0, a1), (b0, b1) = speech_span(tracks_a), speech_span(tracks_b)
    cells = ((a1 - a0) / STEP_FRAMES) * ((b1 - b0) / STEP_FRAMES)
    step = STEP_FRAMES * max(1, math.ceil(math.sqrt(cells / MAX_ALIGN_CELLS)))
    fa = _features(_trimmed(tracks_a, a0, a1), step)
    fb = _features(_trimmed(tracks_b, b0, b1), step)
    na, nb = len(fa), len(fb)
    if na < MIN_STEPS or nb < MIN_STEPS:
        which, n = ("take A", na) if na < MIN_STEPS else ("take B", nb)
        raise ProsodyError(f"{which} holds {n * step * FRAME_S * 1000:.0f} ms of frames, fewer "
                           f"than the {MIN_STEPS * step * FRAME_S * 1000:.0f} ms an alignment "
                           "needs; compare two recordings of a whole phrase.")
    k = MAX_TEMPO_RATIO
    if nb - 1 > k * (na - 1) or na - 1 > k * (nb - 1):  # no path of the allowed steps
        raise ProsodyError(f"the speech of take B is {nb / na:.2f} times as long as take A's, "
                           f"outside the one third to three that an alignment allows (one take "
                           f"may at most be three times as fast); compare two takes of the "
                           "same phrase.")
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
    return Alignment(a0 * FRAME_S + ia * scale, b0 * FRAME_S + ib * scale,
                     float(np.mean(dist[ia, ib])))


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
    # the pace the coach judges (syllables over the voiced span), as the pace card says it
    if both("voiced_rate_syl_per_s") and a["voiced_rate_syl_per_s"] > 0:
        d = 100.0 * (b["voiced_rate_syl_per_s"] / a["voiced_rate_syl_per_s"] - 1)
        out.append(Delta("pace", d, "%", _signed(d, "%", "faster", "slower", 5.0,
                                                 "about the same pace")))
    if both("loudness_db"):
        d = b["loudness_db"] - a["loudness_db"]
        out.append(Delta("loudness", d, "dB", _signed(d, "dB", "louder", "softer", 1.0,
                                                      "about as loud")))
    if both("pause_ratio"):
        pa, pb = 100.0 * a["pause_ratio"], 100.0 * b["pause_ratio"]
        out.append(Delta("pauses", pb - pa, "points", _shares(
            pa, pb, 3.0, "more pausing", "less pausing", "about as much pausing",
            " of the time")))
    if both("final_fall_fraction"):
        fa, fb = 100.0 * a["final_fall_fraction"], 100.0 * b["final_fall_fraction"]
        out.append(Delta("phrase ends", fb - fa, "points", _shares(
            fa, fb, 10.0, "more phrase ends falling", "fewer phrase ends falling",
            "phrase ends falling as often", " of them")))
    return out


def _shares(a_pct: float, b_pct: float, threshold: float, up: str, down: str, same: str,
            of: str) -> str:
    """A change of a share said with both shares ("less pausing: 9 % of the time against
    22 %"), not as a difference of percentage points."""
    if abs(b_pct - a_pct) < threshold:
        return same
    return f"{up if b_pct > a_pct else down} ({b_pct:.0f} %{of} against {a_pct:.0f} %)"


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
