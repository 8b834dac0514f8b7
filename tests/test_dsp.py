"""The numpy DSP helpers against known answers (and scipy, the reference they replace)."""

import numpy as np
import pytest
import scipy.signal

from prosody import dsp


def test_find_peaks_known_answer():
    x = np.array([0, 3, 1, 1, 4, 4, 4, 2, 5, 0], dtype=float)
    peaks, prom = dsp.find_peaks(x, min_prominence=0.0)
    # the plateau 4,4,4 counts once at its middle; its prominence is its height above the
    # higher of its bases (0 on the left, 2 before the 5 on the right)
    np.testing.assert_array_equal(peaks, [1, 5, 8])
    np.testing.assert_allclose(prom, [2.0, 2.0, 5.0])


def test_find_peaks_matches_scipy(rng):
    for _ in range(50):
        x = rng.standard_normal(int(rng.integers(3, 300))).cumsum()
        for distance in (1, 4):
            ours, prom = dsp.find_peaks(x, min_prominence=0.5, min_distance=distance)
            ref, props = scipy.signal.find_peaks(x, prominence=0.5, distance=distance)
            np.testing.assert_array_equal(ours, ref)
            np.testing.assert_allclose(prom, props["prominences"])


@pytest.mark.parametrize("n", [1, 7, 100, 641, 853, 1025, 4097])
def test_next_fast_len_is_smallest_5_smooth(n):
    m = dsp.next_fast_len(n)
    assert m >= n
    k = m
    for p in (2, 3, 5):
        while k % p == 0:
            k //= p
    assert k == 1
    assert all(dsp.next_fast_len(c) != c or c >= n for c in range(n, m))


def test_running_max():
    x = np.array([1, 5, 2, 0, 0, 0, 3], dtype=float)
    np.testing.assert_array_equal(dsp.running_max(x, 3), [5, 5, 5, 2, 0, 3, 3])


@pytest.mark.parametrize("sr_in", [8000, 11025, 22050, 44100, 48000])
def test_resample_keeps_a_tone(sr_in):
    t = np.arange(2 * sr_in) / sr_in
    y = np.sin(2 * np.pi * 440.0 * t)
    z = dsp.resample(y, sr_in, 16000)
    assert z.size == int(np.ceil(y.size * 16000 / sr_in))
    ref = np.sin(2 * np.pi * 440.0 * np.arange(z.size) / 16000)
    assert np.max(np.abs(z[400:-400] - ref[400:-400])) < 1e-3


def test_resample_rejects_what_would_alias():
    # 9 kHz at 48 kHz would fold to 7 kHz at 16 kHz: it must be removed, 5 kHz kept
    t = np.arange(48000) / 48000
    kept = dsp.resample(np.sin(2 * np.pi * 5000 * t), 48000, 16000)
    gone = dsp.resample(np.sin(2 * np.pi * 9000 * t), 48000, 16000)
    assert np.std(kept[200:-200]) == pytest.approx(np.sqrt(0.5), rel=0.01)
    assert np.std(gone[200:-200]) < 1e-3


def test_frame_blocks_cover_centred_frames():
    y = np.arange(1000, dtype=float)
    frames = np.concatenate([f for _, f in dsp.frame_blocks(y, hop=10, win_len=5, n_frames=101,
                                                            block_frames=7)])
    assert frames.shape == (101, 5)
    np.testing.assert_array_equal(frames[0], [0, 0, 0, 1, 2])  # frame 0 centred on sample 0
    np.testing.assert_array_equal(frames[50], [498, 499, 500, 501, 502])
