"""Pitch (F0) contour of speech, every 10 ms, NaN where unvoiced.

The tracker follows the autocorrelation method of Boersma (1993, "Accurate short-term analysis of
the fundamental frequency and the harmonics-to-noise ratio of a sampled sound", IFA Proceedings
17: 97-110), the method behind Praat's ``To Pitch (ac)``:

1. each frame is Hann-windowed over three periods of the pitch floor; its normalised
   autocorrelation is divided by the window's own autocorrelation, which removes the taper's bias
   towards short lags;
2. local maxima of that function between the floor and ceiling lags are the voiced candidates,
   with a small bonus for higher frequencies (octave cost) so subharmonics do not win ties; an
   unvoiced candidate grows stronger as the frame gets quieter relative to the loudest part of the
   recording;
3. a Viterbi path through the candidates trades candidate strength against octave jumps and
   voiced/unvoiced switches.

Two passes make the search range adapt to the speaker, as careful Praat users do (De Looze &
Hirst 2008): a wide first pass finds the speaker's quantiles, the second pass searches between
``0.7 * p10`` and ``1.9 * p90`` of the first, which removes most octave errors. A baseline take can
give the range directly.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np

from .dsp import frame_blocks, next_fast_len, resample
from .errors import ProsodyError, ProsodyWarning
from .util import FRAME_S, check_audio

#: Range of the first, speaker-independent pass, in Hz.
WIDE_FMIN_HZ = 60.0
WIDE_FMAX_HZ = 700.0
#: Absolute limits of any adapted range, in Hz.
LIMIT_FMIN_HZ = 40.0
LIMIT_FMAX_HZ = 1100.0


@dataclass(frozen=True)
class PitchSettings:
    """Constants of the autocorrelation tracker (Praat's defaults for speech)."""

    periods_per_window: float = 3.0
    max_candidates: int = 15
    #: Praat's default is 0.03; 0.04 ends voicing a little sooner in the decaying tail of a
    #: reverberant room (voicing errors 17.8 -> 16.6 % at RT60 0.4 s, real laryngograph speech
    #: 5.9 -> 5.8 %) while frames down to about -25 dB re the loudest peak stay fully eligible,
    #: so soft phrase endings keep their voicing (benchmarks/README.md).
    silence_threshold: float = 0.04
    voicing_threshold: float = 0.45
    octave_cost: float = 0.01
    octave_jump_cost: float = 0.35
    voiced_unvoiced_cost: float = 0.14
    #: Shortest analysis window in seconds: three periods of 75 Hz, as in Praat's default. A
    #: shorter window (three periods of a high adapted floor) tracks no better and jitters more.
    min_window_s: float = 0.04
    #: Triangular smoothing of the semitone contour within each voiced run, in frames (5 = 50 ms
    #: wide). Prosody lives in movements slower than this; frame-to-frame tracking noise does not
    #: (fine pitch error 10.8 -> 9.8 cents on speech with known F0; a linear glide is unchanged).
    #: 1 turns it off.
    smooth_frames: int = 5
    #: Frames analysed per block; bounds memory on long recordings.
    block_frames: int = 1024


@dataclass(frozen=True)
class Pitch:
    """An F0 contour with its own time axis.

    Attributes
    ----------
    time_s : np.ndarray [shape=(n,)]
        frame centres in seconds, frame k at k * ``frame_s``
    f0_hz : np.ndarray [shape=(n,)]
        fundamental frequency in Hz, NaN where unvoiced
    voiced : np.ndarray [shape=(n,), dtype=bool]
    strength : np.ndarray [shape=(n,)]
        corrected autocorrelation of the chosen candidate (0-1; 0 where unvoiced)
    fmin_hz, fmax_hz : float
        the search range actually used (after adaptation)
    frame_s : float
        time step in seconds
    periodic : np.ndarray [shape=(n,), dtype=bool] or None
        frames periodic anywhere in the wide first-pass range (60-700 Hz), before any run is
        dropped: it also holds creaky or breathy voicing below the speaker's adapted floor,
        which the syllable count needs and the F0 contour must not carry. None only from
        trackers that run no wide pass (see :func:`periodic_frames`).
    """

    time_s: np.ndarray
    f0_hz: np.ndarray
    voiced: np.ndarray
    strength: np.ndarray
    fmin_hz: float
    fmax_hz: float
    frame_s: float = FRAME_S
    periodic: np.ndarray | None = None


def track_pitch(
    y: np.ndarray,
    *,
    sr: float,
    fmin_hz: float | None = None,
    fmax_hz: float | None = None,
    settings: PitchSettings | None = None,
) -> Pitch:
    """Track F0 every 10 ms.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        mono audio
    sr : number > 0
        sample rate in Hz
    fmin_hz, fmax_hz : float or None
        search range in Hz. When both are None the range adapts to the speaker in two passes.
        When given (for example from the speaker's baseline take) they are the range the track
        keeps to, its floor lowered only where this recording's own voice sits below it: a
        voice settled far below its everyday pitch, or a lower voice than the baseline's, is
        tracked as it is, not as the harmonics that fall inside the given range.
    settings : PitchSettings or None

    Returns
    -------
    Pitch
    """
    y = check_audio(y, sr)
    settings = settings or PitchSettings()
    if (fmin_hz is None) != (fmax_hz is None):
        raise ProsodyError("give both fmin_hz and fmax_hz, or neither to adapt to the speaker.")
    if fmin_hz is not None:
        _check_range(fmin_hz, fmax_hz, sr)

    n = n_frames(y.size, sr)
    wide = _wide_pass(y, sr, settings)
    periodic = _fit_length(wide.voiced, n)
    first = _drop_stray_runs(wide)
    f0 = first.f0_hz[first.voiced]
    own = adapted_range_hz(f0) if f0.size >= 10 else None
    if fmin_hz is not None:
        # the given floor, lowered to this recording's own where its voice sits below it. The
        # ceiling stays: it already has room for a tense voice, and chance periodicity in a
        # whisper or breath reads high, so a ceiling from the take would let it in as voice
        lo = float(fmin_hz) if own is None else min(float(fmin_hz), own[0])
        hi = float(fmax_hz)
    elif own is not None:
        lo, hi = own
    else:
        if f0.size == 0:
            warnings.warn("no voiced speech found: pitch is undefined.", ProsodyWarning,
                          stacklevel=2)
        return dataclasses.replace(_fit_frames(first, n), periodic=periodic)
    return dataclasses.replace(_drop_stray_runs(_track(y, sr, lo, hi, settings)),
                               periodic=periodic)


def _wide_pass(y: np.ndarray, sr: float, settings: PitchSettings) -> Pitch:
    # The wide pass only needs the speaker's quantiles and where the voice is periodic: run it at
    # half the rate (the band up to 4 kHz still holds every harmonic that matters for F0), at a
    # quarter of the cost.
    return _track(_half_rate(y), sr / 2, WIDE_FMIN_HZ, WIDE_FMAX_HZ, settings)


def _fit_length(mask: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[: min(n, mask.size)] = mask[:n]
    return out


def _fit_frames(p: Pitch, n: int) -> Pitch:
    """A half-rate track on the full-rate grid of ``n`` frames: an odd number of samples can give
    the half-rate pass one frame more."""
    voiced = _fit_length(p.voiced, n)
    f0_hz, strength = np.full(n, np.nan), np.zeros(n)
    m = min(n, p.voiced.size)
    f0_hz[:m], strength[:m] = p.f0_hz[:m], p.strength[:m]
    return dataclasses.replace(p, time_s=np.arange(n) * FRAME_S, voiced=voiced,
                               f0_hz=np.where(voiced, f0_hz, np.nan),
                               strength=np.where(voiced, strength, 0.0))


def periodic_frames(y: np.ndarray, *, sr: float, settings: PitchSettings | None = None
                    ) -> np.ndarray:
    """Frames periodic anywhere in 60-700 Hz (:attr:`Pitch.periodic`), for a track made with a
    fixed range."""
    y = check_audio(y, sr)
    return _fit_length(_wide_pass(y, sr, settings or PitchSettings()).voiced,
                       n_frames(y.size, sr))


def _drop_stray_runs(p: Pitch, *, max_frames: int = 8, weak: float = 0.6) -> Pitch:
    """Unvoice short or weak voiced runs lying more than an octave from the take's median F0.

    Such runs are a fricative's or a breath's chance periodicity, not the voice: a real
    excursion that far from the speaker's centre is sustained and strongly periodic. Left in,
    they also stretch the speaker's quantiles and so the adapted search range.
    """
    if p.voiced.sum() < 10:
        return p
    centre = np.median(p.f0_hz[p.voiced])
    voiced = p.voiced.copy()
    edges = np.flatnonzero(np.diff(np.concatenate([[0], voiced.astype(np.int8), [0]])))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        far = abs(np.log2(np.median(p.f0_hz[a:b]) / centre)) > 1.0
        if far and (b - a <= max_frames or np.median(p.strength[a:b]) < weak):
            voiced[a:b] = False
    if voiced.sum() == p.voiced.sum():
        return p
    return dataclasses.replace(p, f0_hz=np.where(voiced, p.f0_hz, np.nan), voiced=voiced,
                               strength=np.where(voiced, p.strength, 0.0))


def _half_rate(y: np.ndarray) -> np.ndarray:
    return resample(y, 2, 1)


def adapted_range_hz(f0_hz: np.ndarray) -> tuple[float, float]:
    """Search range around a speaker's voiced F0 values (Hz), clipped to sane limits.

    The floor sits below the speaker's 10th percentile by more than a downward octave error would
    need to be tolerated, and the ceiling above the 90th percentile by a little less than an
    octave, so that halving and doubling errors of typical values fall outside.
    """
    p10, p90 = np.percentile(f0_hz, [10, 90])
    lo = float(np.clip(0.7 * p10, LIMIT_FMIN_HZ, 400.0))
    hi = float(np.clip(1.9 * p90, max(2.0 * lo, 150.0), LIMIT_FMAX_HZ))
    return lo, hi


def _check_range(fmin_hz, fmax_hz, sr) -> None:
    if not (LIMIT_FMIN_HZ <= fmin_hz < fmax_hz):
        raise ProsodyError(
            f"fmin_hz={fmin_hz} must be at least {LIMIT_FMIN_HZ:g} Hz and below fmax_hz={fmax_hz}."
        )
    if fmax_hz > min(LIMIT_FMAX_HZ, sr / 4):
        raise ProsodyError(
            f"fmax_hz={fmax_hz} cannot exceed {min(LIMIT_FMAX_HZ, sr / 4):g} Hz at sr={sr}; "
            "lower it or use a higher sample rate."
        )


def n_frames(n_samples: int, sr: float, frame_s: float = FRAME_S) -> int:
    """Number of analysis frames for a signal: frame centres at 0, frame_s, ... up to its end."""
    return int(n_samples // int(round(frame_s * sr))) + 1


def _track(y: np.ndarray, sr: float, fmin_hz: float, fmax_hz: float, st: PitchSettings) -> Pitch:
    hop = int(round(FRAME_S * sr))
    n = n_frames(y.size, sr)
    win_s = max(st.periods_per_window / fmin_hz, st.min_window_s)
    win_len = int(round(win_s * sr)) | 1  # odd: centred on the frame
    lag_min = max(2, int(np.floor(sr / fmax_hz)))
    lag_max = min(int(np.ceil(sr / fmin_hz)), win_len - 2)
    # lags above the ceiling (down to 2.5 kHz) are searched too, but only to tell whether the
    # frame's real period is shorter than any F0 allowed (a tone or whistle, not a voice)
    lag_hi = max(2, int(np.ceil(sr / 2500.0)))
    nfft = next_fast_len(win_len + lag_max + 2)

    window = np.hanning(win_len + 2)[1:-1]  # no zero end-points
    w_ac = np.fft.irfft(np.abs(np.fft.rfft(window, nfft)) ** 2, nfft)[: lag_max + 2]
    w_ac /= w_ac[0]

    mean = float(np.mean(y))
    global_peak = max(abs(float(y.max()) - mean), abs(float(y.min()) - mean))
    if global_peak == 0.0:
        nan = np.full(n, np.nan)
        return Pitch(np.arange(n) * FRAME_S, nan, np.zeros(n, bool), np.zeros(n), fmin_hz,
                     fmax_hz)

    k_voiced = st.max_candidates - 1
    cand_f = np.full((n, k_voiced), np.nan)
    cand_r = np.full((n, k_voiced), -np.inf)
    unvoiced_r = np.empty(n)

    # A frame so quiet that its unvoiced candidate beats the strongest possible voiced one by
    # more than two voicing switches is unvoiced on every optimal path: skip its autocorrelation.
    best_voiced = 1.0 + st.octave_cost * np.log2(fmax_hz / fmin_hz)
    never_voiced = best_voiced + 2.0 * st.voiced_unvoiced_cost
    quiet_rel = (st.voicing_threshold + 2.0 - never_voiced) * (
        st.silence_threshold / (1.0 + st.voicing_threshold)
    )
    blocks = frame_blocks(y, hop=hop, win_len=win_len, n_frames=n, block_frames=st.block_frames)
    for b0, fr in blocks:
        fr = fr - fr.mean(axis=1, keepdims=True)
        local_peak = np.max(np.abs(fr), axis=1)
        rows = slice(b0, b0 + fr.shape[0])
        rel = local_peak / global_peak
        unvoiced_r[rows] = st.voicing_threshold + np.maximum(
            0.0, 2.0 - rel / (st.silence_threshold / (1.0 + st.voicing_threshold))
        )
        loud = np.flatnonzero(rel > quiet_rel)
        if loud.size == 0:
            continue
        fr = fr[loud]
        spec = np.fft.rfft(fr * window, nfft, axis=1)
        ac = np.fft.irfft(spec.real**2 + spec.imag**2, nfft, axis=1)[:, : lag_max + 2]
        energy = ac[:, :1]
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(energy > 0, ac / energy, 0.0) / w_ac
        seg = r[:, lag_min - 1 : lag_max + 2]  # one lag either side for peak tests
        mid = seg[:, 1:-1]
        is_peak = (mid > seg[:, :-2]) & (mid >= seg[:, 2:]) & (mid > 0.5 * st.voicing_threshold)
        # strongest peak above the ceiling: when it is as strong as any in range, the in-range
        # peaks are subharmonics of a periodicity too fast to be a speaking voice
        short = r[:, lag_hi - 1 : lag_min + 1]
        smid = short[:, 1:-1]
        s_peak = (smid > short[:, :-2]) & (smid >= short[:, 2:])
        above_r = np.max(np.where(s_peak, smid, -1.0), axis=1, initial=-1.0)
        row, col = np.nonzero(is_peak)
        if row.size == 0:
            continue
        # parabolic interpolation of each peak's lag and height
        y0, y1, y2 = seg[row, col], mid[row, col], seg[row, col + 2]
        denom = y0 - 2.0 * y1 + y2
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = np.where(denom < 0, 0.5 * (y0 - y2) / denom, 0.0)
        delta = np.clip(delta, -0.5, 0.5)
        peak_r = y1 - 0.25 * (y0 - y2) * delta
        # a corrected autocorrelation above 1 is an artefact of the window division at long lags
        peak_r = np.where(peak_r > 1.0, 1.0 / peak_r, peak_r)
        peak_lag = (lag_min + col) + delta
        strength = peak_r - st.octave_cost * np.log2(fmin_hz * peak_lag / sr)
        in_range = (peak_lag >= sr / fmax_hz) & (peak_lag <= sr / fmin_hz)
        too_fast = above_r[row] >= np.maximum(peak_r, st.voicing_threshold) - 0.02
        ok = in_range & ~too_fast
        row, peak_lag, strength = row[ok], peak_lag[ok], strength[ok]
        # keep each frame's strongest candidates: sort by frame, then by falling strength
        order = np.lexsort((-strength, row))
        row, strength, peak_lag = row[order], strength[order], peak_lag[order]
        first = np.searchsorted(row, row, side="left")
        rank = np.arange(row.size) - first
        take = rank < k_voiced
        frame = b0 + loud[row[take]]
        cand_r[frame, rank[take]] = strength[take]
        cand_f[frame, rank[take]] = sr / peak_lag[take]

    # drop candidate columns that are empty everywhere: they only slow the path search
    keep = np.isfinite(cand_r).any(axis=0)
    cand_r, cand_f = cand_r[:, keep], cand_f[:, keep]
    freq = np.concatenate([np.full((n, 1), np.nan), cand_f], axis=1)
    score = np.concatenate([unvoiced_r[:, None], cand_r], axis=1)
    choice = _viterbi(freq, score, st)

    f0 = freq[np.arange(n), choice]
    voiced = choice > 0
    f0 = _smooth_runs(f0, voiced, st.smooth_frames)
    strength_out = np.where(voiced, score[np.arange(n), choice] + st.octave_cost
                            * np.log2(fmin_hz / np.where(voiced, f0, fmin_hz)), 0.0)
    return Pitch(np.arange(n) * FRAME_S, f0, voiced, strength_out, fmin_hz, fmax_hz)


def _smooth_runs(f0_hz: np.ndarray, voiced: np.ndarray, width: int) -> np.ndarray:
    """Triangular smoothing of log F0 within each voiced run (edges repeat the end values)."""
    half = width // 2
    if half < 1:
        return f0_hz
    kernel = np.concatenate([np.arange(1, half + 2), np.arange(half, 0, -1)]).astype(float)
    kernel /= kernel.sum()
    out = f0_hz.copy()
    edges = np.flatnonzero(np.diff(np.concatenate([[0], voiced.astype(np.int8), [0]])))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if b - a > half:
            log_f = np.pad(np.log2(f0_hz[a:b]), half, mode="edge")
            out[a:b] = 2.0 ** np.convolve(log_f, kernel, mode="valid")
    return out


def _viterbi(freq: np.ndarray, score: np.ndarray, st: PitchSettings) -> np.ndarray:
    """Best candidate index per frame (0 = unvoiced), maximising strength minus path costs.

    Frames whose only candidate is the unvoiced one split the search into independent runs: every
    path passes through them, so each run can be solved alone, and the long silences of speech
    cost nothing.
    """
    n, k = freq.shape
    choice = np.zeros(n, dtype=np.int64)
    if k == 1:
        return choice
    has_voiced = np.isfinite(score[:, 1:]).any(axis=1)
    log_f = np.log2(freq)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], has_voiced.astype(np.int8), [0]])))
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        choice[start:stop] = _viterbi_run(log_f[start:stop], score[start:stop], st)
    return choice


