"""Data safety of the practice history, on its public surfaces (``calmtone`` and ``Store``).

Each test reproduces one finding of the data-safety review on a real SQLite file with a real
WAL and real FLAC files: the repair on open never deletes a recording, a take whose recording
is missing stays, deletes leave nothing readable, exports and terminal output cannot be turned
against the person, names are one person however they are typed, files are private.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import stat
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import DATA

from prosody import analyze, load
from prosody.cli import main
from prosody.errors import ProsodyError
from prosody.store import (
    AUDIO_DIR,
    DB_NAME,
    QUARANTINE_DIR,
    ConfusableNameWarning,
    RecordingMissingError,
    Store,
    csv_text,
)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "calmtone"
    monkeypatch.setenv("CALMTONE_HOME", str(path))
    return path


@pytest.fixture(scope="module")
def take_wav(tmp_path_factory) -> Path:
    """A real recording of speech (CMU ARCTIC, see tests/data/README.md) as a WAV file."""
    sig = load(DATA / "arctic_a0007.wav")
    path = tmp_path_factory.mktemp("takes") / "take.wav"
    sf.write(path, sig.y, sig.sr)
    return path


def coach_save(take_wav: Path, *extra: str, person: str = "A") -> None:
    assert main(["coach", "--save", "--person", person, *extra, str(take_wav)]) == 0


def recordings(home: Path) -> list[str]:
    return sorted(n for n in os.listdir(home / AUDIO_DIR) if n.endswith(".flac"))


def quarantined(home: Path) -> list[str]:
    return sorted(p.name for p in (home / QUARANTINE_DIR).glob("*/*.flac"))


# ---------------------------------------------------------------------------------------------
# 1. The repair on open deletes no recording


def test_a_moved_database_makes_list_refuse_to_clean(home, take_wav, capsys):
    for _ in range(3):
        coach_save(take_wav)
    saved = recordings(home)
    assert len(saved) == 3
    (home / DB_NAME).rename(home.parent / "moved-aside.sqlite3")
    capsys.readouterr()
    assert main(["history", "list"]) == 0
    err = capsys.readouterr().err
    assert recordings(home) == saved  # nothing moved, nothing deleted
    assert "Nothing was moved or deleted" in err
    assert "3 recordings" in err
    assert "history restore --adopt NAME" in err


def test_adopting_the_recordings_of_a_lost_database_makes_them_takes_again(home, take_wav,
                                                                             capsys):
    for _ in range(2):
        coach_save(take_wav)
    (home / DB_NAME).unlink()
    for suffix in ("-wal", "-shm"):
        (home / (DB_NAME + suffix)).unlink(missing_ok=True)
    assert main(["history", "restore", "--adopt", "A"]) == 0
    assert "kept 2 as new takes of A" in capsys.readouterr().out
    with Store.open() as store:
        takes = store.takes(person="A")
        assert len(takes) == 2
        assert all(store.audio(t.id).y.size > 0 for t in takes)


def test_an_older_copy_of_the_database_quarantines_the_newer_recordings(home, take_wav,
                                                                         capsys):
    coach_save(take_wav)
    shutil.copy(home / DB_NAME, home.parent / "backup.sqlite3")  # closed: no -wal to copy
    coach_save(take_wav)
    coach_save(take_wav)
    newer = sorted(set(recordings(home)))
    (home.parent / "backup.sqlite3").replace(home / DB_NAME)
    capsys.readouterr()
    assert main(["history", "list"]) == 0
    err = capsys.readouterr().err
    assert "2 recordings" in err
    assert "moved (not deleted)" in err
    assert len(recordings(home)) == 1
    assert sorted(recordings(home) + quarantined(home)) == newer  # every file still exists
    # the newer database comes back: restore puts its recordings back
    with Store.open() as store:
        assert store.quarantine_notice() is not None


def test_a_lost_wal_file_loses_no_recording(home, take_wav, tmp_path):
    coach_save(take_wav)
    with Store.open() as store:  # an open store keeps new takes in the -wal file
        y, sr = load(take_wav).y, 16_000
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a short clip: some measures are undefined
            analysis = analyze(y, sr=sr)
        for _ in range(2):
            store.save_take(person="A", audio=y, sr=sr, analysis=analysis, feedback=None,
                            phrase="kept in the wal")
        assert (home / (DB_NAME + "-wal")).stat().st_size > 0
        copy = tmp_path / "copy"
        copy.mkdir()
        shutil.copy(home / DB_NAME, copy / DB_NAME)  # the database file without its -wal
        shutil.copytree(home / AUDIO_DIR, copy / AUDIO_DIR)
    all_files = sorted(os.listdir(copy / AUDIO_DIR))
    with Store.open(copy) as store:
        assert store.last_repair.quarantine_dir is not None or store.last_repair.refused
        kept = sorted(os.listdir(copy / AUDIO_DIR)) + sorted(
            p.name for p in (copy / QUARANTINE_DIR).glob("*/*.flac"))
    assert sorted(kept) == all_files


def test_a_take_whose_recording_is_missing_stays_and_says_so(home, take_wav, capsys, tmp_path):
    coach_save(take_wav)
    coach_save(take_wav)
    with Store.open() as store:
        lost, kept = store.takes()
        (home / AUDIO_DIR / lost.audio_file).unlink()
    capsys.readouterr()
    assert main(["history", "list"]) == 0
    out = capsys.readouterr()
    assert "(recording missing)" in out.out
    assert "recording missing" in out.err
    assert main(["history", "show", str(lost.id)]) == 0
    assert "Recording   missing from" in capsys.readouterr().out
    assert main(["history", "export", "--csv", str(tmp_path / "t.csv"),
                 "--report", str(tmp_path / "r.html"), "--person", "A"]) == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text(encoding="utf-8"))))
    assert sorted(r["recording"] for r in rows) == ["kept", "missing"]
    with Store.open() as store:
        assert len(store.takes()) == 2  # the second open kept the row too
        assert store.get(lost.id).audio_missing
        with pytest.raises(RecordingMissingError, match="missing from .*The take and its"):
            store.audio(lost.id)
        assert store.audio(kept.id).y.size > 0


def test_a_recording_put_back_clears_the_mark(home, take_wav, tmp_path):
    coach_save(take_wav)
    with Store.open() as store:
        take = store.takes()[0]
        path = home / AUDIO_DIR / take.audio_file
        path.rename(tmp_path / "away.flac")
        assert store.get(take.id).audio_missing
        (tmp_path / "away.flac").rename(path)
        assert not store.get(take.id).audio_missing


# ---------------------------------------------------------------------------------------------
# 2. Deletes that really delete


@pytest.mark.parametrize("how", ["take", "person"])
def test_a_deleted_phrase_is_in_no_file_of_the_history(home, take_wav, how):
    secret = "Zebra-quartz-7781 phrase nobody else says"
    coach_save(take_wav, "--text", secret)
    coach_save(take_wav, person="B")
    with Store.open() as store:
        take = store.takes(person="A")[0]
        if how == "take":
            store.delete_take(take.id)
        else:
            store.delete_person("A")
        assert not (home / AUDIO_DIR / take.audio_file).exists()
        assert len(store.takes(person="B")) == 1
        # searched while the store is still open: the -wal file is there too
        files = [p for p in home.rglob("*") if p.is_file()]
        assert any(p.name.endswith("-wal") for p in files)
        for path in files:
            data = path.read_bytes()
            assert secret.encode() not in data, path.name
            assert secret.encode("utf-16-le") not in data, path.name


# ---------------------------------------------------------------------------------------------
# 5. CSV formula injection


def test_csv_cells_cannot_start_a_formula(home, take_wav, tmp_path):
    coach_save(take_wav, "--text", "@SUM(1+1)", person='=HYPERLINK("http://x","y")')
    out = tmp_path / "takes.csv"
    assert main(["history", "export", "--csv", str(out)]) == 0
    row = next(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert row["person"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert row["phrase"] == "'@SUM(1+1)"
    for key, value in row.items():
        assert not value.startswith(("=", "+", "@", "\t", "\r")), key
        if value.startswith("-"):  # a negative number is a number, not text
            float(value)


@pytest.mark.parametrize(("text", "shown"), [
    ("=1+1", "'=1+1"),   # a formula
    ("+1", "'+1"),       # also a formula to a spreadsheet
    ("-2+3", "'-2+3"),
    ("@A1", "'@A1"),
    ("\tx", "'\tx"),     # a tab or carriage return first starts one in some spreadsheets
    ("＝1", "'＝1"),     # the full-width equals sign too
    ("calm", "calm"),    # ordinary text unchanged
    ("", ""),
])
def test_csv_text(text, shown):
    assert csv_text(text) == shown


# ---------------------------------------------------------------------------------------------
# 9. Terminal output and names


def test_terminal_output_shows_control_characters_as_escapes(home, take_wav, capsys):
    coach_save(take_wav, "--text", "hi\x1b[2J\nthere\u202egnp.exe", person="Eve")
    capsys.readouterr()
    assert main(["history", "list"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert len(out.strip().splitlines()) == 2  # the header and one line for the take
    # the escape and the line break shown as escapes; the right-to-left override that made
    # "gnp.exe" read "exe.png" is not kept at all
    assert "\\x1b[2J\\x0atheregnp.exe" in out
    take_id = out.strip().splitlines()[1].split()[0]
    assert main(["history", "show", take_id]) == 0
    shown = capsys.readouterr().out
    assert "\x1b" not in shown
    assert "\\x1b[2J" in shown


def test_names_are_one_person_however_they_are_typed(home, take_wav):
    coach_save(take_wav, person="Émile")
    coach_save(take_wav, person="ÉMILE")
    coach_save(take_wav, person="E\u0301mile")  # E + combining acute: NFKC makes it É
    with Store.open() as store:
        people = store.people()
        assert [(p.name, p.take_count) for p in people] == [("Émile", 3)]
        assert store.person("émile").take_count == 3


def test_confusable_names_warn(home):
    with Store.open() as store:
        store.add_person("Anna")
        with pytest.warns(ConfusableNameWarning, match="mixes Cyrillic and Latin"):
            store.add_person("\u0410nna")  # Cyrillic А
        with pytest.warns(ConfusableNameWarning, match="looks like 'Anna'"):
            store.add_person("Ánna")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            store.add_person("Ben")  # a plain new name: no warning
            store.add_person("anna")  # already here: no warning


@pytest.mark.parametrize("name", ["Eve\x1b[31m", "Bob\u202e", "Zed\u200b"])
def test_names_with_control_or_invisible_characters_are_refused(home, name):
    from prosody import ProsodyError

    with Store.open() as store, pytest.raises(ProsodyError, match="invisible or control"):
        store.add_person(name)


# ---------------------------------------------------------------------------------------------
# 8. Private files


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_the_history_is_private_from_the_start(home, take_wav, tmp_path):
    old_umask = os.umask(0o022)  # a usual umask: files would otherwise be 0644
    try:
        coach_save(take_wav)
        out = tmp_path / "export.csv"
        assert main(["history", "export", "--csv", str(out)]) == 0
        with Store.open() as store:  # open: the -wal and -shm files exist
            assert store.takes()
            paths = [home, *home.rglob("*")]
            assert any(p.name.endswith("-wal") for p in paths)
            for path in paths:
                mode = stat.S_IMODE(path.stat().st_mode)
                assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    finally:
        os.umask(old_umask)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_an_older_open_history_is_made_private(home, take_wav):
    coach_save(take_wav)
    os.chmod(home, 0o755)
    for path in home.rglob("*"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    with Store.open():
        pass
    for path in [home, *home.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def modes(folder: Path) -> dict[str, int]:
    """Every path under ``folder`` (itself included) with its permission bits."""
    return {str(p.relative_to(folder.parent)): stat.S_IMODE(p.lstat().st_mode)
            for p in [folder, *folder.rglob("*")]}


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("how", ["CALMTONE_HOME", "--db"])
def test_a_folder_in_use_is_never_made_a_history(tmp_path, monkeypatch, take_wav, capsys,
                                                 how):
    """Pointed at a folder that holds other things (a slip of CALMTONE_HOME or --db: your
    Documents, /etc), the history refuses it, says what to do, and changes nothing in it: no
    permission (a script keeps its execute bit), no file made."""
    folder = tmp_path / "documents"
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "run.sh").write_text("#!/bin/sh\n")
    (folder / "notes.txt").write_text("mine")
    os.chmod(folder / "bin" / "run.sh", 0o755)
    os.chmod(folder / "bin", 0o755)
    os.chmod(folder, 0o755)
    before = modes(folder)
    if how == "CALMTONE_HOME":
        monkeypatch.setenv("CALMTONE_HOME", str(folder))
        argv = []
    else:
        monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "unused"))
        argv = ["--db", str(folder)]
    capsys.readouterr()
    assert main(["history", "list", *argv]) == 1
    assert main(["coach", "--save", "--person", "A", *argv, str(take_wav)]) != 0
    said = capsys.readouterr().err
    assert "already holds other files" in said
    assert "folder of its own" in said
    assert "Traceback" not in said
    assert modes(folder) == before
    with pytest.raises(ProsodyError, match="Nothing was changed"):
        Store.open(folder)
    assert modes(folder) == before
    # an empty folder, or a file of the person's own beside an existing history, is fine
    empty = tmp_path / "empty"
    empty.mkdir()
    with Store.open(empty) as store:
        assert store.count() == 0
    (empty / "my notes.txt").write_text("kept")
    os.chmod(empty / "my notes.txt", 0o644)
    os.chmod(empty, 0o755)
    with Store.open(empty):
        pass
    assert stat.S_IMODE((empty / "my notes.txt").stat().st_mode) == 0o644  # not ours: untouched
    assert stat.S_IMODE(empty.stat().st_mode) == 0o700
    assert stat.S_IMODE((empty / DB_NAME).stat().st_mode) == 0o600


def test_an_export_never_overwrites_the_history(home, take_wav, capsys):
    """An export pointed at the database or a saved recording is refused before anything is
    written: every take and its recording stay as they were."""
    coach_save(take_wav)
    coach_save(take_wav)
    [flac] = recordings(home)[:1]
    db, audio = (home / DB_NAME).read_bytes(), (home / AUDIO_DIR / flac).read_bytes()
    capsys.readouterr()
    for dest in (home / DB_NAME, home / AUDIO_DIR / flac, home / "export.csv"):
        for kind in ("--csv", "--json"):
            assert main(["history", "export", kind, str(dest)]) == 1
            said = capsys.readouterr().err
            assert "inside the practice history folder" in said, said
    assert (home / AUDIO_DIR / flac).read_bytes() == audio
    assert not (home / "export.csv").exists()
    with Store.open() as store:
        assert store.count() == 2
        assert all(store.audio(t.id) is not None for t in store.takes())
    assert (home / DB_NAME).read_bytes()[:16] == db[:16]  # still an SQLite database


def test_calmer_never_overwrites_its_input_or_a_saved_take(home, take_wav, tmp_path, capsys):
    coach_save(take_wav)
    [flac] = recordings(home)
    mine = tmp_path / "mine.wav"
    shutil.copy(take_wav, mine)
    original = mine.read_bytes()
    saved = (home / AUDIO_DIR / flac).read_bytes()
    capsys.readouterr()
    assert main(["calmer", str(mine), str(mine)]) == 1
    assert "the recording you gave as input" in capsys.readouterr().err
    assert main(["calmer", str(mine), str(home / AUDIO_DIR / flac)]) == 1
    assert "inside the practice history folder" in capsys.readouterr().err
    assert mine.read_bytes() == original
    assert (home / AUDIO_DIR / flac).read_bytes() == saved
    assert main(["calmer", str(mine), str(tmp_path / "calmer.wav")]) == 0  # elsewhere: fine
    assert load(tmp_path / "calmer.wav").duration_s > 1.0


def test_calmer_keeps_the_baseline_and_any_file_already_there(home, take_wav, tmp_path, capsys):
    mine, base, kept = tmp_path / "mine.wav", tmp_path / "base.wav", tmp_path / "kept.wav"
    for f in (mine, base, kept):
        shutil.copy(take_wav, f)
    original = base.read_bytes()
    capsys.readouterr()
    assert main(["calmer", str(mine), str(base), "--baseline", str(base)]) == 1
    assert "the recording you gave as input" in capsys.readouterr().err
    assert main(["calmer", str(mine), str(kept)]) == 1
    err = capsys.readouterr().err
    assert "already exists" in err
    assert "--overwrite" in err
    assert base.read_bytes() == kept.read_bytes() == original
    assert main(["calmer", str(mine), str(kept), "--overwrite"]) == 0  # asked: replaced
    assert kept.read_bytes() != original
    assert load(kept).duration_s > 1.0


@pytest.mark.parametrize("name", ["calmer", "calmer.mp3", "calmer.flac", "."])
def test_calmer_refuses_a_name_it_cannot_write_as_wav(take_wav, tmp_path, capsys, name):
    capsys.readouterr()
    assert main(["calmer", str(take_wav), str(tmp_path / name)]) == 1
    err = capsys.readouterr().err
    assert "does not end in .wav" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_calmer_refuses_a_recording_longer_than_a_phrase(take_wav, tmp_path, capsys):
    sig = load(take_wav)
    long = tmp_path / "long.wav"
    reps = int(np.ceil(61.0 / sig.duration_s))
    sf.write(long, np.tile(sig.y, reps), sig.sr)
    capsys.readouterr()
    assert main(["calmer", str(long), str(tmp_path / "calmer.wav")]) == 1
    err = capsys.readouterr().err
    assert f"is {reps * sig.y.size / sig.sr:.0f} seconds long" in err
    assert "up to 60 seconds" in err
    assert not (tmp_path / "calmer.wav").exists()


def test_restore_puts_back_what_an_older_database_copy_quarantined(home, take_wav):
    coach_save(take_wav)
    shutil.copy(home / DB_NAME, home.parent / "older.sqlite3")
    coach_save(take_wav)
    coach_save(take_wav)
    shutil.copy(home / DB_NAME, home.parent / "newer.sqlite3")
    (home.parent / "older.sqlite3").replace(home / DB_NAME)
    with Store.open() as store:
        assert len(store.last_repair.audio_without_take) == 2  # moved to quarantine
    (home.parent / "newer.sqlite3").replace(home / DB_NAME)  # the right copy is back
    with Store.open() as store:
        missing = [t for t in store.takes() if t.audio_missing]
        assert len(missing) == 2
        assert "history restore" in store.quarantine_notice()
        report = store.restore()
        assert sorted(report.restored) == sorted(t.audio_file for t in missing)
        assert report.still_quarantined == ()
        for take in missing:
            assert not store.get(take.id).audio_missing
            assert np.isfinite(store.audio(take.id).y).all()
    assert not list((home / QUARANTINE_DIR).glob("*/*.flac"))


def test_history_export_keeps_any_file_already_there(home, take_wav, tmp_path, capsys):
    """`history export --csv take.flac` wrote the CSV over the recording; a file that is
    already there is now kept unless --overwrite says to replace it, and nothing is written
    when any of the destinations is taken."""
    coach_save(take_wav, person="Sam")
    kept = tmp_path / "mine.wav"
    shutil.copy(take_wav, kept)
    original = kept.read_bytes()
    fresh = tmp_path / "new.json"
    for flag in ("--csv", "--json"):
        capsys.readouterr()
        assert main(["history", "export", "--json", str(fresh), flag, str(kept)]) == 1
        err = capsys.readouterr().err
        assert "already exists" in err
        assert "--overwrite" in err
        assert kept.read_bytes() == original
        assert not fresh.exists()
    assert main(["history", "export", "--person", "Sam", "--report", str(kept)]) == 1
    assert kept.read_bytes() == original
    assert main(["history", "export", "--csv", str(kept), "--overwrite"]) == 0  # asked
    assert kept.read_text(encoding="utf-8").startswith(("id,", "\ufeffid,", "take", "\ufeff"))


def test_history_export_refuses_a_file_named_twice_and_a_report_to_the_terminal(
        home, take_wav, tmp_path, capsys):
    """`--csv X --json X` wrote the CSV, then the JSON over it; `--report -` wrote a file
    named '-'. Both are refused before anything is written."""
    coach_save(take_wav, person="Sam")
    same = tmp_path / "same.out"
    capsys.readouterr()
    assert main(["history", "export", "--csv", str(same), "--json", str(same)]) == 2
    assert "named twice" in capsys.readouterr().err
    alias = tmp_path / "sub" / ".." / "same.out"  # the same file by another spelling
    assert main(["history", "export", "--csv", str(same), "--json", str(alias)]) == 2
    assert not same.exists()
    assert main(["history", "export", "--person", "Sam", "--report", "-"]) == 2
    assert "cannot go to the terminal" in capsys.readouterr().err
    assert not (Path.cwd() / "-").exists()


def test_history_export_expands_a_tilde_the_shell_left(home, take_wav, tmp_path, monkeypatch,
                                                        capsys):
    """`--csv=~/t.csv` reaches the program with its '~': it is written to the home folder,
    where it was checked, not to a folder named '~'."""
    coach_save(take_wav, person="Sam")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert main(["history", "export", "--csv=~/t.csv"]) == 0
    assert (tmp_path / "t.csv").is_file()
    assert not (tmp_path / "~").exists()
    kept = (tmp_path / "t.csv").read_bytes()
    assert main(["history", "export", "--csv=~/t.csv"]) == 1  # there now: kept
    assert (tmp_path / "t.csv").read_bytes() == kept


def test_direction_controls_never_turn_a_phrase_or_a_note_back_to_front(tmp_path):
    """A phrase typed with U+202E (RIGHT-TO-LEFT OVERRIDE) showed back to front in the HTML
    report and the tables ("RTL 😀" as "😀 LTR"); names already refused it. Phrases, notes and
    the words of a take keep their letters, right-to-left scripts and emoji, without the
    invisible direction controls."""
    from prosody.syllables import check_text

    phrase = "RTL \u202eHello \U0001f600\u202c and \u2067שלום\u2069 \U0001f468\u200d\U0001f469"
    clean = "RTL Hello \U0001f600 and שלום \U0001f468\u200d\U0001f469"
    assert check_text(phrase) == clean
    sig = load(DATA / "arctic_a0007.wav")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = analyze(sig.y, sr=sig.sr)
    with Store.open(tmp_path / "home") as store:
        take = store.save_take(person="Ana", audio=sig.y, sr=sig.sr, analysis=analysis,
                               feedback=None, phrase=phrase)
        assert store.get(take.id).phrase == clean
        store.add_account("sue", role="supervisor", password="sue-listens-well")
        note = store.add_note(take.id, author="sue", text="\u202eSlow down\u202c")
        assert note.text == "Slow down"
        given = store.assign("Ana", kind="exercise", target="slow-it-down",
                             note="\u202dTwice a day")
        assert given.note == "Twice a day"
        report = store.report_html("Ana", tmp_path / "report.html").read_text()
    assert "\u202e" not in report
    assert "RTL Hello" in report
