"""Speech with exactly known answers for the accuracy benchmark, and loaders for real speech.

Synthetic sets:

- ``f0_corpus``: espeak-ng sentences re-synthesised with pyworld on an F0 contour we impose, so
  the true F0 of every 10 ms frame is known exactly (0 = unvoiced); clean, pink noise at 20 and
  10 dB SNR, and reverberation (RT60 0.4 s).
- ``rate_corpus``: espeak-ng sentences at fixed words per minute, with the syllable count read
  from espeak-ng's own phoneme output and the speaking time from its digital silence.
- ``pause_recording`` and ``gain_step_recording``: silences of known length, a gain step of
  known dB.

Loaders for ``../shared/data`` (never used by tests): ``fda_items`` (laryngograph F0) and
``timit_items`` (phone labels).

Everything random is seeded. Generated F0 audio is cached under ``benchmarks/out/`` (git-ignored).
"""

from __future__ import annotations

import csv
import re
import subprocess
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import soundfile as sf

#: Sample rate of everything this module returns, in Hz (the app analyses at 16 kHz).
SR = 16_000
#: Step of the synthetic F0 ground truth, in seconds: frame k is centred at k * FRAME_S.
FRAME_S = 0.01
OUT_DIR = Path(__file__).resolve().parent / "out"
#: Bump when the generated audio changes, so stale caches are not reused.
CORPUS_VERSION = 3

SENTENCES = (
    "The quick brown fox, after a long day, jumped over the lazy dog.",
    "Please take a slow breath and let your shoulders drop.",
    "We will find a calm place to sit, and then we can talk it through.",
    "Every evening the river carries the last light down to the sea.",
    "I know this has been a difficult week for you.",
    "When the rain stopped, the children ran outside to play in the garden.",
    "Tell me what happened, and we will work out what to do next.",
    "The library opens at nine in the morning on weekdays.",
    "Nobody expected the old bridge to survive another winter.",
    "You are safe here, and there is no need to hurry.",
)
#: Sentences without internal punctuation: espeak-ng speaks each without a pause.
CONTINUOUS = (1, 3, 4, 7, 8)
#: For the pause test: no internal pause, and they start and end on voiced sounds, so the
#: edge of each inserted silence is also an acoustic edge (a final stop's closure is not).
PAUSE_SENTENCES = (
    "Now we can rest for a while.",
    "Nobody here is in a hurry.",
    "I will be right here with you.",
    "All of your worries can wait until morning.",
    "Our minds are calmer when the room is warm.",
)


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice and the median F0 imposed on it in re-synthesis."""

    name: str
    espeak: str  # espeak-ng -v
    pitch: int  # espeak-ng -p, 0..99
    sex: str
    median_hz: float


VOICES = (
    Voice("m-us", "en-us", 30, "male", 98.0),
    Voice("m-m3", "en+m3", 50, "male", 118.0),
    Voice("m-gb", "en-gb", 65, "male", 138.0),
    Voice("f-us-f3", "en-us+f3", 50, "female", 205.0),
    Voice("f-gb-f4", "en-gb+f4", 60, "female", 245.0),
    Voice("f-f2", "en+f2", 40, "female", 185.0),
)
F0_CONDITIONS = ("clean", "pink 20 dB", "pink 10 dB", "reverb 0.4 s")
SPEEDS_WPM = (100, 130, 160, 190, 220, 250)


# --------------------------------------------------------------------------- espeak-ng


def espeak(text: str, *, voice: str, pitch: int = 50, wpm: int = 160) -> tuple[np.ndarray, int]:
    """Speak ``text`` with espeak-ng; return int16 samples at espeak's native rate and that rate.

    The int16 samples keep espeak-ng's digital silence exact (runs of 0).
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        cmd = ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(wpm), "-w", str(path), text]
        subprocess.run(cmd, check=True, capture_output=True)
        y, sr = sf.read(path, dtype="int16")
    return y, int(sr)


def espeak_phonemes(text: str, *, voice: str, wpm: int = 160) -> list[str]:
    """espeak-ng's phoneme mnemonics for ``text`` (``-x --sep=_``), stress marks removed."""
    cmd = ["espeak-ng", "-q", "-x", "--sep=_", "-v", voice, "-s", str(wpm), text]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    tokens = (re.sub(r"[',%=]", "", tok) for tok in re.split(r"[_\s]+", out))
    return [tok for tok in tokens if tok]


