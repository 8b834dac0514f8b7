"""The history as one signed-in account may see it: :class:`AccountStore`.

What each role may do is decided here, in the store layer, so that no page, export or media
route can show more than this class returns:

- a **trainee** sees, exports and deletes only their own takes (and the model takes of their
  supervisors), saves takes only as themselves, and reads the notes left on their takes;
- a **supervisor** sees and exports the takes of the trainees assigned to them (and their own),
  leaves notes on those takes and assigns them exercises and phrase sets; they delete only
  their own takes;
- an **administrator** sees everything, manages accounts, deletes anyone's takes and reads the
  audit log.

Whatever is not allowed raises :class:`~prosody.store.records.AccessDeniedError` (a
:class:`~prosody.errors.ProsodyError`), and lists leave out what may not be seen. Reading a
take's contour or recording, exporting and deleting are written to the audit log (a view of
one take by one account at most once every :data:`AUDIT_REPEAT_S` seconds).
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ProsodyError
from .base import Store
from .files import PathOrFile
from .names import name_key, person_name
from .records import (
    AccessDeniedError,
    Account,
    Assignment,
    AssignmentKind,
    AuditEntry,
    NewTake,
    Note,
    Person,
    RepairReport,
    RestoreReport,
    Take,
    TakeQuery,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis import Tracks

#: The same account viewing the same take is logged at most once in this many seconds.
AUDIT_REPEAT_S = 600.0
#: How long an account as stored (its role, password date and a supervisor's trainees) is
#: reused before it is read again, in seconds: an unassigned supervisor, a removed account or
#: a changed password loses access within this time, on every server of the clinic.
LINKS_TTL_S = 2.0

_recent: dict[tuple[str, str, str, int], float] = {}
_recent_lock = threading.Lock()
#: The accounts read lately, per store (held weakly: a store closed and gone takes its
#: entries with it, and a new store never meets an old one's) and name: (when read, the
#: account or None if removed). Shared by the AccountStores of a process (the app makes one
#: per request), so a page that asks who may see what twenty times reads the account once, and
#: never older than the TTL.
_fresh_accounts: weakref.WeakKeyDictionary[Store, dict[str, tuple[float, Account | None]]] = (
    weakref.WeakKeyDictionary())
_fresh_lock = threading.Lock()


class AccountStore(Store):
    """``store`` as ``account`` may see and change it. Same interface as :class:`Store`.

    Closing it does not close ``store`` (the app shares one store between its sessions).
    """

    def __init__(self, store: Store, account: Account) -> None:
        self.inner = store
        self.account = account
        self.home, self.audio_dir = store.home, store.audio_dir
        self.quarantine_dir = store.quarantine_dir
        self.writable = store.writable
        self.last_repair = RepairReport(home=str(store.home))

    def __repr__(self) -> str:
        return f"AccountStore({self.inner!r}, {self.account.name!r} as {self.account.role})"

    # -- who may see whom ---------------------------------------------------------------------

    @property
    def me(self) -> str:
        return self.account.name

    @property
    def role(self) -> str:
        """The role the account signed in with, checked against the account as stored: every
        decision of this class reads it, so none is made for a removed or changed account."""
        self._fresh()
        return self.account.role

    def _fresh(self) -> Account:
        """The account as stored now, at most :data:`LINKS_TTL_S` old: a supervisor's trainees
        change while they work, and an account removed, or whose password or role changed
        since it signed in, may do nothing more (not even a download its page offered before).

        Raises
        ------
        AccessDeniedError
            when the account is gone or is no longer the one that signed in
        """
        key = name_key(self.me)
        now = time.monotonic()
        with _fresh_lock:
            mine = _fresh_accounts.setdefault(self.inner, {})
            at, account = mine.get(key, (-LINKS_TTL_S - 1.0, None))
        if now - at > LINKS_TTL_S:
            try:
                account = self.inner.account(self.me)
            except AccessDeniedError:
                raise
            except ProsodyError:  # no such account any more
                account = None
            with _fresh_lock:
                mine[key] = (now, account)
        if account is None:
            raise AccessDeniedError(f"the account {self.me} was removed; nothing more may be "
                                    "read or changed with it.")
        if (account.password_changed_utc != self.account.password_changed_utc
                or account.role != self.account.role):
            raise AccessDeniedError(f"the password or role of {self.me} changed since they "
                                    "signed in: sign in again.")
        return account

    def visible(self, *, models: bool = False) -> tuple[str, ...] | None:
        """The people whose takes this account may see (None: everyone, for an administrator).
        ``models`` adds the supervisors whose model takes a trainee practises with."""
        account = self._fresh()  # first: a removed or changed account sees nothing
        if account.role == "admin":
            return None
        people = (self.me, *account.trainees)
        return (*people, *account.supervisors) if models else people

    def may_see(self, person: str, *, models: bool = False) -> bool:
        people = self.visible(models=models)
        return people is None or name_key(person_name(person)) in {name_key(p) for p in people}

    def supervises(self, person: str) -> bool:
        """True when this account may comment on and assign practice to ``person``."""
        account = self._fresh()
        if account.role == "admin":
            return True
        key = name_key(person_name(person))
        return account.role == "supervisor" and key in {name_key(t) for t in account.trainees}

    def _is_me(self, person: str) -> bool:
        self._fresh()
        return name_key(person_name(person)) == name_key(self.me)

    def _deny(self, what: str) -> AccessDeniedError:
        return AccessDeniedError(f"{self.me} ({self.account.role}) may not {what}.")

    def _check_see(self, person: str, *, models: bool = False) -> None:
        if not self.may_see(person, models=models):
            raise self._deny(f"see the takes of {person}")

    def _admin(self, what: str) -> None:
        if self.role != "admin":
            raise self._deny(what)

    def _scoped(self, query: TakeQuery) -> TakeQuery:
        models = query.kinds == ("model",)
        if query.person is not None:
            self._check_see(query.person, models=models)
            return query
        people = self.visible(models=models)
        return query if people is None else dataclasses.replace(query, people=people)

    def _audit(self, action: str, take: Take | None = None, *, person: str | None = None,
               detail: str | None = None) -> None:
        if take is not None:
            key = (str(self.home), self.me, action, take.id)
            now = time.monotonic()
            with _recent_lock:
                if now - _recent.get(key, -AUDIT_REPEAT_S) < AUDIT_REPEAT_S:
                    return
                _recent[key] = now
        self.inner.log(self.me, action, take.person if take is not None else person,
                       None if take is None else take.id, detail)

    # -- the store ----------------------------------------------------------------------------

    def close(self) -> None:
        """Nothing to let go of: the store underneath stays open for the other sessions."""

    @property
    def schema_version(self) -> int:
        return self.inner.schema_version

    def repair(self) -> RepairReport:
        self._admin("repair the history")
        return self.inner.repair()

    def quarantined(self) -> dict[str, Path]:
        return self.inner.quarantined() if self.role == "admin" else {}

    def quarantine_notice(self) -> str | None:
        return self.inner.quarantine_notice() if self.role == "admin" else None

    def count_missing(self) -> int:
        return self.inner.count_missing() if self.role == "admin" else 0

    def restore(self, *, adopt: str | None = None) -> RestoreReport:
        self._admin("restore recordings")
        return self.inner.restore(adopt=adopt)

    def save_take(self, *, person: str, **take) -> Take:
        if not self._is_me(person):
            raise self._deny(f"save a take as {person}; takes are saved as {self.me}")
        return self.inner.save_take(person=person, **take)

    def _insert_take(self, new: NewTake) -> int:
        raise self._deny("write to the history directly")

    def _select_takes(self, query: TakeQuery, *, limit: int | None,
                      newest_first: bool) -> list[Take]:
        return self.inner._select_takes(self._scoped(query), limit=limit,
                                        newest_first=newest_first)

    def _count_takes(self, query: TakeQuery) -> int:
        return self.inner._count_takes(self._scoped(query))

    def _feature_rows(self, query: TakeQuery, features: Sequence[str]) -> list[tuple]:
        return self.inner._feature_rows(self._scoped(query), features)

    def get(self, take_id: int) -> Take:
        take = self.inner.get(take_id)
        if not self.may_see(take.person, models=take.kind == "model"):
            # the same words as for a take that does not exist: ids say nothing of others
            raise AccessDeniedError(f"there is no take {take_id} that {self.me} may see.")
        return take

    def audio_path(self, take_id: int) -> Path:
        take = self.get(take_id)
        self._audit("listened", take)
        return self.inner.audio_path(take.id)

    def recording(self, take_id: int) -> bytes:
        take = self.get(take_id)
        self._audit("listened", take)
        return self.inner.recording(take.id)

    def has_recording(self, take_id: int) -> bool:
        return self.inner.has_recording(self.get(take_id).id)

    def recording_location(self, take_id: int) -> str:
        return self.inner.recording_location(self.get(take_id).id)

    def tracks(self, take_id: int) -> Tracks:
        take = self.get(take_id)
        self._audit("viewed", take)
        return self.inner.tracks(take.id)

    # -- assignments --------------------------------------------------------------------------

    def _insert_assignment(self, name: str, kind: AssignmentKind, target: str,
                           note: str | None, assigned_by: str | None) -> int:
        if not self.supervises(name):
            raise self._deny(f"assign practice to {name}")
        new_id = self.inner._insert_assignment(name, kind, target, note, self.me)
        self._audit("assigned_practice", person=name, detail=f"{kind} {target}")
        return new_id

    def assignments(self, person: str | None = None, *, include_closed: bool = False,
                    assignment_id: int | None = None) -> list[Assignment]:
        if person is not None:
            self._check_see(person)
        found = self.inner.assignments(person, include_closed=include_closed,
                                       assignment_id=assignment_id)
        return [a for a in found if self.may_see(a.person)]

    def close_assignment(self, assignment_id: int) -> None:
        found = self.inner.assignments(include_closed=True, assignment_id=assignment_id)
        if not found or not (self.supervises(found[0].person) or self._is_me(found[0].person)):
            raise self._deny(f"close assignment {assignment_id}")
        self.inner.close_assignment(assignment_id)

    # -- people and baselines -----------------------------------------------------------------

    def add_person(self, name: str) -> Person:
        if not (self.role == "admin" or self._is_me(name)):
            raise self._deny(f"add {name}")
        return self.inner.add_person(name)

    def _person_id_of(self, name: str) -> int:
        return self.inner._person_id_of(name)

    def _person_names(self) -> list[str]:
        # a name that looks like another is told only among the names this account may see
        return [n for n in self.inner._person_names() if self.may_see(n)]

    def person(self, name: str) -> Person:
        self._check_see(name)
        return self.inner.person(name)

    def people(self) -> list[Person]:
        return [p for p in self.inner.people() if self.may_see(p.name)]

    def phrases(self, person: str | None = None) -> list[str]:
        if person is not None:
            self._check_see(person)
            return self.inner.phrases(person)
        people = self.visible()
        if people is None:
            return self.inner.phrases()
        return list(dict.fromkeys(p for who in people for p in self._known(who, "phrases")))

    def scenarios(self, person: str | None = None) -> list[str]:
        if person is not None:
            self._check_see(person)
            return self.inner.scenarios(person)
        people = self.visible()
        if people is None:
            return self.inner.scenarios()
        return sorted({s for who in people for s in self._known(who, "scenarios")})

    def _known(self, person: str, what: str) -> list[str]:
        if self.inner._person_id_of(person) == -1:
            return []
        return getattr(self.inner, what)(person)

    def set_baseline(self, person: str, take_id: int | None) -> None:
        if not (self.role == "admin" or self._is_me(person)):
            raise self._deny(f"set the baseline of {person}")
        self.inner.set_baseline(person, take_id)

    def baseline(self, person: str) -> Take | None:
        self._check_see(person)
        return self.inner.baseline(person)

    # -- deleting -----------------------------------------------------------------------------

    def may_delete(self, person: str) -> bool:
        """An administrator deletes anyone's takes; everyone else only their own."""
        return self.role == "admin" or self._is_me(person)

    def delete_take(self, take_id: int) -> None:
        take = self.get(take_id)
        if not self.may_delete(take.person):
            raise self._deny(f"delete the takes of {take.person}")
        self.inner.delete_take(take.id)
        self._audit("deleted", person=take.person, detail=f"take {take.id}")

    def delete_person(self, name: str) -> int:
        if not self.may_delete(name):
            raise self._deny(f"delete the data of {name}")
        n = self.inner.delete_person(name)
        self._audit("deleted", person=person_name(name), detail=f"all {n} takes")
        return n

    # -- exports ------------------------------------------------------------------------------

    def export_csv(self, dest: PathOrFile, *, person: str | None = None, **filters) -> int:
        if person is not None:
            self._check_see(person)
        n = super().export_csv(dest, person=person, **filters)
        self._audit("exported", person=person, detail=f"CSV, {n} takes")
        return n

    def export_json(self, dest: PathOrFile, *, person: str | None = None, **filters) -> int:
        if person is not None:
            self._check_see(person)
        n = super().export_json(dest, person=person, **filters)
        self._audit("exported", person=person, detail=f"JSON, {n} takes")
        return n

    def report_html(self, person: str, path: str | os.PathLike[str], **kwargs) -> Path:
        self._check_see(person)
        out = super().report_html(person, path, **kwargs)
        self._audit("exported", person=person, detail="HTML report")
        return out

    # -- notes, accounts, the audit log -------------------------------------------------------

    def notes(self, take_id: int) -> list[Note]:
        return self.inner.notes(self.get(take_id).id)

    def note_counts(self, person: str) -> dict[int, int]:
        self._check_see(person)
        return self.inner.note_counts(person)

    def add_note(self, take_id: int, *, text: str, at_s: float | None = None) -> Note:
        take = self.get(take_id)
        if not self.supervises(take.person):
            raise self._deny(f"leave notes on the takes of {take.person}")
        return self.inner.add_note(take.id, author=self.me, text=text, at_s=at_s)

    def has_accounts(self) -> bool:
        return True

    def accounts(self) -> list[Account]:
        self._admin("list the accounts")
        return self.inner.accounts()

    def account(self, name: str) -> Account:
        if not (self.role == "admin" or self._is_me(name)):
            raise self._deny(f"read the account of {name}")
        return self.inner.account(name)

    def add_account(self, name: str, *, role, password: str,
                    adopt_takes: bool = False) -> Account:
        self._admin("add accounts")
        return self.inner.add_account(name, role=role, password=password, actor=self.me,
                                      adopt_takes=adopt_takes)

    def set_password(self, name: str, password: str) -> None:
        if not (self.role == "admin" or self._is_me(name)):
            raise self._deny(f"change the password of {name}")
        self.inner.set_password(name, password, actor=self.me)

    def remove_account(self, name: str) -> None:
        self._admin("remove accounts")
        self.inner.remove_account(name, actor=self.me)

    def supervise(self, supervisor: str, trainee: str) -> None:
        self._admin("assign trainees to supervisors")
        self.inner.supervise(supervisor, trainee, actor=self.me)

    def unsupervise(self, supervisor: str, trainee: str) -> None:
        self._admin("unassign trainees")
        self.inner.unsupervise(supervisor, trainee, actor=self.me)

    def audit_log(self, *, limit: int | None = None,
                  person: str | None = None) -> list[AuditEntry]:
        self._admin("read the audit log")
        return self.inner.audit_log(limit=limit, person=person)
