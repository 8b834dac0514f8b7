"""The history as files for people: CSV and JSON exports, and a printable HTML report with
each take's pitch contour drawn as an inline SVG image.

Every function here reads through the :class:`~prosody.store.base.Store` interface only, so
each engine gets the same exports; files are written privately and atomically
(:func:`~prosody.store.files.text_out`).
"""

from __future__ import annotations

import csv
import html
import json
import math
import os
from collections.abc import Mapping, Sequence
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..feedback import range_words
from ..util import FRAME_S, hz_to_st
from .files import PathOrFile, text_out
from .records import Kind, Take, When, summary_keys
from .values import utc_iso, utc_now

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis import Tracks
    from .base import Store


def export_csv(store: Store, dest: PathOrFile, *, person: str | None = None, **filters) -> int:
    """Write one CSV row per take: its details, score and every summary feature.

    Returns the number of takes written. ``filters`` are those of :meth:`Store.takes`.
    """
    takes = store.takes(person=person, newest_first=False, **filters)
    # the summary's duration_s is the take's own: one column
    keys = tuple(k for k in summary_keys() if k != "duration_s")
    head = ["id", "person", "created_utc", "kind", "phrase", "scenario", "profile_name",
            "profile_version", "score", "duration_s", "audio_file", "recording", "exercise_id",
            "assignment_id", *keys, "tips"]
    with text_out(dest, store.home) as f:
        w = csv.writer(f)
        w.writerow(head)
        for t in takes:
            w.writerow([t.id, *map(_csv_value, (t.person, t.created_utc, t.kind, t.phrase,
                                                  t.scenario, t.profile_name,
                                                  t.profile_version, t.score, t.duration_s)),
                        t.audio_file, "missing" if t.audio_missing else "kept",
                        *map(_csv_value, (t.exercise_id, t.assignment_id)),
                        *(_csv_value(t.summary.get(k)) for k in keys),
                        _csv_value(" | ".join(t.tips))])
    return len(takes)


def export_json(store: Store, dest: PathOrFile, *, person: str | None = None, **filters) -> int:
    """Write the takes (every stored field, not the audio) as one JSON document.

    The document is ``{"schema_version": 5, "exported_utc": ..., "person": ..., "takes":
    [...], "assignments": [...]}``; each take holds its supervisors' ``notes``. Returns the
    number of takes written.
    """
    import dataclasses

    takes = store.takes(person=person, newest_first=False, **filters)
    rows = []
    for t in takes:
        row = t.to_dict()
        # a supervisor's notes on the take (clinic mode), each with its author and moment
        row["notes"] = [dataclasses.asdict(n) for n in store.notes(t.id)]
        rows.append(row)
    doc = {"schema_version": store.schema_version, "exported_utc": utc_iso(utc_now()),
           "person": person, "takes": rows,
           # what was given to practise, done or not: an exercise's attempts name theirs
           "assignments": [dataclasses.asdict(a) for a in
                           store.assignments(person, include_closed=True)]}
    with text_out(dest, store.home) as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    return len(takes)


def report_html(store: Store, person: str, path: str | os.PathLike[str], *,
                since: When | None = None, until: When | None = None,
                kind: Kind | Sequence[Kind] | None = None, tz: tzinfo | None = None) -> Path:
    """Write a printable HTML report of a person's takes, for a supervisor.

    One section per take, oldest first: when, phrase, scenario, score, the main summary
    features, the coach's tips and the pitch contour as an inline SVG image (no scripts,
    no external files: it prints and mails as one file).

    Returns
    -------
    Path
        where the report was written
    """
    name = store.person(person).name
    takes = store.takes(person=name, since=since, until=until, kind=kind, newest_first=False)
    baseline = store.baseline(name)
    sections = [_take_section(t, store.tracks(t.id), tz, is_baseline=baseline is not None
                              and baseline.id == t.id) for t in takes]
    doc = _report_document(name, takes, sections, tz)
    out = Path(path)
    with text_out(out, store.home) as f:
        f.write(doc)
    return out


def _csv_value(v):
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return int(v)  # a score of 72, not 72.0
    if isinstance(v, str):
        return csv_text(v)
    return v  # the stored value, in full: a spreadsheet rounds for display, not the file


#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_text(text: str) -> str:
    """A text cell a spreadsheet shows as text: one that would start a formula (``=``, ``+``,
    ``-``, ``@``, tab, carriage return, or their full-width forms) gets a leading apostrophe,
    as OWASP advises. Numbers are written as numbers and never pass through here."""
    return "'" + text if text.startswith(_FORMULA_START) else text