def _viterbi_run(log_f: np.ndarray, score: np.ndarray, st: PitchSettings) -> np.ndarray:
    keep = np.isfinite(score).any(axis=0)
    keep[0] = True
    cols_kept = np.flatnonzero(keep)
    log_f, score = log_f[:, keep], score[:, keep]
    n, k = log_f.shape
    # entering and leaving the run from an unvoiced frame costs a voicing switch
    switch = np.full(k, st.voiced_unvoiced_cost)
    switch[0] = 0.0
    local = np.where(np.isfinite(score), -score, 1e9)
    cost = switch + local[0]
    back = np.zeros((n, k), dtype=np.int64)
    voiced_col = np.ones(k, dtype=bool)
    voiced_col[0] = False
    vu = st.voiced_unvoiced_cost * (voiced_col[:, None] ^ voiced_col[None, :])
    cols = np.arange(k)
    chunk = 2048
    for c0 in range(1, n, chunk):
        c1 = min(n, c0 + chunk)
        jump = np.abs(log_f[c0 - 1 : c1 - 1, :, None] - log_f[c0:c1, None, :])
        trans = np.where(np.isnan(jump), vu, st.octave_jump_cost * jump)
        for t in range(c0, c1):
            total = cost[:, None] + trans[t - c0]
            best = total.argmin(axis=0)
            back[t] = best
            cost = total[best, cols] + local[t]
    cost = cost + switch
    path = np.empty(n, dtype=np.int64)
    path[-1] = int(np.argmin(cost))
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return cols_kept[path]
