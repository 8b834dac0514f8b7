"""``calmtone phrases`` and ``calmtone exercises``: the practice content from the command line."""

from __future__ import annotations

import json
import sys
import textwrap

from ..errors import ProsodyError


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


def _cmd_phrases(args) -> int:
    from ..content import AUDIENCES, load_phrases, phrase_sets

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
          f"({', '.join(AUDIENCES[a].pair for a in dict.fromkeys(p.audience for p in chosen))}).")
    return 0


def _cmd_exercises(args) -> int:
    from ..content import aim_words, exercise_by_id, load_exercises

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
