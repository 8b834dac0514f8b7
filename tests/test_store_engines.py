"""The store's guarantees on both engines, SQLite and PostgreSQL, through one parametrised
fixture (``engine_db`` in conftest.py: a history folder, or a new database of a throw-away
PostgreSQL cluster): saving and reading every field, filters, progress, baselines, deletes,
exports, migrations, savers at once in threads and in processes, and the command line.

The SIGKILL durability test runs on both engines too (tests/test_history_durability.py).
"""

from __future__ import annotations

import csv
import io
import json
import os
import pickle
import subprocess
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA

from prosody import ProsodyError, analyze, load
from prosody.cli import main
from prosody.store import SCHEMA_VERSION, PostgresStore, SQLiteStore, Store, location

UTC = timezone.utc
DAY1 = datetime(2026, 11, 2, 19, 30, tzinfo=UTC)
DAY2 = datetime(2026, 11, 3, 20, 15, tzinfo=UTC)
CALMTONE = str(Path(sys.executable).with_name("calmtone"))


@pytest.fixture(scope="module")
def clip():
    """(y, sr, analysis) of real speech with two phrases (no ProsodyWarning)."""
    sig = load(DATA / "arctic_a0007.wav")
    y = np.concatenate([sig.y, np.zeros(sig.sr // 2), sig.y[: 2 * sig.sr]])
    return y, sig.sr, analyze(y, sr=sig.sr)


@pytest.fixture
def store(engine_db):
    with Store.open() as s:
        yield s


def save(store, clip, **kw):
    y, sr, analysis = clip
    args = {"person": "Anna", "audio": y, "sr": sr, "analysis": analysis,
            "feedback": {"score": 72, "tips": ["Slow down a little."]},
            "phrase": "I'm here with you.", "scenario": "bedtime",
            "profile_name": "soothing", "profile_version": "1.0.0"}
    args.update(kw)
    return store.save_take(**args)


def test_the_engine_follows_calmtone_db(engine_db, store):
    assert location() == engine_db
    expected = SQLiteStore if engine_db.startswith("/") else PostgresStore
    assert type(store) is expected
    assert store.schema_version == SCHEMA_VERSION


def test_a_take_keeps_every_field_and_its_recording(store, clip):
    y, sr, analysis = clip
    take = save(store, clip, kind="exercise", exercise_id="slow-it-down", assignment_id="3",
                created=DAY1)
    again = store.get(take.id)
    assert again == take
    assert (again.person, again.phrase, again.scenario, again.kind) == (
        "Anna", "I'm here with you.", "bedtime", "exercise")
    assert (again.exercise_id, again.assignment_id) == ("slow-it-down", "3")
    assert again.score == 72
    assert again.tips == ("Slow down a little.",)
    assert again.summary == analysis.summary.to_dict()
    assert again.created_utc == "2026-11-02T19:30:00.000+00:00"
    assert not again.audio_missing
    assert store.has_recording(take.id)
    back = store.audio(take.id)
    assert back.sr == sr
    assert back.y.size == y.size
    assert np.max(np.abs(back.y - y)) < 1e-4  # 16-bit FLAC
    assert store.recording(take.id)[:4] == b"fLaC"
    tracks = store.tracks(take.id)
    np.testing.assert_allclose(tracks.f0_hz, analysis.tracks.f0_hz, rtol=1e-6)
    np.testing.assert_array_equal(tracks.voiced, analysis.tracks.voiced)
    assert tracks.pauses == analysis.tracks.pauses


def test_filters_people_phrases_and_progress(store, clip):
    a1 = save(store, clip, created=DAY1, feedback={"score": 60})
    a2 = save(store, clip, created=DAY2, phrase="Slowly now.", feedback={"score": 80},
              scenario="check-in")
    b1 = save(store, clip, person="Ben", created=DAY2, feedback={"score": 50})
    assert [t.id for t in store.takes()] == [b1.id, a2.id, a1.id]
    assert [t.id for t in store.takes(person="anna")] == [a2.id, a1.id]
    assert [t.id for t in store.takes(phrase="Slowly now.")] == [a2.id]
    assert [t.id for t in store.takes(scenario="check-in")] == [a2.id]
    assert [t.id for t in store.takes(since="2026-11-03", until="2026-11-03")] == [b1.id, a2.id]
    assert [t.id for t in store.takes(limit=1, newest_first=False)] == [a1.id]
    assert store.count(person="Ben") == 1
    assert store.count() == 3
    assert [(p.name, p.take_count) for p in store.people()] == [("Anna", 2), ("Ben", 1)]
    assert set(store.phrases("Anna")) == {"I'm here with you.", "Slowly now."}
    assert store.scenarios("Anna") == ["bedtime", "check-in"]
    series = store.progress("Anna", tz=UTC)
    assert [(p.day.isoformat(), p.value) for p in series] == [("2026-11-02", 60.0),
                                                             ("2026-11-03", 80.0)]
    table = store.progress_table("Anna", ("score", "f0_median_hz"), tz=UTC)
    assert table["f0_median_hz"][0].value == pytest.approx(a1.summary["f0_median_hz"])
    assert [d.isoformat() for d in store.practice_days("Anna", tz=UTC)] == ["2026-11-02",
                                                                           "2026-11-03"]


def test_names_are_one_person_however_typed(store, clip):
    save(store, clip, person="Émile")
    save(store, clip, person="ÉMILE")
    assert [(p.name, p.take_count) for p in store.people()] == [("Émile", 2)]
    assert "looks like" in store.name_warning("Emile")


def test_baselines_assignments_and_deletes(store, clip):
    a = save(store, clip)
    b = save(store, clip, person="Ben")
    store.set_baseline("Anna", a.id)
    assert store.baseline("Anna") == a
    with pytest.raises(ProsodyError, match="not a take of Anna"):
        store.set_baseline("Anna", b.id)
    given = store.assign("Anna", kind="exercise", target="slow-it-down", note="Three passes",
                         assigned_by="Sue")
    assert [x.id for x in store.assignments("Anna")] == [given.id]
    store.close_assignment(given.id)
    assert store.assignments("Anna") == []
    store.delete_take(a.id)
    assert store.baseline("Anna") is None
    with pytest.raises(ProsodyError, match=f"no take {a.id}"):
        store.get(a.id)
    later = save(store, clip)
    assert later.id > b.id  # ids are never given again
    assert store.delete_person("Ben") == 1
    assert [t.id for t in store.takes()] == [later.id]
    with pytest.raises(ProsodyError, match="nobody called"):
        store.delete_person("Ben")


def test_exports_and_report(store, clip, tmp_path):
    take = save(store, clip)
    buf = io.StringIO()
    assert store.export_csv(buf, person="Anna") == 1
    row = next(csv.DictReader(io.StringIO(buf.getvalue())))
    assert (row["id"], row["person"], row["recording"]) == (str(take.id), "Anna", "kept")
    buf = io.StringIO()
    store.export_json(buf)
    doc = json.loads(buf.getvalue())
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["takes"][0]["id"] == take.id
    # "everything but the recordings": a supervisor's notes and the assignments too
    store.add_note(take.id, author="Sue", text="Let the last word fall.", at_s=1.5)
    given = store.assign("Anna", kind="exercise", target="slow-it-down", note="this week",
                         assigned_by="Sue")
    store.close_assignment(given.id)
    buf = io.StringIO()
    store.export_json(buf, person="Anna")
    doc = json.loads(buf.getvalue())
    (note,) = doc["takes"][0]["notes"]
    assert (note["author"], note["text"], note["at_s"]) == ("Sue", "Let the last word fall.", 1.5)
    (assigned,) = doc["assignments"]
    assert (assigned["target"], assigned["note"]) == ("slow-it-down", "this week")
    assert assigned["closed_utc"] is not None
    out = store.report_html("Anna", tmp_path / "anna.html")
    assert "<svg" in out.read_text()


def test_opening_again_migrates_once(engine_db, store):
    for _ in range(2):
        Store.open().close()
    if engine_db.startswith("/"):
        import sqlite3

        con = sqlite3.connect(Path(engine_db) / "history.sqlite3")
        versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations")]
        con.close()
        assert versions == list(range(1, SCHEMA_VERSION + 1))
    else:
        import psycopg

        with psycopg.connect(engine_db) as con:
            versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations "
                                                  "ORDER BY version")]
        assert versions == [5, 6]


def test_two_threads_with_their_own_stores_save_at_once(engine_db, clip):
    Store.open().close()
    barrier, errors = threading.Barrier(2), []

    def work(person):
        try:
            with Store.open() as s:
                barrier.wait()
                for _ in range(8):
                    save(s, clip, person=person)
        except Exception as exc:  # reported below, on the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p,)) for p in ("Anna", "Ben")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store.open() as s:
        assert [(p.name, p.take_count) for p in s.people()] == [("Anna", 8), ("Ben", 8)]
        assert s.last_repair.clean


def test_one_shared_store_serves_several_threads(store, clip):
    errors = []

    def work(person):
        try:
            for _ in range(5):
                save(store, clip, person=person)
                store.takes(person=person)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p,)) for p in ("Anna", "Ben", "Cleo")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.count() == 15


