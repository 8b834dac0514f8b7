"""``calmtone calmer``: hear yourself calmer, re-synthesised from the command line."""

from __future__ import annotations

import json
import sys

from ..calmer import voice_kept_words
from ..errors import ProsodyError
from ..feedback import range_words
from .analyze import baseline_from_file


def add_parsers(sub) -> None:
    """Register ``calmer`` on the ``calmtone`` sub-command parser."""
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
    c.add_argument("--overwrite", action="store_true",
                   help="replace OUT if it exists (by default an existing file is kept)")
    c.add_argument("--json", action="store_true", help="the report as one JSON object")
    c.set_defaults(func=_cmd_calmer)


def _cmd_calmer(args) -> int:
    from ..calmer import calmer_file, check_output_name
    from ..store.files import check_new_file, check_output

    # never over the input, the baseline, a saved take or (unasked) any file already there:
    # checked before the work, not after
    try:
        check_output(args.output, inputs=[args.input, *([args.baseline] if args.baseline
                                                        else [])])
        check_output_name(args.output)
        if not args.overwrite:
            check_new_file(args.output)
    except ProsodyError as exc:
        return _calmer_failed(args, str(exc))
    baseline = None
    if args.baseline:
        baseline, error = baseline_from_file(args.baseline, args.baseline_text)
        if error:
            return _calmer_failed(args, f"cannot use this recording as the baseline: {error}")
    try:
        report = calmer_file(args.input, args.output, profile=args.profile, baseline=baseline,
                             strength=args.strength, text=args.text, scenario=args.scenario)
    except ProsodyError as exc:
        return _calmer_failed(args, str(exc))
    if args.json:
        print(json.dumps({"file": args.input, "output": args.output, **report.to_dict()},
                         ensure_ascii=False))
        return 0
    print(format_report(args.input, args.output, report))
    return 0


def _calmer_failed(args, error: str) -> int:
    if args.json:
        print(json.dumps({"file": args.input, "error": error}, ensure_ascii=False))
    else:
        print(f"calmtone calmer: {error}", file=sys.stderr)
    return 1


def format_report(path_in: str, path_out: str, report) -> str:
    """The calmer report as a readable table."""
    against = "your baseline" if report.baseline else "the general targets (no baseline)"
    lines = [f"{path_in} → {path_out}: {report.summary}",
             f"  Measured again on the result, against {against}:"]
    for m in report.moves:
        if m.before is None or m.after is None:  # not judged (loudness without a baseline)
            lines.append(f"    {m.label:<20} {'(not judged without a baseline)':<48} {m.words}")
            continue
        target = range_words(m.target_low, m.target_high, lambda x, last: f"{x:g}",
                             at_most="≤", at_least="≥")
        lines.append(f"    {m.label:<20} {m.before:8.2f} → {m.after:8.2f} {m.unit:<6} "
                     f"target {target:<14} {m.words}")
    if report.score_before is not None and report.score_after is not None:
        lines.append(f"  Calm score: {report.score_before} → {report.score_after}")
    if report.envelope_distance_db is not None:
        lines.append(f"  {voice_kept_words(report.envelope_distance_db)}")
    return "\n".join(lines)
