"""Reference methods the benchmark compares our analysis with.

Pitch: Praat's autocorrelation tracker (via parselmouth), librosa's pYIN, and pyworld's Harvest
and DIO. Speaking rate: our own implementation of de Jong & Wempe (2009), written from the
paper's description (intensity peaks that stand out from the dips around them and are voiced,
counted over the time that is not silence).

Every pitch method returns a :class:`Track` on its own time axis; the benchmark interpolates it
onto the reference frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: pYIN frame settings: 64 ms frames, 10 ms hop at 16 kHz.
PYIN_SR = 16_000
PYIN_FRAME = 1024
PYIN_HOP = 160


@dataclass(frozen=True)
class Track:
    """An F0 track: ``f0_hz[k]`` at ``time_s[k]``, NaN where unvoiced."""

    time_s: np.ndarray
    f0_hz: np.ndarray


def _nan_unvoiced(f0_hz: np.ndarray) -> np.ndarray:
    f0_hz = np.asarray(f0_hz, dtype=np.float64).copy()
    f0_hz[~(f0_hz > 0)] = np.nan
    return f0_hz


def praat_pitch(y: np.ndarray, *, sr: int) -> Track:
    """Praat ``To Pitch (ac)``: 10 ms step, floor 75 Hz, ceiling 600 Hz, other settings default."""
    import parselmouth

    pitch = parselmouth.Sound(y, sampling_frequency=sr).to_pitch_ac(
        time_step=0.01, pitch_floor=75.0, pitch_ceiling=600.0
    )
    return Track(np.asarray(pitch.xs()), _nan_unvoiced(pitch.selected_array["frequency"]))


def pyin_pitch(y: np.ndarray, *, sr: int) -> Track:
    """librosa pYIN, fmin 65 Hz, fmax 600 Hz, 64 ms frames every 10 ms at 16 kHz (centred)."""
    import librosa

    if sr != PYIN_SR:
        y = librosa.resample(y, orig_sr=sr, target_sr=PYIN_SR)
    f0, voiced, _ = librosa.pyin(
        y, fmin=65.0, fmax=600.0, sr=PYIN_SR, frame_length=PYIN_FRAME, hop_length=PYIN_HOP
    )
    f0 = np.where(voiced, f0, np.nan)
    return Track(np.arange(f0.size) * PYIN_HOP / PYIN_SR, _nan_unvoiced(f0))


def harvest_pitch(y: np.ndarray, *, sr: int) -> Track:
    """pyworld Harvest, 65-600 Hz, 10 ms frames (frame k at k * 10 ms)."""
    import pyworld as pw

    f0, t = pw.harvest(
        np.ascontiguousarray(y, dtype=np.float64),
        sr,
        f0_floor=65.0,
        f0_ceil=600.0,
        frame_period=10.0,
    )
    return Track(np.asarray(t), _nan_unvoiced(f0))


def dio_pitch(y: np.ndarray, *, sr: int) -> Track:
    """pyworld DIO alone (no StoneMask refinement), 65-600 Hz, 10 ms frames."""
    import pyworld as pw

    f0, t = pw.dio(
        np.ascontiguousarray(y, dtype=np.float64),
        sr,
        f0_floor=65.0,
        f0_ceil=600.0,
        frame_period=10.0,
    )
    return Track(np.asarray(t), _nan_unvoiced(f0))


PITCH_REFERENCES = {
    "praat": praat_pitch,
    "pyin": pyin_pitch,
    "harvest": harvest_pitch,
    "dio": dio_pitch,
}


# --------------------------------------------------------------------------- de Jong & Wempe


@dataclass(frozen=True)
class SyllableNuclei:
    """Result of :func:`de_jong`: nuclei, silent pauses and the rates they give."""

    nuclei_s: np.ndarray  # times of the counted intensity peaks
    pauses: list[tuple[float, float]]  # silences >= min_pause_s between first and last sound
    sounding: list[tuple[float, float]]  # stretches that are not silence
    duration_s: float
    threshold_db: float

    @property
    def syllables(self) -> int:
        return int(self.nuclei_s.size)

    @property
    def phonation_s(self) -> float:
        return float(sum(b - a for a, b in self.sounding))

    @property
    def speech_rate_syl_per_s(self) -> float:
        """Syllables per second of the whole recording (the paper's speech rate)."""
        return self.syllables / self.duration_s

    @property
    def articulation_rate_syl_per_s(self) -> float:
        """Syllables per second of phonation time (recording minus silences)."""
        return self.syllables / self.phonation_s if self.phonation_s > 0 else float("nan")


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges [a, b) where ``mask`` is true."""
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(np.int8), 0]))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def de_jong(
    y: np.ndarray,
    *,
    sr: int,
    silence_db: float = -25.0,
    min_dip_db: float = 2.0,
    min_pause_s: float = 0.3,
    min_sounding_s: float = 0.1,
    step_s: float = 0.01,
) -> SyllableNuclei:
    """Syllable nuclei and silent pauses after de Jong & Wempe (2009).

    1. Intensity contour (Praat, minimum pitch 50 Hz, mean subtracted).
    2. Threshold: ``silence_db`` below the 99th percentile of intensity (so a few loud bursts do
       not set it), but not below the quietest frame.
    3. Silence: frames under the threshold; silent stretches shorter than ``min_pause_s`` count
       as sound, then sounding stretches shorter than ``min_sounding_s`` count as silence.
    4. Candidate nuclei: local intensity maxima above the threshold, inside sound.
    5. A candidate counts only if the intensity dips at least ``min_dip_db`` below it before the
       next candidate (or before the end of its sounding stretch, for the last one there).
    6. And only if it is voiced: Praat's pitch tracker finds F0 at its time.
    """
    import parselmouth

    sound = parselmouth.Sound(np.ascontiguousarray(y, dtype=np.float64), sampling_frequency=sr)
    duration_s = sound.duration
    intensity = sound.to_intensity(minimum_pitch=50.0, time_step=step_s, subtract_mean=True)
    level = np.asarray(intensity.values[0], dtype=np.float64)
    times = np.asarray(intensity.xs())
    threshold = max(float(np.percentile(level, 99)) + silence_db, float(level.min()))

    # Silence and sound.
    loud = level > threshold
    for a, b in _runs(~loud):
        if (b - a) * step_s < min_pause_s:
            loud[a:b] = True
    for a, b in _runs(loud):
        if (b - a) * step_s < min_sounding_s:
            loud[a:b] = False
    half = step_s / 2
    segments = _runs(loud)
    sounding = [
        (max(times[a] - half, 0.0), min(times[b - 1] + half, duration_s)) for a, b in segments
    ]
    pauses = [(sounding[i][1], sounding[i + 1][0]) for i in range(len(sounding) - 1)]

    # Peaks that stand out from the dip before the next peak.
    pitch = sound.to_pitch_ac(time_step=step_s, pitch_floor=60.0, pitch_ceiling=600.0)
    nuclei = []
    for a, b in segments:
        seg = level[a:b]
        if seg.size < 3:
            continue
        inner = np.flatnonzero((seg[1:-1] > seg[:-2]) & (seg[1:-1] >= seg[2:])) + 1
        peaks = [p for p in inner if seg[p] > threshold]
        for i, p in enumerate(peaks):
            stop = peaks[i + 1] if i + 1 < len(peaks) else seg.size
            if seg[p] - seg[p:stop].min() < min_dip_db:
                continue
            t = times[a + p]
            f0 = pitch.get_value_at_time(t)
            if np.isfinite(f0) and f0 > 0:
                nuclei.append(t)
    return SyllableNuclei(
        nuclei_s=np.asarray(nuclei),
        pauses=pauses,
        sounding=sounding,
        duration_s=duration_s,
        threshold_db=threshold,
    )