SAVER = r"""
import pickle, sys, time
from pathlib import Path
from prosody.store import Store
where, blob, person, n, go = sys.argv[1:6]
with open(blob, "rb") as f:
    y, sr, analysis = pickle.load(f)
store = Store.open(where)
while not Path(go).exists():
    time.sleep(0.005)
for i in range(int(n)):
    store.save_take(person=person, audio=y, sr=sr, analysis=analysis, feedback={"score": i},
                    phrase=f"take {i}")
"""


def test_two_processes_save_at_once(engine_db, clip, tmp_path):
    Store.open().close()
    blob = tmp_path / "clip.pickle"
    blob.write_bytes(pickle.dumps(clip))
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", SAVER, engine_db, str(blob), person, "10",
                               str(go)], stderr=subprocess.PIPE, text=True)
             for person in ("Anna", "Ben")]
    go.touch()
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with Store.open() as s:
        assert [(p.name, p.take_count) for p in s.people()] == [("Anna", 10), ("Ben", 10)]
        assert s.last_repair.clean


def test_history_commands_work_on_both_engines(engine_db, store, clip, capsys, tmp_path):
    take = save(store, clip)
    assert main(["history", "list", "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [t["id"] for t in listed] == [take.id]
    assert main(["history", "show", str(take.id)]) == 0
    shown = capsys.readouterr().out
    assert "I'm here with you." in shown
    assert main(["history", "export", "--csv", str(tmp_path / "t.csv"), "--report",
                 str(tmp_path / "r.html"), "--person", "Anna"]) == 0
    assert (tmp_path / "t.csv").read_text().count("\n") == 2
    assert "Wrote the report for Anna" in capsys.readouterr().out
    assert main(["history", "list", "--db", engine_db, "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1


def files_under(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file()]


def test_two_coach_processes_on_postgresql_write_no_sqlite_file(pg_url, tmp_path):
    """The issue's check: two ``calmtone coach --save`` processes saving 8 takes each at once
    leave 16 takes; deleting bob's removes exactly his; no SQLite file is written anywhere."""
    home = tmp_path / "home"
    env = {**os.environ, "CALMTONE_DB": pg_url, "CALMTONE_HOME": str(home),
           "XDG_DATA_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path / "user")}
    wavs = [str(DATA / "arctic_a0007.wav")] * 8
    procs = [subprocess.Popen([CALMTONE, "coach", "--json", "--save", "--person", person,
                               *wavs], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
             for person in ("alice", "bob")]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    listed = subprocess.run([CALMTONE, "history", "list", "--json"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(listed) == 16
    people = [json.loads(line)["person"] for line in listed]
    assert sorted(people) == ["alice"] * 8 + ["bob"] * 8
    done = subprocess.run([CALMTONE, "history", "delete", "--person", "bob", "--yes"], env=env,
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Deleted bob and 8 takes" in done.stdout
    with Store.open(pg_url) as s:
        assert [(p.name, p.take_count) for p in s.people()] == [("alice", 8)]
    written = files_under(tmp_path)
    assert not [f for f in written if "sqlite" in f], written
    assert not home.exists()


def test_a_phone_rate_take_is_analysed_again_on_the_band_it_carried(store, tmp_path):
    """Takes are kept at 16 kHz; one recorded at 8 kHz (a phone, an old recorder) carries
    nothing above 4 kHz, and analysed again (as a baseline is, for every take against it) it
    must still be measured on that band, not on the empty one above it."""
    import soundfile as sf

    from prosody.analysis import analyze_file
    from prosody.dsp import resample
    from prosody.errors import quiet_warnings

    sig = load(DATA / "arctic_a0007.wav")
    path = tmp_path / "phone.wav"
    sf.write(path, resample(sig.y, sig.sr, 8000), 8000)
    with quiet_warnings():  # one sentence: no pause
        analysis = analyze_file(path)
    assert analysis.quality.bandwidth_hz == pytest.approx(4000.0)
    take = save(store, (load(path).y, 16000, analysis))
    with quiet_warnings():
        again = store.reanalyze(take.id)
    assert again.quality.bandwidth_hz == pytest.approx(4000.0)
    # kept as 16-bit FLAC: the same measures within the rounding of the samples
    for key, value in take.summary.items():
        got = again.summary.to_dict()[key]
        if isinstance(value, float):
            assert got == pytest.approx(value, rel=1e-3, abs=1e-3), key
        else:
            assert got == value, key


def test_existing_takes_are_found_in_one_query(store, clip):
    kept, deleted = save(store, clip), save(store, clip)
    store.delete_take(deleted.id)
    many = list(range(10_000, 11_200))  # more than one batch of parameters
    assert store.existing_takes([kept.id, deleted.id, *many]) == {kept.id}
    assert store.existing_takes([]) == set()
