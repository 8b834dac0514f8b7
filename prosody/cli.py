"""The ``calmtone`` command line. ``main(argv) -> int`` so tests call it directly."""

from __future__ import annotations

import argparse
import json
import sys
import warnings

from .errors import ProsodyError, ProsodyWarning

# (key, label, unit, digits) of the readable table; the order follows DESIGN.md
TABLE_ROWS = (
    ("duration_s", "Recording length", "s", 2),
    ("speech_s", "Speaking time (without pauses)", "s", 2),
    ("f0_median_hz", "Pitch, median", "Hz", 1),
    ("f0_p10_hz", "Pitch, low (10th percentile)", "Hz", 1),
    ("f0_p90_hz", "Pitch, high (90th percentile)", "Hz", 1),
    ("f0_range_st", "Pitch range", "st", 1),
    ("f0_sd_st", "Pitch variability (SD)", "st", 2),
    ("f0_velocity_st_per_s", "Pitch movement speed", "st/s", 1),
    ("final_fall_fraction", "Phrase ends that fall", "share", 2),
    ("syllables", "Syllables", "", 0),
    ("syllables_source", "Syllables counted from", "", None),
    ("speech_rate_syl_per_s", "Speech rate", "syl/s", 2),
    ("articulation_rate_syl_per_s", "Articulation rate", "syl/s", 2),
    ("pause_count", "Pauses (0.25 s or longer)", "", 0),
    ("pause_mean_s", "Pause length, mean", "s", 2),
    ("pause_ratio", "Time spent pausing", "share", 2),
    ("phrase_count", "Phrases", "", 0),
    ("phrase_mean_syl", "Syllables per phrase", "syl", 1),
    ("loudness_db", "Loudness, median", "dBFS", 1),
    ("loudness_sd_db", "Loudness variability (SD)", "dB", 1),
    ("loudness_range_db", "Loudness range", "dB", 1),
    ("onset_slope_db_per_s", "Onset steepness", "dB/s", 0),
    ("alpha_ratio_db", "Alpha ratio (brightness)", "dB", 1),
    ("hammarberg_db", "Hammarberg index (softness)", "dB", 1),
)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # the reader went away (`calmtone history list | head`): stop quietly, like other tools
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="calmtone",
        description="Calm Tone Coach: measure and coach the calm tone of a spoken phrase.",
    )
    sub = p.add_subparsers(title="commands", metavar="COMMAND")

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
    c.set_defaults(func=_cmd_coach)

    u = sub.add_parser("ui", help="open the practice app in the browser (local only)")
    u.add_argument("--host", default="127.0.0.1",
                   help="address to listen on: this computer's own (loopback) address only, "
                        "127.0.0.1 by default; the app has no accounts, so any other is refused")
    u.add_argument("--port", type=int, default=8501)
    u.set_defaults(func=_cmd_ui)

    from .mic_cli import add_parsers as add_microphone_parsers

    add_microphone_parsers(sub)  # record, live

    from .history_cli import add_parser as add_history_parser

    add_history_parser(sub)

    from .content_cli import add_parsers as add_content_parsers

    add_content_parsers(sub)  # phrases, exercises, calmer
    return p


def _analyze_one(path: str, text: str | None):
    """Analyse one file; returns (analysis, None) or (None, error sentence)."""
    from .analysis import analyze_file

    try:
        with warnings.catch_warnings():
            # the warnings are carried in the result; the CLI prints them, not Python
            warnings.simplefilter("ignore", ProsodyWarning)
            return analyze_file(path, text=text), None
    except ProsodyError as exc:
        return None, str(exc)


def _cmd_analyze(args) -> int:
    failed = 0
    for path in args.files:
        analysis, error = _analyze_one(path, args.text)
        if args.json:
            record = {"file": path}
            if error:
                record["error"] = error
            else:
                record.update(analysis.to_dict(tracks=args.tracks))
            print(json.dumps(record), flush=True)
        elif error:
            print(f"{path}: cannot analyse: {error}", file=sys.stderr)
        else:
            print(format_table(path, analysis))
        failed += error is not None
    return 1 if failed else 0


def _analyze_with(path: str, text: str | None, settings):
    """Like :func:`_analyze_one`, with analysis settings (the baseline's pitch range)."""
    from .analysis import analyze_file

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ProsodyWarning)
            return analyze_file(path, text=text, settings=settings), None
    except ProsodyError as exc:
        return None, str(exc)


