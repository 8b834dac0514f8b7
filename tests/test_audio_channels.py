"""Mixing channels by what they carry: a voice on one input and noise on the other.

A USB interface or a stereo recorder with the mic on one input and the other input open (hiss,
hum, a fan picked up by a second mic) is common; averaging the two weighs the noise equally
with the voice, and the coach then finds no voice or too much noise. Averaging is just as wrong
for two mics a few centimetres apart (the delay makes the average a comb filter), for a second
talker on the other mic, and for a clipped channel beside its clean safety track. Real speech
(tests/data/arctic_a0007.wav, CMU ARCTIC; tests/data/cremad) against generated noise, delays
and clipping, written with soundfile; every file is decoded by the loader itself.
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
CREMAD = DATA / "cremad" / "1006_IEO_ANG_HI.flac"  # acted speech, another speaker, 16 kHz


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


def other_talker(n: int) -> np.ndarray:
    """A second speaker (CREMA-D), repeated to ``n`` samples at 16 kHz, RMS 1."""
    y, sr = sf.read(CREMAD)
    assert sr == SR
    y = np.resize(y, n)
    return y / rms(y)


def delayed(y: np.ndarray, samples: int) -> np.ndarray:
    return np.concatenate([np.zeros(samples), y[: y.size - samples]])


def db(ratio: float) -> float:
    return float(20 * np.log10(ratio))


def coached(path):
    """The coach's feedback on a file, its warnings (a sentence without pauses) kept quiet."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        analysis = analyze_file(path)
        return analysis, coach(analysis, profile="soothing")


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
    # named as another sound, not as a clipped copy of the voice
    assert sig.left_out == ((0, "different"),)


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


def test_two_voices_as_loud_as_each_other_give_one_voice(tmp_path):
    # An interview, one mic each, both as loud: both sound like speech and neither mic is
    # clearly the speaker's own. Their average would be two people's pitch and rhythm taken
    # for one voice; one of them is used, unchanged.
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
    assert max(correlation(sig.y, y), correlation(sig.y, other)) > 0.9999


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
# Spaced mics: the same voice, a little later on one side (audit 4, finding 10)


@pytest.mark.parametrize("delay_ms", [0.3, 0.5, 2.0, 10.0])
def test_spaced_mics_are_not_averaged_into_a_comb_filter(tmp_path, delay_ms):
    # Two mics a few centimetres to a few metres apart (a laptop's pair, a stereo recorder's
    # spaced capsules): at zero lag the copies barely correlate, and their average notches
    # the voice's spectrum at multiples of 1 / delay. One channel is used, whole.
    sr = 48_000
    y = speech(sr)
    late = delayed(y, int(round(delay_ms * sr / 1000)))
    write(tmp_path / "take.wav", [y, late], sr)
    sig = load(tmp_path / "take.wav")
    clean = [resample(side, sr, SR) for side in (y, late)]
    assert max(correlation(sig.y, side) for side in clean) > 0.9999
    assert db(rms(sig.y) / rms(clean[0])) == pytest.approx(0.0, abs=0.1)


def test_spaced_mics_keep_the_voice_warmth_and_the_melody(tmp_path):
    # What the average did to the coach: at 0.3 ms the voice warmth (alpha ratio) fell by
    # 5.6 dB, at 2 ms the melody range read 23.6 semitones instead of 2.9 (a speech corpus
    # voice in the audit's files).
    sr = 48_000
    y = speech(sr)
    sf.write(tmp_path / "alone.wav", y, sr, subtype="PCM_24")
    alone, alone_fb = coached(tmp_path / "alone.wav")
    for delay_ms in (0.3, 2.0):
        name = f"spaced_{delay_ms}.wav"
        write(tmp_path / name, [y, delayed(y, int(round(delay_ms * sr / 1000)))], sr)
        pair, pair_fb = coached(tmp_path / name)
        assert pair.summary.alpha_ratio_db == pytest.approx(alone.summary.alpha_ratio_db,
                                                            abs=0.3)
        assert pair.summary.f0_range_st == pytest.approx(alone.summary.f0_range_st, abs=0.5)
        assert pair_fb.score == pytest.approx(alone_fb.score, abs=2)


