"""What the practice history holds, as values: takes, people, assignments, repair reports.

These are the records every engine of the :class:`~prosody.store.base.Store` interface returns;
none of them knows how it is kept.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from functools import cached_property
from typing import TYPE_CHECKING, Literal, get_args

from ..errors import ProsodyError, ProsodyWarning

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from ..analysis import Analysis

Kind = Literal["practice", "baseline", "model", "exercise"]
KINDS: tuple[str, ...] = get_args(Kind)
#: A filter bound: a datetime, a date (a whole day in local time) or an ISO 8601 string.
When = datetime | date | str


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
        return feedback_tips(self.feedback)

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
            parts.append(refused_message(self.home or "the history folder", n))
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


@dataclass(frozen=True)
class TakeQuery:
    """Which takes: the filters of :meth:`Store.takes`, checked, as an engine receives them.

    Every field is an exact match (a person's name compared as names are), None for any;
    ``since`` is inclusive, ``until`` exclusive (a date means that whole day, local time).
    """

    person: str | None = None
    phrase: str | None = None
    scenario: str | None = None
    since: When | None = None
    until: When | None = None
    kinds: tuple[str, ...] | None = None
    exercise_id: str | None = None
    assignment_id: str | None = None
    #: only the takes of these people (names as kept), when not None: what an account may see
    people: tuple[str, ...] | None = None

    @classmethod
    def of(cls, *, person: str | None = None, phrase: str | None = None,
           scenario: str | None = None, since: When | None = None, until: When | None = None,
           kind: Kind | tuple[Kind, ...] | list[Kind] | None = None,
           exercise_id: str | None = None, assignment_id: str | None = None) -> TakeQuery:
        """The filters as :meth:`Store.takes` takes them (``kind``: one kind or several)."""
        kinds = None
        if kind is not None:
            kinds = (kind,) if isinstance(kind, str) else tuple(kind)
            bad = [k for k in kinds if k not in KINDS]
            if bad:
                raise ProsodyError(f"kind={bad[0]!r} must be one of {', '.join(KINDS)}.")
        return cls(person=person, phrase=phrase, scenario=scenario, since=since, until=until,
                   kinds=kinds, exercise_id=exercise_id, assignment_id=assignment_id)


@dataclass(frozen=True)
class NewTake:
    """A take checked by :meth:`Store.save_take`, for an engine to keep all or nothing.

    ``audio`` is float64 mono at ``sr`` Hz; ``feedback`` the JSON-ready feedback object;
    ``created_utc`` the stored time (:func:`~prosody.store.values.utc_iso`).
    """

    person: str
    audio: np.ndarray = field(repr=False)
    sr: int
    analysis: Analysis = field(repr=False)
    feedback: dict | None = field(repr=False)
    phrase: str
    scenario: str | None
    profile_name: str | None
    profile_version: str | None
    kind: Kind
    score: float | None
    exercise_id: str | None
    assignment_id: str | None
    created_utc: str


Role = Literal["trainee", "supervisor", "admin"]
ROLES: tuple[str, ...] = get_args(Role)


@dataclass(frozen=True)
class Account:
    """Someone who signs in to a clinic's app, with their role.

    A trainee practises as the person of the same name; a supervisor follows the trainees in
    ``trainees``; an administrator manages accounts and deletions. ``password_changed_utc``
    lets a session end when the password changes.
    """

    name: str
    role: Role
    created_utc: str
    password_changed_utc: str
    supervisors: tuple[str, ...] = ()
    trainees: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "created_utc": self.created_utc,
                "supervisors": list(self.supervisors), "trainees": list(self.trainees)}


@dataclass(frozen=True)
class Note:
    """A supervisor's written note on a take, at a moment of its contour (``at_s``, seconds
    from the start; None for the take as a whole)."""

    id: int
    take_id: int
    author: str
    at_s: float | None
    text: str
    created_utc: str


@dataclass(frozen=True)
class AuditEntry:
    """Who did what to whose takes, and when (``calmtone audit``).

    ``action`` is one of ``viewed``, ``listened``, ``exported``, ``deleted``, ``noted``,
    ``signed_in``, ``sign_in_failed``, ``account_added``, ``account_removed``,
    ``password_changed``, ``assigned``, ``unassigned``, ``assigned_practice``.
    """

    id: int
    at_utc: str
    actor: str
    action: str
    person: str | None
    take_id: int | None
    detail: str | None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


class AccessDeniedError(ProsodyError):
    """The account signed in may not do this (read or change another person's takes)."""


class SignInError(ProsodyError):
    """The name or password is wrong, or too many wrong tries came first (``wait_s``)."""

    def __init__(self, message: str, *, wait_s: float = 0.0) -> None:
        super().__init__(message)
        self.wait_s = wait_s


def refused_message(home: str, n: int) -> str:
    """What a refused repair means and what to do (:attr:`RepairReport.refused`)."""
    return (f"the practice history database in {home} lists no take, but its audio folder holds "
            f"{n} recording{'s' * (n != 1)}: the database was probably moved, replaced by an "
            "older copy or reset. Nothing was moved or deleted. Close the app, put the earlier "
            "history.sqlite3 (with its -wal file, if any) back in that folder and open it "
            "again; or keep the recordings as new takes with "
            "`calmtone history restore --adopt NAME`.")


def feedback_tips(feedback: dict | None) -> tuple[str, ...]:
    """The tips of a stored feedback dict, most important first (empty without feedback)."""
    if not feedback:
        return ()
    out = []
    for tip in feedback.get("tips") or ():
        if isinstance(tip, dict):
            tip = tip.get("text") or tip.get("message") or ""
        if tip:
            out.append(str(tip))
    return tuple(out)


def summary_keys() -> tuple[str, ...]:
    """The keys of a stored summary, in the order of :class:`~prosody.analysis.Summary`."""
    from ..analysis import Summary

    return tuple(f.name for f in dataclasses.fields(Summary))


def progress_features() -> tuple[str, ...]:
    """What :meth:`Store.progress` can chart: ``"score"`` and the numeric summary features."""
    return ("score", *(k for k in summary_keys() if k != "syllables_source"))
