"""Model takes: melody shape after DTW alignment, pace ratio and pause placement, checked on
takes whose differences are known by construction."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import PHRASE, SR, espeak, load16, resynthesise

from prosody import ProsodyError, ProsodyWarning
from prosody.analysis import analyze
from prosody.model import similarity


def analyse(y, text=PHRASE):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)  # undefined pause length: expected
        return analyze(y, sr=SR, text=text)


@pytest.fixture(scope="module")
def takes(tmp_path_factory):
    d = tmp_path_factory.mktemp("model")
    y175 = load16(espeak(PHRASE, d / "m.wav", voice="en-us", pitch=40, speed_wpm=175))
    y120 = load16(espeak(PHRASE, d / "s.wav", voice="en-us", pitch=40, speed_wpm=120))

    def contour(y, f):
        return resynthesise(y, f)[0]

    def melody(t):
        return 2 ** (3.0 * np.sin(2 * np.pi * 0.5 * t) / 12)

    return {
        "model": contour(y175, lambda t: 110.0 * melody(t)),
        # the same melody in a voice 7 semitones higher: nothing to imitate differently
        "higher_voice": contour(y175, lambda t: 165.0 * melody(t)),
        # the opposite melody
        "mirrored": contour(y175, lambda t: 110.0 / melody(t)),
        "slower": stretched(contour(y175, lambda t: 110.0 * melody(t)), 1.4),
        "espeak_slower": contour(y120, lambda t: 110.0 * melody(t)),
    }


def stretched(y: np.ndarray, factor: float) -> np.ndarray:
    """The same take, every WORLD frame held ``factor`` times as long: melody over the words
    unchanged, pace exactly 1/factor."""
    import pyworld

    x = np.ascontiguousarray(y)
    f0, t = pyworld.harvest(x, SR, f0_floor=60.0, f0_ceil=400.0, frame_period=5.0)
    sp = pyworld.cheaptrick(x, f0, t, SR)
    ap = pyworld.d4c(x, f0, t, SR)
    src = np.minimum(np.round(np.arange(int(len(f0) * factor)) / factor).astype(int),
                     len(f0) - 1)
    return pyworld.synthesize(f0[src], np.ascontiguousarray(sp[src]),
                              np.ascontiguousarray(ap[src]), SR, frame_period=5.0)


def test_a_take_is_identical_to_itself(takes):
    a = analyse(takes["model"])
    s = similarity(a, a)
    assert s.score == 100
    assert s.contour_distance_st == pytest.approx(0.0, abs=0.05)
    assert s.rate_ratio == pytest.approx(1.0)
    assert s.pauses_matched == s.pauses_model
    assert s.summary.startswith("100 of 100: very close")


def test_a_different_voice_with_the_same_melody_scores_high(takes):
    s = similarity(analyse(takes["model"]), analyse(takes["higher_voice"]))
    # each melody is taken relative to its own median: a higher voice is not a worse copy
    assert s.contour_distance_st < 0.5
    assert s.score >= 90
    assert "follows the model closely" in s.words[-1] or "follows the model closely" in " ".join(
        s.words)


def test_the_opposite_melody_scores_low_on_shape(takes):
    s = similarity(analyse(takes["model"]), analyse(takes["mirrored"]))
    assert s.contour_distance_st > 2.5
    assert s.shape_score < 40
    assert s.words[0].startswith("Your melody moves differently")  # the weakest part first
    assert s.score < 70


def test_a_slower_take_is_measured_as_slower_after_alignment(takes):
    s = similarity(analyse(takes["model"]), analyse(takes["slower"]))
    assert s.rate_ratio == pytest.approx(1 / 1.4, abs=0.05)
    assert any("29 % slower than the model" in w for w in s.words)
    # the alignment absorbs the tempo: the melody over the words still matches
    assert s.contour_distance_st < 1.0
    assert s.pauses_matched == 1
    # espeak-ng at 120 instead of 175 words per minute: slower, pauses included
    s = similarity(analyse(takes["model"]), analyse(takes["espeak_slower"]))
    assert s.rate_ratio == pytest.approx(120 / 175, abs=0.1)


def test_pause_placement(takes):
    model = analyse(takes["model"])
    assert model.summary.pause_count == 1
    y = takes["model"]
    pause = model.tracks.pauses[0]
    a, b = int(pause[0] * SR), int(pause[1] * SR)
    # the same take with the pause closed up: the model's pause is missed
    closed = np.concatenate([y[:a], y[b:]])
    s = similarity(model, analyse(closed))
    assert (s.pauses_model, s.pauses_take, s.pauses_matched) == (1, 0, 0)
    assert s.pause_score == 0.0
    assert "You paused at 0 of the model's 1 pause." in s.words


def test_overlay_is_on_the_model_time_axis(takes):
    model = analyse(takes["model"])
    s = similarity(model, analyse(takes["slower"]))
    assert s.time_s.shape == s.model_st.shape == s.take_st.shape
    assert np.array_equal(s.time_s, model.tracks.time_s)
    both = np.isfinite(s.model_st) & np.isfinite(s.take_st)
    assert both.mean() > 0.4
    assert s.to_dict()["score"] == s.score


def test_takes_that_cannot_be_compared(takes, tmp_path):
    model = analyse(takes["model"])
    rng = np.random.default_rng(7)
    with pytest.raises(ProsodyError, match="the take has almost no voiced speech"):
        similarity(model, analyse(0.05 * rng.standard_normal(2 * SR), text=None))
    long_text = ("I'm here with you. What do you need right now? I'm still here with you, and "
                 "I will stay right here with you for as long as it takes tonight.")
    long = load16(espeak(long_text, tmp_path / "long.wav", voice="en-us", pitch=40))
    with pytest.raises(ProsodyError, match="cannot be lined up.*same phrase"):
        similarity(model, analyse(long, long_text))