def test_a_duplicated_mono_and_a_coincident_pair_are_still_averaged(tmp_path, rng):
    # Nearly the same signal: a delay of one sample at 48 kHz (0.02 ms, a coincident pair)
    # and each capsule's own hiss 20 dB down; their average loses nothing and halves the hiss.
    sr = 48_000
    y = speech(sr)
    left = y + 0.1 * rms(y) * rng.standard_normal(y.size)
    right = 0.9 * delayed(y, 1) + 0.1 * rms(y) * rng.standard_normal(y.size)
    write(tmp_path / "take.wav", [left, right], sr)
    sig = load(tmp_path / "take.wav")
    assert correlation(sig.y, resample((left + right) / 2, sr, SR)) > 0.9999
    stats = _ChannelStats(2, sr, 1.0)
    stats.add(np.column_stack([left, right]).astype(np.float32))
    assert stats.correlation()[0, 1] > audio_module.SAME_SIGNAL_CORRELATION


# ---------------------------------------------------------------------------------------------
# A second talker on the other mic (audit 4, findings 11 and 12)


@pytest.mark.parametrize("other_db", [-7.0, -10.0, -15.0])
def test_a_quieter_second_talker_is_left_out(tmp_path, other_db):
    # The speaker's own mic holds their voice louder than anyone else's: the other talker,
    # 7 to 15 dB down on the second mic, was averaged in (the coach heard two people as one,
    # scoring 37 against 68 for the voice alone at -10 dB).
    y = speech()
    other = other_talker(y.size) * rms(y) * 10 ** (other_db / 20)
    write(tmp_path / "take.wav", [other, y], SR)
    sig = load(tmp_path / "take.wav")
    assert correlation(sig.y, y) > 0.9999
    assert db(rms(sig.y) / rms(y)) == pytest.approx(0.0, abs=0.1)


def test_a_noisy_own_voice_beats_a_cleaner_quieter_talker(tmp_path, rng):
    # The speaker's mic in a noisy room (pink noise 5 dB below the voice) against a second,
    # cleaner talker 15 dB quieter: the clean one sounded more like speech and was analysed
    # alone (189 Hz for a 132 Hz voice in the audit's file). Both sound like speech; the
    # louder by far is the speaker's own.
    y = speech()
    own = y + pink_noise(y.size, rng) * rms(y) * 10 ** (-5 / 20)
    other = other_talker(y.size) * rms(y) * 10 ** (-15 / 20)
    write(tmp_path / "take.wav", [own, other], SR)
    sig = load(tmp_path / "take.wav")
    assert correlation(sig.y, own) > 0.9999
    assert db(rms(sig.y) / rms(own)) == pytest.approx(0.0, abs=0.1)
    # the case as stated: the other talker is by far the more speech-like
    stats = _ChannelStats(2, SR, 1.0)
    stats.add(np.column_stack([own, other]).astype(np.float32))
    own_spread, other_spread = stats.spread_db()
    assert own_spread >= audio_module.SPEECH_SPREAD_DB
    assert other_spread > own_spread + SPEECH_TIE_DB


def test_music_as_loud_as_the_voice_is_not_taken_for_it(tmp_path, rng):
    # Within OWN_MIC_DB of each other the level says little: the channel more like speech is
    # the voice (plucked notes decaying on a beat here, 1 dB louder than the voice).
    y = speech()
    t = np.arange(y.size) / SR
    music = np.zeros(y.size)
    for j, start in enumerate(np.arange(0.0, t[-1], 0.25)):
        i = int(start * SR)
        f = (220.0, 277.0, 330.0, 440.0, 196.0)[j % 5]
        tt = t[: y.size - i]
        music[i:] += np.exp(-tt / 0.08) * sum(0.5**k * np.sin(2 * np.pi * f * (k + 1) * tt)
                                               for k in range(6))
    music *= rms(y) / rms(music) * 10 ** (1 / 20)
    write(tmp_path / "take.wav", [music, y], SR)
    assert correlation(load(tmp_path / "take.wav").y, y) > 0.9999


