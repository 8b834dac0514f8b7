"""The content pages (Exercises, Model takes, Hear yourself calmer, Supervisor) driven by
Streamlit's AppTest with real WAV bytes; what they show is checked against ``prosody``."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import SR, espeak, load16
from streamlit.testing.v1 import AppTest

from prosody import ProsodyWarning
from prosody.analysis import analyze
from prosody.audio import load
from prosody.content import evaluate_exercise, exercise_by_id, load_exercises
from prosody.model import similarity
from ui.state import take_key

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "ui" / "app.py")
DEMO = ROOT / "samples" / "audio"
SEED = "I'm here with you. What do you need right now?"


def wav_bytes(y: np.ndarray, sr: int = SR) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, y, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def demo_wav(name: str) -> bytes:
    """A shipped demo take as WAV bytes, as the browser's recorder would send it."""
    y, sr = sf.read(DEMO / name)
    return wav_bytes(y, sr)


def analyse(data: bytes, text: str = SEED, settings=None):
    sig = load(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        return analyze(sig.y, sr=sig.sr, text=text, settings=settings)


@pytest.fixture(scope="module")
def takes(tmp_path_factory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("ui_content")
    return {speed: wav_bytes(load16(espeak(SEED, d / f"{speed}.wav", voice="en-us", pitch=40,
                                           speed_wpm=speed)))
            for speed in (120, 185)}


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "home"))
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception
    return at


def store():
    from prosody.store import Store

    return Store.open()


def texts(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption]
                     + [s.value for s in at.success] + [w.value for w in at.warning]
                     + [i.value for i in at.info] + [e.value for e in at.error])


# ---------------------------------------------------------------------------------------------
# Exercises


def test_an_exercise_end_to_end(app, takes):
    app.switch_page("app_pages/exercises.py")
    app.run()
    assert not app.exception
    assert app.title[0].value == "Exercises"
    assert app.selectbox(key="exercise_choice").value == "slow-it-down"
    shown = texts(app)
    assert "Goal." in shown
    assert "at most 3.6 syllables a second (without a baseline)" in shown
    # the scenario its score uses, by name and what it means
    from prosody.profile import load_profile

    scenario = next(s for s in load_profile("soothing").scenarios
                    if s.name == exercise_by_id("slow-it-down", load_exercises()).scenario)
    captions = "\n".join(c.value for c in app.caption)
    assert f"The calm score judges it as **{scenario.label}** speech" in captions

    app.audio_input[0].set_value(("take.wav", takes[120], "audio/wav"))
    app.run()
    assert not app.exception
    ex = exercise_by_id("slow-it-down", load_exercises())
    expected = evaluate_exercise(ex, analyse(takes[120]))
    assert expected.passed
    assert any(expected.summary in s.value for s in app.success)
    shown = texts(app)
    for c in expected.criteria:
        assert c.words in shown  # each criterion: the numbers and the verdict in words
        assert c.why in shown
    kept = store().takes(person="Me", kind="exercise")
    assert len(kept) == 1
    assert kept[0].exercise_id == "slow-it-down"
    assert kept[0].feedback["exercise"]["passed"] is True
    assert "1 of 3 passes needed, 1 attempt" in shown
    assert [p.proto.text for p in app.get("progress")] == ["1 of 3 passing attempts"]

    # a second, hurried attempt fails on pace and says why
    app.button(key="exercise_try_again").click()
    app.run()
    app.audio_input[0].set_value(("take.wav", takes[185], "audio/wav"))
    app.run()
    assert not app.exception
    failed = evaluate_exercise(ex, analyse(takes[185]))
    assert not failed.passed
    assert any(failed.summary in w.value for w in app.warning)
    assert "not yet** · Pace:" in texts(app)  # in words beside its symbol, no emoji
    assert len(store().takes(person="Me", kind="exercise")) == 2
    assert "1 of 3 passes needed, 2 attempts" in texts(app)


