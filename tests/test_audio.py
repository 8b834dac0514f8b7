"""Reading recordings: every format, rate and layout against a tone of known frequency and level.

All audio is generated here and written with soundfile (libsndfile) to ``tmp_path`` or to
memory; no binary test files.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prosody import ProsodyError, Signal, load
from prosody.util import FRAME_S, MAX_DURATION_S, SR

TONE_HZ = 220.0
TONE_AMP = 0.5  # full scale = 1; RMS of the tone is TONE_AMP / sqrt(2), -9.03 dBFS
TONE_S = 1.5
RATES_HZ = [8000, 16000, 22050, 44100, 48000]
# (container, encoding, lossy): every encoding Calm Tone Coach promises to read.
FORMATS = [
    ("WAV", "PCM_U8", False),
    ("WAV", "PCM_16", False),
    ("WAV", "PCM_24", False),
    ("WAV", "PCM_32", False),
    ("WAV", "FLOAT", False),
    ("WAV", "DOUBLE", False),
    ("WAVEX", "PCM_16", False),
    ("FLAC", "PCM_16", False),
    ("FLAC", "PCM_24", False),
    ("OGG", "VORBIS", True),
    ("OGG", "OPUS", True),
    ("MP3", "MPEG_LAYER_III", True),
]
EXTENSIONS = {"WAV": ".wav", "WAVEX": ".wav", "FLAC": ".flac", "OGG": ".ogg", "MP3": ".mp3"}
# Rates the Opus encoder accepts, in Hz.
OPUS_RATES_HZ = {8000, 12000, 16000, 24000, 48000}


def tone(freq_hz: float, duration_s: float, *, sr: int, amp: float = TONE_AMP) -> np.ndarray:
    t = np.arange(int(round(duration_s * sr))) / sr
    return amp * np.sin(2 * np.pi * freq_hz * t)


def peak_hz(y: np.ndarray, sr: int) -> float:
    """Frequency of the strongest spectral peak, in Hz (zero-padded FFT: 0.06 Hz bins at 16 kHz)."""
    n_fft = 1 << 18
    spectrum = np.abs(np.fft.rfft(y * np.hanning(y.size), n_fft))
    return float(np.argmax(spectrum) * sr / n_fft)


def rms_db(y: np.ndarray, sr: int, *, edge_s: float = 0.1) -> float:
    """RMS level in dBFS, leaving out the resampling filter's edges."""
    inner = y[int(edge_s * sr) : y.size - int(edge_s * sr)]
    return float(10 * np.log10(np.mean(inner**2)))


TONE_DB = float(20 * np.log10(TONE_AMP / np.sqrt(2)))


@pytest.fixture(scope="module")
def rng_audio() -> np.random.Generator:
    return np.random.default_rng(20261127)


def encode(y: np.ndarray, sr: int, container: str, encoding: str) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, y, sr, format=container, subtype=encoding)
    return buf.getvalue()


def _format_cases():
    for container, encoding, lossy in FORMATS:
        for sr in RATES_HZ:
            for channels in (1, 2, 6):
                if encoding == "OPUS" and sr not in OPUS_RATES_HZ:
                    continue  # the Opus encoder cannot write these rates
                if container == "MP3" and channels > 2:
                    continue  # MPEG audio holds at most two channels
                yield pytest.param(
                    container, encoding, lossy, sr, channels,
                    id=f"{container}-{encoding}-{sr}Hz-{channels}ch",
                )  # fmt: skip


@pytest.mark.parametrize(
    ("container", "encoding", "lossy", "sr", "channels"), list(_format_cases())
)
def test_tone_in_every_format(tmp_path, container, encoding, lossy, sr, channels):
    y = tone(TONE_HZ, TONE_S, sr=sr)
    path = tmp_path / f"tone{EXTENSIONS[container]}"
    sf.write(path, np.tile(y[:, None], (1, channels)), sr, format=container, subtype=encoding)

    sig = load(path)

    assert isinstance(sig, Signal)
    assert sig.sr == SR
    assert sig.y.dtype == np.float64
    assert sig.y.ndim == 1
    assert sig.y.flags.c_contiguous
    assert sig.original_sr == sr
    assert sig.channels == channels
    assert sig.source == str(path)
    assert sig.duration_s == pytest.approx(y.size / sr, abs=FRAME_S)
    assert peak_hz(sig.y, SR) == pytest.approx(TONE_HZ, abs=1.0)
    assert rms_db(sig.y, SR) == pytest.approx(TONE_DB, abs=1.0 if lossy else 0.1)
    # A tone at -6 dBFS peak is nowhere near full scale (lossy decoders may overshoot a few
    # samples at the very start, hence not exactly zero for them).
    assert sig.clipped_fraction < (1e-3 if lossy else 1e-12)


