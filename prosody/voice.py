"""Short-time spectra: the vowel-band envelope used to find syllables, and voice quality.

Alpha ratio and Hammarberg index describe the spectral tilt of voiced speech (Eyben et al. 2016,
eGeMAPS): a softer, warmer voice puts less energy in 1-5 kHz relative to the band below, so its
alpha ratio is lower and its Hammarberg index higher. Both are computed on the long-term average
spectrum of the voiced frames, which is far steadier than averaging per-frame values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dsp import frame_blocks, next_fast_len
from .util import FRAME_S

#: Analysis window of the short-time spectra, in seconds.
WINDOW_S = 0.025
#: Band that carries the energy of vowels (first and second formants), in Hz.
VOWEL_BAND_HZ = (300.0, 2500.0)


@dataclass(frozen=True)
class Spectra:
    """What the analysis keeps of the short-time spectra.

    Attributes
    ----------
    vowel_band_db : np.ndarray [shape=(n_frames,)]
        energy in ``VOWEL_BAND_HZ`` per frame, dB re full scale
    ltas_db : np.ndarray [shape=(n_bins,)] or None
        long-term average power spectrum of the voiced frames in dB (None: no voiced frame)
    freqs_hz : np.ndarray [shape=(n_bins,)]
    """

    vowel_band_db: np.ndarray
    ltas_db: np.ndarray | None
    freqs_hz: np.ndarray


def spectra(y: np.ndarray, *, sr: float, n_frames: int, voiced: np.ndarray,
            block_frames: int = 2048) -> Spectra:
    """Short-time power spectra every 10 ms, reduced block by block to keep memory flat.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
    sr : number > 0
        sample rate in Hz
    n_frames : int
    voiced : np.ndarray [shape=(n_frames,), dtype=bool]
        frames whose spectra enter the long-term average
    """
    hop = int(round(FRAME_S * sr))
    win = int(round(WINDOW_S * sr))
    nfft = next_fast_len(win)
    window = np.hanning(win + 2)[1:-1]
    # scale so that a band's summed power is comparable to a mean square in the time domain
    scale = 2.0 / (np.sum(window**2) * nfft)
    freqs_hz = np.fft.rfftfreq(nfft, 1.0 / sr)
    band = (freqs_hz >= VOWEL_BAND_HZ[0]) & (freqs_hz < VOWEL_BAND_HZ[1])

    vowel_power = np.empty(n_frames)
    ltas = np.zeros(freqs_hz.size)
    n_voiced = 0
    blocks = frame_blocks(y, hop=hop, win_len=win, n_frames=n_frames, block_frames=block_frames)
    for b0, fr in blocks:
        spec = np.fft.rfft((fr - fr.mean(axis=1, keepdims=True)) * window, nfft, axis=1)
        power = (spec.real**2 + spec.imag**2) * scale
        vowel_power[b0 : b0 + fr.shape[0]] = power[:, band].sum(axis=1)
        v = voiced[b0 : b0 + fr.shape[0]]
        if v.any():
            ltas += power[v].sum(axis=0)
            n_voiced += int(v.sum())
    vowel_db = 10.0 * np.log10(np.maximum(vowel_power, 1e-12))
    ltas_db = 10.0 * np.log10(np.maximum(ltas / n_voiced, 1e-20)) if n_voiced else None
    return Spectra(vowel_db, ltas_db, freqs_hz)


def alpha_ratio_db(ltas_db: np.ndarray, freqs_hz: np.ndarray) -> float:
    """Energy in 1-5 kHz over energy in 50 Hz-1 kHz, in dB (eGeMAPS alpha ratio)."""
    p = 10.0 ** (ltas_db / 10.0)
    hi = p[(freqs_hz >= 1000.0) & (freqs_hz < 5000.0)].sum()
    lo = p[(freqs_hz >= 50.0) & (freqs_hz < 1000.0)].sum()
    return float(10.0 * np.log10(hi / lo))


def hammarberg_db(ltas_db: np.ndarray, freqs_hz: np.ndarray) -> float:
    """Strongest level in 0-2 kHz minus strongest level in 2-5 kHz, in dB (Hammarberg index)."""
    lo = ltas_db[(freqs_hz > 0.0) & (freqs_hz < 2000.0)].max()
    hi = ltas_db[(freqs_hz >= 2000.0) & (freqs_hz < 5000.0)].max()
    return float(lo - hi)