def test_a_take_is_not_carried_into_another_exercise_or_person(app, takes):
    """A recording left in the recorder belongs to the exercise and the person it was made for:
    choosing another exercise or another person shows an empty recorder, and the take is not
    judged or kept again under them."""
    app.switch_page("app_pages/exercises.py")
    app.run()
    app.audio_input[0].set_value(("take.wav", takes[120], "audio/wav"))
    app.run()
    assert [t.exercise_id for t in store().takes(kind="exercise")] == ["slow-it-down"]
    app.selectbox(key="exercise_choice").set_value("land-the-end")
    app.run()
    assert not app.exception
    assert not app.audio_input[0].value  # a fresh recorder for this exercise
    assert not app.success  # no verdict on the other exercise's take
    assert not app.warning
    app.selectbox(key="person_pick").set_value("Someone new…").run()
    app.text_input(key="person_input").input("Sam").run()
    app.selectbox(key="exercise_choice").set_value("slow-it-down")
    app.run()
    assert not app.audio_input[0].value
    kept = store().takes(kind="exercise")
    assert [(t.person, t.exercise_id) for t in kept] == [("Me", "slow-it-down")]


def test_the_same_recording_recorded_again_by_someone_else_is_their_attempt(app, takes):
    """A file recorded for one person's exercise, recorded again for another person (a parent
    and a partner sharing one recording), counts as the second person's attempt: it is kept
    under them, not only shown as passed."""
    app.switch_page("app_pages/exercises.py")
    app.run()
    app.audio_input[0].set_value(("take.wav", takes[120], "audio/wav"))
    app.run()
    app.selectbox(key="person_pick").set_value("Someone new…").run()
    app.text_input(key="person_input").input("Ana").run()
    app.selectbox(key="exercise_choice").set_value("slow-it-down")
    app.run()
    app.audio_input[0].set_value(("take.wav", takes[120], "audio/wav"))
    app.run()
    assert not app.exception
    kept = store().takes(kind="exercise")
    assert sorted((t.person, t.exercise_id) for t in kept) == [("Ana", "slow-it-down"),
                                                              ("Me", "slow-it-down")]
    assert "1 of 3 passes needed, 1 attempt" in texts(app)


def test_an_exercise_needing_a_baseline_asks_for_one(app):
    app.switch_page("app_pages/exercises.py")
    app.run()
    app.selectbox(key="exercise_choice").set_value("lower-and-warmer")
    app.run()
    assert not app.exception
    assert any("Record your baseline first" in i.value for i in app.info)
    assert not app.audio_input


def test_match_the_model_with_the_demo_model(app):
    app.switch_page("app_pages/exercises.py")
    app.run()
    app.selectbox(key="exercise_choice").set_value("match-the-model")
    app.run()
    assert app.selectbox(key="exercise_model_match-the-model").value.startswith("Demo model")
    calm = demo_wav("seed-calm.flac")
    app.audio_input[0].set_value(("take.wav", calm, "audio/wav"))
    app.run()
    assert not app.exception
    score = similarity(analyse(demo_wav("seed-model.flac")), analyse(calm)).score
    assert f"Similarity to the model: {score} of 100" in texts(app)


def test_a_bad_recording_gets_a_friendly_message(app):
    app.switch_page("app_pages/exercises.py")
    app.run()
    app.audio_input[0].set_value(("take.wav", wav_bytes(np.zeros(2 * SR)), "audio/wav"))
    app.run()
    assert not app.exception
    said = [w.value for w in app.warning] + [e.value for e in app.error]
    assert len(said) == 1, said  # said once
    assert "holds no sound" in said[0]
    assert "Nothing was saved" in said[0]
    assert not store().takes(kind="exercise")  # an attempt that could not be judged is not kept


# ---------------------------------------------------------------------------------------------
# Model takes


def test_model_page_compares_a_take_with_the_demo_model(app):
    app.switch_page("app_pages/model.py")
    app.run()
    assert not app.exception
    assert app.title[0].value == "Model takes"
    assert app.selectbox(key=f"model_pick_{SEED}").value.startswith("Demo model")
    tense = demo_wav("seed-tense.flac")
    mine = take_key("model_take", 0, "Me", SEED)
    app.audio_input(key=mine).set_value(("take.wav", tense, "audio/wav"))
    app.run()
    assert not app.exception
    sim = similarity(analyse(demo_wav("seed-model.flac")), analyse(tense))
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Similarity to the model"] == f"{sim.score} / 100"
    assert set(metrics) >= {"Melody", "Pace", "Pauses"}
    shown = texts(app)
    assert sim.summary in shown
    for words in sim.words:
        assert words in shown
    assert "A: the model" in shown
    assert "B: your take" in shown
    kept = store().takes(person="Me", kind="practice")
    assert kept[0].feedback["model_similarity"]["score"] == sim.score


