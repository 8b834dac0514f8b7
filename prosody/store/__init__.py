"""The practice history: every saved take kept safely, listed, charted, exported and deleted.

``Store.open(home)`` opens it (the SQLite engine by default); everything else goes through the
:class:`Store` interface (``prosody/store/base.py``). The modules:

- ``base``: the interface, and what needs no engine (progress, exports, reading audio);
- ``sqlite``: the SQLite engine, with its atomic saves, repair and quarantine;
- ``migrations``: the numbered schema migrations;
- ``export``: CSV and JSON exports, the printable HTML report and its SVG contours;
- ``records``, ``names``, ``values``, ``files``: the records returned, people's names, stored
  values, and the folder with its private, durable files.

Only this package writes to the history's folder (DESIGN.md).
"""

from __future__ import annotations

from .base import Store
from .export import contour_svg, csv_text
from .files import AUDIO_DIR, DB_NAME, QUARANTINE_DIR, data_dir
from .migrations import SCHEMA_VERSION
from .names import MAX_NAME_CHARS, MAX_NOTE_CHARS
from .records import (
    KINDS,
    Assignment,
    ConfusableNameWarning,
    Kind,
    Person,
    ProgressPoint,
    RecordingMissingError,
    RepairReport,
    RestoreReport,
    Take,
    progress_features,
)
from .sqlite import SQLiteStore

__all__ = [
    "AUDIO_DIR",
    "DB_NAME",
    "KINDS",
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
