"""Accounts and roles, on both engines: passwords kept only as slow salted hashes, wrong
passwords slowed down, and what trainees, supervisors and administrators may see and change,
enforced by the store (``AccountStore``) whatever the page, export or command asks; the
``calmtone users`` and ``calmtone audit`` commands.

The cast: alice and bob practise (trainees), sue supervises alice (not bob), ada administers.
"""

from __future__ import annotations

import io
import json
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA

from prosody import ProsodyError, analyze, load
from prosody.cli import main
from prosody.store import (
    IDLE_TIMEOUT_S,
    AccessDeniedError,
    AccountStore,
    SignInError,
    Store,
    access,
    is_database_url,
)
from prosody.store import accounts as acc

PASSWORDS = {"alice": "alice-sings-softly", "bob": "bob-speaks-slowly",
             "sue": "sue-listens-well", "ada": "ada-keeps-order"}


@pytest.fixture(scope="module")
def clip():
    sig = load(DATA / "arctic_a0007.wav")
    y = np.concatenate([sig.y, np.zeros(sig.sr // 2), sig.y[: 2 * sig.sr]])
    return y, sig.sr, analyze(y, sr=sig.sr)


def save(store, clip, person: str, phrase: str):
    y, sr, analysis = clip
    return store.save_take(person=person, audio=y, sr=sr, analysis=analysis,
                           feedback={"score": 70}, phrase=phrase)


@pytest.fixture
def clinic(engine_db, clip):
    """The store with the four accounts, sue following alice, and one take each of alice and
    bob (saved as the store's operator would)."""
    with Store.open() as store:
        for name, role in (("alice", "trainee"), ("bob", "trainee"), ("sue", "supervisor"),
                           ("ada", "admin")):
            store.add_account(name, role=role, password=PASSWORDS[name])
        store.supervise("sue", "alice")
        takes = {"alice": save(store, clip, "alice", "Alice's quiet phrase"),
                 "bob": save(store, clip, "bob", "Bob's private phrase")}
        yield store, takes


def as_(store, name: str) -> AccountStore:
    return AccountStore(store, store.sign_in(name, PASSWORDS[name]))


# ---------------------------------------------------------------------------------------------
# Passwords and signing in


def test_passwords_are_kept_only_as_salted_scrypt_hashes(engine_db, clinic):
    store, _ = clinic
    if is_database_url(engine_db):
        import psycopg

        with psycopg.connect(engine_db) as con:
            hashes = [r[0] for r in con.execute("SELECT password_hash FROM accounts")]
    else:
        con = sqlite3.connect(Path(engine_db) / "history.sqlite3")
        hashes = [r[0] for r in con.execute("SELECT password_hash FROM accounts")]
        con.close()
        raw = (Path(engine_db) / "history.sqlite3").read_bytes()
        assert not any(p.encode() in raw for p in PASSWORDS.values())
    assert len(set(hashes)) == 4
    assert all(h.startswith(f"scrypt${2**15}$8$1$") for h in hashes)
    assert not any(p in h for h in hashes for p in PASSWORDS.values())


def test_a_hash_checks_only_its_own_password():
    stored = acc.hash_password("correct horse battery")
    assert acc.verify_password("correct horse battery", stored)
    assert not acc.verify_password("correct horse battery!", stored)
    assert acc.hash_password("correct horse battery") != stored  # a new salt each time
    assert not acc.verify_password("x", "not a hash")


@pytest.mark.parametrize(("password", "match"), [
    ("short", "at least 8"),  # too short to resist guessing
    ("x" * 2000, "at most 1024"),  # a denial of service through the hash
    (None, "must be text"),  # not a string at all
    ("        ", "too few different characters"),  # eight spaces
    ("12345678", "run of characters"),
    ("abababab", "too few different"),
    ("Password123", "guessed first"),
    # dressed up: look-alike characters, a year or a "!", keyboard and alphabet runs
    ("P@ssw0rd", "guessed first"),
    ("Welcome1!", "guessed first"),
    ("letmein!", "guessed first"),
    ("Qwerty123!", "guessed first"),
    ("1q2w3e4r", "guessed first"),
    ("1qaz2wsx", "guessed first"),
    ("abcd1234", "guessed first"),
    ("asdfghjk", "guessed first"),
    ("Summer2026", "guessed first"),
])
def test_bad_passwords_are_refused(engine_db, password, match):
    with Store.open() as store, pytest.raises(ProsodyError, match=match):
        store.add_account("carol", role="trainee", password=password)
    with Store.open() as store:
        assert not store.has_accounts()


@pytest.mark.parametrize("password", ["correct horse battery", "my cat naps at noon",
                                      "a-changed-password", "whatever-it-is", "sue-ok-now-2026"])
def test_a_few_ordinary_words_pass(password):
    assert acc.check_password(password) == password


def test_sign_in_says_the_same_for_a_wrong_name_or_password(clinic):
    store, _ = clinic
    for name, password in (("alice", "not her password"), ("nobody", "whatever-it-is")):
        with pytest.raises(SignInError, match=r"^The name or password is wrong\.$"):
            store.sign_in(name, password)
    assert store.sign_in("ALICE", PASSWORDS["alice"]).name == "alice"


def test_repeated_wrong_passwords_wait_longer_each_time(clinic, monkeypatch):
    store, _ = clinic
    waits = []
    for _ in range(acc.FREE_FAILURES + 2):
        with pytest.raises(SignInError) as caught:
            store.sign_in("bob", "guess-guess-guess")
        waits.append(caught.value.wait_s)
        # let the wait pass, so the next try is checked
        monkeypatch.setattr(acc, "utc_now", _later(acc.utc_now, 3600 * (len(waits))))
    assert waits == [0.0, 0.0, 1.0, 2.0, 4.0]
    assert [acc.wait_after(n) for n in (3, 10, 30)] == [1.0, 128.0, acc.MAX_WAIT_S]


def test_while_waiting_even_the_right_password_is_refused(clinic):
    store, _ = clinic
    for _ in range(acc.FREE_FAILURES):
        with pytest.raises(SignInError):
            store.sign_in("bob", "guess-guess-guess")
    with pytest.raises(SignInError, match="wait") as caught:
        store.sign_in("bob", PASSWORDS["bob"])
    assert caught.value.wait_s > 0
    store.set_password("bob", "a-brand-new-password")  # an administrator resets it
    assert store.sign_in("bob", "a-brand-new-password").name == "bob"


def test_an_administrator_lets_a_kept_out_account_in_without_a_new_password(clinic, capsys,
                                                                            monkeypatch):
    """Anyone knowing a name can keep it waiting (one wrong try every 15 minutes); the only
    way back in was a new password."""
    store, _ = clinic
    for _ in range(acc.FREE_FAILURES + 1):
        with pytest.raises(SignInError):
            store.sign_in("bob", "guess-guess-guess")
    with pytest.raises(SignInError, match="wait"):
        store.sign_in("bob", PASSWORDS["bob"])
    code, out, _ = run(capsys, monkeypatch, "users", "unlock", "BOB")
    assert code == 0
    assert "BOB may sign in at once (3 wrong passwords forgotten); the password is unchanged" \
        in out
    assert store.sign_in("bob", PASSWORDS["bob"]).name == "bob"  # the same password, at once
    cleared = [e for e in store.audit_log(person="bob") if e.action == "sign_in_wait_cleared"]
    assert [e.detail for e in cleared] == ["3 wrong tries"]
    code, _, err = run(capsys, monkeypatch, "users", "unlock", "nobody")
    assert code != 0
    assert "there is no account called 'nobody'" in err


def test_guesses_made_at_once_meet_the_wait(clinic, monkeypatch):
    """Sixteen tries at the same moment, each through its own connection (as many tabs or
    servers would make them), the last with the right password: they are counted one after the
    other, so once FREE_FAILURES are wrong the others wait, and no try is lost from the count
    (all sixteen were checked, and the count lost updates, before)."""
    import threading

    store, _ = clinic
    # the first wait made a minute long, so that a slow machine cannot outlast it mid-burst
    monkeypatch.setattr(acc, "wait_after", lambda n: 60.0 if n >= acc.FREE_FAILURES else 0.0)
    tries = [f"guess-guess-{i:02d}" for i in range(15)] + [PASSWORDS["bob"]]
    said: list[str] = []
    start = threading.Barrier(len(tries))

    def guess(password: str) -> None:
        with Store.open() as mine:
            start.wait()
            try:
                mine.sign_in("bob", password)
                said.append("signed in")
            except SignInError as exc:
                said.append("waited" if "Too many" in str(exc) else "checked")

    threads = [threading.Thread(target=guess, args=(p,)) for p in tries]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(said) == len(tries)
    looked_at = said.count("checked") + said.count("signed in")
    assert looked_at <= acc.FREE_FAILURES, said
    assert said.count("waited") >= len(tries) - acc.FREE_FAILURES
    if "signed in" not in said:  # the count holds every wrong try that was looked at
        failed = [e for e in store.audit_log() if e.action == "sign_in_failed"]
        assert len(failed) == said.count("checked")


def _later(now, seconds: float):
    from datetime import timedelta

    return lambda: now() + timedelta(seconds=seconds)


def test_a_password_change_is_seen_by_a_session(clinic):
    store, _ = clinic
    before = store.sign_in("alice", PASSWORDS["alice"])
    store.set_password("alice", "another-long-password")
    assert store.account("alice").password_changed_utc != before.password_changed_utc
    assert IDLE_TIMEOUT_S == 30 * 60  # as docs/clinic.md says


# ---------------------------------------------------------------------------------------------
# What each role may see and do


def test_a_trainee_sees_and_deletes_only_their_own_takes(clinic, clip):
    store, takes = clinic
    alice = as_(store, "alice")
    assert [t.person for t in alice.takes()] == ["alice"]
    assert alice.count() == 1
    assert [p.name for p in alice.people()] == ["alice"]
    assert alice.phrases() == ["Alice's quiet phrase"]
    bob_take = takes["bob"].id
    for attempt in (lambda: alice.get(bob_take), lambda: alice.recording(bob_take),
                    lambda: alice.tracks(bob_take), lambda: alice.takes(person="bob"),
                    lambda: alice.progress("bob"), lambda: alice.delete_take(bob_take),
                    lambda: alice.delete_person("bob"), lambda: alice.baseline("bob"),
                    lambda: alice.export_csv(io.StringIO(), person="bob"),
                    lambda: save(alice, clip, "bob", "as someone else"),
                    lambda: alice.audit_log(), lambda: alice.accounts()):
        with pytest.raises(AccessDeniedError):
            attempt()
    buf = io.StringIO()
    assert alice.export_csv(buf) == 1  # everyone she may see: herself
    assert "Bob's private phrase" not in buf.getvalue()
    mine = save(alice, clip, "alice", "one more")
    alice.delete_take(mine.id)
    assert store.count(person="bob") == 1


def test_a_supervisor_sees_comments_and_assigns_for_their_trainees_only(clinic):
    store, takes = clinic
    sue = as_(store, "sue")
    assert [p.name for p in sue.people()] == ["alice"]
    assert [t.person for t in sue.takes()] == ["alice"]
    buf = io.StringIO()
    sue.export_json(buf, person="alice")
    assert "Alice's quiet phrase" in buf.getvalue()
    assert "Bob's" not in buf.getvalue()
    note = sue.add_note(takes["alice"].id, text="Lovely fall at the end.", at_s=1.5)
    assert (note.author, note.at_s) == ("sue", 1.5)
    sue.assign("alice", kind="exercise", target="slow-it-down")
    for attempt in (lambda: sue.get(takes["bob"].id), lambda: sue.takes(person="bob"),
                    lambda: sue.add_note(takes["bob"].id, text="Hi"),
                    lambda: sue.assign("bob", kind="exercise", target="slow-it-down"),
                    lambda: sue.delete_take(takes["alice"].id),
                    lambda: sue.report_html("bob", "/nonexistent/x.html"),
                    lambda: sue.note_counts("bob")):
        with pytest.raises(AccessDeniedError):
            attempt()
    # the trainee reads the note on her take, and finds which takes have notes at once
    alice = as_(store, "alice")
    assert [n.text for n in alice.notes(takes["alice"].id)] == ["Lovely fall at the end."]
    sue.add_note(takes["alice"].id, text="And breathe first.")
    assert alice.note_counts("alice") == {takes["alice"].id: 2}
    assert store.note_counts("bob") == {}
    with pytest.raises(AccessDeniedError):
        alice.note_counts("bob")
    with pytest.raises(AccessDeniedError):
        alice.add_note(takes["alice"].id, text="a note on my own take")


def test_an_assignment_and_its_end_take_effect_within_seconds(clinic):
    """Given or taken away while the supervisor works, in the same session: the app makes a
    new AccountStore for every request, from the account as it signed in, and each of them
    must see the assignments as they are now (an unassigned supervisor kept exporting and
    noting a trainee until they signed out)."""
    store, takes = clinic
    signed_in = store.sign_in("sue", PASSWORDS["sue"])
    with pytest.raises(AccessDeniedError):
        AccountStore(store, signed_in).get(takes["bob"].id)
    store.supervise("sue", "bob")
    time.sleep(access.LINKS_TTL_S + 0.2)
    assert AccountStore(store, signed_in).get(takes["bob"].id).person == "bob"
    assert AccountStore(store, signed_in).export_csv(io.StringIO(), person="bob") == 1
    store.unsupervise("sue", "bob")
    time.sleep(access.LINKS_TTL_S + 0.2)
    later = AccountStore(store, signed_in)
    with pytest.raises(AccessDeniedError):
        later.get(takes["bob"].id)
    with pytest.raises(AccessDeniedError):
        later.add_note(takes["bob"].id, text="still here?")
    with pytest.raises(AccessDeniedError):
        later.export_csv(io.StringIO(), person="bob")
    assert AccountStore(store, signed_in).get(takes["alice"].id).person == "alice"


@pytest.mark.parametrize("change", ["removed", "new password"])
def test_a_removed_or_changed_account_can_do_nothing_more(clinic, change):
    """What a page offered before (a download button) runs later, on the account it was made
    for: once that account is removed or its password changed, it reads and changes nothing."""
    store, takes = clinic
    signed_in = store.sign_in("ada", PASSWORDS["ada"])  # an administrator: sees everyone
    assert AccountStore(store, signed_in).export_json(io.StringIO(), person="bob") == 1
    if change == "removed":
        store.remove_account("ada")
    else:
        store.set_password("ada", "another-long-password")
    time.sleep(access.LINKS_TTL_S + 0.2)
    later = AccountStore(store, signed_in)
    for attempt in (lambda: later.export_json(io.StringIO(), person="bob"),
                    lambda: later.get(takes["bob"].id),
                    lambda: later.people(),
                    lambda: later.delete_take(takes["bob"].id),
                    lambda: later.accounts()):
        with pytest.raises(AccessDeniedError, match="removed|changed"):
            attempt()
    assert store.get(takes["bob"].id).person == "bob"  # nothing was deleted


def test_an_administrator_manages_accounts_and_deletions_and_reads_the_audit(clinic):
    store, takes = clinic
    sue, ada = as_(store, "sue"), as_(store, "ada")
    sue.tracks(takes["alice"].id)
    sue.export_csv(io.StringIO(), person="alice")
    assert {p.name for p in ada.people()} == {"alice", "bob"}
    ada.delete_take(takes["bob"].id)
    ada.add_account("carol", role="trainee", password="carol-is-new-here")
    entries = ada.audit_log()
    done = {(e.actor, e.action, e.person) for e in entries}
    assert {("sue", "viewed", "alice"), ("sue", "exported", "alice"),
            ("ada", "deleted", "bob"), ("ada", "account_added", "carol"),
            ("sue", "signed_in", "sue")} <= done
    assert not any(e.person == "bob" and e.actor == "sue" for e in entries)


# ---------------------------------------------------------------------------------------------
# calmtone users, calmtone audit


def test_the_audit_of_a_person_finds_their_name_however_it_was_typed(clinic, tmp_path):
    store, takes = clinic
    ada = as_(store, "ada")
    ada.export_csv(io.StringIO(), person="ALICE")  # typed in capitals on the command line
    ada.recording(takes["alice"].id)
    for asked in ("alice", "Alice", " ALICE "):
        found = store.audit_log(person=asked)
        assert {e.action for e in found} >= {"exported", "listened"}, asked
        assert all(e.person.strip().lower() == "alice" for e in found)
    assert [e.id for e in store.audit_log(person="alice", limit=1)] == [
        store.audit_log(person="alice")[0].id]
    assert all(e.person.lower() == "bob" for e in store.audit_log(person="bob"))


def run(capsys, monkeypatch, *argv: str, stdin: str = ""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_users_commands(engine_db, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "users", "list")
    assert code == 0
    assert "local mode" in out
    code, out, _ = run(capsys, monkeypatch, "users", "add", "sue", "--role", "supervisor",
                       "--password-stdin", stdin="sue-listens-well\n")
    assert code == 0
    assert "first account" in out
    for name in ("alice", "bob"):
        assert run(capsys, monkeypatch, "users", "add", name, "--role", "trainee",
                   "--password-stdin", stdin=PASSWORDS[name] + "\n")[0] == 0
    assert run(capsys, monkeypatch, "users", "assign", "sue", "alice")[0] == 0
    code, out, _ = run(capsys, monkeypatch, "users", "list", "--json")
    listed = {a["name"]: a for a in map(json.loads, out.splitlines())}
    assert listed["sue"]["trainees"] == ["alice"]
    assert listed["alice"]["supervisors"] == ["sue"]
    assert "password" not in out
    code, _, err = run(capsys, monkeypatch, "users", "assign", "alice", "bob")
    assert code == 1
    assert "not a supervisor" in err
    code, _, err = run(capsys, monkeypatch, "users", "add", "ALICE", "--role", "trainee",
                       "--password-stdin", stdin="whatever-it-is\n")
    assert code == 1
    assert "already an account" in err
    assert run(capsys, monkeypatch, "users", "passwd", "bob", "--password-stdin",
               stdin="bob-new-password\n")[0] == 0
    assert run(capsys, monkeypatch, "users", "unassign", "sue", "alice")[0] == 0
    assert run(capsys, monkeypatch, "users", "remove", "bob")[0] == 0
    code, out, _ = run(capsys, monkeypatch, "users", "list")
    assert out.splitlines() == ["alice (trainee)", "sue (supervisor)"]
    code, out, _ = run(capsys, monkeypatch, "audit", "--json")
    actions = [json.loads(line)["action"] for line in out.splitlines()]
    assert actions[:3] == ["account_removed", "unassigned", "password_changed"]
    assert all(json.loads(line)["actor"].startswith("command line") for line in
               out.splitlines())
    code, out, _ = run(capsys, monkeypatch, "audit", "--person", "bob")
    assert "account_removed bob" in out


def test_users_add_without_a_terminal_asks_for_password_stdin(engine_db, capsys, monkeypatch):
    code, _, err = run(capsys, monkeypatch, "users", "add", "eve", "--role", "admin")
    assert code == 1
    assert "--password-stdin" in err


def test_a_new_account_does_not_inherit_a_removed_accounts_takes(engine_db, clinic, capsys,
                                                                   monkeypatch):
    """`users remove bob` keeps bob's takes; `users add BOB` for someone new then saw them and
    could play bob's recordings. It is refused with why and what to do; --adopt-takes, for the
    same person coming back, lets the account see them."""
    store, takes = clinic
    assert run(capsys, monkeypatch, "users", "remove", "bob")[0] == 0
    code, out, err = run(capsys, monkeypatch, "users", "add", "BOB", "--role", "trainee",
                         "--password-stdin", stdin="a-new-person-here\n")
    assert code == 1
    assert "already holds 1 take of 'bob'" in err
    assert "--adopt-takes" in err
    assert "bob" not in {a.name.lower() for a in store.accounts()}
    code, out, _ = run(capsys, monkeypatch, "users", "add", "bob", "--role", "trainee",
                       "--adopt-takes", "--password-stdin", stdin="bob-is-back-again\n")
    assert code == 0
    back = AccountStore(store, store.sign_in("bob", "bob-is-back-again"))
    assert [t.id for t in back.takes()] == [takes["bob"].id]
    # a name with no takes needs no flag
    assert run(capsys, monkeypatch, "users", "add", "carol", "--role", "trainee",
               "--password-stdin", stdin="carol-is-new-here\n")[0] == 0
