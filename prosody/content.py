"""Practice content: the phrase library and the exercises, checked, and exercise attempts judged.

``samples/phrases.toml`` holds the phrases people practise, grouped by audience and situation
(phrase sets); ``samples/exercises.toml`` holds structured exercises, each with pass criteria on
named features of the analysis, relative to the speaker's baseline or absolute without one.
:func:`load_phrases` and :func:`load_exercises` read and check them: every mistake in a file is a
:class:`~prosody.errors.ProsodyError` that names the file, the entry and what it must be.
:func:`evaluate_exercise` judges one attempt and says, criterion by criterion, what was measured,
what was aimed for and whether it passed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .errors import ProsodyError
from .samples import read_toml, sample_path
from .util import relative_change, rounded

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import Analysis

PHRASES_PATH = sample_path("phrases.toml")
EXERCISES_PATH = sample_path("exercises.toml")

Audience = Literal["child", "teen", "partner", "client"]


@dataclass(frozen=True)
class AudienceLabel:
    """How an audience is named: ``pair``, who speaks with whom (a phrase set's title, "Parent
    and young child"); ``listener``, who is spoken to ("A child": the app's "Who are you
    practising for?")."""

    pair: str
    listener: str


AUDIENCES: dict[str, AudienceLabel] = {
    "child": AudienceLabel("Parent and young child", "A child"),
    "teen": AudienceLabel("Parent and teenager", "A teenager"),
    "partner": AudienceLabel("Partners", "A partner"),
    "client": AudienceLabel("Therapist and client", "A client"),
}
ENDINGS = ("fall", "rise", "either")
LEARNERS = ("parent", "partner", "therapist")
#: Scenarios of the soothing profile a phrase or an exercise may name.
SCENARIOS = ("bedtime", "de-escalation", "check-in", "repair")
#: The derived measure of the "match the model" exercise: :func:`prosody.model.similarity`.
MODEL_SIMILARITY = "model_similarity"
Compare = Literal["st", "percent", "difference", "value"]
RelativeTo = Literal["baseline", "absolute", "model"]


# ---------------------------------------------------------------------------------------------
# Phrases


@dataclass(frozen=True)
class Phrase:
    """One practice phrase of the library.

    Attributes
    ----------
    text : str
    audience : {'child', 'teen', 'partner', 'client'}
    situation : str
        the moment it is for ("meltdown", "fear at night", ...)
    scenario : str
        the soothing profile's scenario it is judged under
    intent, delivery : str
        what it is meant to do, and how to say it
    ending : {'fall', 'rise', 'either'}
    """

    text: str
    audience: Audience
    situation: str
    scenario: str
    intent: str
    delivery: str
    ending: str

    @property
    def set_id(self) -> str:
        """The phrase set it belongs to, e.g. ``"child/meltdown"``."""
        return set_id(self.audience, self.situation)

    def to_dict(self) -> dict:
        return {"text": self.text, "audience": self.audience, "situation": self.situation,
                "scenario": self.scenario, "intent": self.intent, "delivery": self.delivery,
                "ending": self.ending, "set": self.set_id}


@dataclass(frozen=True)
class PhraseSet:
    """The phrases of one audience and situation, e.g. "Parent and young child: meltdown"."""

    id: str
    audience: Audience
    situation: str
    title: str
    phrases: tuple[Phrase, ...]

    def to_dict(self) -> dict:
        return {"id": self.id, "audience": self.audience, "situation": self.situation,
                "title": self.title, "phrases": [p.text for p in self.phrases]}


def set_id(audience: str, situation: str) -> str:
    """The id of a phrase set: ``audience/situation`` with spaces as hyphens."""
    return f"{audience}/{situation.strip().lower().replace(' ', '-')}"


_PHRASE_KEYS = {"text", "audience", "situation", "scenario", "intent", "delivery", "ending"}


def load_phrases(path: str | Path | None = None) -> tuple[Phrase, ...]:
    """Read and check the phrase library.

    Parameters
    ----------
    path : str, Path or None
        a phrases file; None means ``samples/phrases.toml``

    Returns
    -------
    tuple of Phrase
        in the order of the file (the first is the one the app opens with)

    Raises
    ------
    ProsodyError
        naming the file, the phrase (by number and text) and the rule it breaks.
    """
    path = Path(path) if path is not None else PHRASES_PATH
    data = read_toml(path, "phrase library")
    return parse_phrases(data, source=str(path))


def parse_phrases(data: Mapping, *, source: str = "<phrases>") -> tuple[Phrase, ...]:
    """Check the parsed TOML of a phrase library; see :func:`load_phrases`."""
    r = _Reader(source)
    r.keys(data, "the top level", required={"phrase"}, optional={"version"})
    raw = data["phrase"]
    if not isinstance(raw, list) or not raw:
        raise r.error("the top level", "must hold at least one [[phrase]] table")
    phrases: list[Phrase] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(raw, 1):
        where = f"phrase {i}"
        if not isinstance(entry, Mapping):
            raise r.error(where, f"must be a table, not {type(entry).__name__}")
        if isinstance(entry.get("text"), str) and entry["text"].strip():
            where = f"phrase {i} ({entry['text'].strip()!r})"
        r.keys(entry, where, required=_PHRASE_KEYS)
        text = r.text(entry, "text", where)
        key = _norm(text)
        if key in seen:
            raise r.error(where, f"repeats phrase {seen[key]}; each phrase appears once")
        seen[key] = i
        phrases.append(Phrase(
            text=text,
            audience=r.choice(entry, "audience", where, tuple(AUDIENCES)),
            situation=r.text(entry, "situation", where),
            scenario=r.choice(entry, "scenario", where, SCENARIOS),
            intent=r.text(entry, "intent", where),
            delivery=r.text(entry, "delivery", where),
            ending=r.choice(entry, "ending", where, ENDINGS),
        ))
    return tuple(phrases)


def phrase_sets(phrases: Iterable[Phrase]) -> tuple[PhraseSet, ...]:
    """The phrase sets of a library, in the order they first appear."""
    groups: dict[str, list[Phrase]] = {}
    for p in phrases:
        groups.setdefault(p.set_id, []).append(p)
    return tuple(
        PhraseSet(id=k, audience=v[0].audience, situation=v[0].situation,
                  title=f"{AUDIENCES[v[0].audience].pair}: {v[0].situation}", phrases=tuple(v))
        for k, v in groups.items())


def phrase_set(set_id_: str, phrases: Iterable[Phrase]) -> PhraseSet:
    """One phrase set by id; ProsodyError listing the ids when there is none."""
    sets = phrase_sets(phrases)
    for s in sets:
        if s.id == set_id_:
            return s
    raise ProsodyError(f"there is no phrase set {set_id_!r}; choose one of: "
                       f"{', '.join(s.id for s in sets)}.")


# ---------------------------------------------------------------------------------------------
# Exercises


@dataclass(frozen=True)
class Rule:
    """A pass rule on one value: ``min <= value <= max`` (None: open on that side).

    ``compare`` says what the value is: ``st`` (12·log2 of take / baseline), ``percent``
    (100·(take / baseline − 1)), ``difference`` (take − baseline, in the measure's unit) or
    ``value`` (the take's own value, an absolute rule).
    """

    compare: Compare
    min: float | None
    max: float | None

    def holds(self, value: float) -> bool:
        return ((self.min is None or value >= self.min)
                and (self.max is None or value <= self.max))


@dataclass(frozen=True)
class Criterion:
    """One pass criterion of an exercise: a measure, its rule against the baseline and the
    rule without one, and why."""

    measure: str
    label: str
    relative: Rule | None
    absolute: Rule | None
    why: str


@dataclass(frozen=True)
class Exercise:
    """A structured practice exercise (see ``samples/exercises.toml`` for each field)."""

    id: str
    title: str
    learners: tuple[str, ...]
    goal: str
    instructions: str
    steps: tuple[str, ...]
    phrases: tuple[str, ...]
    scenario: str
    criteria: tuple[Criterion, ...]
    passes_to_complete: int
    progression: str
    next: str | None
    prompts: tuple[str, ...] = ()
    needs_baseline: bool = False
    needs_model: bool = False

    def to_dict(self) -> dict:
        return {
            "id": self.id, "title": self.title, "for": list(self.learners), "goal": self.goal,
            "instructions": self.instructions, "steps": list(self.steps),
            "phrases": list(self.phrases), "scenario": self.scenario,
            "prompts": list(self.prompts), "needs_baseline": self.needs_baseline,
            "needs_model": self.needs_model, "passes_to_complete": self.passes_to_complete,
            "progression": self.progression, "next": self.next,
            "criteria": [{"measure": c.measure, "label": c.label,
                          "relative": _rule_dict(c.relative), "absolute": _rule_dict(c.absolute),
                          "why": c.why, "aim": aim_words(c)} for c in self.criteria],
        }


_EXERCISE_REQUIRED = {"id", "title", "for", "goal", "instructions", "steps", "phrases",
                      "scenario", "criteria", "passes_to_complete", "progression"}
_EXERCISE_OPTIONAL = {"next", "prompts", "needs_baseline", "needs_model"}


def load_exercises(path: str | Path | None = None, *,
                   phrases: Sequence[Phrase] | None = None) -> tuple[Exercise, ...]:
    """Read and check the exercises.

    Parameters
    ----------
    path : str, Path or None
        an exercises file; None means ``samples/exercises.toml``
    phrases : sequence of Phrase or None
        the library the exercises' suggested phrases must come from; None loads
        ``samples/phrases.toml``

    Raises
    ------
    ProsodyError
        naming the file, the exercise and the rule it breaks.
    """
    path = Path(path) if path is not None else EXERCISES_PATH
    data = read_toml(path, "exercises file")
    library = load_phrases() if phrases is None else phrases
    return parse_exercises(data, source=str(path), phrases=library)


def parse_exercises(data: Mapping, *, source: str = "<exercises>",
                    phrases: Sequence[Phrase] = ()) -> tuple[Exercise, ...]:
    """Check the parsed TOML of an exercises file; see :func:`load_exercises`."""
    from .profile import MEASURE_UNITS

    r = _Reader(source)
    r.keys(data, "the top level", required={"exercise"}, optional={"version"})
    raw = data["exercise"]
    if not isinstance(raw, list) or not raw:
        raise r.error("the top level", "must hold at least one [[exercise]] table")
    known_texts = {_norm(p.text) for p in phrases}
    measures = {**MEASURE_UNITS, MODEL_SIMILARITY: "points"}
    out: list[Exercise] = []
    for i, entry in enumerate(raw, 1):
        where = f"exercise {i}"
        if not isinstance(entry, Mapping):
            raise r.error(where, f"must be a table, not {type(entry).__name__}")
        if isinstance(entry.get("id"), str):
            where = f"exercise {entry['id']!r}"
        r.keys(entry, where, required=_EXERCISE_REQUIRED, optional=_EXERCISE_OPTIONAL)
        ex_id = r.text(entry, "id", where)
        if not all(c.isalnum() or c == "-" for c in ex_id) or ex_id != ex_id.lower():
            raise r.error(f"{where}.id", "must be lower-case letters, digits and hyphens")
        learners = r.texts(entry, "for", where)
        bad = [x for x in learners if x not in LEARNERS]
        if bad:
            raise r.error(f"{where}.for", f"has {bad[0]!r}; each must be one of "
                                          f"{', '.join(LEARNERS)}")
        suggested = r.texts(entry, "phrases", where)
        if known_texts:
            for text in suggested:
                if _norm(text) not in known_texts:
                    raise r.error(f"{where}.phrases", f"has {text!r}, which is not in the phrase "
                                                      "library; add it there or fix the text")
        needs_model = r.flag(entry, "needs_model", where)
        criteria = tuple(r.criterion(c, f"{where}, criterion {k}", measures)
                         for k, c in enumerate(r.tables(entry, "criteria", where), 1))
        uses_model = any(c.measure == MODEL_SIMILARITY for c in criteria)
        if uses_model != needs_model:
            raise r.error(where, "must set needs_model = true exactly when a criterion uses "
                                 f"{MODEL_SIMILARITY}")
        passes = entry["passes_to_complete"]
        if isinstance(passes, bool) or not isinstance(passes, int) or not 1 <= passes <= 20:
            raise r.error(f"{where}.passes_to_complete",
                          f"must be a whole number from 1 to 20, not {passes!r}")
        out.append(Exercise(
            id=ex_id, title=r.text(entry, "title", where), learners=learners,
            goal=r.text(entry, "goal", where), instructions=r.text(entry, "instructions", where),
            steps=r.texts(entry, "steps", where), phrases=suggested,
            scenario=r.choice(entry, "scenario", where, SCENARIOS), criteria=criteria,
            passes_to_complete=passes, progression=r.text(entry, "progression", where),
            next=r.text(entry, "next", where) if "next" in entry else None,
            prompts=r.texts(entry, "prompts", where) if "prompts" in entry else (),
            needs_baseline=r.flag(entry, "needs_baseline", where), needs_model=needs_model,
        ))
    ids = [e.id for e in out]
    for e in out:
        if ids.count(e.id) > 1:
            raise r.error(f"exercise {e.id!r}", "appears more than once; ids must be unique")
        if e.next is not None and e.next not in ids:
            raise r.error(f"exercise {e.id!r}.next", f"names {e.next!r}, which is not an "
                                                     f"exercise; choose one of {', '.join(ids)}")
        if e.needs_baseline and any(c.relative is None for c in e.criteria):
            raise r.error(f"exercise {e.id!r}", "needs a baseline, so every criterion needs a "
                                                "relative rule")
    return tuple(out)


def exercise_by_id(exercise_id: str, exercises: Sequence[Exercise]) -> Exercise:
    """One exercise by id; ProsodyError listing the ids when there is none."""
    for e in exercises:
        if e.id == exercise_id:
            return e
    raise ProsodyError(f"there is no exercise {exercise_id!r}; choose one of: "
                       f"{', '.join(e.id for e in exercises)}.")


# ---------------------------------------------------------------------------------------------
# Judging an attempt


@dataclass(frozen=True)
class CriterionResult:
    """One criterion judged on one attempt.

    Attributes
    ----------
    measure, label : str
    passed : bool
        False also when the criterion could not be judged (see ``judged``)
    judged : bool
        False when the value could not be measured, or the criterion needs a baseline or a
        model take that was not given
    value : float or None
        the compared value in ``unit``: a change from the baseline, the take's own value, or
        the similarity to the model
    unit : str
    min, max : float or None
        the rule in force, in ``unit``
    relative_to : {'baseline', 'absolute', 'model'} or None
    measured : float or None
        the take's own measure (e.g. the median pitch in Hz)
    reference : float or None
        the baseline's measure, when compared with it
    words : str
        the result in one sentence, e.g. "Pace: 18 % slower than your everyday voice (aim: at
        least 15 % slower). Passed."
    why : str
        why this aim
    """

    measure: str
    label: str
    passed: bool
    judged: bool
    value: float | None
    unit: str
    min: float | None
    max: float | None
    relative_to: RelativeTo | None
    measured: float | None
    reference: float | None
    words: str
    why: str

    def to_dict(self) -> dict:
        return {"measure": self.measure, "label": self.label, "passed": self.passed,
                "judged": self.judged, "value": rounded(self.value), "unit": self.unit,
                "min": self.min, "max": self.max, "relative_to": self.relative_to,
                "measured": rounded(self.measured), "reference": rounded(self.reference),
                "words": self.words, "why": self.why}


@dataclass(frozen=True)
class ExerciseResult:
    """An attempt at an exercise, judged.

    ``passed`` is True only when every criterion was judged and holds. ``summary`` says so in
    a sentence; ``next_step`` is the most useful thing to change (or the progression when
    passed).
    """

    exercise_id: str
    passed: bool
    criteria: tuple[CriterionResult, ...]
    baseline: bool
    summary: str
    next_step: str

    @property
    def n_passed(self) -> int:
        return sum(c.passed for c in self.criteria)

    def to_dict(self) -> dict:
        return {"exercise_id": self.exercise_id, "passed": self.passed,
                "baseline": self.baseline, "summary": self.summary,
                "next_step": self.next_step, "criteria": [c.to_dict() for c in self.criteria]}


def evaluate_exercise(exercise: Exercise, analysis: Analysis, baseline: Analysis | None = None,
                      *, model: Analysis | None = None) -> ExerciseResult:
    """Judge one attempt at an exercise.

    Parameters
    ----------
    exercise : Exercise
    analysis : Analysis
        the attempt, ideally analysed with the words known (``text=``) and, with a baseline,
        with :func:`prosody.coach.baseline_settings`
    baseline : Analysis or None
        the speaker's everyday voice: relative rules are used where it can be measured,
        absolute rules otherwise
    model : Analysis or None
        the model take, for ``model_similarity`` criteria

    Returns
    -------
    ExerciseResult
    """
    results = tuple(_judge(c, analysis, baseline, model) for c in exercise.criteria)
    passed = all(c.passed for c in results)
    n_ok = sum(c.passed for c in results)
    if passed:
        summary = (f"Passed: all {len(results)} criteria met." if len(results) > 1
                   else "Passed: the criterion is met.")
        next_step = exercise.progression
    else:
        summary = f"Not yet: {n_ok} of {len(results)} criteria met."
        first = next(c for c in results if not c.passed)
        # what was measured against the aim, then why that aim: the thing to work on first
        next_step = f"{first.words} {first.why}" if first.judged else first.words
    return ExerciseResult(exercise_id=exercise.id, passed=passed, criteria=results,
                          baseline=baseline is not None, summary=summary, next_step=next_step)


def _judge(c: Criterion, analysis: Analysis, baseline: Analysis | None,
           model: Analysis | None) -> CriterionResult:
    def result(passed, judged, value, unit, rule, relative_to, measured, reference, words):
        return CriterionResult(
            measure=c.measure, label=c.label, passed=passed, judged=judged, value=value,
            unit=unit, min=rule.min if rule else None, max=rule.max if rule else None,
            relative_to=relative_to, measured=measured, reference=reference, words=words,
            why=c.why)

    if c.measure == MODEL_SIMILARITY:
        rule = c.absolute
        if model is None:
            return result(False, False, None, "points", rule, "model", None, None,
                          f"{c.label}: needs a model take of this phrase; record or choose one "
                          "on the Model takes page.")
        from .model import similarity

        try:
            score = float(similarity(model, analysis).score)
        except ProsodyError as exc:
            return result(False, False, None, "points", rule, "model", None, None,
                          f"{c.label}: could not be compared with the model: {exc}")
        ok = rule.holds(score)
        return result(ok, True, score, "points", rule, "model", score, None,
                      f"{c.label}: {score:.0f} of 100 (aim: {_abs_aim(rule, 'points', c)})."
                      f" {_verdict(ok)}")

    from .coach import measure

    take = measure(analysis, c.measure)
    unit = _unit_of(c.measure)
    if take is None:
        if c.measure == "pause_mean_s":
            return result(False, True, None, unit, c.absolute, "absolute", None, None,
                          f"{c.label}: there was no pause to measure (aim: "
                          f"{aim_words(c)}). Not yet.")
        return result(False, False, None, unit, None, None, None, None,
                      f"{c.label}: could not be measured on this take; record the whole "
                      "phrase again in a clear, voiced tone.")
    base = measure(baseline, c.measure) if baseline is not None else None
    rel = c.relative
    if rel is not None and base is not None:
        value = relative_change(take, base, rel.compare)
        if value is not None:
            ok = rel.holds(value)
            runit = _rel_unit(rel.compare, c.measure)
            return result(ok, True, value, runit, rel, "baseline", take, base,
                          f"{c.label}: {_rel_words(value, rel.compare, c.measure)} "
                          f"(aim: {_rel_aim(rel, c.measure)}). {_verdict(ok)}")
    if c.absolute is None:
        why = ("needs your everyday voice as a baseline: record one on the Baseline page"
               if baseline is None else "could not be measured on your baseline")
        return result(False, False, None, unit, rel, None, take, base, f"{c.label}: {why}.")
    ok = c.absolute.holds(take)
    return result(ok, True, take, unit, c.absolute, "absolute", take, None,
                  f"{c.label}: {_abs_value(take, c.measure)} (aim: "
                  f"{_abs_aim(c.absolute, unit, c)}). {_verdict(ok)}")


# ---------------------------------------------------------------------------------------------
# Progress over attempts


@dataclass(frozen=True)
class ExerciseProgress:
    """A person's attempts at one exercise, from their stored takes."""

    exercise_id: str
    attempts: int
    passes: int
    passes_to_complete: int
    last_passed: bool | None
    last_summary: str | None

    @property
    def completed(self) -> bool:
        return self.passes >= self.passes_to_complete

    @property
    def words(self) -> str:
        if self.attempts == 0:
            return "not started"
        if self.completed:
            return f"completed ({self.passes} passes in {self.attempts} attempts)"
        return (f"{self.passes} of {self.passes_to_complete} passes needed, "
                f"{self.attempts} attempt{'s' * (self.attempts != 1)}")


def exercise_progress(exercise: Exercise, takes: Iterable, *,
                      since_utc: str | None = None) -> ExerciseProgress:
    """Attempts and passes of ``exercise`` among stored takes (``prosody.store.Take``; each
    exercise take keeps its :class:`ExerciseResult` in its feedback,
    :class:`prosody.feedback.TakeFeedback`).

    ``since_utc``: only attempts made from then on (an assignment's ``created_utc``): an
    exercise assigned again starts again, whatever was passed before.
    """
    from .feedback import TakeFeedback

    start = None if since_utc is None else _utc(since_utc)
    mine = sorted((t for t in takes if getattr(t, "exercise_id", None) == exercise.id
                   and (start is None or _utc(t.created_utc) >= start)),
                  key=lambda t: (t.created_utc, t.id))
    outcomes = [TakeFeedback.from_dict(t.feedback).exercise_outcome for t in mine]
    last = outcomes[-1] if outcomes else None
    return ExerciseProgress(
        exercise_id=exercise.id, attempts=len(mine),
        passes=sum(bool(o and o.passed) for o in outcomes),
        passes_to_complete=exercise.passes_to_complete,
        last_passed=None if not outcomes else bool(last and last.passed),
        last_summary=None if last is None else last.summary)


@dataclass(frozen=True)
class PhrasePractised:
    """How far one phrase of a phrase set has been practised (:func:`phrase_set_progress`)."""

    phrase: str
    takes: int
    best_score: float | None
    last_score: float | None


def phrase_set_progress(phrase_set: PhraseSet, takes: Iterable, *,
                        since_utc: str | None = None) -> tuple[PhrasePractised, ...]:
    """Each phrase of ``phrase_set`` with the practice takes of it (``prosody.store.Take``),
    from ``since_utc`` on (an assignment's ``created_utc``): a set given starts at none, and
    baselines, model takes and exercise attempts (an exercise's own) are not practice of it.
    The one rule for the trainee's Practice page and the supervisor's view."""
    start = None if since_utc is None else _utc(since_utc)
    mine = sorted((t for t in takes if getattr(t, "kind", "practice") == "practice"
                   and (start is None or _utc(t.created_utc) >= start)),
                  key=lambda t: (t.created_utc, t.id))
    out = []
    for p in phrase_set.phrases:
        said = [t for t in mine if t.phrase == p.text]
        scores = [t.score for t in said if t.score is not None]
        out.append(PhrasePractised(p.text, len(said), max(scores) if scores else None,
                                   scores[-1] if scores else None))
    return tuple(out)


def _utc(iso: str):
    """A time as the store writes it (ISO 8601, UTC) as an aware datetime."""
    from datetime import datetime, timezone

    at = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


# ---------------------------------------------------------------------------------------------
# Words

# measure: (what "more" is called, what "less" is called)
_DIRECTIONS = {
    "f0_median_hz": ("higher", "lower"), "f0_p10_hz": ("higher", "lower"),
    "f0_p90_hz": ("higher", "lower"), "f0_range_st": ("wider", "narrower"),
    "f0_sd_st": ("more varied", "less varied"), "f0_velocity_st_per_s": ("faster", "slower"),
    "final_fall_fraction": ("more often", "less often"),
    "speech_rate_syl_per_s": ("faster", "slower"),
    "voiced_rate_syl_per_s": ("faster", "slower"),
    "articulation_rate_syl_per_s": ("faster", "slower"),
    "pause_count": ("more", "fewer"), "pause_mean_s": ("longer", "shorter"),
    "pause_ratio": ("more", "less"), "phrase_count": ("more", "fewer"),
    "phrase_mean_syl": ("longer", "shorter"), "loudness_db": ("louder", "softer"),
    "loudness_sd_db": ("more varied", "steadier"), "loudness_range_db": ("wider", "narrower"),
    "onset_slope_db_per_s": ("harder", "softer"), "alpha_ratio_db": ("brighter", "warmer"),
    "hammarberg_db": ("higher", "lower"), "irregular_voicing_fraction": ("more", "less"),
}
#: Units said in words to the person (the data keep the short ones: syl/s, st/s).
_UNIT_WORDS = {"syl": "syllables", "syl/s": "syllables a second", "st/s": "semitones a second",
               "st": "semitones"}
_SHARES = {"final_fall_fraction", "pause_ratio", "irregular_voicing_fraction"}
_COUNTS = {"pause_count", "phrase_count"}


def _unit_of(measure: str) -> str:
    from .profile import MEASURE_UNITS

    return "%" if measure in _SHARES else MEASURE_UNITS.get(measure, "")


def _rel_unit(compare: str, measure: str) -> str:
    if compare == "st":
        return "st"
    if compare == "percent":
        return "%"
    if measure in _SHARES:
        return "points"
    unit = _unit_of(measure)
    return "dB" if unit == "dBFS" else unit


def _num(x: float) -> str:
    x = abs(x)
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10 or float(x).is_integer():
        return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}".rstrip("0").rstrip(".")
    return f"{x:.2f}".rstrip("0").rstrip(".") if x < 1 else f"{x:.1f}".rstrip("0").rstrip(".")


