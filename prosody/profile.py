"""Coaching profiles: what a calm, soothing voice should sound like, as versioned data.

A profile (``samples/profiles/<name>.toml``) lists the features the coach scores. Each feature has
a target relative to the speaker's baseline (their everyday voice) and an absolute fallback for
when there is no baseline, a weight, the words of its tips, and the rationale and source behind
its numbers. Scenarios (bedtime, de-escalation, ...) override some targets.

:func:`load_profile` reads and checks a profile; every mistake in the file gives a
:class:`~prosody.errors.ProsodyError` that names the file, the key and what is expected.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import ProsodyError
from .samples import read_toml, sample_path

#: Where named profiles live: ``samples/profiles`` (see :mod:`prosody.samples`).
PROFILES_DIR = sample_path("profiles")
DEFAULT_PROFILE = "soothing"

#: How a take is compared with its reference.
#: ``st``: 12·log2(take / baseline); ``percent``: 100·(take / baseline − 1);
#: ``difference``: take − baseline, in the measure's own unit; ``value``: the take's own value
#: (absolute targets only); ``expected_st``: 12·log2(take / the pitch expected of this voice),
#: the summary's ``f0_expected_hz`` (absolute targets of a pitch in Hz only).
Comparison = Literal["st", "percent", "difference", "value", "expected_st"]
RELATIVE_COMPARISONS: tuple[str, ...] = ("st", "percent", "difference")
#: The side of a target where a feature sounds tense: above its range or below it.
Side = Literal["high", "low"]
ABSOLUTE_COMPARISONS: tuple[str, ...] = ("value", "expected_st")

#: Measures the coach computes itself from the frame tracks (not Summary keys); their units.
DERIVED_MEASURES: dict[str, str] = {
    # share of the loud speech frames with no steady pitch: creak, roughness, pitch breaks
    "irregular_voicing_fraction": "share",
}

#: Units of the Summary measures a profile may score (DESIGN.md).
SUMMARY_UNITS: dict[str, str] = {
    "f0_median_hz": "Hz",
    "f0_p10_hz": "Hz",
    "f0_p90_hz": "Hz",
    "f0_range_st": "st",
    "f0_sd_st": "st",
    "f0_velocity_st_per_s": "st/s",
    "final_fall_fraction": "share",
    "speech_rate_syl_per_s": "syl/s",
    "voiced_rate_syl_per_s": "syl/s",
    "articulation_rate_syl_per_s": "syl/s",
    "pause_count": "pauses",
    "pause_mean_s": "s",
    "pause_ratio": "share",
    "phrase_count": "phrases",
    "phrase_mean_syl": "syl",
    "loudness_db": "dBFS",
    "loudness_sd_db": "dB",
    "loudness_range_db": "dB",
    "onset_slope_db_per_s": "dB/s",
    "alpha_ratio_db": "dB",
    "hammarberg_db": "dB",
    "spectral_centroid_hz": "Hz",
    "spectral_flux": "flux",
    "speech_level_db": "dBFS",
}
MEASURE_UNITS: dict[str, str] = {**SUMMARY_UNITS, **DERIVED_MEASURES}


@dataclass(frozen=True)
class Target:
    """A target range and how far outside it a value may stray before it loses half its points.

    Attributes
    ----------
    comparison : {'st', 'percent', 'difference', 'value'}
    low, high : float or None
        edges of the range, in the unit of the compared value; None means open on that side
    tolerance_low, tolerance_high : float > 0
        distance below ``low`` / above ``high``, same unit, at which the feature earns half its
        points. They may differ: for calm, overshooting towards arousal (higher, faster, louder)
        is a worse miss than overshooting towards calm.
    """

    comparison: Comparison
    low: float | None
    high: float | None
    tolerance_low: float
    tolerance_high: float

    def miss(self, value: float) -> float:
        """How far ``value`` lies outside the range in tolerances (0 inside)."""
        if self.low is not None and value < self.low:
            return (self.low - value) / self.tolerance_low
        if self.high is not None and value > self.high:
            return (value - self.high) / self.tolerance_high
        return 0.0

    def tension(self, value: float, tense: Side) -> float:
        """How far ``value`` lies on the ``tense`` side of the range, in tolerances (unclipped).

        For most features the tense side is above ``high`` (a higher, faster, louder, brighter
        voice); for a few it is below ``low`` (fewer pauses, fewer falling phrase ends).
        Negative values are the calm side: a tolerance calmer than the edge is -1. Without an
        edge on the tense side there is no tension (0).
        """
        if tense == "high":
            return 0.0 if self.high is None else (value - self.high) / self.tolerance_high
        return 0.0 if self.low is None else (self.low - value) / self.tolerance_low

    def in_hz(self, expected_f0_hz: float | None) -> Target | None:
        """An ``expected_st`` target (semitones around the pitch expected of the voice) as a
        plain target in Hz around ``expected_f0_hz``; None when that pitch is unknown. Each
        tolerance becomes the distance in Hz it spans at its edge. Other targets: unchanged."""
        if self.comparison != "expected_st":
            return self
        if expected_f0_hz is None or not expected_f0_hz > 0:
            return None

        def hz(st: float | None) -> float | None:
            return None if st is None else expected_f0_hz * 2.0 ** (st / 12.0)

        low, high = hz(self.low), hz(self.high)
        return Target("value", low, high,
                      tolerance_low=(low or expected_f0_hz)
                      * (1.0 - 2.0 ** (-self.tolerance_low / 12.0)),
                      tolerance_high=(high or expected_f0_hz)
                      * (2.0 ** (self.tolerance_high / 12.0) - 1.0))

    def too_calm(self, value: float, tense: Side) -> float:
        """How far ``value`` lies beyond the edge opposite the ``tense`` side, in tolerances
        (0 inside, or with no such edge): too slow, too soft, pressed too low, too flat, too
        many pauses."""
        if tense == "high":
            return 0.0 if self.low is None or value >= self.low else (
                (self.low - value) / self.tolerance_low)
        return 0.0 if self.high is None or value <= self.high else (
            (value - self.high) / self.tolerance_high)


@dataclass(frozen=True)
class Wording:
    """The plain words the coach uses for one feature.

    ``more``/``less`` name the direction of a change ("higher"/"lower", "faster"/"slower");
    ``tip_high``/``tip_low`` are the advice when the value is above or below its range and
    ``praise`` is said when it is on target. In all three, ``{how_much}`` becomes a phrase such
    as "about 2 semitones higher than your everyday voice" and ``{aim}`` the target in words,
    such as "10 to 25 % slower than your everyday voice".
    """

    more: str
    less: str
    tip_high: str
    tip_low: str
    praise: str


@dataclass(frozen=True)
class FeatureSpec:
    """One scored feature of a profile."""

    name: str
    label: str
    measure: str
    weight: float
    absolute_weight: float
    relative: Target | None
    absolute: Target | None
    wording: Wording
    rationale: str
    source: str
    #: the feature is judged only when the take has at least this many syllables
    min_syllables: int = 0
    #: the side of its targets where the feature sounds tense (the other side is "too calm")
    tense: Side = "high"
    #: with a baseline, the weight of the feature's tension against its *absolute* target too
    #: (calm voices in general), beside its ``weight`` against the baseline
    general_weight: float = 0.0

    @property
    def measure_unit(self) -> str:
        return MEASURE_UNITS[self.measure]


@dataclass(frozen=True)
class Guards:
    """Limits that stop or cap scoring: calm is not flat, a whisper is not a voice, and a
    recording must be good enough to judge."""

    monotone_floor_st: float
    monotone_cap: float
    whisper_voiced_fraction: float
    min_voiced_s: float
    max_clipped_fraction: float
    min_speech_level_dbfs: float
    #: (measure, SNR in dB as the analysis reads it, ``quality.snr_db``) pairs: below that SNR
    #: the measure is unreliable and not judged (``benchmarks/noise_robustness.py``)
    snr_limits_db: tuple[tuple[str, float], ...] = ()

    def snr_limit_db(self, measure: str) -> float | None:
        """The SNR in dB below which ``measure`` is not judged, or None (no limit)."""
        return dict(self.snr_limits_db).get(measure)


@dataclass(frozen=True)
class ScoreModel:
    """How the judged features add up to the calm score (docs/coach.md).

    ``score = 100 / (1 + exp(-logit))`` with ``logit = bias - sum(weight * tension) -
    too_calm_weight * sum(too_calm)``, each tension clipped to ``[-calm_credit, tension_cap]``
    and each too-calm distance to ``tension_cap``; ``absolute_bias`` replaces ``bias`` without a
    baseline, and with one each feature's ``general_weight`` times its tension against its
    absolute target joins the sum. Weights and biases are fitted (benchmarks/fit_calm.py) and
    recorded with their provenance in the profile.
    """

    bias: float
    absolute_bias: float
    calm_credit: float
    tension_cap: float
    too_calm_weight: float


@dataclass(frozen=True)
class PhraseNoteLimits:
    """How far a phrase or moment must stand out before the coach names it."""

    pitch_st: float
    level_db: float
    rate_percent: float
    jump_st: float
    jump_window_s: float


@dataclass(frozen=True)
class Scenario:
    """A named situation that overrides some targets (and says so)."""

    name: str
    label: str
    description: str
    features: tuple[FeatureSpec, ...]


@dataclass(frozen=True)
class Profile:
    """A checked coaching profile.

    ``features`` are the ones in force: a profile returned by :meth:`for_scenario` carries the
    scenario's overrides and its ``scenario`` name.
    """

    name: str
    version: str
    description: str
    features: tuple[FeatureSpec, ...]
    guards: Guards
    phrase_notes: PhraseNoteLimits
    scenarios: tuple[Scenario, ...]
    path: str
    score: ScoreModel
    scenario: str | None = None

    def feature(self, name: str) -> FeatureSpec:
        for spec in self.features:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def scenario_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.scenarios)

    def for_scenario(self, name: str | None) -> Profile:
        """This profile with the targets of scenario ``name`` in force (None: unchanged).

        Raises
        ------
        ProsodyError
            when the profile has no such scenario; the message lists the ones it has.
        """
        if name is None:
            return self
        for scenario in self.scenarios:
            if scenario.name == name:
                return dataclasses.replace(self, features=scenario.features, scenario=name)
        known = ", ".join(self.scenario_names) or "none"
        raise ProsodyError(
            f"the profile {self.name!r} has no scenario {name!r}; choose one of: {known}."
        )


# ---------------------------------------------------------------------------------------------
# Loading


def load_profile(name_or_path: str | Path = DEFAULT_PROFILE) -> Profile:
    """Read and check a profile by name (``samples/profiles/<name>.toml``) or by file path.

    Parameters
    ----------
    name_or_path : str or Path
        a profile name such as ``"soothing"``, or the path of a ``.toml`` file

    Returns
    -------
    Profile

    Raises
    ------
    ProsodyError
        when the file is missing, is not valid TOML, or breaks a rule of the profile format;
        the message names the file, the key and what it must be.
    """
    path = _resolve(name_or_path)
    return parse_profile(read_toml(path, "profile"), source=str(path))


def available_profiles() -> tuple[str, ...]:
    """Names of the profiles in ``samples/profiles``."""
    if not PROFILES_DIR.is_dir():
        return ()
    return tuple(sorted(p.stem for p in PROFILES_DIR.glob("*.toml")))


def _resolve(name_or_path: str | Path) -> Path:
    candidate = Path(name_or_path)
    looks_like_path = (
        isinstance(name_or_path, Path) or candidate.suffix == ".toml" or len(candidate.parts) > 1
    )
    if looks_like_path:
        if not candidate.is_file():
            raise ProsodyError(f"there is no profile file {candidate}; check the path.")
        return candidate
    path = PROFILES_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        known = ", ".join(available_profiles()) or "none found"
        raise ProsodyError(
            f"there is no profile named {str(name_or_path)!r} in {PROFILES_DIR}; "
            f"choose one of: {known}, or give the path of a .toml file."
        )
    return path


def parse_profile(data: Mapping, *, source: str = "<profile>") -> Profile:
    """Check the parsed TOML of a profile and build a :class:`Profile`.

    Raises
    ------
    ProsodyError
        naming ``source``, the key and the rule it breaks.
    """
    r = _Reader(source)
    r.keys(data, "", required={"profile", "score", "features", "guards", "phrase_notes"},
           optional={"scenarios"})
    head = r.table(data, "profile")
    r.keys(head, "profile", required={"name", "version", "description"})
    name = r.text(head, "name", "profile")
    version = r.text(head, "version", "profile")
    description = r.text(head, "description", "profile")

    raw_features = r.table(data, "features")
    if not raw_features:
        raise r.error("features", "must define at least one feature")
    features = tuple(r.feature(key, raw) for key, raw in raw_features.items())

    g = r.table(data, "guards")
    guard_keys = {f.name for f in dataclasses.fields(Guards)} - {"snr_limits_db"}
    r.keys(g, "guards", required=guard_keys, optional={"snr_limits_db"})
    # a level in dBFS is negative; every other guard is a size, a share or a count
    numbers = {k: r.number(g, k, "guards", minimum=None if k.endswith("_dbfs") else 0.0)
               for k in sorted(guard_keys)}
    limits_raw = r.table(g, "snr_limits_db", default={})
    measures = {f.measure for f in features}
    if any(f.absolute is not None and f.absolute.comparison == "expected_st" for f in features):
        measures.add("f0_expected_hz")  # the reference of a pitch judged without a baseline
    for key in limits_raw:
        if key not in measures:
            raise r.error(f"guards.snr_limits_db.{key}",
                          f"names no measure of a feature (known: {', '.join(sorted(measures))})")
    limits = {k: r.number(limits_raw, k, "guards.snr_limits_db", minimum=None)
              for k in sorted(limits_raw)}
    guards = Guards(**numbers, snr_limits_db=tuple(limits.items()))
    if not 0 <= guards.monotone_cap <= 100:
        raise r.error("guards.monotone_cap",
                      f"must be a score from 0 to 100, not {guards.monotone_cap}")

    pn = r.table(data, "phrase_notes")
    note_keys = {f.name for f in dataclasses.fields(PhraseNoteLimits)}
    r.keys(pn, "phrase_notes", required=note_keys)
    notes = PhraseNoteLimits(
        **{k: r.number(pn, k, "phrase_notes", minimum=0.0, exclusive=True) for k in note_keys}
    )

    sc = r.table(data, "score")
    score_keys = {f.name for f in dataclasses.fields(ScoreModel)}
    r.keys(sc, "score", required=score_keys)
    score = ScoreModel(
        bias=r.number(sc, "bias", "score"),
        absolute_bias=r.number(sc, "absolute_bias", "score"),
        calm_credit=r.number(sc, "calm_credit", "score", minimum=0.0),
        tension_cap=r.number(sc, "tension_cap", "score", minimum=0.0, exclusive=True),
        too_calm_weight=r.number(sc, "too_calm_weight", "score", minimum=0.0),
    )

    scenarios = []
    for key, raw in r.table(data, "scenarios", default={}).items():
        scenarios.append(r.scenario(key, raw, features))
    return Profile(name=name, version=version, description=description, features=features,
                   guards=guards, phrase_notes=notes, scenarios=tuple(scenarios), path=source,
                   score=score)


_FEATURE_REQUIRED = {"label", "measure", "weight", "rationale", "source", "more", "less", "praise"}
# a tip is needed only on a side where some target is bounded
_FEATURE_OPTIONAL = {"absolute_weight", "general_weight", "relative", "absolute",
                     "min_syllables", "tip_high", "tip_low", "tense"}


class _Reader:
    """Typed access to the parsed TOML with messages that name the file and the key."""

    def __init__(self, source: str):
        self.source = source

    def error(self, where: str, what: str) -> ProsodyError:
        return ProsodyError(f"the profile {self.source}: {where} {what}.")

    def keys(self, table: Mapping, where: str, *, required: set[str],
             optional: set[str] = frozenset()) -> None:
        missing = sorted(required - table.keys())
        unknown = sorted(table.keys() - required - optional)
        label = where or "the top level"
        if missing:
            raise self.error(label, f"is missing {', '.join(missing)}")
        if unknown:
            allowed = ", ".join(sorted(required | optional))
            raise self.error(label, f"has unknown key(s) {', '.join(unknown)}; allowed: {allowed}")

    def table(self, parent: Mapping, key: str, *, default=None) -> Mapping:
        value = parent.get(key, default)
        if not isinstance(value, Mapping):
            raise self.error(key, f"must be a table, not {type(value).__name__}")
        return value

    def text(self, table: Mapping, key: str, where: str) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"{where}.{key}", f"must be a non-empty string, not {value!r}")
        return value.strip()

    def number(self, table: Mapping, key: str, where: str, *, minimum: float | None = None,
               exclusive: bool = False, optional: bool = False) -> float | None:
        value = table.get(key)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(
                value):
            raise self.error(f"{where}.{key}", f"must be a finite number, not {value!r}")
        if minimum is not None and (value <= minimum if exclusive else value < minimum):
            rule = "greater than" if exclusive else "at least"
            raise self.error(f"{where}.{key}", f"must be {rule} {minimum:g}, not {value}")
        return float(value)

    def target(self, raw, where: str, *, relative: bool) -> Target:
        if not isinstance(raw, Mapping):
            raise self.error(where, f"must be a table, not {type(raw).__name__}")
        self.keys(raw, where, required={"compare", "tolerance"},
                  optional={"low", "high", "tolerance_low", "tolerance_high"})
        compare = raw["compare"]
        allowed = RELATIVE_COMPARISONS if relative else ABSOLUTE_COMPARISONS
        if compare not in allowed:
            raise self.error(f"{where}.compare",
                             f"must be one of {', '.join(allowed)}, not {compare!r}")
        low = self.number(raw, "low", where, optional=True)
        high = self.number(raw, "high", where, optional=True)
        if low is None and high is None:
            raise self.error(where, "needs low, high or both")
        if low is not None and high is not None and low > high:
            raise self.error(where, f"has low={low} above high={high}")
        tolerance = self.number(raw, "tolerance", where, minimum=0.0, exclusive=True)
        sides = {side: self.number(raw, side, where, minimum=0.0, exclusive=True, optional=True)
                 for side in ("tolerance_low", "tolerance_high")}
        return Target(compare, low, high,
                      tolerance_low=sides["tolerance_low"] or tolerance,
                      tolerance_high=sides["tolerance_high"] or tolerance)

    def feature(self, key: str, raw) -> FeatureSpec:
        where = f"features.{key}"
        if not isinstance(raw, Mapping):
            raise self.error(where, f"must be a table, not {type(raw).__name__}")
        self.keys(raw, where, required=_FEATURE_REQUIRED, optional=_FEATURE_OPTIONAL)
        measure = self.text(raw, "measure", where)
        if measure not in MEASURE_UNITS:
            raise self.error(f"{where}.measure",
                             f"must be one of {', '.join(sorted(MEASURE_UNITS))}, not {measure!r}")
        relative = (self.target(raw["relative"], f"{where}.relative", relative=True)
                    if "relative" in raw else None)
        absolute = (self.target(raw["absolute"], f"{where}.absolute", relative=False)
                    if "absolute" in raw else None)
        if relative is None and absolute is None:
            raise self.error(where, "needs a relative target, an absolute target or both")
        if (absolute is not None and absolute.comparison == "expected_st"
                and MEASURE_UNITS[measure] != "Hz"):
            raise self.error(f"{where}.absolute.compare",
                             f"expected_st compares a pitch in Hz, and {measure} is not one")
        weight = self.number(raw, "weight", where, minimum=0.0)
        absolute_weight = self.number(raw, "absolute_weight", where, minimum=0.0, optional=True)
        general_weight = self.number(raw, "general_weight", where, minimum=0.0, optional=True)
        if general_weight and absolute is None:
            raise self.error(f"{where}.general_weight",
                             "weighs the absolute target beside the baseline, and there is none")
        min_syllables = raw.get("min_syllables", 0)
        if isinstance(min_syllables, bool) or not isinstance(min_syllables, int) or (
                min_syllables < 0):
            raise self.error(f"{where}.min_syllables",
                             f"must be a whole number of at least 0, not {min_syllables!r}")
        targets = [t for t in (relative, absolute) if t is not None]
        default_side = "high" if any(t.high is not None for t in targets) else "low"
        tense = raw.get("tense", default_side)
        if tense not in ("high", "low"):
            raise self.error(f"{where}.tense", f"must be \"high\" or \"low\", not {tense!r}")
        words = {k: self.text(raw, k, where) for k in ("more", "less", "praise")}
        for side in ("high", "low"):
            tip = f"tip_{side}"
            if tip in raw:
                words[tip] = self.text(raw, tip, where)
            elif any(getattr(t, side) is not None for t in targets):
                raise self.error(where, f"needs {tip}: a target has a {side} edge")
            else:
                words[tip] = ""
        wording = Wording(**words)
        for k in ("tip_high", "tip_low", "praise"):
            self._check_template(getattr(wording, k), f"{where}.{k}")
        return FeatureSpec(
            name=key, label=self.text(raw, "label", where), measure=measure, weight=weight,
            absolute_weight=weight if absolute_weight is None else absolute_weight,
            relative=relative, absolute=absolute, wording=wording,
            rationale=self.text(raw, "rationale", where), source=self.text(raw, "source", where),
            min_syllables=min_syllables, tense=tense, general_weight=general_weight or 0.0,
        )

    def _check_template(self, template: str, where: str) -> None:
        try:
            template.format(how_much="x", aim="y")
        except (KeyError, IndexError, ValueError) as exc:
            raise self.error(
                where, f"may only use the placeholders {{how_much}} and {{aim}} (found {exc})"
            ) from exc

    def scenario(self, key: str, raw, base: tuple[FeatureSpec, ...]) -> Scenario:
        where = f"scenarios.{key}"
        if not isinstance(raw, Mapping):
            raise self.error(where, f"must be a table, not {type(raw).__name__}")
        self.keys(raw, where, required={"label", "description"}, optional={"features"})
        overrides = self.table(raw, "features", default={})
        by_name = {f.name: f for f in base}
        unknown = sorted(overrides.keys() - by_name.keys())
        if unknown:
            raise self.error(f"{where}.features",
                             f"overrides unknown feature(s) {', '.join(unknown)}; the profile "
                             f"has {', '.join(by_name)}")
        features = []
        for spec in base:
            change = overrides.get(spec.name)
            features.append(spec if change is None else
                            self.override(spec, change, f"{where}.features.{spec.name}"))
        return Scenario(name=key, label=self.text(raw, "label", where),
                        description=self.text(raw, "description", where),
                        features=tuple(features))

    def override(self, spec: FeatureSpec, raw, where: str) -> FeatureSpec:
        if not isinstance(raw, Mapping):
            raise self.error(where, f"must be a table, not {type(raw).__name__}")
        allowed = {"weight", "absolute_weight", "relative", "absolute", "rationale", "tip_high",
                   "tip_low", "praise"}
        self.keys(raw, where, required={"rationale"}, optional=allowed)
        changes: dict = {"rationale": self.text(raw, "rationale", where)}
        if "weight" in raw:
            changes["weight"] = self.number(raw, "weight", where, minimum=0.0)
            if "absolute_weight" not in raw and spec.absolute_weight == spec.weight:
                changes["absolute_weight"] = changes["weight"]
        if "absolute_weight" in raw:
            changes["absolute_weight"] = self.number(raw, "absolute_weight", where, minimum=0.0)
        for kind in ("relative", "absolute"):
            if kind in raw:
                # a scenario names only what it changes; the rest of the target stays
                if not isinstance(raw[kind], Mapping):
                    raise self.error(f"{where}.{kind}",
                                     f"must be a table, not {type(raw[kind]).__name__}")
                current = getattr(spec, kind)
                merged = _target_dict(current) if current else {}
                if "tolerance" in raw[kind]:  # a new common tolerance replaces both sides
                    merged.pop("tolerance_low", None)
                    merged.pop("tolerance_high", None)
                merged.update(raw[kind])
                changes[kind] = self.target(merged, f"{where}.{kind}", relative=kind == "relative")
        words = {k: self.text(raw, k, where) for k in ("tip_high", "tip_low", "praise") if k in raw}
        if words:
            for k, v in words.items():
                self._check_template(v, f"{where}.{k}")
            changes["wording"] = dataclasses.replace(spec.wording, **words)
        return dataclasses.replace(spec, **changes)


def _target_dict(target: Target) -> dict:
    out = {"compare": target.comparison, "tolerance": target.tolerance_high,
           "tolerance_low": target.tolerance_low, "tolerance_high": target.tolerance_high}
    if target.low is not None:
        out["low"] = target.low
    if target.high is not None:
        out["high"] = target.high
    return out


__all__ = [
    "DEFAULT_PROFILE",
    "FeatureSpec",
    "Guards",
    "PhraseNoteLimits",
    "Profile",
    "Scenario",
    "ScoreModel",
    "Target",
    "Wording",
    "available_profiles",
    "load_profile",
    "parse_profile",
]
