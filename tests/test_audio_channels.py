"""Mixing channels by what they carry: a voice on one input and noise on the other.

A USB interface or a stereo recorder with the mic on one input and the other input open (hiss,
hum, a fan picked up by a second mic) is common; averaging the two weighs the noise equally
with the voice, and the coach then finds no voice or too much noise. Real speech
(tests/data/arctic_a0007.wav, CMU ARCTIC) against generated noise, written with soundfile;
every file is decoded by the loader itself.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import soundfile as sf
from conftest import DATA, SR, pink_noise, rumble_noise

from prosody import ProsodyWarning, analyze_file, load
from prosody import audio as audio_module
from prosody.audio import SAME_SOUND_CORRELATION, SPEECH_TIE_DB, _ChannelStats
from prosody.coach import coach
from prosody.dsp import resample

ARCTIC = DATA / "arctic_a0007.wav"  # 4 s, one read sentence, adult male, 16 kHz
OTHER_VOICE = DATA.parent.parent / "samples" / "audio" / "seed-model.flac"  # another speaker


def speech(sr: int = SR) -> np.ndarray:
    y, file_sr = sf.read(ARCTIC)
    assert file_sr == SR
    return resample(y, SR, sr) if sr != SR else y


def rms(y: np.ndarray) -> float:
    return float(np.sqrt(np.mean(y**2)))


def noise(kind: str, n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Steady noise of RMS 1: what an open or badly shielded input records."""
    if kind == "white":  # a preamp's hiss at high gain
        return rng.standard_normal(n)
    if kind == "pink":
        return pink_noise(n, rng)
    if kind == "rumble":  # a fan, traffic, a fridge
        return rumble_noise(n, rng, sr=sr)
    if kind == "hum":  # mains hum on an unbalanced cable: 50 Hz and its odd harmonics
        t = np.arange(n) / sr
        y = sum(a * np.sin(2 * np.pi * 50.0 * h * t) for h, a in ((1, 1.0), (3, 0.5), (5, 0.3)))
        y = y + 0.01 * rng.standard_normal(n)
        return y / rms(y)
    raise ValueError(kind)


def write(path, columns, sr: int) -> None:
    sf.write(path, np.column_stack(columns), sr, subtype="PCM_24")


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    n = min(a.size, b.size)
    return float(np.corrcoef(a[:n], b[:n])[0, 1])


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261127)


# ---------------------------------------------------------------------------------------------
# A voice on one input, noise on the other


@pytest.mark.parametrize("kind", ["white", "pink", "rumble", "hum"])
@pytest.mark.parametrize("voice_side", [0, 1], ids=["voice-left", "voice-right"])
def test_voice_on_one_input_and_noise_on_the_other_loads_the_voice(tmp_path, rng, kind,
                                                                   voice_side):
    y = speech()
    hiss = noise(kind, y.size, SR, rng) * rms(y)  # as loud as the speech
    columns = [hiss, hiss]
    columns[voice_side] = y
    write(tmp_path / "take.wav", columns, SR)
    sig = load(tmp_path / "take.wav")
    assert sig.channels == 2
    assert correlation(sig.y, y) > 0.999
    assert 20 * np.log10(rms(sig.y) / rms(y)) == pytest.approx(0.0, abs=0.1)


def test_the_coach_hears_the_voice_beside_a_noisy_input(tmp_path, rng):
    # The example that failed: every measure but voice warmth was refused as "too noisy"
    # (the voice 6 dB above a background that was the other input's pink noise).
    y = speech()
    sf.write(tmp_path / "mono.wav", y, SR, subtype="PCM_16")
    sf.write(tmp_path / "stereo.wav", np.column_stack([y, pink_noise(y.size, rng) * rms(y)]),
             SR, subtype="PCM_16")
    with warnings.catch_warnings(record=True) as caught:  # the sentence has no pause
        warnings.simplefilter("always", ProsodyWarning)
        alone = coach(analyze_file(tmp_path / "mono.wav"), profile="soothing")
        warned_alone = [str(w.message) for w in caught]
        del caught[:]
        beside = coach(analyze_file(tmp_path / "stereo.wav"), profile="soothing")
        warned_beside = [str(w.message) for w in caught]
    assert warned_beside == warned_alone
    assert beside.quality is None
    assert beside.not_judged == alone.not_judged
    assert beside.score == alone.score
    assert [f.name for f in beside.features] == [f.name for f in alone.features]