def _amount(x: float, compare: str, measure: str) -> str:
    """A size of change with its unit: "2.5 semitones", "15 %", "3 dB", "10 points"."""
    if compare == "st":
        return f"{_num(x)} semitone{'s' * (_num(x) != '1')}"
    if compare == "percent":
        return f"{_num(x)} %"
    if measure in _SHARES:
        return f"{_num(100 * x)} percentage points"
    unit = _rel_unit(compare, measure)
    return f"{_num(x)} {unit}".strip()


def _rel_words(value: float, compare: str, measure: str) -> str:
    more, less = _DIRECTIONS.get(measure, ("more", "less"))
    tiny = {"st": 0.05, "percent": 0.5, "difference": 1e-3}[compare]
    if abs(value) < tiny:
        return "the same as your everyday voice"
    return (f"{_amount(value, compare, measure)} {more if value > 0 else less} than your "
            "everyday voice")


def _rel_aim(rule: Rule, measure: str) -> str:
    more, less = _DIRECTIONS.get(measure, ("more", "less"))
    lo, hi = rule.min, rule.max

    def amt(x):
        return _amount(x, rule.compare, measure)

    if lo is not None and hi is not None:
        if hi <= 0:
            return f"{_span(-hi, -lo, rule.compare, measure)} {less}"
        if lo >= 0:
            return f"{_span(lo, hi, rule.compare, measure)} {more}"
        return f"between {amt(lo)} {less} and {amt(hi)} {more}"
    if hi is not None:
        if hi < 0:
            return f"at least {amt(hi)} {less}"
        if hi == 0:
            return f"not {more}"
        return f"at most {amt(hi)} {more}"
    if lo is not None:
        if lo > 0:
            return f"at least {amt(lo)} {more}"
        if lo == 0:
            return f"not {less}"
        return f"at most {amt(lo)} {less}"
    return "anything"


