"""Pauses, phrases and syllable nuclei against signals with known timing."""

import numpy as np
import pytest
from conftest import SR, add_noise, syllable_train

from prosody import ProsodyWarning, analyze
from prosody.pitch import track_pitch
from prosody.timing import runs


@pytest.mark.parametrize("rate", [2.5, 3.5, 4.5, 6.0])
def test_syllable_train_rate(rate):
    n_syl = 12
    y = syllable_train(rate, n_syl)
    with pytest.warns(ProsodyWarning, match="no pause"):
        a = analyze(y, sr=SR)
    assert a.summary.syllables == n_syl
    # the bursts fill 70 % of each period; the last one's silent 30 % is not speaking time
    true_span_s = (n_syl - 0.3) / rate
    assert a.summary.articulation_rate_syl_per_s == pytest.approx(n_syl / true_span_s, rel=0.05)
    assert a.summary.syllables_source == "acoustic"


def test_syllable_times_sit_on_the_bursts():
    rate, n_syl = 4.0, 8
    with pytest.warns(ProsodyWarning, match="no pause"):
        a = analyze(syllable_train(rate, n_syl), sr=SR)
    burst_centres = 0.3 + (np.arange(n_syl) + 0.35) / rate
    assert np.max(np.abs(a.tracks.syllable_times_s - burst_centres)) < 0.04


@pytest.mark.parametrize("gap_s", [0.25, 0.4, 0.8, 1.5])
def test_inserted_silence_found_as_pause_within_30_ms(phrase_male, gap_s):
    # cut the phrase in the middle of its longest voiced stretch and insert digital silence
    y = phrase_male
    p = track_pitch(y, sr=SR)
    a0, b0 = max(runs(p.voiced), key=lambda r: r[1] - r[0])
    cut_s = round((a0 + b0) / 2) * 0.01
    cut = int(cut_s * SR)
    z = np.concatenate([y[:cut], np.zeros(int(gap_s * SR)), y[cut:]])
    a = analyze(z, sr=SR)
    found = [p for p in a.tracks.pauses if abs(p[0] - cut_s) < 0.1]
    assert found, a.tracks.pauses
    start_s, end_s = found[0]
    assert start_s == pytest.approx(cut_s, abs=0.03)
    assert end_s == pytest.approx(cut_s + gap_s, abs=0.03)


def test_short_gap_is_not_a_pause():
    rate, n_syl = 4.0, 6
    y = syllable_train(rate, n_syl)  # 75 ms gaps between bursts
    with pytest.warns(ProsodyWarning, match="no pause"):
        a = analyze(y, sr=SR)
    assert a.summary.pause_count == 0
    assert a.summary.phrase_count == 1


def test_phrases_between_pauses():
    parts = [syllable_train(4.0, 4, lead_s=0.0) for _ in range(3)]
    silence = np.zeros(int(0.6 * SR))
    y = np.concatenate([silence, parts[0], silence, parts[1], silence, parts[2], silence])
    a = analyze(y, sr=SR)
    assert a.summary.phrase_count == 3
    assert a.summary.pause_count == 2
    assert a.summary.pause_mean_s == pytest.approx(0.6 + 0.3 / 4.0, abs=0.04)
    assert a.summary.phrase_mean_syl == pytest.approx(4.0)


def test_breath_before_speech_is_not_speaking_time(rng):
    # a 300 ms unvoiced noise burst (an in-breath) 400 ms before the first syllable
    y = syllable_train(4.0, 8, lead_s=1.0)
    breath = 0.02 * rng.standard_normal(int(0.3 * SR))
    y[int(0.3 * SR) : int(0.6 * SR)] += breath
    with pytest.warns(ProsodyWarning, match="no pause"):
        a = analyze(y, sr=SR)
    assert a.tracks.phrases[0][0] == pytest.approx(1.0, abs=0.03)


def test_pauses_survive_moderate_noise(rng):
    silence = np.zeros(int(0.8 * SR))
    part = syllable_train(4.0, 5, lead_s=0.0)
    y = add_noise(np.concatenate([silence, part, silence, part, silence]), 25.0, rng)
    a = analyze(y, sr=SR)
    assert a.summary.pause_count == 1
