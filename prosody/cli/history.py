"""``calmtone history list|show|people|export|delete|restore``: the history from a terminal, and
:class:`CoachSaver`, which keeps the takes ``calmtone coach --save`` coaches."""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import nullcontext

from ..errors import ProsodyError
from .format import COUNT, TAKE_ID, clip, local_time, summary_lines, terminal_text
from .users import actor, add_store_options, open_store


def add_parsers(sub) -> None:
    """Register ``history`` on the ``calmtone`` sub-command parser."""
    common = argparse.ArgumentParser(add_help=False)
    add_store_options(common)

    h = sub.add_parser("history", help="list, show, export or delete saved takes",
                       description="The practice history: every take saved with --save or the app.")
    hs = h.add_subparsers(title="history commands", metavar="ACTION")
    h.set_defaults(func=lambda args: _usage(h))

    lst = hs.add_parser("list", parents=[common], help="the saved takes, newest first")
    lst.add_argument("--person")
    lst.add_argument("--phrase", help="exactly this phrase")
    lst.add_argument("--scenario")
    lst.add_argument("--kind", choices=("practice", "baseline", "model", "exercise"))
    lst.add_argument("--since", metavar="DATE", type=_when,
                     help="from this date or time (2026-11-01)")
    lst.add_argument("--until", metavar="DATE", type=_when,
                     help="up to and including this date")
    lst.add_argument("--limit", type=COUNT, metavar="N", help="at most N takes")
    lst.add_argument("--json", action="store_true", help="one JSON object per take (JSON Lines)")
    lst.set_defaults(func=_cmd_list)

    show = hs.add_parser("show", parents=[common], help="everything kept about one take")
    show.add_argument("take", type=TAKE_ID, metavar="ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_cmd_show)

    ppl = hs.add_parser("people", parents=[common], help="who practises on this computer")
    ppl.add_argument("--json", action="store_true")
    ppl.set_defaults(func=_cmd_people)

    exp = hs.add_parser("export", parents=[common], help="CSV, JSON or a printable report",
                        description="Write the takes (of --person, or everyone's) to files. "
                                    "FILE '-' writes CSV or JSON to the terminal.")
    exp.add_argument("--csv", metavar="FILE", help="one row per take, every summary feature")
    exp.add_argument("--json", metavar="FILE", help="every stored field of every take")
    exp.add_argument("--report", metavar="FILE.html",
                     help="a printable report with contours, for a supervisor (needs --person)")
    exp.add_argument("--person")
    exp.add_argument("--overwrite", action="store_true",
                     help="replace a FILE that is already there (without it, nothing is "
                          "written over an existing file)")
    exp.set_defaults(func=_cmd_export)

    rm = hs.add_parser("delete", parents=[common], help="delete a take, or all of a person's data")
    which = rm.add_mutually_exclusive_group(required=True)
    which.add_argument("--take", type=TAKE_ID, metavar="ID")
    which.add_argument("--person", metavar="NAME")
    rm.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rm.set_defaults(func=_cmd_delete)

    rs = hs.add_parser("restore", parents=[common],
                       help="put back recordings a repair moved to the quarantine folder",
                       description="A repair never deletes a recording: one that no take refers "
                                   "to is moved to the history's quarantine folder. This puts "
                                   "back those whose take is in the database again; --adopt "
                                   "keeps the others as new takes of a person.")
    rs.add_argument("--adopt", metavar="NAME",
                    help="keep every recording no take refers to as a new take of NAME")
    rs.set_defaults(func=_cmd_restore)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _store(args):
    store = open_store(args)
    notice = store.last_repair.notice  # recordings moved aside, a refused repair, missing ones
    if notice:
        print(f"calmtone history: {terminal_text(notice)}", file=sys.stderr)
    return store


def _failed(exc: ProsodyError) -> int:
    print(f"calmtone history: {exc}", file=sys.stderr)
    return 1


def _when(text: str) -> str:
    """A --since or --until date, checked as the history reads it: a date it cannot read is a
    mistake on the command line (status 2), said before anything is opened."""
    from ..store.values import as_datetime

    try:
        as_datetime(text)
    except ProsodyError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _cmd_list(args) -> int:
    try:
        with _store(args) as store:
            if args.person:
                store.person(args.person)  # a name nobody has is an error, as for export
            takes = store.takes(person=args.person, phrase=args.phrase, scenario=args.scenario,
                                kind=args.kind, since=args.since, until=args.until,
                                limit=args.limit)
            empty = not takes and store.count() == 0
    except ProsodyError as exc:
        return _failed(exc)
    if args.json:
        for t in takes:
            print(json.dumps(t.to_dict(), ensure_ascii=False))
        return 0
    if not takes:
        print("No takes saved yet." if empty else "No takes match.")
        return 0
    print(f"{'ID':>5}  {'When':<16}  {'Person':<14} {'Kind':<9} {'Score':>5}  "
          f"{'Phrase':<36} Scenario")
    for t in takes:
        score = "" if t.score is None else f"{t.score:.0f}"
        missing = "  (recording missing)" if t.audio_missing else ""
        print(f"{t.id:>5}  {local_time(t.created_utc):<16}  "
              f"{clip(terminal_text(t.person), 14):<14} {t.kind:<9} {score:>5}  "
              f"{clip(terminal_text(t.phrase) or '(free speech)', 36):<36} "
              f"{terminal_text(t.scenario)}{missing}".rstrip())
    return 0


def _cmd_show(args) -> int:
    from ..store import RecordingMissingError

    try:
        with _store(args) as store:
            take = store.get(args.take)
            try:
                recording = store.recording_location(take.id)
            except RecordingMissingError:
                recording = f"missing from {store.audio_dir}"
    except ProsodyError as exc:
        return _failed(exc)
    if args.json:
        print(json.dumps(take.to_dict(), ensure_ascii=False))
        return 0
    t = terminal_text
    lines = [f"Take {take.id}: {t(take.person)}, {local_time(take.created_utc)} ({take.kind})",
             f"  Phrase      {t(take.phrase) or '(free speech)'}"]
    if take.scenario:
        lines.append(f"  Scenario    {t(take.scenario)}")
    if take.profile_name:
        lines.append(f"  Profile     {t(take.profile_name)} "
                     f"{t(take.profile_version)}".rstrip())
    if take.score is not None:
        lines.append(f"  Calm score  {take.score:.0f} / 100")
    lines.append(f"  Recording   {t(recording)} ({take.duration_s:.1f} s)")
    lines.append("  Summary")
    lines += summary_lines(take.summary, indent="    ")
    if take.tips:
        lines.append("  Tips")
        lines += [f"    {i}. {t(tip)}" for i, tip in enumerate(take.tips, 1)]
    notes = [n for n in (take.feedback or {}).get("notes") or () if isinstance(n, str)]
    lines += [f"  About the recording: {t(note)}" for note in notes]
    print("\n".join(lines))
    return 0


def _cmd_people(args) -> int:
    try:
        with _store(args) as store:
            people = store.people()
    except ProsodyError as exc:
        return _failed(exc)
    if args.json:
        from dataclasses import asdict

        for p in people:
            print(json.dumps(asdict(p), ensure_ascii=False))
        return 0
    if not people:
        print("Nobody has saved a take yet.")
    for p in people:
        last = "" if p.last_take_utc is None else f", last {local_time(p.last_take_utc)}"
        base = "" if p.baseline_take_id is None else f", baseline take {p.baseline_take_id}"
        print(f"{terminal_text(p.name)}: {p.take_count} take{'s' * (p.take_count != 1)}"
              f"{last}{base}")
    return 0


def _cmd_export(args) -> int:
    if not (args.csv or args.json or args.report):
        print("calmtone history export: say what to write: --csv FILE, --json FILE or "
              "--report FILE.html (with --person NAME).", file=sys.stderr)
        return 2
    if args.report and not args.person:
        print("calmtone history export: --report needs --person NAME (a report is about one "
              "person).", file=sys.stderr)
        return 2
    if args.report == "-":
        print("calmtone history export: a report is a web page with charts and cannot go to "
              "the terminal; give a file name, for example --report report.html.",
              file=sys.stderr)
        return 2
    # '~' as the shell would have expanded it (--csv=~/takes.csv, or quoted): the checks and
    # the writing must name the same file
    args.csv, args.json, args.report = (
        d if d is None or d == "-" else os.path.expanduser(d)
        for d in (args.csv, args.json, args.report))
    files = [d for d in (args.csv, args.json, args.report) if d and d != "-"]
    if len({os.path.realpath(d) for d in files}) < len(files):
        print("calmtone history export: the same file is named twice, and the second export "
              "would replace the first; give each its own file name.", file=sys.stderr)
        return 2
    if args.csv == "-" and args.json == "-":
        print("calmtone history export: CSV and JSON cannot both go to the terminal; send one "
              "of them to a file.", file=sys.stderr)
        return 2
    from ..store.files import check_new_file, check_output

    try:
        with _store(args) as store:
            # never into the history itself; and a FILE that is already there may be a
            # recording or an earlier export the person keeps: replaced only when asked. All
            # checked before anything is written.
            for dest in files:
                check_output(dest, home=store.home)
                if not args.overwrite:
                    check_new_file(dest)
            if args.person:
                store.person(args.person)  # a name nobody has is an error, not an empty file
            for dest, write in ((args.csv, store.export_csv), (args.json, store.export_json)):
                if dest:
                    stream = nullcontext(sys.stdout) if dest == "-" else nullcontext(dest)
                    with stream as target:
                        n = write(target, person=args.person)
                    store.log(actor(), "exported", args.person, detail=f"{n} takes")
                    if dest != "-":
                        print(f"Wrote {n} take{'s' * (n != 1)} to {dest}")
            if args.report:
                name = store.person(args.person).name
                out = store.report_html(name, args.report)
                store.log(actor(), "exported", name, detail="HTML report")
                print(f"Wrote the report for {terminal_text(name)} to {out}")
    except ProsodyError as exc:
        return _failed(exc)
    return 0


def _confirm(question: str) -> bool:
    try:
        answer = input(f"{question} This cannot be undone. Type 'yes' to delete: ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def _cmd_delete(args) -> int:
    try:
        with _store(args) as store:
            if args.take is not None:
                take = store.get(args.take)
                what = (f"Delete take {take.id} ({terminal_text(take.person)}, "
                        f"{local_time(take.created_utc)}, "
                        f"\"{clip(terminal_text(take.phrase), 40)}\") and its recording?")

                def delete() -> str:
                    store.delete_take(take.id)
                    store.log(actor(), "deleted", take.person, detail=f"take {take.id}")
                    return f"Deleted take {take.id}."
            else:
                person = store.person(args.person)
                what = (f"Delete everything about {terminal_text(person.name)}: "
                        f"{person.take_count} "
                        f"take{'s' * (person.take_count != 1)}, their recordings and baseline?")

                def delete() -> str:
                    n = store.delete_person(person.name)
                    store.log(actor(), "deleted", person.name, detail=f"all {n} takes")
                    return f"Deleted {terminal_text(person.name)} and {n} take{'s' * (n != 1)}."
            if not (args.yes or _confirm(what)):
                print("Nothing deleted.")
                return 1
            print(delete())
    except ProsodyError as exc:
        return _failed(exc)
    return 0


def _cmd_restore(args) -> int:
    try:
        with _store(args) as store:
            report = store.restore(adopt=args.adopt)
    except ProsodyError as exc:
        return _failed(exc)
    n, m, left = len(report.restored), len(report.adopted), len(report.still_quarantined)
    print(f"Put back {n} recording{'s' * (n != 1)}"
          + (f"; kept {m} as new takes of {terminal_text(args.adopt)}" if args.adopt else "")
          + ".")
    if left:
        print(f"{left} recording{'s' * (left != 1)} no take refers to "
              f"{'are' if left != 1 else 'is'} still in the quarantine folder; "
              "`calmtone history restore --adopt NAME` keeps them as takes of NAME.")
    return 0


class CoachSaver:
    """What ``calmtone coach --save --person NAME`` uses to keep each coached take.

    Each save reports on stderr (stdout stays the coach's output, JSON Lines with ``--json``);
    ``failed`` counts the takes that could not be kept, for the exit status.
    """

    def __init__(self, store, person: str) -> None:
        self.store = store
        self.person = person
        self.failed = 0

    @classmethod
    def open(cls, person: str | None, home: str | None = None) -> CoachSaver:
        """Open the history (``home``: a folder or a database URL; None: CALMTONE_DB or
        CALMTONE_HOME); ProsodyError when no person is named or it cannot be opened."""
        from ..store import Store

        if not person or not person.strip():
            raise ProsodyError("--save needs --person NAME (who is speaking), so that the takes "
                               "of different people stay apart.")
        store = Store.open(home)
        if store.last_repair.notice:
            print(f"calmtone: {terminal_text(store.last_repair.notice)}", file=sys.stderr)
        if not store.writable:
            store.close()
            raise ProsodyError(f"the practice history in {store.home} is read-only, so takes "
                               "cannot be saved; set CALMTONE_HOME to a folder you can write to.")
        return cls(store, person)

    def save(self, path: str, analysis, feedback, *, text: str | None,
             scenario: str | None) -> int | None:
        """Keep one coached file; returns its take id, or None (and says why) when it failed."""
        from ..audio import load
        from ..feedback import not_kept

        refused = not_kept(analysis, feedback)
        if refused:
            self.failed += 1
            print(f"{path}: coached, but not saved: {refused}", file=sys.stderr)
            return None
        try:
            signal = load(path)  # the 16 kHz signal that was analysed
            take = self.store.save_take(
                person=self.person, audio=signal.y, sr=signal.sr, analysis=analysis,
                feedback=feedback, phrase=text or "", scenario=scenario,
                profile_name=getattr(feedback, "profile", None),
                profile_version=getattr(feedback, "profile_version", None))
        except ProsodyError as exc:
            self.failed += 1
            print(f"{path}: coached, but not saved: {exc}", file=sys.stderr)
            return None
        print(f"{path}: saved as take {take.id} of {terminal_text(take.person)} "
              f"(calmtone history show {take.id}).", file=sys.stderr)
        return take.id

    def close(self) -> None:
        self.store.close()
