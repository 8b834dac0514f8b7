"""The app's Practice, Baseline, Settings and How it works pages, and who is practising, driven
by Streamlit's AppTest with real WAV bytes.

What the page shows is checked against ``prosody`` run on the same audio: the score, the one
verdict line, the changes and the cards all come from :func:`prosody.explain.read_feedback`.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import SR, espeak, load16
from streamlit.testing.v1 import AppTest

from prosody import ProsodyWarning
from prosody.analysis import analyze
from prosody.coach import baseline_settings, coach, measure_baseline
from prosody.explain import read_feedback
from prosody.profile import load_profile
from prosody.store import Store

APP = str(Path(__file__).resolve().parent.parent / "ui" / "app.py")
SEED = "I'm here with you. What do you need right now?"
#: The everyday-voice passage of the guided start (ui.services.BASELINE_TEXT).
PASSAGE = (
    "The bus to the station leaves every twenty minutes. On weekdays it is usually on time, "
    "and the ride takes about a quarter of an hour. I often read on the way, or look out of the "
    "window at the gardens and the small bridge over the river. In the evening the same bus "
    "brings me home again."
)


def wav_bytes(y: np.ndarray, sr: int = SR) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, y, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


@pytest.fixture(scope="module")
def seed_wav(tmp_path_factory) -> bytes:
    path = espeak(SEED, tmp_path_factory.mktemp("ui") / "seed.wav", voice="en-us+f1", pitch=55)
    return path.read_bytes()


@pytest.fixture(scope="module")
def passage_wav(tmp_path_factory) -> bytes:
    """The passage read by a synthetic voice at an everyday pace."""
    path = tmp_path_factory.mktemp("ui") / "passage.wav"
    return wav_bytes(load16(espeak(PASSAGE, path, voice="en-us+f1", pitch=55, speed_wpm=165)))


@pytest.fixture(scope="module")
def baseline_wav() -> bytes:
    """The demo speaker's everyday voice saying the seed phrase (samples/audio), as WAV."""
    seed = Path(__file__).resolve().parent.parent / "samples" / "audio" / "seed-baseline.flac"
    buf = io.BytesIO()
    sf.write(buf, *sf.read(seed), format="WAV")
    return buf.getvalue()


def record_baseline(app, wav: bytes) -> None:
    """On the Baseline page: the seed phrase in an everyday voice, as the words read."""
    app.switch_page("app_pages/baseline.py")
    app.run()
    app.radio(key="baseline_what").set_value("A phrase I practise, said in my everyday voice")
    app.run()
    app.selectbox(key="baseline_phrase").set_value(SEED)
    app.run()
    app.audio_input[0].set_value(("baseline.wav", wav, "audio/wav"))
    app.run()


def new_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception
    return at


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def app(home):
    return new_app()


@pytest.fixture
def practising(app):
    """The Practice page with the guided start skipped: the phrase, the recorder."""
    app.button(key="guide_skip").click().run()
    assert not app.exception
    return app


