"""The PostgreSQL engine of the practice history, for a programme with many people and several
app servers: ``CALMTONE_DB=postgresql://user@host/db`` (psycopg 3).

Everything is in the database, recordings included (``take_audio``, the FLAC bytes of each
take), so a take is saved in one transaction with its rows: after a crash of the app, of the
server or of the computer, there is the whole take or none of it, and there is no folder to
repair, quarantine or tidy. A delete removes the rows and the recording in one transaction.
Several processes share one database; PostgreSQL serialises their writes, and a migration
holds an advisory lock so two app servers starting at once upgrade the schema once.

Deleted rows stay in PostgreSQL's files until VACUUM reclaims them (autovacuum does, within
minutes on a busy table); backups and the write-ahead log keep copies for as long as they are
kept. ``docs/clinic.md`` says how an administrator makes a delete final.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ProsodyError
from . import migrations
from .base import Store, redacted
from .files import AUDIO_PREFIX, AUDIO_SUFFIX, encode_flac
from .names import no_person, person_name
from .records import (
    NewTake,
    RecordingMissingError,
    RepairReport,
    RestoreReport,
    Take,
    TakeQuery,
)
from .sql import SQLEngine, find_person, pack_tracks, person_row_id, take_from_row
from .values import dumps, settings_json, utc_iso, utc_now

if TYPE_CHECKING:  # pragma: no cover
    pass

#: How long one statement may wait for a lock or run, in milliseconds: a stuck server gives a
#: sentence, not a frozen page.
STATEMENT_TIMEOUT_MS = 30_000
#: The advisory lock key a migration holds ("calmtone" in ASCII).
_MIGRATION_LOCK = 0x63616C6D746F6E65 & 0x7FFFFFFFFFFFFFFF


class PostgresStore(SQLEngine, Store, engine="postgresql"):
    """The practice history in a PostgreSQL database. Use :meth:`Store.open` with its URL.

    One connection serves all threads behind a lock, as the SQLite engine does; each process
    (each app server, each ``calmtone`` command) has its own. A connection that dropped is
    opened again on the next call.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = redacted(url)
        # for messages only: the history has no folder of its own
        self.home = Path(self.where)
        self.audio_dir = self.quarantine_dir = Path(self.where)
        self.writable = True
        self.last_repair = RepairReport(home=self.where)
        self._lock = threading.RLock()
        self._con = None

    @classmethod
    def open(cls, path: str | None = None, *, repair: bool = True) -> PostgresStore:
        """:meth:`Store.open` for PostgreSQL: ``path`` is the database URL."""
        from .base import is_database_url, location

        url = location(path)
        if not is_database_url(url):
            raise ProsodyError(f"{url!r} is not a PostgreSQL URL; write it as "
                               "postgresql://USER@HOST/DATABASE.")
        store = cls(url)
        try:
            store._migrate()
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.where!r})"

    # -- the connection -----------------------------------------------------------------------

    def _connection(self):
        import psycopg

        if self._con is None or self._con.closed or self._con.broken:
            try:
                self._con = psycopg.connect(
                    self.url, autocommit=True, application_name="calmtone",
                    options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c TimeZone=UTC",
                    connect_timeout=10)
            except psycopg.Error as exc:
                raise self._error(exc, "open the practice history") from exc
        return self._con

    @contextlib.contextmanager
    def _write(self, doing: str, *, read_only_ok: bool = False) -> Iterator[_Connection]:
        """One transaction: everything in it is kept, or nothing."""
        import psycopg

        with self._lock:
            con = self._connection()
            try:
                with con.transaction():
                    yield _Connection(con)
            except psycopg.Error as exc:
                raise self._error(exc, doing) from exc

    def _read(self, sql: str, params: Sequence = ()) -> list[tuple]:
        import psycopg

        with self._lock:
            con = self._connection()
            try:
                return con.execute(_pg(sql), tuple(params)).fetchall()
            except psycopg.Error as exc:
                raise self._error(exc, "read the practice history") from exc

    def _error(self, exc: BaseException, doing: str) -> ProsodyError:
        """A sentence a person can act on, for a PostgreSQL failure."""
        import psycopg
        from psycopg import errors

        if isinstance(exc, errors.DiskFull):
            return ProsodyError(f"could not {doing}: the disk of the database server is full, "
                                "so nothing was saved. Earlier takes are safe. Ask the "
                                "administrator to free space on the server.")
        if isinstance(exc, (errors.ReadOnlySqlTransaction, errors.InsufficientPrivilege)):
            self.writable = False
            return ProsodyError(f"could not {doing}: the database {self.where} may be read but "
                                "not written by this account, so nothing was saved. Earlier "
                                "takes are safe. Ask the administrator for write access.")
        if isinstance(exc, errors.QueryCanceled):
            return ProsodyError(f"could not {doing}: the database {self.where} was busy for more "
                                f"than {STATEMENT_TIMEOUT_MS // 1000} s. Nothing was lost; try "
                                "again.")
        if isinstance(exc, psycopg.OperationalError):
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
            return ProsodyError(f"could not {doing}: the database {self.where} cannot be reached "
                                f"({reason}). Nothing was saved there; earlier takes are safe. "
                                "Check that the server is running and CALMTONE_DB is right.")
        return ProsodyError(f"could not {doing} in {self.where}: {exc}. Earlier takes are safe.")

    # -- the schema ---------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        rows = self._read("SELECT to_regclass('schema_migrations') IS NOT NULL")
        if not rows[0][0]:
            return 0
        return int(self._read("SELECT coalesce(max(version), 0) FROM schema_migrations")[0][0])

    def _migrate(self) -> None:
        if self.schema_version == migrations.SCHEMA_VERSION:
            return
        with self._write("upgrade the practice history") as con:
            # two app servers starting at once: the second waits here, then finds it done
            con.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            con.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                        "version INTEGER PRIMARY KEY, applied_utc TEXT NOT NULL)")
            current = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations"
                                  ).fetchone()[0]
            if current > migrations.SCHEMA_VERSION:
                raise ProsodyError(
                    f"the practice history in {self.where} was written by a newer Calm Tone "
                    f"Coach (schema {current}; this version knows up to "
                    f"{migrations.SCHEMA_VERSION}); update the app to open it. Nothing was "
                    "changed.")
            for version, _, steps in migrations.PG_MIGRATIONS:
                if version <= current:
                    continue
                for step in steps:
                    con.execute(step)
                con.execute("INSERT INTO schema_migrations (version, applied_utc) VALUES (?, ?)",
                            (version, utc_iso(utc_now())))

    # -- repair: nothing is ever half-saved ---------------------------------------------------

    def repair(self) -> RepairReport:
        """Nothing to do: a take and its recording are one transaction."""
        return RepairReport(home=self.where)

    def quarantined(self) -> dict[str, Path]:
        return {}

    def quarantine_notice(self) -> str | None:
        return None

    def count_missing(self) -> int:
        return 0

    def restore(self, *, adopt: str | None = None) -> RestoreReport:
        return RestoreReport()

    # -- saving -------------------------------------------------------------------------------

    def _insert_take(self, new: NewTake) -> int:
        analysis = new.analysis
        flac = encode_flac(new.audio, new.sr)  # before the transaction: others wait less
        audio_file = (f"{AUDIO_PREFIX}{new.created_utc[:19].replace('-', '').replace(':', '')}Z-"
                      f"{secrets.token_hex(6)}{AUDIO_SUFFIX}")
        with self._write("save the take") as con:
            person_id = person_row_id(con, new.person, create=True)
            take_id = con.execute(
                "INSERT INTO takes (person_id, created_utc, phrase, scenario, profile_name, "
                "profile_version, settings_json, summary_json, feedback_json, score, duration_s, "
                "audio_file, kind, exercise_id, assignment_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (person_id, new.created_utc, new.phrase, new.scenario, new.profile_name,
                 new.profile_version, settings_json(analysis),
                 dumps(analysis.summary.to_dict()),
                 None if new.feedback is None else dumps(new.feedback), new.score,
                 new.audio.size / float(new.sr), audio_file, new.kind, new.exercise_id,
                 new.assignment_id)).fetchone()[0]
            con.execute("INSERT INTO take_tracks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (take_id, *pack_tracks(analysis.tracks)))
            con.execute("INSERT INTO take_audio (take_id, flac) VALUES (?, ?)", (take_id, flac))
        return int(take_id)

    # -- reading ------------------------------------------------------------------------------

    def _select_takes(self, query: TakeQuery, *, limit: int | None,
                      newest_first: bool) -> list[Take]:
        return [take_from_row(row) for row in self._take_rows(query, limit=limit,
                                                              newest_first=newest_first)]

    def _json_number(self, key: str) -> tuple[str, str]:
        return "(t.summary_json::jsonb ->> ?)::double precision", key

    def get(self, take_id: int) -> Take:
        return take_from_row(self._take_row(take_id))

    def audio_path(self, take_id: int) -> Path:
        raise RecordingMissingError(
            f"the recording of take {take_id} is kept inside the database {self.where}, not in "
            "a file; read it with Store.recording() or Store.audio().")

    def recording(self, take_id: int) -> bytes:
        rows = self._read("SELECT flac FROM take_audio WHERE take_id = ?", (int(take_id),))
        if not rows:
            self.get(take_id)  # an unknown take says so
            raise RecordingMissingError(f"the recording of take {take_id} is missing from the "
                                        f"database {self.where}.")
        return bytes(rows[0][0])

    def has_recording(self, take_id: int) -> bool:
        return bool(self._read("SELECT 1 FROM take_audio WHERE take_id = ?", (int(take_id),)))

    def recording_location(self, take_id: int) -> str:
        return f"in the database {self.where} (take_audio {int(take_id)})"

    # -- deleting: rows and recordings in one transaction -------------------------------------

    def delete_take(self, take_id: int) -> None:
        with self._write("delete the take") as con:
            gone = con.execute("DELETE FROM takes WHERE id = ? RETURNING id",
                               (int(take_id),)).fetchone()
        if gone is None:
            self.get(take_id)  # says there is no such take

    def delete_person(self, name: str) -> int:
        name = person_name(name)
        with self._write("delete the person's data") as con:
            person_id = find_person(con, name)
            if person_id is None:
                raise ProsodyError(no_person(name))
            n = con.execute("SELECT count(*) FROM takes WHERE person_id = ?",
                            (person_id,)).fetchone()[0]
            con.execute("DELETE FROM people WHERE id = ?", (person_id,))  # takes etc. cascade
        return int(n)

    def checkpoint(self) -> bool:
        return True


class _Connection:
    """A transaction's connection taking ``?`` placeholders, as the SQLite engine's does."""

    def __init__(self, con) -> None:
        self._con = con

    def execute(self, sql: str, params: Sequence = ()):
        return self._con.execute(_pg(sql), tuple(params))


def _pg(sql: str) -> str:
    """SQL written with ``?`` placeholders, for psycopg (``%s``; no literal ``%`` in ours)."""
    return sql.replace("?", "%s")
