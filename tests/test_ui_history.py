"""Review and Progress pages, on a history seeded with real analysed takes over past days."""

from __future__ import annotations

import datetime as dt
import io
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import SR
from streamlit.testing.v1 import AppTest

from prosody import ProsodyWarning, analyze
from prosody.coach import coach
from prosody.compare import deltas_sentence
from prosody.profile import load_profile
from prosody.store import Store

APP = str(Path(__file__).resolve().parent.parent / "ui" / "app.py")
PHRASE = "I'm here with you. What do you need right now?"


@pytest.fixture
def seeded(tmp_path, monkeypatch, phrase_female):
    """Six takes of one phrase over 20 days, each a little softer than the one before."""
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "home"))
    store = Store.open()
    profile = load_profile("soothing")
    now = dt.datetime.now(dt.timezone.utc)
    takes = []
    for k, days_ago in enumerate([20, 16, 12, 3, 1, 0]):
        y = phrase_female * 10 ** (-k / 20)  # 1 dB softer each time
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ProsodyWarning)
            a = analyze(y, sr=SR, text=PHRASE)
        fb = coach(a, profile=profile, scenario="check-in")
        takes.append(store.save_take(
            person="Me", audio=y, sr=SR, analysis=a, feedback=fb, phrase=PHRASE,
            scenario="check-in", profile_name=profile.name, profile_version=profile.version,
            created=now - dt.timedelta(days=days_ago, minutes=5),
        ))
    return store, takes


def page(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(f"app_pages/{name}.py")
    at.run()
    assert not at.exception
    return at


def test_review_lists_and_opens_takes(seeded):
    store, takes = seeded
    at = page("review")
    table = at.dataframe[0].value
    assert len(table) == 6  # the default filter shows the last 30 days: all six
    assert set(table["take"]) <= {t.id for t in takes}
    newest = takes[-1]
    assert at.selectbox(key="review_take").value == newest.id
    assert at.metric[0].value == f"{newest.score:.0f} / 100"
    shown = "\n".join(m.value for m in at.markdown)
    for tip in newest.feedback["tips"]:
        assert tip in shown


def test_review_filters_by_date(seeded):
    at = page("review")
    at.date_input[0].set_value(dt.date.today() - dt.timedelta(days=5))
    at.run()
    assert len(at.dataframe[0].value) == 3


def test_review_compares_two_takes_in_words(seeded):
    store, takes = seeded
    at = page("review")
    a_id, b_id = at.selectbox(key="compare_a").value, at.selectbox(key="compare_b").value
    said = "\n".join(m.value for m in at.markdown)
    a, b = store.get(a_id), store.get(b_id)
    assert deltas_sentence(a.summary, b.summary) in said
    assert "dB softer" in said  # B is the newer, softer take
    assert any("so that the same words line up" in c.value for c in at.caption)


def test_review_deletes_a_take(seeded):
    store, takes = seeded
    at = page("review")
    victim = at.selectbox(key="review_take").value
    at.checkbox(key=f"review_sure_{victim}").check()
    at.run()
    at.button(key=f"review_delete_{victim}").click()
    at.run()
    assert not at.exception
    with pytest.raises(Exception, match="no take"):
        store.get(victim)
    # the next take shown asks again: its box is unticked and its button off, so a second
    # click deletes nothing
    shown = at.selectbox(key="review_take").value
    assert shown != victim
    assert not at.checkbox(key=f"review_sure_{shown}").value
    assert at.button(key=f"review_delete_{shown}").disabled


def test_progress_chart_streak_and_words(seeded):
    store, takes = seeded
    at = page("progress")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Days practised"] == "6"
    assert metrics["Current streak"] == "2 days"
    assert metrics["Takes"] == "6"
    words = "\n".join(m.value for m in at.markdown)
    assert "Over the last two weeks you saved 4 takes." in words  # 12, 3, 1 and 0 days ago
    recent = np.mean([t.score for t in takes[2:]])
    assert f"Your calm score averaged {recent:.0f}" in words
    at.selectbox(key="progress_feature").set_value("loudness_db")
    at.run()
    assert not at.exception
    assert any("Loudness (dBFS) per day" in c.value for c in at.caption)


def test_empty_history_pages_say_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "empty"))
    for name in ("review", "progress"):
        at = page(name)
        assert at.info, name


