"""The microphone: real capture through PortAudio from a file-backed ALSA device, the live view,
and the messages a person gets when recording cannot work.

There is no sound card in CI. ALSA's ``file`` plugin, with the ``null`` plugin as its slave,
makes a capture device whose samples come from a raw file: an ``.asoundrc`` in a temporary HOME
defines it, and PortAudio (which reads ``~/.asoundrc`` when it starts) lists it and records from
it. Each capture therefore runs in a subprocess with HOME pointing there; the test process's own
HOME is never touched. The device delivers the raw bytes in the stream's format (16-bit here)
at whatever rate the stream asks for, and faster than real time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import SR, espeak, load16, syllable_train

from prosody import live, record
from prosody.analysis import analyze
from prosody.errors import ProsodyWarning

SENTENCE = "I'm right here with you. Take a slow breath, and let your shoulders drop."
DEVICE = "calmtest"


# ---------------------------------------------------------------------------------------------
# Helpers


def asoundrc(home: Path, infile: Path | str, *, name: str = DEVICE) -> Path:
    """A HOME whose ALSA configuration has one capture device reading ``infile``."""
    home.mkdir(parents=True, exist_ok=True)
    (home / ".asoundrc").write_text(
        f'pcm.{name} {{ type file slave.pcm "null" file "/dev/null" '
        f'infile "{infile}" format "raw" }}\n'
    )
    return home


def calmtone(home: Path, *args: str, timeout_s: float = 120.0) -> subprocess.CompletedProcess:
    """Run ``calmtone ARGS`` in a subprocess whose HOME (and so ALSA configuration) is ``home``."""
    env = {**os.environ, "HOME": str(home), "CALMTONE_HOME": str(home / "calmtone")}
    return subprocess.run([sys.executable, "-m", "prosody.cli", *args], env=env, cwd=home,
                          capture_output=True, text=True, timeout=timeout_s)


def write_raw(path: Path, y: np.ndarray) -> Path:
    """Raw S16_LE mono, as the file device reads it."""
    record.to_pcm16(y).astype("<i2").tofile(path)
    return path


def aligned_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation of two signals after aligning them by cross-correlation (over their overlap)."""
    n = a.size + b.size
    nfft = 1 << int(np.ceil(np.log2(n)))
    xc = np.fft.irfft(np.fft.rfft(a, nfft) * np.conj(np.fft.rfft(b, nfft)), nfft)
    lag = int(np.argmax(np.abs(xc)))
    if lag > nfft // 2:
        lag -= nfft
    a2, b2 = (a[lag:], b) if lag >= 0 else (a, b[-lag:])
    m = min(a2.size, b2.size)
    return float(np.corrcoef(a2[:m], b2[:m])[0, 1])


def has_command(name: str) -> bool:
    from prosody.cli import commands

    return name in commands()


# ---------------------------------------------------------------------------------------------
# Fixtures: one espeak sentence, as the file device plays it


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> np.ndarray:
    """The sentence at 16 kHz, rounded to 16-bit values (what the device will deliver)."""
    folder = tmp_path_factory.mktemp("espeak")
    y = load16(espeak(SENTENCE, folder / "sentence.wav"))
    return record.to_pcm16(y) / 32768.0


@pytest.fixture(scope="module")
def mic(tmp_path_factory, speech) -> Path:
    """A HOME with the file-backed microphone playing the sentence, and ``source.wav`` (the same
    samples as a 16-bit WAV file) beside it."""
    home = tmp_path_factory.mktemp("home")
    raw = write_raw(home / "speech.raw", speech)
    sf.write(home / "source.wav", record.to_pcm16(speech), SR, subtype="PCM_16")
    return asoundrc(home, raw)


# ---------------------------------------------------------------------------------------------
# Real capture


def test_the_file_microphone_is_listed(mic):
    run = calmtone(mic, "record", "--list-devices")
    assert run.returncode == 0, run.stderr
    assert re.search(rf"\*\s+\d+\s+{DEVICE}\b", run.stdout)


