"""Mains hum (prosody/hum.py): found, taken out before measuring, and never imagined.

The voice is a real recording kept in the repository (tests/data/README.md: CMU ARCTIC a0007,
a man reading one sentence, and the CREMA-D takes; for a longer take with pauses, all seven
one after another); the hum is synthesised with a known frequency and level, as a ground loop
adds it: the mains fundamental and its first harmonics, each 4.4 dB below the one before, or
a buzz with many more.
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import harmonic_complex, load16, syllable_train

from prosody import analyze
from prosody.coach import coach
from prosody.errors import quiet_warnings
from prosody.hum import MAX_HARMONIC_HZ, find_hum, remove_hum
from prosody.profile import load_profile

DATA = Path(__file__).parent / "data"
SR = 16_000


def mains_hum(n: int, mains_hz: float, level_rms: float, *, harmonics: int = 6,
              amplitudes: Sequence[float] | None = None,
              wander_hz: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """A hum of ``harmonics`` harmonics each 4.4 dB below the one before (or of the given
    ``amplitudes``), whose fundamental lies ``wander_hz(t)`` Hz off the mains frequency at
    time t (s) when given, at an RMS of ``level_rms``."""
    t = np.arange(n) / SR
    phase = 2 * np.pi * mains_hz * t
    if wander_hz is not None:
        phase = phase + 2 * np.pi * np.cumsum(wander_hz(t)) / SR
    if amplitudes is None:
        amplitudes = [0.6 ** (k - 1) for k in range(1, harmonics + 1)]
    hum = sum(a * np.sin(k * phase + k) for k, a in enumerate(amplitudes, 1))
    return level_rms * hum / np.sqrt(np.mean(hum ** 2))


def active_rms(y: np.ndarray) -> float:
    """The RMS of the loudest third of the samples' power: the voice, not its pauses."""
    p = np.sort(y ** 2)
    return float(np.sqrt(np.mean(p[-p.size // 3:])))


@pytest.fixture(scope="module")
def arctic() -> np.ndarray:
    return load16(DATA / "arctic_a0007.wav")


def _analyze(y):
    with quiet_warnings():
        return analyze(y, sr=SR)


@pytest.fixture(scope="module")
def clean(arctic):
    return _analyze(arctic)


@pytest.mark.parametrize("mains_hz", [50.0, 60.0])
@pytest.mark.parametrize("below_voice_db", [15.0, 0.0])
def test_a_mains_hum_is_taken_out_before_the_voice_is_measured(arctic, clean, mains_hz,
                                                                 below_voice_db):
    """A hum as loud as the voice (0 dB) or 15 dB below it: found at its frequency, said so,
    and the voice measured as it is without it."""
    hummed = arctic + mains_hum(arctic.size, mains_hz,
                                active_rms(arctic) * 10 ** (-below_voice_db / 20))
    a = _analyze(hummed)
    assert a.quality.hum_hz == pytest.approx(mains_hz, abs=0.1)
    assert any(f"mains hum at {mains_hz:.0f} Hz" in w for w in a.warnings)
    s, c = a.summary, clean.summary
    assert abs(12 * math.log2(s.f0_median_hz / c.f0_median_hz)) < 0.5
    assert s.voiced_rate_syl_per_s == pytest.approx(c.voiced_rate_syl_per_s, rel=0.10)
    assert s.f0_velocity_st_per_s == pytest.approx(c.f0_velocity_st_per_s, rel=0.25)
    assert s.speech_level_db == pytest.approx(c.speech_level_db, abs=1.0)
    assert s.syllables == c.syllables
    profile = load_profile("soothing")
    assert coach(a, profile=profile).score == pytest.approx(
        coach(clean, profile=profile).score, abs=6)


def test_clean_speech_has_no_hum(clean, phrase_male, phrase_female):
    """Real and synthesised voices without hum: nothing is found, nothing is filtered, so a
    clean recording is measured exactly as before."""
    assert clean.quality.hum_hz is None
    for path in sorted((DATA / "cremad").glob("*.flac")):
        assert find_hum(load16(path), sr=SR) is None, path.name
    assert find_hum(phrase_male, sr=SR) is None
    assert find_hum(phrase_female, sr=SR) is None


@pytest.mark.parametrize("f0_hz", [100.0, 120.0, 150.0])
def test_a_steady_voice_on_a_multiple_of_the_mains_is_not_hum(f0_hz):
    """A voice held perfectly steady at 100, 120 or 150 Hz (2 or 3 times the mains) has
    harmonics exactly where a hum's would be, but no tone at the mains frequency itself."""
    n = 3 * SR
    f0 = np.full(n, f0_hz)
    f0[: SR // 4] = np.nan
    f0[-SR // 4:] = np.nan
    assert find_hum(harmonic_complex(f0), sr=SR) is None


def test_perfectly_repeated_synthetic_syllables_are_not_hum():
    """Identical bursts at exactly 4 a second have a spectrum of lines 4 Hz apart, one of them
    at 60 Hz, narrow and steady; but the pauses between them hold no tone, as a hum's would."""
    assert find_hum(syllable_train(4.0, 80), sr=SR) is None


def test_a_recording_of_only_hum_is_told_it_holds_no_voice(tmp_path):
    """Only the electrics, no one speaking: said so, with the hum's frequency, not "too
    quiet" (the hum is taken out and nothing is left)."""
    rng = np.random.default_rng(3)
    n = 4 * SR
    y = mains_hum(n, 50.0, 0.05) + 3e-4 * rng.standard_normal(n)
    path = tmp_path / "hum.wav"
    sf.write(path, y, SR)
    out = subprocess.run([sys.executable, "-m", "prosody.cli", "coach", str(path)],
                         capture_output=True, text=True, timeout=120)
    said = out.stdout + out.stderr
    assert "no voice in this recording, only a steady mains hum at 50 Hz" in said
    assert "too quiet" not in said


def test_the_person_is_told_the_hum_was_taken_out_and_how_to_avoid_it(arctic, tmp_path):
    """The coach's feedback carries the note (kept with a saved take, read back for the app)
    and the command line prints it; a clean take has none."""
    from prosody.explain import read_feedback

    profile = load_profile("soothing")
    hummed = arctic + mains_hum(arctic.size, 60.0, active_rms(arctic) * 10 ** (-10 / 20))
    fb = coach(_analyze(hummed), profile=profile)
    assert fb.score is not None
    assert len(fb.notes) == 1
    assert fb.notes[0].startswith("A steady mains hum at 60 Hz")
    assert "on battery" in fb.notes[0]
    assert read_feedback(fb.to_dict(), profile).notes == fb.notes
    assert coach(_analyze(arctic), profile=profile).notes == ()

    path = tmp_path / "hummed.wav"
    sf.write(path, hummed, SR)
    out = subprocess.run([sys.executable, "-m", "prosody.cli", "coach", str(path)],
                         capture_output=True, text=True, timeout=120)
    assert "About the recording: A steady mains hum at 60 Hz" in out.stdout


# --- a hum that comes on during a take, behind a noise gate, wandering, or a buzz


@pytest.fixture(scope="module")
def joined() -> np.ndarray:
    """The seven takes in tests/data one after another, 0.6 s of faint noise (70 dB below full
    scale) between them: 21 s with pauses, like a practice session."""
    rng = np.random.default_rng(7)
    parts = []
    for path in [DATA / "arctic_a0007.wav", *sorted((DATA / "cremad").glob("*.flac"))]:
        parts += [load16(path), 3e-4 * rng.standard_normal(int(0.6 * SR))]
    return np.concatenate(parts)


@pytest.fixture(scope="module")
def joined_clean(joined):
    return _analyze(joined)


def hum_left_db(removed: np.ndarray, clean: np.ndarray, hum: np.ndarray) -> float:
    """What removal left of the hum (and took of the voice), in dB relative to the hum."""
    return float(10 * np.log10(np.sum((removed - clean) ** 2) / np.sum(hum ** 2)))


def assert_measured_as(a, clean) -> None:
    """The measures of a hummed take (its hum taken out) near those of the take without it,
    as in test_a_mains_hum_is_taken_out_before_the_voice_is_measured."""
    s, c = a.summary, clean.summary
    assert abs(12 * math.log2(s.f0_median_hz / c.f0_median_hz)) < 0.5
    assert s.voiced_rate_syl_per_s == pytest.approx(c.voiced_rate_syl_per_s, rel=0.10)
    assert s.f0_velocity_st_per_s == pytest.approx(c.f0_velocity_st_per_s, rel=0.25)
    assert s.speech_level_db == pytest.approx(c.speech_level_db, abs=1.0)
    assert s.pause_ratio == pytest.approx(c.pause_ratio, abs=0.05)
    profile = load_profile("soothing")
    assert coach(a, profile=profile).score == pytest.approx(
        coach(clean, profile=profile).score, abs=6)


@pytest.mark.parametrize("below_voice_db", [10.0, 0.0])
def test_a_hum_that_comes_on_during_a_take_is_found_and_followed(joined, joined_clean,
                                                                  below_voice_db):
    """The hum comes on 60 % into the take (a charger plugged in). Judged over the whole
    take, its quietest moments all lay before the hum, and it was not found; judged over
    each 5 s, it is. It is taken out where it is, and the stretch before it loses no more of
    the voice than a hummed one (its projection on the hum's harmonics, 20 dB below it)."""
    n = joined.size
    on = np.arange(n) >= int(0.6 * n)
    hum = mains_hum(n, 50.0, active_rms(joined) * 10 ** (-below_voice_db / 20)) * on
    mixed = joined + hum
    found = find_hum(mixed, sr=SR)
    assert found is not None
    assert found.fundamental_hz == pytest.approx(50.0, abs=0.1)
    removed = remove_hum(mixed, sr=SR, hum=found)
    assert hum_left_db(removed, joined, hum) < -15
    before = slice(0, int(0.55 * n))
    changed = np.sum((removed - joined)[before] ** 2) / np.sum(joined[before] ** 2)
    assert 10 * np.log10(changed) < -20
    assert_measured_as(_analyze(mixed), joined_clean)


def noise_gate(y: np.ndarray) -> np.ndarray:
    """Where a noise gate keyed on ``y`` is shut: its 20 ms frames more than 45 dB below the
    loudest, unless within 50 ms of one that is not."""
    size = SR // 50
    n = y.size // size
    power = np.mean(y[: n * size].reshape(n, size) ** 2, axis=1)
    open_ = power > np.max(power) * 10 ** (-45 / 10)
    open_ = np.convolve(open_, np.ones(5), mode="same") > 0
    shut = np.ones(y.size, dtype=bool)
    shut[: n * size] = np.repeat(~open_, size)
    return shut


def test_a_hum_behind_a_noise_gate_is_taken_out_and_the_silence_kept(joined):
    """A noise gate after the hum: digital silence in the pauses, hum and voice between them.
    The silence holds no hum to fit (weighed in, it had pulled the fit to nothing: only 5 dB of
    the hum came off) and nothing is subtracted from it."""
    n = joined.size
    shut = noise_gate(joined)
    clean = np.where(shut, 0.0, joined)
    mixed = np.where(shut, 0.0, joined + mains_hum(n, 60.0, active_rms(joined) / np.sqrt(10)))
    assert shut.mean() > 0.05
    found = find_hum(mixed, sr=SR)
    assert found is not None
    removed = remove_hum(mixed, sr=SR, hum=found)
    assert np.all(removed[shut] == 0.0)
    assert hum_left_db(removed, clean, mixed - clean) < -20
    assert_measured_as(_analyze(mixed), _analyze(clean))


@pytest.mark.parametrize("wander", ["drift", "sway"])
def test_a_hum_whose_frequency_wanders_is_followed(joined, joined_clean, wander):
    """The mains frequency moves: from 49.8 to 50.2 Hz over the take, or 0.15 Hz either side
    of 50 Hz and back every 20 s. One frequency for the whole take left the hum 18 to 20 dB
    down; followed block by block, it comes off as a steady one does."""
    n = joined.size
    span = n / SR
    wander_hz = {"drift": lambda t: 0.4 * t / span - 0.2,
                 "sway": lambda t: 0.15 * np.sin(2 * np.pi * t / 20.0)}[wander]
    hum = mains_hum(n, 50.0, active_rms(joined), wander_hz=wander_hz)
    mixed = joined + hum
    found = find_hum(mixed, sr=SR)
    assert found is not None
    assert hum_left_db(remove_hum(mixed, sr=SR, hum=found), joined, hum) < -24
    assert_measured_as(_analyze(mixed), joined_clean)


def test_a_buzz_is_taken_out_above_400_hz_too(arctic, clean):
    """A buzz: 20 harmonics of 60 Hz, each k-th at 1/k of the fundamental's amplitude, up to
    1.2 kHz, 10 dB below the voice. Its harmonics above 400 Hz stand out of the pauses and are
    taken out with the rest (left in, they moved the median pitch by 2 semitones)."""
    hum = mains_hum(arctic.size, 60.0, active_rms(arctic) / np.sqrt(10),
                    amplitudes=[1 / k for k in range(1, 21)])
    mixed = arctic + hum
    found = find_hum(mixed, sr=SR)
    assert found is not None
    assert {round(h) for h in found.harmonics_hz} >= {60 * k for k in range(1, 21)}
    assert max(found.harmonics_hz) <= MAX_HARMONIC_HZ
    assert hum_left_db(remove_hum(mixed, sr=SR, hum=found), arctic, hum) < -17
    assert_measured_as(_analyze(mixed), clean)
