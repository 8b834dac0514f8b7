"""prosody.live_browser: what the browser's live view is told, and the audio it streams back."""

from __future__ import annotations

import base64
import io
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import SR, harmonic_complex, syllable_train

from prosody import ProsodyError, ProsodyWarning, analyze
from prosody.audio import load
from prosody.live import DEFAULT_RANGE_HZ, live_zones
from prosody.live_browser import CHUNK_S, CUE_EVERY_S, LiveStream, browser_setup, cue_phrase
from prosody.profile import load_profile
from prosody.record import to_pcm16

ARCTIC = Path(__file__).parent / "data" / "arctic_a0007.wav"


def _b64(y: np.ndarray) -> str:
    return base64.b64encode(to_pcm16(y).astype("<i2").tobytes()).decode()


def _chunks(y: np.ndarray, sr: int = SR) -> list[str]:
    n = int(CHUNK_S * sr)
    return [_b64(y[a: a + n]) for a in range(0, y.size, n)]


@pytest.fixture(scope="module")
def baseline():
    y = harmonic_complex(np.full(3 * SR, 200.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        return analyze(y, sr=SR)


def test_without_a_baseline_the_band_waits_for_the_voice():
    setup = browser_setup()
    # the general band sits around the pitch expected of the voice, unknown before it speaks
    assert setup["band_hz"] is None
    assert setup["band_source"] == "general"
    assert setup["ref_hz"] is None
    assert setup["range_hz"] == list(DEFAULT_RANGE_HZ)


def test_the_general_band_is_placed_around_the_voice_once_heard():
    y = load(ARCTIC).y  # a man reading a sentence, 4 s
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        summary = analyze(y, sr=SR).summary
    stream = LiveStream(SR)
    assert stream.status().band_hz is None
    stream.add(0, _chunks(y))
    low, high = stream.status().band_hz
    expected = summary.f0_expected_hz
    target = load_profile().feature("pitch_level").absolute
    # the profile's zone in semitones around the expected pitch, as the coach judges it
    assert 12 * np.log2(high / expected) == pytest.approx(target.high, abs=1.0)
    assert 12 * np.log2(low / expected) == pytest.approx(target.low, abs=1.0)
    assert low < summary.f0_median_hz < high


def test_band_from_the_baseline_follows_the_profile_target_in_semitones(baseline):
    setup = browser_setup(baseline=baseline)
    _, zone = live_zones(baseline=True)["pitch"]
    ref = baseline.summary.f0_median_hz
    assert setup["ref_hz"] == pytest.approx(ref)
    assert setup["band_source"] == "baseline"
    low, high = setup["band_hz"]
    assert 12 * np.log2(low / ref) == pytest.approx(zone.low)
    assert 12 * np.log2(high / ref) == pytest.approx(zone.high)
    # the pitch search fits the speaker, as the coach's does, and stays below sr / 4
    assert setup["range_hz"][0] < ref < setup["range_hz"][1] <= setup["sr"] / 4


def test_stream_takes_chunks_in_order_and_ignores_resent_ones():
    y = syllable_train(4.0, 12)
    chunks = _chunks(y)
    stream = LiveStream(SR)
    assert stream.add(0, chunks[:3]) == 3
    # the browser had no answer yet and resends from 0 with the new ones: nothing twice
    assert stream.add(0, chunks[:5]) == 5
    assert stream.add(5, chunks[5:]) == len(chunks)
    assert stream.audio().size == y.size
    np.testing.assert_array_equal(stream.audio(), to_pcm16(y) / 32768.0)
    status = stream.status().to_dict()
    assert status["received"] == len(chunks)
    assert status["pace"] is not None
    assert status["pace"]["unit"] == "syl/s"
    assert status["cue_text"] == cue_phrase(status["cue"])


def test_stream_gives_the_whole_take_as_wav():
    y = syllable_train(4.0, 8)
    stream = LiveStream(SR)
    chunks = _chunks(y)
    stream.add(0, chunks[:-2])
    stream.add(len(chunks) - 2, chunks[-2:], live=False)  # after Stop: no live readings
    back, sr = sf.read(io.BytesIO(stream.wav_bytes()), dtype="int16")
    assert sr == SR
    np.testing.assert_array_equal(back, to_pcm16(y))


def test_stream_readings_are_the_terminal_live_views(baseline):
    """Pushed in 100 ms blocks, the stream's last update is what LiveView gives the same audio."""
    from prosody.live import LiveBaseline, LiveView

    y = syllable_train(5.0, 15, f0_hz=230.0)
    stream = LiveStream(SR, baseline=baseline)
    stream.add(0, _chunks(y))
    view = LiveView(SR, baseline=LiveBaseline.from_analysis(baseline))
    n = y.size // 1600 * 1600
    for a in range(0, n, 1600):
        last = view.push(to_pcm16(y[a: a + 1600]) / 32768.0)
    assert stream.update.cue == last.cue
    assert stream.cue in ("", last.cue)  # the same, or none while a new one is not due
    assert stream.update.pitch.value == pytest.approx(last.pitch.value)
    assert stream.update.pitch.verdict == "high"  # 230 Hz against an everyday 200 Hz


def test_a_new_cue_comes_at_most_every_few_seconds():
    # the voice changes pace and pitch every 2 s: the live view's cue follows (after it settles)
    # but a person is shown a new one at most every CUE_EVERY_S
    y = np.concatenate([syllable_train(rate, 8, f0_hz=f0, lead_s=0.0)
                        for rate, f0 in [(7.0, 260.0), (3.0, 120.0)] * 5])
    stream = LiveStream(SR)
    shown = []
    for i, chunk in enumerate(_chunks(y)):
        stream.add(i, [chunk])
        if not shown or stream.cue != shown[-1][1]:
            shown.append((stream.update.time_s, stream.cue))
    new = [t for t, cue in shown if cue]
    assert len(new) >= 2
    assert min(np.diff(new)) >= CUE_EVERY_S - 1e-9


@pytest.mark.parametrize(("first", "chunks", "match"), [
    (2, [], "came before chunk 0"),  # a gap: the browser must resend from what was taken
    (-1, [], "chunk number"),  # not a chunk number
    (0, ["not base64!"], "not base64"),  # text that is not base64
    (0, [base64.b64encode(b"\x00\x01\x02").decode()], "3 bytes"),  # half a sample
])
def test_stream_refuses_bad_messages(first, chunks, match):
    with pytest.raises(ProsodyError, match=match):
        LiveStream(SR).add(first, chunks)


def test_stream_needs_a_real_sample_rate():
    with pytest.raises(ProsodyError, match="at least 8000 Hz"):
        LiveStream(0)


def test_cue_phrases_are_gentle_words_for_the_profiles_directions():
    words = {spec[1].less for spec in live_zones(baseline=True).values() if spec[1]}
    assert {"lower", "slower", "softer"} <= words
    assert cue_phrase("slower") == "a little slower"
    assert cue_phrase("lower") == "let it settle lower"
    assert cue_phrase("") == ""
    assert cue_phrase("brighter") == "brighter"  # a word the profile adds later shows as is


@pytest.mark.parametrize("hz", [60.0, 100.0])
def test_a_steady_hum_gets_no_pace_pitch_or_cue(hz):
    """A mains hum (or any steady tone) is not a voice: the live view read 7-9 syllables a
    second in a 60 Hz hum and cued "a little slower", where the final result says there is no
    voice. Real speech through the same stream still gets its pace."""
    t = np.arange(8 * SR) / SR
    hum = 10 ** (-30 / 20) * np.sqrt(2) * np.sin(2 * np.pi * hz * t)
    stream = LiveStream(SR)
    chunks = _chunks(hum)
    for i, chunk in enumerate(chunks):
        stream.add(i, [chunk])
        status = stream.status().to_dict()
        assert status["pace"] is None or status["pace"]["value"] is None, status
        assert status.get("band_hz") is None, status  # no voice: no calm band placed around it
        assert status["cue_text"] == "", status
    speech = LiveStream(SR)
    speech.add(0, _chunks(load(ARCTIC).y))
    assert speech.status().to_dict()["pace"]["value"] is not None


def test_a_shout_is_never_praised_as_calm_without_a_baseline():
    """Without a baseline the level has no zone: a shouted take (CREMA-D, tests/data) at a calm
    pitch and pace was cued "that's it: calm and easy" and then scored 37. Praise needs every
    reading in its zone."""
    rate = 48_000  # as a browser captures
    y = load(Path(__file__).parent / "data" / "cremad" / "1001_IEO_ANG_HI.flac", sr=rate).y
    gap = np.zeros(rate // 2)
    y = np.concatenate([gap, y, gap] * 4)  # said again and again, a breath between
    stream = LiveStream(rate)
    cues = set()
    for i, chunk in enumerate(_chunks(y, rate)):
        stream.add(i, [chunk])
        cues.add(stream.status().to_dict()["cue"])
    assert "good" not in cues


def test_a_take_that_reaches_the_longest_length_is_kept_up_to_there():
    """Past the longest recording analysed the whole live take was thrown away (an error, and
    nothing kept): now the take ends there, and what was said is the take."""
    y = syllable_train(4.0, 12)
    chunks = _chunks(y)
    stream = LiveStream(SR)
    stream._max_chunks = 4  # the 15-minute limit, scaled down
    assert stream.add(0, chunks[:3]) == 3
    assert not stream.full
    assert stream.add(3, chunks[3:]) == 4
    assert stream.full
    assert stream.add(4, chunks[4:]) == 4  # nothing more is taken, and nothing is refused
    with sf.SoundFile(io.BytesIO(stream.wav_bytes())) as f:
        assert f.frames == sum(c.size for c in stream._chunks)
        assert f.frames > 0


def test_a_long_take_is_held_once_in_16_bits():
    """The server held a live take twice as 64-bit floats (about 0.85 MB a second at 48 kHz,
    700 MB for 15 minutes): now once, as the 16-bit samples sent, and the readings keep only
    their last seconds."""
    y = syllable_train(4.0, 120)  # 30 s
    stream = LiveStream(SR)
    stream.add(0, _chunks(y))
    held = sum(c.nbytes for c in stream._chunks)
    assert held == 2 * y.size
    recent = sum(p.size for p in stream.view._parts)
    assert recent <= 5 * SR  # the last seconds, for the pitch expected of the voice
    np.testing.assert_array_equal(stream.audio(), to_pcm16(y) / 32768.0)
    with pytest.raises(ProsodyError, match="keep_audio"):
        stream.view.report()
