"""The ``calmtone`` command line, on top of the library.

``main(argv) -> int`` so tests call it directly. One module per command group registers its
commands with ``add_parsers(sub)``; the text they print is laid out in :mod:`.format`:

- ``analyze``: ``analyze`` and ``coach`` (and :func:`~.analyze.run_coach`, the coach as a
  function);
- ``history``: ``history list|show|people|export|delete|restore``;
- ``microphone``: ``record`` and ``live``;
- ``content``: ``phrases`` and ``exercises``;
- ``calmer``: ``calmer``;
- ``app``: ``ui``, which starts the Streamlit app;
- ``users``: ``users add|list|assign|unassign|passwd|remove``, the accounts of a clinic;
- ``audit``: ``audit``, the clinic's audit log.

Nothing in the library imports this package; the commands import only the standard library at
start, so ``calmtone --help`` is immediate and each command loads what it needs.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import warnings

from . import analyze, app, audit, calmer, content, history, microphone, users

#: The command groups, in the order ``calmtone --help`` lists their commands.
GROUPS = (analyze, app, microphone, history, content, calmer, users, audit)


def main(argv: list[str] | None = None) -> int:
    """Run ``calmtone`` with ``argv`` (default: the process's arguments); the exit status."""
    parser, _ = _parser_and_commands()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        with _plain_notes():
            return int(args.func(args) or 0)
    except BrokenPipeError:
        # the reader went away (`calmtone history list | head`): stop quietly, like other tools
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


@contextlib.contextmanager
def _plain_notes():
    """The library's own warnings (a name that looks like another person's, ...) as one plain
    line each, not Python's "file:line: Category: ... source line"."""
    from ..errors import ProsodyWarning

    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, ProsodyWarning):
            print(f"calmtone: note: {message}", file=sys.stderr)
        else:
            shown(message, category, filename, lineno, file, line)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def build_parser() -> argparse.ArgumentParser:
    """The ``calmtone`` argument parser with every command registered."""
    return _parser_and_commands()[0]


def commands() -> tuple[str, ...]:
    """The names of the ``calmtone`` commands (``analyze``, ``coach``, ...)."""
    return tuple(_parser_and_commands()[1].choices)


def _parser_and_commands():
    p = argparse.ArgumentParser(
        prog="calmtone",
        description="Calm Tone Coach: measure and coach the calm tone of a spoken phrase.",
    )
    sub = p.add_subparsers(title="commands", metavar="COMMAND")
    for group in GROUPS:
        group.add_parsers(sub)
    return p, sub
