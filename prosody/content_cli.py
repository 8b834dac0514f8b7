"""``calmtone phrases``, ``calmtone exercises`` and ``calmtone calmer``: the practice content
from the command line."""

from __future__ import annotations

import json
import sys
import textwrap
import warnings

from .errors import ProsodyError, ProsodyWarning


def add_parsers(sub) -> None:
    """Add the content commands to the ``calmtone`` subparsers."""
    p = sub.add_parser(
        "phrases", help="list the practice phrases, by audience and situation",
        description="The phrase library (samples/phrases.toml), grouped into phrase sets.")
    p.add_argument("--json", action="store_true", help="one JSON object per phrase (JSON Lines)")
    p.add_argument("--audience", choices=("child", "teen", "partner", "client"),
                   help="only the phrases for this listener")
    p.add_argument("--set", dest="set_id", metavar="SET",
                   help="only one phrase set, e.g. child/meltdown")
    p.set_defaults(func=_cmd_phrases)

    e = sub.add_parser(
        "exercises", help="list the practice exercises with their pass criteria",
        description="The structured exercises (samples/exercises.toml): goal, steps, pass "
                    "criteria and what comes next.")
    e.add_argument("--json", action="store_true",
                   help="one JSON object per exercise (JSON Lines)")
    e.add_argument("id", nargs="?", help="show only this exercise, in full")
    e.set_defaults(func=_cmd_exercises)

    c = sub.add_parser(
        "calmer", help="hear yourself calmer: re-synthesise a take lower, slower and softer",
        description="Re-synthesise IN in your own voice, moved toward the calm targets: a "
                    "little lower, a smoother melody, slower and softer. Writes OUT as WAV and "
                    "reports what changed, re-measured on the result.")
    c.add_argument("input", metavar="IN", help="your take (WAV, FLAC, OGG, MP3)")
    c.add_argument("output", metavar="OUT", help="where to write the calmer take (WAV)")
    c.add_argument("--baseline", metavar="FILE",
                   help="a recording of your everyday voice: the aims are then relative to it")
    c.add_argument("--text", help="the words spoken, so the pace is counted from them")
    c.add_argument("--baseline-text", help="the words of the baseline, when known")
    c.add_argument("--scenario",
                   help="a scenario of the profile: bedtime, de-escalation, check-in, repair")
    c.add_argument("--profile", default="soothing",
                   help="profile name in samples/profiles or a .toml path (default: soothing)")
    c.add_argument("--strength", type=float, default=1.0,
                   help="0 = no change, 1 = reach the calm aims (default), up to 1.5")
    c.add_argument("--json", action="store_true", help="the report as one JSON object")
    c.set_defaults(func=_cmd_calmer)


def _cmd_phrases(args) -> int:
    from .content import AUDIENCES, load_phrases, phrase_sets

    try:
        library = load_phrases()
    except ProsodyError as exc:
        print(f"calmtone phrases: {exc}", file=sys.stderr)
        return 1
    chosen = [p for p in library
              if (args.audience is None or p.audience == args.audience)
              and (args.set_id is None or p.set_id == args.set_id)]
    if args.set_id is not None and not chosen:
        known = ", ".join(s.id for s in phrase_sets(library))
        print(f"calmtone phrases: there is no phrase set {args.set_id!r}; choose one of: "
              f"{known}.", file=sys.stderr)
        return 1
    if args.json:
        for p in chosen:
            print(json.dumps(p.to_dict(), ensure_ascii=False))
        return 0
    for s in phrase_sets(chosen):
        print(f"{s.title}  [{s.id}]")
        for p in s.phrases:
            end = {"fall": "↘", "rise": "↗", "either": "↘↗"}[p.ending]
            print(f"  {end:3} “{p.text}”  ({p.scenario})")
            print(textwrap.fill(f"{p.intent} {p.delivery}", width=96,
                                initial_indent="       ", subsequent_indent="       "))
        print()
    print(f"{len(chosen)} phrases in {len(phrase_sets(chosen))} sets "
          f"({', '.join(AUDIENCES[a] for a in dict.fromkeys(p.audience for p in chosen))}).")
    return 0