def test_recording_matches_the_source_and_stops_after_silence(mic, speech):
    out = mic / "take.wav"
    run = calmtone(mic, "record", str(out))
    assert run.returncode == 0, run.stderr
    assert "Stopped after 1.5 s of silence" in run.stderr
    y, sr = sf.read(out)
    info = sf.info(out)
    assert (sr, info.subtype, info.channels) == (SR, "PCM_16", 1)
    assert aligned_correlation(y, speech) >= 0.99
    # the take ends 1.5 s after the last sound, give or take the speech gate's block
    last_sound_s = np.flatnonzero(np.abs(speech) > 0.01)[-1] / SR
    assert last_sound_s + 1.4 < y.size / sr < last_sound_s + 2.0


def test_seconds_stop_gives_the_exact_length(mic, speech):
    out = mic / "two.wav"
    run = calmtone(mic, "record", "--seconds", "2", str(out))
    assert run.returncode == 0, run.stderr
    assert "Stopped after 2 s" in run.stderr
    y, _ = sf.read(out)
    assert y.size == 2 * SR
    np.testing.assert_array_equal(y, speech[: 2 * SR])  # bit for bit


def test_record_coach_prints_what_coach_prints_on_the_source(mic, speech):
    out = mic / "coached.wav"
    seconds = speech.size / SR
    run = calmtone(mic, "record", "--coach", "--seconds", repr(seconds), str(out))
    assert run.returncode == 0, run.stderr
    np.testing.assert_array_equal(sf.read(out)[0], speech)
    # the same code path as the coach command on the source file (the measurements table
    # while the coach command does not exist)
    command = "coach" if has_command("coach") else "analyze"
    reference = calmtone(mic, command, str(mic / "source.wav"))
    assert reference.returncode == 0, reference.stderr
    assert run.stdout.strip()
    assert run.stdout.replace(str(out), "FILE") == reference.stdout.replace(
        str(mic / "source.wav"), "FILE")


def test_record_keeps_a_file_already_there(mic):
    out = mic / "kept.wav"
    out.write_bytes(b"a recording of someone's")
    run = calmtone(mic, "record", "--seconds", "1", str(out))
    assert run.returncode != 0
    assert "already exists" in run.stderr
    assert "--overwrite" in run.stderr
    assert out.read_bytes() == b"a recording of someone's"  # refused before recording
    run = calmtone(mic, "record", "--seconds", "1", "--overwrite", str(out))
    assert run.returncode == 0, run.stderr
    assert sf.info(out).duration == 1.0


def test_record_save_keeps_the_coached_take_in_the_history(mic):
    out = mic / "saved.wav"
    missing = calmtone(mic, "record", "--save", str(out))
    assert missing.returncode == 2
    assert "--save needs --person NAME" in missing.stderr
    assert not out.exists()  # refused before recording

    run = calmtone(mic, "record", "--save", "--person", "Sam", "--seconds", "3", str(out))
    if not has_command("coach"):
        assert run.returncode == 1
        assert "--save needs the coach" in run.stderr
        return
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""  # saved quietly: the feedback is printed only with --coach
    assert re.search(r"saved as take \d+ of Sam", run.stderr)
    listing = calmtone(mic, "history", "list", "--person", "Sam")
    assert listing.returncode == 0, listing.stderr
    assert "Sam" in listing.stdout


def test_live_updates_at_least_ten_a_second_and_ends_with_the_report(mic, speech):
    seconds = 3.0
    run = calmtone(mic, "live", "--seconds", str(seconds))
    assert run.returncode == 0, run.stderr
    updates = [line for line in run.stdout.splitlines() if re.match(r"^\d+:\d\d\.\d\d \|", line)]
    assert len(updates) >= 10 * seconds
    assert updates[-1].startswith("0:03.00")
    # a low male voice, inside the zone placed around the pitch expected of his voice
    assert re.search(r"pitch +\d+ Hz \[\d+\.\.\d+\] ok", run.stdout)
    assert re.search(r"cue: (SLOWER|LOWER|-)", run.stdout)
    # no praise without a baseline: the level, which has no zone then, is not heard as calm
    assert "cue: GOOD" not in run.stdout
    report = run.stdout.split("What you said (3.0 s):", 1)[1]
    assert "Pitch, median" in report
    if has_command("coach"):
        assert re.search(r"Calm score \d+/100|No score", report)


