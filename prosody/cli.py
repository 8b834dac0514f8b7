"""The ``calmtone`` command line. ``main(argv) -> int`` so tests call it directly."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

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
    return int(args.func(args) or 0)


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

    u = sub.add_parser("ui", help="open the practice app in the browser (local only)")
    u.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this computer only)")
    u.add_argument("--port", type=int, default=8501)
    u.set_defaults(func=_cmd_ui)

    from .mic_cli import add_parsers as add_microphone_parsers

    add_microphone_parsers(sub)  # record, live

    from .history_cli import add_parser as add_history_parser

    add_history_parser(sub)
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


def format_table(path: str, analysis) -> str:
    """A readable two-column table of the summary, with any warnings below it."""
    summary = analysis.summary.to_dict()
    lines = [path]
    for key, label, unit, digits in TABLE_ROWS:
        value = summary[key]
        if value is None:
            shown = "—"
        elif digits is None:
            shown = str(value)
        else:
            shown = f"{value:.{digits}f}"
        lines.append(f"  {label:<34} {shown:>9} {unit}".rstrip())
    lines += [f"  note: {w}" for w in analysis.warnings]
    return "\n".join(lines)


def _cmd_ui(args) -> int:
    import subprocess

    import ui

    app = Path(ui.__file__).with_name("app.py")
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.address", args.host,
        "--server.port", str(args.port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]
    print(f"Calm Tone Coach: http://{args.host}:{args.port}  (Ctrl+C to stop)")
    return subprocess.call(cmd)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