def save_a_take_of(person: str, wav: bytes) -> None:
    """A take of ``person`` in the history, as another session saved it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        y = load16(io.BytesIO(wav))
        a = analyze(y, sr=SR, text=SEED)
    with Store.open() as store:
        store.save_take(person=person, audio=y, sr=SR, analysis=a, feedback=None, phrase=SEED)


def texts(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption]
                     + [s.value for s in at.success] + [w.value for w in at.warning]
                     + [i.value for i in at.info] + [e.value for e in at.error])


def expected(data: bytes, *, text: str, scenario: str, baseline: bytes | None = None,
             baseline_text: str = SEED):
    """What prosody itself says about the same audio: (coach dict, reading)."""
    from prosody.audio import load

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        base = settings = None
        if baseline is not None:
            b = load(baseline)
            base = measure_baseline(b.y, sr=b.sr, text=baseline_text)
            settings = baseline_settings(base)
        sig = load(data)
        a = analyze(sig.y, sr=sig.sr, text=text, settings=settings)
    profile = load_profile("soothing")
    fb = coach(a, profile=profile, baseline=base, scenario=scenario).to_dict()
    return fb, read_feedback(fb, profile, tracks=a.tracks, ends=a.phrase_ends)


# ---------------------------------------------------------------------------------------------
# The first visit and the guided start


def test_a_first_visit_says_what_the_app_is_and_starts_the_guide(app):
    assert app.title[0].value == "Calm Tone Coach"
    assert any("Practise the **tone** of a calming voice" in m.value for m in app.markdown)
    assert any("Step 1 of 3" in m.value for m in app.markdown)
    # nothing to try again before a first try; no practice before the everyday voice
    assert "try_again" not in [b.key for b in app.button]
    assert not app.audio_input
    assert not app.metric


def test_the_guided_start_records_the_baseline_then_the_first_phrase(app, passage_wav,
                                                                     seed_wav):
    app.radio(key="audience").set_value("partner").run()
    app.button(key="guide_next").click().run()
    assert any("Step 2 of 3" in m.value for m in app.markdown)
    # the passage is shown (large, as HTML) with its countdown
    shown = "\n".join(h.proto.body for h in app.get("html"))
    assert "The bus to the station" in shown
    assert "ct-countdown" in shown
    app.audio_input[0].set_value(("passage.wav", passage_wav, "audio/wav")).run()
    assert not app.exception
    said = " ".join(s.value for s in app.success)
    assert "Baseline saved for Me" in said
    assert re.search(r"We heard \d+ s of your voice, \d+ syllables", said), said
    assert Store.open().baseline("Me") is not None
    assert any("Step 3 of 3" in i.value for i in app.info)
    # the first phrase is one for the listener chosen in step 1, with its own scenario
    phrase = app.selectbox(key="phrase_choice").value
    from prosody.content import load_phrases

    entry = next(p for p in load_phrases() if p.text == phrase)
    assert entry.audience == "partner"
    assert app.selectbox(key="scenario").value == entry.scenario
    app.selectbox(key="phrase_choice").set_value(SEED).run()
    app.audio_input[0].set_value(("take.wav", seed_wav, "audio/wav")).run()
    assert not app.exception
    fb, reading = expected(seed_wav, text=SEED, scenario=app.selectbox(key="scenario").value,
                           baseline=passage_wav, baseline_text=PASSAGE)
    assert app.metric[0].value == f"{reading.score} / 100"
    assert reading.baseline
    assert f"**{reading.verdict}**" in [m.value for m in app.markdown]
    assert not any("Step 3 of 3" in i.value for i in app.info)  # done: the result is shown
    assert app.session_state["guide"]["Me"] == "done"


def test_a_recording_that_is_not_the_passage_is_refused_in_the_guide(app, seed_wav):
    app.button(key="guide_next").click().run()
    app.audio_input[0].set_value(("short.wav", seed_wav, "audio/wav")).run()
    said = " ".join(e.value for e in app.error).replace("\\", "")
    assert "We could not use this recording" in said
    assert Store.open().baseline("Me") is None
    assert any("Step 2 of 3" in m.value for m in app.markdown)  # still reading the passage


def test_the_guided_start_can_be_skipped_and_is_offered_again(app):
    app.button(key="guide_skip").click().run()
    assert any("No everyday-voice baseline yet" in m.value for m in app.markdown)
    assert app.audio_input  # practice at once, on general targets
    app.button(key="guide_start").click().run()
    assert any("Step 1 of 3" in m.value for m in app.markdown)
    app.button(key="guide_skip").click().run()
    again = new_app()  # a new visit: still no baseline, so the guide is offered again
    assert any("Step 1 of 3" in m.value for m in again.markdown)


# ---------------------------------------------------------------------------------------------
# Feedback a parent reads in ten seconds


def test_the_verdict_changes_and_cards_agree(practising, seed_wav):
    app = practising
    app.audio_input[0].set_value(("take.wav", seed_wav, "audio/wav")).run()
    assert not app.exception
    fb, reading = expected(seed_wav, text=SEED, scenario="check-in")
    assert app.metric[0].label == "Calm score"
    assert app.metric[0].value == f"{fb['score']:.0f} / 100"
    assert "How it works" in app.metric[0].help  # how the score is built: one place
    shown = [m.value for m in app.markdown]
    assert f"**{reading.verdict}**" in shown
    for change in reading.changes:
        assert any(f"**{change.number}. {change.label}: {change.what.lower()}.**" in m
                   and change.tip in m for m in shown)
    assert fb["well"] in "\n".join(shown)
    # one card per feature that carries weight; a weightless one (falling ends in a check-in
    # question) has none; each card's verdict in words
    cards = [m for m in shown
             if m.startswith("**") and "  \n" in m and not re.match(r"\*\*\d\. ", m)]
    labels = {m.split("**")[1] for m in cards}
    assert labels == {c.label for c in reading.cards}
    assert "Falling phrase ends" not in labels
    for card in reading.cards:
        assert any(card.verdict_words in m for m in shown)
    # the score's paragraph of weights is not under the score any more
    assert not any("weighted share" in m for m in shown)
    assert any("semitones against this take's middle" in c.value for c in app.caption)
    # the caption says what the green band is when the chart draws one
    from ui.views import pitch_band_st

    banded = any("where the middle of your pitch should sit" in c.value for c in app.caption)
    assert banded == (pitch_band_st(reading) is not None)


def test_a_calm_score_with_one_detail_does_not_say_keep_it_above_fixes(practising):
    calm = Path(__file__).resolve().parent.parent / "samples" / "audio" / "seed-calm.flac"
    buf = io.BytesIO()
    sf.write(buf, *sf.read(calm), format="WAV")
    practising.audio_input[0].set_value(("calm.wav", buf.getvalue(), "audio/wav")).run()
    fb, reading = expected(buf.getvalue(), text=SEED, scenario="check-in")
    assert reading.band == "calm"
    shown = [m.value for m in practising.markdown]
    assert f"**{reading.verdict}**" in shown
    changes = [m for m in shown if re.match(r"\*\*\d\. ", m)]
    assert len(changes) == len(reading.changes) <= 1
    if changes:
        assert "#### One detail to polish" in shown
        assert not any("tone to keep" in m for m in shown)


def test_a_phrase_brings_its_own_scenario(practising):
    from prosody.content import load_phrases

    bedtime = next(p for p in load_phrases() if p.scenario == "bedtime")
    practising.selectbox(key="phrase_choice").set_value(bedtime.text).run()
    assert practising.selectbox(key="scenario").value == "bedtime"
    other = next(p for p in load_phrases() if p.scenario == "de-escalation")
    practising.selectbox(key="phrase_choice").set_value(other.text).run()
    assert practising.selectbox(key="scenario").value == "de-escalation"


def test_uploaded_file_works_like_a_recording(practising, seed_wav):
    practising.file_uploader[0].upload("take.wav", seed_wav, "audio/wav")
    practising.run()
    assert not practising.exception
    assert practising.metric[0].label == "Calm score"


def flac_as_wav(name: str) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, *sf.read(Path(__file__).resolve().parent.parent / "samples" / "audio" / name),
             format="WAV")
    return buf.getvalue()


def test_a_second_upload_is_judged_not_dropped(practising):
    """A second file uploaded without pressing Try again is judged and kept; the first take's
    result is never left on screen as if it were the second's."""
    app = practising
    calm, tense = flac_as_wav("seed-calm.flac"), flac_as_wav("seed-tense.flac")
    want = {name: expected(data, text=SEED, scenario="check-in")[0]["score"]
            for name, data in (("calm", calm), ("tense", tense))}
    assert want["calm"] - want["tense"] >= 20  # two takes that cannot be mistaken
    app.file_uploader[0].upload("calm.wav", calm, "audio/wav")
    app.run()
    assert app.metric[0].value == f"{want['calm']:.0f} / 100"
    assert not app.file_uploader[0].value  # a fresh upload box, not the first file's
    app.file_uploader[0].upload("tense.wav", tense, "audio/wav")
    app.run()
    assert not app.exception
    assert app.metric[0].value == f"{want['tense']:.0f} / 100"
    assert len(Store.open().takes(person="Me")) == 2
    assert len(app.session_state["attempts"][SEED]) == 2


