"""Aligning two takes in time, and their differences in words."""

import numpy as np
import pytest
from conftest import SR

from prosody import analyze
from prosody.compare import align, deltas, deltas_sentence
from prosody.dsp import resample


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