def test_a_supervisor_records_a_new_model(app, takes):
    app.switch_page("app_pages/model.py")
    app.run()
    recorder = take_key("model_record", 0, "Me", SEED)
    app.audio_input(key=recorder).set_value(("model.wav", takes[120], "audio/wav"))
    app.run()
    assert not app.exception
    assert any("Model take saved" in s.value for s in app.success)
    models = store().takes(kind="model", phrase=SEED)
    assert len(models) == 1
    assert app.selectbox(key=f"model_pick_{SEED}").value.startswith("Me, ")


# ---------------------------------------------------------------------------------------------
# Hear yourself calmer


def test_calmer_page_plays_the_calmer_version_and_keeps_it_as_a_model(app):
    app.switch_page("app_pages/calmer.py")
    app.run()
    assert not app.exception
    assert app.title[0].value == "Hear yourself calmer"
    app.audio_input[0].set_value(("take.wav", demo_wav("seed-tense.flac"), "audio/wav"))
    app.run()
    assert not app.exception
    assert any("What changed:" in s.value and "slower" in s.value for s in app.success)
    metrics = {m.label: m.value for m in app.metric}
    before = int(metrics["Calm score of your take"].split(" ")[0])
    after = int(metrics["Calm score of the calmer version"].split(" ")[0])
    assert after > before
    table = app.dataframe[0].value
    assert set(table["feature"]) >= {"Pitch height", "Pace", "Loudness"}
    assert "Still your voice" in texts(app)
    app.button(key="calmer_keep").click()
    app.run()
    assert not app.exception
    assert any("Kept as your model take" in s.value for s in app.success)
    assert store().takes(kind="model", phrase=SEED)[0].feedback["calmer"]["summary"]


def test_calmer_page_demo_take(app):
    app.switch_page("app_pages/calmer.py")
    app.run()
    app.checkbox(key="calmer_demo").check()
    app.run()
    assert not app.exception
    assert any("What changed:" in s.value for s in app.success)


# ---------------------------------------------------------------------------------------------
# Supervisor


def test_supervisor_assigns_an_exercise_and_follows_progress(app, takes):
    app.switch_page("app_pages/supervisor.py")
    app.run()
    assert not app.exception
    assert app.title[0].value == "Supervisor"
    app.selectbox(key="assign_person").set_value("Someone new…")
    app.text_input(key="assign_new_name").set_value("Sam")
    app.radio(key="assign_kind").set_value("Exercise")
    app.selectbox(key="assign_exercise").set_value("pause-and-breathe")
    app.text_input(key="assign_note").set_value("before Friday")
    app.button[0].click()  # the form's submit button
    app.run()
    assert not app.exception
    assert any("Assigned “Pause and breathe” to Sam" in s.value for s in app.success)
    [a] = store().assignments("Sam")
    assert (a.kind, a.target, a.note, a.assigned_by) == ("exercise", "pause-and-breathe",
                                                          "before Friday", "Me")

    # Sam practises: the Exercises page opens on the assignment and files the attempt under it
    # who is practising, as the sidebar's box sets it (AppTest does not list sidebar widgets
    # after a page switch)
    app.session_state["person"] = "Sam"
    app.switch_page("app_pages/exercises.py")
    app.run()
    assert "Assigned to you" in texts(app)
    assert app.selectbox(key="exercise_choice").value == "pause-and-breathe"
    app.audio_input[0].set_value(("take.wav", takes[120], "audio/wav"))
    app.run()
    assert not app.exception
    [attempt] = store().takes(person="Sam", kind="exercise")
    assert attempt.assignment_id == str(a.id)

    app.switch_page("app_pages/supervisor.py")
    app.run()
    assert not app.exception
    assert app.selectbox(key="supervise_person").value == "Sam"
    shown = texts(app)
    assert "Exercise: Pause and breathe" in shown
    assert "Note: before Friday" in shown
    passed = int(attempt.feedback["exercise"]["passed"])
    bars = [p.proto.text for p in app.get("progress")]
    assert f"{passed} of 3 passes needed, 1 attempt" in bars

    app.button(key=f"close_{a.id}").click()
    app.run()
    assert not app.exception
    assert store().assignments("Sam") == []


