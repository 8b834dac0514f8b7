"""The app's pages driven by Streamlit's AppTest with real WAV bytes.

What the page shows is checked against ``prosody`` run on the same audio.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import SR, espeak
from streamlit.testing.v1 import AppTest

from prosody import ProsodyWarning
from prosody.analysis import analyze
from prosody.coach import baseline_settings, coach, measure_baseline
from prosody.profile import load_profile

APP = str(Path(__file__).resolve().parent.parent / "ui" / "app.py")
SEED = "I'm here with you. What do you need right now?"


def wav_bytes(y: np.ndarray, sr: int = SR) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, y, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


@pytest.fixture(scope="module")
def seed_wav(tmp_path_factory) -> bytes:
    path = espeak(SEED, tmp_path_factory.mktemp("ui") / "seed.wav", voice="en-us+f1", pitch=55)
    return path.read_bytes()


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


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "home"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def expected_feedback(data: bytes, *, text: str, scenario: str, baseline: bytes | None = None):
    """What prosody itself says about the same audio, for the page to match."""
    from prosody.audio import load

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        base = None
        settings = None
        if baseline is not None:
            b = load(baseline)
            base = measure_baseline(b.y, sr=b.sr, text=SEED)
            settings = baseline_settings(base)
        sig = load(data)
        a = analyze(sig.y, sr=sig.sr, text=text, settings=settings)
    return coach(a, profile=load_profile("soothing"), baseline=base, scenario=scenario).to_dict()


def test_practice_page_starts_empty(app):
    assert app.title[0].value == "Practise a calm phrase"
    assert any("No everyday-voice baseline" in i.value for i in app.info)
    assert app.selectbox(key="phrase_choice").value == SEED
    assert not app.metric


def test_recording_shows_the_coach_feedback(app, seed_wav):
    app.audio_input[0].set_value(("take.wav", seed_wav, "audio/wav"))
    app.run()
    assert not app.exception
    fb = expected_feedback(seed_wav, text=SEED, scenario="check-in")
    assert app.metric[0].label == "Calm score"
    assert app.metric[0].value == f"{fb['score']:.0f} / 100"
    shown = "\n".join(m.value for m in app.markdown)
    for tip in fb["tips"]:
        assert tip in shown
    assert fb["well"] in shown
    # every feature card says its verdict in words, not by colour alone
    assert "in the calm zone" in shown or "above the calm zone" in shown
    assert any("Pitch over time in semitones" in c.value for c in app.caption)


def test_uploaded_file_works_like_a_recording(app, seed_wav):
    app.file_uploader[0].upload("take.wav", seed_wav, "audio/wav")
    app.run()
    assert not app.exception
    assert app.metric[0].label == "Calm score"


def test_try_again_keeps_recent_attempts(app, seed_wav):
    app.audio_input[0].set_value(("take.wav", seed_wav, "audio/wav"))
    app.run()
    app.button(key="try_again").click()
    app.run()
    assert not app.metric  # a fresh recorder
    louder = wav_bytes(np.clip(1.8 * sf.read(io.BytesIO(seed_wav))[0], -1, 1),
                       sr=sf.info(io.BytesIO(seed_wav)).samplerate)
    app.audio_input[0].set_value(("take.wav", louder, "audio/wav"))
    app.run()
    assert not app.exception
    assert any("Your recent tries" in m.value for m in app.markdown)
    assert len(app.session_state["attempts"][SEED]) == 2
    from prosody.store import Store

    takes = Store.open().takes(person="Me")
    assert len(takes) == 2  # both tries kept in the history, each once
    assert {t.phrase for t in takes} == {SEED}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # digital silence: no voice to judge, the coach asks for a closer microphone
        (wav_bytes(np.zeros(2 * SR)), "too quiet"),
        # a text file posing as a recording: the loader says what it is and what works
        (b"this is not audio at all, just a note", "WAV"),
        # a quarter second: too short to describe
        (wav_bytes(0.1 * np.sin(2 * np.pi * 200 * np.arange(SR // 4) / SR)), "too short|shorter"),
    ],
)
def test_bad_recordings_get_a_friendly_message(app, data, message):
    import re

    app.file_uploader[0].upload("take.wav", data, "audio/wav")
    app.run()
    assert not app.exception
    said = " ".join([e.value for e in app.error] + [w.value for w in app.warning])
    assert re.search(message, said), said
    assert not app.metric


def test_baseline_then_practice_is_judged_against_it(app, seed_wav, baseline_wav):
    record_baseline(app, baseline_wav)
    assert app.title[0].value == "Your everyday voice"
    assert not app.exception
    assert any("Baseline saved" in s.value for s in app.success)
    labels = [m.label for m in app.metric]
    assert labels == ["Typical pitch", "Pitch range", "Pace", "Loudness"]

    app.switch_page("app_pages/practice.py")
    app.run()
    assert not any("No everyday-voice baseline" in i.value for i in app.info)
    app.audio_input[0].set_value(("take.wav", seed_wav, "audio/wav"))
    app.run()
    assert not app.exception
    fb = expected_feedback(seed_wav, text=SEED, scenario="check-in", baseline=baseline_wav)
    assert app.metric[0].value == f"{fb['score']:.0f} / 100"
    assert any(f["relative_to"] == "baseline" for f in fb["features"])
    assert "against your everyday voice" in "\n".join(m.value for m in app.markdown)


def test_settings_page_privacy_and_delete(app, seed_wav, baseline_wav):
    record_baseline(app, baseline_wav)
    app.switch_page("app_pages/settings.py")
    app.run()
    assert not app.exception
    text = "\n".join(m.value for m in app.markdown)
    assert "never sends a recording" in text
    assert "127.0.0.1" in text
    assert app.selectbox(key="profile").value == "soothing"
    from prosody.store import Store

    assert Store.open().count(person="Me") == 1  # the baseline take
    app.checkbox[0].check()
    app.run()
    app.button[0].click()
    app.run()
    assert not app.exception
    assert any("Deleted 1 take" in s.value for s in app.success)
    assert Store.open().count(person="Me") == 0


def test_who_is_practising(app):
    box = app.sidebar.text_input(key="person_input")
    assert box.value == "Me"
    box.input("Sam").run()
    assert app.session_state["person"] == "Sam"
    # emptying the box does not file takes under no name: it snaps back to the last name
    app.sidebar.text_input(key="person_input").input("  ").run()
    assert app.session_state["person"] == "Sam"
    assert app.sidebar.text_input(key="person_input").value == "Sam"
