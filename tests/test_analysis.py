"""The summary features of DESIGN.md on signals whose answers are known, and on real speech."""

import dataclasses
import json
import warnings

import numpy as np
import pytest
import soundfile as sf
from conftest import DATA, PHRASE, PHRASE_SYLLABLES, SR, harmonic_complex, syllable_train

from prosody import ProsodyWarning, analyze, analyze_file
from prosody.analysis import AnalysisSettings, Summary

DESIGN_KEYS = [
    "duration_s", "speech_s", "f0_median_hz", "f0_p10_hz", "f0_p90_hz", "f0_range_st",
    "f0_sd_st", "f0_velocity_st_per_s", "final_fall_fraction", "syllables", "syllables_source",
    "speech_rate_syl_per_s", "articulation_rate_syl_per_s", "pause_count", "pause_mean_s",
    "pause_ratio", "phrase_count", "phrase_mean_syl", "loudness_db", "loudness_sd_db",
    "loudness_range_db", "onset_slope_db_per_s", "alpha_ratio_db", "hammarberg_db",
    # added with profile 2.0 (docs/coach.md): level-independent effort cues and the pitch
    # expected of the vocal tract
    "spectral_centroid_hz", "spectral_flux", "f0_expected_hz", "speech_level_db",
    # added with profile 2.3: pace over the voiced span
    "voiced_rate_syl_per_s",
]
ARCTIC = DATA / "arctic_a0007.wav"
ARCTIC_TEXT = "And you always want to see it in the superlative degree."


def voiced_phrase(f0_hz: np.ndarray, *, tilt_db_per_octave: float = -12.0) -> np.ndarray:
    """A harmonic complex on a per-sample contour, shaped into syllable-like bursts."""
    env = 0.6 + 0.4 * np.cos(2 * np.pi * 4.0 * np.arange(f0_hz.size) / SR)
    return harmonic_complex(f0_hz, tilt_db_per_octave=tilt_db_per_octave) * env


def test_summary_keys_are_the_contract():
    assert [f.name for f in dataclasses.fields(Summary)] == DESIGN_KEYS


def test_pitch_statistics_of_a_known_glide():
    # 2 s glide from 100 to 200 Hz, exponential: 6 st/s, range p10..p90 = 0.8 octave
    t = np.arange(2 * SR) / SR
    f0 = 100 * 2 ** (t / 2)
    with pytest.warns(ProsodyWarning):  # one phrase, no pause
        s = analyze(voiced_phrase(f0), sr=SR).summary
    assert s.f0_median_hz == pytest.approx(100 * 2**0.5, rel=0.02)
    assert s.f0_range_st == pytest.approx(12 * 0.8, abs=0.3)
    assert s.f0_velocity_st_per_s == pytest.approx(6.0, rel=0.1)
    assert s.f0_sd_st == pytest.approx(12 / np.sqrt(12), rel=0.05)  # uniform over 12 st


def test_steady_pitch_has_no_movement():
    f0 = np.full(2 * SR, 180.0)
    with pytest.warns(ProsodyWarning):
        s = analyze(voiced_phrase(f0), sr=SR).summary
    assert s.f0_range_st < 0.1
    assert s.f0_velocity_st_per_s < 0.5


def test_pitch_movement_leaves_out_tracking_jumps_but_keeps_the_fastest_real_glides():
    from prosody.analysis import pitch_velocity_st_per_s

    settings = AnalysisSettings()
    frames = np.arange(300)  # 3 s of 10 ms frames, all voiced
    voiced = np.ones(frames.size, dtype=bool)
    # a zigzag of 12 st up and down in 200 ms each: 60 st/s, about as fast as a voice can
    # move over an octave (Xu & Sun 2002)
    zigzag_st = 12.0 * np.abs(((frames / 20.0) % 2.0) - 1.0)
    zigzag = 120.0 * 2.0 ** (zigzag_st / 12.0)
    got = pitch_velocity_st_per_s(zigzag, voiced, settings.velocity_smooth_frames,
                                  settings.velocity_max_st_per_s)
    # every real step counted (the smoothing rounds the turns a little)
    assert got == pitch_velocity_st_per_s(zigzag, voiced, settings.velocity_smooth_frames)
    assert got == pytest.approx(60.0, rel=0.15)

    # a slow 6 st/s glide whose tracker jumps an octave up for 60 ms, five times
    glide = 120.0 * 2.0 ** (6.0 * frames * 0.01 / 12.0)
    jumpy = glide.copy()
    for start in (40, 100, 160, 220, 270):
        jumpy[start:start + 6] *= 2.0
    every_step = pitch_velocity_st_per_s(jumpy, voiced, settings.velocity_smooth_frames)
    assert every_step > 30.0  # the jumps dominate the mean
    got = pitch_velocity_st_per_s(jumpy, voiced, settings.velocity_smooth_frames,
                                  settings.velocity_max_st_per_s)
    assert got == pytest.approx(6.0, rel=0.15)