def _span(a: float, b: float, compare: str, measure: str) -> str:
    whole = _amount(b, compare, measure)
    number = _amount(a, compare, measure).split(" ")[0]
    return f"{number} to {whole}"


def _abs_value(value: float, measure: str) -> str:
    if measure in _SHARES:
        return f"{_num(100 * value)} %"
    unit = _unit_of(measure)
    if measure in _COUNTS:
        return f"{value:.0f} {unit[:-1] if round(value) == 1 else unit}"
    unit = _UNIT_WORDS.get(unit, unit)
    return f"{_num(value) if value >= 0 else '-' + _num(value)} {unit}".strip()


def _abs_aim(rule: Rule, unit: str, c: Criterion) -> str:
    def v(x):
        if c.measure == MODEL_SIMILARITY:
            return f"{x:.0f}"
        return _abs_value(x, c.measure)

    if rule.min is not None and rule.max is not None:
        return f"{v(rule.min)} to {v(rule.max)}"
    if rule.min is not None:
        return f"at least {v(rule.min)}"
    if rule.max is not None:
        return f"at most {v(rule.max)}"
    return "anything"


def aim_words(c: Criterion) -> str:
    """The aim of a criterion in words: with a baseline, and without one."""
    parts = []
    if c.relative is not None:
        parts.append(_rel_aim(c.relative, c.measure) + " (against your everyday voice)")
    if c.absolute is not None:
        aim = _abs_aim(c.absolute, _unit_of(c.measure), c)
        if c.measure == MODEL_SIMILARITY:
            parts.append(f"{aim} of 100, against the model take")
        else:
            parts.append(aim + (" (without a baseline)" if c.relative is not None else ""))
    return "; ".join(parts)


