"""Checks and converters shared by every public function."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from .errors import ProsodyError

#: The sample rate every analysis runs at, in Hz. ``audio.load`` resamples to it.
SR = 16_000
#: The analysis frame step, in seconds (DESIGN.md: frames are 10 ms).
FRAME_S = 0.01
#: Recordings shorter than this carry too little speech to describe, in seconds.
MIN_DURATION_S = 0.5
#: Longest recording analysed in one go, in seconds (15 minutes: a practice take is seconds long;
#: this bounds memory and time, see README).
MAX_DURATION_S = 15 * 60.0


#: Unicode's bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069):
#: invisible, and one of them in a phrase turns the rest of a line of a report or a table back
#: to front ("RTL 😀" shown as "😀 LTR"). Nobody types them on purpose.
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def without_bidi_controls(text: str) -> str:
    """``text`` without Unicode's invisible direction controls (``_BIDI_CONTROLS``); letters of
    right-to-left scripts, emoji and their joiners are kept as they are."""
    return text.translate(_BIDI_CONTROLS)


def check_audio(y: np.ndarray, sr: float) -> np.ndarray:
    """Validate a signal and return it as contiguous float64 mono.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        audio samples, nominally in [-1, 1]
    sr : number > 0
        sample rate in Hz

    Raises
    ------
    ProsodyError
        with a message naming the value, the limit and the fix.
    """
    if not isinstance(sr, (int, float, np.integer, np.floating)) or not np.isfinite(sr) or sr <= 0:
        raise ProsodyError(f"sr={sr!r} must be a positive sample rate in Hz, e.g. sr=16000.")
    y = np.asarray(y)
    if y.dtype.kind not in "fiu":
        raise ProsodyError(f"audio must be numeric samples, not dtype {y.dtype}.")
    if y.ndim != 1:
        raise ProsodyError(
            f"audio must be mono with shape (n,), not shape {y.shape}; "
            "load files with prosody.load(), which mixes channels down."
        )
    if y.size == 0:
        raise ProsodyError("the recording is empty (0 samples); record or choose another file.")
    if not np.all(np.isfinite(y)):
        bad = int(np.count_nonzero(~np.isfinite(y)))
        raise ProsodyError(
            f"the audio contains {bad} NaN or infinite samples; the file is damaged, "
            "record it again or export it again from the recorder."
        )
    duration_s = y.size / float(sr)
    if duration_s < MIN_DURATION_S:
        raise ProsodyError(
            f"the recording is {duration_s:.2f} s long, shorter than the {MIN_DURATION_S:g} s "
            "needed; record the whole phrase (a few seconds)."
        )
    if duration_s > MAX_DURATION_S:
        raise ProsodyError(
            f"the recording is {duration_s / 60:.1f} min long, longer than the "
            f"{MAX_DURATION_S / 60:g} min limit; cut it into shorter practice takes."
        )
    if y.dtype.kind in "iu":
        y = int_to_float(y)
    return np.ascontiguousarray(y, dtype=np.float64)


def int_to_float(y: np.ndarray) -> np.ndarray:
    """Scale integer PCM to float64 in [-1, 1)."""
    info = np.iinfo(y.dtype)
    if info.min == 0:  # unsigned PCM is offset by half its range
        mid = (info.max + 1) / 2
        return (y.astype(np.float64) - mid) / mid
    return y.astype(np.float64) / -float(info.min)


def hz_to_st(f_hz, ref_hz=100.0):
    """Frequency in Hz to semitones relative to ``ref_hz``: 12·log2(f_hz / ref_hz).

    Parameters
    ----------
    f_hz : number or np.ndarray
        frequencies in Hz; NaN stays NaN, and 0 Hz (unvoiced, in some trackers) gives -inf
        without a warning
    ref_hz : number or np.ndarray
        the reference, in Hz (broadcast against ``f_hz``)

    Returns
    -------
    np.float64 or np.ndarray
        semitones; positive above the reference
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return 12.0 * np.log2(np.asarray(f_hz, dtype=np.float64) / ref_hz)


Comparison = Literal["st", "percent", "difference"]


def relative_change(value: float, reference: float, comparison: Comparison) -> float | None:
    """How ``value`` compares with ``reference`` (a take with the speaker's baseline, say).

    Parameters
    ----------
    value, reference : float
        the two measures, in the same unit
    comparison : {'st', 'percent', 'difference'}
        ``st``: 12·log2(value / reference), in semitones (pitch); ``percent``:
        100·(value / reference − 1); ``difference``: value − reference, in their own unit

    Returns
    -------
    float or None
        None for a ratio (``st``, ``percent``) of values that are not both positive
    """
    if comparison == "difference":
        return value - reference
    if value <= 0 or reference <= 0:
        return None  # a ratio needs two positive values
    if comparison == "st":
        return float(hz_to_st(value, reference))
    return 100.0 * (value / reference - 1.0)


def rounded(x, digits: int | None = 4):
    """A number made ready for JSON: floats rounded to ``digits`` decimals (None: kept whole),
    None when missing or not finite; integers and flags as Python ones (numpy's too); anything
    else (text) unchanged."""
    if x is None or isinstance(x, bool):
        return x
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        if not math.isfinite(x):
            return None
        return float(x) if digits is None else round(float(x), digits)
    return x


def power_to_db(p, floor_db: float = -120.0):
    """Power (mean square, full scale = 1) to dBFS, floored so silence stays finite."""
    p = np.asarray(p, dtype=np.float64)
    return np.maximum(10.0 * np.log10(np.maximum(p, 1e-30)), floor_db)

