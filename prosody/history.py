"""Practice history: every saved take kept safely, listed, charted, exported and deleted.

One folder holds everything (``CALMTONE_HOME``, else the user data directory, see
:func:`data_dir`); the folder and its subfolders are private (0700), every file in them 0600::

    history.sqlite3          takes, people, baselines, frame tracks (SQLite, WAL)
    audio/take-....flac      the recording of each take, one FLAC file per take
    quarantine/<UTC time>/   recordings no take referred to, moved aside by a repair

A take is saved atomically. Inside one SQLite write transaction the audio goes to a temporary
file ``audio/.tmp-take-....flac`` and is flushed to disk, the rows are committed, and only then
is the file renamed to its final name. After a crash there is the whole take or none of it:
:meth:`Store.repair` (run on every open) removes a temporary file whose take was never
committed and finishes the rename of one whose take was.

Nothing deletes a recording automatically. A final-named recording that no take refers to
(the database was replaced by an older copy, its ``-wal`` file was lost) is moved to the
quarantine folder, never deleted, and the person is told how to restore it; when the database
holds no takes at all the repair refuses to move anything (the database was probably moved or
replaced). A take whose recording is missing stays, with ``Take.audio_missing`` set (computed
when it is read, so it clears when the file comes back); reading its audio raises
:class:`RecordingMissingError`. Because saving and repair both hold the database's write lock,
a repair never mistakes another window's take in progress for debris.

A delete removes the rows, records the file as a pending delete in the same transaction,
removes the file, and checkpoints the WAL; ``secure_delete`` overwrites the freed space, so a
deleted phrase does not stay readable in any file of the history. A delete cut short is
finished by the next repair.

The schema is versioned by numbered migrations recorded in ``schema_migrations``; opening an
older history upgrades it in one transaction.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import errno
import html
import io
import json
import math
import os
import re
import secrets
import sqlite3
import stat
import sys
import threading
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import cached_property
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal, Union, get_args

import numpy as np

from .errors import ProsodyError, ProsodyWarning
from .util import FRAME_S, check_audio

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import Analysis, Tracks
    from .audio import Signal

Kind = Literal["practice", "baseline", "model", "exercise"]
KINDS: tuple[str, ...] = get_args(Kind)

#: The schema version this code writes; opening an older history upgrades it to this.
SCHEMA_VERSION = 5
DB_NAME = "history.sqlite3"
AUDIO_DIR = "audio"
#: Where a repair moves recordings that no take refers to (never deleted).
QUARANTINE_DIR = "quarantine"
#: How long a write waits for another window or process to finish its own, in milliseconds.
BUSY_TIMEOUT_MS = 15_000
#: Longest person name, in characters (it is shown in lists and reports).
MAX_NAME_CHARS = 80
#: Longest note on an assignment, in characters (a sentence or two for the person).
MAX_NOTE_CHARS = 500

_AUDIO_PREFIX = "take-"
_AUDIO_SUFFIX = ".flac"
_TEMP_PREFIX = ".tmp-"
_AUDIO_NAME = re.compile(r"^take-\d{8}T\d{6}Z-[0-9a-f]{12}\.flac$")
_QUARANTINE_README = "README.txt"
#: Owner-only permissions of the history's folders and files (POSIX).
_DIR_MODE, _FILE_MODE = 0o700, 0o600

PathOrFile = Union[str, "os.PathLike[str]", IO[str]]
When = datetime | date | str

# One tuple of steps per version: SQL text, or a function of the connection for what SQL cannot
# do (Unicode case folding). Never edit a released migration: add a new one.
Step = str | Callable[[sqlite3.Connection], None]
MIGRATIONS: tuple[tuple[int, str, tuple[Step, ...]], ...] = (
    (1, "people, takes and baselines", (
        """CREATE TABLE people (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            created_utc TEXT NOT NULL,
            baseline_take_id INTEGER REFERENCES takes(id) ON DELETE SET NULL
        )""",
        # AUTOINCREMENT: a deleted take's id is never given to another take, so an id written
        # in an export or a report keeps meaning that take
        """CREATE TABLE takes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            created_utc TEXT NOT NULL,
            phrase TEXT NOT NULL,
            scenario TEXT,
            profile_name TEXT,
            profile_version TEXT,
            settings_json TEXT NOT NULL,
            summary_json TEXT NOT NULL,
            feedback_json TEXT,
            score REAL,
            duration_s REAL NOT NULL,
            audio_file TEXT NOT NULL UNIQUE
        )""",
        "CREATE INDEX takes_person_time ON takes(person_id, created_utc)",
        "CREATE INDEX takes_person_phrase_time ON takes(person_id, phrase, created_utc)",
        "CREATE INDEX takes_scenario_time ON takes(scenario, created_utc)",
        "CREATE INDEX takes_time ON takes(created_utc)",
    )),
    (2, "kinds of take (practice, baseline, model, exercise) and exercise/assignment ids", (
        "ALTER TABLE takes ADD COLUMN kind TEXT NOT NULL DEFAULT 'practice' "
        "CHECK (kind IN ('practice', 'baseline', 'model', 'exercise'))",
        "ALTER TABLE takes ADD COLUMN exercise_id TEXT",
        "ALTER TABLE takes ADD COLUMN assignment_id TEXT",
        "CREATE INDEX takes_person_kind_time ON takes(person_id, kind, created_utc)",
        "CREATE INDEX takes_exercise ON takes(exercise_id) WHERE exercise_id IS NOT NULL",
        "CREATE INDEX takes_assignment ON takes(assignment_id) WHERE assignment_id IS NOT NULL",
    )),
    (3, "frame tracks of each take, so contours draw without analysing the audio again", (
        """CREATE TABLE take_tracks (
            take_id INTEGER PRIMARY KEY REFERENCES takes(id) ON DELETE CASCADE,
            n_frames INTEGER NOT NULL,
            start_s REAL NOT NULL,
            frame_s REAL NOT NULL,
            f0_hz BLOB NOT NULL,
            loudness_db BLOB NOT NULL,
            voiced BLOB NOT NULL,
            speech BLOB NOT NULL,
            syllable_times_s TEXT NOT NULL,
            pauses TEXT NOT NULL,
            phrases TEXT NOT NULL
        )""",
    )),
    (4, "assignments: a phrase set or an exercise given to a person (supervisor view)", (
        """CREATE TABLE assignments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('phrase_set', 'exercise')),
            target TEXT NOT NULL,
            note TEXT,
            assigned_by TEXT,
            created_utc TEXT NOT NULL,
            closed_utc TEXT
        )""",
        "CREATE INDEX assignments_person_time ON assignments(person_id, created_utc)",
    )),
    (5, "data safety: Unicode name keys, the repair log, deletes finished after a crash", (
        # NFKC + casefold of the name: 'Émile' and 'émile' are one person (NOCASE is ASCII only)
        "ALTER TABLE people ADD COLUMN name_key TEXT",
        lambda con: _fill_name_keys(con),
        "CREATE UNIQUE INDEX people_name_key ON people(name_key)",
        # what each repair did with which file, so it can be explained and undone
        """CREATE TABLE repair_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at_utc TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('quarantined', 'restored', 'adopted',
                'removed_temp', 'completed_save', 'completed_delete')),
            audio_file TEXT NOT NULL,
            folder TEXT
        )""",
        # a recording whose take was deleted, until the file is gone too
        """CREATE TABLE pending_deletes (
            audio_file TEXT PRIMARY KEY,
            requested_utc TEXT NOT NULL
        )""",
    )),
)
assert MIGRATIONS[-1][0] == SCHEMA_VERSION

_TAKE_COLUMNS = (
    "t.id, p.name, t.created_utc, t.kind, t.phrase, t.scenario, t.profile_name, "
    "t.profile_version, t.score, t.duration_s, t.audio_file, t.exercise_id, t.assignment_id, "
    "t.settings_json, t.summary_json, t.feedback_json"
)
_TAKE_FROM = "FROM takes t JOIN people p ON p.id = t.person_id"


# ---------------------------------------------------------------------------------------------
# Results


class RecordingMissingError(ProsodyError):
    """The take is kept, but its recording (FLAC file) is not in the audio folder."""


class ConfusableNameWarning(ProsodyWarning):
    """A new person's name mixes scripts or looks like someone already in the history."""


@dataclass(frozen=True)
class Take:
    """One saved take, as stored.

    ``settings``, ``summary`` and ``feedback`` are the JSON objects saved with it: the
    :class:`~prosody.analysis.AnalysisSettings` as a dict, ``Summary.to_dict()`` and the coach's
    feedback dict (None when the take was saved without coaching). They are parsed from the
    stored JSON (``*_json``) on first use, so listing 10,000 takes does not parse 30,000 JSON
    documents. ``created_utc`` is ISO 8601 in UTC, e.g. ``2026-11-27T20:31:05.123+00:00``. The
    recording is ``Store.audio(take.id)``. ``audio_missing`` is True when the recording was not
    in the audio folder when the take was read (the take is kept; see :meth:`Store.repair`).
    """

    id: int
    person: str
    created_utc: str
    kind: Kind
    phrase: str
    scenario: str | None
    profile_name: str | None
    profile_version: str | None
    score: float | None
    duration_s: float
    audio_file: str
    settings_json: str = field(repr=False)
    summary_json: str = field(repr=False)
    feedback_json: str | None = field(repr=False)
    exercise_id: str | None = None
    assignment_id: str | None = None
    audio_missing: bool = False

    def __hash__(self) -> int:
        return hash((Take, self.id, self.created_utc))

    # cached_property writes the instance __dict__ directly, which a frozen dataclass allows
    @cached_property
    def settings(self) -> dict:
        """The analysis settings, as ``dataclasses.asdict(AnalysisSettings)``."""
        return json.loads(self.settings_json)

    @cached_property
    def summary(self) -> dict:
        """The summary features, as ``Summary.to_dict()``."""
        return json.loads(self.summary_json)

    @cached_property
    def feedback(self) -> dict | None:
        """The coach's feedback, or None."""
        return None if self.feedback_json is None else json.loads(self.feedback_json)

    @property
    def created(self) -> datetime:
        """When the take was saved, as an aware datetime in UTC."""
        return datetime.fromisoformat(self.created_utc)

    def local_day(self, tz: tzinfo | None = None) -> date:
        """The calendar day of the take in ``tz`` (None: this computer's time zone)."""
        return self.created.astimezone(tz).date()

    @property
    def tips(self) -> tuple[str, ...]:
        """The coach's tips, most important first (empty without feedback)."""
        return _tips(self.feedback)

    def to_dict(self) -> dict:
        """Every stored field, JSON-ready (the audio file name, not the audio)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
               if not f.name.endswith("_json")}
        out.update(settings=self.settings, summary=self.summary, feedback=self.feedback)
        return out


@dataclass(frozen=True)
class Person:
    """Someone who practises on this computer."""

    name: str
    created_utc: str
    take_count: int
    last_take_utc: str | None
    baseline_take_id: int | None


@dataclass(frozen=True)
class ProgressPoint:
    """One day of a progress series: the mean of ``feature`` over that day's takes."""

    day: date
    value: float
    n_takes: int


