"""Bad and awkward recordings, end to end through ``prosody.analyze_file``: one table, one row each.

Every row ends either in a ``ProsodyError`` whose message says what is wrong, or in an analysis
whose summary holds finite numbers or honest ``None``s (with a ``ProsodyWarning``), never NaN and
never a crash. Speech comes from espeak-ng (installed in CI by ``.ci/run``); everything else is
synthesised here, into ``tmp_path``.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import espeak

import prosody
from prosody import ProsodyError, ProsodyWarning

SENTENCE = "Take a slow breath, and let your shoulders drop. You are safe here, and doing fine."
SEED = 20261127


# ---------------------------------------------------------------------------------------------
# The sentence, and what the engine makes of it clean


@pytest.fixture(scope="session")
def speech(tmp_path_factory) -> tuple[np.ndarray, int]:
    """One espeak-ng sentence: (samples in [-1, 1], sample rate in Hz; espeak-ng uses 22050)."""
    path = espeak(SENTENCE, tmp_path_factory.mktemp("bad_input") / "sentence.wav")
    y, sr = sf.read(path, dtype="float64")
    return y, sr


@pytest.fixture(scope="session")
def clean(speech, tmp_path_factory) -> prosody.Summary:
    """The summary of the clean sentence, the reference the damaged versions are held to."""
    path = write(tmp_path_factory.mktemp("clean") / "clean.wav", *speech)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        summary = prosody.analyze_file(path).summary
    assert summary.f0_median_hz is not None, "the clean sentence must have a pitch"
    return summary


def write(path: Path, y: np.ndarray, sr: int, subtype: str = "PCM_16") -> Path:
    sf.write(path, y, sr, subtype=subtype)
    return path


def st_apart(a_hz: float | None, b_hz: float | None) -> float:
    """Distance in semitones between two frequencies in Hz (inf when one is missing)."""
    if a_hz is None or b_hz is None:
        return math.inf
    return abs(12.0 * math.log2(a_hz / b_hz))


def peak_normalised(y: np.ndarray, peak: float) -> np.ndarray:
    return y * (peak / np.max(np.abs(y)))


# ---------------------------------------------------------------------------------------------
# The recordings. Each maker writes one file into tmp_path from the sentence (y, sr).

Maker = Callable[[Path, np.ndarray, int], Path]


def empty_file(tmp: Path, y, sr) -> Path:
    (tmp / "take.wav").write_bytes(b"")
    return tmp / "take.wav"


def tenth_of_a_second(tmp: Path, y, sr) -> Path:
    return write(tmp / "take.wav", y[: sr // 10], sr)


def thirty_minutes(tmp: Path, y, sr) -> Path:
    # 30 min of 8 kHz 16-bit noise at -60 dBFS: 29 MB, written in one-minute blocks.
    rng = np.random.default_rng(SEED)
    path = tmp / "long.wav"
    with sf.SoundFile(path, "w", samplerate=8000, channels=1, subtype="PCM_16") as f:
        minute = (rng.standard_normal(8000 * 60) * 32).astype(np.int16)
        for _ in range(30):
            f.write(minute)
    return path


def silence(tmp: Path, y, sr) -> Path:
    return write(tmp / "silence.wav", np.zeros(3 * 16000), 16000)


def white_noise(tmp: Path, y, sr) -> Path:
    rng = np.random.default_rng(SEED)
    return write(tmp / "noise.wav", 0.1 * rng.standard_normal(3 * 16000), 16000)


def tone_1khz(tmp: Path, y, sr) -> Path:
    t = np.arange(3 * 16000) / 16000
    return write(tmp / "tone.wav", 0.3 * np.sin(2 * np.pi * 1000.0 * t), 16000)


def music(tmp: Path, y, sr) -> Path:
    """Four bars of triads (six harmonics each) over a kick on the beat and a hi-hat off it."""
    sr_music = 44100
    rng = np.random.default_rng(SEED)
    beat_s = 0.5
    out = np.zeros(int(8 * beat_s * sr_music))
    t = np.arange(int(beat_s * sr_music)) / sr_music
    chords_midi = [(60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62)] * 2  # C Am F G
    for k, chord in enumerate(chords_midi):
        note = np.zeros_like(t)
        for midi in chord:
            f_hz = 440.0 * 2 ** ((midi - 69) / 12)
            for h in range(1, 7):
                note += np.sin(2 * np.pi * h * f_hz * t) / h
        envelope = np.minimum(1.0, t / 0.01) * np.exp(-t / 0.35)
        start = int(k * beat_s * sr_music)
        out[start : start + t.size] += 0.1 * note * envelope
        kick = np.sin(2 * np.pi * np.cumsum(50 + 100 * np.exp(-t / 0.03)) / sr_music)
        out[start : start + t.size] += 0.4 * kick * np.exp(-t / 0.08)
        n_hat = int(0.03 * sr_music)
        hat = rng.standard_normal(n_hat) * np.exp(-np.arange(n_hat) / (0.005 * sr_music))
        hat_at = start + int(beat_s / 2 * sr_music)
        out[hat_at : hat_at + hat.size] += 0.1 * np.diff(hat, prepend=0.0)  # bright: high-passed
    stereo = np.stack([out, np.roll(out, 200)], axis=1)  # a little width, as a mix would have
    return write(tmp / "music.wav", peak_normalised(stereo, 0.8), sr_music)


def clean_speech(tmp: Path, y, sr) -> Path:
    return write(tmp / "speech.wav", y, sr)


def clipped_speech(tmp: Path, y, sr) -> Path:
    # Gain of 8 (+18 dB) into a converter that stops at full scale.
    return write(tmp / "clipped.wav", np.clip(8.0 * peak_normalised(y, 1.0), -1.0, 1.0), sr)


def dc_offset(tmp: Path, y, sr) -> Path:
    # A cheap USB mic's bias: the waveform rides 0.3 full scale above zero.
    return write(tmp / "dc.wav", 0.5 * peak_normalised(y, 1.0) + 0.3, sr)


def nan_samples(tmp: Path, y, sr) -> Path:
    damaged = y.astype(np.float32)
    damaged[sr : sr + 50] = np.nan
    return write(tmp / "nan.wav", damaged, sr, subtype="FLOAT")


def telephone(tmp: Path, y, sr) -> Path:
    # A phone line: 8 kHz, 300-3400 Hz band (the fundamental of a male voice is gone).
    from scipy.signal import butter, resample_poly, sosfiltfilt

    narrow = resample_poly(y, 8000, sr)
    band = sosfiltfilt(butter(4, [300, 3400], btype="bandpass", fs=8000, output="sos"), narrow)
    return write(tmp / "phone.wav", band, 8000)


def six_channels(tmp: Path, y, sr) -> Path:
    # 5.1: dialogue in the centre, a quieter copy in front left/right, hiss in LFE and surrounds.
    rng = np.random.default_rng(SEED)
    layout = 1e-4 * rng.standard_normal((y.size, 6))
    layout[:, 2] = y
    layout[:, 0] = layout[:, 1] = 0.5 * y
    return write(tmp / "surround.wav", layout, sr)


def one_silent_channel(tmp: Path, y, sr) -> Path:
    # A mono mic on the left input of a stereo interface.
    return write(tmp / "left_only.wav", np.stack([y, np.zeros_like(y)], axis=1), sr)


def mp3_speech(tmp: Path, y, sr) -> Path:
    path = tmp / "speech.mp3"
    sf.write(path, y, sr, format="MP3")
    return path


def text_renamed(tmp: Path, y, sr) -> Path:
    path = tmp / "take.wav"
    path.write_text("Remember to breathe out slowly before each phrase.\n" * 10)
    return path


def truncated_long_enough(tmp: Path, y, sr) -> Path:
    # The recorder stopped writing: the header still claims the whole sentence; 60 % is there.
    whole = write(tmp / "whole.wav", y, sr).read_bytes()
    path = tmp / "truncated.wav"
    path.write_bytes(whole[: 44 + int(0.6 * y.size) * 2])
    return path


def truncated_too_short(tmp: Path, y, sr) -> Path:
    whole = write(tmp / "whole.wav", y, sr).read_bytes()
    path = tmp / "truncated.wav"
    path.write_bytes(whole[: 44 + int(0.2 * sr) * 2])
    return path


def cut_off_recorder(tmp: Path, y, sr) -> Path:
    # a recorder stopped before it wrote the lengths: the sound is there, the header says 0
    whole = bytearray(write(tmp / "whole.wav", y, sr).read_bytes())
    assert whole[36:40] == b"data"
    whole[40:44] = (0).to_bytes(4, "little")
    path = tmp / "cut_off.wav"
    path.write_bytes(bytes(whole))
    return path


def m4a_header(tmp: Path, y, sr) -> Path:
    # An iPhone voice memo: ISO-BMFF 'ftyp' box with brand 'M4A ', then media data.
    ftyp = b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A mp42isom\x00\x00\x00\x00"
    path = tmp / "take.m4a"
    path.write_bytes(ftyp + b"\x00\x00\x10\x08mdat" + bytes(4096))
    return path


def webm_header(tmp: Path, y, sr) -> Path:
    # Chrome's MediaRecorder: an EBML header whose DocType is 'webm'.
    ebml = bytes.fromhex("1a45dfa3 9f 4286 81 01 42f7 81 01 42f2 81 04 42f3 81 08 4282 84")
    path = tmp / "take.webm"
    path.write_bytes(ebml + b"webm" + bytes.fromhex("4287 81 04 4285 81 02") + bytes(4096))
    return path


def low_sample_rate(tmp: Path, y, sr) -> Path:
    from scipy.signal import resample_poly

    return write(tmp / "old.wav", resample_poly(y, 6000, sr), 6000)


def missing(tmp: Path, y, sr) -> Path:
    return tmp / "never_recorded.wav"


def folder(tmp: Path, y, sr) -> Path:
    return tmp


# ---------------------------------------------------------------------------------------------
# What each row expects


@dataclass(frozen=True)
class Refused:
    """``analyze_file`` raises ProsodyError with a message matching ``match``."""

    match: str


@dataclass(frozen=True)
class Analysed:
    """``analyze_file`` returns; ``check(summary, clean_summary)`` holds.

    warns: True when a ProsodyWarning must be emitted (something is undefined); None when the
    engine may or may not warn. Either way, nothing but ProsodyWarnings may be emitted.
    """

    warns: bool | None
    check: Callable[[prosody.Summary, prosody.Summary], None] | None = None
    duration_s: float | None = None


def no_pitch_no_speech(s, ref):
    assert s.f0_median_hz is None
    assert s.f0_p10_hz is None
    assert s.f0_p90_hz is None
    assert s.f0_range_st is None
    assert s.loudness_db is None
    assert s.articulation_rate_syl_per_s is None


def no_pitch(s, ref):
    # 1 kHz is above any speaking voice's pitch ceiling (600 Hz): not an F0.
    assert s.f0_median_hz is None
    assert s.f0_range_st is None


def plausible_speech(s, ref):
    assert 60.0 < s.f0_median_hz < 300.0
    assert s.speech_s is not None
    assert s.speech_s > 1.0
    assert s.phrase_count is not None
    assert s.phrase_count >= 1
    assert s.loudness_db is not None


def pitch_within(semitones: float):
    def check(s, ref):
        assert st_apart(s.f0_median_hz, ref.f0_median_hz) < semitones, (
            s.f0_median_hz,
            ref.f0_median_hz,
        )

    return check


def same_level(s, ref):
    pitch_within(0.5)(s, ref)
    assert s.loudness_db == pytest.approx(ref.loudness_db, abs=0.5)


def has_pitch(s, ref):
    assert s.f0_median_hz is not None


CASES = [
    # a zero-byte file: the recorder never wrote anything
    pytest.param(empty_file, Refused(r"empty \(0 bytes\)"), id="empty-file"),
    # a click of the record button: too short to describe
    pytest.param(tenth_of_a_second, Refused(r"0\.10 s long, shorter than the 0\.5 s"), id="0.1s"),
    # a whole session left running: refused from the header, naming the limit
    pytest.param(thirty_minutes, Refused(r"30\.0 min long, longer than the 15 min limit"),
                 id="30min"),
    # digital silence: nothing to measure, every voice feature None with a warning
    pytest.param(silence, Analysed(True, no_pitch_no_speech, 3.0), id="silence"),
    # white noise: whatever the engine finds, it must not crash or return NaN
    pytest.param(white_noise, Analysed(None, None, 3.0), id="white-noise"),
    # a 1 kHz test tone: above the pitch ceiling, so no F0
    pytest.param(tone_1khz, Analysed(True, no_pitch, 3.0), id="tone-1kHz"),
    # music (chords with harmonics, kick and hi-hat): no crash, no NaN
    pytest.param(music, Analysed(None, None, 4.0), id="music"),
    # the clean sentence: a male-ish voice with phrases and a level
    pytest.param(clean_speech, Analysed(None, plausible_speech), id="clean-speech"),
    # clipped by 18 dB of overload: the pitch survives
    pytest.param(clipped_speech, Analysed(None, pitch_within(1.0)), id="clipped-speech"),
    # DC offset of 0.3 full scale: the analysis must not care
    pytest.param(dc_offset, Analysed(None, pitch_within(0.5)), id="dc-offset"),
    # NaN samples in a float WAV: a damaged file, refused
    pytest.param(nan_samples, Refused(r"50 NaN or infinite samples"), id="nan-samples"),
    # a phone line (8 kHz, 300-3400 Hz): pitch from the harmonics, within 1 st of the clean take
    pytest.param(telephone, Analysed(None, pitch_within(1.0)), id="8kHz-telephone"),
    # 5.1 audio with the voice in the centre: mixed down and analysed
    pytest.param(six_channels, Analysed(None, pitch_within(0.5)), id="6-channels"),
    # stereo with the voice on one side only: the level is the voice's, not 6 dB less
    pytest.param(one_silent_channel, Analysed(None, same_level), id="one-silent-channel"),
    # the same sentence as MP3: lossy coding leaves the pitch alone
    pytest.param(mp3_speech, Analysed(None, pitch_within(0.5)), id="mp3-speech"),
    # a text file renamed .wav
    pytest.param(text_renamed, Refused(r"'take\.wav' is a text file, not a recording"),
                 id="text-as-wav"),
    # a WAV cut short, enough left: what is there is analysed
    pytest.param(truncated_long_enough, Analysed(None, has_pitch), id="truncated-wav-long-enough"),
    # a WAV cut short after 0.2 s
    pytest.param(truncated_too_short, Refused(r"0\.20 s long, shorter than the 0\.5 s"),
                 id="truncated-wav-too-short"),
    # a recorder cut off before it wrote the length: said so, with a way to recover the sound
    pytest.param(cut_off_recorder, Refused(r"header says it holds no sound.*cut off.*Raw Data"),
                 id="cut-off-recorder"),
    # an M4A voice memo: named, with the formats that work
    pytest.param(m4a_header, Refused(r"'take\.m4a' is an M4A/AAC file.*WAV, FLAC, OGG.*MP3"),
                 id="m4a"),
    # a WebM recording from a browser
    pytest.param(webm_header, Refused(r"'take\.webm' is a WebM file.*WAV, FLAC, OGG.*MP3"),
                 id="webm"),
    # sampled at 6 kHz: below the 8 kHz minimum
    pytest.param(low_sample_rate, Refused(r"6000 Hz, below the 8000 Hz minimum"), id="6kHz"),
    # a path that does not exist
    pytest.param(missing, Refused(r"no file at .*never_recorded\.wav"), id="missing-path"),
    # a folder instead of a file
    pytest.param(folder, Refused(r"is a folder"), id="folder"),
]  # fmt: skip


@pytest.mark.parametrize(("make", "expect"), CASES)
def test_bad_input(tmp_path, speech, request, make: Maker, expect):
    path = make(tmp_path, *speech)

    if isinstance(expect, Refused):
        with pytest.raises(ProsodyError, match=expect.match):
            prosody.analyze_file(path)
        return

    if expect.warns:
        # pytest.warns re-emits any other warning on exit, and the suite turns those into errors.
        with pytest.warns(ProsodyWarning) as caught:
            a = prosody.analyze_file(path)
    else:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            a = prosody.analyze_file(path)
        stray = [f"{w.category.__name__}: {w.message}" for w in caught
                 if not issubclass(w.category, ProsodyWarning)]  # fmt: skip
        assert not stray, stray

    s = a.summary
    # Every warning sentence is kept with the analysis, for the UI and the JSON output.
    assert {str(w.message) for w in caught} <= set(a.warnings)
    # No NaN or infinity ever stands in for "undefined": that is None.
    for field in dataclasses.fields(s):
        value = getattr(s, field.name)
        if field.name == "syllables_source":
            assert value in ("text", "acoustic")
        elif value is not None:
            assert isinstance(value, (int, float)), field.name
            assert not isinstance(value, bool), field.name
            assert math.isfinite(value), (field.name, value)
    if expect.duration_s is not None:
        assert s.duration_s == pytest.approx(expect.duration_s, abs=0.01)
    if expect.check is not None:
        expect.check(s, request.getfixturevalue("clean"))


@pytest.mark.parametrize("extra", [0, 1, 79, 80, 159])
def test_any_sample_count_of_unvoiced_sound(extra):
    # the pitch tracker's first pass runs at half the rate; with no voice in it, its frames are
    # the answer, and an odd sample count once gave them one frame more than the level track
    rng = np.random.default_rng(extra)
    y = 0.05 * rng.standard_normal(2 * 16000 + extra)
    with pytest.warns(ProsodyWarning):
        a = prosody.analyze(y, sr=16000)
    n = 201
    assert a.tracks.f0_hz.size == a.tracks.voiced.size == a.tracks.loudness_db.size == n
    assert a.summary.f0_median_hz is None


@pytest.mark.parametrize("mains_hz", [50.0, 60.0])
def test_a_recording_of_a_buzzing_hum_alone_is_told_it_holds_no_voice(mains_hz):
    """A mains buzz with six harmonics and nothing else: what remains after the hum is taken
    out reads as a faint "voice" at the hum's pitch, which must not turn into "the voice is too
    quiet, hold the microphone closer"."""
    from prosody.coach import coach
    from prosody.profile import load_profile

    sr = 16_000
    t = np.arange(5 * sr) / sr
    shape = (1.0, 0.5, 0.7, 0.2, 0.4, 0.1)  # a buzz: odd and even harmonics
    hum = sum(a * np.sin(2 * np.pi * mains_hz * k * t + 0.3 * k)
              for k, a in enumerate(shape, 1))
    y = np.round(0.05 * hum / np.sqrt(np.mean(hum ** 2)) * 32767) / 32767  # as 16-bit PCM
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        fb = coach(prosody.analyze(y, sr=sr), profile=load_profile("soothing"))
    assert fb.score is None
    assert fb.quality.code == "no_voice"
    assert f"only a steady mains hum at {mains_hz:.0f} Hz" in fb.quality.message


