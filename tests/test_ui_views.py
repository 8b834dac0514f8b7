"""The charts as specs: loudness drawn up from the quietest speech, pitch beyond the chart
marked at its edge, a legend, the speech filling the time axis, and the changes numbered on the
stretches prosody.explain names. Built from generated tracks with known values."""

from __future__ import annotations

import numpy as np
import pytest

from prosody.analysis import Tracks
from prosody.explain import Mark
from ui import views


def tracks(f0_hz: np.ndarray, *, lead_s: float = 2.0) -> Tracks:
    """Tracks of a 1 s voiced stretch at ``f0_hz`` after ``lead_s`` of silence at -100 dBFS."""
    n_lead, n = int(lead_s * 100), len(f0_hz)
    total = n_lead + n + 50
    time_s = np.arange(total) * 0.01
    f0 = np.full(total, np.nan)
    f0[n_lead:n_lead + n] = f0_hz
    voiced = np.isfinite(f0)
    level = np.full(total, -100.0)
    level[n_lead:n_lead + n] = -20.0 + 5 * np.sin(np.arange(n) / 7)
    return Tracks(time_s=time_s, f0_hz=f0, voiced=voiced, loudness_db=level, speech=voiced,
                  syllable_times_s=np.array([lead_s + 0.2, lead_s + 0.6]), pauses=(),
                  phrases=((lead_s, lead_s + n / 100),))


def layers(chart) -> tuple[list[dict], list[dict]]:
    spec = chart.to_dict()
    return spec["vconcat"][0]["layer"], spec["vconcat"][1]["layer"]


def test_loudness_is_drawn_up_from_the_quietest_speech():
    _, loud = layers(views.contour_chart(tracks(np.full(100, 200.0)), ref_hz=200.0,
                                         band_st=None))
    area = loud[0]
    assert area["mark"]["type"] == "area"
    floor = area["encoding"]["y2"]["datum"]
    assert area["encoding"]["y"]["scale"]["domain"] == [floor, 0]
    assert -40 <= floor <= -25  # under the speech at -25 to -15 dBFS, not at -100
    assert area["mark"]["clip"] is True


def test_pitch_beyond_the_chart_is_marked_at_its_edge():
    f0 = np.full(100, 200.0)
    f0[40:60] = 200.0 * 2 ** (30 / 12)  # two and a half octaves up: beyond the chart
    top, _ = layers(views.contour_chart(tracks(f0), ref_hz=200.0, band_st=(-4.0, 1.0)))
    line = next(layer for layer in top if layer["mark"]["type"] == "line")
    lo, hi = line["encoding"]["y"]["scale"]["domain"]
    assert hi == views.PITCH_VIEW_ST
    assert line["mark"]["clip"] is True
    edges = [layer for layer in top if layer["mark"]["type"] == "point"]
    assert [e["mark"]["shape"] for e in edges] == ["triangle-up"]  # marked at the top edge
    legend = line["encoding"]["color"]["scale"]["domain"]
    assert legend[:2] == ["your pitch", "calm pitch zone"]
    assert "beyond the chart" in legend


def test_the_time_axis_spans_the_speech_not_the_silence_before_it():
    top, loud = layers(views.contour_chart(tracks(np.full(100, 200.0), lead_s=3.0),
                                           ref_hz=200.0, band_st=None))
    x = next(layer for layer in top if layer["mark"]["type"] == "line")["encoding"]["x"]
    t0, t1 = x["scale"]["domain"]
    assert t0 == pytest.approx(3.0 - views.SPEECH_VIEW_MARGIN_S)
    assert t1 == pytest.approx(4.0 + views.SPEECH_VIEW_MARGIN_S, abs=0.02)
    assert x["scale"]["zero"] is False


def test_each_change_is_numbered_on_its_stretch_and_panel():
    chart = views.contour_chart(tracks(np.full(100, 200.0)), ref_hz=200.0, band_st=None,
                                marks=[(1, Mark("pitch", 2.0, 2.5)), (2, Mark("loudness", 2.2,
                                                                               2.8))])
    numbers = {r["number"] for rows in chart.to_dict()["datasets"].values() for r in rows
               if "number" in r}
    assert numbers == {"1", "2"}
    top, loud = layers(chart)
    assert any(layer["mark"]["type"] == "circle" for layer in top)
    assert any(layer["mark"]["type"] == "circle" for layer in loud)