# (summary key, label, unit, digits): what a supervisor looks at first
_REPORT_FEATURES = (
    ("f0_median_hz", "Pitch, median", "Hz", 0),
    ("f0_range_st", "Pitch range", "st", 1),
    ("f0_velocity_st_per_s", "Pitch movement", "st/s", 1),
    ("final_fall_fraction", "Phrase ends that fall", "", 2),
    ("articulation_rate_syl_per_s", "Articulation rate", "syl/s", 2),
    ("pause_ratio", "Time pausing", "", 2),
    ("loudness_db", "Loudness", "dBFS", 1),
    ("onset_slope_db_per_s", "Onset steepness", "dB/s", 0),
    ("alpha_ratio_db", "Brightness (alpha ratio)", "dB", 1),
)

_CSS = """
body { font: 11pt/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
       max-width: 190mm; margin: 1em auto; padding: 0 1em; }
h1 { font-size: 18pt; margin-bottom: 0.2em; } h2 { font-size: 12pt; margin: 0 0 0.3em; }
.meta { color: #555; } .take { border-top: 1px solid #bbb; padding: 0.8em 0;
break-inside: avoid; page-break-inside: avoid; }
.score { font-size: 16pt; font-weight: 600; float: right; } .score small { font-size: 9pt; }
table { border-collapse: collapse; font-size: 9.5pt; margin: 0.4em 0; }
td, th { padding: 1px 8px 1px 0; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.low, .high { color: #a33; } .ok { color: #2a6; }
svg { display: block; margin: 0.3em 0; } ol { margin: 0.3em 0; padding-left: 1.4em; }
@page { size: A4; margin: 14mm; } @media print { body { margin: 0; max-width: none; } }
"""


