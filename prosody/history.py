"""Practice history: every saved take kept safely, listed, charted, exported and deleted.

One folder holds everything (``CALMTONE_HOME``, else the user data directory, see
:func:`data_dir`)::

    history.sqlite3          takes, people, baselines, frame tracks (SQLite, WAL)
    audio/take-....flac      the recording of each take, one FLAC file per take

A take is saved atomically. Inside one SQLite write transaction the audio goes to a temporary
file in ``audio/``, is flushed to disk, renamed to its final name, and only then is the row
committed. After a crash there is the whole take or none of it: :meth:`Store.repair` (run on
every open) removes temporary files, audio without a row and rows without audio. Because saving
and repair both hold the database's write lock, a repair never mistakes another window's take
in progress for debris.

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
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import cached_property
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal, Union, get_args

import numpy as np

from .errors import ProsodyError
from .util import FRAME_S, check_audio

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import Analysis, Tracks
    from .audio import Signal

Kind = Literal["practice", "baseline", "model", "exercise"]
KINDS: tuple[str, ...] = get_args(Kind)

#: The schema version this code writes; opening an older history upgrades it to this.
SCHEMA_VERSION = 4
DB_NAME = "history.sqlite3"
AUDIO_DIR = "audio"
#: How long a write waits for another window or process to finish its own, in milliseconds.
BUSY_TIMEOUT_MS = 15_000
#: Longest person name, in characters (it is shown in lists and reports).
MAX_NAME_CHARS = 80

_AUDIO_PREFIX = "take-"
_AUDIO_SUFFIX = ".flac"
_TEMP_PREFIX = ".tmp-"
_AUDIO_NAME = re.compile(r"^take-\d{8}T\d{6}Z-[0-9a-f]{12}\.flac$")

PathOrFile = Union[str, "os.PathLike[str]", IO[str]]
When = datetime | date | str

# One tuple of statements per version. Never edit a released migration: add a new one.
MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
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


@dataclass(frozen=True)
class Take:
    """One saved take, as stored.

    ``settings``, ``summary`` and ``feedback`` are the JSON objects saved with it: the
    :class:`~prosody.analysis.AnalysisSettings` as a dict, ``Summary.to_dict()`` and the coach's
    feedback dict (None when the take was saved without coaching). They are parsed from the
    stored JSON (``*_json``) on first use, so listing 10,000 takes does not parse 30,000 JSON
    documents. ``created_utc`` is ISO 8601 in UTC, e.g. ``2026-11-27T20:31:05.123+00:00``. The
    recording is ``Store.audio(take.id)``.
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
    """What :meth:`Store.repair` removed: debris of interrupted saves and deletes."""

    temp_files: tuple[str, ...] = ()
    audio_without_take: tuple[str, ...] = ()
    takes_without_audio: tuple[int, ...] = ()

    @property
    def clean(self) -> bool:
        return not (self.temp_files or self.audio_without_take or self.takes_without_audio)


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
            (home / AUDIO_DIR).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if not db_path.exists():
                raise _storage_error(exc, "create the practice history folder", home) from exc
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
                    for sql in statements:
                        con.execute(sql)
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
        """Remove what interrupted saves and deletes left behind; runs on every open.

        Removes temporary audio files, audio files that no take refers to, and takes whose
        audio file is missing (a take is kept whole or not at all). Nothing is removed when the
        audio folder itself is missing or unreadable: that is a moved or broken folder, not
        debris, and the takes stay until it is back.
        """
        if not self.writable:
            return RepairReport()
        with self._write("check the practice history", read_only_ok=True) as con:
            try:
                names = os.listdir(self.audio_dir)
            except OSError:
                return RepairReport()
            stored = {row[1]: row[0] for row in con.execute("SELECT id, audio_file FROM takes")}
            temp = [n for n in names if n.startswith(_TEMP_PREFIX + _AUDIO_PREFIX)]
            present = {n for n in names if _AUDIO_NAME.match(n)}
            orphans = sorted(present - stored.keys())
            missing = sorted(stored[n] for n in stored.keys() - present)
            if missing:
                con.executemany("DELETE FROM takes WHERE id = ?", [(i,) for i in missing])
            for name in [*temp, *orphans]:
                # a file that cannot be removed now (read-only folder) is tried again next time
                with contextlib.suppress(OSError):
                    (self.audio_dir / name).unlink()
        return RepairReport(tuple(sorted(temp)), tuple(orphans), tuple(missing))

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
        written = False
        try:
            with self._write("save the take") as con:
                _write_atomically(final, flac)
                written = True
                person_id = _person_id(con, name, create=True)
                take_id = con.execute(
                    "INSERT INTO takes (person_id, created_utc, phrase, scenario, profile_name, "
                    "profile_version, settings_json, summary_json, feedback_json, score, "
                    "duration_s, audio_file, kind, exercise_id, assignment_id) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (person_id, when, phrase, scenario, profile_name, profile_version,
                     settings_json, summary_json, feedback_json,
                     None if score is None else float(score), y.size / float(sr), audio_file,
                     kind, exercise_id, assignment_id),
                ).lastrowid
                con.execute("INSERT INTO take_tracks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (take_id, *tracks_row))
        except BaseException:
            if written:  # the row was not committed: the audio must not outlive it
                with contextlib.suppress(OSError):
                    final.unlink()
            raise
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
        return [_take(row) for row in self._read(sql, params)]

    def count(self, **filters) -> int:
        """How many takes match; the filters are those of :meth:`takes`."""
        where, params = self._filters(**filters)
        return int(self._read(f"SELECT count(*) {_TAKE_FROM} {where}", params)[0][0])

    def _filters(self, *, person=None, phrase=None, scenario=None, since=None, until=None,
                 kind=None, exercise_id=None, assignment_id=None) -> tuple[str, list]:
        clauses, params = [], []
        if person is not None:
            clauses.append("p.name = ?")
            params.append(_person_name(person))
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
        return _take(rows[0])

    def audio_path(self, take_id: int) -> Path:
        """Where the recording of a take is kept (a FLAC file)."""
        return self.audio_dir / self.get(take_id).audio_file

    def audio(self, take_id: int) -> Signal:
        """The recording of a take as a :class:`~prosody.audio.Signal` (``.y``, ``.sr``), at the
        rate it was saved, read by :func:`prosody.load`."""
        import soundfile as sf

        from .audio import load

        path = self.audio_path(take_id)
        if not path.exists():
            raise ProsodyError(f"the recording of take {take_id} ({path.name}) is missing from "
                               f"{self.audio_dir}; it was removed outside the app.")
        return load(path, sr=sf.info(str(path)).samplerate)  # as recorded, for playback

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
        with self._write("save the assignment") as con:
            person_id = _person_id(con, name, create=True)
            new_id = con.execute(
                "INSERT INTO assignments (person_id, kind, target, note, assigned_by, "
                "created_utc) VALUES (?, ?, ?, ?, ?, ?)",
                (person_id, kind, target.strip(), note or None, assigned_by or None,
                 _utc_iso(_now()))).lastrowid
        return self.assignments(name, include_closed=True, assignment_id=new_id)[0]

    def assignments(self, person: str | None = None, *, include_closed: bool = False,
                    assignment_id: int | None = None) -> list[Assignment]:
        """Assignments, newest first: of one person or everyone, open ones unless asked."""
        clauses, params = [], []
        if person is not None:
            clauses.append("p.name = ?")
            params.append(_person_name(person))
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
        """Add someone who practises (nothing happens when the name is already there)."""
        name = _person_name(name)
        with self._write("add a person") as con:
            _person_id(con, name, create=True)
        return self.person(name)

    def person(self, name: str) -> Person:
        rows = self._read(
            "SELECT p.name, p.created_utc, count(t.id), max(t.created_utc), p.baseline_take_id "
            "FROM people p LEFT JOIN takes t ON t.person_id = p.id WHERE p.name = ? "
            "GROUP BY p.id", (_person_name(name),))
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
            row = con.execute("SELECT id FROM people WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise ProsodyError(_no_person(name))
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
        rows = self._read("SELECT baseline_take_id FROM people WHERE name = ?",
                          (_person_name(person),))
        if not rows or rows[0][0] is None:
            return None
        return self.get(rows[0][0])

    # -- deleting -----------------------------------------------------------------------------

    def delete_take(self, take_id: int) -> None:
        """Delete a take and its recording. It cannot be undone."""
        take = self.get(take_id)
        with self._write("delete the take") as con:
            con.execute("DELETE FROM takes WHERE id = ?", (take.id,))
        # after the commit: a crash here leaves only an unreferenced file, which repair removes
        self._unlink_audio([take.audio_file])

    def delete_person(self, name: str) -> int:
        """Delete everything about a person: their takes, recordings and baseline.

        Returns
        -------
        int
            the number of takes deleted
        """
        name = _person_name(name)
        with self._write("delete the person's data") as con:
            row = con.execute("SELECT id FROM people WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise ProsodyError(_no_person(name))
            files = [r[0] for r in con.execute("SELECT audio_file FROM takes WHERE person_id = ?",
                                               (row[0],))]
            con.execute("DELETE FROM people WHERE id = ?", (row[0],))  # takes cascade
        self._unlink_audio(files)
        # secure_delete zeroes the freed pages; the checkpoint moves them out of the WAL so no
        # copy of the deleted rows stays behind on disk
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(files)

    def _unlink_audio(self, names: Iterable[str]) -> None:
        failed = []
        for name in names:
            try:
                (self.audio_dir / name).unlink()
            except FileNotFoundError:
                pass
            except OSError:
                failed.append(name)
        if failed:
            raise ProsodyError(
                f"the takes were deleted but {len(failed)} recording(s) could not be removed "
                f"from {self.audio_dir} (e.g. {failed[0]}); they will be removed the next time "
                "the app opens, or delete them by hand."
            )

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
                "profile_version", "score", "duration_s", "audio_file", "exercise_id",
                "assignment_id", *keys, "tips"]
        with _text_out(dest, self.home) as f:
            w = csv.writer(f)
            w.writerow(head)
            for t in takes:
                w.writerow([t.id, t.person, t.created_utc, t.kind, t.phrase, t.scenario,
                            t.profile_name, t.profile_version, _csv_value(t.score),
                            _csv_value(t.duration_s), t.audio_file, t.exercise_id,
                            t.assignment_id, *(_csv_value(t.summary.get(k)) for k in keys),
                            " | ".join(t.tips)])
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
    if not isinstance(name, str):
        raise ProsodyError(f"a person's name must be text, not {type(name).__name__}.")
    clean = " ".join(name.split())
    if not clean:
        raise ProsodyError("a person's name is empty; give the name of who is practising.")
    if len(clean) > MAX_NAME_CHARS:
        raise ProsodyError(f"the name {clean[:20]!r}... is {len(clean)} characters long; "
                           f"use at most {MAX_NAME_CHARS}.")
    return clean


def _person_id(con: sqlite3.Connection, name: str, *, create: bool) -> int:
    row = con.execute("SELECT id FROM people WHERE name = ?", (name,)).fetchone()
    if row is not None:
        return row[0]
    if not create:
        raise ProsodyError(_no_person(name))
    return con.execute("INSERT INTO people (name, created_utc) VALUES (?, ?)",
                       (name, _utc_iso(_now()))).lastrowid


def _no_person(name: str) -> str:
    return (f"there is nobody called {name!r} in the practice history; "
            "`calmtone history list` shows who has practised.")


def _take(row: tuple) -> Take:
    (take_id, person, created_utc, kind, phrase, scenario, profile_name, profile_version, score,
     duration_s, audio_file, exercise_id, assignment_id, settings, summary, feedback) = row
    return Take(id=take_id, person=person, created_utc=created_utc, kind=kind, phrase=phrase,
                scenario=scenario, profile_name=profile_name, profile_version=profile_version,
                score=score, duration_s=duration_s, audio_file=audio_file,
                settings_json=settings, summary_json=summary, feedback_json=feedback,
                exercise_id=exercise_id, assignment_id=assignment_id)


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


def _write_atomically(final: Path, data: bytes) -> None:
    """Write ``data`` to ``final`` so that the file is either whole or absent, even after a
    crash or power cut: temporary file in the same folder, fsync, rename, fsync the folder."""
    temp = final.with_name(_TEMP_PREFIX + final.name)
    try:
        with open(temp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_dir(final.parent)


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
        with open(temp, "w", encoding="utf-8", newline="") as f:
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
    return v  # the stored value, in full: a spreadsheet rounds for display, not the file


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
