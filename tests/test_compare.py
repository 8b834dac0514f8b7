"""Aligning two takes in time, and their differences in words."""

import numpy as np
import pytest
from conftest import SR

from prosody import ProsodyError, analyze
from prosody.compare import align, deltas, deltas_sentence
from prosody.dsp import resample
from prosody.errors import quiet_warnings


def test_alignment_follows_a_slower_take(phrase_male):
    a = analyze(phrase_male, sr=SR)
    # the same take played 25 % slower (and so 3.9 st lower): every moment lands 1.25x later
    b = analyze(resample(phrase_male, SR, 20000), sr=SR)
    al = align(a.tracks, b.tracks)
    t = np.array([0.3, 0.8, 1.5, 2.2])
    np.testing.assert_allclose(al.b_time_at(t), 1.25 * t, atol=0.05)
    assert np.all(np.diff(al.time_a_s) >= 0)
    assert np.all(np.diff(al.time_b_s) >= 0)


def test_identical_takes_align_on_the_diagonal(phrase_female):
    a = analyze(phrase_female, sr=SR)
    al = align(a.tracks, a.tracks)
    np.testing.assert_allclose(al.time_a_s, al.time_b_s)
    assert al.cost == 0.0


def test_deltas_in_words(phrase_male):
    a = analyze(phrase_male, sr=SR)
    louder = analyze(2.0 * phrase_male, sr=SR)
    said = {d.name: d for d in deltas(a.summary, louder.summary)}
    assert said["loudness"].change == pytest.approx(6.02, abs=0.1)
    assert said["loudness"].words == "6.0 dB louder"
    assert said["pitch"].words == "about the same pitch"
    lower = analyze(resample(phrase_male, SR, 20000), sr=SR)
    sentence = deltas_sentence(a.summary, lower.summary)
    assert "3.9 st lower" in sentence
    assert "% slower" in sentence


def test_a_hurried_take_with_silence_before_it_still_aligns(phrase_male):
    """A take 2.5 times as fast, after two seconds of silence, lines up with the original: the
    silence is trimmed and the path allows up to three times the tempo."""
    a = analyze(phrase_male, sr=SR)
    fast = resample(phrase_male, SR, int(SR / 2.5))  # played back at SR: 2.5x as fast
    with quiet_warnings():  # a take this fast has no pause: its mean length is undefined
        b = analyze(np.concatenate([np.zeros(2 * SR), fast, np.zeros(SR // 2)]), sr=SR)
    al = align(a.tracks, b.tracks)
    speech = a.tracks.time_s[a.tracks.speech]
    t = np.linspace(speech[0] + 0.2, speech[-1] - 0.2, 5)
    np.testing.assert_allclose(al.b_time_at(t), 2.0 + t / 2.5, atol=0.08)


def test_takes_of_different_phrases_are_refused(phrase_male):
    a = analyze(phrase_male, sr=SR)
    b = analyze(np.tile(phrase_male, 4), sr=SR)  # four times as long
    with pytest.raises(ProsodyError, match="three times"):
        align(a.tracks, b.tracks)


def test_compare_reads_the_pace_the_coach_judges(phrase_male):
    """Comparing two takes said "11 % slower" (articulation rate) where the coach's pace card
    said 21 %: both now read the pace over the voiced span."""
    from prosody.coach import coach

    a = analyze(phrase_male, sr=SR)
    slower = analyze(resample(phrase_male, SR, 20000), sr=SR)
    said = {d.name: d for d in deltas(a.summary, slower.summary)}
    card = {f.name: f for f in coach(slower, profile="soothing", baseline=a).features}
    assert said["pace"].change == pytest.approx(card["tempo"].value, abs=0.05)