@pytest.mark.parametrize("sr", [16000, 44100, 48000])
def test_browser_upload_bytes_and_bytesio(sr):
    # st.audio_input hands over a WAV in a BytesIO-like object with a .name
    data = encode(tone(TONE_HZ, 2.0, sr=sr), sr, "WAV", "PCM_16")

    from_bytes = load(data)
    upload = io.BytesIO(data)
    upload.name = "audio.wav"
    upload.read()  # a widget may have been read already: getvalue() still holds the whole file
    from_upload = load(upload)

    assert from_bytes.source == "<bytes>"
    assert from_upload.source == "audio.wav"
    for sig in (from_bytes, from_upload):
        assert sig.sr == SR
        assert sig.original_sr == sr
        assert sig.duration_s == pytest.approx(2.0, abs=FRAME_S)
        assert peak_hz(sig.y, SR) == pytest.approx(TONE_HZ, abs=1.0)
        assert rms_db(sig.y, SR) == pytest.approx(TONE_DB, abs=0.1)
    np.testing.assert_array_equal(from_bytes.y, from_upload.y)


def test_streamlit_uploaded_file():
    # The real object Streamlit's file_uploader and audio_input return.
    import streamlit.runtime.uploaded_file_manager as ufm  # a declared dependency
    data = encode(tone(TONE_HZ, 1.0, sr=48000), 48000, "WAV", "PCM_16")
    rec = ufm.UploadedFileRec(file_id="1", name="take.wav", type="audio/wav", data=data)
    upload = ufm.UploadedFile(rec, None)

    sig = load(upload)

    assert sig.source == "take.wav"
    assert sig.duration_s == pytest.approx(1.0, abs=FRAME_S)
    assert peak_hz(sig.y, SR) == pytest.approx(TONE_HZ, abs=1.0)


def test_path_kinds_and_open_files(tmp_path):
    path = tmp_path / "take.flac"
    sf.write(path, tone(TONE_HZ, 1.0, sr=44100), 44100)
    with open(path, "rb") as fh:
        from_file = load(fh)
    from_str = load(str(path))
    from_path = load(path)

    assert from_file.source == str(path)
    np.testing.assert_array_equal(from_file.y, from_str.y)
    np.testing.assert_array_equal(from_path.y, from_str.y)


def test_other_target_rate(tmp_path):
    path = tmp_path / "take.wav"
    sf.write(path, tone(TONE_HZ, 1.0, sr=44100), 44100)

    sig = load(path, sr=22050)

    assert sig.sr == 22050
    assert sig.y.size == 22050
    assert peak_hz(sig.y, 22050) == pytest.approx(TONE_HZ, abs=1.0)


@pytest.mark.parametrize("sr", [0, -16000, 16000.0, "16000", True])
def test_bad_target_rate(tmp_path, sr):
    path = tmp_path / "take.wav"
    sf.write(path, tone(TONE_HZ, 1.0, sr=16000), 16000)
    with pytest.raises(ProsodyError, match="sample rate in Hz"):
        load(path, sr=sr)


@pytest.mark.parametrize("sr", [44101, 47952, 399996])
def test_odd_sample_rates(sr):
    # gcd(16000, 44101) = 1: exact, with a filter of 0.9 M taps; 399 996 Hz is approximated
    # (1:25, 10 ppm off) rather than designing a filter of 2 M taps.
    sig = load(encode(tone(TONE_HZ, 1.0, sr=sr), sr, "WAV", "PCM_16"))
    assert sig.original_sr == sr
    assert sig.duration_s == pytest.approx(1.0, abs=FRAME_S)
    assert peak_hz(sig.y, SR) == pytest.approx(TONE_HZ, abs=1.0)
    assert rms_db(sig.y, SR) == pytest.approx(TONE_DB, abs=0.1)


# ---------------------------------------------------------------------------------------------
# Channels