AssignmentKind = Literal["phrase_set", "exercise"]


@dataclass(frozen=True)
class Assignment:
    """A phrase set or an exercise given to a person, e.g. by a supervisor.

    ``target`` is the phrase set id (``"child/meltdown"``) or the exercise id
    (``"slow-it-down"``); takes made for it carry ``assignment_id = str(id)``. ``closed_utc``
    is set once it is done or withdrawn.
    """

    id: int
    person: str
    kind: AssignmentKind
    target: str
    note: str | None
    assigned_by: str | None
    created_utc: str
    closed_utc: str | None

    @property
    def open(self) -> bool:
        return self.closed_utc is None


@dataclass(frozen=True)
class RepairReport:
    """What :meth:`Store.repair` found and did. It never deletes a recording of a take.

    Attributes
    ----------
    temp_files : tuple of str
        temporary files of saves interrupted before their take was committed: removed
    saves_completed : tuple of str
        recordings of takes committed just before a crash, put under their final name
    deletes_completed : tuple of str
        recordings of takes deleted just before a crash: removed, as the person asked
    audio_without_take : tuple of str
        recordings no take refers to: moved to ``quarantine_dir``, or left where they are
        when ``refused``
    quarantine_dir : str or None
        the folder they were moved to (``<home>/quarantine/<UTC time>``)
    refused : bool
        the database holds no takes but the audio folder holds recordings: nothing was moved,
        because the database was probably moved, replaced or reset
    takes_without_audio : tuple of int
        takes whose recording is missing: kept, shown as "recording missing"
    """

    temp_files: tuple[str, ...] = ()
    audio_without_take: tuple[str, ...] = ()
    takes_without_audio: tuple[int, ...] = ()
    saves_completed: tuple[str, ...] = ()
    deletes_completed: tuple[str, ...] = ()
    quarantine_dir: str | None = None
    refused: bool = False
    home: str | None = None

    @property
    def clean(self) -> bool:
        return not (self.temp_files or self.audio_without_take or self.takes_without_audio
                    or self.saves_completed or self.deletes_completed)

    @property
    def notice(self) -> str | None:
        """One paragraph for the person when they must know or do something, else None.

        Said for recordings moved to quarantine (where, and how to restore them), for a refused
        repair (what probably happened and how to put things back), and for takes whose
        recording is missing. Removing temporary files and finishing interrupted saves and
        deletes need no word.
        """
        parts = []
        n = len(self.audio_without_take)
        if self.refused:
            parts.append(_refused_message(self.home or "the history folder", n))
        elif self.quarantine_dir:
            parts.append(
                f"{n} recording{'s' * (n != 1)} that no take in the database refers to "
                f"{'were' if n != 1 else 'was'} moved (not deleted) to {self.quarantine_dir}. "
                "If you put an older or newer copy of history.sqlite3 in place, put back the "
                "copy that lists them and run `calmtone history restore`; "
                "`calmtone history restore --adopt NAME` keeps them as new takes of NAME.")
        m = len(self.takes_without_audio)
        if m:
            parts.append(
                f"{m} take{'s have their' if m != 1 else ' has its'} recording missing "
                "from the audio folder (kept, shown as \"recording missing\"); put the FLAC "
                "file back, or run `calmtone history restore` if it is in the quarantine folder.")
        return " ".join(parts) or None


@dataclass(frozen=True)
class RestoreReport:
    """What :meth:`Store.restore` put back (file names) and what is still in quarantine."""

    restored: tuple[str, ...] = ()
    adopted: tuple[int, ...] = ()
    still_quarantined: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# Where the history lives


def data_dir() -> Path:
    """The folder holding the practice history.

    ``CALMTONE_HOME`` when set; otherwise the platform's place for a user's application data:
    ``$XDG_DATA_HOME/calmtone`` or ``~/.local/share/calmtone`` on Linux,
    ``~/Library/Application Support/Calm Tone Coach`` on macOS and
    ``%LOCALAPPDATA%\\Calm Tone Coach`` on Windows.
    """
    env = os.environ.get("CALMTONE_HOME")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "Calm Tone Coach"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Calm Tone Coach"
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "calmtone"


# ---------------------------------------------------------------------------------------------
# The store


