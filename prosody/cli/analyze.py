"""``calmtone analyze`` and ``calmtone coach``: measure recordings, and coach them.

:func:`run_coach` is the coach command as an ordinary function, so that ``calmtone record
--coach`` coaches its take exactly as ``calmtone coach`` would, without going through the
command line again.
"""

from __future__ import annotations

import json
import sys

from ..errors import ProsodyError, quiet_warnings
from .format import format_feedback, format_table
from .users import db_argument


def add_parsers(sub) -> None:
    """Register ``analyze`` and ``coach`` on the ``calmtone`` sub-command parser."""
    a = sub.add_parser("analyze", help="measure pitch, timing, loudness and voice of recordings",
                       description="Measure the prosody of each FILE (WAV, FLAC, OGG, MP3).")
    a.add_argument("files", nargs="+", metavar="FILE")
    a.add_argument("--json", action="store_true", help="one JSON object per file (JSON Lines)")
    a.add_argument("--tracks", action="store_true",
                   help="with --json, include the 10 ms frame tracks and events")
    a.add_argument("--text", help="the words spoken, when known: syllables come from the text")
    a.set_defaults(func=_cmd_analyze)

    c = sub.add_parser(
        "coach", help="score how calm and soothing recordings sound, with tips",
        description="Coach each FILE against a profile: a calm score from 0 to 100, every "
                    "feature against its target, and at most three tips.")
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("--json", action="store_true", help="one JSON object per file (JSON Lines)")
    c.add_argument("--baseline", metavar="FILE",
                   help="a recording of your everyday voice, ideally the same phrase said "
                        "normally: targets are then relative to it")
    c.add_argument("--profile", default="soothing",
                   help="profile name in samples/profiles or a .toml path (default: soothing)")
    c.add_argument("--scenario",
                   help="a scenario of the profile: bedtime, de-escalation, check-in, repair")
    c.add_argument("--text", help="the words spoken in the takes, when known: syllables come "
                                  "from the text (the baseline's are given by --baseline-text)")
    c.add_argument("--baseline-text", help="the words of the baseline recording, when known")
    c.add_argument("--save", action="store_true",
                   help="keep each take in the practice history (see: calmtone history list)")
    c.add_argument("--person", help="who is speaking (needed with --save)")
    c.add_argument("--db", metavar="URL", type=db_argument,
                   help="with --save: the database (postgresql://...) or history folder "
                        "(default: CALMTONE_DB, else CALMTONE_HOME or the user data folder)")
    c.set_defaults(func=_cmd_coach)


def analyze_file(path: str, text: str | None, settings=None):
    """Analyse one file; returns (analysis, None) or (None, the error sentence).

    The warnings are carried in the analysis; the commands print them, not Python.
    """
    from ..analysis import analyze_file as analyze

    try:
        with quiet_warnings():
            return analyze(path, text=text, settings=settings), None
    except ProsodyError as exc:
        return None, str(exc)


def baseline_from_file(path: str, text: str | None):
    """The speaker's everyday voice measured from a file by :func:`prosody.coach.
    measure_baseline` (as the app and the live view measure it); returns (analysis, None) or
    (None, why it cannot be the baseline)."""
    from ..coach import load_baseline

    try:
        return load_baseline(path, text=text), None
    except ProsodyError as exc:
        return None, str(exc)


def _report(path: str, error: str | None, result, *, as_json: bool, verb: str,
            text: str, record) -> None:
    """One file's outcome: a JSON object (``{"file", ..., "error"}``) with ``as_json``, else
    ``text`` on stdout, or "cannot ``verb``" and the error on stderr."""
    if as_json:
        print(json.dumps({"file": path, **({"error": error} if error else record(result))}),
              flush=True)
    elif error:
        print(f"{path}: cannot {verb}: {error}", file=sys.stderr)
    else:
        print(text(path, result))


