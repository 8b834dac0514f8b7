"""When the speaker talks: speech activity, silent pauses, phrases and syllable nuclei.

Speech activity combines level and voicing: a frame is speech when it is voiced, or when its level
stands clearly above the recording's own noise floor. Silent pauses are runs of non-speech of at
least 0.25 s between the first and the last speech frame (shorter gaps are stop closures and
micro-pauses that belong to articulation; Campione & Véronis 2002 place the boundary near 200 ms).

Syllable nuclei are peaks of the energy in the vowel band (300-2500 Hz) near voicing, in the spirit
of de Jong & Wempe (2009), who used broadband intensity; the vowel band ignores most fricative and
burst energy, which broadband intensity counts as extra peaks. How far a peak must stand out
depends on the tempo (see :func:`syllable_nuclei`), and every voiced stretch long enough to hold
a vowel keeps at least one nucleus.

How the settings were chosen: on espeak-ng speech at 100-250 words/min (exact counts) and the
TIMIT sample (phone labels), both in ``benchmarks/accuracy.py``, with FDA and RAVDESS sentences
(counts from their words) held out as a check. The three changes that moved TIMIT from 18.8 to
10.6 % error, with espeak-ng within 5.3 % at every speed: voicing from the wide first pitch pass
as well (creaky vowels below the adapted floor: about 4 % of TIMIT's nuclei), tempo judged by
voiced-stretch length as well as by peak rate (the peak rate of fluent speech and of slow
emotional speech look alike), and a 40 ms envelope smoothing with an 80 ms minimum spacing (which
removes the wobble of long and creaky vowels that made lower thresholds over-count slow speech).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dsp import find_peaks, running_max
from .util import FRAME_S

#: Shortest silence that counts as a pause, in seconds (DESIGN.md).
MIN_PAUSE_S = 0.25


@dataclass(frozen=True)
class Timing:
    """Speech activity and its structure, on the 10 ms frame axis.

    Attributes
    ----------
    speech : np.ndarray [shape=(n,), dtype=bool]
    pauses_s : tuple of (start_s, end_s)
        silent pauses between the first and last speech frame
    phrases_s : tuple of (start_s, end_s)
        stretches of speech between pauses
    nuclei : np.ndarray [shape=(k,), dtype=int]
        frame index of each syllable nucleus
    """

    speech: np.ndarray
    pauses_s: tuple[tuple[float, float], ...]
    phrases_s: tuple[tuple[float, float], ...]
    nuclei: np.ndarray


def speech_threshold_db(level_db: np.ndarray) -> float:
    """Level above which a frame counts as speech, in dBFS, from the recording's own statistics.

    The threshold sits a quarter of the way from the noise floor (5th percentile) to the speech
    peaks (98th), at least 6 dB above the floor and at most 35 dB below the peaks. (Voiced frames
    are speech at any level, so a soft voiced ending is kept; what the 35 dB cap leaves out in a
    quiet room is the breathy decay after the last sound and the breath before the first, which
    phoneticians' labels do not count as speaking: speaking time on TIMIT +2.4 % -> 0.0 %.)
    """
    floor, top = np.percentile(level_db, [5, 98])
    return float(max(floor + max(6.0, 0.25 * (top - floor)), top - 35.0))


def speech_activity(level_db: np.ndarray, voiced: np.ndarray) -> np.ndarray:
    """Frames that hold speech: voiced, or clearly above the noise floor.

    A stretch of sound with (almost) no voicing that stands 100 ms or more apart from voiced
    speech is a breath, a click or a bump of the microphone, not speech: every spoken phrase has
    vowels. Its frames are dropped so that breaths before the first word or inside a pause do not
    count as speaking time.
    """
    speech = (level_db > speech_threshold_db(level_db)) | voiced
    # group frames that are less than 100 ms apart, then judge each group by its voicing
    joined = speech.copy()
    for start, stop in runs(~speech):
        if stop - start < 10 and start > 0 and stop < speech.size:
            joined[start:stop] = True
    for start, stop in runs(joined):
        if np.count_nonzero(voiced[start:stop]) < 5:
            speech[start:stop] = False
    return speech


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges ``[start, stop)`` of the True runs in a boolean array."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def segment(speech: np.ndarray, y: np.ndarray, *, sr: float, threshold_db: float,
            min_pause_s: float = MIN_PAUSE_S):
    """Pauses and phrases, in seconds, with pause edges refined to a few milliseconds.

    The frame-level speech mask smears every edge by half an analysis window (12-20 ms), which
    would shrink a 0.25 s silence below the limit. Gaps that could be pauses are therefore
    measured again on a fine level track (10 ms window, 2 ms step) around their edges, and the
    0.25 s minimum applies to the refined length.

    Returns
    -------
    pauses_s, phrases_s : list of (start_s, end_s)
    """
    active = np.flatnonzero(speech)
    if active.size == 0:
        return [], []
    first, last = int(active[0]), int(active[-1]) + 1
    start_s = _refine_edge(y, sr, first * FRAME_S, threshold_db, rising=True)
    end_s = _refine_edge(y, sr, (last - 1) * FRAME_S, threshold_db, rising=False)
    # a gap can be up to two half-windows longer than the frames show
    candidates = int(np.floor((min_pause_s - 0.05) / FRAME_S))
    pauses = []
    for a, b in runs(~speech[first:last]):
        if b - a < candidates:
            continue
        p0 = _refine_edge(y, sr, (first + a - 1) * FRAME_S, threshold_db, rising=False)
        p1 = _refine_edge(y, sr, (first + b) * FRAME_S, threshold_db, rising=True)
        if p1 - p0 >= min_pause_s - 1e-9:
            pauses.append((p0, p1))
    bounds = [start_s] + [t for pause in pauses for t in pause] + [end_s]
    phrases = list(zip(bounds[::2], bounds[1::2], strict=True))
    return pauses, phrases


#: Fine level track used to place pause edges: window and step in seconds.
EDGE_WINDOW_S = 0.010
EDGE_STEP_S = 0.002


def _refine_edge(y: np.ndarray, sr: float, near_s: float, threshold_db: float, *,
                 rising: bool) -> float:
    """Time (s) where speech starts (``rising``) or ends near ``near_s`` (the centre of the
    first or last speech frame), from the fine level track within ±30 ms."""
    win = int(round(EDGE_WINDOW_S * sr))
    step = int(round(EDGE_STEP_S * sr))
    lo = max(0, int((near_s - 0.03) * sr))
    hi = min(y.size, int((near_s + 0.03) * sr) + win)
    seg = y[lo:hi]
    if seg.size < win + step:
        return round(near_s, 3)
    frames = np.lib.stride_tricks.sliding_window_view(seg, win)[::step]
    level = 10.0 * np.log10(np.maximum(frames.var(axis=1), 1e-20))
    centres = lo / sr + (np.arange(frames.shape[0]) * step + win / 2) / sr
    loud = np.flatnonzero(level > threshold_db)
    if loud.size == 0:
        return round(near_s, 3)
    # a window turns loud as soon as it holds a few milliseconds of speech: speech therefore
    # starts near the end of the first loud window and ends near the start of the last one
    t = centres[loud[0]] + EDGE_WINDOW_S / 2 if rising else centres[loud[-1]] - EDGE_WINDOW_S / 2
    return round(float(max(0.0, min(t, y.size / sr))), 3)


#: A voiced stretch shorter than this at either end of the voiced span is left out of it: a
#: hum or a knock the room adds after the words reads as a few voiced frames (seen with a
#: 40-400 Hz rumble 12 dB under the speech), while a spoken syllable voices for longer.
MIN_EDGE_VOICED_S = 0.06


def voiced_span(voiced: np.ndarray, speech: np.ndarray) -> tuple[int, int] | None:
    """The frames from the first to the last voiced speech frame, end exclusive (None: no
    voiced stretch of ``MIN_EDGE_VOICED_S``): the span the pace is taken over.

    The speech edges move with the room: soft unvoiced sounds at the ends of an utterance (the
    "s" of "it's", the release of a final "t") sink under a noise floor 10-15 dB down, and a
    span from the first to the last speech frame shrinks with them. Voicing holds down to a
    few dB of SNR, so this span does too: benchmarks/noise_robustness.py finds it within 10 %
    down to 11 dB SNR as read, speech rate down to 19.
    """
    stretches = [(a, b) for a, b in runs(voiced & speech)
                 if (b - a) * FRAME_S >= MIN_EDGE_VOICED_S - 1e-9]
    if not stretches:
        return None
    return stretches[0][0], stretches[-1][1]


def spans_to_frames(spans_s) -> list[tuple[int, int]]:
    """(start_s, end_s) spans to half-open frame ranges of the frames whose centre they hold."""
    return [(int(np.ceil(a / FRAME_S - 1e-9)), int(np.floor(b / FRAME_S + 1e-9)) + 1)
            for a, b in spans_s]


def _smooth(x: np.ndarray, width: int) -> np.ndarray:
    kernel = np.hanning(width + 2)[1:-1]
    kernel /= kernel.sum()
    return np.convolve(x, kernel, mode="same")


#: Smoothing of the vowel-band envelope before peak picking, in frames (a 40 ms Hann window):
#: it irons out the ripple a creaky or strongly modulated voice puts on a long vowel.
ENVELOPE_SMOOTH_FRAMES = 4


def nucleus_candidates(vowel_db: np.ndarray, voiced: np.ndarray, speech: np.ndarray,
                       *, min_prominence_db: float, local_drop_db: float = 20.0,
                       min_distance: int = 5, smooth_frames: int = 3):
    """Voiced peaks of the smoothed vowel-band envelope with their prominence in dB.

    A peak counts only within 20 ms of a voiced frame (vowels are voiced, fricative noise is
    not), inside speech, no more than 35 dB below the take's loud speech and no more than
    ``local_drop_db`` below the strongest peak within 300 ms. Of two peaks closer than
    ``min_distance`` frames, the lower one goes.

    Returns
    -------
    frames : np.ndarray [int], prominence_db : np.ndarray
    """
    env = _smooth(vowel_db, smooth_frames)
    near_voiced = np.convolve(voiced.astype(float), np.ones(5), mode="same") > 0
    peaks, prominence = find_peaks(env, min_prominence=min_prominence_db,
                                   min_distance=min_distance)
    top = np.percentile(env[speech], 95) if speech.any() else -np.inf
    local_top = running_max(env, 61)  # strongest within ±300 ms
    ok = (near_voiced[peaks] & speech[peaks] & (env[peaks] > top - 35.0)
          & (env[peaks] > local_top[peaks] - local_drop_db))
    return peaks[ok], prominence[ok]


def _mean_voiced_run_s(voiced: np.ndarray, speech: np.ndarray) -> float | None:
    """Mean length in seconds of the voiced stretches inside speech, or None without any."""
    lengths = [b - a for a, b in runs(voiced & speech)]
    return float(np.mean(lengths)) * FRAME_S if lengths else None


def _fraction(x: float, slow: float, fast: float) -> float:
    """Where ``x`` lies between a slow and a fast reference, clipped to 0 (slow) ... 1 (fast)."""
    return float(np.clip((x - slow) / (fast - slow), 0.0, 1.0))


def syllable_nuclei(vowel_db: np.ndarray, voiced: np.ndarray, speech: np.ndarray,
                    *, slow_prominence_db: float = 1.5, fast_prominence_db: float = 0.1,
                    slow_rate_syl_per_s: float = 3.0, fast_rate_syl_per_s: float = 4.0,
                    slow_voiced_run_s: float = 0.28, fast_voiced_run_s: float = 0.17,
                    min_spacing_s: float = 0.08, local_drop_db: float = 20.0) -> np.ndarray:
    """Frame indices of syllable nuclei found in the audio alone.

    How deep the dip between two syllables is depends on tempo. In fast, fluent speech
    coarticulation leaves unstressed syllables with a barely visible dip, or none, so every
    peak has to count; in slow speech a long vowel wobbles by a dB or more without becoming
    two syllables. The threshold therefore slides from ``slow_prominence_db`` to
    ``fast_prominence_db`` with the tempo, judged two ways that fail differently and are
    averaged: the rate of peaks found with the strict threshold (which undercounts fluent
    speech, hence the low reference rates), and the mean length of the voiced stretches (long
    in slow speech, short in fluent speech, whatever the peaks do). Nuclei are at least
    ``min_spacing_s`` apart: even very fast speech stays below about 10 syllables a second.
    Peaks more than ``local_drop_db`` below the strongest vowel within 300 ms are voiced
    consonants (nasals, glides) beside a vowel, not syllables.

    Parameters
    ----------
    vowel_db : np.ndarray [shape=(n,)]
        vowel-band (300-2500 Hz) energy per frame, dB
    voiced : np.ndarray [shape=(n,), dtype=bool]
        frames with voicing. Give the union of the pitch track's voicing and a wide-range
        periodicity test (:attr:`prosody.pitch.Pitch.periodic`): a creaky or breathy vowel
        below the speaker's adapted pitch floor is still a syllable.
    speech : np.ndarray [shape=(n,), dtype=bool]
    """
    spacing = max(1, int(round(min_spacing_s / FRAME_S)))

    def peaks_at(prominence_db: float) -> np.ndarray:
        return nucleus_candidates(vowel_db, voiced, speech, min_prominence_db=prominence_db,
                                  local_drop_db=local_drop_db, min_distance=spacing,
                                  smooth_frames=ENVELOPE_SMOOTH_FRAMES)[0]

    strict = peaks_at(slow_prominence_db)
    speaking_s = np.count_nonzero(speech) * FRAME_S
    run_s = _mean_voiced_run_s(voiced, speech)
    if strict.size < 2 or speaking_s <= 0 or run_s is None:
        return _cover_voiced_runs(strict, vowel_db, voiced)
    tempo = 0.5 * (_fraction(strict.size / speaking_s, slow_rate_syl_per_s, fast_rate_syl_per_s)
                   + _fraction(run_s, slow_voiced_run_s, fast_voiced_run_s))
    peaks = peaks_at(slow_prominence_db + tempo * (fast_prominence_db - slow_prominence_db))
    return _cover_voiced_runs(peaks, vowel_db, voiced)


def _cover_voiced_runs(peaks: np.ndarray, vowel_db: np.ndarray, voiced: np.ndarray) -> np.ndarray:
    """Give every voiced run of 60 ms or more at least one nucleus (at its strongest frame),
    unless a nucleus lies within 100 ms of it: a voicing dropout inside one vowel (creak at a
    diphthong's end, say) splits a run without making a new syllable."""
    extra: list[int] = []
    spans = runs(voiced)
    # a peak within 100 ms of each run, by bisection in the sorted peaks: linear in the frames
    # (a test of every peak against every run is quadratic in a long recording)
    edges = np.asarray(spans, dtype=np.int64).reshape(-1, 2) + np.array([-10, 10])
    ordered = np.sort(peaks)
    near_peak = (np.searchsorted(ordered, edges[:, 0], side="left")
                 < np.searchsorted(ordered, edges[:, 1], side="left"))
    for (a, b), covered in zip(spans, near_peak.tolist(), strict=True):
        if b - a < 6 or covered:
            continue
        if extra and extra[-1] >= a - 10:  # the run before got one: the same rule applies
            continue
        extra.append(a + int(np.argmax(vowel_db[a:b])))
    return np.sort(np.concatenate([peaks, np.asarray(extra, dtype=peaks.dtype)]))


def place_syllables(count: int, vowel_db: np.ndarray, voiced: np.ndarray,
                    speech: np.ndarray) -> np.ndarray:
    """Times (frames) for ``count`` syllables whose number is known from the text.

    The ``count`` most prominent voiced peaks are taken; when the audio shows fewer, the rest are
    spread over the voiced frames farthest from any chosen nucleus, one at a time (ties: the
    earliest frame). When every voiced frame holds a nucleus, further syllables share the first
    voiced frame: a text far longer than what was said still gets its count, at no cost.

    Cost: O(frames + count · log frames). Each gap between chosen nuclei offers one best frame
    (the voiced frame nearest its middle, found by bisection), and a heap of the gaps gives the
    farthest frame of all; placing a nucleus splits one gap into two.

    Returns
    -------
    np.ndarray [shape=(count,), dtype=int64]
        frame indices, sorted
    """
    if count <= 0 or not speech.any():
        return np.zeros(0, dtype=np.int64)
    peaks, prom = nucleus_candidates(vowel_db, voiced, speech, min_prominence_db=0.3)
    if peaks.size >= count:
        chosen = np.sort(peaks[np.argsort(-prom, kind="stable")[:count]])
        return chosen
    pool = np.flatnonzero(voiced) if voiced.any() else np.flatnonzero(speech)
    return np.sort(np.asarray(_farthest_first(peaks.tolist(), pool.tolist(), count),
                              dtype=np.int64))


def _farthest_first(chosen: list[int], pool: list[int], count: int) -> list[int]:
    """Add frames of ``pool`` (sorted, unique) to ``chosen`` until it holds ``count``, each time
    the pool frame farthest from every chosen one (the earliest of equals).

    ``chosen`` is returned extended in place. With nothing chosen yet, the middle pool frame
    comes first.
    """
    import bisect
    import heapq

    if not chosen:
        chosen.append(pool[len(pool) // 2])
    heap: list[tuple[int, int, int, int]] = []  # (-distance, frame, gap start, gap end)

    def offer(lo: int | None, hi: int | None) -> None:
        """Push the best pool frame strictly between chosen frames ``lo`` and ``hi`` (None: the
        recording's edge)."""
        i = 0 if lo is None else bisect.bisect_right(pool, lo)
        j = len(pool) if hi is None else bisect.bisect_left(pool, hi)
        if i >= j:
            return
        if lo is None:
            frame, dist = pool[i], hi - pool[i]  # before the first nucleus: the first frame
        elif hi is None:
            frame, dist = pool[j - 1], pool[j - 1] - lo  # after the last: the last frame
        else:
            # distance to the nearer end peaks at the middle: the best frame is next to it
            k = bisect.bisect_right(pool, (lo + hi) // 2, i, j)
            frame, dist = -1, -1
            for f in pool[max(i, k - 1) : min(j, k + 1)]:
                d = min(f - lo, hi - f)
                if d > dist:
                    frame, dist = f, d
        heapq.heappush(heap, (-dist, frame, -1 if lo is None else lo, -1 if hi is None else hi))

    edges = sorted(set(chosen))
    offer(None, edges[0])
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        offer(lo, hi)
    offer(edges[-1], None)
    while len(chosen) < count and heap:
        _, frame, lo, hi = heapq.heappop(heap)
        chosen.append(frame)
        offer(None if lo < 0 else lo, frame)
        offer(frame, None if hi < 0 else hi)
    # every pool frame is taken: each is at distance 0, and the earliest wins every time
    chosen.extend([pool[0]] * (count - len(chosen)))
    return chosen