# espeak-ng's English vowel mnemonics all start with one of these (a, aI, @, 3:, V, 0, ...).
_VOWEL_START = frozenset("aAeEiIoOuUV03@")
# Syllabic consonants ("button" -> b V ? n-). "r-" is a linking r, not a nucleus.
_SYLLABIC = frozenset({"n-", "m-", "l-"})


def count_syllables(phonemes: list[str]) -> int:
    """Syllable nuclei in espeak-ng phonemes: vowels (diphthongs count once) + syllabic n, m, l."""
    return sum(1 for p in phonemes if p[0] in _VOWEL_START or p in _SYLLABIC)


def speaking_span(
    y_int: np.ndarray, sr: int, *, min_gap_s: float = 0.25, floor_db: float = -60.0
) -> tuple[float, float, float, list[tuple[float, float]]]:
    """First and last sounding sample, speaking time and the silent gaps in between.

    espeak-ng writes digital silence between phrases, except that some voice variants (+f3)
    leave a faint hiss of a few LSB there, so samples more than ``-floor_db`` dB below the peak
    count as silence. Returns ``(first_s, last_s,
    speaking_s, gaps)``: speaking time is ``last - first`` minus the silent runs of at least
    ``min_gap_s`` (espeak-ng's pauses between phrases).
    """
    mag = np.abs(np.asarray(y_int, dtype=np.float64))
    loud = mag > mag.max() * 10 ** (floor_db / 20)
    nz = np.flatnonzero(loud)
    first, last = int(nz[0]), int(nz[-1]) + 1
    quiet = np.r_[False, ~loud[first:last], False]
    edges = np.flatnonzero(np.diff(quiet.astype(np.int8)))
    gaps = []
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if (b - a) / sr >= min_gap_s:
            gaps.append(((first + a) / sr, (first + b) / sr))
    speaking = (last - first) / sr - sum(b - a for a, b in gaps)
    return first / sr, last / sr, speaking, gaps


def to_sr(y: np.ndarray, sr: int, sr_out: int = SR) -> np.ndarray:
    """Resample to ``sr_out`` (polyphase, exact ratio); returns float64 in [-1, 1]."""
    from scipy.signal import resample_poly

    y = np.asarray(y)
    if y.dtype.kind in "iu":
        y = y / 32768.0
    y = y.astype(np.float64)
    if sr == sr_out:
        return y
    ratio = Fraction(sr_out, sr).limit_denominator(1000)
    return resample_poly(y, ratio.numerator, ratio.denominator)


# --------------------------------------------------------------------------- levels and noise


def frame_power(y: np.ndarray, sr: int = SR, frame_s: float = FRAME_S) -> np.ndarray:
    """Mean square of consecutive non-overlapping frames."""
    n = int(round(frame_s * sr))
    m = len(y) // n
    return np.mean(y[: m * n].reshape(m, n) ** 2, axis=1)


def active_power(y: np.ndarray, sr: int = SR, range_db: float = 40.0) -> float:
    """Mean square over the speech-active part: 10 ms frames within ``range_db`` of the loudest."""
    p = frame_power(y, sr)
    return float(np.mean(p[p > p.max() * 10 ** (-range_db / 10)]))


