"""Mains hum (prosody/hum.py): found, taken out before measuring, and never imagined.

The voice is a real recording kept in the repository (tests/data/README.md: CMU ARCTIC a0007,
a man reading one sentence, and the CREMA-D takes); the hum is synthesised with a known
frequency and level, as a ground loop adds it: the mains fundamental and its first harmonics,
each 4.4 dB below the one before.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import harmonic_complex, load16, syllable_train

from prosody import analyze
from prosody.coach import coach
from prosody.errors import quiet_warnings
from prosody.hum import find_hum
from prosody.profile import load_profile

DATA = Path(__file__).parent / "data"
SR = 16_000


def mains_hum(n: int, mains_hz: float, level_rms: float, *, harmonics: int = 6) -> np.ndarray:
    t = np.arange(n) / SR
    hum = sum(0.6 ** (k - 1) * np.sin(2 * np.pi * mains_hz * k * t + k)
              for k in range(1, harmonics + 1))
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
