"""What the two engines share: the SQL of takes, tracks, people, baselines and assignments,
written once with ``?`` placeholders (the PostgreSQL engine turns them into psycopg's), and the
packing of frame tracks into rows.

:class:`SQLEngine` is mixed into :class:`~prosody.store.sqlite.SQLiteStore` and
:class:`~prosody.store.postgres.PostgresStore`; it needs the engine's ``_write(doing)`` (one
transaction, yielding a connection whose ``execute(sql, params)`` takes ``?``), ``_read(sql,
params)`` and ``_json_number(key)`` (the SQL that reads one number of a take's summary).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ProsodyError
from ..util import FRAME_S
from .accounts import AccountsMixin
from .names import name_key, no_person, person_name
from .records import (
    Assignment,
    AssignmentKind,
    ConfusableNameWarning,
    Person,
    Take,
    TakeQuery,
)
from .values import dumps, filter_bound, utc_iso, utc_now

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis import Tracks

TAKE_COLUMNS = (
    "t.id, p.name, t.created_utc, t.kind, t.phrase, t.scenario, t.profile_name, "
    "t.profile_version, t.score, t.duration_s, t.audio_file, t.exercise_id, t.assignment_id, "
    "t.settings_json, t.summary_json, t.feedback_json"
)
TAKE_FROM = "FROM takes t JOIN people p ON p.id = t.person_id"
TRACK_COLUMNS = ("n_frames, start_s, frame_s, f0_hz, loudness_db, voiced, speech, "
                 "syllable_times_s, pauses, phrases")


class SQLEngine(AccountsMixin):
    """The queries both engines run the same way."""

    def _json_number(self, key: str) -> tuple[str, str]:
        """For engines: (SQL reading a number of ``t.summary_json`` with one ``?``, its
        parameter)."""
        raise NotImplementedError

    # -- takes --------------------------------------------------------------------------------

    def _filters(self, q: TakeQuery) -> tuple[str, list]:
        """The WHERE clause of a query, and its parameters."""
        clauses, params = [], []
        if q.person is not None:
            clauses.append("p.name_key = ?")
            params.append(name_key(person_name(q.person)))
        if q.people is not None:
            keys = [name_key(n) for n in q.people] or [""]
            clauses.append(f"p.name_key IN ({', '.join('?' * len(keys))})")
            params.extend(keys)
        for column, value in (("phrase", q.phrase), ("scenario", q.scenario),
                              ("exercise_id", q.exercise_id),
                              ("assignment_id", q.assignment_id)):
            if value is not None:
                clauses.append(f"t.{column} = ?")
                params.append(value)
        if q.since is not None:
            clauses.append("t.created_utc >= ?")
            params.append(utc_iso(filter_bound(q.since, end=False)))
        if q.until is not None:
            clauses.append("t.created_utc < ?")
            params.append(utc_iso(filter_bound(q.until, end=True)))
        if q.kinds is not None:
            clauses.append(f"t.kind IN ({', '.join('?' * len(q.kinds))})")
            params.extend(q.kinds)
        return ("WHERE " + " AND ".join(clauses) if clauses else ""), params

    def _take_rows(self, query: TakeQuery, *, limit: int | None,
                   newest_first: bool) -> list[tuple]:
        where, params = self._filters(query)
        order = "DESC" if newest_first else "ASC"
        sql = (f"SELECT {TAKE_COLUMNS} {TAKE_FROM} {where} "
               f"ORDER BY t.created_utc {order}, t.id {order}")
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return self._read(sql, params)

    def _take_row(self, take_id: int) -> tuple:
        rows = self._read(f"SELECT {TAKE_COLUMNS} {TAKE_FROM} WHERE t.id = ?", (int(take_id),))
        if not rows:
            raise ProsodyError(f"there is no take {take_id} in the practice history "
                               f"({self.home}); `calmtone history list` shows the takes kept.")
        return rows[0]

    def _count_takes(self, query: TakeQuery) -> int:
        where, params = self._filters(query)
        return int(self._read(f"SELECT count(*) {TAKE_FROM} {where}", params)[0][0])

    def _feature_rows(self, query: TakeQuery, features: Sequence[str]) -> list[tuple]:
        where, params = self._filters(query)
        columns, column_params = [], []
        for f in features:
            if f == "score":
                columns.append(", t.score")
            else:
                sql, param = self._json_number(f)
                columns.append(f", {sql}")
                column_params.append(param)
        return self._read(f"SELECT t.created_utc{''.join(columns)} {TAKE_FROM} {where} "
                          "ORDER BY t.created_utc", [*column_params, *params])

    def tracks(self, take_id: int) -> Tracks:
        rows = self._read(f"SELECT {TRACK_COLUMNS} FROM take_tracks WHERE take_id = ?",
                          (int(take_id),))
        if rows:
            return unpack_tracks(rows[0])
        return self.reanalyze(take_id).tracks

    # -- assignments --------------------------------------------------------------------------

    def _insert_assignment(self, name: str, kind: AssignmentKind, target: str,
                           note: str | None, assigned_by: str | None) -> int:
        with self._write("save the assignment") as con:
            person_id = person_row_id(con, name, create=True)
            return int(con.execute(
                "INSERT INTO assignments (person_id, kind, target, note, assigned_by, "
                "created_utc) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (person_id, kind, target, note, assigned_by, utc_iso(utc_now()))).fetchone()[0])

    def assignments(self, person: str | None = None, *, include_closed: bool = False,
                    assignment_id: int | None = None) -> list[Assignment]:
        clauses, params = [], []
        if person is not None:
            clauses.append("p.name_key = ?")
            params.append(name_key(person_name(person)))
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
        with self._write("close the assignment") as con:
            if con.execute("SELECT 1 FROM assignments WHERE id = ?",
                           (int(assignment_id),)).fetchone() is None:
                raise ProsodyError(f"there is no assignment {assignment_id}.")
            con.execute("UPDATE assignments SET closed_utc = ? WHERE id = ? AND closed_utc IS "
                        "NULL", (utc_iso(utc_now()), int(assignment_id)))

    # -- people and baselines -----------------------------------------------------------------

    def add_person(self, name: str) -> Person:
        name = person_name(name)
        warning = self.name_warning(name)
        with self._write("add a person") as con:
            person_row_id(con, name, create=True)
        if warning:
            warnings.warn(warning, ConfusableNameWarning, stacklevel=2)
        return self.person(name)

    def existing_takes(self, take_ids) -> set[int]:
        """Which of ``take_ids`` are still in the history (one query, however many)."""
        ids = sorted({int(i) for i in take_ids})
        found: set[int] = set()
        for start in range(0, len(ids), 500):  # bounded lists of parameters
            part = ids[start:start + 500]
            marks = ", ".join("?" * len(part))
            found.update(int(r[0]) for r in self._read(
                f"SELECT id FROM takes WHERE id IN ({marks})", part))
        return found

    def _person_id_of(self, name: str) -> int:
        rows = self._read("SELECT id FROM people WHERE name_key = ?",
                          (name_key(person_name(name)),))
        return int(rows[0][0]) if rows else -1

    def _person_names(self) -> list[str]:
        return [row[0] for row in self._read("SELECT name FROM people ORDER BY id")]

    def _people(self, where: str, params: Sequence) -> list[Person]:
        rows = self._read(
            "SELECT p.name, p.created_utc, count(t.id), max(t.created_utc), p.baseline_take_id "
            f"FROM people p LEFT JOIN takes t ON t.person_id = p.id {where} "
            "GROUP BY p.id, p.name, p.created_utc, p.baseline_take_id "
            "ORDER BY lower(p.name), p.id", params)
        return [Person(*row) for row in rows]

    def person(self, name: str) -> Person:
        found = self._people("WHERE p.name_key = ?", (name_key(person_name(name)),))
        if not found:
            raise ProsodyError(no_person(name))
        return found[0]

    def people(self) -> list[Person]:
        return self._people("", ())

    def phrases(self, person: str | None = None) -> list[str]:
        where, params = self._filters(TakeQuery(person=person))
        rows = self._read(f"SELECT t.phrase, count(*) AS n {TAKE_FROM} {where} "
                          "GROUP BY t.phrase ORDER BY n DESC, t.phrase", params)
        return [row[0] for row in rows]

    def scenarios(self, person: str | None = None) -> list[str]:
        where, params = self._filters(TakeQuery(person=person))
        where = f"{where} AND" if where else "WHERE"
        rows = self._read(f"SELECT DISTINCT t.scenario {TAKE_FROM} {where} "
                          "t.scenario IS NOT NULL ORDER BY t.scenario", params)
        return [row[0] for row in rows]

    def set_baseline(self, person: str, take_id: int | None) -> None:
        name = person_name(person)
        with self._write("set the baseline") as con:
            row = con.execute("SELECT id, name FROM people WHERE name_key = ?",
                              (name_key(name),)).fetchone()
            if row is None:
                raise ProsodyError(no_person(name))
            if take_id is not None:
                owner = con.execute("SELECT person_id FROM takes WHERE id = ?",
                                    (int(take_id),)).fetchone()
                if owner is None or owner[0] != row[0]:
                    raise ProsodyError(f"take {take_id} is not a take of {row[1]}; choose one "
                                       "of their own takes as their baseline.")
            con.execute("UPDATE people SET baseline_take_id = ? WHERE id = ?",
                        (None if take_id is None else int(take_id), row[0]))

    def baseline(self, person: str) -> Take | None:
        rows = self._read("SELECT baseline_take_id FROM people WHERE name_key = ?",
                          (name_key(person_name(person)),))
        if not rows or rows[0][0] is None:
            return None
        return self.get(rows[0][0])


def find_person(con, name: str) -> int | None:
    """The id of the person called ``name`` inside a transaction, or None."""
    row = con.execute("SELECT id FROM people WHERE name_key = ?", (name_key(name),)).fetchone()
    return None if row is None else int(row[0])


def person_row_id(con, name: str, *, create: bool) -> int:
    """The id of the person called ``name`` inside a transaction, adding them with
    ``create`` (two processes adding one new person at once: one insert wins, both read it)."""
    if create:
        con.execute("INSERT INTO people (name, name_key, created_utc) VALUES (?, ?, ?) "
                    "ON CONFLICT DO NOTHING", (name, name_key(name), utc_iso(utc_now())))
    found = find_person(con, name)
    if found is None:
        raise ProsodyError(no_person(name))
    return found


def take_from_row(row: tuple, *, audio_missing: bool = False) -> Take:
    (take_id, person, created_utc, kind, phrase, scenario, profile_name, profile_version, score,
     duration_s, audio_file, exercise_id, assignment_id, settings, summary, feedback) = row
    return Take(id=take_id, person=person, created_utc=created_utc, kind=kind, phrase=phrase,
                scenario=scenario, profile_name=profile_name, profile_version=profile_version,
                score=score, duration_s=duration_s, audio_file=audio_file,
                settings_json=settings, summary_json=summary, feedback_json=feedback,
                exercise_id=exercise_id, assignment_id=assignment_id,
                audio_missing=audio_missing)


def pack_tracks(tracks: Tracks) -> tuple:
    """A take's frame tracks as a ``take_tracks`` row (without the take id)."""
    time_s = np.asarray(tracks.time_s, dtype=float)
    n = int(time_s.size)
    frame_s = float(time_s[1] - time_s[0]) if n > 1 else FRAME_S
    # float32 halves the size; 1e-7 relative is far below what pitch or level can resolve
    return (n, float(time_s[0]) if n else 0.0, frame_s,
            np.asarray(tracks.f0_hz, dtype="<f4").tobytes(),
            np.asarray(tracks.loudness_db, dtype="<f4").tobytes(),
            np.packbits(np.asarray(tracks.voiced, dtype=bool)).tobytes(),
            np.packbits(np.asarray(tracks.speech, dtype=bool)).tobytes(),
            dumps([float(t) for t in tracks.syllable_times_s]),
            dumps([[float(a), float(b)] for a, b in tracks.pauses]),
            dumps([[float(a), float(b)] for a, b in tracks.phrases]))


def unpack_tracks(row: tuple) -> Tracks:
    """The frame tracks of a ``take_tracks`` row (its columns :data:`TRACK_COLUMNS`)."""
    from ..analysis import Tracks

    n, start_s, frame_s, f0, loud, voiced, speech, syl, pauses, phrases = (
        bytes(v) if isinstance(v, memoryview) else v for v in row)
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
