"""The practice history: takes kept whole, found, charted, exported and deleted.

Every test points CALMTONE_HOME at its own tmp_path. The audio is a real recording (CMU ARCTIC
a0007, then a 0.5 s pause and its first 2 s again, so the analysis has two phrases and gives no
warning) analysed by ``prosody.analyze``.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import DATA

from prosody import ProsodyError, analyze, load
from prosody.cli import main
from prosody.progress import streak_days
from prosody.store import (
    AUDIO_DIR,
    DB_NAME,
    KINDS,
    SCHEMA_VERSION,
    Store,
    Take,
    contour_svg,
    data_dir,
    progress_features,
)

UTC = timezone.utc
DAY1 = datetime(2026, 11, 2, 19, 30, tzinfo=UTC)
DAY2 = datetime(2026, 11, 3, 20, 15, tzinfo=UTC)
DAY3 = datetime(2026, 11, 5, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def clip():
    """(y, sr, analysis) of real speech with two phrases; no ProsodyWarning."""
    sig = load(DATA / "arctic_a0007.wav")
    y = np.concatenate([sig.y, np.zeros(sig.sr // 2), sig.y[: 2 * sig.sr]])
    return y, sig.sr, analyze(y, sr=sig.sr)


FEEDBACK = {
    "score": 72,
    "features": [
        {"name": "pitch_level", "label": "Pitch height", "value": -1.2, "unit": "st",
         "target_low": -2.0, "target_high": 0.0, "verdict": "ok", "relative_to": "baseline",
         "measured": 129.1, "measured_unit": "Hz"},
        {"name": "tempo", "label": "Pace", "value": 4.4, "unit": "syl/s", "target_low": 2.5,
         "target_high": 4.0, "verdict": "high", "relative_to": "absolute", "measured": 4.4,
         "measured_unit": "syl/s"},
    ],
    "tips": ["Slow down a little: leave a breath between sentences.",
             "Let the end of the sentence fall."],
    "well": "Your pitch was low and soft.",
}


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "calmtone"
    monkeypatch.setenv("CALMTONE_HOME", str(path))
    return path


@pytest.fixture
def store(home):
    with Store.open() as s:
        yield s


def save(store: Store, clip, **kw) -> Take:
    y, sr, analysis = clip
    args = {"person": "Anna", "audio": y, "sr": sr, "analysis": analysis,
            "feedback": FEEDBACK, "phrase": "I'm here with you.", "scenario": "bedtime",
            "profile_name": "soothing", "profile_version": "1.0.0"}
    args.update(kw)
    return store.save_take(**args)


def audio_files(home: Path) -> list[str]:
    return sorted(os.listdir(home / AUDIO_DIR))


# ---------------------------------------------------------------------------------------------
# Where the history lives


def test_calmtone_home_overrides_the_data_dir(home):
    assert data_dir() == home


@pytest.mark.parametrize(("platform", "env", "expected"), [
    # Linux: XDG_DATA_HOME when set (and absolute), else ~/.local/share
    ("linux", {"XDG_DATA_HOME": "/xdg"}, Path("/xdg/calmtone")),
    ("linux", {}, Path.home() / ".local/share/calmtone"),
    # a relative XDG_DATA_HOME is invalid by the XDG spec and ignored
    ("linux", {"XDG_DATA_HOME": "rel"}, Path.home() / ".local/share/calmtone"),
    ("darwin", {}, Path.home() / "Library/Application Support/Calm Tone Coach"),
    ("win32", {"LOCALAPPDATA": "C:/Users/a/AppData/Local"},
     Path("C:/Users/a/AppData/Local/Calm Tone Coach")),
])
def test_data_dir_follows_the_platform(monkeypatch, platform, env, expected):
    monkeypatch.delenv("CALMTONE_HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "platform", platform)
    assert data_dir() == expected


def test_open_creates_the_folder_database_and_audio_folder(home):
    with Store.open() as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s.writable
    assert (home / DB_NAME).is_file()
    assert (home / AUDIO_DIR).is_dir()


def test_database_is_in_wal_mode(store, home):
    con = sqlite3.connect(home / DB_NAME)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


# ---------------------------------------------------------------------------------------------
# Round trip


def test_saved_take_keeps_every_field(store, clip):
    y, sr, analysis = clip
    take = save(store, clip)
    assert take == store.get(take.id)
    assert (take.person, take.phrase, take.scenario, take.kind) == (
        "Anna", "I'm here with you.", "bedtime", "practice")
    assert (take.profile_name, take.profile_version) == ("soothing", "1.0.0")
    assert take.score == 72.0  # from the feedback
    assert take.duration_s == pytest.approx(y.size / sr)
    assert take.summary == analysis.summary.to_dict()
    assert take.settings == {**dataclasses.asdict(analysis.settings),
                             "bandwidth_hz": analysis.quality.bandwidth_hz}
    assert take.feedback == FEEDBACK
    assert take.tips == tuple(FEEDBACK["tips"])


def test_created_utc_is_iso_8601_in_utc(store, clip):
    before = datetime.now(UTC)
    take = save(store, clip)
    assert take.created.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= take.created <= datetime.now(UTC)


def test_audio_round_trips_as_flac(store, clip, home):
    y, sr, _ = clip
    take = save(store, clip)
    assert take.audio_file.endswith(".flac")
    assert sf.info(str(home / AUDIO_DIR / take.audio_file)).format == "FLAC"
    signal = store.audio(take.id)
    assert signal.sr == sr
    # the clip came from 16-bit PCM, which 16-bit FLAC keeps exactly
    np.testing.assert_allclose(signal.y, y, atol=1 / 32768)


def test_tracks_round_trip(store, clip):
    _, _, analysis = clip
    want, got = analysis.tracks, store.tracks(save(store, clip).id)
    np.testing.assert_allclose(got.time_s, want.time_s, atol=1e-9)
    np.testing.assert_allclose(got.f0_hz, want.f0_hz, rtol=1e-6)  # NaN where unvoiced too
    np.testing.assert_allclose(got.loudness_db, want.loudness_db, rtol=1e-6)
    np.testing.assert_array_equal(got.voiced, want.voiced)
    np.testing.assert_array_equal(got.speech, want.speech)
    np.testing.assert_allclose(got.syllable_times_s, want.syllable_times_s)
    assert got.pauses == want.pauses  # JSON keeps a float exactly
    assert got.phrases == want.phrases


def test_reanalysing_the_stored_audio_gives_the_stored_summary(store, clip):
    take = save(store, clip)
    assert store.reanalyze(take.id).summary.to_dict() == take.summary


def test_feedback_object_and_numpy_values_are_stored_as_plain_json(store, clip):
    @dataclasses.dataclass(frozen=True)
    class Feedback:  # the shape of prosody.coach.Feedback: a dataclass with to_dict()
        score: int

        def to_dict(self):
            return {"score": self.score, "value": np.float64(1.5), "undefined": np.nan,
                    "count": np.int64(3), "tips": ("a", "b")}

    take = save(store, clip, feedback=Feedback(64))
    assert take.feedback == {"score": 64, "value": 1.5, "undefined": None, "count": 3,
                             "tips": ["a", "b"]}
    assert take.score == 64.0


def test_take_without_feedback(store, clip):
    take = save(store, clip, feedback=None)
    assert (take.feedback, take.score, take.tips) == (None, None, ())


def test_takes_are_frozen_and_hashable(store, clip):
    take = save(store, clip)
    with pytest.raises(dataclasses.FrozenInstanceError):
        take.score = 10  # type: ignore[misc]
    assert {take, store.get(take.id)} == {take}


@pytest.mark.parametrize(("change", "match"), [
    ({"person": ""}, "name is empty"),  # nobody to file it under
    ({"person": 3}, "must be text"),  # a number is not a name
    ({"person": "x" * 81}, "at most 80"),  # a name that breaks every list
    ({"kind": "warmup"}, "kind='warmup' must be one of"),  # not one of the four kinds
    ({"score": 120}, "score=120 must be a number from 0 to 100"),  # outside the scale
    ({"feedback": "great"}, "feedback must be a dict"),  # feedback is structured
    ({"feedback": {"when": object()}}, "cannot be stored"),  # not JSON
    ({"phrase": None}, "phrase must be text"),  # the phrase is always known
    ({"audio": np.full(16000, np.nan)}, "NaN"),  # damaged audio is refused before writing
    ({"audio": np.zeros((2, 16000))}, "mono"),  # stereo: mix down first
])
def test_bad_arguments_are_refused_and_nothing_is_written(store, clip, home, change, match):
    with pytest.raises(ProsodyError, match=match):
        save(store, clip, **change)
    assert store.takes() == []
    assert audio_files(home) == []


# ---------------------------------------------------------------------------------------------
# Finding takes


@pytest.fixture
def several(store, clip):
    """Six takes: Anna on three days (two phrases, two scenarios, a baseline), Ben on one."""
    return [
        save(store, clip, created=DAY1, feedback={"score": 60}),
        save(store, clip, created=DAY1 + timedelta(hours=1), feedback={"score": 80}),
        save(store, clip, created=DAY2, phrase="What do you need?", scenario="check-in",
             feedback={"score": 90}),
        save(store, clip, created=DAY3, kind="baseline", feedback=None),
        save(store, clip, person="Ben", created=DAY2 + timedelta(minutes=30),
             feedback={"score": 50}),
        save(store, clip, person="Ben", created=DAY3 + timedelta(minutes=30), kind="exercise",
             exercise_id="ex-1",
             assignment_id="as-9", feedback={"score": 55}),
    ]


def ids(takes) -> list[int]:
    return [t.id for t in takes]


def test_takes_are_listed_newest_first(store, several):
    a1, a2, a3, a4, b1, b2 = several
    assert ids(store.takes()) == [b2.id, a4.id, b1.id, a3.id, a2.id, a1.id]
    assert ids(store.takes(newest_first=False))[0] == a1.id


@pytest.mark.parametrize(("filters", "expected"), [
    ({"person": "Anna"}, [3, 2, 1, 0]),
    ({"person": "  anna "}, [3, 2, 1, 0]),  # names ignore case and spacing
    ({"person": "Nobody"}, []),
    ({"phrase": "What do you need?"}, [2]),
    ({"scenario": "bedtime"}, [5, 3, 4, 1, 0]),
    ({"kind": "baseline"}, [3]),
    ({"kind": ["practice", "exercise"]}, [5, 4, 2, 1, 0]),
    ({"exercise_id": "ex-1"}, [5]),
    ({"assignment_id": "as-9"}, [5]),
    ({"since": DAY2}, [5, 3, 4, 2]),
    ({"until": DAY2}, [1, 0]),  # until is exclusive for a time
    ({"since": "2026-11-03T00:00:00+00:00", "until": "2026-11-04T00:00:00+00:00"}, [4, 2]),
    ({"person": "Anna", "limit": 2}, [3, 2]),
])
def test_filters(store, several, filters, expected):
    assert ids(store.takes(**filters)) == [several[i].id for i in expected]
    assert store.count(**{k: v for k, v in filters.items() if k != "limit"}) == len(
        store.takes(**{k: v for k, v in filters.items() if k != "limit"}))


def test_until_a_date_includes_that_whole_local_day(store, clip):
    noon = datetime(2026, 11, 3, 12, 0).astimezone()  # local time
    take = save(store, clip, created=noon)
    assert ids(store.takes(until=date(2026, 11, 3))) == [take.id]
    assert ids(store.takes(until="2026-11-03")) == [take.id]
    assert store.takes(until=date(2026, 11, 2)) == []
    assert ids(store.takes(since=date(2026, 11, 3))) == [take.id]


def test_a_bad_date_says_how_to_write_one(store):
    with pytest.raises(ProsodyError, match="not a date or time; write it as 2026-11-27"):
        store.takes(since="last tuesday")


def test_people_phrases_and_scenarios(store, several):
    people = store.people()
    assert [(p.name, p.take_count) for p in people] == [("Anna", 4), ("Ben", 2)]
    assert people[0].last_take_utc == several[3].created_utc
    assert store.phrases("Anna") == ["I'm here with you.", "What do you need?"]
    assert store.scenarios() == ["bedtime", "check-in"]
    assert store.scenarios("Ben") == ["bedtime"]


def test_get_an_unknown_take(store):
    with pytest.raises(ProsodyError, match="there is no take 99"):
        store.get(99)


def test_listing_does_not_mix_people_with_similar_names(store, clip):
    save(store, clip, person="Ann")
    save(store, clip, person="Anna")
    assert [t.person for t in store.takes(person="ann")] == ["Ann"]


# ---------------------------------------------------------------------------------------------
# Progress


def test_progress_is_the_mean_per_day(store, several):
    series = store.progress("Anna", tz=UTC)  # practice takes only: not the baseline
    assert [(p.day, p.value, p.n_takes) for p in series] == [
        (date(2026, 11, 2), 70.0, 2), (date(2026, 11, 3), 90.0, 1)]


def test_progress_of_a_summary_feature_per_phrase(store, several, clip):
    _, _, analysis = clip
    series = store.progress("Anna", "f0_median_hz", phrase="I'm here with you.", tz=UTC)
    assert [p.day for p in series] == [date(2026, 11, 2)]
    assert series[0].value == pytest.approx(analysis.summary.f0_median_hz, abs=1e-3)


def test_progress_days_follow_the_time_zone(store, several):
    tokyo = timezone(timedelta(hours=9))  # 19:30 and 20:30 UTC on the 2nd are the 3rd there
    assert [p.day for p in store.progress("Anna", tz=tokyo)] == [date(2026, 11, 3),
                                                                 date(2026, 11, 4)]


def test_progress_table_has_every_feature(store, several):
    table = store.progress_table("Ben", tz=UTC, kind=None)
    assert set(table) == set(progress_features())
    assert [p.value for p in table["score"]] == [50.0, 55.0]


def test_progress_of_an_unknown_feature(store):
    with pytest.raises(ProsodyError, match="feature='calmness' cannot be charted"):
        store.progress("Anna", "calmness")


def test_streaks(store, several):
    days = store.practice_days("Anna", kind=None, tz=UTC)
    assert days == [date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 5)]
    assert streak_days(days, today=date(2026, 11, 5)) == 1
    assert streak_days(days, today=date(2026, 11, 4)) == 2  # today not practised yet
    assert streak_days(days, today=date(2026, 11, 7)) == 0


# ---------------------------------------------------------------------------------------------
# Baselines and deleting


def test_baseline_per_person(store, several):
    baseline = several[3]
    assert store.baseline("Anna") is None
    store.set_baseline("Anna", baseline.id)
    assert store.baseline("anna") == baseline
    assert store.person("Anna").baseline_take_id == baseline.id
    assert store.baseline("Ben") is None
    store.set_baseline("Anna", None)
    assert store.baseline("Anna") is None


def test_a_baseline_must_be_the_persons_own_take(store, several):
    with pytest.raises(ProsodyError, match="is not a take of Ben"):
        store.set_baseline("Ben", several[0].id)


def test_delete_take_removes_the_row_and_the_audio(store, several, home):
    take = several[0]
    store.delete_take(take.id)
    with pytest.raises(ProsodyError, match=f"no take {take.id}"):
        store.get(take.id)
    assert take.audio_file not in audio_files(home)
    assert len(store.takes()) == len(several) - 1


def test_deleting_the_baseline_take_clears_the_baseline(store, several):
    store.set_baseline("Anna", several[3].id)
    store.delete_take(several[3].id)
    assert store.baseline("Anna") is None


def test_take_ids_are_never_reused(store, clip):
    first = save(store, clip)
    store.delete_take(first.id)
    assert save(store, clip).id > first.id


def test_delete_person_removes_all_their_data(store, several, home):
    n = store.delete_person("anna")
    assert n == 4
    assert [p.name for p in store.people()] == ["Ben"]
    assert store.takes(person="Anna") == []
    assert audio_files(home) == sorted(t.audio_file for t in several[4:])
    con = sqlite3.connect(home / DB_NAME)
    assert con.execute("SELECT count(*) FROM take_tracks").fetchone()[0] == 2
    con.close()


def test_deleted_words_do_not_stay_in_the_database_file(store, clip, home):
    secret = "my very private sentence"
    save(store, clip, person="Cleo", phrase=secret)
    save(store, clip, person="Ben")
    store.delete_person("Cleo")
    raw = b"".join(p.read_bytes() for p in home.glob(DB_NAME + "*"))
    assert secret.encode() not in raw
    assert b"Cleo" not in raw


def test_delete_unknown_person(store):
    with pytest.raises(ProsodyError, match="nobody called 'Zed'"):
        store.delete_person("Zed")


# ---------------------------------------------------------------------------------------------
# Export and report


def test_export_csv_parses(store, several, tmp_path):
    path = tmp_path / "takes.csv"
    assert store.export_csv(path, person="Anna") == 4
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["id"]) for r in rows] == ids(several[:4])  # oldest first
    assert rows[0]["score"] == "60"
    assert rows[3]["score"] == ""  # no feedback: no score
    assert float(rows[0]["f0_median_hz"]) == pytest.approx(several[0].summary["f0_median_hz"])
    assert rows[0]["syllables_source"] == "acoustic"


def test_export_to_a_pipe_writes_into_it_and_leaves_it_a_pipe(store, several, tmp_path):
    # an export to a device or a pipe (/dev/null, a FIFO) must not be replaced by a plain file,
    # as an atomic rename would do (as root, to /dev/null itself)
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    assert store.export_csv(fifo, person="Anna") == 4
    reader.join(timeout=30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert len(list(csv.DictReader(io.StringIO(got[0])))) == 4


def test_export_json_parses(store, several):
    buf = io.StringIO()
    assert store.export_json(buf) == 6
    doc = json.loads(buf.getvalue())
    assert doc["schema_version"] == SCHEMA_VERSION
    assert [t["id"] for t in doc["takes"]] == ids(sorted(several, key=lambda t: t.created))
    assert doc["takes"][0]["summary"] == several[0].summary


def test_report_html(store, clip, tmp_path):
    store.set_baseline("Anna", save(store, clip, kind="baseline", feedback=None).id)
    save(store, clip, phrase="<b>hush</b> & rest")
    out = store.report_html("anna", tmp_path / "anna.html")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "Practice report: Anna" in text
    assert text.count('<section class="take"') == 2
    assert text.count("<svg") == text.count("</svg>") == 2
    assert "<polyline" in text
    assert "&lt;b&gt;hush&lt;/b&gt; &amp; rest" in text  # escaped, not markup
    assert FEEDBACK["tips"][0] in text
    assert "baseline (everyday voice)" in text
    assert "<script" not in text


def test_contour_svg_of_silence_says_so(clip):
    _, _, analysis = clip
    tracks = dataclasses.replace(analysis.tracks, voiced=np.zeros_like(analysis.tracks.voiced))
    assert "no voiced speech" in contour_svg(tracks)


# ---------------------------------------------------------------------------------------------
# Migrations

# The schema as version 1 of the app wrote it, frozen here: the test must not follow the code.
V1_SCHEMA = (
    "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_utc TEXT NOT NULL)",
    """CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        created_utc TEXT NOT NULL,
        baseline_take_id INTEGER REFERENCES takes(id) ON DELETE SET NULL)""",
    """CREATE TABLE takes (id INTEGER PRIMARY KEY AUTOINCREMENT,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        created_utc TEXT NOT NULL, phrase TEXT NOT NULL, scenario TEXT, profile_name TEXT,
        profile_version TEXT, settings_json TEXT NOT NULL, summary_json TEXT NOT NULL,
        feedback_json TEXT, score REAL, duration_s REAL NOT NULL,
        audio_file TEXT NOT NULL UNIQUE)""",
    "CREATE INDEX takes_person_time ON takes(person_id, created_utc)",
    "CREATE INDEX takes_person_phrase_time ON takes(person_id, phrase, created_utc)",
    "CREATE INDEX takes_scenario_time ON takes(scenario, created_utc)",
    "CREATE INDEX takes_time ON takes(created_utc)",
    "INSERT INTO schema_migrations VALUES (1, '2026-10-01T09:00:00.000+00:00')",
)


def make_v1_history(home: Path, clip) -> str:
    y, sr, analysis = clip
    (home / AUDIO_DIR).mkdir(parents=True)
    audio_file = "take-20261001T090500Z-0123456789ab.flac"
    sf.write(home / AUDIO_DIR / audio_file, y, sr, format="FLAC", subtype="PCM_16")
    con = sqlite3.connect(home / DB_NAME)
    for sql in V1_SCHEMA:
        con.execute(sql)
    con.execute("INSERT INTO people VALUES (1, 'Dora', '2026-10-01T09:00:00.000+00:00', NULL)")
    con.execute(
        "INSERT INTO takes VALUES (1, 1, '2026-10-01T09:05:00.000+00:00', 'Hush now.', "
        "'bedtime', 'soothing', '0.9.0', ?, ?, ?, 66.0, ?, ?)",
        (json.dumps(dataclasses.asdict(analysis.settings)),
         json.dumps(analysis.summary.to_dict()), json.dumps({"score": 66, "tips": ["Slower."]}),
         y.size / sr, audio_file))
    con.execute("UPDATE people SET baseline_take_id = 1")
    con.commit()
    con.close()
    return audio_file


def test_a_version_1_history_is_upgraded(home, clip):
    _, _, analysis = clip
    audio_file = make_v1_history(home, clip)
    with Store.open() as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.last_repair.clean
        take = store.get(1)
        assert (take.person, take.phrase, take.score, take.audio_file) == (
            "Dora", "Hush now.", 66.0, audio_file)
        assert (take.kind, take.exercise_id, take.assignment_id) == ("practice", None, None)
        assert take.summary == analysis.summary.to_dict()
        assert store.baseline("Dora") == take
        # no stored tracks before version 3: they come from analysing the stored audio
        np.testing.assert_allclose(store.tracks(1).f0_hz, analysis.tracks.f0_hz, rtol=1e-9)
        new = save(store, clip, person="Dora", kind="exercise", exercise_id="ex-2")
        assert new.id == 2
        assert [t.id for t in store.takes(person="Dora", kind="practice")] == [1]
    con = sqlite3.connect(home / DB_NAME)
    versions = [v for (v,) in con.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    assert versions == list(range(1, SCHEMA_VERSION + 1))
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()


def test_opening_twice_migrates_once(home, clip):
    make_v1_history(home, clip)
    Store.open().close()
    with Store.open() as store:
        assert store.schema_version == SCHEMA_VERSION
    con = sqlite3.connect(home / DB_NAME)
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == SCHEMA_VERSION
    con.close()


def test_a_newer_history_is_refused_untouched(home, store):
    store.close()
    con = sqlite3.connect(home / DB_NAME)
    con.execute("INSERT INTO schema_migrations VALUES (99, '2030-01-01T00:00:00.000+00:00')")
    con.commit()
    con.close()
    with pytest.raises(ProsodyError, match="newer Calm Tone Coach .schema 99"):
        Store.open()


def test_a_file_that_is_not_a_history(home):
    home.mkdir()
    (home / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ProsodyError, match="damaged or is not a practice history"):
        Store.open()


# ---------------------------------------------------------------------------------------------
# Repair on open


def test_repair_removes_only_unfinished_copies_and_deletes_no_recording(home, clip):
    with Store.open() as store:
        kept, lost = save(store, clip), save(store, clip)
    audio = home / AUDIO_DIR
    (audio / lost.audio_file).unlink()  # a row without audio: kept, marked missing
    orphan = "take-20261101T101010Z-aaaaaaaaaaaa.flac"
    (audio / orphan).write_bytes(b"fLaC")  # audio without a row: moved to quarantine
    temp = ".tmp-take-20261101T101011Z-bbbbbbbbbbbb.flac"
    (audio / temp).write_bytes(b"fL")  # an interrupted write, never committed: removed
    (audio / "notes.txt").write_text("mine")  # not ours: left alone
    with Store.open() as store:
        report = store.last_repair
        assert report.temp_files == (temp,)
        assert report.audio_without_take == (orphan,)
        assert report.takes_without_audio == (lost.id,)
        assert sorted(ids(store.takes())) == sorted([kept.id, lost.id])
        assert store.get(lost.id).audio_missing
        assert not store.get(kept.id).audio_missing
        assert (Path(report.quarantine_dir) / orphan).read_bytes() == b"fLaC"
        assert "moved (not deleted)" in report.notice
    assert audio_files(home) == ["notes.txt", kept.audio_file]


def test_repair_keeps_the_takes_when_the_audio_folder_is_gone(home, clip):
    with Store.open() as store:
        save(store, clip)
    shutil.rmtree(home / AUDIO_DIR)
    (home / AUDIO_DIR).write_text("not a folder")  # so open cannot simply recreate it
    with Store.open() as store:
        assert store.last_repair.clean
        assert len(store.takes()) == 1


# ---------------------------------------------------------------------------------------------
# Saving at once: threads and processes saving together are tested on both engines, in
# tests/test_store_engines.py


# ---------------------------------------------------------------------------------------------
# Full disk, read-only folder: a clear message, nothing lost


def assert_intact(home: Path, takes: list[Take]) -> None:
    """The takes are all there, whole, with nothing left over."""
    with Store.open() as s:
        assert s.last_repair.clean
        assert s.takes() == sorted(takes, key=lambda t: (t.created_utc, t.id), reverse=True)
        for t in takes:
            assert s.audio(t.id).y.size > 0
    assert audio_files(home) == sorted(t.audio_file for t in takes)
    con = sqlite3.connect(home / DB_NAME)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_a_full_database_keeps_earlier_takes_and_leaves_no_audio(store, clip, home):
    earlier = [save(store, clip), save(store, clip)]
    # SQLite's own "database or disk is full", after the audio file is already in place
    pages = store._con.execute("PRAGMA page_count").fetchone()[0]
    store._con.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(ProsodyError, match="disk holding .* is full, so nothing was saved"):
        save(store, clip)
    assert audio_files(home) == sorted(t.audio_file for t in earlier)
    store.close()
    assert_intact(home, earlier)


FILL_DISK = r"""
import pickle, resource, signal, sys
from prosody import ProsodyError
from prosody.store import Store
home, blob = sys.argv[1:3]
with open(blob, "rb") as f:
    y, sr, analysis = pickle.load(f)