def phrases_ending(kind: str, n: int = 3) -> np.ndarray:
    """n phrases of 0.8 s at 160 Hz whose last 300 ms fall or rise by 3 st, 0.5 s apart."""
    t = np.arange(int(0.8 * SR)) / SR
    end = np.clip((t - 0.5) / 0.3, 0, 1)
    sign = -1 if kind == "fall" else 1
    f0 = 160 * 2 ** (sign * 3 * end / 12)
    phrase = voiced_phrase(f0)
    gap = np.zeros(int(0.5 * SR))
    return np.concatenate([gap] + [np.concatenate([phrase, gap]) for _ in range(n)])


def test_final_fall_fraction():
    assert analyze(phrases_ending("fall"), sr=SR).summary.final_fall_fraction == 1.0
    assert analyze(phrases_ending("rise"), sr=SR).summary.final_fall_fraction == 0.0


def test_loudness_and_gain():
    y = syllable_train(4.0, 10)
    with pytest.warns(ProsodyWarning):
        quiet = analyze(y, sr=SR).summary
    with pytest.warns(ProsodyWarning):
        loud = analyze(2.0 * y, sr=SR).summary
    assert loud.loudness_db - quiet.loudness_db == pytest.approx(6.02, abs=0.1)
    assert loud.loudness_range_db == pytest.approx(quiet.loudness_range_db, abs=0.2)
    # a louder, equally shaped take attacks more steeply only in level, not in dB/s
    assert loud.onset_slope_db_per_s == pytest.approx(quiet.onset_slope_db_per_s, rel=0.1)


def test_softer_tilt_lowers_alpha_raises_hammarberg():
    f0 = np.full(2 * SR, 150.0)
    with pytest.warns(ProsodyWarning):
        bright = analyze(voiced_phrase(f0, tilt_db_per_octave=-6.0), sr=SR).summary
    with pytest.warns(ProsodyWarning):
        soft = analyze(voiced_phrase(f0, tilt_db_per_octave=-15.0), sr=SR).summary
    assert soft.alpha_ratio_db < bright.alpha_ratio_db - 10
    assert soft.hammarberg_db > bright.hammarberg_db + 10


def test_text_gives_the_syllable_count(phrase_female):
    a = analyze(phrase_female, sr=SR, text=PHRASE)
    assert a.summary.syllables == PHRASE_SYLLABLES
    assert a.summary.syllables_source == "text"
    assert len(a.tracks.syllable_times_s) == PHRASE_SYLLABLES
    assert np.all(np.diff(a.tracks.syllable_times_s) > 0)


def test_acoustic_count_close_to_text(phrase_male, phrase_female):
    for y in (phrase_male, phrase_female):
        n = analyze(y, sr=SR).summary.syllables
        assert abs(n - PHRASE_SYLLABLES) <= 1


def test_any_sample_rate_gives_the_same_answer(phrase_male):
    from prosody.dsp import resample

    ref = analyze(phrase_male, sr=SR).summary
    for sr in (8000, 44100, 48000):
        if sr < 10000:
            with pytest.warns(ProsodyWarning, match="telephone quality"):
                s = analyze(resample(phrase_male, SR, sr), sr=sr).summary
        else:
            s = analyze(resample(phrase_male, SR, sr), sr=sr).summary
        assert 12 * np.log2(s.f0_median_hz / ref.f0_median_hz) == pytest.approx(0, abs=0.3)
        assert s.loudness_db == pytest.approx(ref.loudness_db, abs=0.5)


