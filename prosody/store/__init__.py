"""The practice history: every saved take kept safely, listed, charted, exported and deleted.

``Store.open(home)`` opens it (the SQLite engine by default); everything else goes through the
:class:`Store` interface (``prosody/store/base.py``). The modules:

- ``base``: the interface, and what needs no engine (progress, exports, reading audio);
- ``sqlite``: the SQLite engine, with its atomic saves, repair and quarantine;
- ``postgres``: the PostgreSQL engine (``CALMTONE_DB=postgresql://...``), recordings included;
- ``sql``: the queries both engines share (takes, tracks, people, baselines, assignments);
- ``accounts``: accounts, passwords, sign-in, notes on takes and the audit log (both engines);
- ``access``: :class:`AccountStore`, the history as one signed-in account may see it;
- ``migrations``: the numbered schema migrations;
- ``export``: CSV and JSON exports, the printable HTML report and its SVG contours;
- ``records``, ``names``, ``values``, ``files``: the records returned, people's names, stored
  values, and the folder with its private, durable files.

Only this package writes to the history's folder (DESIGN.md).
"""

from __future__ import annotations

from .access import AccountStore
from .accounts import IDLE_TIMEOUT_S
from .base import DB_ENV, Store, is_database_url, location, redacted
from .export import contour_svg, csv_text
from .files import AUDIO_DIR, DB_NAME, QUARANTINE_DIR, data_dir
from .migrations import SCHEMA_VERSION
from .names import MAX_NAME_CHARS, MAX_NOTE_CHARS
from .postgres import PostgresStore
from .records import (
    KINDS,
    ROLES,
    AccessDeniedError,
    Account,
    Assignment,
    AuditEntry,
    ConfusableNameWarning,
    Kind,
    Note,
    Person,
    ProgressPoint,
    RecordingMissingError,
    RepairReport,
    RestoreReport,
    SignInError,
    Take,
    progress_features,
)
from .sqlite import SQLiteStore

__all__ = [
    "AUDIO_DIR",
    "DB_ENV",
    "DB_NAME",
    "IDLE_TIMEOUT_S",
    "KINDS",
    "ROLES",
    "AccessDeniedError",
    "Account",
    "AccountStore",
    "AuditEntry",
    "Note",
    "PostgresStore",
    "SignInError",
    "is_database_url",
    "location",
    "redacted",
    "MAX_NAME_CHARS",
    "MAX_NOTE_CHARS",
    "QUARANTINE_DIR",
    "SCHEMA_VERSION",
    "Assignment",
    "ConfusableNameWarning",
    "Kind",
    "Person",
    "ProgressPoint",
    "RecordingMissingError",
    "RepairReport",
    "RestoreReport",
    "SQLiteStore",
    "Store",
    "Take",
    "contour_svg",
    "csv_text",
    "data_dir",
    "progress_features",
]
