"""``calmtone users add|list|assign|unassign|passwd|remove``: the accounts of a clinic.

A store with no account is the single-user local mode; the first account turns on the clinic
mode, in which the app asks every visitor to sign in (docs/clinic.md). Passwords are asked on
the terminal without echo, or read from standard input with ``--password-stdin`` (one line),
and kept only as a slow salted hash.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from ..errors import ProsodyError
from .format import terminal_text


def db_argument(value: str) -> str:
    """A ``--db`` value, refused (usage error) when a database URL carries its password: the
    command line is visible to every user of this computer (``ps``), and the password is the
    key to every recording. The error does not repeat the value."""
    from urllib.parse import parse_qs, urlsplit

    from ..store import is_database_url

    if is_database_url(value):
        parts = urlsplit(value)
        if parts.password or "password" in parse_qs(parts.query):
            raise argparse.ArgumentTypeError(
                "a password inside --db shows to every user of this computer (in `ps`); put "
                "the URL in the CALMTONE_DB environment variable instead, or the password in "
                "~/.pgpass (docs/clinic.md), and give --db without it")
    return value


def add_store_options(parser: argparse.ArgumentParser) -> None:
    """``--db`` and ``--home``: which history a command works on."""
    parser.add_argument("--db", metavar="URL", type=db_argument,
                        help="the database: postgresql://USER@HOST/DB, or a history folder "
                             "(default: CALMTONE_DB, else CALMTONE_HOME or the user data folder)")
    parser.add_argument("--home", metavar="DIR",
                        help="the history folder of the SQLite store (default: CALMTONE_HOME or "
                             "the user data folder)")


def open_store(args):
    """The store ``--db``/``--home`` (or the environment) names."""
    from ..store import Store

    return Store.open(getattr(args, "db", None) or getattr(args, "home", None))


def actor() -> str:
    """Who does it, for the audit log: the command line and this computer's user."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown user"
    return f"command line ({user})"


