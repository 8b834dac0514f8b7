"""The hand-written code the product replaced by a library, kept here only to measure the swap
against (``benchmarks/library_swaps.py``). Nothing in the product imports this file.

- :func:`kaiser_resample`: ``prosody.dsp.resample`` before soxr (Kaiser-windowed sinc,
  polyphase, in blocks);
- :func:`numpy_align`: ``prosody.compare.align`` before ``librosa.sequence.dtw`` (the same
  steps, vectorised over columns in numpy).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from prosody.compare import MAX_ALIGN_CELLS, STEP_FRAMES, _features
from prosody.util import FRAME_S


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


def kaiser_resample(y: np.ndarray, sr_in: float, sr_out: float, *,
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


def numpy_align(tracks_a, tracks_b) -> tuple[np.ndarray, np.ndarray]:
    """The hand-written DTW of ``prosody.compare.align``: (times in A, times in B).

    The path moves by (1, 1), (1, 2) or (2, 1) steps, so the local tempo ratio stays between one
    half and two: a real difference in pace, never a frozen stretch of one take against a whole
    phrase of the other. Each row of the cost table depends only on earlier rows, so the search
    is vectorised over columns.
    """
    cells = (len(tracks_a.loudness_db) / STEP_FRAMES) * (len(tracks_b.loudness_db) / STEP_FRAMES)
    step = STEP_FRAMES * max(1, math.ceil(math.sqrt(cells / MAX_ALIGN_CELLS)))
    fa, fb = _features(tracks_a, step), _features(tracks_b, step)
    na, nb = len(fa), len(fb)
    # summed feature by feature: one table of the cells at a time, not one per feature
    dist = np.zeros((na, nb))
    for k in range(fa.shape[1]):
        dist += (fa[:, k, None] - fb[None, :, k]) ** 2
    np.sqrt(dist, out=dist)
    inf = np.inf
    acc = np.full((na, nb), inf)
    move = np.zeros((na, nb), dtype=np.int8)  # 0: (1,1), 1: (1,2), 2: (2,1)
    acc[0, 0] = dist[0, 0]
    for i in range(1, na):
        cand = np.full((3, nb), inf)
        cand[0, 1:] = acc[i - 1, :-1]
        cand[1, 2:] = acc[i - 1, :-2] + dist[i, 1:-1]  # pass through the skipped column
        if i >= 2:
            cand[2, 1:] = acc[i - 2, :-1] + dist[i - 1, 1:]
        best = np.argmin(cand, axis=0)
        acc[i] = cand[best, np.arange(nb)] + dist[i]
        move[i] = best
    if not np.isfinite(acc[-1, -1]):
        raise ValueError("the takes differ in length by more than a factor of two")
    path = [(na - 1, nb - 1)]
    i, j = na - 1, nb - 1
    while (i, j) != (0, 0):
        m = move[i, j]
        if m == 0:
            i, j = i - 1, j - 1
        elif m == 1:
            path.append((i, j - 1))
            i, j = i - 1, j - 2
        else:
            path.append((i - 1, j))
            i, j = i - 2, j - 1
        path.append((i, j))
    path.reverse()
    ia, ib = np.array(path).T
    scale = step * FRAME_S
    return ia * scale, ib * scale
