"""Pitch tracking against signals whose F0 is known exactly."""

import numpy as np
import pytest
from conftest import SR, add_noise, harmonic_complex, tone

from prosody import ProsodyError, ProsodyWarning
from prosody.pitch import adapted_range_hz, periodic_frames, track_pitch


def cents(a, b):
    return 1200 * np.log2(np.asarray(a) / np.asarray(b))


def gpe_vde(f0_est, voiced_est, f0_true):
    n = min(f0_est.size, f0_true.size)
    f0_est, voiced_est, f0_true = f0_est[:n], voiced_est[:n], f0_true[:n]
    truth = f0_true > 0
    both = truth & voiced_est
    gross = np.abs(f0_est[both] / f0_true[both] - 1) > 0.2
    return gross.mean(), np.mean(truth != voiced_est), cents(f0_est[both], f0_true[both])


@pytest.mark.parametrize("freq_hz", [80.0, 110.0, 220.0, 330.0, 500.0])
def test_pure_tone_frequency(freq_hz):
    p = track_pitch(tone(freq_hz, 1.5), sr=SR)
    inner = p.voiced[10:-10]
    assert inner.all()
    assert np.max(np.abs(cents(p.f0_hz[10:-10], freq_hz))) < 2.0


def test_frame_axis_is_10_ms():
    p = track_pitch(tone(200.0, 1.0), sr=SR)
    assert p.time_s.size == 101
    np.testing.assert_allclose(np.diff(p.time_s), 0.01)


def test_glide_followed_within_twenty_cents():
    # an exponential glide from 120 to 240 Hz over 2 s: one octave, 6 st/s
    t = np.arange(2 * SR) / SR
    f0 = 120 * 2 ** (t / 2)
    p = track_pitch(harmonic_complex(f0), sr=SR)
    truth = 120 * 2 ** (p.time_s / 2)
    sel = slice(10, -10)
    assert p.voiced[sel].all()
    assert np.max(np.abs(cents(p.f0_hz[sel], truth[sel]))) < 20.0


def test_missing_fundamental_tracked_at_f0():
    # harmonics 2-15 only: the ear and the autocorrelation hear the absent fundamental
    f0 = np.full(SR, 140.0)
    p = track_pitch(harmonic_complex(f0, first_harmonic=2), sr=SR)
    assert np.nanmedian(p.f0_hz) == pytest.approx(140.0, rel=0.005)


def test_vibrato_contour_in_noise(rng):
    # 5 Hz vibrato of ±1 st around 200 Hz, pink noise at 10 dB SNR
    t = np.arange(3 * SR) / SR
    f0 = 200 * 2 ** (np.sin(2 * np.pi * 5 * t) / 12)
    y = add_noise(harmonic_complex(f0), 10.0, rng)
    p = track_pitch(y, sr=SR)
    truth = 200 * 2 ** (np.sin(2 * np.pi * 5 * p.time_s) / 12)
    sel = slice(10, -10)
    assert p.voiced[sel].mean() > 0.97
    err = cents(p.f0_hz[sel][p.voiced[sel]], truth[sel][p.voiced[sel]])
    assert np.mean(np.abs(err) > 100) < 0.01  # no octave or semitone-size errors
    assert np.median(np.abs(err)) < 15.0


