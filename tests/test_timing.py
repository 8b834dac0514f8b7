"""Pauses, phrases and syllable nuclei against signals with known timing."""

import numpy as np
import pytest
from conftest import DATA, SR, add_noise, harmonic_complex, load16, syllable_train

from prosody import ProsodyWarning, analyze
from prosody.errors import quiet_warnings
from prosody.pitch import track_pitch
from prosody.timing import runs, voiced_span


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
    # every burst is voiced: the voiced span is the same span
    assert a.summary.voiced_rate_syl_per_s == pytest.approx(n_syl / true_span_s, rel=0.05)
    assert a.summary.syllables_source == "acoustic"


def test_voiced_span_leaves_out_a_short_blip_at_either_end():
    speech = np.zeros(200, dtype=bool)
    voiced = np.zeros(200, dtype=bool)
    speech[20:150] = True
    voiced[30:60] = voiced[80:140] = True  # the words: frames 30 to 140
    assert voiced_span(voiced, speech) == (30, 140)
    # a knock or a hum the room adds: three voiced frames before and after the words
    voiced[20:23] = voiced[146:149] = True
    assert voiced_span(voiced, speech) == (30, 140)
    # voicing outside speech does not count, and a take with no voiced stretch has no span
    voiced[160:190] = True
    assert voiced_span(voiced, speech) == (30, 140)
    assert voiced_span(np.zeros(200, dtype=bool), speech) is None


def test_pace_of_real_speech_holds_in_room_noise():
    # a real sentence with its words known, in pink noise and in a low rumble 6-12 dB under the
    # speech (the analysis reads 9-17 dB), four noises each: the pace over the voiced span stays
    # within 5 % of the clean take's (benchmarks/noise_robustness.py: within 10 % down to 11 dB
    # as read, over 60 sentences)
    speech = load16(DATA / "arctic_a0007.wav")
    text = "And you always want to see it in the superlative degree."
    with quiet_warnings():
        clean = analyze(speech, sr=SR, text=text).summary.voiced_rate_syl_per_s
    errors = []
    for seed in range(4):
        rng = np.random.default_rng(20261127 + seed)
        for kind in ("pink", "rumble"):
            for snr_db in (12.0, 8.0, 6.0):
                with quiet_warnings():
                    noisy = analyze(add_noise(speech, snr_db, rng, kind=kind), sr=SR, text=text)
                errors.append(abs(noisy.summary.voiced_rate_syl_per_s / clean - 1.0))
    assert max(errors) < 0.05, errors


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


def _voiced_stretch(durations_s, joins_db=(), *, f0_hz=150.0, edge_db=20.0):
    """One voiced stretch of syllables with the given lengths: each swells to full level and
    meets the next in a dip ``joins_db[i]`` deep; the stretch starts and ends ``edge_db`` down."""
    levels = [edge_db, *joins_db, edge_db]
    parts = []
    for i, dur in enumerate(durations_s):
        half = int(dur * SR / 2)
        rise = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, half))  # 0 -> 1
        a, b = 10 ** (-levels[i] / 20), 10 ** (-levels[i + 1] / 20)
        parts += [a + (1 - a) * rise, b + (1 - b) * rise[::-1]]
    env = np.concatenate(parts)
    return harmonic_complex(np.full(env.size, f0_hz)) * env


def _words(stretches, *, gap_s=0.06, lead_s=0.3):
    """Voiced stretches separated by short unvoiced gaps (a consonant's closure)."""
    gap, lead = np.zeros(int(gap_s * SR)), np.zeros(int(lead_s * SR))
    out = [lead]
    for s in stretches:
        out += [s, gap]
    return np.concatenate(out[:-1] + [lead])


def test_fluent_speech_counts_syllables_with_shallow_dips():
    # about five syllables a second, mostly one per voiced stretch as in fluent read speech; every
    # third word has two syllables joined by a dip of only 1 dB, which coarticulation leaves
    one, two = _voiced_stretch([0.15]), _voiced_stretch([0.15, 0.15], [1.0])
    words = [one, one, two] * 4
    with pytest.warns(ProsodyWarning, match="no pause"):
        a = analyze(_words(words), sr=SR)
    assert a.summary.syllables == 16


def test_slow_speech_does_not_split_a_wobbling_vowel():
    # about two syllables a second: each long vowel swells twice with a 1 dB dip between, as
    # slow speech and a creaky voice do; one syllable each all the same
    vowel = _voiced_stretch([0.2, 0.2], [1.0])
    with pytest.warns(ProsodyWarning, match="no pause"):
        a = analyze(_words([vowel] * 6, gap_s=0.08), sr=SR)
    assert a.summary.syllables == 6


def test_nuclei_are_at_least_80_ms_apart():
    # two swells 60 ms apart with a deep dip: too close for two syllables
    y = _words([_voiced_stretch([0.06, 0.06], [6.0])] * 5, gap_s=0.1)
    with pytest.warns(ProsodyWarning, match="no pause"):
        a = analyze(y, sr=SR)
    assert np.min(np.diff(a.tracks.syllable_times_s)) >= 0.08 - 1e-9
    assert a.summary.syllables == 5


def test_creaky_syllable_below_the_pitch_floor_still_counts():
    # twelve syllables at 150 Hz, the last one creaky at 65 Hz: far below the speaker's adapted
    # floor, so the F0 contour leaves it out, but it is still a syllable
    f0 = [150.0] * 12 + [65.0]
    y = _words([_voiced_stretch([0.2], f0_hz=f) for f in f0], gap_s=0.1)
    with pytest.warns(ProsodyWarning, match="no pause"):
        a = analyze(y, sr=SR)
    assert a.summary.syllables == 13
    assert np.nanmin(a.tracks.f0_hz) > 100.0


def test_breathy_decay_after_the_last_word_is_not_speaking_time(rng):
    # unvoiced noise fading from 35 to 55 dB below the syllables over 150 ms after the last one
    y = syllable_train(4.0, 8, lead_s=0.5)
    end = int(0.5 * SR) + int(round(SR / 4.0)) * 8 - int(0.3 * round(SR / 4.0))
    n = int(0.15 * SR)
    peak = np.max(np.abs(y))
    tail = peak * 10 ** (np.linspace(-35, -55, n) / 20) * rng.standard_normal(n)
    y[end : end + n] += tail
    with pytest.warns(ProsodyWarning, match="no pause"):
        a = analyze(y, sr=SR)
    assert a.tracks.phrases[-1][1] == pytest.approx(end / SR, abs=0.03)
