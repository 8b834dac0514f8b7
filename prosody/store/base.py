"""The one interface of the practice history: :class:`Store`.

Every surface (the app, ``calmtone``, the reports) talks to the history through this class only.
The SQLite engine (:class:`~prosody.store.sqlite.SQLiteStore`) is the default one; another
engine (PostgreSQL, for a programme with many users) subclasses :class:`Store` with
``engine="<name>"`` and implements every abstract method with the same guarantees:

- a take is saved atomically: after a crash there is the whole take or none of it;
- nothing deletes a recording automatically: a repair moves a recording no take refers to into
  a quarantine folder and says so, and a take whose recording is missing stays, marked missing;
- every failure is a :class:`~prosody.errors.ProsodyError` with a sentence a person can act on
  (the disk is full, the folder is read-only, the take is unknown).

What needs no engine (per-day progress, the exports and the report, reading a take's audio,
analysing it again) is written here once, on top of the abstract methods.
"""

from __future__ import annotations

import os
import warnings
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..errors import ProsodyError, quiet_warnings
from ..util import check_audio, without_bidi_controls
from . import export
from .files import PathOrFile, read_only_message
from .names import MAX_NOTE_CHARS, name_scripts, name_skeleton, person_name
from .records import (
    KINDS,
    Assignment,
    AssignmentKind,
    ConfusableNameWarning,
    Kind,
    NewTake,
    Person,
    ProgressPoint,
    RepairReport,
    RestoreReport,
    Take,
    TakeQuery,
    When,
    progress_features,
)
from .values import as_datetime, feedback_dict, utc_iso, utc_now

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis import Analysis, Tracks
    from ..audio import Signal

#: The engine :meth:`Store.open` opens.
DEFAULT_ENGINE = "sqlite"
#: The environment variable naming the database: a ``postgresql://`` URL (or a folder).
DB_ENV = "CALMTONE_DB"
#: Engines by name, filled in by each engine's class (``class SQLiteStore(Store,
#: engine="sqlite")``).
_ENGINES: dict[str, type[Store]] = {}


def is_database_url(where: str | os.PathLike[str] | None) -> bool:
    """True for a PostgreSQL URL (``postgresql://`` or ``postgres://``)."""
    return isinstance(where, str) and where.startswith(("postgresql://", "postgres://"))


def location(path: str | os.PathLike[str] | None = None) -> str:
    """Where the history is: ``path`` when given, else ``CALMTONE_DB``, else the data folder
    (``CALMTONE_HOME`` or the platform's): a database URL or a folder, as text."""
    from .files import data_dir

    if path is not None:
        return path if is_database_url(path) else str(Path(path).expanduser())
    env = os.environ.get(DB_ENV, "").strip()
    if env:
        return env if is_database_url(env) else str(Path(env).expanduser())
    return str(data_dir())


