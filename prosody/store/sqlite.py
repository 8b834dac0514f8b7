"""The SQLite engine of the practice history: one folder, one database, one FLAC per take.

::

    history.sqlite3          takes, people, baselines, frame tracks (SQLite, WAL)
    audio/take-....flac      the recording of each take, one FLAC file per take
    quarantine/<UTC time>/   recordings no take referred to, moved aside by a repair

A take is saved atomically. Inside one SQLite write transaction the audio goes to a temporary
file ``audio/.tmp-take-....flac`` and is flushed to disk, the rows are committed, and only then
is the file renamed to its final name. After a crash there is the whole take or none of it:
:meth:`SQLiteStore.repair` (run on every open) removes a temporary file whose take was never
committed and finishes the rename of one whose take was.

Nothing deletes a recording automatically. A final-named recording that no take refers to
(the database was replaced by an older copy, its ``-wal`` file was lost) is moved to the
quarantine folder, never deleted, and the person is told how to restore it; when the database
holds no takes at all the repair refuses to move anything (the database was probably moved or
replaced). A take whose recording is missing stays, with ``Take.audio_missing`` set (computed
when it is read, so it clears when the file comes back); reading its audio raises
:class:`~prosody.store.records.RecordingMissingError`. Because saving and repair both hold the
database's write lock, a repair never mistakes another window's take in progress for debris.

A delete removes the rows, records the file as a pending delete in the same transaction,
removes the file, and checkpoints the WAL; ``secure_delete`` overwrites the freed space, so a
deleted phrase does not stay readable in any file of the history. A delete cut short is
finished by the next repair.

The schema is versioned by numbered migrations (:mod:`prosody.store.migrations`); opening an
older history upgrades it in one transaction.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import threading
import warnings
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ProsodyError, quiet_warnings
from . import migrations
from .base import Store
from .files import (
    AUDIO_DIR,
    AUDIO_NAME,
    AUDIO_PREFIX,
    AUDIO_SUFFIX,
    BUSY_TIMEOUT_MS,
    DB_NAME,
    DIR_MODE,
    QUARANTINE_DIR,
    QUARANTINE_README,
    TEMP_PREFIX,
    claim_home,
    create_private,
    data_dir,
    encode_flac,
    fsync_dir,
    is_read_only,
    make_private,
    publish_audio,
    quarantine_readme,
    read_only_message,
    storage_error,
    write_private,
)
from .names import (
    no_person,
    person_name,
)
from .records import (
    ConfusableNameWarning,
    NewTake,
    RecordingMissingError,
    RepairReport,
    RestoreReport,
    Take,
    TakeQuery,
    refused_message,
)
from .sql import SQLEngine, find_person, pack_tracks, person_row_id, take_from_row
from .values import dumps, settings_json, utc_iso, utc_now

if TYPE_CHECKING:  # pragma: no cover
    pass

class SQLiteStore(SQLEngine, Store, engine="sqlite"):
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
    def open(cls, path: str | os.PathLike[str] | None = None, *,
             repair: bool = True) -> SQLiteStore:
        """:meth:`Store.open` for the SQLite engine: ``history.sqlite3`` in the folder."""
        home = Path(path).expanduser() if path is not None else data_dir()
        db_path = home / DB_NAME
        claim_home(home)  # never another folder's contents: nothing in it is changed
        try:
            home.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
            (home / AUDIO_DIR).mkdir(exist_ok=True, mode=DIR_MODE)
            # SQLite gives -wal and -shm the permissions of the database file: create it private
            create_private(db_path)
        except OSError as exc:
            if not db_path.exists():
                raise storage_error(exc, "create the practice history folder", home) from exc
        make_private(home)
        writable = True
        try:
            con = _connect(db_path)
        except sqlite3.Error as exc:
            # a history in a folder that cannot be written may still be read
            con = _connect_read_only(db_path) if db_path.exists() else None
            if con is None:
                raise storage_error(exc, "open the practice history", home) from exc
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

    def __repr__(self) -> str:
        mode = "" if self.writable else ", read-only"
        return f"{type(self).__name__}({str(self.home)!r}{mode})"

    @property
    def schema_version(self) -> int:
        with self._lock:
            return migrations.schema_version(self._con)

    def _migrate(self) -> None:
        with self._lock:
            try:
                current = migrations.schema_version(self._con)
            except sqlite3.Error as exc:
                raise storage_error(exc, "read the practice history", self.home) from exc
            if current > migrations.SCHEMA_VERSION:
                raise ProsodyError(
                    f"the practice history in {self.home} was written by a newer Calm Tone Coach "
                    f"(schema {current}; this version knows up to "
                    f"{migrations.SCHEMA_VERSION}); update the app to open it. Nothing was changed."
                )
            if current == migrations.SCHEMA_VERSION:
                return
            with self._write("upgrade the practice history", read_only_ok=False) as con:
                migrations.upgrade(con)

    @contextlib.contextmanager
    def _write(self, doing: str, *, read_only_ok: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction holding SQLite's write lock (waits up to BUSY_TIMEOUT_MS)."""
        with self._lock:
            con = self._con
            try:
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                if read_only_ok and is_read_only(exc):
                    raise _ReadOnly() from exc
                raise storage_error(exc, doing, self.home) from exc
            try:
                yield con
                con.execute("COMMIT")
            except BaseException as exc:
                if con.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        con.execute("ROLLBACK")
                if read_only_ok and is_read_only(exc):
                    raise _ReadOnly() from exc
                if isinstance(exc, (OSError, sqlite3.Error)):
                    raise storage_error(exc, doing, self.home) from exc
                raise

    def _read(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._con.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise storage_error(exc, "read the practice history", self.home) from exc

    # -- repair -------------------------------------------------------------------------------

    def repair(self) -> RepairReport:
        if not self.writable:
            return RepairReport(home=str(self.home))
        with self._write("check the practice history", read_only_ok=True) as con:
            try:
                names = os.listdir(self.audio_dir)
            except OSError:
                return RepairReport(home=str(self.home))
            stored = {row[1]: row[0] for row in con.execute("SELECT id, audio_file FROM takes")}
            present = {n for n in names if AUDIO_NAME.match(n)}
            log: list[tuple[str, str, str | None]] = []  # (action, file, folder)

            removed, completed = [], []
            for temp in sorted(n for n in names if n.startswith(TEMP_PREFIX + AUDIO_PREFIX)):
                final = temp[len(TEMP_PREFIX):]
                try:
                    if final in stored and final not in present:
                        # committed, then stopped before the rename: finish the save
                        publish_audio(self.audio_dir / temp, self.audio_dir / final)
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
                now = utc_iso(utc_now())
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
        stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
        try:
            self.quarantine_dir.mkdir(exist_ok=True, mode=DIR_MODE)
            folder = self.quarantine_dir / stamp
            k = 1
            while True:
                try:
                    folder.mkdir(mode=DIR_MODE)
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
            fsync_dir(folder)
            fsync_dir(self.audio_dir)
            write_private(folder / QUARANTINE_README, quarantine_readme(
                self.home, folder, moved).encode("utf-8"))
        if not moved:
            with contextlib.suppress(OSError):
                (folder / QUARANTINE_README).unlink()
                folder.rmdir()
            return None, ()
        return folder, tuple(moved)

    def quarantined(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        try:
            folders = sorted(p for p in self.quarantine_dir.iterdir() if p.is_dir())
        except OSError:
            return found
        for folder in folders:
            with contextlib.suppress(OSError):
                for path in sorted(folder.iterdir()):
                    if AUDIO_NAME.match(path.name):
                        found.setdefault(path.name, path)
        return found

    def quarantine_notice(self) -> str | None:
        parts = []
        report = self.last_repair
        if report.refused:
            parts.append(refused_message(str(self.home), len(report.audio_without_take)))
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
        if not self.writable:
            raise ProsodyError(read_only_message(self.home, "restore the recordings"))
        name = None if adopt is None else person_name(adopt)
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
                                "VALUES (?, ?, ?, ?)", (utc_iso(utc_now()), "restored", file,
                                                        str(path.parent)))
            with contextlib.suppress(OSError):
                fsync_dir(self.audio_dir)
        if name is not None:
            with self._lock:
                present = {n for n in os.listdir(self.audio_dir) if AUDIO_NAME.match(n)}
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

        from ..analysis import analyze
        from ..audio import load

        path = self.audio_dir / file
        try:  # outside the write lock: analysing takes a moment
            signal = load(path)
            with quiet_warnings():  # a recovered take, uncoached
                analysis = analyze(signal.y, sr=signal.sr)
            duration_s = float(sf.info(str(path)).duration)
        except (ProsodyError, RuntimeError, OSError):
            return None
        stamp = file[len(AUDIO_PREFIX):len(AUDIO_PREFIX) + 16]
        created = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        with self._write("keep the recording as a take") as con:
            if con.execute("SELECT 1 FROM takes WHERE audio_file = ?", (file,)).fetchone():
                return None  # another window adopted it meanwhile
            person_id = person_row_id(con, name, create=True)
            take_id = con.execute(
                "INSERT INTO takes (person_id, created_utc, phrase, settings_json, "
                "summary_json, duration_s, audio_file, kind) "
                "VALUES (?, ?, '', ?, ?, ?, ?, 'practice')",
                (person_id, utc_iso(created), settings_json(analysis),
                 dumps(analysis.summary.to_dict()), duration_s, file)).lastrowid
            con.execute("INSERT INTO take_tracks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (take_id, *pack_tracks(analysis.tracks)))
            con.execute("INSERT INTO repair_log (at_utc, action, audio_file, folder) "
                        "VALUES (?, ?, ?, NULL)", (utc_iso(utc_now()), "adopted", file))
        return int(take_id)

    def _tidy_quarantine(self) -> None:
        """Remove quarantine folders that hold no recording any more (only their README)."""
        with contextlib.suppress(OSError):
            for folder in self.quarantine_dir.iterdir():
                if folder.is_dir() and not any(AUDIO_NAME.match(p.name)
                                               for p in folder.iterdir()):
                    with contextlib.suppress(OSError):
                        (folder / QUARANTINE_README).unlink(missing_ok=True)
                        folder.rmdir()

    # -- saving -------------------------------------------------------------------------------

    def _insert_take(self, new: NewTake) -> int:
        when, y, sr, analysis = new.created_utc, new.audio, new.sr, new.analysis
        settings_text = settings_json(analysis)
        summary_json = dumps(analysis.summary.to_dict())
        feedback_json = None if new.feedback is None else dumps(new.feedback)
        tracks_row = pack_tracks(analysis.tracks)
        flac = encode_flac(y, sr)  # before taking the lock: others wait less
        audio_file = (f"{AUDIO_PREFIX}{when[:19].replace('-', '').replace(':', '')}Z-"
                      f"{secrets.token_hex(6)}{AUDIO_SUFFIX}")
        final = self.audio_dir / audio_file
        temp = final.with_name(TEMP_PREFIX + final.name)
        committed = False
        # the Python lock spans the rename too, so this store never shows the take half-saved
        with self._lock:
            try:
                with self._write("save the take") as con:
                    # the audio is on disk before the row is committed; the rename comes after,
                    # so a final-named file without a row is never debris of a save (repair)
                    write_private(temp, flac)
                    person_id = person_row_id(con, new.person, create=True)
                    take_id = con.execute(
                        "INSERT INTO takes (person_id, created_utc, phrase, scenario, "
                        "profile_name, profile_version, settings_json, summary_json, "
                        "feedback_json, score, duration_s, audio_file, kind, exercise_id, "
                        "assignment_id) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (person_id, when, new.phrase, new.scenario, new.profile_name,
                         new.profile_version, settings_text, summary_json, feedback_json,
                         new.score, y.size / float(sr), audio_file, new.kind, new.exercise_id,
                         new.assignment_id),
                    ).lastrowid
                    con.execute("INSERT INTO take_tracks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                (take_id, *tracks_row))
                committed = True
                publish_audio(temp, final)
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
        return int(take_id)

    # -- reading ------------------------------------------------------------------------------

    def _select_takes(self, query: TakeQuery, *, limit: int | None,
                      newest_first: bool) -> list[Take]:
        rows = self._take_rows(query, limit=limit, newest_first=newest_first)
        present = self._present([row[10] for row in rows])
        return [take_from_row(row, audio_missing=row[10] not in present) for row in rows]

    def _present(self, files: Sequence[str]) -> set[str]:
        """Which of these recordings are in the audio folder now."""
        if len(files) <= 64:  # a page of takes: a few stats beat listing a big folder
            return {f for f in files if (self.audio_dir / f).is_file()}
        try:
            return set(files) & set(os.listdir(self.audio_dir))
        except OSError:
            return set()

    def get(self, take_id: int) -> Take:
        row = self._take_row(take_id)
        return take_from_row(row, audio_missing=not (self.audio_dir / row[10]).is_file())

    def audio_path(self, take_id: int) -> Path:
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

    # -- deleting -----------------------------------------------------------------------------

    def delete_take(self, take_id: int) -> None:
        take = self.get(take_id)
        with self._write("delete the take") as con:
            con.execute("INSERT OR REPLACE INTO pending_deletes VALUES (?, ?)",
                        (take.audio_file, utc_iso(utc_now())))
            con.execute("DELETE FROM takes WHERE id = ?", (take.id,))
        self._finish_deletes([take.audio_file])

    def delete_person(self, name: str) -> int:
        name = person_name(name)
        with self._write("delete the person's data") as con:
            person_id = find_person(con, name)
            if person_id is None:
                raise ProsodyError(no_person(name))
            files = [r[0] for r in con.execute("SELECT audio_file FROM takes WHERE person_id = ?",
                                               (person_id,))]
            now = utc_iso(utc_now())
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

    def _json_number(self, key: str) -> tuple[str, str]:
        return "json_extract(t.summary_json, ?)", f"$.{key}"


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