# ---------------------------------------------------------------------------------------------
# A clipped channel beside its safety track (audit 4, finding 13)


@pytest.mark.parametrize("below_db", [18.0, 24.0, 36.0])
def test_a_clipped_channel_gives_way_to_its_clean_safety_track(tmp_path, below_db):
    # A dual-gain recorder: the main track driven 4x (12 dB) over full scale, the same mic
    # recorded again 18 to 36 dB lower. The clean track was averaged with the clipped one or,
    # below SILENT_CHANNEL_DB, dropped as silent, and the take refused as distorted.
    y = speech()
    y = y / np.max(np.abs(y))
    main = np.clip(4.0 * y, -1.0, 1.0)
    safety = 4.0 * y * 10 ** (-below_db / 20)
    write(tmp_path / "take.wav", [main, safety], SR)
    sig = load(tmp_path / "take.wav")
    assert correlation(sig.y, safety) > 0.9999
    assert db(rms(sig.y) / rms(safety)) == pytest.approx(0.0, abs=0.1)
    assert sig.clipped_fraction == 0.0


def test_the_coach_scores_the_safety_track_instead_of_refusing_the_take(tmp_path):
    y = speech()
    y = y / np.max(np.abs(y))
    safety = 8.0 * y * 10 ** (-24 / 20)
    write(tmp_path / "take.wav", [safety, np.clip(8.0 * y, -1.0, 1.0)], SR)
    sf.write(tmp_path / "alone.wav", safety, SR, subtype="PCM_24")
    _, pair = coached(tmp_path / "take.wav")
    _, alone = coached(tmp_path / "alone.wav")
    assert pair.quality is None
    assert pair.score == alone.score


def test_a_clipped_voice_beside_another_talker_stays_clipped(tmp_path):
    # An unclipped channel stands in only for the sound it carries: another voice is not a
    # safety track, and the clipping is still reported.
    y = speech()
    y = y / np.max(np.abs(y))
    main = np.clip(4.0 * y, -1.0, 1.0)
    other = other_talker(y.size) * rms(main) * 10 ** (-12 / 20)
    write(tmp_path / "take.wav", [main, other], SR)
    sig = load(tmp_path / "take.wav")
    assert correlation(sig.y, main) > 0.9999
    assert sig.clipped_fraction == pytest.approx(np.mean(np.abs(main) >= 1.0), rel=0.05)


# ---------------------------------------------------------------------------------------------
# Floating-point files beyond full scale (audit 4, finding 14)


@pytest.mark.parametrize("subtype", ["FLOAT", "DOUBLE"])
@pytest.mark.parametrize("channels", [1, 2])
def test_an_unnormalised_float_file_is_scaled_not_called_clipped(tmp_path, subtype, channels):
    # A float file holds samples beyond 1.0 without clipping them (an editor's export before
    # normalising): 4x over full scale, it was refused as "hit the top of the recording range".
    y = speech()
    loud = 4.0 * y / np.max(np.abs(y))
    sf.write(tmp_path / "take.wav", np.column_stack([loud] * channels), SR, subtype=subtype)
    sig = load(tmp_path / "take.wav")
    assert sig.clipped_fraction < 1e-4  # the peak's own sample or two
    assert np.max(np.abs(sig.y)) == pytest.approx(1.0, abs=1e-6)
    assert correlation(sig.y, y) > 0.9999
    _, feedback = coached(tmp_path / "take.wav")
    assert feedback.quality is None


