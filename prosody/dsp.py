"""Small signal-processing building blocks in plain numpy, and resampling by soxr.

``scipy.signal`` would give most of these, but importing it costs 0.5-1.7 s on this project's
machines, longer than the whole analysis of a practice phrase; the command line and the app's
first answer must feel immediate, so the analysis path uses these instead. librosa's own
helpers are no better here: ``librosa.util`` loads numba (see :func:`find_peaks`).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def next_fast_len(n: int) -> int:
    """Smallest integer >= n whose only prime factors are 2, 3 and 5 (fast FFT sizes)."""
    best = 1 << int(np.ceil(np.log2(max(n, 1))))
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            # the smallest power of two that lifts p35 to at least n
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def frame_blocks(y: np.ndarray, *, hop: int, win_len: int, n_frames: int,
                 block_frames: int) -> Iterator[tuple[int, np.ndarray]]:
    """Centred frames of ``y`` in blocks, padding with zeros only where a block needs it.

    Frame k covers samples ``k*hop - win_len//2`` up to ``+ win_len``. Yields
    ``(first_frame, frames)`` with ``frames`` of shape (frames in block, win_len), a read-only
    view where possible: no copy of the whole signal is ever made.
    """
    half = win_len // 2
    for b0 in range(0, n_frames, block_frames):
        b1 = min(n_frames, b0 + block_frames)
        s0 = b0 * hop - half
        s1 = (b1 - 1) * hop - half + win_len
        seg = y[max(s0, 0) : min(s1, y.size)]
        pad_l, pad_r = max(0, -s0), max(0, s1 - y.size)
        if pad_l or pad_r:
            seg = np.pad(seg, (pad_l, pad_r))
        yield b0, np.lib.stride_tricks.sliding_window_view(seg, win_len)[::hop][: b1 - b0]


def find_peaks(x: np.ndarray, *, min_prominence: float,
               min_distance: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Local maxima of ``x`` with their prominence, as ``scipy.signal.find_peaks`` defines them.

    Kept hand-written (``benchmarks/library_swaps.py``): ``librosa.util.peak_pick`` picks
    peaks by a local maximum over a running mean, with no prominence, which the syllable
    detector's tuned settings are built on, and ``import librosa.util`` loads numba, 1.8-3.0 s
    on this machine, on the path of every analysis (the cold ``calmtone analyze`` takes
    0.24 s); this one takes 7-12 ms on 60 s of frames.

    The prominence of a peak is its height above the higher of the two lowest points reached
    before meeting higher ground on either side. Peaks closer than ``min_distance`` samples to a
    higher peak are dropped first (the higher one wins), then those below ``min_prominence``.
    A plateau counts once, at its middle.

    Returns
    -------
    peaks : np.ndarray [int], prominences : np.ndarray
    """
    x = np.asarray(x, dtype=np.float64)
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0))
    if x.size < 3:
        return empty
    # collapse plateaus: a run of equal values acts as one sample
    change = np.concatenate([[True], x[1:] != x[:-1]])
    starts = np.flatnonzero(change)
    ends = np.concatenate([starts[1:], [x.size]]) - 1
    v = x[starts]
    is_peak = np.zeros(v.size, dtype=bool)
    is_peak[1:-1] = (v[1:-1] > v[:-2]) & (v[1:-1] > v[2:])
    runs = np.flatnonzero(is_peak)
    if runs.size == 0:
        return empty
    peaks = (starts[runs] + ends[runs]) // 2
    heights = x[peaks]
    if min_distance > 1:
        keep = np.ones(peaks.size, dtype=bool)
        for k in np.argsort(heights, kind="stable")[::-1]:  # ties: the later peak wins
            if keep[k]:
                lo = np.searchsorted(peaks, peaks[k] - min_distance + 1)
                hi = np.searchsorted(peaks, peaks[k] + min_distance)
                keep[lo:hi] = False
                keep[k] = True
        peaks, heights = peaks[keep], heights[keep]
    left_higher = _nearest_higher(x, peaks, step=-1)
    right_higher = _nearest_higher(x, peaks, step=1)
    prom = np.empty(peaks.size)
    for n, p in enumerate(peaks):
        left_min = x[left_higher[n] + 1 : p + 1].min()
        right_min = x[p : right_higher[n]].min()
        prom[n] = heights[n] - max(left_min, right_min)
    ok = prom >= min_prominence
    return peaks[ok], prom[ok]


def _nearest_higher(x: np.ndarray, peaks: np.ndarray, *, step: int) -> np.ndarray:
    """For each peak, the index of the nearest sample strictly higher than it in direction
    ``step`` (-1: left, +1: right), or one past the edge. One pass with a monotonic stack."""
    n = x.size
    order = range(n - 1, -1, -1) if step == -1 else range(n)
    edge = -1 if step == -1 else n
    nearest = np.full(n, edge, dtype=np.int64)
    stack: list[int] = []
    # walking away from the direction of interest, pop every index the current one exceeds:
    # the current sample is the nearest higher one for each of them
    for i in order:
        xi = x[i]
        while stack and x[stack[-1]] < xi:
            nearest[stack.pop()] = i
        stack.append(i)
    return nearest[peaks]


def running_max(x: np.ndarray, size: int) -> np.ndarray:
    """Maximum of ``x`` over a centred window of ``size`` samples (edges see a shorter window)."""
    half = size // 2
    padded = np.pad(np.asarray(x, dtype=np.float64), half, mode="edge")
    return np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1).max(axis=1)


def resample(y: np.ndarray, sr_in: float, sr_out: float) -> np.ndarray:
    """Band-limited resampling, by soxr (the resampler librosa uses), at its "VHQ" quality.

    Measured against the hand-written Kaiser-windowed polyphase filter this replaced
    (``benchmarks/library_swaps.py``, 48 kHz to 16 kHz): an 8.5 kHz tone folds back at
    -185 dB instead of -48 dB, a 6.5 kHz tone passes within -186 dB of exact instead of being
    cut by the transition band (-20 dB), and 60 s of audio take 34 ms instead of 60 ms (18 ms
    instead of 537 ms from 44.1 kHz). ``import soxr`` costs 2 ms.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
    sr_in, sr_out : number > 0
        sample rates in Hz (or any two numbers in their ratio: ``resample(y, 2, 1)`` halves)

    Returns
    -------
    np.ndarray [shape=(ceil(n * sr_out / sr_in),)], float64
        delay-compensated: sample k of the result is at time k / sr_out
    """
    import soxr

    y = np.asarray(y)
    if sr_in == sr_out:
        return y.astype(np.float64)
    if y.dtype not in (np.float32, np.float64):
        y = y.astype(np.float64)
    out = soxr.resample(np.ascontiguousarray(y), float(sr_in), float(sr_out), quality="VHQ")
    size = int(np.ceil(y.size * sr_out / sr_in))
    if out.size < size:  # soxr rounds the length to nearest: keep load's promised length
        out = np.concatenate([out, np.zeros(size - out.size, dtype=out.dtype)])
    return out[:size].astype(np.float64, copy=False)