def _cmd_coach(args) -> int:
    from .coach import baseline_settings, check_baseline, coach
    from .profile import load_profile

    try:
        profile = load_profile(args.profile)
        profile.for_scenario(args.scenario)  # an unknown scenario stops here, before any work
    except ProsodyError as exc:
        print(f"calmtone coach: {exc}", file=sys.stderr)
        return 2
    saver = None
    if args.save:
        from .history_cli import CoachSaver

        try:
            saver = CoachSaver.open(args.person)
        except ProsodyError as exc:
            print(f"calmtone coach: {exc}", file=sys.stderr)
            return 2

    baseline = settings = None
    if args.baseline:
        # --text describes the takes only: a baseline passage has words of its own
        base_text = args.baseline_text
        first, error = _analyze_one(args.baseline, base_text)
        if first is not None:
            try:
                settings = baseline_settings(first)
            except ProsodyError as exc:
                error = str(exc)
        if settings is not None:
            # the baseline is measured with its own range too, like every take against it
            baseline, error = _analyze_with(args.baseline, base_text, settings)
        if baseline is not None:
            acoustic = first.summary.syllables
            if base_text is not None:
                plain, _ = _analyze_with(args.baseline, None, settings)
                acoustic = plain.summary.syllables if plain is not None else None
            try:
                check_baseline(baseline, acoustic_syllables=acoustic)
            except ProsodyError as exc:
                baseline, error = None, str(exc)
        if error:
            message = f"cannot use this recording as the baseline: {error}"
            if args.json:
                print(json.dumps({"file": args.baseline, "error": message}), flush=True)
            else:
                print(f"{args.baseline}: {message}", file=sys.stderr)
            return 1

    failed = 0
    for path in args.files:
        analysis, error = _analyze_with(path, args.text, settings)
        feedback = None
        if analysis is not None:
            try:
                feedback = coach(analysis, profile=profile, baseline=baseline,
                                 scenario=args.scenario)
            except ProsodyError as exc:
                error = str(exc)
        if saver is not None and error is None:
            saver.save(path, analysis, feedback, text=args.text, scenario=args.scenario)
        if args.json:
            record = {"file": path}
            if error:
                record["error"] = error
            else:
                record.update(feedback.to_dict())
            print(json.dumps(record), flush=True)
        elif error:
            print(f"{path}: cannot coach: {error}", file=sys.stderr)
        else:
            print(format_feedback(path, feedback))
        failed += error is not None
    if saver is not None:
        failed += saver.failed
        saver.close()
    return 1 if failed else 0


def _coach_number(value, unit: str) -> str:
    if unit == "share":
        return f"{100 * value:.0f} %"
    digits = 0 if abs(value) >= 100 or unit == "%" else 1
    return f"{value:.{digits}f} {unit}".strip()


def format_feedback(path: str, feedback) -> str:
    """A readable coaching report: score, tips, what went well, features, moments, caveats."""
    fb = feedback
    context = "against your everyday voice" if fb.baseline else "against general calm targets"
    scenario = f", scenario {fb.scenario}" if fb.scenario else ""
    lines = [path]
    if fb.score is None:
        lines.append("  No score: the recording cannot be judged.")
    else:
        lines.append(f"  Calm score {fb.score}/100 ({context}; profile {fb.profile} "
                     f"{fb.profile_version}{scenario})")
    if fb.tips:
        lines.append("  What to change:")
        lines += [f"    {i}. {tip}" for i, tip in enumerate(fb.tips, 1)]
    if fb.well:
        lines.append(f"  What went well: {fb.well}")
    if fb.features:
        lines.append(f"  {'Feature':<22} {'value':>10}   {'target':<24} verdict")
        for f in fb.features:
            if f.target_low is None:
                target = f"at most {_coach_number(f.target_high, f.unit)}"
            elif f.target_high is None:
                target = f"at least {_coach_number(f.target_low, f.unit)}"
            else:
                target = (f"{_coach_number(f.target_low, f.unit)} to "
                          f"{_coach_number(f.target_high, f.unit)}")
            lines.append(f"  {f.label:<22} {_coach_number(f.value, f.unit):>10}   "
                         f"{target:<24} {f.verdict}")
    if fb.phrase_notes:
        lines.append("  Moments to listen to:")
        lines += [f"    {note.message}" for note in fb.phrase_notes]
    lines += [f"  not judged: {name} ({reason})" for name, reason in fb.not_judged]
    if fb.score is not None:
        lines.append(f"  How the score works: {fb.explanation}")
    return "\n".join(lines)


def format_table(path: str, analysis) -> str:
    """A readable two-column table of the summary, with any warnings below it."""
    lines = [path, *summary_lines(analysis.summary.to_dict())]
    lines += [f"  note: {w}" for w in analysis.warnings]
    return "\n".join(lines)


def summary_lines(summary: dict, *, indent: str = "  ") -> list[str]:
    """The summary as aligned "label  value unit" lines, "—" where a value is undefined."""
    lines = []
    for key, label, unit, digits in TABLE_ROWS:
        value = summary.get(key)
        if value is None:
            shown = "—"
        elif digits is None:
            shown = str(value)
        else:
            shown = f"{value:.{digits}f}"
        lines.append(f"{indent}{label:<34} {shown:>9} {unit}".rstrip())
    return lines


def _cmd_ui(args) -> int:
    # Streamlit runs in this process, started by ui.server with its security settings fixed
    # and a Host/Origin guard in front of every route (why: see ui/server.py)
    from ui.server import serve

    return serve(args.host, args.port)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