def test_live_with_a_baseline_reads_relative_to_it(mic):
    run = calmtone(mic, "live", "--seconds", "3", "--baseline", str(mic / "source.wav"))
    assert run.returncode == 0, run.stderr
    late = [line for line in run.stdout.splitlines() if line.startswith("0:02.")]
    assert late
    # the same voice as the baseline: pitch within a few semitones of it, level in dB from it
    values = [float(m.group(1)) for line in late
              for m in [re.search(r"pitch +([+-]\d+\.\d) st", line)] if m]
    assert values
    assert max(abs(v) for v in values) < 3.0
    assert re.search(r"level +[+-]\d+\.\d dB \[-?\d+\.\.-?\d+\]", late[-1])


def test_unsupported_rate_falls_back_and_resamples(tmp_path, speech):
    home = asoundrc(tmp_path / "home", tmp_path / "home" / "speech.raw")
    write_raw(home / "speech.raw", speech)  # ALSA lists the device only if its file is there
    listing = calmtone(home, "record", "--list-devices")
    default_hz = int(float(re.search(rf"{DEVICE}\s+\(ALSA, \d+ ch, ([\d.]+) Hz\)",
                                     listing.stdout).group(1)))
    # the device plays the speech at its own default rate, the rate the fallback will choose
    from scipy.signal import resample_poly

    source = record.to_pcm16(resample_poly(speech, default_hz, SR)) / 32768.0
    write_raw(home / "speech.raw", source)
    out = home / "fallback.wav"
    # ALSA accepts no capture rate above 384 kHz
    run = calmtone(home, "record", "--samplerate", "1000000", "--seconds", "3", str(out))
    assert run.returncode == 0, run.stderr
    assert (f"does not record at 1000000 Hz; recording at {default_hz} Hz instead and "
            f"resampling to {SR} Hz") in run.stderr
    y, sr = sf.read(out)
    assert sr == SR
    assert y.size == 3 * SR
    assert aligned_correlation(y, speech[: 3 * SR]) >= 0.99


# ---------------------------------------------------------------------------------------------
# Messages


PORTAUDIO_GONE = {
    # the PortAudio library cannot be found: sounddevice raises OSError on import
    "library": ("import ctypes.util; _find = ctypes.util.find_library; "
                "ctypes.util.find_library = lambda n: None if 'portaudio' in n else _find(n)"),
    # the sounddevice package itself cannot be imported
    "package": "sys.modules['sounddevice'] = None",
}


@pytest.mark.parametrize("how", sorted(PORTAUDIO_GONE))
def test_portaudio_missing_says_how_to_install_it(tmp_path, how):
    code = (f"import sys; {PORTAUDIO_GONE[how]}; from prosody.cli import main; "
            f"sys.exit(main(['record', 'x.wav']))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, env={**os.environ, "HOME": str(tmp_path)}, timeout=60)
    assert run.returncode == 1
    assert "apt install libportaudio2" in run.stderr
    assert "brew install portaudio" in run.stderr
    assert "Traceback" not in run.stderr


def test_no_input_device(tmp_path):
    # no .asoundrc and no sound card: nothing can record
    run = calmtone(tmp_path, "record", str(tmp_path / "x.wav"))
    assert run.returncode == 1
    assert "no microphone found" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "x.wav").exists()


@pytest.mark.parametrize(("device", "message"), [
    # a name no device has
    ("nosuchmic", "no microphone called 'nosuchmic' was found (was it unplugged?)"),
    # a device that is there but cannot capture (its source file is gone)
    ("gone", "no microphone called 'gone' was found"),
    # a number no device has
    ("7", "there is no microphone number 7"),
])
def test_unknown_device_names_the_ones_there_are(tmp_path, mic, device, message):
    home = asoundrc(tmp_path, mic / "speech.raw")
    with (home / ".asoundrc").open("a") as f:
        f.write('pcm.gone { type file slave.pcm "null" file "/dev/null" '
                'infile "/nonexistent/gone.raw" format "raw" }\n')
    run = calmtone(home, "record", "--device", device, str(home / "x.wav"))
    assert run.returncode == 1
    assert message in run.stderr
    assert DEVICE in run.stderr  # names the microphones that can record


