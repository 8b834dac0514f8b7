"""``calmtone audit``: who viewed, exported or deleted whose takes, and when (administrators:
whoever may open the store from a terminal)."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import ProsodyError
from .format import COUNT, local_time, terminal_text
from .users import add_store_options, open_store


def add_parsers(sub) -> None:
    """Register ``audit`` on the ``calmtone`` sub-command parser."""
    common = argparse.ArgumentParser(add_help=False)
    add_store_options(common)
    a = sub.add_parser("audit", parents=[common],
                       help="who viewed, exported or deleted whose takes, and when",
                       description="The audit log of a clinic, newest first.")
    a.add_argument("--person", help="only what was done to this person's takes")
    a.add_argument("--limit", type=COUNT, metavar="N", default=None, help="at most N lines")
    a.add_argument("--json", action="store_true", help="one JSON object per line (JSON Lines)")
    a.set_defaults(func=_cmd_audit)


def _cmd_audit(args) -> int:
    try:
        with open_store(args) as store:
            entries = store.audit_log(limit=args.limit, person=args.person)
    except ProsodyError as exc:
        print(f"calmtone audit: {exc}", file=sys.stderr)
        return 1
    if args.json:
        for e in entries:
            print(json.dumps(e.to_dict(), ensure_ascii=False))
        return 0
    if not entries:
        print("Nothing in the audit log yet.")
    t = terminal_text
    for e in entries:
        whose = f" {t(e.person)}" if e.person else ""
        take = f" take {e.take_id}" if e.take_id is not None else ""
        detail = f" ({t(e.detail)})" if e.detail else ""
        print(f"{local_time(e.at_utc)}  {t(e.actor)}: {e.action}{whose}{take}{detail}")
    return 0