def test_silence_between_voiced_parts_is_unvoiced():
    f0 = np.concatenate([np.full(SR, 150.0), np.zeros(SR // 2), np.full(SR, 150.0)])
    p = track_pitch(harmonic_complex(f0), sr=SR)
    gap = (p.time_s > 1.05) & (p.time_s < 1.45)
    assert not p.voiced[gap].any()
    assert np.all(np.isnan(p.f0_hz[gap]))
    assert p.voiced[(p.time_s > 0.1) & (p.time_s < 0.9)].all()


@pytest.mark.parametrize("voice", ["male", "female"])
def test_resynthesised_speech_matches_imposed_contour(resynth_pair, voice):
    y, true_f0 = resynth_pair[voice]
    p = track_pitch(y, sr=SR)
    gpe, vde, err = gpe_vde(p.f0_hz, p.voiced, true_f0)
    assert gpe < 0.005
    assert vde < 0.06
    assert np.std(err[np.abs(err) < 240]) < 20.0  # Praat: 11-19 cents on these signals


def test_speaker_range_adapts():
    lo, hi = adapted_range_hz(np.array([90.0, 100.0, 110.0, 120.0, 130.0]))
    assert 60 <= lo < 90 / 2 * 2  # below the speaker, above half of the lowest values
    assert 130 < hi < 2 * 130


def test_no_voicing_warns_and_returns_nan(rng):
    y = 0.1 * rng.standard_normal(SR)
    with pytest.warns(ProsodyWarning, match="no voiced speech"):
        p = track_pitch(y, sr=SR)
    assert not p.voiced.any()
    assert np.all(np.isnan(p.f0_hz))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"fmin_hz": 75.0}, "both"),  # one end of the range without the other
        ({"fmin_hz": 20.0, "fmax_hz": 300.0}, "at least"),  # floor below what speech needs
        ({"fmin_hz": 75.0, "fmax_hz": 5000.0}, "cannot exceed"),  # ceiling above the limit
    ],
)
def test_bad_range_is_refused(kwargs, match):
    with pytest.raises(ProsodyError, match=match):
        track_pitch(tone(200.0, 1.0), sr=SR, **kwargs)


def test_periodic_keeps_voicing_the_contour_leaves_out():
    # a voice at 150 Hz whose last 200 ms drop to 65 Hz creak: too far below the speaker's range
    # for the contour, but periodic all the same (the syllable count relies on it)
    f0 = np.concatenate([np.full(int(2.0 * SR), 150.0), np.full(int(0.2 * SR), 65.0)])
    y = np.concatenate([np.zeros(SR // 4), harmonic_complex(f0), np.zeros(SR // 4)])
    p = track_pitch(y, sr=SR)
    creak = slice(int(2.28 / 0.01), int(2.42 / 0.01))
    assert not p.voiced[creak].any()
    assert p.periodic[creak].all()
    assert p.periodic.shape == p.voiced.shape
    assert np.array_equal(p.periodic, periodic_frames(y, sr=SR))
    fixed = track_pitch(y, sr=SR, fmin_hz=100.0, fmax_hz=300.0)
    assert np.array_equal(fixed.periodic, p.periodic)


@pytest.mark.parametrize("lowered_st", [0, 5, 9, 14])
def test_a_voice_below_the_given_range_is_tracked_as_it_is(lowered_st):
    """The range a baseline gives (its floor at 0.7 of the everyday voice's 10th percentile) is
    widened where a take's own voice goes below it: a voice settled far lower than its everyday
    pitch, or someone else's, is measured, not read as the harmonics inside the range."""
    everyday = 210.0 * (1.0 + 0.08 * np.sin(2 * np.pi * 0.7 * np.arange(int(2.5 * SR)) / SR))
    base = track_pitch(harmonic_complex(everyday), sr=SR)
    lo, hi = adapted_range_hz(base.f0_hz[base.voiced])
    f0 = everyday * 2.0 ** (-lowered_st / 12.0)
    take = track_pitch(harmonic_complex(f0), sr=SR, fmin_hz=lo, fmax_hz=hi)
    alone = track_pitch(harmonic_complex(f0), sr=SR)
    assert take.voiced.mean() > 0.9
    got = 12 * np.log2(np.nanmedian(take.f0_hz[take.voiced]) / np.median(f0))
    assert abs(got) < 0.3  # within a third of a semitone of the true median
    assert abs(np.nanmedian(take.f0_hz) - np.nanmedian(alone.f0_hz)) < 2.0