class Store:
    """The practice history in one folder. Use :meth:`open`.

    One connection serves all threads behind a lock, so a single ``Store`` can be cached and
    shared by every session of the app (``st.cache_resource``); separate processes coordinate
    through SQLite's own locking. Every method raises :class:`ProsodyError` with a sentence a
    person understands when the disk is full, the folder is read-only or a take is unknown.
    """

    def __init__(self, home: Path, con: sqlite3.Connection, *, writable: bool) -> None:
        self.home = home
        self.db_path = home / DB_NAME
        self.audio_dir = home / AUDIO_DIR
        self.quarantine_dir = home / QUARANTINE_DIR
        self.writable = writable
        self._con = con
        self._lock = threading.RLock()
        self.last_repair = RepairReport()

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, repair: bool = True) -> Store:
        """Open (creating or upgrading when needed) the history in ``path``.

        Parameters
        ----------
        path : path or None
            the history folder; None means :func:`data_dir`
        repair : bool
            remove the debris of interrupted saves (see :meth:`repair`); on by default

        Returns
        -------
        Store
            read-only (``writable`` False) when the folder cannot be written but an existing
            history can be read: listing and exports work, saving explains why it cannot.
        """
        home = Path(path).expanduser() if path is not None else data_dir()
        db_path = home / DB_NAME
        try:
            home.mkdir(parents=True, exist_ok=True, mode=_DIR_MODE)
            (home / AUDIO_DIR).mkdir(exist_ok=True, mode=_DIR_MODE)
            # SQLite gives -wal and -shm the permissions of the database file: create it private
            _create_private(db_path)
        except OSError as exc:
            if not db_path.exists():
                raise _storage_error(exc, "create the practice history folder", home) from exc
        _make_private(home)
        writable = True
        try:
            con = _connect(db_path)
        except sqlite3.Error as exc:
            # a history in a folder that cannot be written may still be read
            con = _connect_read_only(db_path) if db_path.exists() else None
            if con is None:
                raise _storage_error(exc, "open the practice history", home) from exc
            writable = False
        store = cls(home, con, writable=writable)
        try:
            store._migrate()
            if repair:
                store.last_repair = store.repair()
        except _ReadOnly:
            store.writable = False
        except BaseException:
            con.close()
            raise
        return store

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "" if self.writable else ", read-only"
        return f"Store({str(self.home)!r}{mode})"

    @property
    def schema_version(self) -> int:
        with self._lock:
            return _schema_version(self._con)

    def _migrate(self) -> None:
        with self._lock:
            try:
                current = _schema_version(self._con)
            except sqlite3.Error as exc:
                raise _storage_error(exc, "read the practice history", self.home) from exc
            if current > SCHEMA_VERSION:
                raise ProsodyError(
                    f"the practice history in {self.home} was written by a newer Calm Tone Coach "
                    f"(schema {current}; this version knows up to {SCHEMA_VERSION}); update the "
                    "app to open it. Nothing was changed."
                )
            if current == SCHEMA_VERSION:
                return
            with self._write("upgrade the practice history", read_only_ok=False) as con:
                con.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                            "version INTEGER PRIMARY KEY, applied_utc TEXT NOT NULL)")
                # read again under the write lock: another process may have upgraded meanwhile
                current = _schema_version(con)
                for version, _, statements in MIGRATIONS:
                    if version <= current:
                        continue
                    for step in statements:
                        if isinstance(step, str):
                            con.execute(step)
                        else:
                            step(con)
                    con.execute("INSERT INTO schema_migrations (version, applied_utc) "
                                "VALUES (?, ?)", (version, _utc_iso(_now())))

    @contextlib.contextmanager
    def _write(self, doing: str, *, read_only_ok: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction holding SQLite's write lock (waits up to BUSY_TIMEOUT_MS)."""
        with self._lock:
            con = self._con
            try:
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                if read_only_ok and _is_read_only(exc):
                    raise _ReadOnly() from exc
                raise _storage_error(exc, doing, self.home) from exc
            try:
                yield con
                con.execute("COMMIT")
            except BaseException as exc:
                if con.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        con.execute("ROLLBACK")
                if read_only_ok and _is_read_only(exc):
                    raise _ReadOnly() from exc
                if isinstance(exc, (OSError, sqlite3.Error)):
                    raise _storage_error(exc, doing, self.home) from exc
                raise

    def _read(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._con.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise _storage_error(exc, "read the practice history", self.home) from exc

    # -- repair -------------------------------------------------------------------------------

    def repair(self) -> RepairReport:
        """Finish or tidy what interrupted saves and deletes left behind; runs on every open.

        It never deletes a recording of a take:

        - a temporary file of a save whose take was never committed is removed; one whose take
          was committed (the app stopped between the commit and the rename) is put in place;
        - a recording of a take deleted just before a crash is removed, as the person asked;
        - a recording no take refers to is moved to ``quarantine/<UTC time>/`` with a
          README.txt saying how to restore it, and logged in ``repair_log``; when no take's
          recording is in the audio folder (an empty, new or different database) nothing is
          moved at all (``refused``): the database was probably moved or replaced;
        - a take whose recording is missing stays (``Take.audio_missing``).

        Nothing is touched when the audio folder itself is missing or unreadable: that is a
        moved or broken folder, not debris. Saving holds the same write lock, so a take being
        saved by another window is never mistaken for debris.
        """
        if not self.writable:
            return RepairReport(home=str(self.home))
        with self._write("check the practice history", read_only_ok=True) as con:
            try:
                names = os.listdir(self.audio_dir)
            except OSError:
                return RepairReport(home=str(self.home))
            stored = {row[1]: row[0] for row in con.execute("SELECT id, audio_file FROM takes")}
            present = {n for n in names if _AUDIO_NAME.match(n)}
            log: list[tuple[str, str, str | None]] = []  # (action, file, folder)

            removed, completed = [], []
            for temp in sorted(n for n in names if n.startswith(_TEMP_PREFIX + _AUDIO_PREFIX)):
                final = temp[len(_TEMP_PREFIX):]
                try:
                    if final in stored and final not in present:
                        # committed, then stopped before the rename: finish the save
                        _publish_audio(self.audio_dir / temp, self.audio_dir / final)
                        present.add(final)
                        completed.append(final)
                        log.append(("completed_save", final, None))
                    else:  # never committed: an unfinished copy, not a recording of a take
                        (self.audio_dir / temp).unlink()
                        removed.append(temp)
                        log.append(("removed_temp", temp, None))
                except OSError:
                    pass  # a read-only folder: tried again next time

            deleted = []
            pending = [r[0] for r in con.execute("SELECT audio_file FROM pending_deletes")]
            for name in sorted(pending):
                if name not in stored:  # the take is gone: its recording goes too
                    existed, ok = self._unlink_everywhere(name)
                    if not ok:
                        continue
                    present.discard(name)
                    if existed:
                        deleted.append(name)
                        log.append(("completed_delete", name, None))
                con.execute("DELETE FROM pending_deletes WHERE audio_file = ?", (name,))

            orphans = sorted(present - stored.keys())
            missing = tuple(sorted(stored[n] for n in stored.keys() - present))
            # no take's recording is here: the database is new, empty or another one, so these
            # recordings are not debris of this history; leave them exactly where they are
            refused = bool(orphans) and not (present & stored.keys())
            folder, moved = None, ()
            if orphans and not refused:
                folder, moved = self._quarantine(orphans)
                log += [("quarantined", n, str(folder)) for n in moved]
            if log:
                now = _utc_iso(_now())
                con.executemany("INSERT INTO repair_log (at_utc, action, audio_file, folder) "
                                "VALUES (?, ?, ?, ?)", [(now, *entry) for entry in log])
        return RepairReport(
            temp_files=tuple(removed), audio_without_take=tuple(orphans if refused else moved),
            takes_without_audio=missing, saves_completed=tuple(completed),
            deletes_completed=tuple(deleted),
            quarantine_dir=None if folder is None or not moved else str(folder),
            refused=refused, home=str(self.home))

    def _quarantine(self, names: Sequence[str]) -> tuple[Path | None, tuple[str, ...]]:
        """Move recordings out of ``audio/`` into a new ``quarantine/<UTC time>/`` folder."""
        stamp = _now().strftime("%Y%m%dT%H%M%SZ")
        try:
            self.quarantine_dir.mkdir(exist_ok=True, mode=_DIR_MODE)
            folder = self.quarantine_dir / stamp
            k = 1
            while True:
                try:
                    folder.mkdir(mode=_DIR_MODE)
                    break
                except FileExistsError:
                    k += 1
                    folder = self.quarantine_dir / f"{stamp}-{k}"
        except OSError:
            return None, ()
        moved = []
        for name in names:
            with contextlib.suppress(OSError):  # left for the next repair
                os.replace(self.audio_dir / name, folder / name)
                moved.append(name)
        with contextlib.suppress(OSError):
            _fsync_dir(folder)
            _fsync_dir(self.audio_dir)
            _write_private(folder / _QUARANTINE_README, _quarantine_readme(
                self.home, folder, moved).encode("utf-8"))
        if not moved:
            with contextlib.suppress(OSError):
                (folder / _QUARANTINE_README).unlink()
                folder.rmdir()
            return None, ()
        return folder, tuple(moved)

    def quarantined(self) -> dict[str, Path]:
        """The recordings in the quarantine folder: file name -> where it is now."""
        found: dict[str, Path] = {}
        try:
            folders = sorted(p for p in self.quarantine_dir.iterdir() if p.is_dir())
        except OSError:
            return found
        for folder in folders:
            with contextlib.suppress(OSError):
                for path in sorted(folder.iterdir()):
                    if _AUDIO_NAME.match(path.name):
                        found.setdefault(path.name, path)
        return found

    def quarantine_notice(self) -> str | None:
        """What the Settings page should tell the person about their recordings, or None.

        Says so when the last repair refused to tidy (the database has no takes but the audio
        folder has recordings), when recordings are in the quarantine folder (where, and how to
        restore them), and when takes have their recording missing.
        """
        parts = []
        report = self.last_repair
        if report.refused:
            parts.append(_refused_message(str(self.home), len(report.audio_without_take)))
        held = self.quarantined()
        if held:
            n = len(held)
            wanted = self._missing_files(held.keys())
            parts.append(
                f"{n} recording{'s' * (n != 1)} that no take referred to "
                f"{'are' if n != 1 else 'is'} kept in {self.quarantine_dir} (moved there by a "
                "repair, not deleted). " + (
                    f"{len(wanted)} of them belong to takes in this history: run `calmtone "
                    "history restore` to put them back. " if wanted else "") +
                f"To get {'the others' if wanted else 'them'} back, put back the copy of "
                "history.sqlite3 that lists them "
                "(with the app closed) and run `calmtone history restore`, or keep them as new "
                "takes with `calmtone history restore --adopt NAME`. Delete that folder if you "
                "do not need them.")
        missing = self.count_missing()
        if missing:
            parts.append(
                f"{missing} take{'s have their' if missing != 1 else ' has its'} recording "
                f"missing from {self.audio_dir}; they are kept and shown as \"recording "
                "missing\". Put the FLAC files back there, or delete those takes.")
        return " ".join(parts) or None

    def count_missing(self) -> int:
        """How many takes have their recording missing from the audio folder."""
        files = [r[0] for r in self._read("SELECT audio_file FROM takes")]
        return len(files) - len(self._present(files))

    def _missing_files(self, names: Iterable[str]) -> set[str]:
        """Of these file names, those a take refers to whose recording is not in audio/."""
        names = list(names)
        if not names:
            return set()
        rows = self._read("SELECT audio_file FROM takes WHERE audio_file IN "
                          f"({', '.join('?' * len(names))})", names)
        referred = [r[0] for r in rows]
        return set(referred) - self._present(referred)

    def restore(self, *, adopt: str | None = None) -> RestoreReport:
        """Put quarantined recordings back: those a take refers to, and with ``adopt`` the rest.

        Parameters
        ----------
        adopt : str or None
            a person's name: each recording that no take refers to (in quarantine, or left in
            the audio folder by a refused repair) becomes a new take of this person, analysed
            again, with an unknown phrase ("") and the time in its file name. None leaves them
            in quarantine.

        Returns
        -------
        RestoreReport
            the files put back, the ids of adopted takes, and what is still in quarantine
        """
        if not self.writable:
            raise ProsodyError(_read_only_message(self.home, "restore the recordings"))
        name = None if adopt is None else _person_name(adopt)
        note = None if name is None else self.name_warning(name)
        restored, adopted = [], []
        with self._write("restore the recordings") as con:
            stored = {r[0] for r in con.execute("SELECT audio_file FROM takes")}
            for file, path in self.quarantined().items():
                dest = self.audio_dir / file
                if (file in stored or name is not None) and not dest.exists():
                    os.replace(path, dest)
                    restored.append(file)
                    con.execute("INSERT INTO repair_log (at_utc, action, audio_file, folder) "
                                "VALUES (?, ?, ?, ?)", (_utc_iso(_now()), "restored", file,
                                                        str(path.parent)))
            with contextlib.suppress(OSError):
                _fsync_dir(self.audio_dir)
        if name is not None:
            with self._lock:
                present = {n for n in os.listdir(self.audio_dir) if _AUDIO_NAME.match(n)}
                stored = {r[0] for r in self._read("SELECT audio_file FROM takes")}
            for file in sorted(present - stored):
                take_id = self._adopt(name, file)
                if take_id is not None:
                    adopted.append(take_id)
        self._tidy_quarantine()
        if adopted and note:
            warnings.warn(note, ConfusableNameWarning, stacklevel=2)
        return RestoreReport(tuple(restored), tuple(adopted), tuple(self.quarantined()))

    def _adopt(self, name: str, file: str) -> int | None:
        """Make a take of ``name`` from a recording no take refers to, analysing it again.

        None when the file cannot be read as audio (it stays where it is).
        """
        import soundfile as sf

        from .analysis import analyze
        from .audio import load

        path = self.audio_dir / file
        try:  # outside the write lock: analysing takes a moment
            signal = load(path)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ProsodyWarning)  # a recovered take, uncoached
                analysis = analyze(signal.y, sr=signal.sr)
            duration_s = float(sf.info(str(path)).duration)
        except (ProsodyError, RuntimeError, OSError):
            return None
        stamp = file[len(_AUDIO_PREFIX):len(_AUDIO_PREFIX) + 16]
        created = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        with self._write("keep the recording as a take") as con:
            if con.execute("SELECT 1 FROM takes WHERE audio_file = ?", (file,)).fetchone():
                return None  # another window adopted it meanwhile
            person_id = _person_id(con, name, create=True)
            take_id = con.execute(
                "INSERT INTO takes (person_id, created_utc, phrase, settings_json, "
                "summary_json, duration_s, audio_file, kind) "
                "VALUES (?, ?, '', ?, ?, ?, ?, 'practice')",
                (person_id, _utc_iso(created), _dumps(dataclasses.asdict(analysis.settings)),
                 _dumps(analysis.summary.to_dict()), duration_s, file)).lastrowid
            con.execute("INSERT INTO take_tracks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (take_id, *_pack_tracks(analysis.tracks)))
            con.execute("INSERT INTO repair_log (at_utc, action, audio_file, folder) "
                        "VALUES (?, ?, ?, NULL)", (_utc_iso(_now()), "adopted", file))
        return int(take_id)

    def _tidy_quarantine(self) -> None:
        """Remove quarantine folders that hold no recording any more (only their README)."""
        with contextlib.suppress(OSError):
            for folder in self.quarantine_dir.iterdir():
                if folder.is_dir() and not any(_AUDIO_NAME.match(p.name)
                                               for p in folder.iterdir()):
                    with contextlib.suppress(OSError):
                        (folder / _QUARANTINE_README).unlink(missing_ok=True)
                        folder.rmdir()

    # -- saving -------------------------------------------------------------------------------

    def save_take(
        self,
        *,
        person: str,
        audio: np.ndarray,
        sr: int,
        analysis: Analysis,
        feedback: Mapping | object | None,
        phrase: str,
        scenario: str | None = None,
        profile_name: str | None = None,
        profile_version: str | None = None,
        kind: Kind = "practice",
        score: float | None = None,
        exercise_id: str | None = None,
        assignment_id: str | None = None,
        created: datetime | None = None,
    ) -> Take:
        """Save one take: its recording, analysis and feedback, all or nothing.

        Parameters
        ----------
        person : str
            who spoke; a new name adds that person
        audio : np.ndarray [shape=(n,)]
            the recording, full scale = 1.0; stored as 16-bit FLAC at ``sr``
        sr : int
            sample rate of ``audio`` in Hz
        analysis : Analysis
            ``prosody.analyze`` of this recording: its settings, summary and frame tracks are
            stored
        feedback : dict, Feedback or None
            what the coach said (``Feedback`` objects are stored as ``to_dict()``)
        phrase : str
            the words practised ("" for free speech)
        scenario, profile_name, profile_version : str or None
            the scenario and the profile (with its version) that scored the take
        kind : {'practice', 'baseline', 'model', 'exercise'}
        score : float or None
            the calm score, 0 to 100; None takes ``feedback["score"]`` when there is one
        exercise_id, assignment_id : str or None
            links to an exercise or an assignment
        created : datetime or None
            when the take was recorded (naive means local time); None means now

        Returns
        -------
        Take
            the take as stored, with its new id

        Raises
        ------
        ProsodyError
            when an argument is not valid, or the take could not be written (full disk,
            read-only folder); then nothing of it is kept and earlier takes are untouched.
        """
        y = check_audio(audio, sr)
        name = _person_name(person)
        if kind not in KINDS:
            raise ProsodyError(f"kind={kind!r} must be one of {', '.join(KINDS)}.")
        if not isinstance(phrase, str):
            raise ProsodyError(f"phrase must be text, not {type(phrase).__name__}.")
        feedback_dict = _feedback_dict(feedback)
        if score is None and feedback_dict is not None:
            score = feedback_dict.get("score")
        if score is not None and not (isinstance(score, (int, float, np.number))
                                      and 0.0 <= float(score) <= 100.0):
            raise ProsodyError(f"score={score!r} must be a number from 0 to 100, or None.")
        if not self.writable:
            raise ProsodyError(_read_only_message(self.home, "save the take"))
        when = _utc_iso(_as_datetime(created) if created is not None else _now())
        settings_json = _dumps(dataclasses.asdict(analysis.settings))
        summary_json = _dumps(analysis.summary.to_dict())
        feedback_json = None if feedback_dict is None else _dumps(feedback_dict)
        tracks_row = _pack_tracks(analysis.tracks)
        flac = _encode_flac(y, int(sr))  # before taking the lock: others wait less
        audio_file = (f"{_AUDIO_PREFIX}{when[:19].replace('-', '').replace(':', '')}Z-"
                      f"{secrets.token_hex(6)}{_AUDIO_SUFFIX}")
        final = self.audio_dir / audio_file
        temp = final.with_name(_TEMP_PREFIX + final.name)
        note = self.name_warning(name)
        committed = False
        # the Python lock spans the rename too, so this store never shows the take half-saved
        with self._lock:
            try:
                with self._write("save the take") as con:
                    # the audio is on disk before the row is committed; the rename comes after,
                    # so a final-named file without a row is never debris of a save (repair)
                    _write_private(temp, flac)
                    person_id = _person_id(con, name, create=True)
                    take_id = con.execute(
                        "INSERT INTO takes (person_id, created_utc, phrase, scenario, "
                        "profile_name, profile_version, settings_json, summary_json, "
                        "feedback_json, score, duration_s, audio_file, kind, exercise_id, "
                        "assignment_id) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (person_id, when, phrase, scenario, profile_name, profile_version,
                         settings_json, summary_json, feedback_json,
                         None if score is None else float(score), y.size / float(sr), audio_file,
                         kind, exercise_id, assignment_id),
                    ).lastrowid
                    con.execute("INSERT INTO take_tracks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                (take_id, *tracks_row))
                committed = True
                _publish_audio(temp, final)
            except BaseException as exc:
                if not committed:  # nothing of the take is kept: neither may its audio be
                    with contextlib.suppress(OSError):
                        temp.unlink()
                    raise
                if isinstance(exc, OSError):
                    raise ProsodyError(
                        f"take {take_id} was saved, but its recording is still named {temp.name} "
                        f"in {self.audio_dir} ({exc.strerror or exc}); it is put in place the "
                        "next time the history opens.") from exc
                raise
        if note:
            warnings.warn(note, ConfusableNameWarning, stacklevel=2)
        return self.get(take_id)

    # -- reading ------------------------------------------------------------------------------

    def takes(
        self,
        *,
        person: str | None = None,
        phrase: str | None = None,
        scenario: str | None = None,
        since: When | None = None,
        until: When | None = None,
        kind: Kind | Sequence[Kind] | None = None,
        exercise_id: str | None = None,
        assignment_id: str | None = None,
        limit: int | None = None,
        newest_first: bool = True,
    ) -> list[Take]:
        """The takes that match every given filter, newest first.

        Parameters
        ----------
        person, phrase, scenario : str or None
            exact matches (person names ignore case)
        since, until : datetime, date or ISO 8601 str, or None
            ``since`` is inclusive, ``until`` exclusive; a date means that whole day in local
            time (``until=date`` includes that day); naive times are local time
        kind : kind, sequence of kinds, or None
        limit : int or None
            at most this many takes
        """
        where, params = self._filters(person=person, phrase=phrase, scenario=scenario,
                                      since=since, until=until, kind=kind,
                                      exercise_id=exercise_id, assignment_id=assignment_id)
        order = "DESC" if newest_first else "ASC"
        sql = (f"SELECT {_TAKE_COLUMNS} {_TAKE_FROM} {where} "
               f"ORDER BY t.created_utc {order}, t.id {order}")
        if limit is not None:
            if int(limit) < 0:
                raise ProsodyError(f"limit={limit} must be 0 or more.")
            sql += " LIMIT ?"
            params.append(int(limit))
        rows = self._read(sql, params)
        present = self._present([row[10] for row in rows])
        return [_take(row, audio_missing=row[10] not in present) for row in rows]

    def _present(self, files: Sequence[str]) -> set[str]:
        """Which of these recordings are in the audio folder now."""
        if len(files) <= 64:  # a page of takes: a few stats beat listing a big folder
            return {f for f in files if (self.audio_dir / f).is_file()}
        try:
            return set(files) & set(os.listdir(self.audio_dir))
        except OSError:
            return set()

    def count(self, **filters) -> int:
        """How many takes match; the filters are those of :meth:`takes`."""
        where, params = self._filters(**filters)
        return int(self._read(f"SELECT count(*) {_TAKE_FROM} {where}", params)[0][0])

    def _filters(self, *, person=None, phrase=None, scenario=None, since=None, until=None,
                 kind=None, exercise_id=None, assignment_id=None) -> tuple[str, list]:
        clauses, params = [], []
        if person is not None:
            clauses.append("t.person_id = ?")
            params.append(self._person_id_of(person))
        for column, value in (("phrase", phrase), ("scenario", scenario),
                              ("exercise_id", exercise_id), ("assignment_id", assignment_id)):
            if value is not None:
                clauses.append(f"t.{column} = ?")
                params.append(value)
        if since is not None:
            clauses.append("t.created_utc >= ?")
            params.append(_utc_iso(_bound(since, end=False)))
        if until is not None:
            clauses.append("t.created_utc < ?")
            params.append(_utc_iso(_bound(until, end=True)))
        if kind is not None:
            kinds = (kind,) if isinstance(kind, str) else tuple(kind)
            bad = [k for k in kinds if k not in KINDS]
            if bad:
                raise ProsodyError(f"kind={bad[0]!r} must be one of {', '.join(KINDS)}.")
            clauses.append(f"t.kind IN ({', '.join('?' * len(kinds))})")
            params.extend(kinds)
        return ("WHERE " + " AND ".join(clauses) if clauses else ""), params

    def get(self, take_id: int) -> Take:
        """The take with this id; ProsodyError when there is none."""
        rows = self._read(f"SELECT {_TAKE_COLUMNS} {_TAKE_FROM} WHERE t.id = ?", (int(take_id),))
        if not rows:
            raise ProsodyError(f"there is no take {take_id} in the practice history "
                               f"({self.home}); `calmtone history list` shows the takes kept.")
        return _take(rows[0], audio_missing=not (self.audio_dir / rows[0][10]).is_file())

    def audio_path(self, take_id: int) -> Path:
        """Where the recording of a take is kept (a FLAC file).

        Raises
        ------
        RecordingMissingError
            when the take is kept but its recording is not in the audio folder
        """
        take = self.get(take_id)
        path = self.audio_dir / take.audio_file
        if take.audio_missing:
            moved = self.quarantined().get(take.audio_file)
            where = (f"; a repair moved it to {moved.parent}, `calmtone history restore` puts "
                     "it back" if moved is not None else "")
            raise RecordingMissingError(
                f"the recording of take {take_id} ({take.audio_file}) is missing from "
                f"{self.audio_dir}{where}. The take and its measurements are kept. If you moved "
                "the file, put it back in that folder; if it is lost, you can still read the "
                f"take's results, or delete it (`calmtone history delete --take {take_id}`).")
        return path

    def audio(self, take_id: int) -> Signal:
        """The recording of a take as a :class:`~prosody.audio.Signal` (``.y``, ``.sr``), at the
        rate it was saved, read by :func:`prosody.load`."""
        import soundfile as sf

        from .audio import load

        path = self.audio_path(take_id)
        try:
            sr = sf.info(str(path)).samplerate
        except (RuntimeError, OSError):  # gone since the check: the same answer
            if not path.is_file():
                return self.audio(take_id)
            raise ProsodyError(f"the recording of take {take_id} ({path}) cannot be read as "
                               "audio; it was changed outside the app.") from None
        return load(path, sr=sr)  # as recorded, for playback

    def tracks(self, take_id: int) -> Tracks:
        """The frame tracks of a take: as stored, or from analysing its audio again.

        Takes saved before schema 3 have no stored tracks; their audio is analysed with the
        settings stored with the take (and its phrase, when the syllables came from text).
        """
        rows = self._read("SELECT n_frames, start_s, frame_s, f0_hz, loudness_db, voiced, "
                          "speech, syllable_times_s, pauses, phrases FROM take_tracks "
                          "WHERE take_id = ?", (int(take_id),))
        if rows:
            return _unpack_tracks(rows[0])
        return self.reanalyze(take_id).tracks

    def reanalyze(self, take_id: int) -> Analysis:
        """Analyse the stored recording again, with the settings stored with the take.

        The way to get a baseline's :class:`~prosody.analysis.Analysis` for the coach.
        """
        import warnings

        from .analysis import AnalysisSettings, analyze
        from .errors import ProsodyWarning

        take = self.get(take_id)
        known = {f.name for f in dataclasses.fields(AnalysisSettings)}
        settings = AnalysisSettings(**{k: v for k, v in take.settings.items() if k in known})
        text = take.phrase if take.summary.get("syllables_source") == "text" else None
        signal = self.audio(take_id)
        with warnings.catch_warnings():
            # the same warnings were given when the take was first analysed
            warnings.simplefilter("ignore", ProsodyWarning)
            return analyze(signal.y, sr=signal.sr, text=text or None, settings=settings)

    # -- assignments --------------------------------------------------------------------------

    def assign(self, person: str, *, kind: AssignmentKind, target: str, note: str | None = None,
               assigned_by: str | None = None) -> Assignment:
        """Give ``person`` a phrase set or an exercise (a new name adds that person).

        ``target`` is not checked against the content files here: the caller knows them.
        """
        name = _person_name(person)
        if kind not in ("phrase_set", "exercise"):
            raise ProsodyError(f"kind={kind!r} must be 'phrase_set' or 'exercise'.")
        if not isinstance(target, str) or not target.strip():
            raise ProsodyError(f"target={target!r} must name a phrase set or an exercise.")
        if note is not None and len(note) > MAX_NOTE_CHARS:
            raise ProsodyError(f"the note is {len(note)} characters long; keep it to at most "
                               f"{MAX_NOTE_CHARS} (a sentence or two).")
        warning = self.name_warning(name)
        with self._write("save the assignment") as con:
            person_id = _person_id(con, name, create=True)
            new_id = con.execute(
                "INSERT INTO assignments (person_id, kind, target, note, assigned_by, "
                "created_utc) VALUES (?, ?, ?, ?, ?, ?)",
                (person_id, kind, target.strip(), note or None, assigned_by or None,
                 _utc_iso(_now()))).lastrowid
        if warning:
            warnings.warn(warning, ConfusableNameWarning, stacklevel=2)
        return self.assignments(name, include_closed=True, assignment_id=new_id)[0]

    def assignments(self, person: str | None = None, *, include_closed: bool = False,
                    assignment_id: int | None = None) -> list[Assignment]:
        """Assignments, newest first: of one person or everyone, open ones unless asked."""
        clauses, params = [], []
        if person is not None:
            clauses.append("a.person_id = ?")
            params.append(self._person_id_of(person))
        if not include_closed:
            clauses.append("a.closed_utc IS NULL")
        if assignment_id is not None:
            clauses.append("a.id = ?")
            params.append(int(assignment_id))
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = self._read(
            "SELECT a.id, p.name, a.kind, a.target, a.note, a.assigned_by, a.created_utc, "
            f"a.closed_utc FROM assignments a JOIN people p ON p.id = a.person_id {where} "
            "ORDER BY a.created_utc DESC, a.id DESC", params)
        return [Assignment(*row) for row in rows]

    def close_assignment(self, assignment_id: int) -> None:
        """Mark an assignment done (or withdrawn); its takes stay."""
        with self._write("close the assignment") as con:
            cur = con.execute("UPDATE assignments SET closed_utc = ? WHERE id = ? AND "
                              "closed_utc IS NULL", (_utc_iso(_now()), int(assignment_id)))
            if cur.rowcount == 0 and con.execute("SELECT 1 FROM assignments WHERE id = ?",
                                                 (int(assignment_id),)).fetchone() is None:
                raise ProsodyError(f"there is no assignment {assignment_id}.")

    # -- people and baselines -----------------------------------------------------------------

    def add_person(self, name: str) -> Person:
        """Add someone who practises (nothing happens when the name is already there).

        Names are compared after NFKC normalisation and Unicode case folding ('Émile' and
        'ÉMILE' are one person); the first spelling is the one shown. A new name that mixes
        scripts or looks like someone already here gives a :class:`ConfusableNameWarning`
        (the same sentence as :meth:`name_warning`).
        """
        name = _person_name(name)
        warning = self.name_warning(name)
        with self._write("add a person") as con:
            _person_id(con, name, create=True)
        if warning:
            warnings.warn(warning, ConfusableNameWarning, stacklevel=2)
        return self.person(name)

    def name_warning(self, name: str) -> str | None:
        """A sentence to show before ``name`` becomes a new person, or None.

        Said when the name mixes writing systems (a Cyrillic 'А' among Latin letters) or looks
        like the name of someone already in the history ('Emile' beside 'Émile', 'Anna' beside
        'Аnna'). None for a name that is already a person here, and for a plain new name.
        Raises ProsodyError for a name that cannot be used at all (empty, too long, control
        characters).
        """
        name = _person_name(name)
        if self._person_id_of(name) != -1:
            return None
        scripts = _scripts(name)
        if len(scripts) > 1:
            return (f"the name {name!r} mixes {' and '.join(sorted(scripts))} letters, which "
                    "can look alike; check that it is typed as intended (a new person is made "
                    "for every different name).")
        skeleton = _skeleton(name)
        for (other,) in self._read("SELECT name FROM people ORDER BY id"):
            if _skeleton(other) == skeleton:
                return (f"the name {name!r} looks like {other!r}, who already practises here, "
                        f"but is written differently; if it is the same person, use {other!r} "
                        "so their takes stay together.")
        return None

    def _person_id_of(self, name: str) -> int:
        """The id of the person called ``name`` (NFKC, case-folded), or -1 when none."""
        with self._lock:
            try:
                found = _find_person(self._con, _person_name(name))
            except sqlite3.Error as exc:
                raise _storage_error(exc, "read the practice history", self.home) from exc
        return -1 if found is None else found

    def person(self, name: str) -> Person:
        rows = self._read(
            "SELECT p.name, p.created_utc, count(t.id), max(t.created_utc), p.baseline_take_id "
            "FROM people p LEFT JOIN takes t ON t.person_id = p.id WHERE p.id = ? "
            "GROUP BY p.id", (self._person_id_of(name),))
        if not rows:
            raise ProsodyError(_no_person(name))
        return Person(*rows[0])

    def people(self) -> list[Person]:
        """Everyone in the history, by name."""
        rows = self._read(
            "SELECT p.name, p.created_utc, count(t.id), max(t.created_utc), p.baseline_take_id "
            "FROM people p LEFT JOIN takes t ON t.person_id = p.id "
            "GROUP BY p.id ORDER BY p.name COLLATE NOCASE")
        return [Person(*row) for row in rows]

    def phrases(self, person: str | None = None) -> list[str]:
        """The phrases practised (by ``person``), most practised first: choices for a filter."""
        where, params = self._filters(person=person)
        rows = self._read(f"SELECT t.phrase, count(*) AS n {_TAKE_FROM} {where} "
                          "GROUP BY t.phrase ORDER BY n DESC, t.phrase", params)
        return [row[0] for row in rows]

    def scenarios(self, person: str | None = None) -> list[str]:
        """The scenarios practised (by ``person``), by name."""
        where, params = self._filters(person=person)
        where = f"{where} AND" if where else "WHERE"
        rows = self._read(f"SELECT DISTINCT t.scenario {_TAKE_FROM} {where} "
                          "t.scenario IS NOT NULL ORDER BY t.scenario", params)
        return [row[0] for row in rows]

    def set_baseline(self, person: str, take_id: int | None) -> None:
        """Make a take of ``person`` their baseline (their everyday voice); None clears it."""
        name = _person_name(person)
        with self._write("set the baseline") as con:
            found = _find_person(con, name)
            if found is None:
                raise ProsodyError(_no_person(name))
            row = (found,)
            name = con.execute("SELECT name FROM people WHERE id = ?", row).fetchone()[0]
            if take_id is not None:
                owner = con.execute("SELECT person_id FROM takes WHERE id = ?",
                                    (int(take_id),)).fetchone()
                if owner is None or owner[0] != row[0]:
                    raise ProsodyError(f"take {take_id} is not a take of {name}; choose one of "
                                       f"their own takes as their baseline.")
            con.execute("UPDATE people SET baseline_take_id = ? WHERE id = ?",
                        (None if take_id is None else int(take_id), row[0]))

    def baseline(self, person: str) -> Take | None:
        """The baseline take of ``person``, or None when they have none (or are unknown)."""
        rows = self._read("SELECT baseline_take_id FROM people WHERE id = ?",
                          (self._person_id_of(person),))
        if not rows or rows[0][0] is None:
            return None
        return self.get(rows[0][0])

    # -- deleting -----------------------------------------------------------------------------

    def delete_take(self, take_id: int) -> None:
        """Delete a take and its recording. It cannot be undone.

        The row goes first, with the file recorded as a pending delete in the same transaction;
        then the file (and any copy in the quarantine folder); then the WAL is checkpointed, so
        with ``secure_delete`` no copy of the deleted row is left in any file of the history. A
        crash in between never leaves a take without its recording: the next repair finishes
        the delete.
        """
        take = self.get(take_id)
        with self._write("delete the take") as con:
            con.execute("INSERT OR REPLACE INTO pending_deletes VALUES (?, ?)",
                        (take.audio_file, _utc_iso(_now())))
            con.execute("DELETE FROM takes WHERE id = ?", (take.id,))
        self._finish_deletes([take.audio_file])

    def delete_person(self, name: str) -> int:
        """Delete everything about a person: their takes, recordings and baseline.

        Done as :meth:`delete_take` is: rows, then files, then a WAL checkpoint.

        Returns
        -------
        int
            the number of takes deleted
        """
        name = _person_name(name)
        with self._write("delete the person's data") as con:
            person_id = _find_person(con, name)
            if person_id is None:
                raise ProsodyError(_no_person(name))
            files = [r[0] for r in con.execute("SELECT audio_file FROM takes WHERE person_id = ?",
                                               (person_id,))]
            now = _utc_iso(_now())
            con.executemany("INSERT OR REPLACE INTO pending_deletes VALUES (?, ?)",
                            [(f, now) for f in files])
            con.execute("DELETE FROM people WHERE id = ?", (person_id,))  # takes cascade
        self._finish_deletes(files)
        return len(files)

    def _unlink_everywhere(self, name: str) -> tuple[bool, bool]:
        """Remove a deleted take's recording from audio/ and quarantine: (existed, all gone)."""
        existed, ok = False, True
        for path in (self.audio_dir / name, *self.quarantine_dir.glob(f"*/{name}")):
            try:
                path.unlink()
                existed = True
            except FileNotFoundError:
                pass
            except OSError:
                ok = False
        return existed, ok

    def _finish_deletes(self, names: Sequence[str]) -> None:
        failed = [n for n in names if not self._unlink_everywhere(n)[1]]
        done = [n for n in names if n not in failed]
        with contextlib.suppress(ProsodyError):  # left pending: the next repair finishes it
            if done:
                with self._write("finish the delete") as con:
                    con.executemany("DELETE FROM pending_deletes WHERE audio_file = ?",
                                    [(n,) for n in done])
        self.checkpoint()
        if failed:
            raise ProsodyError(
                f"the takes were deleted but {len(failed)} recording(s) could not be removed "
                f"from {self.audio_dir} (e.g. {failed[0]}); they will be removed the next time "
                "the app opens, or delete them by hand."
            )

    def checkpoint(self) -> bool:
        """Copy the WAL into the database and empty it (``wal_checkpoint(TRUNCATE)``).

        With ``secure_delete`` on, what a delete freed is then overwritten in the database file
        and no older copy of it stays in the ``-wal`` file. False when another connection's
        read kept the checkpoint from finishing (the next delete or the last close does it).
        """
        with self._lock:
            try:
                busy, _, _ = self._con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            except sqlite3.Error:
                return False
        return busy == 0

    # -- progress -----------------------------------------------------------------------------

    def progress(self, person: str, feature: str = "score", *, phrase: str | None = None,
                 scenario: str | None = None, kind: Kind | Sequence[Kind] | None = "practice",
                 since: When | None = None, until: When | None = None,
                 tz: tzinfo | None = None) -> list[ProgressPoint]:
        """Per-day mean of ``feature`` over a person's takes, oldest day first.

        Parameters
        ----------
        person : str
        feature : str
            ``"score"`` or a numeric summary key (``"f0_median_hz"``, ...)
        phrase, scenario, kind, since, until
            filters, as in :meth:`takes` (``kind`` defaults to practice takes)
        tz : tzinfo or None
            the time zone whose calendar days group the takes; None: this computer's

        Returns
        -------
        list of ProgressPoint
            days without a defined value are left out
        """
        return self.progress_table(person, (feature,), phrase=phrase, scenario=scenario,
                                   kind=kind, since=since, until=until, tz=tz)[feature]

    def progress_table(self, person: str, features: Sequence[str] | None = None, *,
                       phrase: str | None = None, scenario: str | None = None,
                       kind: Kind | Sequence[Kind] | None = "practice",
                       since: When | None = None, until: When | None = None,
                       tz: tzinfo | None = None) -> dict[str, list[ProgressPoint]]:
        """:meth:`progress` for several features in one pass (default: the score and every
        numeric summary feature)."""
        numeric = progress_features()
        features = tuple(numeric if features is None else features)
        for f in features:
            if f not in numeric:
                raise ProsodyError(f"feature={f!r} cannot be charted; choose 'score' or one of "
                                   f"{', '.join(numeric[1:])}.")
        where, params = self._filters(person=person, phrase=phrase, scenario=scenario,
                                      since=since, until=until, kind=kind)
        columns = ", ".join("t.score" if f == "score" else "json_extract(t.summary_json, ?)"
                            for f in features)
        column_params = [f"$.{f}" for f in features if f != "score"]
        rows = self._read(f"SELECT t.created_utc, {columns} {_TAKE_FROM} {where} "
                          "ORDER BY t.created_utc", [*column_params, *params])
        sums = [dict() for _ in features]
        for created_utc, *values in rows:
            day = datetime.fromisoformat(created_utc).astimezone(tz).date()
            for acc, value in zip(sums, values, strict=True):
                if value is not None:
                    total, n = acc.get(day, (0.0, 0))
                    acc[day] = (total + value, n + 1)
        return {f: [ProgressPoint(d, total / n, n) for d, (total, n) in sorted(acc.items())]
                for f, acc in zip(features, sums, strict=True)}

    def practice_days(self, person: str, *, kind: Kind | Sequence[Kind] | None = "practice",
                      tz: tzinfo | None = None) -> list[date]:
        """The calendar days (in ``tz``) on which ``person`` saved a take, oldest first."""
        where, params = self._filters(person=person, kind=kind)
        rows = self._read(f"SELECT t.created_utc {_TAKE_FROM} {where}", params)
        return sorted({datetime.fromisoformat(r[0]).astimezone(tz).date() for r in rows})

    # -- export -------------------------------------------------------------------------------

    def export_csv(self, dest: PathOrFile, *, person: str | None = None, **filters) -> int:
        """Write one CSV row per take: its details, score and every summary feature.

        Returns the number of takes written. ``filters`` are those of :meth:`takes`.
        """
        takes = self.takes(person=person, newest_first=False, **filters)
        # the summary's duration_s is the take's own: one column
        keys = tuple(k for k in _summary_keys() if k != "duration_s")
        head = ["id", "person", "created_utc", "kind", "phrase", "scenario", "profile_name",
                "profile_version", "score", "duration_s", "audio_file", "recording", "exercise_id",
                "assignment_id", *keys, "tips"]
        with _text_out(dest, self.home) as f:
            w = csv.writer(f)
            w.writerow(head)
            for t in takes:
                w.writerow([t.id, *map(_csv_value, (t.person, t.created_utc, t.kind, t.phrase,
                                                      t.scenario, t.profile_name,
                                                      t.profile_version, t.score, t.duration_s)),
                            t.audio_file, "missing" if t.audio_missing else "kept",
                            *map(_csv_value, (t.exercise_id, t.assignment_id)),
                            *(_csv_value(t.summary.get(k)) for k in keys),
                            _csv_value(" | ".join(t.tips))])
        return len(takes)

    def export_json(self, dest: PathOrFile, *, person: str | None = None, **filters) -> int:
        """Write the takes (every stored field, not the audio) as one JSON document.

        The document is ``{"schema_version": 3, "exported_utc": ..., "takes": [...]}``. Returns
        the number of takes written.
        """
        takes = self.takes(person=person, newest_first=False, **filters)
        doc = {"schema_version": SCHEMA_VERSION, "exported_utc": _utc_iso(_now()),
               "person": person, "takes": [t.to_dict() for t in takes]}
        with _text_out(dest, self.home) as f:
            json.dump(doc, f, ensure_ascii=False, indent=1)
            f.write("\n")
        return len(takes)

    def report_html(self, person: str, path: str | os.PathLike[str], *,
                    since: When | None = None, until: When | None = None,
                    kind: Kind | Sequence[Kind] | None = None, tz: tzinfo | None = None) -> Path:
        """Write a printable HTML report of a person's takes, for a supervisor.

        One section per take, oldest first: when, phrase, scenario, score, the main summary
        features, the coach's tips and the pitch contour as an inline SVG image (no scripts,
        no external files: it prints and mails as one file).

        Returns
        -------
        Path
            where the report was written
        """
        name = self.person(person).name
        takes = self.takes(person=name, since=since, until=until, kind=kind,
                           newest_first=False)
        baseline = self.baseline(name)
        sections = [_take_section(t, self.tracks(t.id), tz, is_baseline=baseline is not None
                                  and baseline.id == t.id) for t in takes]
        doc = _report_document(name, takes, sections, tz)
        out = Path(path)
        with _text_out(out, self.home) as f:
            f.write(doc)
        return out


# ---------------------------------------------------------------------------------------------
# Helpers: database


class _ReadOnly(Exception):
    """The history can be read but not written (raised inside :meth:`Store.open`)."""


def _connect(db_path: Path) -> sqlite3.Connection:
    # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT)
    con = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                          check_same_thread=False)
    try:
        con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        con.execute("PRAGMA foreign_keys = ON")
        # FULL: a committed take survives a power cut, not only a crash of the app
        con.execute("PRAGMA synchronous = FULL")
        # deleted takes are overwritten with zeros, not left readable in free pages
        con.execute("PRAGMA secure_delete = ON")
        with contextlib.suppress(sqlite3.OperationalError):  # read-only: keep its mode
            con.execute("PRAGMA journal_mode = WAL")
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()  # fails early if unreadable
    except BaseException:
        con.close()
        raise
    return con


def _connect_read_only(db_path: Path) -> sqlite3.Connection | None:
    """Open a history for reading only, or None when even that fails.

    A WAL database needs its ``-shm`` file, which a read-only folder cannot hold once the last
    writer closed it; ``immutable=1`` then reads the database file alone, which is complete
    because a clean close checkpoints everything into it.
    """
    uri = db_path.resolve().as_uri()
    for query in ("mode=ro", "immutable=1"):
        con = None
        try:
            con = sqlite3.connect(f"{uri}?{query}", uri=True, isolation_level=None,
                                  check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return con
        except sqlite3.Error:
            if con is not None:
                con.close()
    return None


def _schema_version(con: sqlite3.Connection) -> int:
    exists = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                         "AND name = 'schema_migrations'").fetchone()
    if not exists:
        return 0
    return int(con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations")
               .fetchone()[0])


def _person_name(name: str) -> str:
    """A person's name as kept: NFKC-normalised, whitespace collapsed, checked."""
    if not isinstance(name, str):
        raise ProsodyError(f"a person's name must be text, not {type(name).__name__}.")
    clean = " ".join(unicodedata.normalize("NFKC", name).split())
    if not clean:
        raise ProsodyError("a person's name is empty; give the name of who is practising.")
    if len(clean) > MAX_NAME_CHARS:
        raise ProsodyError(f"the name {clean[:20]!r}... is {len(clean)} characters long; "
                           f"use at most {MAX_NAME_CHARS}.")
    bad = [ch for ch in clean if unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Cn")]
    if bad:
        raise ProsodyError(f"the name {clean!r} contains an invisible or control character "
                           f"(U+{ord(bad[0]):04X}); type the name with letters, digits and "
                           "spaces only.")
    return clean


def _name_key(name: str) -> str:
    """The key two spellings of one name share: NFKC and Unicode case folding, so 'Émile',
    'ÉMILE' and 'e\u0301mile' are one person ('NOCASE' folds ASCII letters only)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def _fill_name_keys(con: sqlite3.Connection) -> None:
    """Migration 5: a key for each existing person. Two people whose names fold to one key
    (possible before: 'Émile' and 'émile') both stay; the later one's key gets its id, so it
    is still listed and can be renamed or deleted, and new takes go to the first."""
    seen: set[str] = set()
    for person_id, name in con.execute("SELECT id, name FROM people ORDER BY id").fetchall():
        key = _name_key(name)
        if key in seen:
            key = f"{key}#{person_id}"
        seen.add(key)
        con.execute("UPDATE people SET name_key = ? WHERE id = ?", (key, person_id))


def _find_person(con: sqlite3.Connection, name: str) -> int | None:
    row = con.execute("SELECT id FROM people WHERE name_key = ?", (_name_key(name),)).fetchone()
    return None if row is None else int(row[0])


def _person_id(con: sqlite3.Connection, name: str, *, create: bool) -> int:
    found = _find_person(con, name)
    if found is not None:
        return found
    if not create:
        raise ProsodyError(_no_person(name))
    return con.execute("INSERT INTO people (name, name_key, created_utc) VALUES (?, ?, ?)",
                       (name, _name_key(name), _utc_iso(_now()))).lastrowid


#: Letters that look like Latin ones in other scripts, mapped to the Latin letter they mimic
#: (the commonest confusables of Unicode TR 39; enough to catch a Cyrillic 'А' in 'Аnna').
_HOMOGLYPHS = str.maketrans({
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ı": "i", "0": "o", "1": "l", "|": "l",
})


def _skeleton(name: str) -> str:
    """What a name looks like: case folded, accents dropped, look-alike letters mapped to
    Latin, spaces and punctuation ignored. 'Émile', 'Emile' and 'Еmile' (Cyrillic Е) match."""
    folded = unicodedata.normalize("NFKD", _name_key(name))
    bare = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return "".join(ch for ch in bare.translate(_HOMOGLYPHS) if ch.isalnum())


def _scripts(name: str) -> set[str]:
    """The writing systems of a name's letters ('Latin', 'Cyrillic', ...)."""
    found = set()
    for ch in name:
        if ch.isalpha():
            found.add(unicodedata.name(ch, "UNKNOWN").split()[0].title())
    return found


def _no_person(name: str) -> str:
    return (f"there is nobody called {name!r} in the practice history; "
            "`calmtone history list` shows who has practised.")


def _take(row: tuple, *, audio_missing: bool = False) -> Take:
    (take_id, person, created_utc, kind, phrase, scenario, profile_name, profile_version, score,
     duration_s, audio_file, exercise_id, assignment_id, settings, summary, feedback) = row
    return Take(id=take_id, person=person, created_utc=created_utc, kind=kind, phrase=phrase,
                scenario=scenario, profile_name=profile_name, profile_version=profile_version,
                score=score, duration_s=duration_s, audio_file=audio_file,
                settings_json=settings, summary_json=summary, feedback_json=feedback,
                exercise_id=exercise_id, assignment_id=assignment_id,
                audio_missing=audio_missing)


def _pack_tracks(tracks: Tracks) -> tuple:
    time_s = np.asarray(tracks.time_s, dtype=float)
    n = int(time_s.size)
    frame_s = float(time_s[1] - time_s[0]) if n > 1 else FRAME_S
    # float32 halves the size; 1e-7 relative is far below what pitch or level can resolve
    return (n, float(time_s[0]) if n else 0.0, frame_s,
            np.asarray(tracks.f0_hz, dtype="<f4").tobytes(),
            np.asarray(tracks.loudness_db, dtype="<f4").tobytes(),
            np.packbits(np.asarray(tracks.voiced, dtype=bool)).tobytes(),
            np.packbits(np.asarray(tracks.speech, dtype=bool)).tobytes(),
            _dumps([float(t) for t in tracks.syllable_times_s]),
            _dumps([[float(a), float(b)] for a, b in tracks.pauses]),
            _dumps([[float(a), float(b)] for a, b in tracks.phrases]))


def _unpack_tracks(row: tuple) -> Tracks:
    from .analysis import Tracks

    n, start_s, frame_s, f0, loud, voiced, speech, syl, pauses, phrases = row
    return Tracks(
        time_s=start_s + np.arange(n) * frame_s,
        f0_hz=np.frombuffer(f0, dtype="<f4").astype(np.float64),
        voiced=np.unpackbits(np.frombuffer(voiced, dtype=np.uint8), count=n).astype(bool),
        loudness_db=np.frombuffer(loud, dtype="<f4").astype(np.float64),
        speech=np.unpackbits(np.frombuffer(speech, dtype=np.uint8), count=n).astype(bool),
        syllable_times_s=np.asarray(json.loads(syl), dtype=float),
        pauses=tuple((a, b) for a, b in json.loads(pauses)),
        phrases=tuple((a, b) for a, b in json.loads(phrases)),
    )


# ---------------------------------------------------------------------------------------------
# Helpers: files and errors


def _encode_flac(y: np.ndarray, sr: int) -> bytes:
    import soundfile as sf

    buf = io.BytesIO()
    # libsndfile wraps around rather than clips out-of-range floats when writing integers
    sf.write(buf, np.clip(y, -1.0, 1.0), sr, format="FLAC", subtype="PCM_16")
    return buf.getvalue()


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file only its owner may read (0600 from the start), flushed to
    disk. The file must not exist yet."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 _FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise


def _publish_audio(temp: Path, final: Path) -> None:
    """Give a saved recording its final name, durably (rename, then fsync the folder)."""
    try:
        os.replace(temp, final)
    except FileNotFoundError:
        # another process's repair, opening between our commit and this rename, finished it
        if not final.is_file():
            raise
    _fsync_dir(final.parent)


def _create_private(path: Path) -> None:
    """Create ``path`` empty and private (0600) unless it exists: SQLite gives the -wal and
    -shm files the permissions of the database file, so they are private too."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE))


def _make_private(home: Path) -> None:
    """Tighten the history's folders to 0700 and its files to 0600 where they are looser and
    this account owns them (a history made by an older version, or copied in).

    A home folder that is already 0700 lets no one else reach anything inside it, so its
    contents are only walked when it was looser: an open of a large history costs one stat.
    """
    if os.name != "posix":
        return
    uid = os.getuid()

    def tighten(path: str, mode: int) -> bool:
        """Set ``mode`` if the path is ours and looser; True when it was looser."""
        with contextlib.suppress(OSError):
            st = os.lstat(path)
            if st.st_uid == uid and not stat.S_ISLNK(st.st_mode) and st.st_mode & 0o777 & ~mode:
                os.chmod(path, mode)
                return True
        return False

    if not tighten(str(home), _DIR_MODE):
        return
    for folder, dirs, files in os.walk(home):  # symbolic links are not followed
        for name in dirs:
            tighten(os.path.join(folder, name), _DIR_MODE)
        for name in files:
            tighten(os.path.join(folder, name), _FILE_MODE)


def _refused_message(home: str, n: int) -> str:
    return (f"the practice history database in {home} lists no take, but its audio folder holds "
            f"{n} recording{'s' * (n != 1)}: the database was probably moved, replaced by an "
            "older copy or reset. Nothing was moved or deleted. Close the app, put the earlier "
            "history.sqlite3 (with its -wal file, if any) back in that folder and open it "
            "again; or keep the recordings as new takes with "
            "`calmtone history restore --adopt NAME`.")


def _quarantine_readme(home: Path, folder: Path, moved: Sequence[str]) -> str:
    listed = "\n".join(f"  {name}" for name in moved)
    return (
        "Calm Tone Coach moved these recordings here; nothing was deleted.\n\n"
        f"When the practice history in {home} was opened, no take in its database referred to "
        "them. That happens when history.sqlite3 is replaced by an older copy or its -wal file "
        "is lost.\n\n"
        "To put them back: close the app, put back the copy of history.sqlite3 that lists them, "
        "then run `calmtone history restore`. To keep them as new takes of a person instead: "
        "`calmtone history restore --adopt NAME`. If you do not need them, delete this folder.\n\n"
        f"Recordings ({len(moved)}):\n{listed}\n")


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # Windows makes a rename durable without it
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
_SQLITE_READONLY, _SQLITE_FULL, _SQLITE_PERM, _SQLITE_CANTOPEN = 8, 13, 3, 14
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_CORRUPT, _SQLITE_NOTADB = 5, 6, 11, 26


def _sqlite_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    return None if code is None else code & 0xFF


def _is_read_only(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in _READ_ONLY_ERRNOS
    if isinstance(exc, sqlite3.Error):
        code = _sqlite_code(exc)
        text = str(exc).lower()
        return code in (_SQLITE_READONLY, _SQLITE_PERM) or "readonly" in text
    return False


def _read_only_message(home: Path, doing: str) -> str:
    return (f"could not {doing}: the practice history folder {home} is read-only (or you may "
            "not write to it), so nothing was saved. Your earlier takes are safe. Make the "
            "folder writable, or set CALMTONE_HOME to a folder you can write to.")


def _storage_error(exc: BaseException, doing: str, home: Path) -> ProsodyError:
    """A sentence a person can act on, for an OS or SQLite failure."""
    text = str(exc).lower()
    code = _sqlite_code(exc) if isinstance(exc, sqlite3.Error) else None
    if (isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS) or code == _SQLITE_FULL or (
            code is None and "full" in text):
        return ProsodyError(
            f"could not {doing}: the disk holding {home} is full, so nothing was saved. Your "
            "earlier takes are safe. Free some space (or delete old takes) and try again.")
    if _is_read_only(exc):
        return ProsodyError(_read_only_message(home, doing))
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in text:
        return ProsodyError(
            f"could not {doing}: another Calm Tone Coach window kept the practice history busy "
            f"for more than {BUSY_TIMEOUT_MS // 1000} s. Nothing was lost; try again.")
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "malformed" in text:
        return ProsodyError(
            f"could not {doing}: {home / DB_NAME} is damaged or is not a practice history. "
            "Restore it from a backup, or move it aside to start a new history.")
    if code == _SQLITE_CANTOPEN or isinstance(exc, FileNotFoundError):
        return ProsodyError(
            f"could not {doing}: {home} cannot be opened (is the folder there, and may you "
            "read and write it?).")
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return ProsodyError(f"could not {doing} in {home}: {reason}. Earlier takes are safe.")


@contextlib.contextmanager
def _text_out(dest: PathOrFile, home: Path) -> Iterator[IO[str]]:
    """A text stream for an export: the file object given, or a file written atomically."""
    if hasattr(dest, "write"):
        yield dest  # type: ignore[misc]
        return
    out = Path(dest)
    temp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.tmp")
    try:
        # private from the start, like everything the history writes
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
        with open(fd, "w", encoding="utf-8", newline="") as f:
            yield f
        os.replace(temp, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise _storage_error(exc, f"write {out}", out.parent) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


# ---------------------------------------------------------------------------------------------
# Helpers: values, times and JSON


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _utc_iso(dt: datetime) -> str:
    """The stored form: ISO 8601 in UTC, fixed width, so text order is time order."""
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _as_datetime(value: When) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ProsodyError(f"{value!r} is not a date or time; write it as 2026-11-27 or "
                               "2026-11-27T20:30.") from None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.astimezone()  # naive: local time
    if isinstance(value, date):
        return datetime.combine(value, time()).astimezone()
    raise ProsodyError(f"{value!r} must be a datetime, a date or an ISO 8601 string.")


def _bound(value: When, *, end: bool) -> datetime:
    """A filter bound; a whole day (a date, or a date-only string) ends at the next midnight."""
    whole_day = (isinstance(value, date) and not isinstance(value, datetime)) or (
        isinstance(value, str) and len(value.strip()) == 10)
    dt = _as_datetime(value)
    if end and whole_day:
        dt = datetime.combine(dt.date() + timedelta(days=1), time()).astimezone()
    return dt


def _dumps(obj) -> str:
    return json.dumps(_jsonable(obj), ensure_ascii=False, allow_nan=False,
                      separators=(",", ":"))


def _jsonable(obj):
    """Plain JSON values: numpy numbers become Python ones, NaN and inf become null."""
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _jsonable(obj.to_dict() if hasattr(obj, "to_dict") else dataclasses.asdict(obj))
    raise ProsodyError(f"{type(obj).__name__} value {obj!r} cannot be stored; the feedback must "
                       "hold only text, numbers, lists and dicts.")


def _feedback_dict(feedback) -> dict | None:
    if feedback is None:
        return None
    if hasattr(feedback, "to_dict"):
        feedback = feedback.to_dict()
    if not isinstance(feedback, Mapping):
        raise ProsodyError(f"feedback must be a dict (or the coach's Feedback), "
                           f"not {type(feedback).__name__}.")
    return _jsonable(feedback)


def _tips(feedback: dict | None) -> tuple[str, ...]:
    if not feedback:
        return ()
    out = []
    for tip in feedback.get("tips") or ():
        if isinstance(tip, Mapping):
            tip = tip.get("text") or tip.get("message") or ""
        if tip:
            out.append(str(tip))
    return tuple(out)


def _summary_keys() -> tuple[str, ...]:
    from .analysis import Summary

    return tuple(f.name for f in dataclasses.fields(Summary))


def progress_features() -> tuple[str, ...]:
    """What :meth:`Store.progress` can chart: ``"score"`` and the numeric summary features."""
    return ("score", *(k for k in _summary_keys() if k != "syllables_source"))


def _csv_value(v):
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return int(v)  # a score of 72, not 72.0
    if isinstance(v, str):
        return csv_text(v)
    return v  # the stored value, in full: a spreadsheet rounds for display, not the file


#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_text(text: str) -> str:
    """A text cell a spreadsheet shows as text: one that would start a formula (``=``, ``+``,
    ``-``, ``@``, tab, carriage return, or their full-width forms) gets a leading apostrophe,
    as OWASP advises. Numbers are written as numbers and never pass through here."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def streak_days(days: Iterable[date], *, today: date | None = None) -> int:
    """Consecutive days of practice ending today (or yesterday, if today has none yet).

    Parameters
    ----------
    days : iterable of date
        the days with practice, e.g. :meth:`Store.practice_days`
    today : date or None
        None means today's local date
    """
    have = set(days)
    day = today or date.today()
    if day not in have:
        day -= timedelta(days=1)
    n = 0
    while day in have:
        n += 1
        day -= timedelta(days=1)
    return n


# ---------------------------------------------------------------------------------------------
# The report

# (summary key, label, unit, digits): what a supervisor looks at first
_REPORT_FEATURES = (
    ("f0_median_hz", "Pitch, median", "Hz", 0),
    ("f0_range_st", "Pitch range", "st", 1),
    ("f0_velocity_st_per_s", "Pitch movement", "st/s", 1),
    ("final_fall_fraction", "Phrase ends that fall", "", 2),
    ("articulation_rate_syl_per_s", "Articulation rate", "syl/s", 2),
    ("pause_ratio", "Time pausing", "", 2),
    ("loudness_db", "Loudness", "dBFS", 1),
    ("onset_slope_db_per_s", "Onset steepness", "dB/s", 0),
    ("alpha_ratio_db", "Brightness (alpha ratio)", "dB", 1),
)

_CSS = """
body { font: 11pt/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
       max-width: 190mm; margin: 1em auto; padding: 0 1em; }
h1 { font-size: 18pt; margin-bottom: 0.2em; } h2 { font-size: 12pt; margin: 0 0 0.3em; }
.meta { color: #555; } .take { border-top: 1px solid #bbb; padding: 0.8em 0;
break-inside: avoid; page-break-inside: avoid; }
.score { font-size: 16pt; font-weight: 600; float: right; } .score small { font-size: 9pt; }
table { border-collapse: collapse; font-size: 9.5pt; margin: 0.4em 0; }
td, th { padding: 1px 8px 1px 0; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.low, .high { color: #a33; } .ok { color: #2a6; }
svg { display: block; margin: 0.3em 0; } ol { margin: 0.3em 0; padding-left: 1.4em; }
@page { size: A4; margin: 14mm; } @media print { body { margin: 0; max-width: none; } }
"""


def _report_document(person: str, takes: list[Take], sections: list[str],
                     tz: tzinfo | None) -> str:
    esc = html.escape
    scored = [t.score for t in takes if t.score is not None]
    if takes:
        first, last = takes[0].created.astimezone(tz), takes[-1].created.astimezone(tz)
        span = f"{len(takes)} take{'s' * (len(takes) != 1)}, {first:%d %b %Y} to {last:%d %b %Y}"
    else:
        span = "no takes saved yet"
    overview = ""
    if len(scored) >= 2:
        k = max(1, min(5, len(scored) // 2))
        early, late = sum(scored[:k]) / k, sum(scored[-k:]) / k
        overview = (f"<p>Mean calm score of the first {k} scored take{'s' * (k != 1)}: "
                    f"<b>{early:.0f}</b>; of the last {k}: <b>{late:.0f}</b> (0 to 100).</p>")
    generated = _now().astimezone(tz)
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Calm Tone Coach: practice report for {esc(person)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Practice report: {esc(person)}</h1>",
        f'<p class="meta">{esc(span)}. Written {generated:%d %b %Y %H:%M} by Calm Tone Coach. '
        "Pitch contours are drawn on a semitone scale; grey bands are pauses, ticks below are "
        "syllables.</p>",
        overview, *sections, "</body></html>", ""])


def _take_section(take: Take, tracks: Tracks, tz: tzinfo | None, *, is_baseline: bool) -> str:
    esc = html.escape
    when = take.created.astimezone(tz)
    kind = "baseline (everyday voice)" if is_baseline else take.kind
    details = [f"{when:%a %d %b %Y, %H:%M}", kind]
    if take.scenario:
        details.append(f"scenario: {take.scenario}")
    if take.profile_name:
        details.append(f"profile: {take.profile_name} {take.profile_version or ''}".strip())
    details.append(f"{take.duration_s:.1f} s")
    score = ("" if take.score is None else
             f'<div class="score">{take.score:.0f}<small> / 100</small></div>')
    feedback = take.feedback or {}
    judged = [f for f in feedback.get("features") or () if isinstance(f, Mapping)]
    rows = _judged_rows(judged) if judged else _summary_rows(take.summary)
    notes = []
    quality = feedback.get("quality")
    if isinstance(quality, Mapping) and quality.get("message"):
        notes.append(f"<p><i>Not scored:</i> {esc(str(quality['message']))}</p>")
    if take.tips:
        notes.append("<ol>" + "".join(f"<li>{esc(t)}</li>" for t in take.tips) + "</ol>")
    if feedback.get("well"):
        notes.append(f"<p><i>Went well:</i> {esc(str(feedback['well']))}</p>")
    phrase = take.phrase or "(free speech)"
    return "\n".join([
        f'<section class="take" id="take-{take.id}">', score,
        f"<h2>“{esc(phrase)}”</h2>",
        f'<div class="meta">Take {take.id} · {esc(" · ".join(details))}</div>',
        contour_svg(tracks, label=f"Pitch contour of take {take.id}"),
        "<table>", *rows, "</table>", *notes, "</section>"])


def _number(value, unit: str = "", digits: int | None = None) -> str:
    """A value to read, not to compute with: about three significant digits by default."""
    if value is None:
        return "—"
    if digits is None:
        digits = 2 if abs(value) < 1 else 1 if abs(value) < 100 else 0
    return f"{value:.{digits}f} {unit}".strip()


def _judged_rows(features: list[Mapping]) -> list[str]:
    """The coach's verdicts: measure, the compared value and the target it was held to."""
    esc = html.escape
    rows = ["<tr><th>Feature</th><th>Measured</th><th>Compared</th><th>Target</th>"
            "<th>Verdict</th></tr>"]
    for f in features:
        unit = str(f.get("unit") or "")
        low, high = f.get("target_low"), f.get("target_high")
        if low is None and high is None:
            target = "—"
        elif low is None:
            target = f"≤ {_number(high, unit)}"
        elif high is None:
            target = f"≥ {_number(low, unit)}"
        else:
            target = f"{_number(low)} to {_number(high, unit)}"
        compared = _number(f.get("value"), unit)
        if f.get("relative_to") == "baseline":
            compared += " vs baseline"
        verdict = str(f.get("verdict") or "")
        rows.append(
            f"<tr><td>{esc(str(f.get('label') or f.get('name')))}</td>"
            f'<td class="num">{esc(_number(f.get("measured"), str(f.get("measured_unit") or "")))}'
            f'</td><td class="num">{esc(compared)}</td><td>{esc(target)}</td>'
            f'<td class="{esc(verdict)}">{esc(verdict)}</td></tr>')
    return rows


def _summary_rows(summary: Mapping) -> list[str]:
    esc = html.escape
    return [f'<tr><td>{esc(label)}</td><td class="num">'
            f"{esc(_number(summary.get(key), unit, digits))}</td></tr>"
            for key, label, unit, digits in _REPORT_FEATURES]


def contour_svg(tracks: Tracks, *, width_px: int = 640, height_px: int = 150,
                label: str = "Pitch contour") -> str:
    """The pitch contour of a take as an inline SVG image.

    Pitch is drawn on a semitone scale (Hz labels at the side), a line per voiced run; pauses
    are grey bands and syllable nuclei ticks along the bottom.

    Parameters
    ----------
    tracks : Tracks
        from an analysis or :meth:`Store.tracks`
    width_px, height_px : int
        size of the image in CSS pixels

    Returns
    -------
    str
        an ``<svg>`` element, self-contained
    """
    esc = html.escape
    t = np.asarray(tracks.time_s, dtype=float)
    f0 = np.asarray(tracks.f0_hz, dtype=float)
    voiced = np.asarray(tracks.voiced, dtype=bool) & np.isfinite(f0) & (f0 > 0)
    left, right, top, bottom = 44, 8, 8, 22
    plot_w, plot_h = width_px - left - right, height_px - top - bottom
    t_end = float(t[-1] + FRAME_S) if t.size else 1.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_px}" height="{height_px}" '
             f'viewBox="0 0 {width_px} {height_px}" role="img" aria-label="{esc(label)}">',
             f"<title>{esc(label)}</title>",
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" '
             'stroke="#ccc"/>']

    def x_of(time_s):
        return left + plot_w * np.asarray(time_s, dtype=float) / t_end

    for start_s, end_s in tracks.pauses:
        x0, x1 = x_of(start_s), x_of(end_s)
        parts.append(f'<rect x="{x0:.1f}" y="{top}" width="{max(x1 - x0, 0.5):.1f}" '
                     f'height="{plot_h}" fill="#e4e4e4"/>')
    if voiced.any():
        st = 12 * np.log2(f0[voiced])
        lo, hi = math.floor(st.min() - 1.5), math.ceil(st.max() + 1.5)
        hi = max(hi, lo + 6)  # a flat contour still gets half an octave of room

        def y_of(st_values):
            return top + plot_h * (hi - np.asarray(st_values)) / (hi - lo)

        for hz in (50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000):
            s = 12 * math.log2(hz)
            if lo <= s <= hi:
                y = float(y_of(s))
                parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" '
                             f'y2="{y:.1f}" stroke="#ddd"/><text x="{left - 4}" y="{y + 3:.1f}" '
                             f'font-size="9" text-anchor="end" fill="#666">{hz} Hz</text>')
        all_st = np.full(f0.shape, np.nan)
        all_st[voiced] = 12 * np.log2(f0[voiced])
        xs, ys = x_of(t), y_of(all_st)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], voiced.astype(np.int8), [0]])))
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs[a:b], ys[a:b], strict=True))
            if b - a == 1:
                parts.append(f'<circle cx="{xs[a]:.1f}" cy="{ys[a]:.1f}" r="1" fill="#2b5fa6"/>')
            else:
                parts.append(f'<polyline points="{pts}" fill="none" stroke="#2b5fa6" '
                             'stroke-width="1.6" stroke-linejoin="round"/>')
    else:
        parts.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" font-size="11" '
                     'text-anchor="middle" fill="#666">no voiced speech</text>')
    for s in tracks.syllable_times_s:
        x = float(x_of(s))
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + plot_h}" '
                     f'y2="{top + plot_h + 5}" stroke="#444"/>')
    step_s = 1.0 if t_end <= 12 else 5.0
    for k in range(int(t_end / step_s) + 1):
        x = float(x_of(k * step_s))
        parts.append(f'<text x="{x:.1f}" y="{height_px - 4}" font-size="9" text-anchor="middle" '
                     f'fill="#666">{k * step_s:g} s</text>')
    parts.append("</svg>")
    return "".join(parts)