def test_device_that_stops_mid_take(tmp_path, speech):
    # The device reads a pipe: one second of speech, then nothing, as a microphone that is
    # unplugged or seized mid-take. The pipe stays open so ALSA waits for more sound.
    fifo = tmp_path / "mic.fifo"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR)  # read-write: opening does not wait for a reader
    try:
        os.write(writer, record.to_pcm16(speech[:SR]).astype("<i2").tobytes())
        home = asoundrc(tmp_path / "home", fifo)
        run = calmtone(home, "record", "--seconds", "10", str(home / "x.wav"), timeout_s=60)
    finally:
        os.close(writer)
    assert run.returncode == 1
    assert "stopped sending sound after 1.0 s: was it unplugged" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (home / "x.wav").exists()


def test_busy_device_message():
    # PortAudio reports a device held by another program as paDeviceUnavailable (-9985); the
    # file device cannot be made busy, so this checks the wording on PortAudio's own error.
    sd = record._sounddevice()
    exc = sd.PortAudioError("Error opening InputStream: Device unavailable", -9985)
    message = str(record._open_error(sd, exc, "USB mic"))
    assert "'USB mic' is busy: another program is using it" in message


def test_stop_event_ends_the_take(mic, speech):
    # the Enter key sets the event from another thread; here the meter callback does, at 1 s
    code = (
        "import threading\n"
        "from prosody import record\n"
        "stop = threading.Event()\n"
        "take = record.record(10.0, on_block=lambda b: b.start_s >= 1.0 and stop.set(),\n"
        "                     stop_event=stop)\n"
        "print(take.stopped_because, take.y.size, take.device_name)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=mic, env={**os.environ, "HOME": str(mic)}, timeout=60)
    assert run.returncode == 0, run.stderr
    reason, n, name = run.stdout.split()
    assert (reason, name) == ("stopped", DEVICE)
    assert int(n) == int(1.1 * SR)  # the block that set it is kept, nothing after it


def test_bad_arguments(tmp_path):
    run = calmtone(tmp_path, "record")
    assert run.returncode == 2
    assert "give the WAV file to write" in run.stderr
    with pytest.raises(record.MicrophoneError, match="must be a positive duration"):
        record.record(-1.0)


# ---------------------------------------------------------------------------------------------
# Levels and the speech gate, on generated signals


def test_level_and_meter():
    t = np.arange(SR) / SR
    sine = 0.5 * np.sin(2 * np.pi * 440 * t)
    assert record.level_dbfs(sine) == pytest.approx(20 * np.log10(0.5) - 3.01, abs=0.01)
    assert record.level_dbfs(np.zeros(100)) == -120.0
    assert record.meter_bar(-30.0, width=10) == "█████░░░░░"
    assert record.meter_bar(-90.0, width=4) == "░░░░"
    assert record.meter_bar(3.0, width=4) == "████"


def test_pcm16_round_trip_is_exact(rng):
    codes = rng.integers(-32768, 32768, size=10_000).astype(np.int16)
    np.testing.assert_array_equal(record.to_pcm16(codes / 32768.0), codes)
    assert record.to_pcm16(np.array([1.5, -1.5])).tolist() == [32767, -32768]


def test_speech_gate_arms_on_speech_and_times_the_silence(rng):
    noise = 10 ** (-60 / 20) * rng.standard_normal(5 * SR)  # a quiet room, -60 dBFS
    voice = syllable_train(4.0, 8, sr=SR, lead_s=0.0)
    y = noise.copy()
    y[SR : SR + voice.size] += voice
    gate = record.SpeechGate(SR)
    armed_at = silent_at = None
    for k in range(0, y.size, 1600):
        gate.update(y[k : k + 1600])
        end_s = (k + 1600) / SR
        if armed_at is None and gate.speech_heard:
            armed_at = end_s
        if armed_at is not None and silent_at is None and gate.silence_s >= 1.0:
            silent_at = end_s
    voice_end_s = 1.0 + voice.size / SR
    assert 1.0 < armed_at <= 1.6
    assert voice_end_s + 0.9 <= silent_at <= voice_end_s + 1.2
    assert gate.threshold_db == pytest.approx(-60.0 + 12.0, abs=1.0)  # the floor + 12 dB


def test_a_click_does_not_arm_the_gate(rng):
    y = 10 ** (-60 / 20) * rng.standard_normal(2 * SR)
    y[SR : SR + 800] += 0.5 * rng.standard_normal(800)  # 50 ms bump of the microphone
    gate = record.SpeechGate(SR)
    gate.update(y)
    assert not gate.speech_heard


# ---------------------------------------------------------------------------------------------
# The live view, on signals with known answers


def voice_at(f0_hz: float, *, gain_db: float = 0.0, rate_syl_per_s: float = 4.0,
             seconds: float = 6.0) -> np.ndarray:
    n = int(seconds * rate_syl_per_s)
    y = syllable_train(rate_syl_per_s, n, sr=SR, f0_hz=f0_hz, lead_s=0.5)
    return y * 10 ** (gain_db / 20)


def push_all(view: live.LiveView, y: np.ndarray, block: int = 800) -> list[live.LiveUpdate]:
    return [view.push(y[k : k + block]) for k in range(0, y.size, block)]


def test_live_pitch_in_hz_without_baseline():
    view = live.LiveView(SR)
    updates = push_all(view, voice_at(180.0))
    read = [u.pitch.value for u in updates if u.pitch.value is not None]
    assert updates[-1].pitch.unit == "Hz"
    assert np.median(read) == pytest.approx(180.0, rel=0.01)
    assert updates[-1].level.zone is None  # no loudness target without a baseline
    assert len(updates) / (view.audio().size / SR) >= 10


def test_live_readings_relative_to_the_baseline():
    with pytest.warns(ProsodyWarning, match="pause"):  # no pause: mean pause undefined
        base = analyze(voice_at(150.0), sr=SR)
    view = live.LiveView(SR, baseline=live.LiveBaseline.from_analysis(base))
    # four semitones higher and 6 dB softer than the baseline, at the baseline's pace (which is
    # itself two tolerances above the calm zone, and reads within a few % of it live)
    updates = push_all(view, voice_at(150.0 * 2 ** (4 / 12), gain_db=-6.0))
    late = updates[len(updates) // 2 :]
    assert np.median([u.pitch.value for u in late]) == pytest.approx(4.0, abs=0.2)
    assert np.median([u.pace.value for u in late]) == pytest.approx(0.0, abs=4.0)
    assert np.median([u.level.value for u in late]) == pytest.approx(-6.0, abs=1.0)
    assert late[-1].pitch.verdict == "high"
    assert late[-1].cue == "lower"  # the one word: pitch is the furthest outside its zone


def test_live_cue_is_sparse():
    view = live.LiveView(SR)
    # alternate fast and slow stretches: the cue may change, but never faster than it holds
    y = np.concatenate([voice_at(140.0, rate_syl_per_s=r, seconds=3.0) for r in (6, 3, 6, 3)])
    updates = push_all(view, y)
    changes = [u.time_s for a, u in zip(updates, updates[1:], strict=False) if u.cue != a.cue]
    assert changes
    assert np.all(np.diff(changes) >= live.CUE_MIN_S - 1e-9)
    assert {u.cue for u in updates} <= {"", "good", "slower", "faster", "lower", "higher"}


def test_live_pace_follows_the_syllable_rate():
    for rate in (3.0, 5.0):
        updates = push_all(live.LiveView(SR), voice_at(150.0, rate_syl_per_s=rate, seconds=8.0))
        paces = [u.pace.value for u in updates[-30:] if u.pace.value is not None]
        assert np.median(paces) == pytest.approx(rate, rel=0.2)


def test_live_report_analyses_everything_said():
    view = live.LiveView(SR)
    y = voice_at(200.0, seconds=4.0)
    push_all(view, y)
    rep = view.report()
    assert rep.y.size == y.size
    assert rep.analysis.summary.f0_median_hz == pytest.approx(200.0, rel=0.02)


def test_live_works_at_the_capture_rate():
    # syllables, not one held tone: a tone whose pitch and level never move is a hum to the
    # live view (no pitch, no pace), as it is to the coach
    y48 = syllable_train(4.0, 12, sr=48_000, f0_hz=120.0)
    updates = push_all(live.LiveView(48_000), y48, block=2400)
    assert updates[-1].pitch.value == pytest.approx(120.0, rel=0.01)


def test_live_rejects_a_bad_rate():
    with pytest.raises(record.ProsodyError, match="at least 8000 Hz"):
        live.LiveView(4000)
