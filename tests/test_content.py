"""The phrase library and the exercises: every file loads and is checked, and exercise pass
criteria judge synthetic takes built to pass and to fail."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from conftest import PHRASE, SR, espeak, load16, resynthesise

from prosody import ProsodyError, ProsodyWarning
from prosody.analysis import analyze
from prosody.content import (
    AUDIENCES,
    MODEL_SIMILARITY,
    SCENARIOS,
    ExerciseResult,
    evaluate_exercise,
    exercise_by_id,
    exercise_progress,
    load_exercises,
    load_phrases,
    parse_exercises,
    parse_phrases,
    phrase_set,
    phrase_set_progress,
    phrase_sets,
)
from prosody.profile import load_profile

SEED = "I'm here with you. What do you need right now?"


def analyse(y: np.ndarray, text: str | None = PHRASE):
    with warnings.catch_warnings():
        # a take without a pause has an undefined mean pause length: expected here
        warnings.simplefilter("ignore", ProsodyWarning)
        return analyze(y, sr=SR, text=text)


# ---------------------------------------------------------------------------------------------
# The files


def test_phrase_library_loads_with_every_group_the_issue_asks_for():
    phrases = load_phrases()
    assert len(phrases) >= 60
    assert phrases[0].text == SEED
    assert {p.audience for p in phrases} == set(AUDIENCES)
    situations = {(p.audience, p.situation) for p in phrases}
    for group in [("child", "meltdown"), ("child", "fear at night"), ("child", "bedtime"),
                  ("child", "after a fall"), ("partner", "conflict"), ("partner", "repair"),
                  ("partner", "support under stress"), ("client", "grounding"),
                  ("client", "validating"), ("client", "de-escalating"),
                  ("client", "closing a session")]:
        assert group in situations, group
    assert sum(p.audience == "teen" for p in phrases) >= 6
    # every scenario named is one the soothing profile has
    assert {p.scenario for p in phrases} <= set(load_profile("soothing").scenario_names)
    assert {p.scenario for p in phrases} == set(SCENARIOS)
    # questions that invite an answer may rise; most phrases settle
    assert sum(p.ending == "fall" for p in phrases) > len(phrases) / 2
    assert all(p.ending in ("rise", "either") for p in phrases if p.text.endswith("?"))


def test_phrase_sets_group_by_audience_and_situation():
    phrases = load_phrases()
    sets = phrase_sets(phrases)
    assert sum(len(s.phrases) for s in sets) == len(phrases)
    assert len(sets) >= 10
    meltdown = phrase_set("child/meltdown", phrases)
    assert meltdown.title == "Parent and young child: meltdown"
    assert SEED in [p.text for p in meltdown.phrases]
    with pytest.raises(ProsodyError, match="no phrase set 'child/nothing'.*child/meltdown"):
        phrase_set("child/nothing", phrases)


def test_exercises_load_and_refer_to_real_phrases_and_exercises():
    phrases = load_phrases()
    exercises = load_exercises(phrases=phrases)
    assert len(exercises) >= 8
    texts = {p.text for p in phrases}
    ids = {e.id for e in exercises}
    for e in exercises:
        assert e.goal
        assert e.instructions
        assert len(e.steps) >= 3
        assert e.progression
        assert e.criteria
        assert set(e.phrases) <= texts
        assert e.next is None or e.next in ids
        # every criterion can be judged somehow: with a baseline, without one, or on a model
        for c in e.criteria:
            assert c.relative is not None or c.absolute is not None
    for wanted in ["slow-it-down", "land-the-end", "soften-the-onset", "lower-and-warmer",
                   "pause-and-breathe", "melodic-not-flat", "stay-calm-after-provocation",
                   "match-the-model"]:
        assert wanted in ids
    assert exercise_by_id("match-the-model", exercises).needs_model
    assert exercise_by_id("stay-calm-after-provocation", exercises).prompts
    # learners: therapist training and parents are both served
    assert sum("therapist" in e.learners for e in exercises) >= 6
    assert sum("parent" in e.learners for e in exercises) >= 6


GOOD_PHRASE = {"text": "Hello there.", "audience": "child", "situation": "bedtime",
               "scenario": "bedtime", "intent": "Greet.", "delivery": "Softly.",
               "ending": "fall"}


@pytest.mark.parametrize(("change", "match"), [
    # a key left out
    ({"intent": None}, r"phrase 1 \('Hello there.'\) is missing intent"),
    # an audience the app does not know
    ({"audience": "dog"}, r"audience must be one of child, teen, partner, client, not 'dog'"),
    # a scenario the profile does not have
    ({"scenario": "party"}, r"scenario must be one of bedtime, de-escalation"),
    # an ending that is neither fall, rise nor either
    ({"ending": "up"}, r"ending must be one of fall, rise, either"),
    # a typo in a key name
    ({"delivry": "x"}, r"unknown key\(s\) delivry"),
    # empty text
    ({"text": "  "}, r"phrase 1.text must be non-empty text"),
])
def test_bad_phrase_files_say_what_is_wrong(change, match):
    entry = {k: v for k, v in {**GOOD_PHRASE, **change}.items() if v is not None}
    with pytest.raises(ProsodyError, match=match):
        parse_phrases({"phrase": [entry]}, source="my-phrases.toml")


def test_repeated_phrase_is_refused():
    with pytest.raises(ProsodyError, match="phrase 2 .* repeats phrase 1"):
        parse_phrases({"phrase": [GOOD_PHRASE, {**GOOD_PHRASE, "text": "hello  THERE."}]})


def _exercise(**change):
    base = {"id": "x", "title": "X", "for": ["parent"], "goal": "g", "instructions": "i",
            "steps": ["a", "b", "c"], "phrases": ["Hello there."], "scenario": "bedtime",
            "passes_to_complete": 2, "progression": "p",
            "criteria": [{"measure": "speech_rate_syl_per_s", "label": "Pace",
                          "relative": {"compare": "percent", "max": -15.0},
                          "absolute": {"max": 3.6}, "why": "w"}]}
    base.update(change)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(("change", "match"), [
    # a measure the analysis does not have
    ({"criteria": [{"measure": "speed", "label": "P", "absolute": {"max": 1}, "why": "w"}]},
     r"measure is 'speed', which is not measured; use one of: .*speech_rate_syl_per_s"),
    # a rule whose minimum lies above its maximum
    ({"criteria": [{"measure": "pause_count", "label": "P", "absolute": {"min": 3, "max": 1},
                    "why": "w"}]}, r"min 3 above max 1"),
    # a relative rule without its comparison
    ({"criteria": [{"measure": "pause_count", "label": "P", "relative": {"min": 1},
                    "why": "w"}]}, r"relative is missing compare"),
    # a criterion with no rule at all
    ({"criteria": [{"measure": "pause_count", "label": "P", "why": "w"}]},
     r"needs a relative rule, an absolute rule or both"),
    # a suggested phrase that is not in the library
    ({"phrases": ["Not in the library."]}, r"'Not in the library.', which is not in the phrase"),
    # "next" naming an exercise that does not exist
    ({"next": "nowhere"}, r"names 'nowhere', which is not an exercise"),
    # similarity to a model without needs_model
    ({"criteria": [{"measure": MODEL_SIMILARITY, "label": "M", "absolute": {"min": 70},
                    "why": "w"}]}, r"needs_model = true exactly when"),
    # an unknown learner
    ({"for": ["teacher"]}, r"has 'teacher'; each must be one of parent, partner, therapist"),
    # a count of passes that is not a whole number
    ({"passes_to_complete": 2.5}, r"passes_to_complete must be a whole number"),
    # an id with spaces
    ({"id": "Slow it"}, r"id must be lower-case letters"),
])
def test_bad_exercise_files_say_what_is_wrong(change, match):
    phrases = parse_phrases({"phrase": [GOOD_PHRASE]})
    with pytest.raises(ProsodyError, match=match):
        parse_exercises({"exercise": [_exercise(**change)]}, source="my.toml", phrases=phrases)


def test_unreadable_files(tmp_path):
    bad = tmp_path / "phrases.toml"
    bad.write_text("[[phrase]\ntext = ", encoding="utf-8")
    with pytest.raises(ProsodyError, match="is not valid TOML"):
        load_phrases(bad)
    with pytest.raises(ProsodyError, match="cannot read the exercises file"):
        load_exercises(tmp_path / "missing.toml", phrases=())


# ---------------------------------------------------------------------------------------------
# Judging attempts on synthetic takes with known answers


@pytest.fixture(scope="module")
def voice(tmp_path_factory):
    """One espeak-ng voice saying the seed phrase at three speeds."""
    d = tmp_path_factory.mktemp("content")
    return {speed: load16(espeak(PHRASE, d / f"s{speed}.wav", voice="en-us", pitch=40,
                                 speed_wpm=speed))
            for speed in (120, 175, 185)}


@pytest.fixture(scope="module")
def exercises():
    return {e.id: e for e in load_exercises()}


def _criteria(result: ExerciseResult) -> dict:
    return {c.label: c for c in result.criteria}


def test_slow_it_down_passes_slow_and_fails_fast_against_the_baseline(voice, exercises):
    base = analyse(voice[175])
    slow = evaluate_exercise(exercises["slow-it-down"], analyse(voice[120]), base)
    assert slow.passed, slow.summary
    pace = _criteria(slow)["Pace"]
    assert pace.relative_to == "baseline"
    assert pace.unit == "%"
    assert pace.value < -15.0
    assert "slower than your everyday voice" in pace.words
    assert pace.words.endswith("Passed.")
    fast = evaluate_exercise(exercises["slow-it-down"], analyse(voice[185]), base)
    assert not fast.passed
    assert fast.summary == "Not yet: 1 of 2 criteria met."
    assert not _criteria(fast)["Pace"].passed
    assert "faster than your everyday voice" in fast.next_step


def test_without_a_baseline_the_absolute_rule_judges(voice, exercises):
    slow = evaluate_exercise(exercises["slow-it-down"], analyse(voice[120]))
    fast = evaluate_exercise(exercises["slow-it-down"], analyse(voice[185]))
    assert slow.passed
    assert not fast.passed
    pace = _criteria(fast)["Pace"]
    assert pace.relative_to == "absolute"
    assert pace.unit == "syl/s"
    assert pace.value > 3.6
    assert "(aim: at most 3.6 syllables a second)" in pace.words  # units in words


@pytest.fixture(scope="module")
def contours(voice):
    """The same words re-synthesised on known pitch contours (true F0 imposed by pyworld)."""
    y = voice[175]

    def on(f):
        return resynthesise(y, f)[0]

    return {
        "flat": on(lambda t: np.full_like(t, 120.0)),
        "glide": on(lambda t: 120.0 * 2 ** (3.0 * np.sin(2 * np.pi * 0.4 * t) / 12)),
        # leaps of 8 st back and forth six times a second, each as fast as a voice can move
        # (about 50 st/s, Xu & Sun 2002): an instantaneous step would be a tracking error,
        # which the pitch movement leaves out
        "jumpy": on(lambda t: 120.0 * 2 ** (
            4.0 * (2 / np.pi) * np.arcsin(np.sin(2 * np.pi * 3 * t)) / 12)),
        "base": on(lambda t: 120.0 * 2 ** (2.0 * np.sin(2 * np.pi * 0.4 * t) / 12)),
        "lower": on(lambda t: 120.0 * 2 ** ((-1.5 + 2.0 * np.sin(2 * np.pi * 0.4 * t)) / 12)),
        "higher": on(lambda t: 120.0 * 2 ** ((1.0 + 2.0 * np.sin(2 * np.pi * 0.4 * t)) / 12)),
    }


@pytest.mark.parametrize(("take", "passes", "failing"), [
    ("flat", False, "Melody range"),  # a monotone is not calm
    ("glide", True, None),  # slow, gentle glides over about 5 st
    ("jumpy", False, "Pitch movement"),  # 8 st leaps six times a second
])
def test_melodic_not_flat(contours, exercises, take, passes, failing):
    result = evaluate_exercise(exercises["melodic-not-flat"], analyse(contours[take]))
    assert result.passed is passes
    if failing:
        assert [c.label for c in result.criteria if not c.passed] == [failing]


def test_lower_and_warmer_against_the_baseline(contours, exercises):
    base = analyse(contours["base"])
    lower = evaluate_exercise(exercises["lower-and-warmer"], analyse(contours["lower"]), base)
    assert lower.passed, [c.words for c in lower.criteria]
    pitch = _criteria(lower)["Pitch height"]
    assert pitch.value == pytest.approx(-1.5, abs=0.3)
    assert "semitones lower than your everyday voice" in pitch.words
    higher = evaluate_exercise(exercises["lower-and-warmer"], analyse(contours["higher"]), base)
    assert not higher.passed
    assert _criteria(higher)["Pitch height"].value == pytest.approx(1.0, abs=0.3)


def test_a_baseline_only_exercise_without_a_baseline_says_so(contours, exercises):
    result = evaluate_exercise(exercises["lower-and-warmer"], analyse(contours["lower"]))
    assert not result.passed
    assert not any(c.judged for c in result.criteria)
    assert "needs your everyday voice as a baseline" in result.next_step


@pytest.fixture(scope="module")
def two_sentences(tmp_path_factory):
    d = tmp_path_factory.mktemp("pauses")
    first = load16(espeak("I'm here with you.", d / "a.wav", voice="en-us", pitch=40))
    second = load16(espeak("What do you need right now?", d / "b.wav", voice="en-us", pitch=40))

    def trim(y):
        loud = np.flatnonzero(np.abs(y) > 1e-3)
        return y[loud[0]:loud[-1]]

    def joined(gap_s):
        edge = np.zeros(int(0.2 * SR))
        return np.concatenate([edge, trim(first), np.zeros(int(gap_s * SR)), trim(second),
                               edge])

    return joined


def test_pause_and_breathe(two_sentences, voice, exercises):
    ex = exercises["pause-and-breathe"]
    held = evaluate_exercise(ex, analyse(two_sentences(0.7)))
    assert held.passed, [c.words for c in held.criteria]
    assert _criteria(held)["Pause length"].value == pytest.approx(0.7, abs=0.08)
    run_on = evaluate_exercise(ex, analyse(two_sentences(0.05)))
    assert not run_on.passed
    assert run_on.n_passed == 0
    assert "there was no pause to measure" in _criteria(run_on)["Pause length"].words
    # against a baseline the time spent pausing is compared with the everyday voice
    rel = evaluate_exercise(ex, analyse(two_sentences(0.7)), analyse(voice[175]))
    assert _criteria(rel)["Time pausing"].relative_to == "baseline"


def test_land_the_end(voice, exercises):
    y = voice[175]
    phrases = analyse(y).tracks.phrases
    assert len(phrases) == 2

    def ends(direction_st):
        def f(t):
            st = np.zeros_like(t)
            for _, end_s in phrases:
                st += direction_st * np.clip((t - (end_s - 0.45)) / 0.4, 0, 1) * (t <= end_s)
            return 120.0 * 2 ** (st / 12)
        return resynthesise(y, f)[0]

    falls = evaluate_exercise(exercises["land-the-end"], analyse(ends(-4.0)))
    assert falls.passed, [c.words for c in falls.criteria]
    rises = evaluate_exercise(exercises["land-the-end"], analyse(ends(+4.0)))
    assert not rises.passed
    assert _criteria(rises)["Phrase ends that fall"].value == 0.0


def test_match_the_model(voice, exercises, tmp_path):
    model = analyse(voice[175])
    other_voice = load16(espeak(PHRASE, tmp_path / "f.wav", voice="en-us+f1", pitch=60,
                                speed_wpm=175))
    close = evaluate_exercise(exercises["match-the-model"], analyse(other_voice), model=model)
    assert close.passed
    assert _criteria(close)["Similarity to the model"].relative_to == "model"
    without = evaluate_exercise(exercises["match-the-model"], analyse(other_voice))
    assert not without.passed
    assert "needs a model take" in without.next_step
    text = "The bus to the station leaves every twenty minutes."
    different = load16(espeak(text, tmp_path / "d.wav", voice="en-us+f1", pitch=60))
    far = evaluate_exercise(exercises["match-the-model"], analyse(different, text), model=model)
    assert not far.passed


def test_results_are_json_ready_and_progress_counts_passes(voice, exercises):
    from types import SimpleNamespace

    ex = exercises["slow-it-down"]
    base = analyse(voice[175])
    results = [evaluate_exercise(ex, analyse(voice[s]), base) for s in (185, 120, 120)]
    json.dumps([r.to_dict() for r in results], allow_nan=False)
    takes = [SimpleNamespace(id=i, created_utc=f"2026-01-0{i + 1}", exercise_id=ex.id,
                             feedback={"exercise": r.to_dict()})
             for i, r in enumerate(results)]
    takes.append(SimpleNamespace(id=9, created_utc="2026-01-09", exercise_id="other",
                                 feedback=None))
    progress = exercise_progress(ex, takes)
    assert (progress.attempts, progress.passes) == (3, 2)
    assert not progress.completed
    assert progress.last_passed
    assert progress.words == "2 of 3 passes needed, 3 attempts"
    # assigned again on 3 January: it starts again, with the attempts made since
    again = exercise_progress(ex, takes, since_utc="2026-01-03T00:00:00+00:00")
    assert (again.attempts, again.passes) == (1, 1)
    assert exercise_progress(ex, takes, since_utc="2026-02-01T00:00:00+00:00").attempts == 0


def test_a_phrase_set_counts_practice_takes_since_it_was_given():
    """The trainee's Practice page counted any take of a phrase (a model take, a baseline, one
    from before the set was given: "1 of 6" on the day it was given), the supervisor's only
    practice and exercise takes: "4 of 7" against "3 of 7"."""
    from types import SimpleNamespace

    given = next(s for s in phrase_sets(load_phrases()) if len(s.phrases) >= 3)
    first, second, third = (p.text for p in given.phrases[:3])

    def take(i, day, phrase, kind="practice", score=50.0):
        return SimpleNamespace(id=i, created_utc=f"2026-03-{day:02d}T10:00:00+00:00",
                               phrase=phrase, kind=kind, score=score)

    takes = [take(1, 1, first, score=90.0),  # before the set was given
             take(2, 5, first, score=40.0), take(3, 6, first, score=60.0),
             take(4, 6, second, kind="model"), take(5, 6, second, kind="baseline",
                                                      score=None),
             take(6, 7, second, kind="exercise"), take(7, 7, third, score=None)]
    done = phrase_set_progress(given, takes, since_utc="2026-03-02T00:00:00+00:00")
    assert [p.phrase for p in done] == [p.text for p in given.phrases]
    assert (done[0].takes, done[0].best_score, done[0].last_score) == (2, 60.0, 60.0)
    assert done[1].takes == 0  # a model take, a baseline and an exercise attempt are not it
    assert (done[2].takes, done[2].best_score, done[2].last_score) == (1, None, None)
    assert sum(p.takes > 0 for p in done) == 2
    assert phrase_set_progress(given, takes)[0].takes == 3  # without a start: all of them


def test_assignments_are_kept_per_person(tmp_path, monkeypatch):
    from prosody.store import Store

    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "home"))
    with Store.open() as store:
        a = store.assign("Sam", kind="exercise", target="slow-it-down", note="before Friday",
                         assigned_by="Dr Lee")
        b = store.assign("Sam", kind="phrase_set", target="client/grounding")
        store.assign("Ana", kind="exercise", target="land-the-end")
        assert a.open
        assert [x.id for x in store.assignments("Sam")] == [b.id, a.id]
        assert {x.person for x in store.assignments()} == {"Sam", "Ana"}
        store.close_assignment(a.id)
        assert [x.id for x in store.assignments("Sam")] == [b.id]
        closed = store.assignments("Sam", include_closed=True, assignment_id=a.id)[0]
        assert closed.closed_utc is not None
        assert closed.note == "before Friday"
        with pytest.raises(ProsodyError, match="kind='song' must be 'phrase_set' or 'exercise'"):
            store.assign("Sam", kind="song", target="x")
        with pytest.raises(ProsodyError, match="there is no assignment 999"):
            store.close_assignment(999)
        store.delete_person("Sam")  # assignments go with the person
        assert [x.person for x in store.assignments(include_closed=True)] == ["Ana"]


@pytest.mark.parametrize("speed", [120, 185])
def test_an_exercise_and_the_coach_read_the_same_pace(voice, exercises, speed):
    """One take, one pace: the exercise said "11.4 % slower" (speech rate) where the coach's
    pace card said "21 % slower" (its pace over the voiced span), and the two disagreed on
    which side of 15 % the take was."""
    from prosody.coach import coach

    base = analyse(voice[175])
    take = analyse(voice[speed])
    for exercise_id in ("slow-it-down", "stay-calm-after-provocation", "bedtime-voice"):
        judged = _criteria(evaluate_exercise(exercises[exercise_id], take, base))["Pace"]
        card = {f.name: f for f in coach(take, profile="soothing", baseline=base).features}
        assert judged.value == pytest.approx(card["tempo"].value, abs=0.05), exercise_id