def test_try_again_keeps_recent_attempts(practising, seed_wav):
    app = practising
    app.audio_input[0].set_value(("take.wav", seed_wav, "audio/wav"))
    app.run()
    app.button(key="try_again").click()
    app.run()
    assert not app.metric  # a fresh recorder
    assert "try_again" not in [b.key for b in app.button]
    louder = wav_bytes(np.clip(1.8 * sf.read(io.BytesIO(seed_wav))[0], -1, 1),
                       sr=sf.info(io.BytesIO(seed_wav)).samplerate)
    app.audio_input[0].set_value(("take.wav", louder, "audio/wav"))
    app.run()
    assert not app.exception
    assert any("Your recent tries" in m.value for m in app.markdown)
    assert len(app.session_state["attempts"][SEED]) == 2
    takes = Store.open().takes(person="Me")
    assert len(takes) == 2  # both tries kept in the history, each once
    assert {t.phrase for t in takes} == {SEED}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # digital silence: nothing recorded at all, the coach asks to check the microphone
        (wav_bytes(np.zeros(2 * SR)), "holds no sound.*microphone is plugged in"),
        # a quiet mains hum with no voice in it: named as what it is (prosody.hum)
        (wav_bytes(1e-4 * np.sin(2 * np.pi * 50 * np.arange(2 * SR) / SR)),
         "no voice in this recording, only a steady mains hum at 50 Hz"),
        # a text file posing as a recording: the loader says what it is and what works
        (b"this is not audio at all, just a note", "WAV"),
        # random bytes: what works, and no "<_io.BytesIO object at 0x...>" in the words
        (bytes(np.random.default_rng(7).integers(0, 256, 5000, dtype=np.uint8)),
         r"^(?!.*object at 0x).*not an audio file.*WAV"),
        # an empty file: said, not ignored
        (b"", "empty"),
        # a quarter second: too short to describe
        (wav_bytes(0.1 * np.sin(2 * np.pi * 200 * np.arange(SR // 4) / SR)), "too short|shorter"),
    ],
)
def test_bad_recordings_are_explained_once_and_never_saved(practising, data, message):
    practising.file_uploader[0].upload("take.wav", data, "audio/wav")
    practising.run()
    assert not practising.exception
    said = [e.value for e in practising.error] + [w.value for w in practising.warning]
    assert len(said) == 1, said  # the message once
    assert re.search(message, said[0]), said
    assert not practising.metric
    assert Store.open().count() == 0  # nothing saved
    assert "try_again" in [b.key for b in practising.button]


def test_baseline_then_practice_is_judged_against_it(practising, seed_wav, baseline_wav):
    app = practising
    record_baseline(app, baseline_wav)
    assert app.title[0].value == "Your everyday voice"
    assert not app.exception
    assert any("Baseline saved" in s.value for s in app.success)
    labels = [m.label for m in app.metric]
    assert labels == ["Typical pitch", "Pitch range, semitones", "Pace, syllables a second",
                      "Loudness"]
    # the pace of the card and of the line above it: the one the coach judges, in words
    base = Store.open().baseline("Me").summary
    pace = base["voiced_rate_syl_per_s"]
    assert app.metric[2].value == f"{pace:.1f}"
    assert any(f"syllables, {pace:.1f} a second" in s.value for s in app.success)
    assert app.metric[3].value == f"{base['speech_level_db']:.1f} dB"

    app.switch_page("app_pages/practice.py")
    app.run()
    assert not any("No everyday-voice baseline" in m.value for m in app.markdown)
    app.audio_input[0].set_value(("take.wav", seed_wav, "audio/wav"))
    app.run()
    assert not app.exception
    fb, reading = expected(seed_wav, text=SEED, scenario="check-in", baseline=baseline_wav)
    assert app.metric[0].value == f"{fb['score']:.0f} / 100"
    assert all(c.against == "your everyday voice" for c in reading.cards
               if c.name != "loudness" or c.against)
    assert any("than your everyday voice" in m.value for m in app.markdown)
    # against a baseline the chart draws the calm pitch zone, and its caption says what it is
    assert any("where the middle of your pitch should sit" in c.value for c in app.caption)


# ---------------------------------------------------------------------------------------------
# Who is practising


def test_who_is_practising_is_chosen_in_the_main_area(app):
    assert app.session_state["person"] == "Me"
    app.selectbox(key="person_pick").set_value("Someone new…").run()
    app.text_input(key="person_input").input("Sam").run()
    assert app.session_state["person"] == "Sam"
    assert app.query_params["person"] in ("Sam", ["Sam"])  # in the address: a reload keeps it
    assert "Sam" in [p.name for p in Store.open().people()]
    # an emptied box keeps the last name
    app.selectbox(key="person_pick").set_value("Someone new…").run()
    app.text_input(key="person_input").input("  ").run()
    assert app.session_state["person"] == "Sam"
    app.selectbox(key="person_pick").set_value("Me").run()
    assert app.session_state["person"] == "Me"


def test_a_baseline_in_the_recorder_is_not_saved_for_the_next_person(app, baseline_wav):
    """Someone records their everyday voice, then the next person picks their own name: the
    recording is not measured again and saved as the new person's baseline."""
    record_baseline(app, baseline_wav)
    assert any("Baseline saved for Me" in s.value for s in app.success)
    app.selectbox(key="person_pick").set_value("Someone new…").run()
    app.text_input(key="person_input").input("Sam").run()
    assert not app.exception
    assert not app.audio_input[0].value
    assert not any("Baseline saved" in s.value for s in app.success)
    with Store.open() as store:
        assert [t.person for t in store.takes(kind="baseline")] == ["Me"]


def test_the_person_survives_a_reload_and_a_new_visit(home, seed_wav):
    with Store.open() as store:
        store.add_person("Alex")  # chosen on the page, which keeps them in the address
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["person"] = "alex"  # the address after a reload
    at.run()
    assert at.session_state["person"] == "Alex"
    save_a_take_of("Sam", seed_wav)
    with Store.open() as store:
        store.add_person("Zoe")  # added later (an assignment), but has practised nothing
    assert new_app().session_state["person"] == "Sam"  # who practised last on this computer


@pytest.mark.parametrize("named", ["Mallory", "S\u0430m", "x" * 500])
def test_a_link_cannot_make_someone_new_practise(home, seed_wav, named):
    """Any web page can send the browser to ?person=…: a name not in the history (made up, one
    that only looks like someone's, or unusable) is ignored, and nobody is added by it."""
    save_a_take_of("Sam", seed_wav)
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["person"] = named
    at.run()
    assert not at.exception
    assert at.session_state["person"] == "Sam"  # who practised last, not the link's name
    assert at.query_params["person"] in ("Sam", ["Sam"])
    with Store.open() as store:
        assert [p.name for p in store.people()] == ["Sam"]


def test_a_name_that_looks_like_another_is_flagged(app):
    with Store.open() as store:
        store.add_person("Anna")
    app.selectbox(key="person_pick").set_value("Someone new…").run()
    app.text_input(key="person_input").input("\u0410nna").run()  # a Cyrillic А
    assert not app.exception
    said = " ".join(w.value for w in app.warning)
    assert "mixes Cyrillic and Latin" in said
    app.run()
    assert not app.warning  # said once


# ---------------------------------------------------------------------------------------------
# Settings and How it works


def test_settings_page_privacy_and_delete_my_data(practising, seed_wav, baseline_wav):
    app = practising
    record_baseline(app, baseline_wav)
    app.switch_page("app_pages/settings.py")
    app.run()
    assert not app.exception
    text = "\n".join(m.value for m in app.markdown)
    assert "never sends a recording" in text
    assert "127.0.0.1" in text
    assert app.selectbox(key="profile").value == "soothing"
    assert Store.open().count(person="Me") == 1  # the baseline take
    assert "1 saved take and their recordings" in text
    app.checkbox(key="delete_sure_Me").check().run()
    app.button[-1].click().run()
    assert not app.exception
    assert any("Deleted Me: 1 take" in s.value for s in app.success)
    assert Store.open().count(person="Me") == 0
    # the page says so at once: no stale count
    assert any("Nothing is kept for **Me** yet" in m.value for m in app.markdown)


def test_the_administrator_of_this_computer_deletes_anyone_and_sees_what_goes(
        app, seed_wav, monkeypatch):
    monkeypatch.setattr("ui.services.administers_this_computer", lambda: True)
    save_a_take_of("Sam", seed_wav)
    save_a_take_of("Ann", seed_wav)
    with Store.open() as store:
        store.assign("Sam", kind="exercise", target="slow-it-down", assigned_by="Dr Lee")
    app.switch_page("app_pages/settings.py").run()
    assert app.subheader[-1].value == "Delete a person's data"
    app.selectbox(key="delete_whom").set_value("Sam").run()
    text = "\n".join(m.value for m in app.markdown)
    assert "1 assignment given to them (by Dr Lee)" in text
    # a confirmation given for one person is not carried over to the next one chosen
    app.checkbox(key="delete_sure_Sam").check().run()
    app.selectbox(key="delete_whom").set_value("Ann").run()
    assert not app.checkbox(key="delete_sure_Ann").value
    assert app.button[-1].disabled
    app.selectbox(key="delete_whom").set_value("Sam").run()
    app.checkbox(key="delete_sure_Sam").check().run()
    app.button[-1].click().run()
    assert any("Deleted Sam: 1 take and 1 assignment." in s.value for s in app.success)
    assert "Sam" not in [p.name for p in Store.open().people()]
    assert app.session_state["person"] == "Me"  # not the one deleted


def test_how_the_score_is_built_is_said_on_one_page(app):
    app.switch_page("app_pages/help.py").run()
    assert not app.exception
    text = "\n".join(m.value for m in app.markdown)
    assert "calm zone" in text
    assert "80 and up" in text
    assert "semitones" in text
    assert "Pitch height" in text


def test_the_same_recording_is_kept_for_each_person_and_again_once_deleted(practising):
    """Reruns keep a take once, but the same file uploaded for another person is that person's
    take, and one whose saved take was deleted is kept again: "Kept in …'s practice history"
    is said only of a take that is there."""
    app = practising
    calm = flac_as_wav("seed-calm.flac")

    def upload():
        app.file_uploader[0].upload("calm.wav", calm, "audio/wav")
        app.run()
        assert not app.exception

    upload()
    with Store.open() as store:
        (first,) = store.takes(person="Me")
        store.delete_take(first.id)
    upload()  # the same file after its take was deleted
    with Store.open() as store:
        again = store.takes(person="Me")
    assert len(again) == 1
    assert again[0].id != first.id
    assert "Kept in Me's practice history" in texts(app)

    app.selectbox(key="person_pick").set_value("Someone new…").run()
    app.text_input(key="person_input").input("Ana").run()
    if any(b.key == "guide_skip" for b in app.button):  # someone new is offered the guide
        app.button(key="guide_skip").click().run()
    upload()
    with Store.open() as store:
        assert len(store.takes(person="Ana")) == 1
        assert len(store.takes(person="Me")) == 1
    assert "Kept in Ana's practice history" in texts(app)
    app.run()  # a rerun keeps nothing twice
    with Store.open() as store:
        assert len(store.takes()) == 2


def test_a_phone_rate_upload_is_judged_as_the_command_line_judges_it(practising, tmp_path):
    """An 8 kHz recording carries nothing above 4 kHz. The command line leaves out what needs
    the upper band (pitch height without a baseline); the app read the empty band as the
    voice's own and scored the same file 85 where the command line said 72."""
    from prosody.analysis import analyze_file
    from prosody.coach import load_baseline
    from prosody.dsp import resample

    y = load16(Path(__file__).resolve().parent.parent / "samples" / "audio" / "seed-calm.flac")
    path = tmp_path / "phone.wav"
    sf.write(path, resample(y, SR, 8000), 8000)
    data = path.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        want = coach(analyze_file(path, text=SEED), profile="soothing", scenario="check-in")
    assert "pitch_level" in dict(want.not_judged)
    practising.file_uploader[0].upload("phone.wav", data, "audio/wav")
    practising.run()
    assert not practising.exception
    assert practising.metric[0].value == f"{want.score:.0f} / 100"
    # the everyday voice, recorded on the same phone, is measured on its band too
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        assert load_baseline(data, text=SEED).quality.bandwidth_hz == pytest.approx(4000.0)
