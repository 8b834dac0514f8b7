"""Mains hum: found in a recording and filtered out before it is measured.

A ground loop, an unshielded cable or a laptop on its charger adds a steady tone at the mains
frequency (50 Hz in most of the world, 60 Hz in the Americas) and its multiples. A voice has no
such tone: its harmonics move with its pitch, so over a second or more they spread over several
hertz, while hum stays within a fraction of one. Left in, the hum reads as a second, steady
"voice": at 20 dB below the speech it moved a real take's (CREMA-D 1001, neutral) pace from
9.1 to 5.7 syllables a second and doubled its pitch movement; at 10 dB below, the take was
refused as "too quiet".

:func:`find_hum` looks for a narrow, steady peak at the mains frequency in the recording's
long-term spectrum, with the tone there in the pauses too; :func:`remove_hum` subtracts the
hum's harmonics, each a sinusoid fitted block by block, leaning on the pauses where the hum
is alone. A recording without hum is left
exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The mains frequencies in use, in Hz.
MAINS_HZ = (50.0, 60.0)
#: How far the hum's fundamental may lie from the nominal mains frequency, in Hz: grids hold
#: within 0.2 Hz, and a recorder's clock adds up to 0.1 % more.
MAINS_TOLERANCE_HZ = 0.5
#: Harmonics are taken out up to this frequency, in Hz: a ground loop's hum carries most of its
#: power in its first few harmonics, and above this a buzz's fall under the voice's own.
MAX_HARMONIC_HZ = 400.0
#: The fundamental counts when it stands this far above the spectrum around it (the median 3
#: to 15 Hz away on both sides), in dB: no voice holds a steady tone at 50 or 60 Hz (creak
#: there is irregular), so a voice's harmonics on multiples of it do not make one.
FUNDAMENTAL_PROMINENCE_DB = 12.0
#: ... and is narrow: this far (Hz) to either side of it the spectrum is at least
#: NARROW_DROP_DB lower. A steady tone analysed over 2 s with a Hann window falls by more than
#: 30 dB within 2 Hz; a voice harmonic, whose pitch moves, by a few dB.
NARROW_HZ, NARROW_DROP_DB = 2.0, 15.0
#: The long-term spectrum is averaged over segments this long (s): 0.5 Hz resolution.
SEGMENT_S = 2.0
#: ... and is there in the pauses: in the quietest QUIET_FRAMES share of the recording's
#: 20 ms frames, a sinusoid at the fundamental (fitted as :func:`remove_hum` fits it) carries at
#: least this share of the power. A hum is steady, so it fills the pauses; a line that only a
#: perfectly repeated synthetic syllable makes (its spectrum is all lines) does not. A hum
#: that fails this lies 10 dB or more under the room's own noise, where a hum 30 dB below the
#: voice moved no score by more than a few points (benchmarks/hum.py).
MIN_QUIET_SHARE, QUIET_FRAMES = 0.1, 0.3
#: At most this many segments, spread over the recording, make the long-term spectrum.
MAX_SEGMENTS = 8
#: A recording shorter than this (s) cannot show a steady tone apart from a voice.
MIN_DURATION_S = 1.0


@dataclass(frozen=True)
class Hum:
    """A mains hum found in a recording.

    Attributes
    ----------
    fundamental_hz : float
        the hum's measured fundamental, in Hz (about 50 or 60)
    harmonics_hz : tuple[float, ...]
        the frequencies taken out, in Hz: the fundamental and its multiples up to
        ``MAX_HARMONIC_HZ``
    level_db : float
        the hum's power (the spectrum's peaks at those frequencies) relative to the whole
        recording's, in dB
    """

    fundamental_hz: float
    harmonics_hz: tuple[float, ...]
    level_db: float


def find_hum(y: np.ndarray, *, sr: int) -> Hum | None:
    """The mains hum in ``y`` (mono, at ``sr`` Hz), or None when there is none."""
    n = y.size
    if n < MIN_DURATION_S * sr or not np.any(y):
        return None
    freqs, psd = _long_term_spectrum(np.asarray(y, dtype=np.float64), sr)
    step = freqs[1] - freqs[0]
    psd = np.maximum(psd, np.max(psd) * 1e-15)
    db = 10.0 * np.log10(psd)

    def peak_near(f: float, within_hz: float) -> int:
        lo, hi = np.searchsorted(freqs, [f - within_hz, f + within_hz])
        return int(lo + np.argmax(db[lo:hi + 1]))

    def stands_out(i: int) -> bool:
        f = freqs[i]
        ring = ((np.abs(freqs - f) >= 3.0) & (np.abs(freqs - f) <= 15.0))
        if db[i] - np.median(db[ring]) < FUNDAMENTAL_PROMINENCE_DB:
            return False
        side = int(round(NARROW_HZ / step))
        if i - side < 0 or i + side >= db.size:
            return False
        return db[i] - max(db[i - side], db[i + side]) >= NARROW_DROP_DB

    best = None
    for mains in MAINS_HZ:
        i = peak_near(mains, MAINS_TOLERANCE_HZ)
        if stands_out(i) and (best is None or db[i] > db[best]):
            best = i
    if best is None:
        return None
    f0 = _refine(freqs, db, best)
    if _share_in_quiet(np.asarray(y, dtype=np.float64), sr, f0) < MIN_QUIET_SHARE:
        return None
    # every multiple up to MAX_HARMONIC_HZ is taken out: under the voice a hum's harmonics do
    # not always stand out of the long-term spectrum, and one left in keeps the hum's
    # periodicity in the pauses; taking out one that is not there costs the voice only its
    # projection on a steady sinusoid (remove_hum)
    harmonics = [k * f0 for k in range(1, int(min(MAX_HARMONIC_HZ, sr / 2.0 - 20.0) // f0) + 1)]
    # the hum's share of the power: each peak's main lobe (the Hann window's is 2 bins of the
    # segment's resolution either side) over the whole spectrum
    lobe = 2.0 / SEGMENT_S
    mask = np.zeros(freqs.size, dtype=bool)
    for h in harmonics:
        mask |= np.abs(freqs - h) <= lobe
    level_db = float(10.0 * np.log10(np.sum(psd[mask]) / np.sum(psd)))
    return Hum(fundamental_hz=harmonics[0], harmonics_hz=tuple(harmonics), level_db=level_db)


def _share_in_quiet(y: np.ndarray, sr: int, f0_hz: float) -> float:
    """The share of the power of ``y``'s quietest frames that a steady sinusoid at ``f0_hz``
    accounts for (0 where those frames are digital silence)."""
    size = max(1, int(0.02 * sr))
    n = y.size // size
    frames = y[: n * size].reshape(n, size)
    energy = np.mean(frames * frames, axis=1)
    quiet = np.argsort(energy, kind="stable")[: max(1, int(QUIET_FRAMES * n))]
    total = float(np.sum(energy[quiet]))
    if total <= 0.0:
        return 0.0
    tone = _fitted(y, sr=sr, freqs_hz=np.array([f0_hz]))[: n * size].reshape(n, size)
    return float(np.sum(np.mean(tone[quiet] ** 2, axis=1)) / total)


def _long_term_spectrum(y: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Welch's average of half-overlapping Hann-windowed segments of SEGMENT_S (the whole
    recording when shorter), each zero-padded 4x to a 0.125 Hz grid that places a peak
    finely: frequencies (Hz) and power (arbitrary units, comparable within the recording)."""
    size = int(min(y.size, SEGMENT_S * sr))
    hop = max(1, size // 2)
    window = np.hanning(size)
    n_fft = 4 * size
    power = np.zeros(n_fft // 2 + 1)
    starts = np.arange(0, y.size - size + 1, hop)
    if starts.size > MAX_SEGMENTS:  # a steady hum shows in any of them: keep the cost flat
        starts = starts[np.linspace(0, starts.size - 1, MAX_SEGMENTS).round().astype(int)]
    for start in starts:
        seg = y[start:start + size]
        power += np.abs(np.fft.rfft((seg - seg.mean()) * window, n_fft)) ** 2
    return np.fft.rfftfreq(n_fft, 1.0 / sr), power / len(starts)


def remove_hum(y: np.ndarray, *, sr: int, hum: Hum) -> np.ndarray:
    """``y`` with ``hum`` subtracted (float64, same length).

    The hum is modelled as its harmonics, each a sinusoid whose amplitude and phase are fitted
    afresh in every BLOCK_S of the recording (weighted least squares under a Hann window) and
    cross-faded between blocks; the fundamental's frequency is refined first from how its
    phase moves from block to block. Only what stays a steady sinusoid at those frequencies
    over a block is removed, and nothing rings or is delayed. The voice loses its own energy
    near those frequencies, weighed mostly from the pauses: 22 to 40 dB below the voice
    (0.01 to 0.6 % of its power) on the repository's ARCTIC and CREMA-D takes, most for a
    man's voice near 100 Hz.
    """
    x = np.asarray(y, dtype=np.float64)
    f0 = hum.fundamental_hz
    for _ in range(2):
        f0 = _refine_by_phase(x, sr=sr, f0_hz=f0)
    ks = sorted({max(1, int(round(h / hum.fundamental_hz))) for h in hum.harmonics_hz})
    return x - _fitted(x, sr=sr, freqs_hz=np.array(ks, dtype=float) * f0)


#: Each harmonic's amplitude and phase are fitted over blocks this long (s), half overlapping.
BLOCK_S = 1.0


def _blocks(n: int, sr: int):
    """(start, window) of the half-overlapping Hann blocks covering ``n`` samples; the windows
    sum to 1 at every sample (the first and last are padded outside the recording)."""
    size = int(BLOCK_S * sr)
    hop = size // 2
    window = np.sin(np.pi * (np.arange(size) + 0.5) / size) ** 2  # periodic Hann: sums to 1
    for start in range(-hop, n, hop):
        yield start, window


def _trust(x: np.ndarray, sr: int) -> np.ndarray:
    """Each sample's weight in the fit: the inverse of the power around it (over
    TRUST_WINDOW_S). The hum is the same in the pauses as under the words, and there it is
    nearly all there is: the fit leans on the pauses and carries the hum they show into the
    speech, instead of taking the voice's own energy near the hum's frequencies for hum."""
    size = max(1, int(TRUST_WINDOW_S * sr))
    power = np.convolve(x * x, np.ones(size) / size, mode="same")
    return 1.0 / (power + max(float(np.mean(x * x)), 1e-20) * 1e-6)


#: The span over which the power that weighs each sample is measured, in s.
TRUST_WINDOW_S = 0.02


def _block_fit(x: np.ndarray, sr: int, start: int, window: np.ndarray, freqs_hz: np.ndarray,
               trust: np.ndarray | None = None):
    """Complex amplitudes of sinusoids at ``freqs_hz`` fitted to ``x`` in one block, and the
    block's sample indices and times."""
    lo, hi = max(start, 0), min(start + window.size, x.size)
    idx = np.arange(lo, hi)
    t = idx / sr
    w = window[lo - start:hi - start]
    phase = 2.0 * np.pi * np.outer(t, freqs_hz)
    basis = np.hstack([np.cos(phase), np.sin(phase)])
    sw = np.sqrt(w if trust is None else w * trust[idx])[:, None]
    coef, *_ = np.linalg.lstsq(basis * sw, x[idx] * sw[:, 0], rcond=None)
    k = freqs_hz.size
    return coef[:k] - 1j * coef[k:], idx, basis, w, coef


def _fitted(x: np.ndarray, *, sr: int, freqs_hz: np.ndarray) -> np.ndarray:
    """The sum of sinusoids at ``freqs_hz`` fitted block by block to ``x``, cross-faded."""
    out = np.zeros_like(x)
    trust = _trust(x, sr)
    for start, window in _blocks(x.size, sr):
        _, idx, basis, w, coef = _block_fit(x, sr, start, window, freqs_hz, trust)
        out[idx] += w * (basis @ coef)
    return out


def _refine_by_phase(x: np.ndarray, *, sr: int, f0_hz: float) -> float:
    """The hum's fundamental refined from its phase in each block: a sinusoid fitted at a
    slightly wrong frequency turns by 2·pi·(error)·(time), so the slope of its unwrapped
    phase over the blocks' centres gives the error."""
    centres, phases, weights = [], [], []
    trust = _trust(x, sr)
    for start, window in _blocks(x.size, sr):
        amp, idx, *_ = _block_fit(x, sr, start, window, np.array([f0_hz]), trust)
        if idx.size < window.size // 2:
            continue
        centres.append((start + window.size / 2) / sr)
        phases.append(np.angle(amp[0]))
        weights.append(abs(amp[0]))
    if len(centres) < 2:
        return f0_hz
    phi = np.unwrap(np.array(phases))
    slope = np.polyfit(np.array(centres), phi, 1, w=np.array(weights))[0]
    # cos(2·pi·(f + d)·t) = Re(exp(i·2·pi·d·t)·exp(i·2·pi·f·t)): fitted at f, its complex
    # amplitude turns at 2·pi·d radians a second
    shift = slope / (2.0 * np.pi)
    return float(f0_hz + np.clip(shift, -MAINS_TOLERANCE_HZ, MAINS_TOLERANCE_HZ))


def _refine(freqs: np.ndarray, db: np.ndarray, i: int) -> float:
    """The frequency of the peak at bin ``i``, placed between bins by a parabola through it
    and its neighbours (in dB)."""
    if i <= 0 or i >= db.size - 1:
        return float(freqs[i])
    a, b, c = db[i - 1], db[i], db[i + 1]
    denom = a - 2.0 * b + c
    shift = 0.5 * (a - c) / denom if denom < 0 else 0.0
    return float(freqs[i] + np.clip(shift, -0.5, 0.5) * (freqs[1] - freqs[0]))