def test_stereo_with_one_silent_channel_keeps_the_level():
    # A mono mic on one side of a stereo interface: averaging would cost 6 dB.
    y = tone(TONE_HZ, 2.0, sr=48000)
    for layout in (np.stack([y, 0 * y], axis=1), np.stack([0 * y, y], axis=1)):
        sig = load(encode(layout, 48000, "WAV", "PCM_16"))
        assert sig.channels == 2
        assert rms_db(sig.y, SR) == pytest.approx(TONE_DB, abs=0.1)


def test_stereo_with_a_noise_floor_channel_keeps_the_level(rng_audio):
    # The other input is not digital silence but a preamp's hiss, 50 dB down.
    y = tone(TONE_HZ, 2.0, sr=44100)
    hiss = 10 ** (-50 / 20) * TONE_AMP * rng_audio.standard_normal(y.size)
    sig = load(encode(np.stack([hiss, y], axis=1), 44100, "FLAC", "PCM_24"))
    assert rms_db(sig.y, SR) == pytest.approx(TONE_DB, abs=0.1)


def test_stereo_with_two_live_channels_is_averaged():
    y = tone(TONE_HZ, 2.0, sr=44100)
    sig = load(encode(np.stack([y, 0.5 * y], axis=1), 44100, "WAV", "FLOAT"))
    assert rms_db(sig.y, SR) == pytest.approx(TONE_DB + 20 * np.log10(0.75), abs=0.1)


def test_reverse_polarity_stereo_does_not_cancel():
    # One side wired in reverse polarity: the plain average would be silence.
    y = tone(TONE_HZ, 2.0, sr=48000)
    sig = load(encode(np.stack([y, -0.9 * y], axis=1), 48000, "WAV", "PCM_24"))
    assert rms_db(sig.y, SR) == pytest.approx(TONE_DB, abs=0.1)


def test_six_channels_with_speech_in_the_centre_only():
    y = tone(TONE_HZ, 2.0, sr=48000)
    layout = np.zeros((y.size, 6))
    layout[:, 2] = y  # centre channel of 5.1
    sig = load(encode(layout, 48000, "WAV", "PCM_16"))
    assert sig.channels == 6
    assert rms_db(sig.y, SR) == pytest.approx(TONE_DB, abs=0.1)


# ---------------------------------------------------------------------------------------------
# Samples as recorded


def test_dc_offset_is_kept():
    y = tone(TONE_HZ, 1.0, sr=16000) * 0.5 + 0.25
    sig = load(encode(y, 16000, "WAV", "FLOAT"))
    assert np.mean(sig.y[1600:-1600]) == pytest.approx(0.25, abs=1e-3)


@pytest.mark.parametrize(
    ("encoding", "ceiling"),
    [("PCM_16", 1.0), ("PCM_24", 1.0), ("FLOAT", 1.0), ("PCM_U8", 127 / 128), ("PCM_S8", 1.0)],
)
def test_clipped_fraction(encoding, ceiling):
    # A sine driven to twice full scale sits on the rails wherever |sin| >= 1/2: 2/3 of the time.
    y = np.clip(2.0 * tone(TONE_HZ, 1.0, sr=16000, amp=1.0), -1.0, ceiling)
    container = "AIFF" if encoding == "PCM_S8" else "WAV"
    sig = load(encode(y, 16000, container, encoding))
    assert sig.clipped_fraction == pytest.approx(2 / 3, abs=0.01)


def test_clipped_fraction_counts_the_channels_in_use():
    y = np.clip(2.0 * tone(TONE_HZ, 1.0, sr=16000, amp=1.0), -1.0, 1.0)
    sig = load(encode(np.stack([y, 0 * y], axis=1), 16000, "WAV", "PCM_16"))
    assert sig.clipped_fraction == pytest.approx(2 / 3, abs=0.01)


def test_truncated_wav_keeps_what_is_readable():
    data = encode(tone(TONE_HZ, 3.0, sr=16000), 16000, "WAV", "PCM_16")
    sig = load(data[: 44 + 2 * 16000 * 2])  # the header still claims 3 s; 2 s remain
    assert sig.duration_s == pytest.approx(2.0, abs=FRAME_S)
    assert sig.cut_short == pytest.approx((2.0, 3.0))  # and says it ended early