def _cmd_exercises(args) -> int:
    from .content import aim_words, exercise_by_id, load_exercises

    try:
        exercises = load_exercises()
        if args.id:
            exercises = (exercise_by_id(args.id, exercises),)
    except ProsodyError as exc:
        print(f"calmtone exercises: {exc}", file=sys.stderr)
        return 1
    if args.json:
        for e in exercises:
            print(json.dumps(e.to_dict(), ensure_ascii=False))
        return 0
    for e in exercises:
        print(f"{e.title}  [{e.id}]  for {', '.join(e.learners)}")
        print(textwrap.fill(e.goal, width=96, initial_indent="  Goal: ",
                            subsequent_indent="        "))
        if args.id:
            print(textwrap.fill(e.instructions, width=96, initial_indent="  ",
                                subsequent_indent="  "))
            for k, step in enumerate(e.steps, 1):
                print(textwrap.fill(step, width=96, initial_indent=f"  {k}. ",
                                    subsequent_indent="     "))
            for line in e.prompts:
                print(f"  Provoking line: “{line}”")
            for text in e.phrases:
                print(f"  Phrase: “{text}”")
        print("  Passes when:")
        for c in e.criteria:
            print(textwrap.fill(f"{c.label}: {aim_words(c)}", width=96,
                                initial_indent="    - ", subsequent_indent="      "))
        need = [w for w, on in (("a baseline", e.needs_baseline), ("a model take", e.needs_model))
                if on]
        if need:
            print(f"  Needs {' and '.join(need)}.")
        print(f"  Complete after {e.passes_to_complete} passing attempts; then: {e.progression}")
        print()
    return 0


def _cmd_calmer(args) -> int:
    from .calmer import calmer_file

    baseline = None
    try:
        if args.baseline:
            from .analysis import analyze_file

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ProsodyWarning)
                baseline = analyze_file(args.baseline, text=args.baseline_text)
        report = calmer_file(args.input, args.output, profile=args.profile, baseline=baseline,
                             strength=args.strength, text=args.text, scenario=args.scenario)
    except ProsodyError as exc:
        if args.json:
            print(json.dumps({"file": args.input, "error": str(exc)}, ensure_ascii=False))
        else:
            print(f"calmtone calmer: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"file": args.input, "output": args.output, **report.to_dict()},
                         ensure_ascii=False))
        return 0
    print(format_report(args.input, args.output, report))
    return 0


def format_report(path_in: str, path_out: str, report) -> str:
    """The calmer report as a readable table."""
    against = "your baseline" if report.baseline else "the general targets (no baseline)"
    lines = [f"{path_in} → {path_out}: {report.summary}",
             f"  Measured again on the result, against {against}:"]
    for m in report.moves:
        if m.before is None or m.after is None:
            lines.append(f"    {m.label:<20} {m.words}")
            continue
        if m.target_low is None:
            target = f"≤ {m.target_high:g}"
        elif m.target_high is None:
            target = f"≥ {m.target_low:g}"
        else:
            target = f"{m.target_low:g} to {m.target_high:g}"
        lines.append(f"    {m.label:<20} {m.before:8.2f} → {m.after:8.2f} {m.unit:<6} "
                     f"target {target:<14} {m.words.split(': ', 1)[-1]}")
    if report.score_before is not None and report.score_after is not None:
        lines.append(f"  Calm score: {report.score_before} → {report.score_after}")
    if report.envelope_distance_db is not None:
        lines.append(f"  Same voice: spectral envelope {report.envelope_distance_db:.1f} dB from "
                     "the original (plain re-synthesis alone reads about 2-3 dB).")
    return "\n".join(lines)
