"""Checks and converters shared by every public function."""

from __future__ import annotations

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


def hz_to_st(f_hz, ref_hz: float = 100.0):
    """Frequency in Hz to semitones relative to ``ref_hz`` (NaN stays NaN)."""
    return 12.0 * np.log2(np.asarray(f_hz, dtype=np.float64) / ref_hz)


def power_to_db(p, floor_db: float = -120.0):
    """Power (mean square, full scale = 1) to dBFS, floored so silence stays finite."""
    p = np.asarray(p, dtype=np.float64)
    return np.maximum(10.0 * np.log10(np.maximum(p, 1e-30)), floor_db)

