"""Mains hum: found in a recording and filtered out before it is measured.

A ground loop, an unshielded cable or a laptop on its charger adds a steady tone at the mains
frequency (50 Hz in most of the world, 60 Hz in the Americas) and its multiples. A voice has no
such tone: its harmonics move with its pitch, so over a second or more they spread over several
hertz, while hum stays within a fraction of one. Left in, the hum reads as a second, steady
"voice": at 20 dB below the speech it moved a real take's (CREMA-D 1001, neutral) pace from
9.1 to 5.7 syllables a second and doubled its pitch movement; at 10 dB below, the take was
refused as "too quiet".

:func:`find_hum` looks for a narrow, steady peak at the mains frequency in the recording's
long-term spectrum, with the tone there in the pauses too, over the whole recording or over a
stretch of it (a hum that comes on or goes off during a take), and picks the harmonics to take
out: all up to 400 Hz, and those up to 1.5 kHz that stand out where the hum is alone (a
buzz's). :func:`remove_hum` follows the hum's frequency as it wanders and subtracts its
harmonics, each a sinusoid fitted block by block, leaning on the pauses where the hum is alone;
where the recording is digitally silent (a noise gate shut) nothing is weighed in or
subtracted. The fit runs on a copy resampled to 4 kHz, through normal equations built from
sums taken once per half block: 60 s with hum take about 0.3 s. A recording without hum is
left exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The mains frequencies in use, in Hz.
MAINS_HZ = (50.0, 60.0)
#: How far the hum's fundamental may lie from the nominal mains frequency, in Hz: grids hold
#: within 0.2 Hz, and a recorder's clock adds up to 0.1 % more.
MAINS_TOLERANCE_HZ = 0.5
#: Every multiple of the fundamental up to this frequency is taken out, in Hz: a ground loop's
#: hum carries most of its power in its first few harmonics, and under the voice they do not
#: always stand out of the long-term spectrum; one left in keeps the hum's periodicity in the
#: pauses.
ALL_HARMONICS_HZ = 400.0
#: Above ALL_HARMONICS_HZ and up to this frequency (Hz), a harmonic is taken out when it stands
#: out where the hum is alone (HARMONIC_PROMINENCE_DB): a buzz (a rectifier, a dimmer, an
#: unbalanced cable) has them there, while each one taken out that is not there costs the
#: voice its projection on a steady sinusoid (on three CREMA-D takes, one such raised what
#: removal took and left by 3 to 9 dB). Left in, a buzz's harmonics up to 1.2 kHz, 10 dB below
#: the voice, moved the ARCTIC take's median pitch by 2 semitones. They weaken with their
#: number (a rectifier's k-th at about 1/k: the 30th of 50 Hz, at 1.5 kHz, 30 dB below the
#: fundamental), and the fit's copy holds up to 1.8 kHz (FIT_SR).
MAX_HARMONIC_HZ = 1500.0
#: ... standing this far (dB) above the median of the weighted spectrum RING_HZ to either side
#: of it, in the median block (:func:`_harmonic_numbers`). On the benchmark's takes and four
#: more (two TIMIT speakers, a woman's FDA sentence, 60 s of TIMIT sentences) with a steady hum
#: or a buzz (20 harmonics at 1/k, 20 dB below the voice to as loud), this kept 881 of the 971
#: upper harmonics there were and 20 that were not (at 9 dB: 921 and 35; at 11 dB: 847 and 7);
#: those missed are mostly a weak buzz's highest, 40 dB and more below the voice.
HARMONIC_PROMINENCE_DB = 10.0
#: ... over the blocks where the fundamental stands this far (dB) out of the weighted spectrum
#: as well: where the hum is on. Random peaks reach this in 1 in 1000 blocks.
HUM_BLOCK_DB = 10.0
#: The stretch of the weighted spectrum on either side of a harmonic against which it is
#: judged, in Hz: beyond a 1 s window's main lobe, short of the next harmonic.
RING_HZ = (3.0, 18.0)
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
#: ... and is there in the pauses: in the quietest QUIET_FRAMES share of the 20 ms frames of
#: some stretch of REGION_S (of the whole recording, when shorter), a sinusoid at the
#: fundamental (fitted as :func:`remove_hum` fits it) carries at least this share of the
#: power. A hum is steady, so it fills the pauses; a line that only a perfectly repeated
#: synthetic syllable makes (its spectrum is all lines) does not. A hum that fails this lies
#: 10 dB or more under the room's own noise, where a hum 30 dB below the voice moved no score
#: by more than a few points (benchmarks/hum.py). Digitally silent frames (a noise gate
#: closed) are left out: they hold neither the hum nor anything else.
MIN_QUIET_SHARE, QUIET_FRAMES = 0.1, 0.3
#: The stretches over which the pauses are judged, in s, each REGION_STEP_S after the last: a hum
#: that comes on (or goes off) during a take fills the pauses only where it is on, and judged
#: over the whole take its quietest frames all lay where it was off. A stretch this long holds
#: pauses of its own, and more than a note held at 50 or 60 Hz ("mmm", 3 s) in the middle of
#: speech: the speech's pauses around it hold no tone.
REGION_S, REGION_STEP_S = 5.0, 1.0
#: A stretch is judged only when it holds at least this share of REGION_S that is not
#: digitally silent: a few frames between long digital silences say nothing.
MIN_LIVE_SHARE = 0.2
#: At most this many segments, spread over the recording, make the long-term spectrum.
MAX_SEGMENTS = 8
#: A recording shorter than this (s) cannot show a steady tone apart from a voice.
MIN_DURATION_S = 1.0
#: A run of exactly zero samples at least this long (s) is digital silence: a noise gate
#: closed, or padding. A hum, even far under the voice, leaves no run of zeros a quarter of its
#: period long; a single zero sample is a waveform crossing zero.
DIGITAL_SILENCE_S = 0.005

#: The hum is fitted on a copy of the recording resampled to this rate, in Hz: its harmonics
#: all lie below MAX_HARMONIC_HZ, which the resampler (soxr, VHQ) passes within 1e-9 up to
#: 90 % of the copy's Nyquist frequency, and the fitted hum is resampled back to the
#: recording's rate and subtracted there. A quarter of the samples of a 16 kHz recording.
FIT_SR = 4000
#: The resampler (soxr, VHQ) rings at a recording's abrupt ends: within this (s) of them the
#: copy of a 50 Hz hum is off by more than 0.3 % (40 % at the last sample), and is left out of
#: the fit.
RESAMPLER_EDGE_S = 0.005
#: ... and resampling the fitted hum back rings for this long (s; to 1e-4 of it): it is
#: carried on this far past the ends first.
RESAMPLER_RING_S = 0.025
#: Each harmonic's amplitude and phase are fitted over blocks this long (s), half overlapping.
BLOCK_S = 1.0
#: The span over which the power that weighs each sample is measured, in s.
TRUST_WINDOW_S = 0.02
#: No sample is weighted above the inverse of this percentile of the power of the samples that
#: are not digitally silent: the quiet tail of a noise gate's fade, or a pause close to digital
#: silence, holds less of the hum than the rest (the gate turned it down) and must not outweigh
#: the pauses where the hum is whole.
TRUST_FLOOR_PERCENTILE = 10.0
#: ... nor above the inverse of this share of the hum's mean power: a sample holding less
#: power than the hum does not hold the whole hum (a gate's fade turned it down) and counts
#: no more than a pause holding the hum alone. Everywhere else a recording holds the whole hum
#: and more, so this changes nothing there.
HUM_FLOOR = 0.5
#: The hum's frequency, followed from block to block, is smoothed over this span (s, the
#: standard deviation of a Gaussian weight): a grid's frequency moves over seconds, while the
#: phase measured in a block full of speech is noisy.
FREQUENCY_SMOOTHING_S = 2.0
#: A first pass that moves the hum's frequency nowhere by more than this (Hz) leaves too little
#: for a second (a few % of it) to be worth its time.
FREQUENCY_SETTLED_HZ = 0.01
#: Two blocks whose fits lean on moments closer together than this (s; both on the same pause)
#: say nothing about how the phase moves between them.
MIN_PHASE_SPAN_S = 0.1
#: Each block's normal equations are regularised by this share of their mean diagonal: a block
#: with only a few milliseconds that are not digitally silent cannot tell its harmonics apart,
#: and is then fitted small instead of wild; a well-posed block is changed by 1e-6 of itself.
RIDGE = 1e-6
#: Where the recording's power (over TRUST_WINDOW_S) is below this share of the hum fitted
#: to it, the hum is turned down there (a noise gate's fade) or not yet on (a hum that comes
#: on during the block): it is fitted and subtracted turned down, in proportion to the
#: recording's amplitude. A voice in opposite phase to the hum lowers the power too, but with
#: a steady hum 20 dB below the voice to 10 dB above it the power never fell below 0.6 of the
#: hum's (ARCTIC, TIMIT and FDA sentences, 60 s of TIMIT).
TURNED_DOWN = 0.25


@dataclass(frozen=True)
class Hum:
    """A mains hum found in a recording.

    Attributes
    ----------
    fundamental_hz : float
        the hum's measured fundamental, in Hz (about 50 or 60)
    harmonics_hz : tuple[float, ...]
        the frequencies taken out, in Hz: the fundamental and its multiples up to
        ``ALL_HARMONICS_HZ``, and those above it, up to ``MAX_HARMONIC_HZ``, that stand out
        where the hum is alone (:func:`_harmonic_numbers`)
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
    x = np.asarray(y, dtype=np.float64)
    freqs, psd = _long_term_spectrum(x, sr)
    if not np.max(psd) > 0.0:  # a constant (a DC offset alone): no hum, no sound
        return None
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
    copy = _FitCopy(x, sr)
    found, fits = _in_the_pauses(x, sr, copy, f0)
    if not found:
        return None
    ks = _harmonic_numbers(copy, _phase_track(copy, f0, fits), f0)
    harmonics = [k * f0 for k in ks]
    # the hum's share of the power: each peak's main lobe (the Hann window's is 2 bins of the
    # segment's resolution either side) over the whole spectrum
    lobe = 2.0 / SEGMENT_S
    mask = np.zeros(freqs.size, dtype=bool)
    for h in harmonics:
        mask |= np.abs(freqs - h) <= lobe
    level_db = float(10.0 * np.log10(np.sum(psd[mask]) / np.sum(psd)))
    return Hum(fundamental_hz=harmonics[0], harmonics_hz=tuple(harmonics), level_db=level_db)