def test_a_clipped_float_file_is_still_found_clipped(tmp_path):
    # Clipped before it was saved as float (flat runs at 2.0): the runs at the peak count.
    y = speech()
    clipped = np.clip(8.0 * y / np.max(np.abs(y)), -2.0, 2.0)
    sf.write(tmp_path / "take.wav", clipped, SR, subtype="FLOAT")
    sig = load(tmp_path / "take.wav")
    assert sig.clipped_fraction == pytest.approx(np.mean(np.abs(clipped) == 2.0), rel=1e-3)
    assert sig.clipped_fraction > 0.05
    assert np.max(np.abs(sig.y)) == pytest.approx(1.0, abs=1e-6)


def test_float_files_within_full_scale_are_read_as_recorded(tmp_path):
    y = 0.5 * speech() / np.max(np.abs(speech()))
    sf.write(tmp_path / "take.wav", y, SR, subtype="FLOAT")
    sig = load(tmp_path / "take.wav")
    np.testing.assert_allclose(sig.y, y, atol=1e-7)
    assert sig.clipped_fraction == 0.0


# ---------------------------------------------------------------------------------------------
# The same rule on both decoding paths, whatever the blocks


LAYOUTS = ["voice+pink", "hum+voice", "voice+voice/2", "voice+-voice", "voice+silence",
           "voice+spaced", "quiet-talker+voice", "noisy-voice+clean-talker",
           "clipped+safety"]