def test_baseline_survives_a_new_session(tmp_path, monkeypatch):
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "home"))

    seed = Path(__file__).resolve().parent.parent / "samples" / "audio" / "seed-baseline.flac"
    at = page("baseline")
    at.radio(key="baseline_what").set_value("A phrase I practise, said in my everyday voice")
    at.run()
    at.selectbox(key="baseline_phrase").set_value(PHRASE)
    at.run()
    buf = io.BytesIO()
    sf.write(buf, *sf.read(seed), format="WAV")
    at.audio_input[0].set_value(("b.wav", buf.getvalue(), "audio/wav"))
    at.run()
    assert any("Baseline saved" in s.value for s in at.success)
    fresh = page("practice")  # a new browser session: nothing in session state
    assert not any("No everyday-voice baseline" in i.value for i in fresh.info)


def test_a_recording_that_is_not_the_passage_is_refused_as_baseline(tmp_path, monkeypatch):
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "home"))
    from conftest import DATA

    at = page("baseline")  # the passage is chosen: 20 s of words
    at.audio_input[0].set_value(("b.wav", (DATA / "arctic_a0007.wav").read_bytes(),
                                 "audio/wav"))  # 3 s of another sentence
    at.run()
    said = " ".join(e.value for e in at.error).replace("\\", "")
    # the passage's words do not fit 3 s of speech: said either as a pace no one speaks at or
    # as syllables that are not there
    assert "syllables per second" in said or "does not seem to be those words" in said
    assert "Record your everyday voice again" in said
    assert not at.success
    assert Store.open().baseline("Me") is None


def test_review_exports_downloads(seeded):
    import csv
    import io
    import json

    store, takes = seeded
    from ui.services import export_bytes

    rows = list(csv.DictReader(io.StringIO(export_bytes("Me", "csv").decode())))
    assert len(rows) == len(takes)
    doc = json.loads(export_bytes("Me", "json"))
    assert len(doc["takes"]) == len(takes)
    html = export_bytes("Me", "html").decode()
    assert "<svg" in html
    assert PHRASE.replace("'", "&#x27;") in html or PHRASE in html
    at = page("review")
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Summaries (CSV)", "Summaries (JSON)", "Printable report (HTML)"]


def test_settings_says_where_a_repair_moved_recordings(tmp_path, monkeypatch, phrase_female):
    home = tmp_path / "home"
    monkeypatch.setenv("CALMTONE_HOME", str(home))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        a = analyze(phrase_female, sr=SR, text=PHRASE)
    with Store.open() as store:
        store.save_take(person="Me", audio=phrase_female, sr=SR, analysis=a, feedback=None,
                        phrase=PHRASE)
    older = tmp_path / "older.sqlite3"
    older.write_bytes((home / "history.sqlite3").read_bytes())
    with Store.open() as store:
        newer = store.save_take(person="Me", audio=phrase_female, sr=SR, analysis=a,
                                feedback=None, phrase=PHRASE)
    older.replace(home / "history.sqlite3")  # an older copy put back
    at = page("settings")
    said = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "moved there by a repair, not deleted" in said
    assert "history restore" in said
    assert len(list((home / "quarantine").glob(f"*/{newer.audio_file}"))) == 1


def chart_specs(at) -> list[dict]:
    """The Vega-Lite specs of the charts on the page, each with its data sets' rows under
    ``"rows"`` (Streamlit sends them as Arrow beside the spec)."""
    import json

    import pyarrow as pa

    specs = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        spec["rows"] = [row for named in chart.proto.datasets
                        for row in pa.ipc.open_stream(named.data.data).read_pandas()
                        .to_dict("records")]
        specs.append(spec)
    return specs


