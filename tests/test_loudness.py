"""Level in dBFS against signals of known level."""

import numpy as np
import pytest
from conftest import SR, harmonic_complex, tone

from prosody.loudness import level_db
from prosody.pitch import n_frames


def frames_of(y):
    return level_db(y, sr=SR, n_frames=n_frames(y.size, SR))


def test_full_scale_sine_reads_minus_3_db():
    lv = frames_of(tone(1000.0, 1.0, amp=1.0))
    assert np.median(lv[5:-5]) == pytest.approx(-3.01, abs=0.02)


def test_gain_step_of_6_02_db():
    f0 = np.full(2 * SR, 150.0)
    y = harmonic_complex(f0, amp=0.2)
    y[SR:] *= 2.0  # +6.02 dB
    lv = frames_of(y)
    step = np.median(lv[110:190]) - np.median(lv[10:90])
    assert step == pytest.approx(6.02, abs=0.1)


def test_dc_offset_is_not_loudness():
    y = tone(200.0, 1.0, amp=0.1)
    assert np.median(frames_of(y + 0.3)[5:-5]) == pytest.approx(np.median(frames_of(y)[5:-5]),
                                                                 abs=0.2)


def test_silence_is_floored_not_infinite():
    lv = frames_of(np.zeros(SR))
    assert np.all(np.isfinite(lv))
    assert np.all(lv <= -100)