def test_to_dict_is_json_with_nulls():
    with pytest.warns(ProsodyWarning):
        a = analyze(np.zeros(SR), sr=SR)
    assert any("no voiced speech" in w for w in a.warnings)
    assert any("no speech found" in w for w in a.warnings)
    d = json.loads(json.dumps(a.to_dict(tracks=True)))
    assert list(d["summary"]) == DESIGN_KEYS
    assert d["summary"]["f0_median_hz"] is None
    assert set(d["tracks"]) == {"time_s", "f0_hz", "loudness_db", "syllable_times_s", "pauses",
                                "phrases"}
    assert all(f is None for f in d["tracks"]["f0_hz"])
    assert d["warnings"]


def test_settings_fix_the_pitch_range(phrase_male):
    a = analyze(phrase_male, sr=SR, settings=AnalysisSettings(fmin_hz=70.0, fmax_hz=250.0))
    assert np.nanmax(a.tracks.f0_hz) <= 250.0
    assert a.settings.fmin_hz == 70.0


# --- real speech: CMU ARCTIC awb a0007 (tests/data/README.md) ---

def test_real_recording_syllables_and_pitch():
    y, sr = sf.read(ARCTIC)
    with pytest.warns(ProsodyWarning, match="no pause"):
        a = analyze_file(ARCTIC, text=ARCTIC_TEXT)
    assert a.summary.syllables == 16
    with pytest.warns(ProsodyWarning, match="no pause"):
        acoustic = analyze(y, sr=sr).summary
    assert abs(acoustic.syllables - 16) <= 3
    assert acoustic.articulation_rate_syl_per_s == pytest.approx(
        a.summary.articulation_rate_syl_per_s, rel=0.2)


@pytest.mark.parametrize("text", [" ".join([ARCTIC_TEXT] * 12), "…", "🙂 🙂", "Hi."])
def test_words_that_do_not_fit_the_recording_are_not_used(text):
    """A take's words are only trusted when their syllables fit what is heard (within 3x): a
    paragraph given for one sentence, punctuation or emoji, or one word for a whole sentence,
    and the syllables and pace are counted from the sound, with a note saying why."""
    y, sr = sf.read(ARCTIC)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ProsodyWarning)
        a = analyze(y, sr=sr, text=text)
        acoustic = analyze(y, sr=sr)
    assert any("do not seem to be the words spoken" in str(w.message) for w in caught)
    assert not any("do not seem" in n for n in acoustic.warnings)
    assert any("do not seem" in n for n in a.warnings)
    assert a.summary.syllables_source == "acoustic"
    assert a.summary.syllables == acoustic.summary.syllables
    assert a.summary.speech_rate_syl_per_s == pytest.approx(
        acoustic.summary.speech_rate_syl_per_s)
    assert 2.0 < a.summary.speech_rate_syl_per_s < 8.0


def test_real_recording_pitch_agrees_with_harvest():
    import pyworld

    y, sr = sf.read(ARCTIC)
    with pytest.warns(ProsodyWarning, match="no pause"):
        a = analyze(y, sr=sr)
    f0_ref, t_ref = pyworld.harvest(y.astype(np.float64), sr, f0_floor=60.0, f0_ceil=400.0,
                                    frame_period=10.0)
    n = min(f0_ref.size, a.tracks.f0_hz.size)
    both = a.tracks.voiced[:n] & (f0_ref[:n] > 0)
    assert both.sum() > 100
    gross = np.abs(a.tracks.f0_hz[:n][both] / f0_ref[:n][both] - 1) > 0.2
    assert gross.mean() < 0.03
    # Harvest extends voicing into neighbouring consonants (66 % of this clip against Praat's
    # 47 %), so its voicing is an upper bound: frames we call voiced must be voiced there too
    assert np.mean(f0_ref[:n][a.tracks.voiced[:n]] > 0) > 0.95
