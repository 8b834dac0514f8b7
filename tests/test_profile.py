"""Coaching profiles: the shipped soothing profile is complete and every broken profile is refused
with a message that names the key and the rule."""

from __future__ import annotations

import copy
import math
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prosody.errors import ProsodyError
from prosody.profile import (
    PROFILES_DIR,
    Target,
    available_profiles,
    load_profile,
    parse_profile,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SOOTHING = PROFILES_DIR / "soothing.toml"


@pytest.fixture(scope="module")
def raw() -> dict:
    """The parsed TOML of the shipped profile, for building broken variants."""
    with SOOTHING.open("rb") as f:
        return tomllib.load(f)


def test_soothing_loads_by_name_and_by_path():
    by_name = load_profile("soothing")
    by_path = load_profile(SOOTHING)
    assert by_name.features == by_path.features


def test_soothing_is_listed():
    assert "soothing" in available_profiles()


def test_soothing_has_a_version():
    assert load_profile().version.count(".") == 2


def test_every_feature_says_why_and_where_from():
    for spec in load_profile().features:
        assert len(spec.rationale) > 20, spec.name
        assert len(spec.source) > 10, spec.name


def test_every_feature_has_a_baseline_target():
    assert all(spec.relative is not None for spec in load_profile().features)


def test_features_without_absolute_fallback_are_only_loudness():
    # a level in dBFS depends on the microphone: it is never judged without a baseline
    missing = [s.name for s in load_profile().features if s.absolute is None]
    assert missing == ["loudness"]


def test_the_scenarios_of_the_issue_are_there():
    assert set(load_profile().scenario_names) == {"bedtime", "de-escalation", "check-in",
                                                  "repair"}


def test_check_in_question_may_rise_at_the_end():
    falls = load_profile().for_scenario("check-in").feature("final_falls")
    assert (falls.weight, falls.absolute_weight) == (0.0, 0.0)


def test_a_scenario_changes_only_what_it_names():
    base = load_profile().feature("tempo").relative
    bedtime = load_profile().for_scenario("bedtime").feature("tempo").relative
    assert (bedtime.low, bedtime.tolerance_high) == (-45.0, base.tolerance_high)


def test_a_scenario_leaves_other_features_alone():
    profile = load_profile()
    assert profile.for_scenario("bedtime").feature("pitch_level") == profile.feature("pitch_level")


def test_the_scenario_is_recorded():
    assert load_profile().for_scenario("repair").scenario == "repair"


def test_unknown_scenario_names_the_known_ones():
    with pytest.raises(ProsodyError, match="no scenario 'party'.*bedtime"):
        load_profile().for_scenario("party")


def test_unknown_profile_names_the_known_ones():
    with pytest.raises(ProsodyError, match="no profile named 'shouty'.*soothing"):
        load_profile("shouty")


def test_missing_profile_file():
    with pytest.raises(ProsodyError, match="no profile file"):
        load_profile(Path("nowhere/else.toml"))


def test_invalid_toml(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[profile\nname = 'x'\n")
    with pytest.raises(ProsodyError, match="not valid TOML"):
        load_profile(path)


def _set(path: str, value):
    """An edit of the parsed profile: set the dotted ``path`` to ``value`` (None deletes it)."""
    def edit(data: dict) -> dict:
        keys = path.split(".")
        node = data
        for key in keys[:-1]:
            node = node[key]
        if value is None:
            del node[keys[-1]]
        else:
            node[keys[-1]] = value
        return data
    return edit


BROKEN = [
    # the version is what every stored take records
    (_set("profile.version", None), r"profile is missing version"),
    # a typo in a key must not pass silently
    (_set("features.tempo.wieght", 2.0), r"features.tempo has unknown key\(s\) wieght"),
    # only measures the analysis produces can be scored
    (_set("features.tempo.measure", "speed"), r"features.tempo.measure must be one of"),
    # a range upside down
    (_set("features.tempo.relative", {"compare": "percent", "low": 5.0, "high": -5.0,
                                      "tolerance": 5.0}), r"has low=5.0 above high=-5.0"),
    # a zero tolerance would divide by zero
    (_set("features.tempo.relative.tolerance", 0.0), r"tolerance must be greater than 0"),
    (_set("features.tempo.relative.tolerance_low", -1.0),
     r"tolerance_low must be greater than 0"),
    # a relative target compares with the baseline, an absolute one does not
    (_set("features.tempo.relative.compare", "value"), r"relative.compare must be one of st"),
    (_set("features.tempo.absolute.compare", "st"), r"absolute.compare must be one of value"),
    # a target needs at least one edge
    (_set("features.tempo.relative", {"compare": "percent", "tolerance": 5.0}),
     r"needs low, high or both"),
    (_set("features.tempo.weight", -1.0), r"weight must be at least 0"),
    (_set("features.tempo.weight", "heavy"), r"weight must be a finite number"),
    (_set("features.tempo.weight", math.inf), r"weight must be a finite number"),
    (_set("features.tempo.min_syllables", 2.5), r"min_syllables must be a whole number"),
    (_set("features.tempo.rationale", ""), r"rationale must be a non-empty string"),
    (_set("features.tempo.general_weight", -0.1), r"general_weight must be at least 0"),
    # the general weight weighs the absolute target beside the baseline: it needs one
    (_set("features.loudness.general_weight", 0.2), r"general_weight weighs the absolute target"),
    # a tip may only use the placeholders the coach fills
    (_set("features.tempo.tip_high", "You were {speed} fast"), r"placeholders"),
    # a bounded side needs its tip
    (_set("features.tempo.tip_low", None), r"features.tempo needs tip_low"),
    (lambda d: _set("features.tempo.absolute", None)(_set("features.tempo.relative", None)(d)),
     r"needs a relative target, an absolute target or both"),
    (_set("features", {}), r"features must define at least one feature"),
    (_set("features.tempo", "fast"), r"features.tempo must be a table"),
    (_set("guards.monotone_cap", 150.0), r"monotone_cap must be a score from 0 to 100"),
    (_set("guards.min_voiced_s", None), r"guards is missing min_voiced_s"),
    # a noise limit must name a measure the profile judges
    (_set("guards.snr_limits_db.f0_mean_hz", 10.0), r"snr_limits_db.f0_mean_hz names no measure"),
    (_set("phrase_notes.jump_st", 0.0), r"jump_st must be greater than 0"),
    # a scenario can only override features the profile has
    (_set("scenarios.bedtime.features.humming", {"rationale": "x", "weight": 1.0}),
     r"overrides unknown feature\(s\) humming"),
    (_set("scenarios.bedtime.features.tempo.rationale", None),
     r"scenarios.bedtime.features.tempo is missing rationale"),
    (_set("scenarios.bedtime.features.tempo.relative", {"low": 20.0}),
     r"has low=20.0 above high=-10.0"),
    (_set("scenarios.bedtime.label", None), r"scenarios.bedtime is missing label"),
]


@pytest.mark.parametrize(("edit", "message"), BROKEN)
def test_broken_profiles_are_refused(raw, edit, message):
    data = edit(copy.deepcopy(raw))
    with pytest.raises(ProsodyError, match=r"the profile edited\.toml: .*" + message):
        parse_profile(data, source="edited.toml")


def test_an_absolute_target_alone_is_enough(raw):
    data = _set("features.pitch_movement.relative", None)(copy.deepcopy(raw))
    assert parse_profile(data).feature("pitch_movement").relative is None


def test_a_scenario_overriding_a_missing_target_must_give_it_whole(raw):
    data = _set("features.tempo.relative", None)(copy.deepcopy(raw))
    with pytest.raises(ProsodyError, match="tempo.relative is missing compare, tolerance"):
        parse_profile(data)


def test_a_scenario_tolerance_replaces_both_sides(raw):
    data = copy.deepcopy(raw)
    data["scenarios"]["bedtime"]["features"]["tempo"]["relative"] = {"tolerance": 7.0}
    target = parse_profile(data).for_scenario("bedtime").feature("tempo").relative
    assert (target.tolerance_low, target.tolerance_high) == (7.0, 7.0)


def test_miss_is_counted_in_tolerances_per_side():
    target = Target("percent", -40.0, -10.0, tolerance_low=15.0, tolerance_high=5.0)
    assert (target.miss(-25.0), target.miss(0.0), target.miss(-55.0)) == (0.0, 2.0, 1.0)


@given(value=st.floats(-1e6, 1e6), low=st.floats(-100, 100), width=st.floats(0, 100),
       tol_low=st.floats(0.01, 50), tol_high=st.floats(0.01, 50))
def test_miss_is_zero_exactly_inside(value, low, width, tol_low, tol_high):
    target = Target("difference", low, low + width, tol_low, tol_high)
    inside = low <= value <= low + width
    assert (target.miss(value) == 0.0) == inside


@given(value=st.floats(-1e6, 1e6), high=st.floats(-100, 100))
def test_an_open_side_never_misses(value, high):
    target = Target("difference", None, high, 1.0, 1.0)
    assert target.miss(min(value, high)) == 0.0