@pytest.mark.parametrize(("fmt", "subtype"), [("OGG", "VORBIS"), ("MP3", "MPEG_LAYER_III")])
def test_a_compressed_file_cut_off_says_it_ended_early(fmt, subtype):
    """An OGG or MP3 cut off halfway (a copy interrupted) was judged as if whole, without a
    word; a FLAC cut off is refused as damaged."""
    from conftest import DATA

    speech = load(DATA / "arctic_a0007.wav")
    whole = encode(speech.y, speech.sr, fmt, subtype)
    assert load(whole).cut_short is None
    cut = load(whole[: len(whole) // 2])
    read_s, announced_s = cut.cut_short
    assert read_s == pytest.approx(cut.duration_s, abs=0.05)
    assert read_s < 0.75 * speech.duration_s
    # an Ogg stream has no length in its header: only that it lacks its end
    assert announced_s == (None if fmt == "OGG" else pytest.approx(speech.duration_s, abs=0.1))


def test_a_streamed_wav_of_unknown_length_is_not_cut_short():
    """A WAV written by a program that could not know its length (0xFFFFFFFF in the header)
    is whole."""
    data = bytearray(encode(tone(TONE_HZ, 2.0, sr=16000), 16000, "WAV", "PCM_16"))
    data[4:8] = data[40:44] = (0xFFFFFFFF).to_bytes(4, "little")
    sig = load(bytes(data))
    assert sig.duration_s == pytest.approx(2.0, abs=FRAME_S)
    assert sig.cut_short is None


# ---------------------------------------------------------------------------------------------
# Refusals, at the loader (tests/test_bad_input.py runs the same through analyze_file)

WAV_1S = encode(tone(TONE_HZ, 1.0, sr=16000), 16000, "WAV", "PCM_16")


def mp4_box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def ftyp(brand: bytes) -> bytes:
    return mp4_box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"isommp42") + mp4_box(
        b"mdat", bytes(4000)
    )


EBML_WEBM = bytes.fromhex("1a45dfa3a342868101") + b"\x42\x82\x84webm" + bytes(4000)
EBML_MKA = bytes.fromhex("1a45dfa3a342868101") + b"\x42\x82\x88matroska" + bytes(4000)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        # iPhone Voice Memos, most Android recorders
        ("take.m4a", ftyp(b"M4A "), r"'take\.m4a' is an M4A/AAC file.*cannot read.*WAV, FLAC"),
        # a phone video
        ("clip.mp4", ftyp(b"isom"), r"is an MP4 file.*convert it to WAV"),
        ("clip.mov", ftyp(b"qt  "), r"QuickTime"),
        ("note.3gp", ftyp(b"3gp4"), r"3GP"),
        # Chrome's MediaRecorder
        ("take.webm", EBML_WEBM, r"is a WebM file.*cannot read"),
        ("take.mka", EBML_MKA, r"Matroska"),
        ("take.amr", b"#!AMR\n" + bytes(2000), r"AMR"),
        ("take.aac", b"\xff\xf1\x50\x80" + bytes(2000), r"AAC"),
        ("take.wma", bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c") + bytes(2000), r"WMA"),
        # renamed files that are not audio at all
        ("take.wav", b"this is not audio, just some notes\n" * 20, r"text file, not a recording"),
        ("take.wav", b"<!DOCTYPE html><html><body>404</body></html>", r"web page"),
        ("take.wav", b"%PDF-1.7\n" + bytes(100), r"PDF"),
        ("take.wav", b"\x89PNG\r\n\x1a\n" + bytes(100), r"image"),
        # the first bytes of a WAV and nothing else
        ("take.wav", WAV_1S[:40], r"looks like a WAV file but cannot be decoded"),
        # a header and no samples
        ("take.wav", WAV_1S[:44], r"empty \(0 samples\)"),
        # a truncated WAV with too little left
        ("take.wav", WAV_1S[: 44 + 3200], r"0\.10 s long, shorter than the 0\.5 s"),
        # unrecognisable bytes
        ("take.wav", bytes(range(256)) * 8, r"not an audio file Calm Tone Coach recognises"),
        # a zero-byte file
        ("take.wav", b"", r"empty \(0 bytes\)"),
    ],
)
def test_unreadable_files_are_named(tmp_path, name, content, match):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ProsodyError, match=match):
        load(path)
    # without a name, the message names "the file", or says its problem alone, never twice
    with pytest.raises(ProsodyError, match=match.replace(f"'{re.escape(name)}'", "the file")) as e:
        load(content)
    assert "the file: the recording" not in str(e.value)
    assert "the audio data" not in str(e.value)