def test_a_loud_clipped_noise_input_is_left_out_of_the_level_and_the_clipping(tmp_path, rng):
    # The open input 10 dB louder than the voice and hard against full scale: still live
    # (within SILENT_CHANNEL_DB), but it is not the voice, and its clipping is not the voice's.
    y = speech()
    buzz = np.clip(noise("white", y.size, SR, rng) * rms(y) * 10 ** (10 / 20) * 3, -1.0, 1.0)
    write(tmp_path / "take.wav", [buzz, y], SR)
    sig = load(tmp_path / "take.wav")
    assert correlation(sig.y, y) > 0.999
    assert sig.clipped_fraction == 0.0


def test_gated_noise_is_not_taken_for_a_voice(tmp_path, rng):
    # An interface's noise gate (or an edit) leaves the open input at digital silence except
    # for a second of hiss: the gap to silence is not the loud-to-quiet swing of a voice.
    y = speech()
    gated = noise("pink", y.size, SR, rng) * rms(y) * 2
    gated[SR:] = 0.0
    write(tmp_path / "take.wav", [gated, y], SR)
    assert correlation(load(tmp_path / "take.wav").y, y) > 0.999


def test_four_inputs_voice_among_hiss_hum_and_silence(tmp_path, rng):
    y = speech()
    columns = [noise("white", y.size, SR, rng) * rms(y), 0.0 * y, y,
               noise("hum", y.size, SR, rng) * rms(y)]
    write(tmp_path / "take.wav", columns, SR)
    sig = load(tmp_path / "take.wav")
    assert sig.channels == 4
    assert correlation(sig.y, y) > 0.999


# ---------------------------------------------------------------------------------------------
# What is still averaged


def test_one_voice_on_two_mics_with_their_own_noise_is_averaged(tmp_path, rng):
    # A stereo mic: the same speech in both channels, each with its own hiss 20 dB down.
    y = speech()
    left = y + 0.1 * rms(y) * rng.standard_normal(y.size)
    right = 0.8 * y + 0.1 * rms(y) * rng.standard_normal(y.size)
    write(tmp_path / "take.wav", [left, right], SR)
    sig = load(tmp_path / "take.wav")
    assert correlation(sig.y, (left + right) / 2) > 0.9999
    assert 20 * np.log10(rms(sig.y) / rms((left + right) / 2)) == pytest.approx(0.0, abs=0.05)


def test_two_voices_on_two_inputs_are_averaged(tmp_path):
    # An interview, one mic each: the two carry different sounds, but both sound like speech
    # (their spreads lie within SPEECH_TIE_DB), so neither is dropped.
    y = speech()
    other, sr = sf.read(OTHER_VOICE)
    assert sr == SR
    other = np.resize(other, y.size) * rms(y) / rms(other)
    write(tmp_path / "take.wav", [y, other], SR)
    stats = _ChannelStats(2, SR, 1.0)
    stats.add(np.column_stack([y, other]).astype(np.float32))
    assert abs(stats.correlation()[0, 1]) < SAME_SOUND_CORRELATION
    assert abs(np.subtract(*stats.spread_db())) < SPEECH_TIE_DB
    sig = load(tmp_path / "take.wav")
    assert correlation(sig.y, (y + other) / 2) > 0.9999


def test_two_steady_noises_are_averaged(tmp_path, rng):
    # Nothing sounds like speech: nothing better to choose than the plain average.
    n = 3 * SR
    a, b = noise("white", n, SR, rng) * 0.1, noise("pink", n, SR, rng) * 0.1
    write(tmp_path / "take.wav", [a, b], SR)
    assert correlation(load(tmp_path / "take.wav").y, (a + b) / 2) > 0.9999


def test_reverse_polarity_pair_beside_a_noise_input(tmp_path, rng):
    # The voice on two inputs, one wired in reverse, and hiss on a third: the pair is the
    # voice; its average cancels, so its louder side is used, not the hiss.
    y = speech()
    write(tmp_path / "take.wav", [y, -0.9 * y, noise("white", y.size, SR, rng) * rms(y)], SR)
    sig = load(tmp_path / "take.wav")
    assert correlation(sig.y, y) > 0.999
    assert 20 * np.log10(rms(sig.y) / rms(y)) == pytest.approx(0.0, abs=0.1)