store = Store.open(home)
# no file may grow past 16 KiB: writes beyond fail with EFBIG, as on a full disk
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))
try:
    store.save_take(person="Anna", audio=y, sr=sr, analysis=analysis, feedback=None, phrase="x")
except ProsodyError as exc:
    print(exc)
    sys.exit(0)
sys.exit("saved although no file could grow")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_no_space_for_the_audio_keeps_earlier_takes(store, clip, home, tmp_path):
    earlier = [save(store, clip)]
    blob = tmp_path / "clip.pickle"
    blob.write_bytes(pickle.dumps(clip))
    run = subprocess.run([sys.executable, "-c", FILL_DISK, str(home), str(blob)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "is full, so nothing was saved. Your earlier takes are safe." in run.stdout
    assert audio_files(home) == [earlier[0].audio_file]  # no temporary file left behind
    store.close()
    assert_intact(home, earlier)


@contextlib.contextmanager
def read_only(*paths: Path):
    """Make paths read-only for this process; as root, permissions do not stop writes, so the
    immutable attribute (chattr +i) does it."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in paths}
        for p in paths:
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", *map(str, paths)],
                                        capture_output=True).returncode != 0:
        pytest.skip("running as root, and chattr +i is not available to make a folder read-only")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", *map(str, paths)], check=True)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_read_only_folder_gives_a_clear_message_and_loses_nothing(store, clip, home):
    earlier = [save(store, clip), save(store, clip, person="Ben")]
    with read_only(home, home / AUDIO_DIR):
        with pytest.raises(ProsodyError, match="is read-only .* nothing was saved. Your earlier"):
            save(store, clip)
        assert len(store.takes()) == 2
    store.close()
    assert_intact(home, earlier)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_a_history_in_a_read_only_folder_can_still_be_read(home, clip):
    with Store.open() as store:
        earlier = [save(store, clip)]
    files = [home / DB_NAME, home, home / AUDIO_DIR]
    with read_only(*files):
        with Store.open() as store:
            assert not store.writable
            assert store.takes() == earlier
            assert store.audio(earlier[0].id).y.size > 0
            with pytest.raises(ProsodyError, match="read-only"):
                save(store, clip)
    assert_intact(home, earlier)


def test_a_folder_that_cannot_be_created(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setenv("CALMTONE_HOME", str(blocker / "calmtone"))
    with pytest.raises(ProsodyError, match="could not create the practice history folder"):
        Store.open()


# ---------------------------------------------------------------------------------------------
# calmtone history


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["history", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_list_json(capsys, store, several):
    code, out, _ = run_cli(capsys, "list", "--json", "--person", "Ben")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["id"] for r in records] == [several[5].id, several[4].id]
    assert records[0]["summary"] == several[5].summary


def test_cli_list_table(capsys, store, several):
    code, out, _ = run_cli(capsys, "list", "--since", "2026-11-03T00:00+00:00",
                           "--kind", "practice")
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["ID", "When", "Person"]
    assert len(out.splitlines()) == 3  # header and two practice takes since the 3rd


@pytest.mark.parametrize("argv", [
    ("list", "--person", "Ghost"),
    ("list", "--json", "--person", "Ghost"),
    ("export", "--csv", "-", "--person", "Ghost"),
    ("export", "--report", "ghost.html", "--person", "Ghost"),
    ("delete", "--person", "Ghost", "--yes"),
])
def test_cli_a_person_nobody_is_an_error_for_every_command(capsys, store, several, argv):
    """The same exit status (1) and sentence whichever command names an unknown person."""
    code, out, err = run_cli(capsys, *argv)
    assert code == 1
    assert "nobody called 'Ghost'" in err
    assert out == ""


def test_cli_list_says_whether_nothing_is_saved_or_nothing_matches(capsys, store, several):
    code, out, _ = run_cli(capsys, "list", "--person", "Ben", "--phrase", "never said")
    assert (code, out) == (0, "No takes match.\n")


def test_cli_list_of_an_empty_history(capsys, store):
    code, out, _ = run_cli(capsys, "list")
    assert (code, out) == (0, "No takes saved yet.\n")


def test_cli_show(capsys, store, several):
    code, out, _ = run_cli(capsys, "show", str(several[0].id))
    assert code == 0
    assert "Calm score  60 / 100" in out
    assert "Pitch, median" in out
    code, out, _ = run_cli(capsys, "show", str(several[0].id), "--json")
    assert json.loads(out)["id"] == several[0].id


def test_cli_show_unknown_take(capsys, store):
    code, _, err = run_cli(capsys, "show", "41")
    assert code == 1
    assert "there is no take 41" in err


def test_cli_people(capsys, store, several):
    code, out, _ = run_cli(capsys, "people")
    assert code == 0
    last_anna, last_ben = (several[i].created.astimezone() for i in (3, 5))
    assert out.splitlines() == [f"Anna: 4 takes, last {last_anna:%Y-%m-%d %H:%M}",
                                f"Ben: 2 takes, last {last_ben:%Y-%m-%d %H:%M}"]


def test_cli_export(capsys, store, several, tmp_path):
    csv_path, json_path, html_path = (tmp_path / n for n in ("a.csv", "a.json", "a.html"))
    code, out, _ = run_cli(capsys, "export", "--csv", str(csv_path), "--json", str(json_path),
                           "--report", str(html_path), "--person", "anna")
    assert code == 0
    assert "Wrote 4 takes" in out
    assert len(list(csv.DictReader(io.StringIO(csv_path.read_text(), newline="")))) == 4
    assert len(json.loads(json_path.read_text())["takes"]) == 4
    assert "Practice report: Anna" in html_path.read_text()


def test_cli_export_csv_to_the_terminal(capsys, store, several):
    code, out, _ = run_cli(capsys, "export", "--csv", "-")
    assert code == 0
    assert len(list(csv.DictReader(io.StringIO(out)))) == 6


@pytest.mark.parametrize(("argv", "message"), [
    (("export",), "say what to write"),  # nothing to export to
    (("export", "--report", "r.html"), "--report needs --person"),  # a report is about one
])
def test_cli_export_usage(capsys, store, argv, message):
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    assert message in err


def test_cli_delete_asks_first(capsys, store, several, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    code, out, _ = run_cli(capsys, "delete", "--take", str(several[0].id))
    assert code == 1
    assert "Nothing deleted." in out
    assert store.count() == 6
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    code, out, _ = run_cli(capsys, "delete", "--take", str(several[0].id))
    assert code == 0
    assert store.count() == 5


def test_cli_delete_person_with_yes(capsys, store, several, monkeypatch):
    def no_questions(prompt):
        raise AssertionError("--yes must not ask")

    monkeypatch.setattr("builtins.input", no_questions)
    code, out, _ = run_cli(capsys, "delete", "--person", "ben", "--yes")
    assert code == 0
    assert "Deleted Ben and 2 takes." in out
    assert [p.name for p in store.people()] == ["Anna"]


def test_cli_delete_without_a_terminal_deletes_nothing(capsys, store, several, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, _ = run_cli(capsys, "delete", "--person", "Anna")
    assert code == 1
    assert store.count(person="Anna") == 4


def test_kinds_are_the_four_of_the_design():
    assert KINDS == ("practice", "baseline", "model", "exercise")


# ---------------------------------------------------------------------------------------------
# calmtone coach --save


def test_coach_save_keeps_the_take(capsys, home):
    wav = str(DATA / "arctic_a0007.wav")
    text = "And you always want to see it in the superlative degree."
    code = main(["coach", "--json", "--save", "--person", "Anna", "--scenario", "bedtime",
                 "--text", text, wav])
    out, err = capsys.readouterr()
    assert code == 0
    record = json.loads(out)
    assert "saved as take 1 of Anna" in err
    with Store.open() as store:
        (take,) = store.takes()
        assert (take.person, take.phrase, take.scenario) == ("Anna", text, "bedtime")
        assert take.score == record["score"]
        assert take.feedback["tips"] == record["tips"]
        assert (take.profile_name, take.profile_version) == (record["profile"],
                                                             record["profile_version"])
        assert take.summary["syllables_source"] == "text"
        assert store.audio(take.id).y.size == 4 * 16000


def test_coach_save_needs_a_person(capsys, home):
    code = main(["coach", "--save", str(DATA / "arctic_a0007.wav")])
    _, err = capsys.readouterr()
    assert code == 2
    assert "--save needs --person NAME" in err