def _verdict(ok: bool) -> str:
    return "Passed." if ok else "Not yet."


# ---------------------------------------------------------------------------------------------
# Reading and checking TOML


def _norm(text: str) -> str:
    return " ".join(text.replace("’", "'").lower().split())


def _rule_dict(rule: Rule | None) -> dict | None:
    return None if rule is None else {"compare": rule.compare, "min": rule.min, "max": rule.max}


class _Reader:
    """Typed access to parsed TOML with messages that name the file and the entry."""

    def __init__(self, source: str):
        self.source = source

    def error(self, where: str, what: str) -> ProsodyError:
        return ProsodyError(f"{self.source}: {where} {what}.")

    def keys(self, table: Mapping, where: str, *, required: set[str],
             optional: set[str] = frozenset()) -> None:
        missing = sorted(required - table.keys())
        unknown = sorted(table.keys() - required - optional)
        if missing:
            raise self.error(where, f"is missing {', '.join(missing)}")
        if unknown:
            raise self.error(where, f"has unknown key(s) {', '.join(unknown)}; allowed: "
                                    f"{', '.join(sorted(required | optional))}")

    def text(self, table: Mapping, key: str, where: str) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"{where}.{key}", f"must be non-empty text, not {value!r}")
        return " ".join(value.split())

    def texts(self, table: Mapping, key: str, where: str) -> tuple[str, ...]:
        value = table.get(key)
        if (not isinstance(value, list) or not value
                or not all(isinstance(v, str) and v.strip() for v in value)):
            raise self.error(f"{where}.{key}", f"must be a list of one or more texts, not "
                                               f"{value!r}")
        return tuple(" ".join(v.split()) for v in value)

    def choice(self, table: Mapping, key: str, where: str, allowed: Sequence[str]) -> str:
        value = table.get(key)
        if value not in allowed:
            raise self.error(f"{where}.{key}", f"must be one of {', '.join(allowed)}, not "
                                               f"{value!r}")
        return value

    def flag(self, table: Mapping, key: str, where: str) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            raise self.error(f"{where}.{key}", f"must be true or false, not {value!r}")
        return value

    def tables(self, table: Mapping, key: str, where: str) -> list[Mapping]:
        value = table.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, Mapping)
                                                                for v in value):
            raise self.error(f"{where}", f"needs at least one [[exercise.{key}]] table")
        return value

    def number(self, table: Mapping, key: str, where: str) -> float | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            raise self.error(f"{where}.{key}", f"must be a finite number, not {value!r}")
        return float(value)

    def rule(self, raw, where: str, *, relative: bool) -> Rule:
        if not isinstance(raw, Mapping):
            raise self.error(where, f"must be a table such as {{ min = 1.0 }}, not {raw!r}")
        if relative:
            self.keys(raw, where, required={"compare"}, optional={"min", "max"})
            compare = self.choice(raw, "compare", where, ("st", "percent", "difference"))
        else:
            self.keys(raw, where, required=set(), optional={"min", "max"})
            compare = "value"
        lo, hi = self.number(raw, "min", where), self.number(raw, "max", where)
        if lo is None and hi is None:
            raise self.error(where, "needs min, max or both")
        if lo is not None and hi is not None and lo > hi:
            raise self.error(where, f"has min {lo:g} above max {hi:g}")
        return Rule(compare, lo, hi)

    def criterion(self, raw: Mapping, where: str, measures: Mapping[str, str]) -> Criterion:
        self.keys(raw, where, required={"measure", "label", "why"},
                  optional={"relative", "absolute"})
        measure = self.text(raw, "measure", where)
        if measure not in measures:
            raise self.error(f"{where}.measure", f"is {measure!r}, which is not measured; use "
                                                 f"one of: {', '.join(sorted(measures))}")
        relative = (self.rule(raw["relative"], f"{where}.relative", relative=True)
                    if "relative" in raw else None)
        absolute = (self.rule(raw["absolute"], f"{where}.absolute", relative=False)
                    if "absolute" in raw else None)
        if relative is None and absolute is None:
            raise self.error(where, "needs a relative rule, an absolute rule or both")
        if measure == MODEL_SIMILARITY and (relative is not None or absolute is None):
            raise self.error(where, f"{MODEL_SIMILARITY} takes only an absolute rule "
                                    "(0-100 against the model)")
        return Criterion(measure=measure, label=self.text(raw, "label", where),
                         relative=relative, absolute=absolute,
                         why=self.text(raw, "why", where))