# ---------------------------------------------------------------------------------------------
# The same rule on both decoding paths, whatever the blocks


LAYOUTS = ["voice+pink", "hum+voice", "voice+voice/2", "voice+-voice", "voice+silence"]


def _layout(name: str, y: np.ndarray, sr: int, rng) -> list[np.ndarray]:
    return {
        "voice+pink": lambda: [y, noise("pink", y.size, sr, rng) * rms(y)],
        "hum+voice": lambda: [noise("hum", y.size, sr, rng) * rms(y), y],
        "voice+voice/2": lambda: [y, 0.5 * y],
        "voice+-voice": lambda: [y, -0.9 * y],
        "voice+silence": lambda: [y, 0.0 * y],
    }[name]()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_streamed_decoding_mixes_as_the_whole_file_decoding_does(tmp_path, rng, monkeypatch,
                                                                   layout):
    # A file longer than _MAX_WHOLE_FRAMES at a rate other than 16 kHz is decoded in two passes
    # and resampled as it is read (_decode_streamed). Lowering the limit sends this 4 s file
    # down that path, with blocks that end in the middle of the spread's frames.
    sr = 48_000
    y = speech(sr)
    columns = _layout(layout, y, sr, rng)
    write(tmp_path / "take.wav", columns, sr)
    whole = load(tmp_path / "take.wav")
    monkeypatch.setattr(audio_module, "_MAX_WHOLE_FRAMES", 1000)
    monkeypatch.setattr(audio_module, "_BLOCK_SAMPLES", 2 * 7919)
    streamed = load(tmp_path / "take.wav")
    assert streamed.y.size == whole.y.size
    assert streamed.clipped_fraction == whole.clipped_fraction
    edge = SR // 10  # the resamplers' edges
    assert correlation(streamed.y[edge:-edge], whole.y[edge:-edge]) > 0.99999
    assert rms(streamed.y) == pytest.approx(rms(whole.y), rel=1e-3)
    # and the mix is the voice wherever the voice is there to keep
    if layout in ("voice+pink", "hum+voice", "voice+-voice", "voice+silence"):
        assert correlation(whole.y, speech()) > 0.999


@pytest.mark.parametrize("block", [1, 7, 1199, 1200, 1201, 30_011])
def test_channel_statistics_do_not_depend_on_the_blocks(rng, block):
    sr = 48_000
    y = speech(sr)
    x = np.column_stack([y, noise("pink", y.size, sr, rng) * rms(y), 0.5 * y]).astype(np.float32)
    at_once = _ChannelStats(3, sr, 1.0)
    at_once.add(x)
    if block == 1:
        x = x[: sr // 4]  # a quarter second, one sample at a time
        at_once = _ChannelStats(3, sr, 1.0)
        at_once.add(x)
    piecewise = _ChannelStats(3, sr, 1.0)
    for i in range(0, x.shape[0], block):
        piecewise.add(x[i : i + block])
    assert piecewise.n == at_once.n
    np.testing.assert_allclose(piecewise.gram, at_once.gram, rtol=1e-9)
    np.testing.assert_allclose(piecewise.correlation(), at_once.correlation(), atol=1e-9)
    np.testing.assert_allclose(piecewise.spread_db(), at_once.spread_db(), atol=1e-3)
    np.testing.assert_array_equal(piecewise.weights(), at_once.weights())


def test_spread_is_large_for_speech_and_small_for_steady_noise(rng):
    # The measure the choice rests on, against its documented values.
    y = speech()
    columns = [y] + [noise(k, y.size, SR, rng) * rms(y) for k in ("white", "pink", "rumble",
                                                                   "hum")]
    stats = _ChannelStats(len(columns), SR, 1.0)
    stats.add(np.column_stack(columns).astype(np.float32))
    spread = stats.spread_db()
    assert spread[0] > 25.0
    assert np.all(spread[1:] < 6.0)
    assert np.all(np.abs(stats.correlation()[0, 1:]) < 0.1)