def _harmonic_numbers(copy: _FitCopy, theta: np.ndarray, f0_hz: float) -> list[int]:
    """The multiples of the fundamental (``f0_hz``, its phase ``theta`` on the copy) to take
    out: all up to ALL_HARMONICS_HZ, and above it, up to MAX_HARMONIC_HZ (or what the copy
    holds), those that stand out of the weighted spectrum where the fundamental does.

    The weighted spectrum is the one the fit sees: each BLOCK_S of the copy weighted by the
    trust in each sample, so mostly its pauses. In each block a
    harmonic's prominence is its power at its frequency there (the fundamental's there, from
    ``theta``, times k, so a wandering hum is not smeared) over the median of the power
    RING_HZ to either side of it. A harmonic is kept when its median prominence over the
    blocks where the fundamental stands HUM_BLOCK_DB out is at least HARMONIC_PROMINENCE_DB: a
    hum's harmonic stands out in all of them, a voice's partial that happens to cross its
    frequency in one or two. In the plain long-term spectrum the voice covers a buzz's upper
    harmonics: with 20 of 50 Hz (the k-th at 1/k) 20 dB below the voice on the repository's
    ARCTIC take, the 9th to 20th stood 0 to 8 dB out of it, no more than its own peaks; by
    this measure, 14 to 18 dB, and the multiples above the buzz's -9 to 2 dB.
    """
    top = min(MAX_HARMONIC_HZ, copy.top_hz)
    ks = np.arange(1, int(top // f0_hz) + 1)
    upper = ks * f0_hz > ALL_HARMONICS_HZ
    if not np.any(upper):
        return ks.tolist()
    x, sr = copy.x, copy.sr
    size = int(round(BLOCK_S * sr))
    n_fft = 4 * size
    step = sr / n_fft
    window = np.hanning(size)
    away = np.concatenate([-np.arange(RING_HZ[1], RING_HZ[0] - step / 2, -step),
                           np.arange(RING_HZ[0], RING_HZ[1] + step / 2, step)])
    ring_bins = np.round(away / step).astype(np.int64)
    # weights as the fit's, but from the power over one period of the hum: over any other span
    # the hum's own harmonics make them ripple, and lend each strong harmonic side lines at
    # the multiples next to it
    period = max(1, int(round(sr / f0_hz)))
    trust = copy.weights(power=_local_power(x, period, copy.silent_here))
    prominence = []
    for start in range(0, x.size - size + 1, size):
        w = window * trust[start:start + size]
        total = float(np.sum(w))
        if total <= 0.0:
            continue
        power = np.abs(np.fft.rfft(w * x[start:start + size], n_fft)) ** 2
        local_hz = (theta[start + size - 1] - theta[start]) / (2.0 * np.pi * (size - 1) / sr)
        centre = np.round(ks * local_hz / step).astype(np.int64)
        ring = np.median(power[np.clip(centre[:, None] + ring_bins, 0, power.size - 1)], axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            prominence.append(10.0 * np.log10(power[centre] / ring))
    if not prominence:
        return ks[~upper].tolist()
    prominence = np.array(prominence)
    there = prominence[:, 0] >= HUM_BLOCK_DB
    if not np.any(there):
        return ks[~upper].tolist()
    stands = np.median(prominence[there], axis=0) >= HARMONIC_PROMINENCE_DB
    return ks[~upper | stands].tolist()


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
    cross-faded between blocks, so a hum that swells, fades, comes on or goes off is followed.
    Their frequencies follow the fundamental's, measured from how its phase moves from block to
    block (:func:`_phase_track`), so a hum whose frequency wanders is followed too. Only what
    stays a steady sinusoid at those frequencies over a block is removed, and nothing rings or
    is delayed; where the recording is digitally silent nothing is subtracted. The voice loses
    its own energy near those frequencies, weighed mostly from the pauses: 22 to 40 dB below
    the voice (0.01 to 0.6 % of its power) on the repository's ARCTIC and CREMA-D takes, most
    for a man's voice near 100 Hz.
    """
    x = np.asarray(y, dtype=np.float64)
    copy = _FitCopy(x, sr)
    if not np.any(copy.trust):
        return x.copy()
    f0 = hum.fundamental_hz
    ks = sorted({max(1, int(round(h / f0))) for h in hum.harmonics_hz if h <= copy.top_hz})
    theta = _phase_track(copy, f0)
    # no sample is weighted above a pause holding the hum's mean power alone
    trust = copy.weights(HUM_FLOOR * 10.0 ** (hum.level_db / 10.0) * float(np.mean(x * x)))
    fitted = _fit_blocks(copy, theta, ks, trust=trust, synthesise=True).fitted
    # where the recording is quieter than the hum fitted there, the hum is turned down (a noise
    # gate's fade) or not on (before it comes on): it is fitted and subtracted at that level
    gain = _gain(copy.power, _local_power(fitted, copy.window, copy.silent_here),
                 copy.inside & ~copy.silent_here)
    if gain is not None:
        fitted = _fit_blocks(copy, theta, ks, trust=trust, gain=gain, synthesise=True).fitted
    if copy.sr != sr:
        from .dsp import resample

        fitted = resample(fitted, copy.sr, sr)[copy.pad_there:copy.pad_there + x.size]
    fitted[copy.silent] = 0.0
    return x - fitted


def _gain(power: np.ndarray, hum_power: np.ndarray, inside: np.ndarray) -> np.ndarray | None:
    """How far the hum is turned down at each sample, from the recording's local ``power`` and
    the fitted hum's (``hum_power``): 1 where the recording holds at least TURNED_DOWN of the
    hum's power, and outside ``inside`` (the padding, digital silence: nothing is fitted or
    subtracted there); elsewhere the square root of their ratio over TURNED_DOWN. None when it
    is 1 everywhere."""
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.sqrt(np.where(inside & (hum_power * TURNED_DOWN > power),
                                power / (hum_power * TURNED_DOWN), 1.0))
    return None if np.min(gain) >= 1.0 else gain


class _FitCopy:
    """The recording as the fit sees it.

    ``x`` is the recording resampled to FIT_SR (``sr``, in Hz), with ``pad`` zeros added at
    either end (``inside`` marks the rest): there the fitted hum is carried on past the
    recording's ends, so that resampling it back rings outside the recording, not in it.
    ``trust`` is each sample's weight (0 where digitally silent, in the padding and within
    RESAMPLER_EDGE_S of the ends, where the resampler rang), ``power`` the power around each
    sample (over ``window`` samples, TRUST_WINDOW_S), ``silent`` the digital silence at the
    recording's own rate and ``silent_here`` at the copy's, ``top_hz`` the highest frequency
    the copy holds.
    """

    def __init__(self, y: np.ndarray, sr: int):
        self.silent = _digital_silence(y, sr)
        if sr > FIT_SR:
            from math import gcd

            from .dsp import resample

            self.sr = float(FIT_SR)
            x = resample(y, sr, FIT_SR)
            at = np.minimum(np.round(np.arange(x.size) * (sr / FIT_SR)).astype(np.int64),
                            y.size - 1)
            silent = self.silent[at]
            # a whole number of the recording's samples, so the fitted hum lines up with it
            step = FIT_SR // gcd(int(sr), FIT_SR)
            self.pad = int(np.ceil(RESAMPLER_RING_S * FIT_SR / step)) * step
            self.pad_there = self.pad * int(sr) // FIT_SR
            self.top_hz = 0.9 * self.sr / 2.0
            edge = int(RESAMPLER_EDGE_S * FIT_SR)
        else:
            self.sr, x, silent = float(sr), y, self.silent
            self.pad = self.pad_there = edge = 0
            self.top_hz = self.sr / 2.0 - 20.0
        self.size = x.size
        self.x = np.pad(x, self.pad)
        self.inside = np.zeros(self.x.size, dtype=bool)
        self.inside[self.pad:self.pad + x.size] = True
        self.silent_here = np.pad(silent, self.pad, constant_values=True)
        self.window = max(1, int(round(TRUST_WINDOW_S * self.sr)))
        self.power = _local_power(self.x, self.window, self.silent_here)
        self.excluded = self.silent_here.copy()
        self.excluded[:self.pad + edge] = True
        self.excluded[self.pad + x.size - edge:] = True
        live = ~self.excluded
        self.floor = max(float(np.percentile(self.power[live], TRUST_FLOOR_PERCENTILE))
                         if np.any(live) else 0.0, float(np.max(self.power)) * 1e-12, 1e-30)
        self.trust = self.weights()

    def weights(self, hum_floor: float | np.ndarray = 0.0, *,
                power: np.ndarray | None = None) -> np.ndarray:
        """Each sample's weight in the fit: the inverse of the power around it (``power``, the
        copy's own when None), at most the inverse of the TRUST_FLOOR_PERCENTILE of the copy's
        or of ``hum_floor`` (per sample or for all), and 0 where left out. The hum is the
        same in the pauses as under the words, and there it is nearly all there is: the fit
        leans on the pauses and carries the hum they show into the speech, instead of taking
        the voice's own energy near the hum's frequencies for hum."""
        power = self.power if power is None else power
        weights = 1.0 / np.maximum(np.maximum(power, self.floor), hum_floor)
        weights[self.excluded] = 0.0
        return weights


def _digital_silence(y: np.ndarray, sr: int) -> np.ndarray:
    """True on the samples of ``y`` that lie in a run of zeros at least DIGITAL_SILENCE_S long."""
    zero = y == 0.0
    silent = np.zeros(y.size, dtype=bool)
    if not zero.any():
        return silent
    edges = np.flatnonzero(np.diff(np.concatenate([[0], zero.view(np.int8), [0]])))
    starts, ends = edges[::2], edges[1::2]
    for s, e in zip(starts, ends, strict=True):
        if e - s >= DIGITAL_SILENCE_S * sr:
            silent[s:e] = True
    return silent


def _local_power(x: np.ndarray, size: int, silent: np.ndarray) -> np.ndarray:
    """The mean of ``x``² over the samples around each sample (``size`` of them) that are not
    ``silent``: next to digital silence, or to the recording's ends, the hum is whole up to
    the last sample, and averaging the silence in would make it look turned down (0 where
    all are silent)."""
    box = np.ones(size)
    live = (~silent).astype(np.float64)
    count = np.convolve(live, box, mode="same")
    total = np.convolve(x * x * live, box, mode="same")
    return np.where(count > 0.5, total / np.maximum(count, 1.0), 0.0)


def _powers(theta: np.ndarray, top: int) -> np.ndarray:
    """exp(i·m·theta) for m = 0 to ``top``, for ``theta`` of shape (hops, samples): shape
    (hops, top + 1, samples), by repeated products."""
    z = np.cos(theta) + 1j * np.sin(theta)
    out = np.empty((theta.shape[0], top + 1, theta.shape[1]), dtype=np.complex128)
    out[:, 0] = 1.0
    for m in range(1, top + 1):
        np.multiply(out[:, m - 1], z, out=out[:, m])
    return out


@dataclass
class _Fits:
    """What :func:`_fit_blocks` returns: per block (rows) the complex amplitude of each
    harmonic (columns; the fitted sinusoid is Re(a·exp(i·k·theta))), the moment its fit leans
    on (the weighted mean time, s) and the variance of each quadrature of its first harmonic;
    and, when asked, the cross-faded sum of the fitted sinusoids (at the copy's rate)."""

    amplitudes: np.ndarray
    moments_s: np.ndarray
    variances: np.ndarray
    fitted: np.ndarray | None


#: The fit handles this many complex numbers at a time (16 MB).
CHUNK_VALUES = 1_000_000


def _fit_blocks(copy: _FitCopy, theta: np.ndarray, ks: list[int], *,
                trust: np.ndarray | None = None, gain: np.ndarray | None = None,
                spread: bool = False, synthesise: bool = False) -> _Fits:
    """Sinusoids at the harmonics ``ks`` of the phase ``theta`` (radians, per sample of the
    copy), each scaled by ``gain`` (per sample; 1 when None), fitted to the copy block by
    block: weighted least squares (weights: Hann window x ``trust``, the copy's own when None)
    through the normal equations. The variances are measured only when ``spread`` is asked
    for (inf otherwise), the fitted sum only when ``synthesise`` is.

    The blocks are BLOCK_S long and start every half block, from half a block before the
    copy; each is a rising half-window over one hop (half a block) and a falling one over the
    next. The normal equations need only the weighted sums of exp(i·m·theta) up to twice the
    highest harmonic (cos·cos, sin·sin and cos·sin of two harmonics are sums of the cosine and
    sine of their sum and difference): these are taken once per hop and half, and all blocks
    are solved together.
    """
    n = copy.x.size
    hop = max(1, int(round(BLOCK_S * copy.sr)) // 2)
    window = np.sin(np.pi * (np.arange(2 * hop) + 0.5) / (2 * hop)) ** 2  # periodic Hann
    shapes = (window[:hop], window[hop:])  # the rising half, the falling one
    n_blocks = -(-(n + hop) // hop)
    n_hops = n_blocks + 1

    def by_hop(a: np.ndarray, fill: float = 0.0) -> np.ndarray:
        out = np.full(n_hops * hop, fill)
        out[hop:hop + n] = a
        return out.reshape(n_hops, hop)

    x, phase = by_hop(copy.x), by_hop(theta)
    trust = by_hop(copy.trust if trust is None else trust)
    g = np.ones_like(x) if gain is None else by_hop(gain, 1.0)
    top = max(ks)
    step = max(1, CHUNK_VALUES // (hop * (2 * top + 1)))
    # per half and hop: sums of w·g²·exp(i·m·theta) (m up to 2·top), of w·g·x·exp(i·k·theta)
    # (k up to top), and with w squared (for the spread)
    sums = np.zeros((2, n_hops, 2 * top + 1), dtype=np.complex128)
    cross = np.zeros((2, n_hops, top + 1), dtype=np.complex128)
    sums2 = np.zeros_like(sums)
    cross2 = np.zeros_like(cross)
    xx2 = np.zeros((2, n_hops))
    for lo in range(0, n_hops, step):
        hi = min(n_hops, lo + step)
        weights = []
        for half, shape in enumerate(shapes):
            w = trust[lo:hi] * shape
            weights += [w * g[lo:hi] ** 2, w * g[lo:hi] * x[lo:hi]]
            if spread:
                weights += [w * w * g[lo:hi] ** 2, w * w * g[lo:hi] * x[lo:hi]]
                xx2[half, lo:hi] = np.sum((w * x[lo:hi]) ** 2, axis=1)
        per = len(weights) // 2
        # einsum, not matmul: a multi-threaded BLAS on a busy machine stalls on such small
        # products (up to 2 s for 60 s of hum on 2 cores shared with another process)
        found = np.einsum("hmi,hwi->hmw", _powers(phase[lo:hi], 2 * top),
                          np.stack(weights, axis=1))
        for half in range(2):
            sums[half, lo:hi] = found[:, :, per * half]
            cross[half, lo:hi] = found[:, :top + 1, per * half + 1]
            if spread:
                sums2[half, lo:hi] = found[:, :, per * half + 2]
                cross2[half, lo:hi] = found[:, :top + 1, per * half + 3]
    k = np.asarray(ks)

    def normal_equations(s: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The blocks' normal equations from the sums over their halves (block b: the rising
        half over hop b, the falling one over hop b + 1)."""
        s = s[0, :-1] + s[1, 1:]
        c = c[0, :-1] + c[1, 1:]
        diff = s[:, np.abs(k[:, None] - k[None, :])]
        add = s[:, k[:, None] + k[None, :]]
        sign = np.sign(k[:, None] - k[None, :])
        cc = 0.5 * (diff.real + add.real)
        ss = 0.5 * (diff.real - add.real)
        cs = 0.5 * (add.imag - sign * diff.imag)
        gram = np.concatenate([np.concatenate([cc, cs], axis=2),
                               np.concatenate([cs.transpose(0, 2, 1), ss], axis=2)], axis=1)
        return gram, np.concatenate([c[:, k].real, c[:, k].imag], axis=1)

    gram, rhs = normal_equations(sums, cross)
    m = 2 * k.size
    diagonal = np.trace(gram, axis1=1, axis2=2) / m
    ridged = gram.copy()
    ridged[:, np.arange(m), np.arange(m)] += (RIDGE * diagonal + (diagonal <= 0.0))[:, None]
    coef = np.linalg.solve(ridged, rhs[:, :, None])[:, :, 0]
    amplitudes = coef[:, :k.size] - 1j * coef[:, k.size:]
    t = (np.arange(n_hops * hop) - hop).reshape(n_hops, hop) / copy.sr
    w_halves = [trust * shape for shape in shapes]
    total = np.sum(w_halves[0], axis=1)[:-1] + np.sum(w_halves[1], axis=1)[1:]
    moments = np.sum(w_halves[0] * t, axis=1)[:-1] + np.sum(w_halves[1] * t, axis=1)[1:]
    live = total > 0.0
    amplitudes[~live] = 0.0
    variances = np.full(n_blocks, np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        moments = np.where(live, moments / total, 0.0)
        if spread:
            # each quadrature's estimate is about 2·sum(w·x·cos)/sum(w): its variance, with
            # the residual x - basis·coef standing for the noise, expanded into the sums above
            gram2, rhs2 = normal_equations(sums2, cross2)
            residual = (xx2[0, :-1] + xx2[1, 1:] - 2.0 * np.sum(coef * rhs2, axis=1)
                        + np.einsum("bj,bjk,bk->b", coef, gram2, coef))
            variances = np.where(live, 2.0 * np.maximum(residual, 0.0) / total ** 2, np.inf)
    fitted = None
    if synthesise:
        out = np.zeros((n_hops, hop))
        # hop h: the rising half of block h, the falling half of block h - 1
        rising = np.concatenate([amplitudes, np.zeros((1, k.size))])
        falling = np.concatenate([np.zeros((1, k.size)), amplitudes])
        step = max(1, CHUNK_VALUES // (hop * (top + 1)))
        for lo in range(0, n_hops, step):
            hi = min(n_hops, lo + step)
            powers = _powers(phase[lo:hi], top)[:, k]
            out[lo:hi] = g[lo:hi] * (
                shapes[0] * np.einsum("hk,hki->hi", rising[lo:hi], powers).real
                + shapes[1] * np.einsum("hk,hki->hi", falling[lo:hi], powers).real)
        fitted = out.reshape(-1)[hop:hop + n]
    return _Fits(amplitudes, moments, variances, fitted)


def _in_the_pauses(y: np.ndarray, sr: int, copy: _FitCopy, f0_hz: float
                   ) -> tuple[bool, _Fits]:
    """Whether a sinusoid at ``f0_hz``, fitted block by block, carries at least
    MIN_QUIET_SHARE of the power of ``y`` (at ``sr`` Hz) in the quietest QUIET_FRAMES of the
    20 ms frames of some REGION_S of it (the whole of it when shorter), digital silence left
    out; and the fits at ``f0_hz`` (with their spread), where :func:`_phase_track` starts."""
    theta = 2.0 * np.pi * f0_hz * np.arange(copy.x.size) / copy.sr
    fits = _fit_blocks(copy, theta, [1], spread=True, synthesise=True)
    tone = fits.fitted
    tone[copy.silent_here] = 0.0
    tone = tone[copy.pad:copy.pad + copy.size]
    frame_s = 0.02
    n = int(min(y.size / sr, tone.size / copy.sr) / frame_s)
    if n == 0:
        return False, fits
    # the frames' bounds at either rate, so that they cover the same moments
    here = np.round(np.arange(n + 1) * frame_s * copy.sr).astype(np.int64)
    there = np.round(np.arange(n + 1) * frame_s * sr).astype(np.int64)
    tone_power = np.add.reduceat(tone[: here[-1]] ** 2, here[:-1]) / np.diff(here)
    power = np.add.reduceat(y[: there[-1]] ** 2, there[:-1]) / np.diff(there)
    silent = np.add.reduceat(copy.silent[: there[-1]].astype(np.int64), there[:-1])
    live = silent < np.diff(there)
    region = int(round(REGION_S / frame_s))
    if n <= region:
        starts = [0]
    else:
        step = int(round(REGION_STEP_S / frame_s))
        starts = sorted({*range(0, n - region + 1, step), n - region})
    for start in starts:
        keep = np.flatnonzero(live[start:start + region]) + start
        if keep.size < MIN_LIVE_SHARE * min(region, n):
            continue
        count = max(1, int(QUIET_FRAMES * keep.size))
        quiet = keep[np.argpartition(power[keep], count - 1)[:count]]
        total = float(np.sum(power[quiet]))
        if total > 0.0 and float(np.sum(tone_power[quiet])) >= MIN_QUIET_SHARE * total:
            return True, fits
    return False, fits


def _phase_track(copy: _FitCopy, f0_hz: float, fits: _Fits | None = None) -> np.ndarray:
    """The hum's phase (radians) at each sample of the copy, following its frequency.

    A sinusoid fitted at a slightly wrong frequency turns by 2·pi·(error)·(time): the change
    of the fundamental's fitted phase from one block to the next, over the time between the
    moments the two fits lean on, gives the error there. These are smoothed over
    FREQUENCY_SMOOTHING_S (a local straight line, each weighted by how well its two phases are
    known), added to the frequency and integrated; a second pass measures what is left,
    unless the first moved it by less than FREQUENCY_SETTLED_HZ.
    """
    t = np.arange(copy.x.size) / copy.sr
    theta = 2.0 * np.pi * f0_hz * t
    for turn in range(2):
        if turn > 0 or fits is None:
            fits = _fit_blocks(copy, theta, [1], spread=True)
        a = fits.amplitudes[:, 0]
        # the variance of each phase: a quadrature's variance over the amplitude squared
        with np.errstate(divide="ignore", invalid="ignore"):
            phase_var = np.where(np.abs(a) > 0, fits.variances / np.abs(a) ** 2, np.inf)
        rotation = np.angle(a[1:] * np.conj(a[:-1]))
        span = np.diff(fits.moments_s)
        usable = np.isfinite(phase_var[1:] + phase_var[:-1]) & (span >= MIN_PHASE_SPAN_S)
        if not np.any(usable):
            break
        shift = rotation[usable] / (2.0 * np.pi * span[usable])
        # the variance of each shift, in Hz²
        var = (phase_var[1:] + phase_var[:-1])[usable] / (2.0 * np.pi * span[usable]) ** 2
        at = 0.5 * (fits.moments_s[1:] + fits.moments_s[:-1])[usable]
        order = np.argsort(at, kind="stable")
        at, shift, var = at[order], shift[order], var[order]
        smooth = _local_line(at, shift, 1.0 / np.maximum(var, 1e-12), FREQUENCY_SMOOTHING_S)
        smooth = np.clip(smooth, -MAINS_TOLERANCE_HZ, MAINS_TOLERANCE_HZ)
        if at.size == 1:
            drift = np.full(t.size, smooth[0])
        else:
            drift = np.interp(t, at, smooth)
        theta = theta + 2.0 * np.pi * np.cumsum(drift) / copy.sr
        if np.max(np.abs(smooth)) < FREQUENCY_SETTLED_HZ:
            break
    return theta


def _local_line(t: np.ndarray, v: np.ndarray, weight: np.ndarray, sigma_s: float) -> np.ndarray:
    """``v`` smoothed at each of the times ``t`` (sorted, s): a straight line fitted through the
    values within 3 ``sigma_s``, each weighted by ``weight`` and a Gaussian of its distance. A
    line rather than a mean, so a steady drift is followed to the ends of the recording."""
    out = np.empty_like(v)
    mean = float(np.sum(weight * v) / np.sum(weight))
    lo_idx = np.searchsorted(t, t - 3.0 * sigma_s)
    hi_idx = np.searchsorted(t, t + 3.0 * sigma_s, side="right")
    for i in range(t.size):
        sl = slice(lo_idx[i], hi_idx[i])
        d = t[sl] - t[i]
        w = weight[sl] * np.exp(-0.5 * (d / sigma_s) ** 2)
        sw = float(np.sum(w))
        if sw <= 0.0:
            out[i] = mean
            continue
        md = float(w @ d) / sw
        mv = float(w @ v[sl]) / sw
        spread = float(w @ (d - md) ** 2)
        slope = float(w @ ((d - md) * (v[sl] - mv))) / spread if spread > 0 else 0.0
        out[i] = mv - slope * md
    return out


def _refine(freqs: np.ndarray, db: np.ndarray, i: int) -> float:
    """The frequency of the peak at bin ``i``, placed between bins by a parabola through it
    and its neighbours (in dB)."""
    if i <= 0 or i >= db.size - 1:
        return float(freqs[i])
    a, b, c = db[i - 1], db[i], db[i + 1]
    denom = a - 2.0 * b + c
    shift = 0.5 * (a - c) / denom if denom < 0 else 0.0
    return float(freqs[i] + np.clip(shift, -0.5, 0.5) * (freqs[1] - freqs[0]))