def test_review_shows_every_kind_of_take_with_its_whole_name(seeded, phrase_female):
    store, takes = seeded
    long_phrase = ("I can see this is really hard for you, and I am staying right here with you "
                   "until it feels better.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        a = analyze(phrase_female, sr=SR, text=PHRASE)
    extra = [store.save_take(person="Me", audio=phrase_female, sr=SR, analysis=a, feedback=None,
                             phrase=phrase, kind=kind, exercise_id=exercise)
             for kind, phrase, exercise in (("exercise", PHRASE, "slow-it-down"),
                                            ("model", long_phrase, None),
                                            ("baseline", PHRASE, None))]
    at = page("review")
    table = at.dataframe[0].value
    assert set(table["take"]) == {t.id for t in takes + extra}
    assert set(table["kind"]) == {"practice", "exercise attempt", "model take",
                                  "everyday voice (baseline)"}
    labels = at.selectbox(key="review_take").options  # as shown: the whole phrase
    assert any(long_phrase in label for label in labels)
    assert not any("\\" in label for label in labels)  # plain text, no Markdown escapes
    at.selectbox(key="review_kind").set_value("model").run()
    assert list(at.dataframe[0].value["take"]) == [extra[1].id]


def test_review_labels_the_two_players(seeded):
    at = page("review")
    shown = [m.value for m in at.markdown]
    a, b = at.selectbox(key="compare_a").value, at.selectbox(key="compare_b").value
    assert any(m.startswith(f"**Take A** · #{a},") for m in shown)
    assert any(m.startswith(f"**Take B** · #{b},") for m in shown)


def test_progress_draws_the_persons_own_zone_once_they_have_a_baseline(seeded, phrase_male):
    store, takes = seeded
    at = page("progress")
    at.selectbox(key="progress_feature").set_value("f0_median_hz").run()
    # without a baseline, pitch is judged against each take's expected pitch: no zone in Hz
    assert not any("calm zone" in c.value for c in at.caption)
    at.selectbox(key="progress_feature").set_value("pause_ratio").run()
    assert any("general calm zone" in c.value for c in at.caption)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        from prosody.coach import measure_baseline

        base = measure_baseline(phrase_male, sr=SR, text=PHRASE)
    kept = store.save_take(person="Me", audio=phrase_male, sr=SR, analysis=base, feedback=None,
                           phrase=PHRASE, kind="baseline")
    store.set_baseline("Me", kept.id)
    at = page("progress")
    at.selectbox(key="progress_feature").set_value("f0_median_hz").run()
    assert any("your own calm zone" in c.value for c in at.caption)
    spec = chart_specs(at)[0]
    band = next(row for row in spec["rows"] if "lo" in row)
    f0 = base.summary.f0_median_hz
    assert band["hi"] == pytest.approx(f0 * 2 ** (0.5 / 12), rel=1e-3)  # up to half a st higher
    assert band["lo"] == pytest.approx(f0 * 2 ** (-4 / 12), rel=1e-3)  # down to 4 st lower


def test_one_day_of_practice_is_a_labelled_point_on_its_date(tmp_path, monkeypatch,
                                                              phrase_female):
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "home"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        a = analyze(phrase_female, sr=SR, text=PHRASE)
    profile = load_profile("soothing")
    with Store.open() as store:
        for _ in range(2):
            store.save_take(person="Me", audio=phrase_female, sr=SR, analysis=a,
                            feedback=coach(a, profile=profile), phrase=PHRASE)
    at = page("progress")
    assert not at.exception
    spec = chart_specs(at)[0]
    x = next(layer["encoding"]["x"] for layer in spec["layer"] if "x" in layer["encoding"])
    assert x["field"] == "day"
    assert x["timeUnit"] == "utcyearmonthdate"  # a date, never a month or a time of day
    assert x["axis"]["format"] == "%d %b"
    today = dt.date.today()
    lo, hi = x["scale"]["domain"]
    assert (lo["date"], hi["date"]) == ((today - dt.timedelta(days=1)).day,
                                        (today + dt.timedelta(days=1)).day)
    rows = [row for row in spec["rows"] if "takes" in row]
    assert rows == [{"day": today.isoformat(), "date": f"{today:%d %b %Y}",
                     "value": rows[0]["value"], "takes": 2}]
    assert any(layer["mark"]["type"] == "text" for layer in spec["layer"])  # "2" above it


def test_a_day_is_counted_in_one_period_only(tmp_path, monkeypatch, phrase_female):
    """One take, 13 days ago (the first day of the last two weeks), was also counted in the two
    weeks before them: "averaged 40, about the same as 40 the two weeks before"."""
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "home"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        a = analyze(phrase_female, sr=SR, text=PHRASE)
    profile = load_profile("soothing")
    fb = coach(a, profile=profile, scenario="check-in")
    start = dt.datetime.combine(dt.date.today() - dt.timedelta(days=13), dt.time(12, 0))
    with Store.open() as store:
        store.save_take(person="Me", audio=phrase_female, sr=SR, analysis=a, feedback=fb,
                        phrase=PHRASE, scenario="check-in", profile_name=profile.name,
                        profile_version=profile.version, created=start.astimezone())
    words = "\n".join(m.value for m in page("progress").markdown)
    assert "Over the last two weeks you saved 1 take." in words
    assert "Keep practising to see a trend" in words
    assert "the two weeks before" not in words


def test_exercise_attempts_count_as_practice_and_baselines_do_not(tmp_path, monkeypatch,
                                                                   phrase_female):
    """A trainee who practised only through exercises was told "No practice takes yet" on
    Progress, while the printable report listed every attempt."""
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "home"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        a = analyze(phrase_female, sr=SR, text=PHRASE)
    profile = load_profile("soothing")
    fb = coach(a, profile=profile)
    now = dt.datetime.now(dt.timezone.utc)
    with Store.open() as store:
        for days_ago in (2, 0):
            store.save_take(person="Me", audio=phrase_female, sr=SR, analysis=a, feedback=fb,
                            phrase=PHRASE, kind="exercise", exercise_id="slow-it-down",
                            created=now - dt.timedelta(days=days_ago, minutes=5))
        store.save_take(person="Me", audio=phrase_female, sr=SR, analysis=a, feedback=None,
                        phrase=PHRASE, kind="baseline", created=now - dt.timedelta(days=5))
    at = page("progress")
    assert not at.info
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Days practised"], metrics["Takes"]) == ("2", "2")
    words = "\n".join(m.value for m in at.markdown)
    assert "Over the last two weeks you saved 2 takes." in words
    rows = [row for row in chart_specs(at)[0]["rows"] if "takes" in row]
    assert [r["takes"] for r in rows] == [1, 1]


def test_a_take_without_a_score_shows_a_dash_in_the_table(seeded, phrase_female):
    """A baseline has no calm score; Review's table wrote "None" in its score cell."""
    store, takes = seeded
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        a = analyze(phrase_female, sr=SR, text=PHRASE)
    base = store.save_take(person="Me", audio=phrase_female, sr=SR, analysis=a, feedback=None,
                           phrase=PHRASE, kind="baseline")
    table = page("review").dataframe[0]
    scores = dict(zip(table.value["take"], table.value["score"], strict=True))
    assert np.isnan(scores[base.id])
    assert scores[takes[-1].id] == pytest.approx(takes[-1].score)
    assert table.proto.placeholder == "–"


@pytest.mark.parametrize("feature", ["f0_median_hz", "pause_ratio", "score"])
def test_every_layer_of_a_progress_chart_shares_one_axis_around_the_values(seeded, feature):
    """"Typical pitch (Hz)" was drawn on a 0-100 axis, its point above the plot: the calm
    zone's band, left to its own scale, pulled the shared axis down to 0."""
    store, takes = seeded
    at = page("progress")
    at.selectbox(key="progress_feature").set_value(feature).run()
    spec = chart_specs(at)[0]
    scales = [layer["encoding"]["y"].get("scale") for layer in spec["layer"]
              if "y" in layer.get("encoding", {})]
    assert len(scales) >= 2  # the band and the line (and the counts)
    assert all(s == scales[0] for s in scales), scales
    low, high = scales[0]["domain"]
    assert scales[0]["zero"] is False
    values = [row["value"] for row in spec["rows"] if "value" in row]
    assert low <= min(values) <= max(values) <= high
    if feature == "f0_median_hz":
        assert low > 50  # around the voice's pitch, not from 0
        # without a baseline pitch is judged against the pitch expected of each take's voice:
        # no zone in Hz to shade (it was shaded as -8 to 3 "Hz")
        assert not any("lo" in row for row in spec["rows"])
        assert not any("zone" in c.value for c in at.caption)


def test_a_take_judged_before_the_baseline_is_drawn_against_itself(seeded, phrase_male):
    """A take judged on general targets ("record your everyday voice…") was drawn, once a
    baseline existed, as "pitch (semitones vs your everyday voice)"."""
    store, takes = seeded
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        from prosody.coach import measure_baseline

        base = measure_baseline(phrase_male, sr=SR, text=PHRASE)
    kept = store.save_take(person="Me", audio=phrase_male, sr=SR, analysis=base, feedback=None,
                           phrase=PHRASE, kind="baseline", created=takes[0].created)
    store.set_baseline("Me", kept.id)
    assert takes[-1].feedback["baseline"] is False
    at = page("review")
    assert at.selectbox(key="review_take").value == takes[-1].id

    def titles(spec):
        for layer in [spec, *spec.get("layer", []), *spec.get("vconcat", [])]:
            y = layer.get("encoding", {}).get("y", {})
            if isinstance(y, dict) and "title" in y:
                yield y["title"]
            yield from (t for sub in layer.get("layer", []) for t in titles(sub))

    shown = [t for spec in chart_specs(at) for t in titles(spec)]
    assert any("this take's middle" in str(t) for t in shown), shown
    assert not any("everyday voice" in str(t) for t in shown), shown