def _cmd_analyze(args) -> int:
    failed = 0
    for path in args.files:
        analysis, error = analyze_file(path, args.text)
        _report(path, error, analysis, as_json=args.json, verb="analyse", text=format_table,
                record=lambda a: a.to_dict(tracks=args.tracks))
        failed += error is not None
    return 1 if failed else 0


def person_without_save(command: str, person: str | None, save: bool) -> int | None:
    """Exit status 2, said, for ``--person`` without ``--save`` (the name would be dropped
    unsaid, and the person would think the take was kept as theirs); None when fine."""
    if person is None or save:
        return None
    print(f"calmtone {command}: --person says whose history --save keeps the take in; add "
          "--save to keep it, or leave --person out.", file=sys.stderr)
    return 2


def _cmd_coach(args) -> int:
    wrong = person_without_save("coach", args.person, args.save)
    if wrong is not None:
        return wrong
    return run_coach(args.files, baseline=args.baseline, baseline_text=args.baseline_text,
                     text=args.text, profile=args.profile, scenario=args.scenario,
                     as_json=args.json, save=args.save, person=args.person, db=args.db)


def run_coach(files, *, baseline: str | None = None, baseline_text: str | None = None,
              text: str | None = None, profile: str = "soothing", scenario: str | None = None,
              as_json: bool = False, save: bool = False, person: str | None = None,
              show: bool = True, db: str | None = None) -> int:
    """Coach recordings as ``calmtone coach`` does; returns the exit status.

    Parameters
    ----------
    files : sequence of str
        the takes
    baseline, baseline_text : str or None
        a recording of the speaker's everyday voice, and its words when known (``text``
        describes the takes only)
    text, profile, scenario
        the takes' words, the coaching profile (name or path) and its scenario
    as_json : bool
        JSON Lines instead of the readable report
    save, person : bool, str or None
        keep each coached take in the practice history, as ``person``'s
    db : str or None
        with ``save``: the database URL or history folder (None: CALMTONE_DB or CALMTONE_HOME)
    show : bool
        print the feedback on standard output (False: only save, and say so on stderr)

    Returns
    -------
    int
        0; 1 when a file could not be coached or saved; 2 for a profile, scenario or history
        that cannot be used (nothing is analysed then)
    """
    from ..coach import baseline_settings, coach
    from ..profile import load_profile

    try:
        prof = load_profile(profile)
        prof.for_scenario(scenario)  # an unknown scenario stops here, before any work
    except ProsodyError as exc:
        print(f"calmtone coach: {exc}", file=sys.stderr)
        return 2
    saver = None
    if save:
        from .history import CoachSaver

        try:
            saver = CoachSaver.open(person, db)
        except ProsodyError as exc:
            print(f"calmtone coach: {exc}", file=sys.stderr)
            return 2

    base = settings = None
    if baseline:
        base, error = baseline_from_file(baseline, baseline_text)
        if base is not None:
            try:
                settings = baseline_settings(base)
            except ProsodyError as exc:
                base, error = None, str(exc)
        if error:
            message = f"cannot use this recording as the baseline: {error}"
            if as_json and show:
                print(json.dumps({"file": baseline, "error": message}), flush=True)
            else:
                print(f"{baseline}: {message}", file=sys.stderr)
            if saver is not None:
                saver.close()
            return 1

    failed = 0
    for path in files:
        analysis, error = analyze_file(path, text, settings)
        feedback = None
        if analysis is not None:
            try:
                feedback = coach(analysis, profile=prof, baseline=base, scenario=scenario)
            except ProsodyError as exc:
                error = str(exc)
        if saver is not None and error is None:
            saver.save(path, analysis, feedback, text=text, scenario=scenario)
        if show or error:  # not shown: only what went wrong, on stderr
            _report(path, error, feedback, as_json=as_json and show, verb="coach",
                    text=format_feedback, record=lambda fb: fb.to_dict())
        failed += error is not None
    if saver is not None:
        failed += saver.failed
        saver.close()
    return 1 if failed else 0
