"""Small signal-processing building blocks in plain numpy.

``scipy.signal`` would give most of these, but importing it costs 0.5-1.7 s on this project's
machines, longer than the whole analysis of a practice phrase; the command line and the app's
first answer must feel immediate, so the analysis path uses these instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

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


def _kaiser_sinc_bank(up: int, down: int, zero_crossings: int = 12, beta: float = 8.6,
                      rolloff: float = 0.9) -> np.ndarray:
    """Polyphase bank of a Kaiser-windowed sinc low-pass: shape (up, 2 * half_taps).

    The pass band ends at ``rolloff`` times the lower Nyquist frequency, so that the transition
    band lies below it and nothing above the new Nyquist frequency folds back.
    """
    cutoff = rolloff / max(up, down)  # relative to the upsampled Nyquist rate
    half_taps = int(np.ceil(zero_crossings / (cutoff * up)))
    # tap k of phase p sits at upsampled offset (k - half_taps) * up + p ... expressed directly:
    k = np.arange(-half_taps + 1, half_taps + 1)
    phases = np.arange(up)[:, None] / up
    t = k[None, :] - phases  # distance in input samples from the output instant
    x = t * up * cutoff
    window = np.kaiser(2 * half_taps + 1, beta)
    w = np.interp(t, np.arange(-half_taps, half_taps + 1), window, left=0.0, right=0.0)
    bank = up * cutoff * np.sinc(x) * w
    return bank / bank.sum(axis=1, keepdims=True)


def resample(y: np.ndarray, sr_in: float, sr_out: float, *,
             block: int = 1 << 20) -> np.ndarray:
    """Band-limited rational resampling (Kaiser-windowed sinc, polyphase), in blocks.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
    sr_in, sr_out : number > 0
        sample rates in Hz; their ratio is approximated by a fraction with denominator <= 1000

    Returns
    -------
    np.ndarray [shape=(ceil(n * sr_out / sr_in),)], float64
    """
    ratio = Fraction(int(round(sr_out)), int(round(sr_in))).limit_denominator(1000)
    up, down = ratio.numerator, ratio.denominator
    y = np.asarray(y)  # float32 input stays float32 until each block is accumulated
    if up == down:
        return y.astype(np.float64)
    bank = _kaiser_sinc_bank(up, down)
    taps = bank.shape[1]
    half = taps // 2
    n_out = int(np.ceil(y.size * up / down))
    out = np.empty(n_out)
    for o0 in range(0, n_out, block):
        j = np.arange(o0, min(n_out, o0 + block))
        pos = j * down  # output instant on the upsampled grid
        phase = pos % up
        # input samples base-half+1 .. base+half around each output instant; only this block's
        # stretch of input is copied (and zero-padded at the ends), never the whole signal
        base = pos // up - half + 1
        lo, hi = int(base[0]), int(base[-1]) + taps
        seg = y[max(lo, 0) : min(hi, y.size)]
        seg = np.pad(seg, (max(0, -lo), max(0, hi - y.size)))
        base -= lo
        acc = np.zeros(j.size)
        if up == 1:
            # plain decimation, split into its polyphase parts: phase p of the filter meets
            # every down-th input from p, one contiguous correlation each (a third of the work
            # of filtering at the input rate, and in C rather than one numpy pass per tap)
            b0 = int(base[0])
            h = bank[0]
            for p in range(min(down, taps)):
                hp = h[p::down]
                xp = seg[b0 + p :: down][: j.size + hp.size - 1]
                acc += np.correlate(xp, hp, mode="valid")[: j.size]
        else:
            for k in range(taps):
                acc += bank[phase, k] * seg[base + k]
        out[j] = acc
    return out
