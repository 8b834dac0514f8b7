"""Level of the voice over time: RMS in 25 ms windows every 10 ms, in dBFS."""

from __future__ import annotations

import numpy as np

from .dsp import frame_blocks
from .util import FRAME_S, power_to_db

#: Length of the RMS window in seconds (DESIGN.md: RMS, 25 ms windows).
WINDOW_S = 0.025
#: Level given to digital silence, in dBFS: low enough to sit below any real noise floor.
FLOOR_DB = -120.0


def level_db(y: np.ndarray, *, sr: float, n_frames: int) -> np.ndarray:
    """RMS level per 10 ms frame, in dBFS (0 dB = a full-scale square wave; a full-scale sine
    reads -3.01 dB).

    Frame k is centred at k * 10 ms; windows reaching past the ends see zeros there. Each
    window's mean is removed first, so a DC offset does not read as loudness.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        mono audio, float
    sr : number > 0
        sample rate in Hz
    n_frames : int
        number of frames to return

    Returns
    -------
    np.ndarray [shape=(n_frames,)]
        level in dBFS, floored at ``FLOOR_DB``
    """
    hop = int(round(FRAME_S * sr))
    win = int(round(WINDOW_S * sr))
    power = np.empty(n_frames)
    for b0, fr in frame_blocks(y, hop=hop, win_len=win, n_frames=n_frames, block_frames=4096):
        # each window's own mean is removed: a DC offset or hum below 40 Hz is not voice
        power[b0 : b0 + fr.shape[0]] = fr.var(axis=1)
    return power_to_db(power, floor_db=FLOOR_DB)