def test_the_assign_form_shows_only_what_the_choice_needs(app):
    app.switch_page("app_pages/supervisor.py").run()
    keys = {w.key for w in app.selectbox} | {w.key for w in app.text_input}
    assert {"assign_exercise", "assign_new_name"} <= keys  # nobody yet: a new name
    assert "assign_set" not in keys
    app.radio(key="assign_kind").set_value("Phrase set").run()
    keys = {w.key for w in app.selectbox}
    assert "assign_set" in keys
    assert "assign_exercise" not in keys
    # someone new is in the "To" list, and followed below, at once
    app.text_input(key="assign_new_name").set_value("Sam")
    app.button(key="assign_go").click().run()
    assert not app.exception
    assert any("to Sam" in s.value for s in app.success)
    assert app.selectbox(key="assign_person").value == "Sam"
    assert "Sam" in app.selectbox(key="assign_person").options
    assert "assign_new_name" not in {w.key for w in app.text_input}  # Sam is not new any more
    assert app.selectbox(key="supervise_person").value == "Sam"
    assert "Phrase set:" in texts(app)


def test_a_new_model_take_gets_its_own_score_and_contour(app, takes):
    app.switch_page("app_pages/model.py").run()
    recorder = take_key("model_record", 0, "Me", SEED)
    app.audio_input(key=recorder).set_value(("model.wav", takes[120], "audio/wav"))
    app.run()
    assert not app.exception
    [model] = store().takes(kind="model", phrase=SEED)
    assert model.score is not None  # the supervisor can check the model is calm
    assert model.feedback["score"] == model.score
    shown = [e.label for e in app.expander]
    assert f"Is the model calm? Its own calm score: {model.score:.0f} / 100" in shown
    assert any("semitones against the model's own middle" in c.value for c in app.caption)


def test_a_hurried_take_after_silence_is_compared_with_the_model(app):
    """Twice the model's pace, after three seconds of silence: compared, not refused."""
    app.switch_page("app_pages/model.py").run()
    y, sr = sf.read(DEMO / "seed-tense.flac")
    hurried = wav_bytes(np.concatenate([np.zeros(3 * sr), y, np.zeros(sr)]), sr)
    mine = take_key("model_take", 0, "Me", SEED)
    app.audio_input(key=mine).set_value(("take.wav", hurried, "audio/wav")).run()
    assert not app.exception
    assert not app.error
    sim = similarity(analyse(demo_wav("seed-model.flac")), analyse(hurried))
    assert sim.rate_ratio > 1.5  # the hurried take is measured as such
    assert {m.label: m.value for m in app.metric}["Similarity to the model"] == (
        f"{sim.score} / 100")


def test_match_the_model_shows_the_overlay(app):
    app.switch_page("app_pages/exercises.py").run()
    app.selectbox(key="exercise_choice").set_value("match-the-model").run()
    app.selectbox(key="exercise_phrase_match-the-model").set_value(SEED).run()
    tense = demo_wav("seed-tense.flac")
    app.audio_input[0].set_value(("take.wav", tense, "audio/wav")).run()
    assert not app.exception
    sim = similarity(analyse(demo_wav("seed-model.flac")), analyse(tense))
    shown = texts(app)
    assert "**A: the model**" in shown
    assert "**B: your attempt**" in shown
    assert any(c.value.startswith(sim.summary) and "where the lines part" in c.value
               for c in app.caption)


def test_the_calmer_headline_says_what_the_table_says(app):
    app.switch_page("app_pages/calmer.py").run()
    app.audio_input[0].set_value(("take.wav", demo_wav("seed-tense.flac"), "audio/wav")).run()
    headline = next(s.value for s in app.success if "What changed:" in s.value)
    table = app.dataframe[0].value
    for _, row in table.iterrows():
        if row["what changed"] != "about the same":
            assert f"{row['feature'].lower()} {row['what changed']}" in headline


def test_no_page_uses_an_emoji_for_an_icon():
    """Emoji show as empty boxes where no emoji font is installed: icons are Material Symbols
    (from the font Streamlit ships) or words."""
    import re

    emoji = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F]")
    for path in sorted((ROOT / "ui").rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not emoji.search(line), f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