def test_a_device_or_a_pipe_is_named_as_what_it_is(tmp_path):
    """`calmtone coach /dev/null` said "'null' is empty"; a pipe (`<(sox …)`) the same. Both
    are named by their path, as not a file, with what to do."""
    import os

    fifo = tmp_path / "take.wav"
    os.mkfifo(fifo)
    for path in ("/dev/null", str(fifo)):
        with pytest.raises(ProsodyError) as info:
            prosody.load(path)
        said = str(info.value)
        assert f"'{path}'" in said
        assert "not a file" in said
        assert "save the recording to a file" in said


def test_a_tiny_file_announcing_a_huge_decode_is_refused_from_its_header(tmp_path):
    """1.4 MB of FLAC held 15 minutes of 8-channel 192 kHz silence and took 25 s of CPU to
    decode before it could be judged; a few such uploads kept a server busy."""
    from prosody import ProsodyError, load
    from prosody.audio import MAX_DECODED_SAMPLES

    path = tmp_path / "bomb.flac"
    sf.write(path, np.zeros((96_000, 8), dtype=np.int16), 96_000, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    # STREAMINFO: 20 bits rate, 3 channels - 1, 5 bits per sample - 1, 36 total samples
    field = int.from_bytes(data[18:26], "big")
    frames = 8 * 60 * 96_000  # eight minutes: under the 15-minute limit
    assert frames * 8 > MAX_DECODED_SAMPLES
    data[18:26] = ((field >> 36 << 36) | frames).to_bytes(8, "big")
    path.write_bytes(bytes(data))
    # the file holds 1 s: "8.0 min" can only come from its header, read before any decoding
    with pytest.raises(ProsodyError, match=r"holds 8 channels at 96000 Hz for 8\.0 min: more "
                                           r"sound than a practice take needs.*voice alone"):
        load(path)
