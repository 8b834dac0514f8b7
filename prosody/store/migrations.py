"""The schema of the history, as numbered migrations recorded in ``schema_migrations``, for
both engines.

Opening an older history upgrades it in one transaction (:func:`upgrade`, called by
:meth:`~prosody.store.sqlite.SQLiteStore.open`; :data:`PG_MIGRATIONS` for
:class:`~prosody.store.postgres.PostgresStore`). Never edit a released migration: add a new one
to both lists, and raise :data:`SCHEMA_VERSION` with it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from .names import name_key
from .values import utc_iso, utc_now

#: The schema version this code writes; opening an older history upgrades it to this.
SCHEMA_VERSION = 6

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
        lambda con: fill_name_keys(con),
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
    (6, "clinic mode: accounts and roles, supervisors' trainees, notes on takes, the audit log",
     ACCOUNTS_SQL := (
        # a trainee practises as the person of the same name (name_key, as people's)
        """CREATE TABLE accounts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            name_key TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('trainee', 'supervisor', 'admin')),
            password_hash TEXT NOT NULL,
            created_utc TEXT NOT NULL,
            password_changed_utc TEXT NOT NULL
        )""",
        """CREATE TABLE supervision (
            supervisor_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            trainee_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            created_utc TEXT NOT NULL,
            PRIMARY KEY (supervisor_id, trainee_id)
        )""",
        "CREATE INDEX supervision_trainee ON supervision(trainee_id)",
        # wrong passwords per name (known or not), shared by every app server: the wait grows
        """CREATE TABLE sign_in_failures (
            name_key TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            last_utc TEXT NOT NULL,
            locked_until_utc TEXT NOT NULL
        )""",
        """CREATE TABLE take_notes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            take_id INTEGER NOT NULL REFERENCES takes(id) ON DELETE CASCADE,
            author TEXT NOT NULL,
            at_s REAL,
            text TEXT NOT NULL,
            created_utc TEXT NOT NULL
        )""",
        "CREATE INDEX take_notes_take ON take_notes(take_id)",
        # kept when the takes go: who deleted whose takes is part of it
        """CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at_utc TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            person TEXT,
            take_id INTEGER,
            detail TEXT
        )""",
        "CREATE INDEX audit_log_time ON audit_log(at_utc)",
    )),
)
assert MIGRATIONS[-1][0] == SCHEMA_VERSION


def pg_sql(sqlite_ddl: str) -> str:
    """The PostgreSQL form of a migration written for SQLite (identity keys, 64-bit integers,
    double precision, bytea)."""
    return (sqlite_ddl.replace("INTEGER PRIMARY KEY AUTOINCREMENT",
                               "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
            .replace("INTEGER", "BIGINT").replace("REAL", "DOUBLE PRECISION")
            .replace("BLOB", "BYTEA"))


#: The PostgreSQL schema, numbered as SQLite's: version 5 creates at once what SQLite's first
#: five built step by step (a PostgreSQL history started at 5); the recording of a take is a
#: row of ``take_audio``, written in the same transaction as the take, so there are no files
#: to repair, quarantine or delete afterwards.
PG_MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (5, "people, takes with their recordings and tracks, assignments", (
        """CREATE TABLE people (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            name TEXT NOT NULL,
            name_key TEXT NOT NULL UNIQUE,
            created_utc TEXT NOT NULL,
            baseline_take_id BIGINT
        )""",
        pg_sql(MIGRATIONS[0][2][1]),  # takes, as SQLite's first schema ...
        *MIGRATIONS[1][2][:3],  # ... with the kinds and links of the second
        "ALTER TABLE people ADD FOREIGN KEY (baseline_take_id) REFERENCES takes(id) "
        "ON DELETE SET NULL",
        *MIGRATIONS[0][2][2:],  # the indexes of the first and second schemas
        *MIGRATIONS[1][2][3:],
        # the FLAC bytes: saved and deleted in the take's own transaction
        """CREATE TABLE take_audio (
            take_id BIGINT PRIMARY KEY REFERENCES takes(id) ON DELETE CASCADE,
            flac BYTEA NOT NULL
        )""",
        pg_sql(MIGRATIONS[2][2][0]),  # take_tracks
        pg_sql(MIGRATIONS[3][2][0]),  # assignments
        pg_sql(MIGRATIONS[3][2][1]),
    )),
    (6, MIGRATIONS[5][1], tuple(pg_sql(step) for step in ACCOUNTS_SQL)),
)
assert PG_MIGRATIONS[-1][0] == SCHEMA_VERSION


def schema_version(con: sqlite3.Connection) -> int:
    """The version of the schema in a history's database (0 for a new, empty one)."""
    exists = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                         "AND name = 'schema_migrations'").fetchone()
    if not exists:
        return 0
    return int(con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations")
               .fetchone()[0])


def upgrade(con: sqlite3.Connection) -> None:
    """Apply the migrations a database lacks, recording each one; run inside one write
    transaction (the caller holds it)."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, applied_utc TEXT NOT NULL)")
    # read again under the write lock: another process may have upgraded meanwhile
    current = schema_version(con)
    for version, _, statements in MIGRATIONS:
        if version <= current:
            continue
        for step in statements:
            if isinstance(step, str):
                con.execute(step)
            else:
                step(con)
        con.execute("INSERT INTO schema_migrations (version, applied_utc) "
                    "VALUES (?, ?)", (version, utc_iso(utc_now())))


def fill_name_keys(con: sqlite3.Connection) -> None:
    """Migration 5: a key for each existing person. Two people whose names fold to one key
    (possible before: 'Émile' and 'émile') both stay; the later one's key gets its id, so it
    is still listed and can be renamed or deleted, and new takes go to the first."""
    seen: set[str] = set()
    for person_id, name in con.execute("SELECT id, name FROM people ORDER BY id").fetchall():
        key = name_key(name)
        if key in seen:
            key = f"{key}#{person_id}"
        seen.add(key)
        con.execute("UPDATE people SET name_key = ? WHERE id = ?", (key, person_id))