def redacted(where: str) -> str:
    """A location fit to show: a database URL without its password."""
    if not is_database_url(where):
        return where
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(where)
    if parts.password is None:
        return where
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class Store(ABC):
    """The practice history. Use :meth:`open`.

    A store can be cached and shared by every session of the app (``st.cache_resource``): each
    engine serialises its own access. Every method raises :class:`ProsodyError` with a sentence
    a person understands when the disk is full, the folder is read-only or a take is unknown.

    Attributes
    ----------
    home : Path
        the history's folder
    audio_dir, quarantine_dir : Path
        where the recordings are, and where a repair moves those no take refers to
    writable : bool
        False when the history can be read but not written (saving explains why)
    last_repair : RepairReport
        what the repair on opening found and did
    """

    home: Path
    audio_dir: Path
    quarantine_dir: Path
    writable: bool
    last_repair: RepairReport
    engine: ClassVar[str]

    def __init_subclass__(cls, *, engine: str | None = None, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if engine is not None:
            cls.engine = engine
            _ENGINES[engine] = cls

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, repair: bool = True) -> Store:
        """Open (creating or upgrading when needed) the history at ``path``.

        ``Store.open`` picks the engine from ``path``: a ``postgresql://...`` URL opens
        PostgreSQL (:class:`~prosody.store.postgres.PostgresStore`), a folder opens SQLite
        (:class:`~prosody.store.sqlite.SQLiteStore`). None means ``CALMTONE_DB`` when it is
        set (a URL or a folder), else the SQLite history in
        :func:`~prosody.store.files.data_dir` (``CALMTONE_HOME``). An engine's own class opens
        that engine.

        Parameters
        ----------
        path : path, URL or None
            the history folder or the database URL; None: see above
        repair : bool
            remove the debris of interrupted saves (see :meth:`repair`); on by default

        Returns
        -------
        Store
            read-only (``writable`` False) when the folder cannot be written but an existing
            history can be read: listing and exports work, saving explains why it cannot.
        """
        if cls is not Store:
            raise NotImplementedError(f"{cls.__name__} must define open()")
        where = location(path)
        # every engine registers itself when the package (prosody/store/__init__.py) imports it
        engine = "postgresql" if is_database_url(where) else DEFAULT_ENGINE
        return _ENGINES[engine].open(where, repair=repair)

    @abstractmethod
    def close(self) -> None:
        """Let go of the history (its connection, its locks); the store cannot be used after."""

    @property
    @abstractmethod
    def schema_version(self) -> int:
        """The version of the history's schema (after :meth:`open`, the newest this code
        knows, unless the history is read-only and older)."""

    @abstractmethod
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

    @abstractmethod
    def quarantined(self) -> dict[str, Path]:
        """The recordings in the quarantine folder: file name -> where it is now."""

    @abstractmethod
    def quarantine_notice(self) -> str | None:
        """What the Settings page should tell the person about their recordings, or None.

        Says so when the last repair refused to tidy (the database has no takes but the audio
        folder has recordings), when recordings are in the quarantine folder (where, and how to
        restore them), and when takes have their recording missing.
        """

    @abstractmethod
    def count_missing(self) -> int:
        """How many takes have their recording missing from the audio folder."""

    @abstractmethod
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
        name = person_name(person)
        if kind not in KINDS:
            raise ProsodyError(f"kind={kind!r} must be one of {', '.join(KINDS)}.")
        if not isinstance(phrase, str):
            raise ProsodyError(f"phrase must be text, not {type(phrase).__name__}.")
        phrase = without_bidi_controls(phrase)  # shown in tables and reports, never reversed
        stored_feedback = feedback_dict(feedback)
        if score is None and stored_feedback is not None:
            score = stored_feedback.get("score")
        if score is not None and not (isinstance(score, (int, float, np.number))
                                      and 0.0 <= float(score) <= 100.0):
            raise ProsodyError(f"score={score!r} must be a number from 0 to 100, or None.")
        if not self.writable:
            raise ProsodyError(read_only_message(self.home, "save the take"))
        note = self.name_warning(name)
        take_id = self._insert_take(NewTake(
            person=name, audio=y, sr=int(sr), analysis=analysis, feedback=stored_feedback,
            phrase=phrase, scenario=scenario, profile_name=profile_name,
            profile_version=profile_version, kind=kind,
            score=None if score is None else float(score), exercise_id=exercise_id,
            assignment_id=assignment_id,
            created_utc=utc_iso(as_datetime(created) if created is not None else utc_now())))
        if note:
            warnings.warn(note, ConfusableNameWarning, stacklevel=2)
        return self.get(take_id)

    @abstractmethod
    def _insert_take(self, new: NewTake) -> int:
        """Keep a checked take, recording and rows, all or nothing; its new id.

        For engines: on any failure nothing of the take may stay (and earlier takes are
        untouched); a failure after the rows are committed must leave what the next
        :meth:`repair` finishes.
        """

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
        query = TakeQuery.of(person=person, phrase=phrase, scenario=scenario, since=since,
                             until=until, kind=kind, exercise_id=exercise_id,
                             assignment_id=assignment_id)
        if limit is not None and int(limit) < 0:
            raise ProsodyError(f"limit={limit} must be 0 or more.")
        return self._select_takes(query, limit=None if limit is None else int(limit),
                                  newest_first=newest_first)

    @abstractmethod
    def _select_takes(self, query: TakeQuery, *, limit: int | None,
                      newest_first: bool) -> list[Take]:
        """For engines: the takes ``query`` matches, by time (then id), at most ``limit``."""

    def count(self, **filters) -> int:
        """How many takes match; the filters are those of :meth:`takes`."""
        return self._count_takes(TakeQuery.of(**filters))

    @abstractmethod
    def _count_takes(self, query: TakeQuery) -> int:
        """For engines: how many takes ``query`` matches."""

    @abstractmethod
    def get(self, take_id: int) -> Take:
        """The take with this id; ProsodyError when there is none."""

    @abstractmethod
    def audio_path(self, take_id: int) -> Path:
        """Where the recording of a take is kept (a FLAC file).

        Raises
        ------
        RecordingMissingError
            when the take is kept but its recording is not in the audio folder
        """

    def recording(self, take_id: int) -> bytes:
        """The recording of a take as stored: the bytes of a FLAC file.

        Raises
        ------
        RecordingMissingError
            when the take is kept but its recording is not
        """
        path = self.audio_path(take_id)
        try:
            return path.read_bytes()
        except OSError:  # gone since the check: the same answer
            if not path.is_file():
                return self.recording(take_id)
            raise ProsodyError(f"the recording of take {take_id} ({path}) cannot be read; "
                               "check the permissions of the history's folder.") from None

    def has_recording(self, take_id: int) -> bool:
        """True when the recording of a take is there to be played (checked now)."""
        from .records import RecordingMissingError

        try:
            return self.audio_path(take_id).is_file()
        except RecordingMissingError:
            return False

    def recording_location(self, take_id: int) -> str:
        """Where the recording of a take is kept, in words (a file, or the database)."""
        return str(self.audio_path(take_id))

    def audio(self, take_id: int) -> Signal:
        """The recording of a take as a :class:`~prosody.audio.Signal` (``.y``, ``.sr``), at the
        rate it was saved, read by :func:`prosody.load`."""
        import io

        import soundfile as sf

        from ..audio import load

        data = self.recording(take_id)
        try:
            sr = sf.info(io.BytesIO(data)).samplerate
        except (RuntimeError, OSError):
            raise ProsodyError(f"the recording of take {take_id} cannot be read as audio; it "
                               "was changed outside the app.") from None
        return load(data, sr=sr)  # as recorded, for playback

    @abstractmethod
    def tracks(self, take_id: int) -> Tracks:
        """The frame tracks of a take: as stored, or from analysing its audio again.

        Takes saved before schema 3 have no stored tracks; their audio is analysed with the
        settings stored with the take (and its phrase, when the syllables came from text).
        """

    def reanalyze(self, take_id: int) -> Analysis:
        """Analyse the stored recording again, with the settings stored with the take.

        The way to get a baseline's :class:`~prosody.analysis.Analysis` for the coach.
        """
        from ..analysis import AnalysisSettings, analyze

        take = self.get(take_id)
        settings = AnalysisSettings.from_dict(take.settings)
        text = take.phrase if take.summary.get("syllables_source") == "text" else None
        signal = self.audio(take_id)
        with quiet_warnings():  # the same warnings were given when the take was first analysed
            # kept at 16 kHz: the band the recording carried is in its stored settings
            return analyze(signal.y, sr=signal.sr, text=text or None, settings=settings,
                           bandwidth_hz=take.settings.get("bandwidth_hz"))

    def assign(self, person: str, *, kind: AssignmentKind, target: str, note: str | None = None,
               assigned_by: str | None = None) -> Assignment:
        """Give ``person`` a phrase set or an exercise (a new name adds that person).

        ``target`` is not checked against the content files here: the caller knows them.
        """
        name = person_name(person)
        if kind not in ("phrase_set", "exercise"):
            raise ProsodyError(f"kind={kind!r} must be 'phrase_set' or 'exercise'.")
        if not isinstance(target, str) or not target.strip():
            raise ProsodyError(f"target={target!r} must name a phrase set or an exercise.")
        if note is not None and len(note) > MAX_NOTE_CHARS:
            raise ProsodyError(f"the note is {len(note)} characters long; keep it to at most "
                               f"{MAX_NOTE_CHARS} (a sentence or two).")
        warning = self.name_warning(name)
        note = without_bidi_controls(note).strip() if isinstance(note, str) else note
        new_id = self._insert_assignment(name, kind, target.strip(), note or None,
                                         assigned_by or None)
        if warning:
            warnings.warn(warning, ConfusableNameWarning, stacklevel=2)
        return self.assignments(name, include_closed=True, assignment_id=new_id)[0]

    @abstractmethod
    def _insert_assignment(self, name: str, kind: AssignmentKind, target: str,
                           note: str | None, assigned_by: str | None) -> int:
        """For engines: keep a checked assignment (adding the person if new); its id."""

    @abstractmethod
    def assignments(self, person: str | None = None, *, include_closed: bool = False,
                    assignment_id: int | None = None) -> list[Assignment]:
        """Assignments, newest first: of one person or everyone, open ones unless asked."""

    @abstractmethod
    def close_assignment(self, assignment_id: int) -> None:
        """Mark an assignment done (or withdrawn); its takes stay."""

    @abstractmethod
    def add_person(self, name: str) -> Person:
        """Add someone who practises (nothing happens when the name is already there).

        Names are compared after NFKC normalisation and Unicode case folding ('Émile' and
        'ÉMILE' are one person); the first spelling is the one shown. A new name that mixes
        scripts or looks like someone already here gives a :class:`ConfusableNameWarning`
        (the same sentence as :meth:`name_warning`).
        """

    def name_warning(self, name: str) -> str | None:
        """A sentence to show before ``name`` becomes a new person, or None.

        Said when the name mixes writing systems (a Cyrillic 'А' among Latin letters) or looks
        like the name of someone already in the history ('Emile' beside 'Émile', 'Anna' beside
        'Аnna'). None for a name that is already a person here, and for a plain new name.
        Raises ProsodyError for a name that cannot be used at all (empty, too long, control
        characters).
        """
        name = person_name(name)
        if self._person_id_of(name) != -1:
            return None
        scripts = name_scripts(name)
        if len(scripts) > 1:
            return (f"the name {name!r} mixes {' and '.join(sorted(scripts))} letters, which "
                    "can look alike; check that it is typed as intended (a new person is made "
                    "for every different name).")
        skeleton = name_skeleton(name)
        for other in self._person_names():
            if name_skeleton(other) == skeleton:
                return (f"the name {name!r} looks like {other!r}, who already practises here, "
                        f"but is written differently; if it is the same person, use {other!r} "
                        "so their takes stay together.")
        return None

    @abstractmethod
    def _person_id_of(self, name: str) -> int:
        """For engines: the id of the person called ``name`` (compared as names are), or -1."""

    @abstractmethod
    def _person_names(self) -> list[str]:
        """For engines: everyone's name, oldest first."""

    @abstractmethod
    def person(self, name: str) -> Person:
        """The person called ``name`` (compared as :meth:`add_person` compares names);
        ProsodyError when there is nobody by that name."""

    @abstractmethod
    def people(self) -> list[Person]:
        """Everyone in the history, by name."""

    @abstractmethod
    def phrases(self, person: str | None = None) -> list[str]:
        """The phrases practised (by ``person``), most practised first: choices for a filter."""

    @abstractmethod
    def scenarios(self, person: str | None = None) -> list[str]:
        """The scenarios practised (by ``person``), by name."""

    @abstractmethod
    def set_baseline(self, person: str, take_id: int | None) -> None:
        """Make a take of ``person`` their baseline (their everyday voice); None clears it."""

    @abstractmethod
    def baseline(self, person: str) -> Take | None:
        """The baseline take of ``person``, or None when they have none (or are unknown)."""

    def may_delete(self, person: str) -> bool:
        """True when whoever holds this store may delete ``person``'s takes: always here (the
        history on this computer is its user's); an :class:`AccountStore` decides by role."""
        return True

    @abstractmethod
    def delete_take(self, take_id: int) -> None:
        """Delete a take and its recording. It cannot be undone.

        The row goes first, with the file recorded as a pending delete in the same transaction;
        then the file (and any copy in the quarantine folder); then the WAL is checkpointed, so
        with ``secure_delete`` no copy of the deleted row is left in any file of the history. A
        crash in between never leaves a take without its recording: the next repair finishes
        the delete.
        """

    @abstractmethod
    def delete_person(self, name: str) -> int:
        """Delete everything about a person: their takes, recordings and baseline.

        Done as :meth:`delete_take` is: rows, then files, then a WAL checkpoint.

        Returns
        -------
        int
            the number of takes deleted
        """

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
        query = TakeQuery.of(person=person, phrase=phrase, scenario=scenario, since=since,
                             until=until, kind=kind)
        sums = [dict() for _ in features]
        for created_utc, *values in self._feature_rows(query, features):
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
        rows = self._feature_rows(TakeQuery.of(person=person, kind=kind), ())
        return sorted({datetime.fromisoformat(r[0]).astimezone(tz).date() for r in rows})

    @abstractmethod
    def _feature_rows(self, query: TakeQuery, features: Sequence[str]) -> list[tuple]:
        """For engines: ``(created_utc, value of each feature...)`` of each take ``query``
        matches, oldest first; a feature is ``"score"`` or a summary key (None when unset)."""

    def export_csv(self, dest: PathOrFile, *, person: str | None = None, **filters) -> int:
        """Write one CSV row per take: its details, score and every summary feature.

        Returns the number of takes written. ``filters`` are those of :meth:`takes`.
        """
        return export.export_csv(self, dest, person=person, **filters)

    def export_json(self, dest: PathOrFile, *, person: str | None = None, **filters) -> int:
        """Write the takes (every stored field, not the audio) as one JSON document.

        The document is ``{"schema_version": 5, "exported_utc": ..., "person": ..., "takes":
        [...]}``. Returns the number of takes written.
        """
        return export.export_json(self, dest, person=person, **filters)

    def report_html(self, person: str, path: str | os.PathLike[str], *,
                    since: When | None = None, until: When | None = None,
                    kind: Kind | Sequence[Kind] | None = None, tz: tzinfo | None = None) -> Path:
        """Write a printable HTML report of a person's takes, for a supervisor
        (:func:`prosody.store.export.report_html`).

        Returns
        -------
        Path
            where the report was written
        """
        return export.report_html(self, person, path, since=since, until=until, kind=kind,
                                  tz=tz)
