"""Signals with known answers, shared by the tests.

Everything here is generated: tones, harmonic complexes on a known F0 contour, syllable-like
bursts at a known rate, and espeak-ng speech re-synthesised by pyworld on an imposed F0 contour
(so its true F0 is known exactly, frame by frame).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SR = 16_000
DATA = Path(__file__).parent / "data"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_calmtone_ui(home: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """Start a real ``calmtone ui`` on a free loopback port with ``CALMTONE_HOME=home``, its
    errors in ``log``; returns (process, url) once it answers, or fails the test."""
    port = free_port()
    calmtone = str(Path(sys.executable).with_name("calmtone"))
    proc = start_app([calmtone, "ui", "--port", str(port)],
                     {**os.environ, "CALMTONE_HOME": str(home)}, log, port)
    return proc, f"http://127.0.0.1:{port}"


def tone(freq_hz: float, duration_s: float, *, sr: int = SR, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(duration_s * sr)) / sr
    return amp * np.sin(2 * np.pi * freq_hz * t)


def harmonic_complex(f0_hz: np.ndarray, *, sr: int = SR, n_harmonics: int = 20,
                     tilt_db_per_octave: float = -12.0, first_harmonic: int = 1,
                     amp: float = 0.3) -> np.ndarray:
    """A voice-like harmonic complex following a per-sample F0 contour (Hz, NaN = silence)."""
    f0 = np.nan_to_num(np.asarray(f0_hz, dtype=float))
    phase = 2 * np.pi * np.cumsum(f0) / sr
    y = np.zeros_like(f0)
    for h in range(first_harmonic, n_harmonics + 1):
        gain = 10 ** (tilt_db_per_octave * np.log2(h) / 20)
        below_nyquist = h * f0 < sr / 2 - 200
        y += gain * np.sin(h * phase) * below_nyquist
    y *= f0 > 0
    return amp * y / np.max(np.abs(y))


def syllable_train(rate_syl_per_s: float, n_syllables: int, *, sr: int = SR,
                   f0_hz: float = 150.0, lead_s: float = 0.3) -> np.ndarray:
    """Vowel-like bursts (harmonic complex under a raised-cosine envelope) at a known rate.

    Each syllable fills 1/rate seconds: a 70 % voiced burst, then 30 % near-silence, so the
    articulation rate is exactly ``rate_syl_per_s`` over the span of the bursts.
    """
    period = int(round(sr / rate_syl_per_s))
    burst = int(0.7 * period)
    env = np.zeros(period)
    env[:burst] = np.hanning(burst)
    env = np.tile(env, n_syllables)
    f0 = np.where(env > 0, f0_hz, 0.0)
    y = harmonic_complex(f0, sr=sr) * env
    lead = np.zeros(int(lead_s * sr))
    return np.concatenate([lead, y, lead])


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n)
    spec[1:] /= np.sqrt(f[1:])
    spec[0] = 0
    y = np.fft.irfft(spec, n)
    return y / np.std(y)


def rumble_noise(n: int, rng: np.random.Generator, *, sr: int = SR) -> np.ndarray:
    """Noise only between 40 and 400 Hz, like a fan, traffic or a fridge's hum."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / sr)
    spec[(f < 40.0) | (f > 400.0)] = 0
    y = np.fft.irfft(spec, n)
    return y / np.std(y)


def add_noise(y: np.ndarray, snr_db: float, rng: np.random.Generator,
              kind: str = "pink") -> np.ndarray:
    """``y`` with pink noise (or "rumble": :func:`rumble_noise`) at ``snr_db`` below its
    speech-active power."""
    active = np.abs(y) > 1e-4 * np.max(np.abs(y))
    p_speech = np.mean(y[active] ** 2)
    shape = rumble_noise(y.size, rng) if kind == "rumble" else pink_noise(y.size, rng)
    return y + shape * np.sqrt(p_speech / 10 ** (snr_db / 10))


@pytest.fixture(autouse=True)
def _settings_put_back():
    """Every test leaves the CALMTONE_* settings of the process as it found them: one left
    behind (``calmtone ui`` sets CALMTONE_DB for its sessions) points every later test at its
    history, and they fail far from the cause. Put back, and the test that left it fails."""
    before = {k: v for k, v in os.environ.items() if k.startswith("CALMTONE_")}
    yield
    after = {k: v for k, v in os.environ.items() if k.startswith("CALMTONE_")}
    if after != before:
        for key in set(after) - set(before):
            del os.environ[key]
        os.environ.update(before)
        pytest.fail(f"the test changed CALMTONE_ settings and left them: {before} -> {after}")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261127)