def add_parsers(sub) -> None:
    """Register ``users`` on the ``calmtone`` sub-command parser."""
    common = argparse.ArgumentParser(add_help=False)
    add_store_options(common)
    u = sub.add_parser("users", help="accounts and roles of a clinic (turns on sign-in)",
                       description="Accounts of a clinic: trainees, supervisors, administrators. "
                                   "Once a store has an account, the app asks everyone to sign "
                                   "in.")
    us = u.add_subparsers(title="users commands", metavar="ACTION")
    u.set_defaults(func=lambda args: (u.print_help(), 2)[1])

    add = us.add_parser("add", parents=[common], help="add an account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=("trainee", "supervisor", "admin"))
    add.add_argument("--adopt-takes", action="store_true",
                     help="the history already holds takes of this name and they are this "
                          "person's: let the account see them")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input (one line), for scripts")
    add.set_defaults(func=_cmd_add)

    lst = us.add_parser("list", parents=[common], help="the accounts, with supervisors")
    lst.add_argument("--json", action="store_true", help="one JSON object per account")
    lst.set_defaults(func=_cmd_list)

    for name, func, text in (("assign", _cmd_assign, "let a supervisor follow a trainee"),
                             ("unassign", _cmd_unassign, "stop a supervisor following a trainee")):
        p = us.add_parser(name, parents=[common], help=text)
        p.add_argument("supervisor")
        p.add_argument("trainee")
        p.set_defaults(func=func)

    pw = us.add_parser("passwd", parents=[common], help="set a new password (ends its sessions)")
    pw.add_argument("name")
    pw.add_argument("--password-stdin", action="store_true",
                    help="read the password from standard input (one line)")
    pw.set_defaults(func=_cmd_passwd)

    ul = us.add_parser("unlock", parents=[common],
                       help="let an account sign in at once after wrong passwords (its "
                            "password stays)")
    ul.add_argument("name")
    ul.set_defaults(func=_cmd_unlock)

    rm = us.add_parser("remove", parents=[common],
                       help="remove an account (its takes stay; `history delete` removes them)")
    rm.add_argument("name")
    rm.set_defaults(func=_cmd_remove)


def _failed(exc: ProsodyError) -> int:
    print(f"calmtone users: {exc}", file=sys.stderr)
    return 1


def read_password(args, name: str) -> str:
    """The new password: one line of standard input, or asked twice on the terminal."""
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise ProsodyError("--password-stdin found no password on standard input.")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ProsodyError("no terminal to ask the password on; give it on standard input with "
                           "--password-stdin.")
    first = getpass.getpass(f"Password for {name}: ")
    if getpass.getpass("The same password again: ") != first:
        raise ProsodyError("the two passwords differ; nothing was changed.")
    return first


def _cmd_add(args) -> int:
    try:
        password = read_password(args, args.name)
        with open_store(args) as store:
            first = not store.has_accounts()
            account = store.add_account(args.name, role=args.role, password=password,
                                        actor=actor(), adopt_takes=args.adopt_takes)
    except ProsodyError as exc:
        return _failed(exc)
    print(f"Added {terminal_text(account.name)} ({account.role}).")
    if first:
        print("This is the store's first account: the app now asks everyone to sign in, and "
              "`calmtone ui --host 0.0.0.0` may serve it to the network (docs/clinic.md).")
    return 0


def _cmd_list(args) -> int:
    try:
        with open_store(args) as store:
            accounts = store.accounts()
    except ProsodyError as exc:
        return _failed(exc)
    if args.json:
        for a in accounts:
            print(json.dumps(a.to_dict(), ensure_ascii=False))
        return 0
    if not accounts:
        print("No accounts: the app runs in local mode (no sign-in, this computer only).")
    for a in accounts:
        links = ""
        if a.trainees:
            links = f"; follows {', '.join(map(terminal_text, a.trainees))}"
        elif a.supervisors:
            links = f"; supervised by {', '.join(map(terminal_text, a.supervisors))}"
        print(f"{terminal_text(a.name)} ({a.role}){links}")
    return 0


def _change(args, change, done: str) -> int:
    """Open the store, make one change, say what was done (or why not)."""
    try:
        with open_store(args) as store:
            change(store)
    except ProsodyError as exc:
        return _failed(exc)
    print(done)
    return 0


def _cmd_assign(args) -> int:
    return _change(args, lambda s: s.supervise(args.supervisor, args.trainee, actor=actor()),
                   f"{terminal_text(args.supervisor)} now follows "
                   f"{terminal_text(args.trainee)}.")


def _cmd_unassign(args) -> int:
    return _change(args, lambda s: s.unsupervise(args.supervisor, args.trainee, actor=actor()),
                   f"{terminal_text(args.supervisor)} no longer follows "
                   f"{terminal_text(args.trainee)}.")


def _cmd_passwd(args) -> int:
    try:
        with open_store(args) as store:
            store.account(args.name)  # an unknown name is said before the password is asked
            store.set_password(args.name, read_password(args, args.name), actor=actor())
    except ProsodyError as exc:
        return _failed(exc)
    print(f"Changed the password of {terminal_text(args.name)}; their sessions end.")
    return 0


def _cmd_unlock(args) -> int:
    try:
        with open_store(args) as store:
            forgotten = store.clear_sign_in_wait(args.name, actor=actor())
    except ProsodyError as exc:
        return _failed(exc)
    tries = "1 wrong password" if forgotten == 1 else f"{forgotten} wrong passwords"
    print(f"{terminal_text(args.name)} may sign in at once ({tries} forgotten); the password "
          "is unchanged. `calmtone audit --person NAME` lists the wrong tries.")
    return 0


def _cmd_remove(args) -> int:
    return _change(args, lambda s: s.remove_account(args.name, actor=actor()),
                   f"Removed the account {terminal_text(args.name)}; their takes stay until "
                   "`calmtone history delete --person NAME` removes them.")
