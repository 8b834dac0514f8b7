"""Text for the terminal, shared by the commands: the summary table, the coach's report, the live
view's line, clock times, and user text made safe to print.

Every function returns text and prints nothing; the commands decide where it goes.
"""

from __future__ import annotations

import argparse
import unicodedata

from ..explain import UNIT_NOTES, not_judged_lines, points_text
from ..feedback import range_words, score_band, verdict_line

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
    ("voiced_rate_syl_per_s", "Pace over the voiced span", "syl/s", 2),
    ("pause_count", "Pauses (0.25 s or longer)", "", 0),
    ("pause_mean_s", "Pause length, mean", "s", 2),
    ("pause_ratio", "Time spent pausing", "share", 2),
    ("phrase_count", "Phrases", "", 0),
    ("phrase_mean_syl", "Syllables per phrase", "syl", 1),
    ("loudness_db", "Loudness, median", "dBFS", 1),
    ("speech_level_db", "Speech level (active)", "dBFS", 1),
    ("loudness_sd_db", "Loudness variability (SD)", "dB", 1),
    ("loudness_range_db", "Loudness range", "dB", 1),
    ("onset_slope_db_per_s", "Onset steepness", "dB/s", 0),
    ("alpha_ratio_db", "Alpha ratio (brightness)", "dB", 1),
    ("hammarberg_db", "Hammarberg index (softness)", "dB", 1),
    ("spectral_centroid_hz", "Spectral centroid (edge)", "Hz", 0),
    ("spectral_flux", "Spectral flux (choppiness)", "", 3),
)


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


#: Said under the table when it shows a share against the baseline.
POINTS_NOTE = UNIT_NOTES["pts"]


def _coach_number(value, unit: str, *, difference: bool = False) -> str:
    if unit == "share":
        # a share against the baseline is a difference of percentage points, not a change in %
        if difference:
            return points_text(value)
        return f"{100 * value:.0f} %"
    if unit == "flux":  # between 0 and 1, as the tips say it
        return f"{value:.2f} flux"
    digits = 0 if abs(value) >= 100 or unit == "%" else 1
    text = f"{value:.{digits}f}"
    if float(text) == 0:
        text = text.lstrip("-")  # "-0 %" reads as a change that is not there
    return f"{text} {unit}".strip()


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
    tips = fb.tips
    if fb.score is not None:
        # as the app says it: the band's line, and no more changes than the band allows (a
        # calm take gets at most one detail to polish)
        tips = tips[:score_band(fb.score).max_changes]
        lines.append(f"  {verdict_line(fb.score, len(tips))}")
    if tips:
        if not lines[-1].endswith(":"):  # the band's line may lead in to them itself
            lines.append("  What to change:")
        lines += [f"    {i}. {tip}" for i, tip in enumerate(tips, 1)]
    if fb.well:
        lines.append(f"  What went well: {fb.well}")
    if fb.features:
        lines.append(f"  {'Feature':<22} {'value':>10}   {'target':<24} verdict")
        for f in fb.features:
            points = f.relative_to == "baseline"
            target = range_words(f.target_low, f.target_high,
                                 lambda x, last, unit=f.unit, d=points: _coach_number(
                                     x, unit, difference=d))
            lines.append(f"  {f.label:<22} {_coach_number(f.value, f.unit, difference=points):>10}"
                         f"   {target:<24} {f.verdict}")
    if fb.phrase_notes:
        lines.append("  Moments to listen to:")
        lines += [f"    {note.message}" for note in fb.phrase_notes]
    if any(f.unit == "share" and f.relative_to == "baseline" and f.value is not None
           for f in fb.features):
        lines.append(f"  {POINTS_NOTE}")
    lines += [f"  {line}" for line in not_judged_lines(fb.not_judged, profile=fb.profile)]
    lines += [f"  About the recording: {note}" for note in fb.notes]
    if fb.score is not None:
        lines.append(f"  How the score works: {fb.explanation}")
    return "\n".join(lines)


def clock(t_s: float, digits: int = 1) -> str:
    """Minutes and seconds, ``m:ss.s``."""
    return f"{int(t_s // 60)}:{t_s % 60:0{3 + digits}.{digits}f}"


_ARROW = {"low": "↓", "ok": "✓", "high": "↑", None: " "}


def _reading_value(reading) -> str:
    """The value in a fixed width, so that a redrawn line does not jump about."""
    if reading.value is None:
        return f"{'…':>5}"
    digits = 0 if reading.unit in ("Hz", "%") else 1
    sign = "+" if reading.unit in ("st", "dB", "%") else ""
    return f"{reading.value:>{sign}5.{digits}f}"


def _reading_zone(reading) -> str:
    z = reading.zone
    if z is None:
        return ""
    # a zone in Hz placed around the voice (no baseline) is shown in whole hertz
    shown = "{:.0f}" if reading.unit == "Hz" else "{:g}"
    low = "" if z.low is None else shown.format(z.low)
    high = "" if z.high is None else shown.format(z.high)
    return f" [{low}..{high}]"


def format_update(update, *, ascii_only: bool = False) -> str:
    """One line of the live view: time, each reading with its zone, and the cue.

    Parameters
    ----------
    update : LiveUpdate
    ascii_only : bool
        no block characters or arrows (for logs and pipes)
    """
    parts = [clock(update.time_s, digits=2)]
    for r in (update.pitch, update.level, update.pace):
        mark = "" if ascii_only else " " + _ARROW[r.verdict]
        verdict = f" {r.verdict}" if ascii_only and r.verdict else ""
        parts.append(f"{r.name} {_reading_value(r)} {r.unit}"
                     f"{_reading_zone(r)}{mark}{verdict}")
    cue = update.cue.upper() if update.cue else "-"
    parts.append(f"cue: {cue}")
    return "  ".join(parts) if not ascii_only else " | ".join(parts)


#: Characters shown as escapes on a terminal: controls (escape sequences, carriage return,
#: newline), format characters (bidi overrides that reorder what follows) and line separators.
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})


def terminal_text(text: str | None) -> str:
    """User text made safe to print: every control, format or separator character becomes a
    visible escape (``\\x1b``, ``\\n``, ``\\u202e``), so a name or phrase can neither send
    escape sequences to the terminal nor break one take's line in two."""
    if not text:
        return text or ""
    out = []
    for ch in text:
        if unicodedata.category(ch) in _HIDDEN:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else
                       f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return "".join(out)


def local_time(created_utc: str) -> str:
    """A stored UTC time as this computer's local ``YYYY-MM-DD HH:MM``."""
    from datetime import datetime

    return datetime.fromisoformat(created_utc).astimezone().strftime("%Y-%m-%d %H:%M")


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, with an ellipsis when cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------------------------------------
# Numbers given on the command line: refused with a sentence, never a traceback


def whole_number(low: int, high: int, what: str):
    """An argparse ``type`` for a whole number from ``low`` to ``high`` (``what``, plural,
    names them in the message): ``--port 99999`` or a take number of thirty digits is a usage
    error, not a crash deep in the socket or the database."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} run from {low} to {high}; got {text}")
        return value

    parse.__name__ = what  # argparse names the type in some messages
    return parse


#: A take's number in the history (SQLite's and PostgreSQL's 64-bit keys).
TAKE_ID = whole_number(1, 2**63 - 1, "take numbers (see `calmtone history list`)")
#: A TCP port the app may listen on.
PORT = whole_number(1, 65535, "ports")
#: How many lines or takes to show.
COUNT = whole_number(1, 10**9, "counts")
