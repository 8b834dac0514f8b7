"""Accounts of a clinic: passwords, sign-in with a growing wait, supervisors and their trainees,
notes on takes and the audit log, written once for every engine.

A store with no account is the single-user local mode (no sign-in, loopback only); its first
account turns on the clinic mode. Passwords are kept only as a slow, salted scrypt hash (the
standard library's ``hashlib.scrypt``, RFC 7914, n=2**15, r=8, p=1: about 0.1 s and 32 MiB per
try). After :data:`FREE_FAILURES` wrong passwords for one name, every further try waits
twice as long as the one before (1 s, 2 s, 4 s ... up to :data:`MAX_WAIT_S`); the count is kept
in the database, so every app server sees it. What each role may do is enforced by
:class:`~prosody.store.access.AccountStore`.

:class:`AccountsMixin` is mixed into each engine; it needs the engine's ``_write(doing)`` (one
transaction, yielding a connection whose ``execute(sql, params)`` takes ``?`` placeholders)
and ``_read(sql, params)``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from ..errors import ProsodyError
from ..util import without_bidi_controls
from .names import MAX_NOTE_CHARS, name_key, person_name
from .records import ROLES, Account, AuditEntry, Note, Role, SignInError
from .values import utc_iso, utc_now

#: scrypt's cost: n (CPU and memory), r (block size), p (parallelism); 128·n·r bytes = 32 MiB.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
#: Shortest and longest password, in characters.
MIN_PASSWORD_CHARS, MAX_PASSWORD_CHARS = 8, 1024
#: Wrong passwords for one name before signing in starts to wait.
FREE_FAILURES = 3
#: The longest wait between two tries of one name, in seconds (15 minutes).
MAX_WAIT_S = 900.0
#: A signed-in session ends after this long without a click, in seconds (30 minutes).
IDLE_TIMEOUT_S = 30 * 60

WRONG = "The name or password is wrong."


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password`` (checked by :func:`check_password`):
    ``scrypt$n$r$p$salt$hash`` (base64)."""
    check_password(password)
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(("scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P),
                     base64.b64encode(salt).decode(), base64.b64encode(digest).decode()))


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` gives ``stored`` (compared in constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * n * r, dklen=32)


#: Compared against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
    return _DUMMY_HASH


#: Passwords guessed first by anyone (and their like, see :func:`check_password`), written
#: here from the usual lists of leaked passwords' top entries.
COMMON_PASSWORDS = frozenset((
    "password", "passw0rd", "password1", "password123", "qwertyuiop", "qwerty123", "iloveyou",
    "letmein1", "welcome1", "welcome123", "sunshine", "princess", "football", "baseball",
    "trustno1", "superman", "starwars", "whatever", "admin123", "changeme", "calmtonecoach",
))
#: The words under most guessed passwords once digits, symbols and look-alike characters
#: (``P@ssw0rd!``) are set aside: a password made only of these, keyboard or alphabet runs,
#: short numbers (a year) and symbols is among the first an attacker tries.
COMMON_WORDS = frozenset((
    "password", "pass", "passwd", "welcome", "letmein", "login", "admin", "administrator",
    "root", "user", "guest", "test", "secret", "hello", "iloveyou", "love", "trustno",
    "monkey", "dragon", "master", "shadow", "sunshine", "princess", "football", "baseball",
    "soccer", "superman", "batman", "starwars", "whatever", "freedom", "changeme", "default",
    "summer", "winter", "spring", "autumn", "calm", "calmtone", "calmtonecoach", "coach",
    "clinic", "therapy", "trainee", "supervisor", "qwerty", "azerty", "qwertz",
))
#: Keyboard rows and walks, and the alphabet: any three or more in a row, either way, are a
#: run (``qwerty``, ``1q2w3e``, ``1qaz2wsx``, ``abcd``, ``4321``).
KEYBOARD_RUNS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop", "qwertzuiop",
                 "1q2w3e4r5t6y7u8i9o0p", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
                 "qazwsxedcrfvtgbyhnujmikolp", "abcdefghijklmnopqrstuvwxyz")
#: Characters written for letters (``p@ssw0rd``); 1 and ! are read as i and as l.
_LOOK_ALIKE = str.maketrans({"@": "a", "4": "a", "0": "o", "3": "e", "5": "s", "$": "s",
                             "7": "t", "|": "l", "+": "t"})


def _only_guessable(text: str) -> bool:
    """Whether ``text`` is made entirely of pieces an attacker tries first: common words,
    runs of three or more along a keyboard or the alphabet, numbers of up to four digits and
    symbols (the dynamic programme finds any such split)."""
    runs = KEYBOARD_RUNS + tuple(r[::-1] for r in KEYBOARD_RUNS)

    def piece(a: int, b: int) -> bool:
        part = text[a:b]
        if part in COMMON_WORDS:
            return True
        if part.isdigit() and len(part) <= 4:
            return True
        if len(part) == 1 and not part.isalnum():
            return True
        return len(part) >= 3 and any(part in r for r in runs)

    longest = max(max(map(len, runs)), max(map(len, COMMON_WORDS)), 4)  # no piece is longer
    covered = [True] + [False] * len(text)
    for b in range(1, len(text) + 1):
        covered[b] = any(covered[a] and piece(a, b) for a in range(max(0, b - longest), b))
    return covered[-1]


#: A password with fewer different characters than this is a pattern, not a secret.
MIN_DISTINCT_CHARS = 5


def check_password(password: str) -> str:
    """``password`` when it may protect an account; ProsodyError saying why not.

    Long enough (at least :data:`MIN_PASSWORD_CHARS`) and not so long that hashing it is a
    denial of service; and not one of the first guesses: the same few characters
    (``aaaaaaaa``, eight spaces), a run (``12345678``, ``abcdefgh``) or a well-known password,
    also dressed up (``P@ssw0rd!``, ``Welcome1!``, ``qwerty12``, ``1q2w3e4r``, ``abcd1234``).
    A few ordinary words together pass every rule.
    """
    if not isinstance(password, str):
        raise ProsodyError(f"a password must be text, not {type(password).__name__}.")
    if len(password) < MIN_PASSWORD_CHARS:
        raise ProsodyError(f"the password has {len(password)} characters; use at least "
                           f"{MIN_PASSWORD_CHARS} (a few words are easy to remember).")
    if len(password) > MAX_PASSWORD_CHARS:
        raise ProsodyError(f"the password has {len(password)} characters; use at most "
                           f"{MAX_PASSWORD_CHARS}.")
    plain = password.strip().lower()
    steps = {ord(b) - ord(a) for a, b in zip(plain, plain[1:], strict=False)}
    weak = None
    if len(set(plain.replace(" ", ""))) < MIN_DISTINCT_CHARS:
        weak = "uses too few different characters"
    elif len(steps) == 1 and steps <= {1, -1}:
        weak = "is a run of characters anyone tries early"
    elif plain in COMMON_PASSWORDS or plain.rstrip("0123456789!") in COMMON_PASSWORDS or any(
            _only_guessable(form) for form in (
                plain, plain.translate(_LOOK_ALIKE).replace("1", "i").replace("!", "i"),
                plain.translate(_LOOK_ALIKE).replace("1", "l").replace("!", "l"),
                plain.translate(_LOOK_ALIKE))):
        weak = "is one of the passwords guessed first"
    if weak:
        raise ProsodyError(f"the password {weak}; choose another (a few ordinary words that "
                           "belong together only for you are easy to remember and hard to "
                           "guess).")
    return password


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise ProsodyError(f"role={role!r} must be one of {', '.join(ROLES)}.")
    return role  # type: ignore[return-value]


def wait_after(failures: int) -> float:
    """Seconds the next try of a name waits after ``failures`` wrong passwords in a row."""
    if failures < FREE_FAILURES:
        return 0.0
    return min(2.0 ** (failures - FREE_FAILURES), MAX_WAIT_S)


class AccountsMixin:
    """Accounts, supervision, notes and the audit log, on top of an engine's SQL."""

    # -- accounts -----------------------------------------------------------------------------

    def has_accounts(self) -> bool:
        """True once the store has an account: the app then asks everyone to sign in."""
        return bool(self._read("SELECT 1 FROM accounts LIMIT 1"))

    def add_account(self, name: str, *, role: Role, password: str,
                    actor: str = "command line", adopt_takes: bool = False) -> Account:
        """Add an account; ProsodyError when the name is taken.

        A trainee practises as the person of the same name, and sees that person's takes. When
        the history already holds takes of that name (someone who practised before accounts, or
        a removed account's), the account is refused unless ``adopt_takes``: a new person
        given an old name would otherwise inherit another's recordings without a word.
        """
        name, role = person_name(name), check_role(role)
        hashed = hash_password(password)
        now = utc_iso(utc_now())
        with self._write("add the account") as con:
            if con.execute("SELECT 1 FROM accounts WHERE name_key = ?",
                           (name_key(name),)).fetchone():
                raise ProsodyError(f"there is already an account called {name!r}; choose "
                                   "another name, or `calmtone users passwd` to change its "
                                   "password.")
            held = con.execute("SELECT p.name, COUNT(t.id) FROM people p JOIN takes t ON "
                               "t.person_id = p.id WHERE p.name_key = ? GROUP BY p.name",
                               (name_key(name),)).fetchone()
            if held and not adopt_takes:
                raise ProsodyError(
                    f"the history already holds {held[1]} take{'s' if held[1] != 1 else ''} "
                    f"of {held[0]!r} (someone who practised before, or a removed account), and "
                    f"an account called {name!r} would see them. Choose another name; or, if "
                    "this is the same person, add the account with --adopt-takes; or remove "
                    f"the takes first (`calmtone history delete --person {held[0]!r} --yes`).")
            con.execute("INSERT INTO accounts (name, name_key, role, password_hash, created_utc, "
                        "password_changed_utc) VALUES (?, ?, ?, ?, ?, ?)",
                        (name, name_key(name), role, hashed, now, now))
            _log(con, actor, "account_added", name,
                 detail=f"{role}, adopting {held[1]} takes" if held else role)
        return self.account(name)

    def account(self, name: str) -> Account:
        """The account called ``name`` (names compared as people's); ProsodyError if none."""
        found = self._accounts("WHERE a.name_key = ?", (name_key(person_name(name)),))
        if not found:
            raise ProsodyError(f"there is no account called {name!r}; `calmtone users list` "
                               "shows the accounts.")
        return found[0]

    def accounts(self) -> list[Account]:
        """Every account, by name."""
        return self._accounts("", ())

    def _accounts(self, where: str, params) -> list[Account]:
        rows = self._read(f"SELECT a.id, a.name, a.role, a.created_utc, a.password_changed_utc "
                          f"FROM accounts a {where} ORDER BY a.name_key", params)
        if not rows:
            return []
        links = self._read("SELECT s.name, t.name FROM supervision x "
                           "JOIN accounts s ON s.id = x.supervisor_id "
                           "JOIN accounts t ON t.id = x.trainee_id ORDER BY t.name_key")
        out = []
        for _, name, role, created, changed in rows:
            out.append(Account(name=name, role=role, created_utc=created,
                               password_changed_utc=changed,
                               supervisors=tuple(s for s, t in links if t == name),
                               trainees=tuple(t for s, t in links if s == name)))
        return out

    def set_password(self, name: str, password: str, *, actor: str = "command line") -> None:
        """Give an account a new password; its signed-in sessions end."""
        hashed = hash_password(password)
        with self._write("change the password") as con:
            row = con.execute("SELECT name FROM accounts WHERE name_key = ?",
                              (name_key(person_name(name)),)).fetchone()
            if row is None:
                raise ProsodyError(f"there is no account called {name!r}.")
            con.execute("UPDATE accounts SET password_hash = ?, password_changed_utc = ? "
                        "WHERE name_key = ?", (hashed, utc_iso(utc_now()),
                                               name_key(row[0])))
            con.execute("DELETE FROM sign_in_failures WHERE name_key = ?", (name_key(row[0]),))
            _log(con, actor, "password_changed", row[0])

    def clear_sign_in_wait(self, name: str, *, actor: str = "command line") -> int:
        """Forget an account's wrong passwords, so it may sign in at once (someone kept it
        waiting); its password stays. Returns how many wrong tries were forgotten."""
        with self._write("clear the sign-in wait") as con:
            row = con.execute("SELECT name FROM accounts WHERE name_key = ?",
                              (name_key(person_name(name)),)).fetchone()
            if row is None:
                raise ProsodyError(f"there is no account called {name!r}.")
            held = con.execute("SELECT failures FROM sign_in_failures WHERE name_key = ?",
                               (name_key(row[0]),)).fetchone()
            con.execute("DELETE FROM sign_in_failures WHERE name_key = ?", (name_key(row[0]),))
            _log(con, actor, "sign_in_wait_cleared", row[0],
                 detail=f"{held[0] if held else 0} wrong tries")
        return int(held[0]) if held else 0

    def remove_account(self, name: str, *, actor: str = "command line") -> None:
        """Remove an account (its takes stay, as a person's; ``history delete`` removes them)."""
        with self._write("remove the account") as con:
            row = con.execute("SELECT name FROM accounts WHERE name_key = ?",
                              (name_key(person_name(name)),)).fetchone()
            if row is None:
                raise ProsodyError(f"there is no account called {name!r}.")
            con.execute("DELETE FROM accounts WHERE name_key = ?", (name_key(row[0]),))
            _log(con, actor, "account_removed", row[0])

    def supervise(self, supervisor: str, trainee: str, *, actor: str = "command line") -> None:
        """Make ``supervisor`` (a supervisor) follow ``trainee`` (a trainee)."""
        sup, tra = self.account(supervisor), self.account(trainee)
        if sup.role != "supervisor":
            raise ProsodyError(f"{sup.name} is a {sup.role}, not a supervisor; only supervisors "
                               "follow trainees.")
        if tra.role != "trainee":
            raise ProsodyError(f"{tra.name} is a {tra.role}, not a trainee.")
        with self._write("assign the trainee") as con:
            ids = [con.execute("SELECT id FROM accounts WHERE name_key = ?",
                               (name_key(a.name),)).fetchone()[0] for a in (sup, tra)]
            if not con.execute("SELECT 1 FROM supervision WHERE supervisor_id = ? AND "
                               "trainee_id = ?", ids).fetchone():
                con.execute("INSERT INTO supervision (supervisor_id, trainee_id, created_utc) "
                            "VALUES (?, ?, ?)", (*ids, utc_iso(utc_now())))
                _log(con, actor, "assigned", tra.name, detail=f"to supervisor {sup.name}")

    def unsupervise(self, supervisor: str, trainee: str, *, actor: str = "command line") -> None:
        """Stop ``supervisor`` following ``trainee``."""
        sup, tra = self.account(supervisor), self.account(trainee)
        with self._write("unassign the trainee") as con:
            cur = con.execute(
                "DELETE FROM supervision WHERE supervisor_id = (SELECT id FROM accounts WHERE "
                "name_key = ?) AND trainee_id = (SELECT id FROM accounts WHERE name_key = ?)",
                (name_key(sup.name), name_key(tra.name)))
            if cur.rowcount == 0:
                raise ProsodyError(f"{tra.name} is not assigned to {sup.name}.")
            _log(con, actor, "unassigned", tra.name, detail=f"from supervisor {sup.name}")

    # -- signing in ---------------------------------------------------------------------------

    def sign_in(self, name: str, password: str) -> Account:
        """The account when ``password`` is its own; :class:`SignInError` otherwise.

        The error says only that the name or the password is wrong (never which), and after
        :data:`FREE_FAILURES` wrong tries for a name, how long to wait: a try made earlier is
        refused without looking at the password.
        """
        try:
            key = name_key(person_name(name))
        except ProsodyError:
            raise SignInError(WRONG) from None
        now = utc_now()
        # The try is counted as a wrong one before the password is looked at, in one write
        # transaction with the check of the wait: tries made at the same moment (many tabs,
        # several servers) are counted one after the other and meet the wait, instead of all
        # reading "no wait yet" while the slow hash runs. A right password clears the count.
        with self._write("sign in") as con:
            row = con.execute(
                "UPDATE sign_in_failures SET failures = failures + 1, last_utc = ? "
                "WHERE name_key = ? AND locked_until_utc <= ? RETURNING failures",
                (utc_iso(now), key, utc_iso(now))).fetchone()
            if row is None:  # no count yet, or a wait: the first try of tries made at once
                # inserts, the others (PostgreSQL makes them wait for it) count on, unless a
                # wait has begun meanwhile
                row = con.execute(
                    "INSERT INTO sign_in_failures VALUES (?, 1, ?, ?) ON CONFLICT (name_key) "
                    "DO UPDATE SET failures = sign_in_failures.failures + 1, last_utc = ? "
                    "WHERE sign_in_failures.locked_until_utc <= ? RETURNING failures",
                    (key, utc_iso(now), utc_iso(now), utc_iso(now), utc_iso(now))).fetchone()
            waiting = None
            if row is None:
                held = con.execute("SELECT locked_until_utc FROM sign_in_failures "
                                   "WHERE name_key = ?", (key,)).fetchone()
                waiting = (datetime.fromisoformat(held[0]) - now).total_seconds()
            else:
                failures = row[0]
                con.execute("UPDATE sign_in_failures SET locked_until_utc = ? WHERE name_key = ?",
                            (utc_iso(now + timedelta(seconds=wait_after(failures))), key))
        if waiting is not None:
            wait_s = max(waiting, 1.0)
            raise SignInError(f"Too many wrong passwords for this name: wait {wait_s:.0f} s "
                              "before trying again.", wait_s=wait_s)
        found = self._read("SELECT name, password_hash FROM accounts WHERE name_key = ?", (key,))
        stored = found[0][1] if found else _dummy_hash()
        ok = verify_password(password if isinstance(password, str) else "", stored)
        with self._write("sign in") as con:
            if ok and found:
                con.execute("DELETE FROM sign_in_failures WHERE name_key = ?", (key,))
                _log(con, found[0][0], "signed_in", found[0][0])
            else:
                _log(con, "(not signed in)", "sign_in_failed",
                     found[0][0] if found else None, detail=f"try {failures}")
        if not (ok and found):
            wait_s = wait_after(failures)
            raise SignInError(WRONG + (f" Wait {wait_s:.0f} s before trying again."
                                       if wait_s else ""), wait_s=wait_s)
        return self.account(found[0][0])

    # -- notes --------------------------------------------------------------------------------

    def add_note(self, take_id: int, *, author: str, text: str,
                 at_s: float | None = None) -> Note:
        """Leave a written note on a take, at ``at_s`` seconds of its contour (or None)."""
        if not isinstance(text, str) or not text.strip():
            raise ProsodyError("the note is empty; write what the trainee should hear.")
        if len(text) > MAX_NOTE_CHARS:
            raise ProsodyError(f"the note is {len(text)} characters long; keep it to at most "
                               f"{MAX_NOTE_CHARS}.")
        if at_s is not None and not (0.0 <= float(at_s) < 24 * 3600):
            raise ProsodyError(f"at_s={at_s} must be a moment of the take, in seconds from its "
                               "start.")
        take = self.get(take_id)
        with self._write("save the note") as con:
            new_id = con.execute(
                "INSERT INTO take_notes (take_id, author, at_s, text, created_utc) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                (take.id, author, None if at_s is None else float(at_s),
                 without_bidi_controls(text).strip(),
                 utc_iso(utc_now()))).fetchone()[0]
            _log(con, author, "noted", take.person, take.id)
        return next(n for n in self.notes(take.id) if n.id == new_id)

    def notes(self, take_id: int) -> list[Note]:
        """The notes on a take, oldest first."""
        rows = self._read("SELECT id, take_id, author, at_s, text, created_utc FROM take_notes "
                          "WHERE take_id = ? ORDER BY created_utc, id", (int(take_id),))
        return [Note(*row) for row in rows]

    def note_counts(self, person: str) -> dict[int, int]:
        """How many notes each of ``person``'s takes has, by take id (takes without one are
        left out): one query for a whole list of takes."""
        rows = self._read("SELECT n.take_id, COUNT(*) FROM take_notes n JOIN takes t ON "
                          "n.take_id = t.id WHERE t.person_id = ? GROUP BY n.take_id",
                          (self._person_id_of(person),))
        return {int(take_id): int(n) for take_id, n in rows}

    # -- the audit log ------------------------------------------------------------------------

    def log(self, actor: str, action: str, person: str | None = None,
            take_id: int | None = None, detail: str | None = None) -> None:
        """Add a line to the audit log."""
        with self._write("write the audit log") as con:
            _log(con, actor, action, person, take_id, detail)

    def audit_log(self, *, limit: int | None = None, person: str | None = None) -> list[AuditEntry]:
        """The audit log, newest first (of ``person``'s takes only, when given).

        ``person`` is matched as names of people are everywhere (``ALICE`` is alice): the log
        keeps each name as it was written when the action was done, an export as typed on
        the command line among them, and none of them may be missed.
        """
        sql = "SELECT id, at_utc, actor, action, person, take_id, detail FROM audit_log"
        params: list = []
        if person is not None:
            sql += " WHERE person IS NOT NULL"
        sql += " ORDER BY at_utc DESC, id DESC"
        if limit is not None and person is None:
            sql += " LIMIT ?"
            params.append(int(limit))
        rows = [AuditEntry(*row) for row in self._read(sql, params)]
        if person is not None:
            key = _person_key(person)
            rows = [e for e in rows if key is not None and _person_key(e.person) == key]
            rows = rows if limit is None else rows[:int(limit)]
        return rows


def _person_key(name: str) -> str | None:
    """The key a name is compared by, or None for one that is no person's name."""
    try:
        return name_key(person_name(name))
    except ProsodyError:
        return None


def _log(con, actor: str, action: str, person: str | None = None, take_id: int | None = None,
         detail: str | None = None) -> None:
    con.execute("INSERT INTO audit_log (at_utc, actor, action, person, take_id, detail) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (utc_iso(utc_now()), actor, action, person, take_id, detail))