def espeak(text: str, path: Path, *, voice: str = "en-us", speed_wpm: int = 160,
           pitch: int = 50) -> Path:
    """Speak ``text`` with espeak-ng into a WAV file (espeak-ng is installed by .ci/run)."""
    exe = shutil.which("espeak-ng")
    if exe is None:  # a failure, not a skip: CI must install it
        raise RuntimeError("espeak-ng is not installed; run `apt-get install espeak-ng`.")
    subprocess.run([exe, "-v", voice, "-s", str(speed_wpm), "-p", str(pitch), "-w", str(path),
                    text], check=True, capture_output=True)
    return path


def load16(path: Path) -> np.ndarray:
    from scipy.signal import resample_poly

    y, sr = sf.read(path)
    if y.ndim > 1:
        y = y.mean(axis=1)
    return resample_poly(y, SR, sr) if sr != SR else y


PHRASE = "I'm here with you. What do you need right now?"
PHRASE_SYLLABLES = 10


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def phrase_male(speech_dir) -> np.ndarray:
    return load16(espeak(PHRASE, speech_dir / "male.wav", voice="en-us", pitch=40))


@pytest.fixture(scope="session")
def phrase_female(speech_dir) -> np.ndarray:
    return load16(espeak(PHRASE, speech_dir / "female.wav", voice="en-us+f1", pitch=60))


def resynthesise(y: np.ndarray, f0_target_hz: callable, *, sr: int = SR):
    """Re-synthesise speech with pyworld on an imposed F0 contour.

    Returns (audio, true_f0) where true_f0 is per 10 ms frame (frame k at k * 10 ms), 0 where
    unvoiced: the synthesiser's excitation is periodic exactly there.
    """
    import pyworld

    x = np.ascontiguousarray(y, dtype=np.float64)
    f0, t = pyworld.harvest(x, sr, f0_floor=60.0, f0_ceil=500.0, frame_period=10.0)
    sp = pyworld.cheaptrick(x, f0, t, sr)
    ap = pyworld.d4c(x, f0, t, sr)
    imposed = np.where(f0 > 0, f0_target_hz(t), 0.0)
    out = pyworld.synthesize(imposed, sp, ap, sr, frame_period=10.0)
    return out, imposed


@pytest.fixture(scope="session")
def resynth_pair(phrase_male, phrase_female):
    """Two voices on imposed contours: a male declination with an accent, a female glide."""
    male = resynthesise(
        phrase_male,
        lambda t: 110.0 * 2 ** ((-2.0 * t / t[-1] + 2.0 * np.exp(-((t - 0.8) ** 2) / 0.08)) / 12),
    )
    female = resynthesise(
        phrase_female, lambda t: 210.0 * 2 ** (3.0 * np.sin(2 * np.pi * 0.4 * t) / 12))
    return {"male": male, "female": female}


# --- the two engines of the store ------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_cluster():
    """A throw-away PostgreSQL server for the whole run (unix socket in a temporary folder)."""
    from pgcluster import Cluster

    cluster = Cluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """The URL of a new, empty PostgreSQL database."""
    return pg_cluster.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_db(request, tmp_path, monkeypatch) -> str:
    """Where a store is, on each engine: a SQLite history folder or a PostgreSQL URL; also
    set as CALMTONE_DB, so ``Store.open()`` and every ``calmtone`` command use it."""
    if request.param == "sqlite":
        where = str(tmp_path / "calmtone")
    else:
        where = request.getfixturevalue("pg_url")
    monkeypatch.setenv("CALMTONE_DB", where)
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "not-used"))
    return where


# --- a real app server ------------------------------------------------------------------------


def start_app(argv: list[str], env: dict, log: Path, port: int) -> subprocess.Popen:
    """Start ``calmtone ui`` (``argv``) and wait until it listens on ``port`` (90 s at most);
    a failure with the end of its log when it does not."""
    with open(log, "w") as err:
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 90
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                pytest.fail("calmtone ui did not start: " + log.read_text()[-2000:])
            time.sleep(0.3)