def _layout(name: str, y: np.ndarray, sr: int, rng) -> tuple[list[np.ndarray], int | None]:
    """The channels of a layout, and which of them the mix should be (None: their average)."""
    def talker(gain_db: float) -> np.ndarray:
        return resample(other_talker(speech().size), SR, sr) * rms(y) * 10 ** (gain_db / 20)

    peak = np.max(np.abs(y))
    return {
        "voice+pink": lambda: ([y, noise("pink", y.size, sr, rng) * rms(y)], 0),
        "hum+voice": lambda: ([noise("hum", y.size, sr, rng) * rms(y), y], 1),
        "voice+voice/2": lambda: ([y, 0.5 * y], None),
        "voice+-voice": lambda: ([y, -0.9 * y], 0),
        "voice+silence": lambda: ([y, 0.0 * y], 0),
        "voice+spaced": lambda: ([y, delayed(y, sr // 1000)], 0),
        "quiet-talker+voice": lambda: ([talker(-10.0), y], 1),
        "noisy-voice+clean-talker": lambda: (
            [y + noise("pink", y.size, sr, rng) * rms(y) * 10 ** (-5 / 20), talker(-15.0)], 0),
        "clipped+safety": lambda: ([np.clip(8.0 * y / peak, -1.0, 1.0), 0.25 * y / peak], 1),
    }[name]()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_streamed_decoding_mixes_as_the_whole_file_decoding_does(tmp_path, rng, monkeypatch,
                                                                   layout):
    # A file longer than _MAX_WHOLE_FRAMES at a rate other than 16 kHz is decoded in two passes
    # and resampled as it is read (_decode_streamed). Lowering the limit sends this 4 s file
    # down that path, with blocks that end in the middle of the spread's frames.
    sr = 48_000
    y = speech(sr)
    columns, voice = _layout(layout, y, sr, rng)
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
    # and the mix is the one channel that carries the voice, wherever there is one to keep
    expected = np.mean(columns, axis=0) if voice is None else columns[voice]
    assert correlation(whole.y, resample(expected, sr, SR)) > 0.9999
    assert whole.clipped_fraction == 0.0


@pytest.mark.parametrize("channels", [1, 2])
def test_streamed_decoding_scales_a_float_file_as_the_whole_file_decoding_does(
        tmp_path, monkeypatch, channels):
    sr = 48_000
    y = speech(sr)
    loud = 4.0 * y / np.max(np.abs(y))
    sf.write(tmp_path / "take.wav", np.column_stack([loud] * channels), sr, subtype="FLOAT")
    whole = load(tmp_path / "take.wav")
    monkeypatch.setattr(audio_module, "_MAX_WHOLE_FRAMES", 1000)
    monkeypatch.setattr(audio_module, "_BLOCK_SAMPLES", 2 * 7919)
    streamed = load(tmp_path / "take.wav")
    assert streamed.clipped_fraction == whole.clipped_fraction < 1e-4
    assert rms(streamed.y) == pytest.approx(rms(whole.y), rel=1e-3)
    assert rms(whole.y) == pytest.approx(rms(y) / np.max(np.abs(y)), rel=1e-3)


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


@pytest.mark.parametrize("block", [1, 7, 1201, 30_011])
def test_float_peak_counts_do_not_depend_on_the_blocks(block):
    # The flat runs of a clipped float file are counted at the peak, found as blocks come in.
    sr = 48_000
    y = speech(sr)
    x = np.column_stack([np.clip(6.0 * y / np.max(np.abs(y)), -1.5, 1.5),
                         3.0 * y / np.max(np.abs(y))]).astype(np.float32)
    if block == 1:
        x = x[sr : sr + sr // 4]
    at_once = _ChannelStats(2, sr, 1.0 - 1e-4, headroom=True)
    at_once.add(x)
    piecewise = _ChannelStats(2, sr, 1.0 - 1e-4, headroom=True)
    for i in range(0, x.shape[0], block):
        piecewise.add(x[i : i + block])
    np.testing.assert_array_equal(piecewise.peak, at_once.peak)
    np.testing.assert_array_equal(piecewise.clipped_counts(), at_once.clipped_counts())
    near_peak = np.abs(x[:, 0]) >= 1.5 * (1 - audio_module.CLIP_MARGIN)
    assert at_once.clipped_counts()[0] == np.count_nonzero(near_peak)
    assert at_once.clipped_counts()[1] <= 2


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


# ---------------------------------------------------------------------------------------------
# Saying so: a channel left out is named, with why


def test_a_second_talker_left_out_is_said(tmp_path):
    """The take is judged on one channel; the person is told which, and why the other was
    left out (it may have been their own voice on the other input)."""
    y = speech()
    write(tmp_path / "take.wav", [other_talker(y.size) * rms(y) * 10 ** (-10 / 20), y], SR)
    sig = load(tmp_path / "take.wav")
    assert sig.left_out == ((0, "different"),)
    _, fb = coached(tmp_path / "take.wav")
    (note,) = fb.notes
    assert note.startswith("The left channel was left out")
    assert "only the right channel was judged" in note


def test_a_clipped_channel_given_way_is_said(tmp_path):
    y = speech()
    y = y / np.max(np.abs(y))
    write(tmp_path / "take.wav", [np.clip(4.0 * y, -1.0, 1.0), 4.0 * y * 10 ** (-24 / 20)], SR)
    assert load(tmp_path / "take.wav").left_out == ((0, "clipped"),)
    _, fb = coached(tmp_path / "take.wav")
    assert any("The left channel was distorted (clipped)" in n for n in fb.notes)


def test_nothing_is_said_of_a_silent_input_a_copy_or_an_average(tmp_path, rng):
    y = speech()
    silent = 1e-5 * rms(y) * rng.standard_normal(y.size)  # an open input, 100 dB down
    write(tmp_path / "silent.wav", [y, silent], SR)
    write(tmp_path / "copy.wav", [y, -y], SR)  # one side wired in reverse polarity
    write(tmp_path / "pair.wav", [y, 0.9 * y], SR)
    for name in ("silent.wav", "copy.wav", "pair.wav"):
        assert load(tmp_path / name).left_out == (), name
        assert coached(tmp_path / name)[1].notes == (), name
    sf.write(tmp_path / "mono.wav", y, SR)
    assert load(tmp_path / "mono.wav").left_out == ()