def test_messages_list_the_readable_formats(tmp_path):
    path = tmp_path / "take.m4a"
    path.write_bytes(ftyp(b"M4A "))
    with pytest.raises(ProsodyError) as info:
        load(path)
    message = str(info.value)
    for fmt in ("WAV", "FLAC", "OGG", "MP3"):
        assert fmt in message
    assert "ffmpeg -i take.m4a take.wav" in message


def test_missing_path_and_folder(tmp_path):
    with pytest.raises(ProsodyError, match="no file at .*nowhere.wav"):
        load(tmp_path / "nowhere.wav")
    with pytest.raises(ProsodyError, match="is a folder"):
        load(tmp_path)


@pytest.mark.parametrize("source", [42, None, ["take.wav"], io.StringIO("RIFF")])
def test_sources_that_are_not_audio(source):
    with pytest.raises(ProsodyError, match="file path|binary mode"):
        load(source)


def test_sample_rate_below_8_khz():
    with pytest.raises(ProsodyError, match=r"6000 Hz, below the 8000 Hz minimum"):
        load(encode(tone(TONE_HZ, 1.0, sr=6000), 6000, "WAV", "PCM_16"))


def test_nan_samples():
    y = tone(TONE_HZ, 1.0, sr=16000)
    y[100:110] = np.nan
    y[200] = np.inf
    with pytest.raises(ProsodyError, match="11 NaN or infinite samples"):
        load(encode(y, 16000, "WAV", "FLOAT"))


def test_too_long_is_refused_from_the_header_without_decoding(tmp_path):
    # 16 minutes of 8 kHz 8-bit silence: 7.7 MB, refused from its header
    path = tmp_path / "long.wav"
    n = int((MAX_DURATION_S + 60) * 8000)
    with sf.SoundFile(path, "w", samplerate=8000, channels=1, subtype="PCM_U8") as f:
        f.write(np.zeros(n, dtype=np.int16))
    with pytest.raises(ProsodyError, match=r"16\.0 min long, longer than the 15 min limit"):
        load(path)


def test_import_is_light():
    # `import prosody` must not pull in the decoders (STYLE.md habit 7).
    code = "import sys, prosody; print('soundfile' in sys.modules, 'scipy.signal' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_signal_is_frozen_and_readable():
    sig = load(WAV_1S)
    with pytest.raises(AttributeError):
        sig.sr = 8000
    assert "duration_s=1.000" in repr(sig)


# ---------------------------------------------------------------------------------------------
# Fuzzing: whatever the bytes, the loader answers with a Signal or a ProsodyError


def _seeds() -> dict[str, bytes]:
    rng = np.random.default_rng(7)
    y = tone(TONE_HZ, 0.6, sr=16000) + 0.01 * rng.standard_normal(9600)
    stereo = np.stack([y, 0.5 * y], axis=1)
    return {
        "wav16": encode(y, 16000, "WAV", "PCM_16"),
        "wav-float-stereo": encode(stereo, 16000, "WAV", "FLOAT"),
        "flac": encode(stereo, 16000, "FLAC", "PCM_16"),
        "vorbis": encode(y, 16000, "OGG", "VORBIS"),
        "opus": encode(y, 16000, "OGG", "OPUS"),
        "mp3": encode(y, 16000, "MP3", "MPEG_LAYER_III"),
    }


SEEDS = _seeds()


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    # Most damage is near the start (headers) or is a cut: bias positions towards the header.
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]))
        limit = len(data) if draw(st.booleans()) else min(len(data), 96)
        if limit == 0:
            break
        pos = draw(st.integers(0, limit - 1))
        if op == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            data[pos] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, 0x01]))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 16))]
        else:
            del data[pos:]
    return bytes(data)


def _signal_or_prosody_error(data: bytes) -> None:
    try:
        sig = load(data)
    except ProsodyError as exc:
        message = str(exc)
    else:
        assert sig.sr == SR
        assert sig.y.dtype == np.float64
        assert sig.y.ndim == 1
        assert np.all(np.isfinite(sig.y))
        assert 0.0 <= sig.clipped_fraction <= 1.0
        return
    assert message  # a sentence, never an empty message


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=4096))
def test_fuzz_random_bytes(data):
    _signal_or_prosody_error(data)


@FUZZ
@given(mutated())
def test_fuzz_mutated_files(data):
    _signal_or_prosody_error(data)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_fuzz_seeds_load(name):
    sig = load(SEEDS[name])
    assert sig.duration_s == pytest.approx(0.6, abs=FRAME_S)