def pink_noise(n: int, rng: np.random.Generator, sr: int = SR) -> np.ndarray:
    """Unit-variance noise with a 1/f power spectrum (nothing below 20 Hz)."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f_hz = np.fft.rfftfreq(n, 1.0 / sr)
    gain = np.zeros_like(f_hz)
    gain[f_hz >= 20.0] = 1.0 / np.sqrt(f_hz[f_hz >= 20.0])
    x = np.fft.irfft(spec * gain, n)
    return x / np.std(x)


def add_noise(y: np.ndarray, snr_db: float, rng: np.random.Generator, sr: int = SR) -> np.ndarray:
    """Add pink noise at ``snr_db`` relative to the speech-active power of ``y``."""
    noise = pink_noise(len(y), rng, sr)
    return y + noise * np.sqrt(active_power(y, sr) / 10 ** (snr_db / 10))


def reverberate(
    y: np.ndarray, rng: np.random.Generator, *, rt60_s: float = 0.4, sr: int = SR
) -> np.ndarray:
    """Convolve with a synthetic room response and restore the speech-active level.

    The response is Gaussian noise under an exponential envelope that falls 60 dB in ``rt60_s``,
    plus a direct path at t = 0 carrying as much energy as the tail (direct-to-reverberant
    ratio 0 dB), so the speech is not delayed.
    """
    from scipy.signal import fftconvolve

    t = np.arange(int(1.2 * rt60_s * sr)) / sr
    h = rng.standard_normal(t.size) * 10 ** (-3.0 * t / rt60_s)
    h[0] = 0.0
    h[0] = np.sqrt(np.sum(h**2))
    wet = fftconvolve(y, h)[: len(y)]
    return wet * np.sqrt(active_power(y, sr) / active_power(wet, sr))


def _rng(*key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([20_240_611, CORPUS_VERSION, *key]))


# --------------------------------------------------------------------------- F0 ground truth


def impose_contour(
    t_s: np.ndarray, voiced: np.ndarray, median_hz: float, rng: np.random.Generator
) -> np.ndarray:
    """A smooth intonation contour over ``t_s``: declination, pitch accents and a final fall.

    Defined everywhere (the caller masks unvoiced frames); its median over ``voiced`` frames is
    ``median_hz`` within +-5 %.
    """
    idx = np.flatnonzero(voiced)
    t0, t1 = t_s[idx[0]], t_s[idx[-1]]
    span = max(t1 - t0, 0.2)
    u = np.clip((t_s - t0) / span, 0.0, 1.0)
    st = rng.uniform(2.0, 4.0) * (0.5 - u)  # declination over the utterance
    for _ in range(max(1, int(round(span / 0.7)))):  # about one accent per 0.7 s
        centre = rng.uniform(t0 + 0.1 * span, t0 + 0.85 * span)
        width = rng.uniform(0.08, 0.15)  # rises of up to ~25 st/s, as in lively speech
        st += rng.uniform(1.5, 3.5) * np.exp(-0.5 * ((t_s - centre) / width) ** 2)
    st -= 2.0 * np.clip((t_s - (t1 - 0.3)) / 0.3, 0.0, 1.0)  # final fall
    f_hz = 2.0 ** (st / 12.0)
    return f_hz * median_hz * rng.uniform(0.95, 1.05) / np.median(f_hz[voiced])


#: Frames this far below the loudest frame are not voiced in the re-synthesis: nobody hears
#: pitch there, and in any real recording noise would cover it.
VOICING_FLOOR_DB = -35.0
#: Shortest voiced stretch kept, in 5 ms analysis frames (one or two pulses carry no pitch).
MIN_VOICED_FRAMES = 3
#: Time smoothing of the log spectral envelope (Gaussian sigma in 5 ms frames, i.e. 20 ms).
#: CheapTrick's frame-to-frame estimation noise and espeak-ng's stepped formants change the pulse
#: shape from one period to the next, which every acoustic tracker reads as period jitter
#: (Praat's FPE: 17 cents unsmoothed, 13 at sigma 10 ms, 9 at 20 ms; see README).
ENVELOPE_SMOOTHING_FRAMES = 4.0


def _drop_short_runs(mask: np.ndarray, min_len: int) -> np.ndarray:
    mask = mask.copy()
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(np.int8), 0]))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if b - a < min_len:
            mask[a:b] = False
    return mask


def resynthesize(
    y: np.ndarray, median_hz: float, rng: np.random.Generator, sr: int = SR
) -> tuple[np.ndarray, np.ndarray]:
    """Re-synthesise speech with pyworld on an imposed F0 contour.

    Harvest F0, CheapTrick envelope and D4C aperiodicity of ``y`` (5 ms frames). A frame is
    voiced where Harvest found F0 and D4C found periodicity (Harvest alone also marks most
    fricatives and closures voiced), within ``VOICING_FLOOR_DB`` of the loudest frame, in
    stretches of at least ``MIN_VOICED_FRAMES``. The new F0 is the imposed contour on voiced
    frames and 0 elsewhere, so the synthesiser makes pulses exactly where the truth says voiced.
    Returns the audio and the true F0 at 10 ms frames (frame k at k * 10 ms; 0 = unvoiced).
    """
    import pyworld as pw
    from scipy.ndimage import gaussian_filter1d

    period_ms = 5.0
    f0, t = pw.harvest(y, sr, f0_floor=60.0, f0_ceil=600.0, frame_period=period_ms)
    sp = pw.cheaptrick(y, f0, t, sr)
    ap = pw.d4c(y, f0, t, sr)
    level_db = 10 * np.log10(np.sum(sp, axis=1) + 1e-30)
    periodic = ap.min(axis=1) < 0.99  # D4C sets every band to 1 where it finds no periodicity
    voiced = (f0 > 0) & periodic & (level_db > level_db.max() + VOICING_FLOOR_DB)
    voiced = _drop_short_runs(voiced, MIN_VOICED_FRAMES)
    new_f0 = np.where(voiced, impose_contour(t, voiced, median_hz, rng), 0.0)
    sp = np.exp(gaussian_filter1d(np.log(sp), ENVELOPE_SMOOTHING_FRAMES, axis=0))
    out = pw.synthesize(new_f0, sp, ap, sr, period_ms)
    step = int(round(FRAME_S * 1000 / period_ms))
    return out, new_f0[::step].copy()


@dataclass(frozen=True)
class F0Item:
    """Speech and its reference F0: ``truth_hz[k]`` at ``k * step_s`` (0 = unvoiced)."""

    name: str
    group: str  # condition or speaker set
    sex: str
    y: np.ndarray
    sr: int
    truth_hz: np.ndarray
    step_s: float = FRAME_S


def _condition(y: np.ndarray, condition: str, rng: np.random.Generator) -> np.ndarray:
    if condition == "clean":
        return y
    if condition.startswith("pink"):
        return add_noise(y, float(condition.split()[1]), rng)
    if condition.startswith("reverb"):
        return reverberate(y, rng, rt60_s=float(condition.split()[1]))
    raise ValueError(f"unknown condition {condition!r}")


def f0_corpus(
    *, voices=VOICES, sentences=range(8), conditions=F0_CONDITIONS, log=print
) -> list[F0Item]:
    """Re-synthesised espeak-ng speech with exactly known F0, cached under ``benchmarks/out/``."""
    cache = OUT_DIR / f"f0_v{CORPUS_VERSION}"
    cache.mkdir(parents=True, exist_ok=True)
    items = []
    for vi, voice in enumerate(VOICES):
        if voice not in voices:
            continue
        for si in sentences:
            path = cache / f"{voice.name}_s{si:02d}.npz"
            if not path.exists():
                log(f"  generating {path.name}")
                raw, raw_sr = espeak(SENTENCES[si], voice=voice.espeak, pitch=voice.pitch)
                y = to_sr(raw, raw_sr)
                clean, truth = resynthesize(y, voice.median_hz, _rng(vi, si))
                clean *= 10 ** (-26 / 20) / np.sqrt(active_power(clean))  # -26 dBFS active
                ys = {
                    cond: _condition(clean, cond, _rng(vi, si, ci)).astype(np.float32)
                    for ci, cond in enumerate(F0_CONDITIONS)
                }
                np.savez(path, truth=truth, **{f"y{ci}": ys[c] for ci, c in enumerate(ys)})
            with np.load(path) as z:
                for ci, cond in enumerate(F0_CONDITIONS):
                    if cond in conditions:
                        items.append(
                            F0Item(
                                name=f"{voice.name}/s{si:02d}",
                                group=cond,
                                sex=voice.sex,
                                y=z[f"y{ci}"].astype(np.float64),
                                sr=SR,
                                truth_hz=z["truth"],
                            )
                        )
    return items


# --------------------------------------------------------------------------- speaking rate


@dataclass(frozen=True)
class RateItem:
    """Speech with a known syllable count and speaking time (pauses >= 0.25 s excluded)."""

    name: str
    group: str  # words per minute, or speaker
    text: str
    y: np.ndarray
    sr: int
    syllables: int
    first_s: float
    last_s: float
    speaking_s: float

    @property
    def articulation_rate(self) -> float:
        return self.syllables / self.speaking_s


RATE_VOICES = (VOICES[0], VOICES[3], VOICES[4])


def rate_corpus(*, speeds=SPEEDS_WPM, voices=RATE_VOICES, sentences=range(6)) -> list[RateItem]:
    """espeak-ng speech at fixed speeds; syllables from its phonemes, time from its silences."""
    items = []
    for wpm in speeds:
        for voice in voices:
            for si in sentences:
                text = SENTENCES[si]
                raw, raw_sr = espeak(text, voice=voice.espeak, pitch=voice.pitch, wpm=wpm)
                first, last, speaking, _ = speaking_span(raw, raw_sr)
                nsyl = count_syllables(espeak_phonemes(text, voice=voice.espeak, wpm=wpm))
                items.append(
                    RateItem(
                        name=f"{voice.name}/s{si:02d}@{wpm}",
                        group=str(wpm),
                        text=text,
                        y=to_sr(raw, raw_sr),
                        sr=SR,
                        syllables=nsyl,
                        first_s=first,
                        last_s=last,
                        speaking_s=speaking,
                    )
                )
    return items


# --------------------------------------------------------------------------- pauses and level


def _noise_floor(n: int, level_db: float, rng: np.random.Generator) -> np.ndarray:
    return pink_noise(n, rng) * 10 ** (level_db / 20)


def pause_recording(
    gaps_s=(0.25, 0.4, 0.8, 1.5), *, voice: Voice = VOICES[0], floor_db: float = -76.0
) -> tuple[np.ndarray, int, list[tuple[float, float]]]:
    """Sentences joined by silences of ``gaps_s``; returns audio, sample rate, true gaps.

    Each sentence (``PAUSE_SENTENCES``) is cut to its first and last sounding sample, so a gap
    runs exactly from the end of one sentence's sound to the start of the next. Speech is at
    -26 dBFS (active RMS) over a pink noise floor at ``floor_db`` dBFS (50 dB below it), so that
    no sample is digitally zero.
    """
    parts, truth, t = [], [], 0.3
    lead = np.zeros(int(0.3 * SR))
    parts.append(lead)
    for k, text in enumerate(PAUSE_SENTENCES[: len(gaps_s) + 1]):
        raw, raw_sr = espeak(text, voice=voice.espeak, pitch=voice.pitch)
        first, last, _, _ = speaking_span(raw, raw_sr)
        seg = to_sr(raw[int(round(first * raw_sr)) : int(round(last * raw_sr))], raw_sr)
        parts.append(seg)
        t += len(seg) / SR
        if k < len(gaps_s):
            gap = np.zeros(int(round(gaps_s[k] * SR)))
            truth.append((t, t + len(gap) / SR))
            parts.append(gap)
            t += len(gap) / SR
    parts.append(lead)
    y = np.concatenate(parts)
    y *= 10 ** (-26 / 20) / np.sqrt(active_power(y))
    y += _noise_floor(len(y), floor_db, _rng(777))
    return y, SR, truth


def gain_step_recording(
    *, voice: Voice = VOICES[3], floor_db: float = -76.0
) -> tuple[np.ndarray, np.ndarray, int]:
    """Four sentences at -26 dBFS; returns the first half, the whole (same audio x2 appended), sr.

    The second half is the first half times 2 (+6.02 dB), noise floor included.
    """
    parts = []
    for si in CONTINUOUS[:4]:
        raw, raw_sr = espeak(SENTENCES[si], voice=voice.espeak, pitch=voice.pitch)
        parts += [to_sr(raw, raw_sr), np.zeros(int(0.2 * SR))]
    half = np.concatenate(parts)
    half *= 10 ** (-26 / 20) / np.sqrt(active_power(half))
    half += _noise_floor(len(half), floor_db, _rng(778))
    return half, np.concatenate([half, 2.0 * half]), SR


# --------------------------------------------------------------------------- real speech


def fda_items(data_dir: Path) -> list[F0Item]:
    """CSTR FDA sentences (resampled to 16 kHz) with laryngograph F0 at 15 ms frames."""
    folder = Path(data_dir) / "fda"
    items = []
    with open(folder / "labels.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            y, sr = sf.read(folder / row["file"], dtype="float64")
            if y.ndim > 1:
                y = y.mean(axis=1)
            truth = np.loadtxt(folder / row["f0_file"], ndmin=1)
            items.append(
                F0Item(
                    name=row["file"],
                    group=row["speaker"],
                    sex=row["sex"],
                    y=to_sr(y, sr),
                    sr=SR,
                    truth_hz=truth,
                    step_s=0.015,
                )
            )
    return items


# TIMIT vowels and syllabic consonants: one syllable nucleus each.
TIMIT_NUCLEI = frozenset(
    "iy ih eh ey ae aa aw ay ah ao oy ow uh uw ux er ax ix axr ax-h em en eng el".split()
)
TIMIT_PAUSES = frozenset({"h#", "pau", "epi"})


def read_phn(path: Path, sr: int) -> list[tuple[float, float, str]]:
    """A TIMIT .phn file as (start_s, end_s, phone)."""
    rows = []
    for line in Path(path).read_text().split("\n"):
        if line.strip():
            a, b, phone = line.split()
            rows.append((int(a) / sr, int(b) / sr, phone))
    return rows


def phone_timing(
    phones: list[tuple[float, float, str]], *, min_pause_s: float = 0.25
) -> tuple[int, float, float, float, list[tuple[float, float]]]:
    """Syllables, first/last speech time, speaking time and pauses (>= ``min_pause_s``)."""
    speech = [(a, b) for a, b, p in phones if p not in TIMIT_PAUSES]
    first, last = speech[0][0], speech[-1][1]
    pauses: list[list[float]] = []
    for a, b, p in phones:  # merge adjacent pause labels (e.g. pau followed by epi)
        if p in TIMIT_PAUSES and first <= a and b <= last:
            if pauses and abs(pauses[-1][1] - a) < 1e-9:
                pauses[-1][1] = b
            else:
                pauses.append([a, b])
    long = [(a, b) for a, b in pauses if b - a >= min_pause_s]
    nsyl = sum(1 for _, _, p in phones if p in TIMIT_NUCLEI)
    return nsyl, first, last, (last - first) - sum(b - a for a, b in long), long


def timit_items(data_dir: Path) -> list[RateItem]:
    """TIMIT sentences with syllables and speaking time from their phone labels."""
    folder = Path(data_dir) / "timit"
    items = []
    with open(folder / "labels.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            y, sr = sf.read(folder / row["file"], dtype="float64")
            phones = read_phn((folder / row["file"]).with_suffix(".phn"), sr)
            nsyl, first, last, speaking, _ = phone_timing(phones)
            if nsyl != int(row["n_syllable_nuclei"]):
                raise ValueError(
                    f"{row['file']}: {nsyl} nuclei in .phn, labels.csv says "
                    f"{row['n_syllable_nuclei']}"
                )
            items.append(
                RateItem(
                    name=row["file"],
                    group=row["speaker"],
                    text=row["text"],
                    y=to_sr(y, sr),
                    sr=SR,
                    syllables=nsyl,
                    first_s=first,
                    last_s=last,
                    speaking_s=speaking,
                )
            )
    return items


# --------------------------------------------------------------------------- held-out counts


@dataclass(frozen=True)
class CountItem:
    """Real speech whose words, and so syllable count, are known; no timing labels."""

    name: str
    group: str
    y: np.ndarray
    sr: int
    syllables: int


def heldout_count_items(data_dir: Path) -> list[CountItem]:
    """FDA (10 British English sentences x 2 speakers) and RAVDESS (one American English sentence
    x 6 actors x 11 emotions/intensities), syllables counted from their texts.

    Neither set was used to choose the syllable detector's settings. The counts come from the
    CMU pronouncing dictionary (``prosody.syllables``) and were checked by hand: FDA 5-11 per
    sentence, "Kids are talking by the door" 7.
    """
    from prosody.syllables import count_syllables

    items = []
    folder = Path(data_dir) / "fda"
    if (folder / "labels.csv").is_file():
        with open(folder / "labels.csv", newline="") as fh:
            for row in csv.DictReader(fh):
                y, sr = sf.read(folder / row["file"], dtype="float64")
                items.append(CountItem(row["file"], "FDA", to_sr(y, sr), SR,
                                       count_syllables(row["text"])))
    folder = Path(data_dir) / "ravdess"
    if (folder / "labels.csv").is_file():
        with open(folder / "labels.csv", newline="") as fh:
            for row in csv.DictReader(fh):
                y, sr = sf.read(folder / row["file"], dtype="float64")
                if y.ndim > 1:
                    y = y.mean(axis=1)
                group = "RAVDESS " + ("calm" if row["emotion"] == "calm" else
                                      "neutral" if row["emotion"] == "neutral" else "emotional")
                items.append(CountItem(row["file"], group, to_sr(y, sr), SR,
                                       count_syllables(row["statement"])))
    return items