def _report_document(person: str, takes: list[Take], sections: list[str],
                     tz: tzinfo | None) -> str:
    esc = html.escape
    scored = [t.score for t in takes if t.score is not None]
    if takes:
        first, last = takes[0].created.astimezone(tz), takes[-1].created.astimezone(tz)
        span = f"{len(takes)} take{'s' * (len(takes) != 1)}, {first:%d %b %Y} to {last:%d %b %Y}"
    else:
        span = "no takes saved yet"
    overview = ""
    if len(scored) >= 2:
        k = max(1, min(5, len(scored) // 2))
        early, late = sum(scored[:k]) / k, sum(scored[-k:]) / k
        overview = (f"<p>Mean calm score of the first {k} scored take{'s' * (k != 1)}: "
                    f"<b>{early:.0f}</b>; of the last {k}: <b>{late:.0f}</b> (0 to 100).</p>")
    generated = utc_now().astimezone(tz)
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Calm Tone Coach: practice report for {esc(person)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Practice report: {esc(person)}</h1>",
        f'<p class="meta">{esc(span)}. Written {generated:%d %b %Y %H:%M} by Calm Tone Coach. '
        "Pitch contours are drawn on a semitone scale; grey bands are pauses, ticks below are "
        "syllables.</p>",
        overview, *sections, "</body></html>", ""])


def _take_section(take: Take, tracks: Tracks, tz: tzinfo | None, *, is_baseline: bool) -> str:
    esc = html.escape
    when = take.created.astimezone(tz)
    kind = "baseline (everyday voice)" if is_baseline else take.kind
    details = [f"{when:%a %d %b %Y, %H:%M}", kind]
    if take.scenario:
        details.append(f"scenario: {take.scenario}")
    if take.profile_name:
        details.append(f"profile: {take.profile_name} {take.profile_version or ''}".strip())
    details.append(f"{take.duration_s:.1f} s")
    score = ("" if take.score is None else
             f'<div class="score">{take.score:.0f}<small> / 100</small></div>')
    feedback = take.feedback or {}
    judged = [f for f in feedback.get("features") or () if isinstance(f, Mapping)]
    rows = _judged_rows(judged) if judged else _summary_rows(take.summary)
    notes = []
    quality = feedback.get("quality")
    if isinstance(quality, Mapping) and quality.get("message"):
        notes.append(f"<p><i>Not scored:</i> {esc(str(quality['message']))}</p>")
    if take.tips:
        notes.append("<ol>" + "".join(f"<li>{esc(t)}</li>" for t in take.tips) + "</ol>")
    if feedback.get("well"):
        notes.append(f"<p><i>Went well:</i> {esc(str(feedback['well']))}</p>")
    phrase = take.phrase or "(free speech)"
    return "\n".join([
        f'<section class="take" id="take-{take.id}">', score,
        f"<h2>“{esc(phrase)}”</h2>",
        f'<div class="meta">Take {take.id} · {esc(" · ".join(details))}</div>',
        contour_svg(tracks, label=f"Pitch contour of take {take.id}"),
        "<table>", *rows, "</table>", *notes, "</section>"])


def _number(value, unit: str = "", digits: int | None = None) -> str:
    """A value to read, not to compute with: about three significant digits by default."""
    if value is None:
        return "—"
    if digits is None:
        digits = 2 if abs(value) < 1 else 1 if abs(value) < 100 else 0
    return f"{value:.{digits}f} {unit}".strip()


def _judged_rows(features: list[Mapping]) -> list[str]:
    """The coach's verdicts: measure, the compared value and the target it was held to."""
    esc = html.escape
    rows = ["<tr><th>Feature</th><th>Measured</th><th>Compared</th><th>Target</th>"
            "<th>Verdict</th></tr>"]
    for f in features:
        unit = str(f.get("unit") or "")
        target = range_words(f.get("target_low"), f.get("target_high"),
                             lambda x, last, unit=unit: _number(x, unit if last else ""),
                             at_most="≤", at_least="≥")
        compared = _number(f.get("value"), unit)
        if f.get("relative_to") == "baseline":
            compared += " vs baseline"
        verdict = str(f.get("verdict") or "")
        rows.append(
            f"<tr><td>{esc(str(f.get('label') or f.get('name')))}</td>"
            f'<td class="num">{esc(_number(f.get("measured"), str(f.get("measured_unit") or "")))}'
            f'</td><td class="num">{esc(compared)}</td><td>{esc(target)}</td>'
            f'<td class="{esc(verdict)}">{esc(verdict)}</td></tr>')
    return rows


def _summary_rows(summary: Mapping) -> list[str]:
    esc = html.escape
    return [f'<tr><td>{esc(label)}</td><td class="num">'
            f"{esc(_number(summary.get(key), unit, digits))}</td></tr>"
            for key, label, unit, digits in _REPORT_FEATURES]


def contour_svg(tracks: Tracks, *, width_px: int = 640, height_px: int = 150,
                label: str = "Pitch contour") -> str:
    """The pitch contour of a take as an inline SVG image.

    Pitch is drawn on a semitone scale (Hz labels at the side), a line per voiced run; pauses
    are grey bands and syllable nuclei ticks along the bottom.

    Parameters
    ----------
    tracks : Tracks
        from an analysis or :meth:`Store.tracks`
    width_px, height_px : int
        size of the image in CSS pixels

    Returns
    -------
    str
        an ``<svg>`` element, self-contained
    """
    esc = html.escape
    t = np.asarray(tracks.time_s, dtype=float)
    f0 = np.asarray(tracks.f0_hz, dtype=float)
    voiced = np.asarray(tracks.voiced, dtype=bool) & np.isfinite(f0) & (f0 > 0)
    left, right, top, bottom = 44, 8, 8, 22
    plot_w, plot_h = width_px - left - right, height_px - top - bottom
    t_end = float(t[-1] + FRAME_S) if t.size else 1.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_px}" height="{height_px}" '
             f'viewBox="0 0 {width_px} {height_px}" role="img" aria-label="{esc(label)}">',
             f"<title>{esc(label)}</title>",
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" '
             'stroke="#ccc"/>']

    def x_of(time_s):
        return left + plot_w * np.asarray(time_s, dtype=float) / t_end

    for start_s, end_s in tracks.pauses:
        x0, x1 = x_of(start_s), x_of(end_s)
        parts.append(f'<rect x="{x0:.1f}" y="{top}" width="{max(x1 - x0, 0.5):.1f}" '
                     f'height="{plot_h}" fill="#e4e4e4"/>')
    if voiced.any():
        st = hz_to_st(f0[voiced], 1.0)
        lo, hi = math.floor(st.min() - 1.5), math.ceil(st.max() + 1.5)
        hi = max(hi, lo + 6)  # a flat contour still gets half an octave of room

        def y_of(st_values):
            return top + plot_h * (hi - np.asarray(st_values)) / (hi - lo)

        for hz in (50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000):
            s = float(hz_to_st(hz, 1.0))
            if lo <= s <= hi:
                y = float(y_of(s))
                parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" '
                             f'y2="{y:.1f}" stroke="#ddd"/><text x="{left - 4}" y="{y + 3:.1f}" '
                             f'font-size="9" text-anchor="end" fill="#666">{hz} Hz</text>')
        all_st = np.full(f0.shape, np.nan)
        all_st[voiced] = st
        xs, ys = x_of(t), y_of(all_st)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], voiced.astype(np.int8), [0]])))
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs[a:b], ys[a:b], strict=True))
            if b - a == 1:
                parts.append(f'<circle cx="{xs[a]:.1f}" cy="{ys[a]:.1f}" r="1" fill="#2b5fa6"/>')
            else:
                parts.append(f'<polyline points="{pts}" fill="none" stroke="#2b5fa6" '
                             'stroke-width="1.6" stroke-linejoin="round"/>')
    else:
        parts.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" font-size="11" '
                     'text-anchor="middle" fill="#666">no voiced speech</text>')
    for s in tracks.syllable_times_s:
        x = float(x_of(s))
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + plot_h}" '
                     f'y2="{top + plot_h + 5}" stroke="#444"/>')
    step_s = 1.0 if t_end <= 12 else 5.0
    for k in range(int(t_end / step_s) + 1):
        x = float(x_of(k * step_s))
        parts.append(f'<text x="{x:.1f}" y="{height_px - 4}" font-size="9" text-anchor="middle" '
                     f'fill="#666">{k * step_s:g} s</text>')
    parts.append("</svg>")
    return "".join(parts)
