"""Drawing: every function takes plain results and draws them; none computes prosody."""

from __future__ import annotations

import html
import math
import re

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from prosody.explain import points_text, points_unit
from prosody.feedback import range_words
from prosody.util import hz_to_st

#: How each verdict is marked beside its words: Material Symbols from the font Streamlit ships
#: (drawn on this computer, never an emoji that needs a font the computer may lack).
VERDICT_ICONS = {"ok": ":material/check_circle:", "low": ":material/arrow_downward:",
                 "high": ":material/arrow_upward:"}


#: Characters that mean something in Streamlit's Markdown (links, images, emphasis, headings,
#: lists, tables, code, LaTeX ``$``, ``:material/...:`` icons and ``:red[...]`` colours).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&=^])")


def plain(text: object) -> str:
    """User text (a name, a phrase, a note) made safe to put inside Markdown: every character
    Markdown gives a meaning is escaped and line breaks become spaces, so it shows as typed and
    never as a link, an image or a heading. Use it wherever such text lands in
    ``st.markdown``, ``st.caption``, ``st.success``/``st.error``, a widget label, an expander
    title or a tab.

    Escapes do not stop GitHub-flavoured Markdown from turning a bare web or e-mail address
    into a link (``http://…``, ``www.…``, ``name@host``), so an invisible zero-width space is
    put where it breaks that: after the first letter of ``http``/``ftp``/``www``/``mailto`` and
    before ``@``."""
    text = " ".join(str(text).split())
    text = _AUTOLINK_START.sub(lambda m: m.group(0)[0] + "\u200b" + m.group(0)[1:], text)
    text = text.replace("@", "\u200b@")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


#: The beginnings of what GFM links without any Markdown: web addresses and mailto.
_AUTOLINK_START = re.compile(r"(?i)(?:https?|ftps?|mailto|www|xmpp)(?=[:.])")


def safe_filename(text: object, *, fallback: str = "me") -> str:
    """A name made safe as part of a download's file name (letters, digits, ``-`` and ``_``)."""
    cleaned = re.sub(r"[^\w-]+", "_", str(text), flags=re.UNICODE).strip("_")
    return cleaned[:60] or fallback


#: Tells a person what to do about a missing recording (the rest of the take is still shown).
MISSING_WHAT_TO_DO = ("Its scores and contour are still kept. To hear it again, put the FLAC "
                      "file back from a backup of your history folder ({home}/audio); or "
                      "delete this take if you no longer need it.")


def recording_missing(take_id: int, home: str, where=None) -> None:
    """Say that a take's recording is missing, and what to do; its results are still shown."""
    (where or st).warning(f"**Recording missing** (take {take_id}). "
                          + MISSING_WHAT_TO_DO.format(home=plain(home)),
                          icon=":material/volume_off:")


#: Where the app explains how the calm score is built: one page, linked from every score.
SCORE_HELP = ("How the score is built, what each part of the voice means and how to read the "
              "chart: see the page **How it works**.")


def verdict(reading, *, own: bool = True) -> None:
    """The calm score and the one line that says what it means; without a score, why not
    (said once). ``own``: the take is the reader's own (say how to get personal targets)."""
    if reading.score is None:
        st.warning(plain(reading.problem), icon=":material/mic_off:")
        return
    left, right = st.columns([1, 2])
    left.metric("Calm score", f"{reading.score} / 100", help=SCORE_HELP)
    right.markdown(f"**{reading.verdict}**")
    if own and not reading.baseline:
        right.caption("Judged against general targets: record your everyday voice on the "
                      "Baseline page and the coach compares you with yourself.")
    for note in reading.notes:
        # a mains hum taken out, or a channel of the recording left out
        icon = "electrical_services" if "mains hum" in note else "settings_input_component"
        st.info(plain(note), icon=f":material/{icon}:")


def changes(reading) -> None:
    """At most three changes, numbered as their marks on the chart, then one thing done well."""
    if reading.changes:
        st.markdown("#### One detail to polish" if reading.band == "calm"
                    else "#### What to change")
        for c in reading.changes:
            where = (f" *(mark {c.number} on the chart)*" if c.mark is not None
                     else " *(heard in the sound of the voice; not drawn)*")
            st.markdown(f"**{c.number}. {c.label}: {c.what.lower()}.**{where}  \n{c.tip}")
    if reading.well:
        st.markdown(f"#### What went well\n{reading.well}")


def feature_cards(reading, *, columns: int = 3) -> None:
    """One card per feature that carries weight: what the take did and what calm is, in words,
    and the verdict in words beside its symbol; the numbers on demand, units explained once."""
    if not reading.cards:
        return
    st.markdown("#### Feature by feature")
    # those outside their zone first, row by row, so a phone (one column) reads them in order
    cards = sorted(reading.cards, key=lambda c: c.verdict == "ok")
    for i, card in enumerate(cards):
        if i % columns == 0:
            cols = st.columns(columns)
        with cols[i % columns].container(border=True):
            st.markdown(f"**{card.label}**  \n{card.now[:1].upper()}{card.now[1:]}.")
            st.markdown(f"Calm: {card.aim}.")
            st.markdown(f"{VERDICT_ICONS.get(card.verdict, '')} {card.verdict_words}")
    with st.expander("The numbers behind the cards"):
        st.dataframe(numbers_table(reading), hide_index=True, width="stretch")
        st.caption(" ".join(reading.units))
        if reading.not_judged:
            st.markdown("**Left out of this take's score**\n" + "\n".join(
                f"- {plain(n)}" for n in reading.not_judged))


def numbers_table(reading) -> pd.DataFrame:
    """The cards as numbers: the compared value, the calm zone (open ends as at most / at
    least) and the take's own measure."""
    def row(c) -> dict:
        unit = points_unit(c.unit, c.against)
        return {
            "feature": c.label,
            "this take": _fmt(c.value, unit, signed=c.against == "your everyday voice"),
            "calm zone": range_words(c.target_low, c.target_high,
                                     lambda x, last: _edge(x, unit, last)),
            "against": c.against,
            "measured": _fmt(c.measured, c.measured_unit),
        }

    return pd.DataFrame([row(c) for c in reading.cards])


def _number(value) -> str:
    """A measure shown without its unit (given in the label), to one decimal."""
    return "—" if value is None or not math.isfinite(value) else f"{value:.1f}"


def _edge(value, unit: str, last: bool) -> str:
    """One edge of a calm zone: the unit is said once, after the last edge ("0 to 25 pts")."""
    text = _fmt(value, unit)
    return text if last or " " not in text else text.rsplit(" ", 1)[0]


def _fmt(value, unit: str, *, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    sign = "+" if signed else ""
    if unit == "pts":
        return points_text(value, signed=signed)
    if unit == "share":
        return f"{100 * value:{sign}.0f} %"
    if unit == "%":
        return f"{value:{sign}.0f} %"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:{sign}.{digits}f} {unit}".strip()


def take_feedback(reading, *, tracks=None, ends=(), ref_hz: float | None = None,
                  ref_label: str = "your everyday voice", flagged=(), recording=None,
                  play=None) -> None:
    """Everything said about one take, in reading order: the score and its line, what to
    change, what went well, the recording, the chart with the changes marked, the cards.

    ``play`` plays ``recording`` (``services.play``, which remembers what it served)."""
    verdict(reading)
    if reading.score is None:
        return
    changes(reading)
    if recording is not None and play is not None:
        play(recording)
    if tracks is not None and ref_hz:
        band = pitch_band_st(reading)
        chart = contour_chart(tracks, ref_hz=ref_hz, band_st=band, ends=ends,
                              flagged=flagged, marks=[(c.number, c.mark) for c in
                                                      reading.changes if c.mark is not None],
                              ref_label=ref_label)
        caption = contour_caption(tracks, ends, ref_label=ref_label,
                                  marked=any(c.mark is not None for c in reading.changes),
                                  band=band is not None)
        st.altair_chart(chart, width="stretch", alt=caption)
        st.caption(caption)
        for note in flagged:
            st.markdown(f"- {note['message']}")
    feature_cards(reading)


#: The chart's layers, as its legend names them, and their colours.
LEGEND = {
    "your pitch": "#1565c0",
    "calm pitch zone": "#2e7d32",
    "pause": "#607d8b",
    "tension crept in": "#e65100",
    "syllable": "#37474f",
    "beyond the chart": "#c62828",
    "change to make": "#6a1b9a",
}
#: The pitch chart shows at most this far from the reference, in semitones (an octave and a
#: half each way): beyond it a value is drawn at the edge and marked, not lost off the chart.
PITCH_VIEW_ST = 18.0


def _legend_color(domain: list[str]):
    return alt.Color("what:N", title=None, scale=alt.Scale(
        domain=domain, range=[LEGEND[d] for d in domain]),
        legend=alt.Legend(orient="bottom", columns=2, symbolType="square", symbolOpacity=1))


def _tracks_frame(tracks, ref_hz: float) -> pd.DataFrame:
    return pd.DataFrame({
        "time_s": np.asarray(tracks.time_s, dtype=float),
        "pitch_st": hz_to_st(tracks.f0_hz, ref_hz),
        "loudness_db": np.asarray(tracks.loudness_db, dtype=float),
    })


#: Silence shown before the first and after the last speech, in seconds.
SPEECH_VIEW_MARGIN_S = 0.3


def speech_view_s(tracks) -> tuple[float, float]:
    """The time axis: the speech with :data:`SPEECH_VIEW_MARGIN_S` either side, so seconds of
    silence before the first word do not squeeze the words into a corner (a phone's width)."""
    t = np.asarray(tracks.time_s, dtype=float)
    speech = np.asarray(tracks.speech, dtype=bool)
    if not t.size:
        return 0.0, 1.0
    if not speech.any() or speech.size != t.size:
        return float(t[0]), float(t[-1])
    return (max(float(t[0]), float(t[speech][0]) - SPEECH_VIEW_MARGIN_S),
            min(float(t[-1]), float(t[speech][-1]) + SPEECH_VIEW_MARGIN_S))


def pitch_view_st(pitch_st, band_st) -> tuple[float, float]:
    """The pitch axis: the voice and the calm zone with a semitone to spare, at most
    :data:`PITCH_VIEW_ST` each way."""
    values = np.asarray(pitch_st, dtype=float)
    values = values[np.isfinite(values)]
    lo = min([*(np.percentile(values, [1]) if values.size else [0.0]),
              *(band_st[:1] if band_st else []), -2.0])
    hi = max([*(np.percentile(values, [99]) if values.size else [0.0]),
              *(band_st[1:] if band_st else []), 2.0])
    return max(-PITCH_VIEW_ST, math.floor(lo - 1.0)), min(PITCH_VIEW_ST, math.ceil(hi + 1.0))


def contour_chart(tracks, *, ref_hz: float, band_st: tuple[float, float] | None,
                  ends=(), flagged=(), marks=(), title: str = "",
                  ref_label: str = "your everyday voice") -> alt.Chart:
    """Pitch in semitones relative to ``ref_hz`` over time, against the calm zone, with a
    legend: pauses shaded, syllables ticked, phrase ends marked, stretches where tension crept
    in highlighted, values beyond the chart drawn at its edge and marked; the loudness beneath,
    drawn up from the quietest speech on the same time axis. ``marks`` are (number,
    :class:`prosody.explain.Mark`) of the changes to make, numbered as the text numbers them.
    ``tracks`` is ``Analysis.tracks`` or a stored take's tracks; ``ends`` their phrase ends
    (the same ones the summary's ``final_fall_fraction`` counts)."""
    t0, t1 = speech_view_s(tracks)
    df = _tracks_frame(tracks, ref_hz)
    df = df[(df["time_s"] >= t0) & (df["time_s"] <= t1)].reset_index(drop=True)
    lo, hi = pitch_view_st(df["pitch_st"], band_st)
    df["beyond"] = (df["pitch_st"] > hi) | (df["pitch_st"] < lo)
    df["pitch_st"] = df["pitch_st"].clip(lo, hi)
    df["what"] = "your pitch"
    # one time scale for every layer and both panels: the speech, not from zero
    xs = alt.Scale(domain=[t0, t1], nice=False, zero=False)
    x = alt.X("time_s:Q", title="time in the recording (s)", scale=xs)
    xt = alt.X("t0:Q", scale=xs)
    y = alt.Y("pitch_st:Q", title=f"pitch (semitones vs {ref_label})",
              scale=alt.Scale(domain=[lo, hi], nice=False))
    beyond = df[df["beyond"]]
    present = {"your pitch": True, "calm pitch zone": band_st is not None,
               "pause": bool(tracks.pauses), "tension crept in": bool(flagged),
               "syllable": bool(len(tracks.syllable_times_s)),
               "beyond the chart": bool(len(beyond)),
               "change to make": bool(marks)}
    color = _legend_color([what for what, there in present.items() if there])
    layers = []
    if band_st is not None:
        band = pd.DataFrame({"t0": [t0], "t1": [t1], "lo": [band_st[0]], "hi": [band_st[1]],
                             "what": ["calm pitch zone"]})
        layers.append(alt.Chart(band).mark_rect(opacity=0.18, clip=True).encode(
            x=xt, x2="t1:Q", y="lo:Q", y2="hi:Q", color=color, tooltip=["what:N"]))
    if tracks.pauses:
        pauses = pd.DataFrame([{"t0": a, "t1": b, "what": "pause",
                                "length": f"{b - a:.2f} s"} for a, b in tracks.pauses])
        layers.append(alt.Chart(pauses).mark_rect(opacity=0.15, clip=True).encode(
            x=xt, x2="t1:Q", color=color, tooltip=["what:N", "length:N"]))
    if flagged:
        spans = pd.DataFrame([{"t0": n["start_s"], "t1": n["end_s"], "what": "tension crept in",
                               "note": n.get("message", "")} for n in flagged])
        layers.append(alt.Chart(spans).mark_rect(opacity=0.12, clip=True).encode(
            x=xt, x2="t1:Q", color=color, tooltip=["note:N"]))
    layers.append(alt.Chart(df).mark_line(strokeWidth=2, clip=True).encode(
        x=x, y=y, color=color,
        tooltip=[alt.Tooltip("time_s:Q", format=".2f", title="time (s)"),
                 alt.Tooltip("pitch_st:Q", format=".1f", title="pitch (st)")]))
    for side, shape, offset in ((beyond[beyond["pitch_st"] >= hi], "triangle-up", 6),
                                (beyond[beyond["pitch_st"] <= lo], "triangle-down", -6)):
        if len(side):  # a triangle just inside the edge, every 50 ms of pitch beyond it
            edges = side.iloc[::5].assign(what="beyond the chart")
            layers.append(alt.Chart(edges).mark_point(
                shape=shape, filled=True, size=70, opacity=1, yOffset=offset).encode(
                x=x, y="pitch_st:Q", color=color, tooltip=["what:N"]))
    if len(tracks.syllable_times_s):
        ticks = pd.DataFrame({"time_s": np.asarray(tracks.syllable_times_s, dtype=float),
                              "y": lo + 0.6, "what": "syllable"})
        layers.append(alt.Chart(ticks).mark_tick(thickness=2, size=10, clip=True).encode(
            x=x, y="y:Q", color=color, tooltip=["what:N"]))
    if ends:
        end_marks = _phrase_end_marks(ends, ref_hz)
        end_marks["pitch_st"] = end_marks["pitch_st"].clip(lo, hi)
        layers.append(alt.Chart(end_marks).mark_text(fontSize=16, dy=-10, clip=True).encode(
            x=x, y="pitch_st:Q", text="mark:N", tooltip=["what:N"]))
    pitch_marks = [(n, m) for n, m in marks if m.panel == "pitch"]
    loud_marks = [(n, m) for n, m in marks if m.panel == "loudness"]
    layers += _change_marks(pitch_marks, color, xt)
    top = alt.layer(*layers).properties(height=260, width="container", title=title)

    floor = _floor_db(tracks)
    level = df.assign(loudness_db=df["loudness_db"].clip(lower=floor), what="loudness")
    loud = [alt.Chart(level).mark_area(opacity=0.55, color="#78909c", clip=True).encode(
        x=x, y=alt.Y("loudness_db:Q", title="loudness (dB)",
                     scale=alt.Scale(domain=[floor, 0], nice=False)),
        y2=alt.datum(floor),
        tooltip=[alt.Tooltip("time_s:Q", format=".2f", title="time (s)"),
                 alt.Tooltip("loudness_db:Q", format=".0f", title="level (dBFS)")])]
    loud += _change_marks(loud_marks, color, xt)
    bottom = alt.layer(*loud).properties(height=110, width="container")
    return alt.vconcat(top, bottom).resolve_scale(x="shared", color="shared").properties(
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def _change_marks(marks, color, x) -> list[alt.Chart]:
    """A dashed outline over each change's stretch, and its number at the top."""
    if not marks:
        return []
    data = pd.DataFrame([{"t0": m.start_s, "t1": m.end_s, "number": str(n),
                          "what": "change to make"} for n, m in marks])
    # two changes on the same stretch: their numbers sit side by side
    data["dx"] = data.groupby("t0").cumcount() * 18 + 10
    outline = alt.Chart(data).mark_rect(fillOpacity=0, strokeDash=[4, 3], strokeWidth=1.5,
                                              clip=True).encode(
        x=x, x2="t1:Q", stroke=alt.Stroke("what:N", scale=alt.Scale(
            domain=["change to make"], range=[LEGEND["change to make"]]), legend=None),
        tooltip=["number:N"])
    out = [outline]
    for dx in sorted(data["dx"].unique()):
        part = data[data["dx"] == dx]
        out.append(alt.Chart(part).mark_circle(size=260, opacity=1, xOffset=float(dx),
                                               yOffset=12).encode(
            x=x, y=alt.value(0), color=color))
        out.append(alt.Chart(part).mark_text(color="white", fontWeight="bold", fontSize=12,
                                             xOffset=float(dx), yOffset=12).encode(
            x=x, y=alt.value(0), text="number:N"))
    return out


#: The loudness panel shows this many dB under the loudest speech at most: quieter is silence.
LOUDNESS_VIEW_DB = 60.0


def _floor_db(tracks) -> float:
    """The bottom of the loudness panel: a little under the quietest speech (10th percentile
    of the speech frames, less 10 dB), never more than :data:`LOUDNESS_VIEW_DB` under the
    loudest; silence sits on it, speech rises from it."""
    level = np.asarray(tracks.loudness_db, dtype=float)
    speech = level[np.asarray(tracks.speech, dtype=bool)] if len(level) else level
    if not speech.size:
        return -80.0
    top = float(np.max(speech))
    low = float(np.percentile(speech, 10)) - 10.0
    return float(np.floor(max(low, top - LOUDNESS_VIEW_DB) / 10) * 10)


#: How each shape of phrase end is marked on the contour.
END_MARKS = {"fall": ("↘", "falling end"), "rise": ("↗", "rising end"), "level": ("→", "level end")}


def _phrase_end_marks(ends, ref_hz: float) -> pd.DataFrame:
    """Arrow marks at each judged phrase end, at its last voiced pitch."""
    return pd.DataFrame([{"time_s": e.time_s, "pitch_st": float(hz_to_st(e.f0_hz, ref_hz)),
                          "mark": END_MARKS[e.shape][0],
                          "what": f"{END_MARKS[e.shape][1]} ({e.change_st:+.1f} st)"}
                         for e in ends])


def contour_caption(tracks, ends, *, ref_label: str, marked: bool = False,
                    band: bool = False) -> str:
    """What the chart shows, from the same tracks and phrase ends it draws (``band``: with
    the calm pitch zone)."""
    parts = [f"Your pitch over time, in semitones against {plain(ref_label)}"]
    if band:
        # the zone judges the middle of the pitch, so a line that dips out of it while the
        # card says "in the calm zone" is not a contradiction: say so where it is seen
        parts.append("the green band is where the middle of your pitch should sit, and the "
                     "line rises and falls around it")
    n_pauses = len(tracks.pauses)
    parts.append(f"{len(tracks.phrases)} phrase{'s' * (len(tracks.phrases) != 1)}, "
                 f"{n_pauses} pause{'s' * (n_pauses != 1)} shaded")
    if len(tracks.syllable_times_s):
        parts.append(f"{len(tracks.syllable_times_s)} syllables ticked")
    if ends:
        falls = sum(e.shape == "fall" for e in ends)
        parts.append(f"{falls} of {len(ends)} phrase end{'s' * (len(ends) != 1)} "
                     "fall (↘; ↗ rises, → level)")
    return ("; ".join(parts) + ". Beneath: your loudness on the same time axis, drawn up from "
            "the quietest moment."
            + (" Numbered marks show where each change to make is heard." if marked else ""))


def melody_lines(frames: list[pd.DataFrame], *, x_title: str, y_title: str,
                 legend: str | None, height: int = 260, title: str = "") -> alt.Chart:
    """Several melodies (frames of ``time_s``, ``pitch_st`` and ``take``, the name in the
    legend) on one chart, each with its own dash pattern so they differ without colour; the
    legend below, so a phone keeps the chart's width."""
    data = pd.concat(frames, ignore_index=True)
    where = alt.Legend(orient="bottom", title=legend)
    return alt.Chart(data).mark_line(strokeWidth=2).encode(
        x=alt.X("time_s:Q", title=x_title),
        y=alt.Y("pitch_st:Q", title=y_title),
        color=alt.Color("take:N", legend=where),
        strokeDash=alt.StrokeDash("take:N", legend=where),
    ).properties(height=height, width="container", title=title,
                 # the height is the plot's: a legend below it adds to it, not cuts into it
                 autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def melody_frame(time_s, pitch_st, name: str) -> pd.DataFrame:
    """One melody for :func:`melody_lines`."""
    return pd.DataFrame({"time_s": np.asarray(time_s, dtype=float),
                         "pitch_st": np.asarray(pitch_st, dtype=float), "take": name})


def attempts_chart(attempts: list[dict], *, ref_hz: float) -> alt.Chart:
    """Contours of recent attempts overlaid, each named in the legend (with its score)."""
    frames = []
    for i, att in enumerate(attempts, 1):
        name = f"Try {i}" + (f" ({att['score']:.0f})" if att.get("score") is not None else "")
        frames.append(melody_frame(att["tracks"].time_s, hz_to_st(att["tracks"].f0_hz, ref_hz),
                                   name))
    return melody_lines(frames, x_title="time (s)", y_title="pitch (st)",
                        legend="attempt (score)", height=220)


def pitch_band_st(reading) -> tuple[float, float] | None:
    """The calm zone of pitch height in semitones against the speaker's everyday voice.

    Only a baseline gives a personal zone; the general (absolute) pitch targets span every
    adult voice and would shade most of the chart, so they are not drawn.
    """
    for card in reading.cards:
        if (card.name == "pitch_level" and card.against == "your everyday voice"
                and card.unit == "st"):
            low = card.target_low if card.target_low is not None else -PITCH_VIEW_ST
            high = card.target_high if card.target_high is not None else PITCH_VIEW_ST
            return (low, high)
    return None


#: The look of the passage to read and of the countdown (drawn on this computer: no script).
_READ_CSS = """<style>
.ct-passage { font-size: 1.45rem; line-height: 1.75; padding: 0.8rem 1.1rem;
  border-left: 4px solid #2e7d32; background: rgba(46, 125, 50, 0.06); border-radius: 4px; }
.ct-countdown { display: none; margin: 0.4rem 0 0.8rem; }
.ct-numbers { position: relative; height: 2.6rem; font-size: 2rem; font-weight: 700; }
.ct-numbers span { position: absolute; left: 0; opacity: 0; }
.ct-numbers span:nth-child(1) { animation: ct-blink 1s linear 0s 1 forwards; }
.ct-numbers span:nth-child(2) { animation: ct-blink 1s linear 1s 1 forwards; }
.ct-numbers span:nth-child(3) { animation: ct-blink 1s linear 2s 1 forwards; }
.ct-numbers span:nth-child(4) { color: #2e7d32; animation: ct-stay 0.2s linear 3s 1 forwards; }
.ct-bar { height: 0.5rem; background: rgba(96, 125, 139, 0.25); border-radius: 4px; }
.ct-bar div { height: 100%; width: 0; background: #2e7d32; border-radius: 4px;
  animation: ct-fill var(--ct-seconds) linear 3s 1 forwards; }
@keyframes ct-blink { 0%, 95% { opacity: 1; } 100% { opacity: 0; } }
@keyframes ct-stay { to { opacity: 1; } }
@keyframes ct-fill { to { width: 100%; } }
</style>"""


def passage(words: str) -> None:
    """Words to read aloud, shown large."""
    st.html(_READ_CSS + f'<div class="ct-passage">{html.escape(words)}</div>')


def countdown(container_key: str, *, seconds: float) -> None:
    """A 3-2-1 countdown, then a bar that fills over ``seconds`` (the pace of reading the
    passage), shown while the recorder in the container ``container_key`` records: drawn by
    the browser from the recorder's own Stop button, so it starts with the recording."""
    st.html(_READ_CSS + f"""<style>
.st-key-{container_key}:has(button[aria-label="Stop recording"]) .ct-countdown {{
  display: block; }}
</style>
<div class="ct-countdown" style="--ct-seconds: {seconds:.0f}s">
  <div class="ct-numbers"><span>3</span><span>2</span><span>1</span><span>Read now</span></div>
  <div class="ct-bar"><div></div></div>
</div>""")


def baseline_card(analysis) -> None:
    """The speaker's own pitch range, rate and level, in words."""
    s = analysis.summary
    cols = st.columns(4)
    cols[0].metric("Typical pitch", _fmt(s.f0_median_hz, "Hz"),
                   help="How high your voice sits, in vibrations a second (Hz): a typical man "
                        "speaks near 120 Hz, a woman near 210 Hz")
    # the units in the labels: four columns leave a value room for a number and a short unit
    cols[1].metric("Pitch range, semitones", _number(s.f0_range_st),
                   help="How far your pitch moves, from your low notes to your high ones "
                        "(10th to 90th percentile); 12 semitones are an octave")
    cols[2].metric("Pace, syllables a second", _number(s.voiced_rate_syl_per_s),
                   help="From your first word to your last, short pauses included: the pace "
                        "the coach compares your takes with")
    cols[3].metric("Loudness", _fmt(s.speech_level_db, "dB"),
                   help="How loud your voice came into the microphone, below the loudest a "
                        "recording can hold (0 dB). It depends on the microphone and your "
                        "distance from it: keep them the same when you practise")
    low, high = s.f0_p10_hz, s.f0_p90_hz
    if low and high:
        st.caption(f"Your everyday pitch runs from about {low:.0f} Hz to {high:.0f} Hz; practice "
                   "takes are tracked in a range set around it.")


def progress_chart(series, *, title: str, zone=None, share: bool = False) -> alt.Chart:
    """A feature per day of practice (``ProgressPoint``s), each point labelled with its
    number of takes, against its calm zone (:class:`prosody.progress.CalmZone`).

    The time axis spans the days practised with a day to spare either side and a tick per day
    (or per few days), dates only: one day of practice is one labelled point on its date,
    never a dot at "December"."""
    import datetime as dt

    def utc(day) -> alt.DateTime:
        return alt.DateTime(year=day.year, month=day.month, date=day.day, utc=True)

    # days as ISO dates read as UTC midnight, so no time zone moves a point off its day
    df = pd.DataFrame({"day": [p.day.isoformat() for p in series],
                       "date": [f"{p.day:%d %b %Y}" for p in series],
                       "value": [p.value * (100 if share else 1) for p in series],
                       "takes": [p.n_takes for p in series]})
    first, last = min(p.day for p in series), max(p.day for p in series)
    span = (last - first).days + 2
    step = max(1, -(-span // 8))
    x = alt.X("utcyearmonthdate(day):T", title="day",
              scale=alt.Scale(domain=[utc(first - dt.timedelta(days=1)),
                                      utc(last + dt.timedelta(days=1))]),
              axis=alt.Axis(format="%d %b", labelAngle=0, grid=False,
                            tickCount={"interval": "day", "step": step}))
    y_title = title + (" (%)" if share else "")
    values = list(df["value"])
    if zone is not None:
        lo, hi = (zone.low * 100, zone.high * 100) if share else (zone.low, zone.high)
        values += [lo, hi]
    pad = 0.08 * ((max(values) - min(values)) or abs(max(values)) or 1.0)
    # one scale for every layer: a band left to its own scale (which starts at 0 for a rect)
    # widened the shared axis to 0-100, and a pitch of 180 Hz was drawn above the plot
    scale = alt.Scale(domain=[min(values) - pad, max(values) + pad], zero=False)
    y = alt.Y("value:Q", title=y_title, scale=scale)
    layers = []
    if zone is not None:
        band = pd.DataFrame({"lo": [lo], "hi": [hi],
                             "what": ["your calm zone" if zone.personal else "calm zone"]})
        layers.append(alt.Chart(band).mark_rect(opacity=0.15, color="#2e7d32").encode(
            y=alt.Y("lo:Q", title=y_title, scale=scale), y2="hi:Q", tooltip=["what:N"]))
    tooltip = [alt.Tooltip("date:N", title="day"), alt.Tooltip("value:Q", format=".1f"),
               alt.Tooltip("takes:Q")]
    layers.append(alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=70)).encode(
        x=x, y=y, tooltip=tooltip))
    if len(df) <= 10:  # beside a few points, how many takes each is the mean of
        layers.append(alt.Chart(df).mark_text(dy=-12, fontSize=11).encode(
            x=x, y=y, text=alt.Text("takes:Q", format="d")))
    return alt.layer(*layers).properties(height=300, width="container")


def aligned_chart(tracks_a, tracks_b, alignment, *, ref_hz: float) -> alt.Chart:
    """Take A's contour and take B's, B drawn on A's time axis through the alignment."""
    # each of B's frames moves to the moment of A it was aligned with
    b_on_a = np.interp(tracks_b.time_s, alignment.time_b_s, alignment.time_a_s)
    return melody_lines([melody_frame(tracks_a.time_s, hz_to_st(tracks_a.f0_hz, ref_hz), "take A"),
                         melody_frame(b_on_a, hz_to_st(tracks_b.f0_hz, ref_hz),
                                      "take B (aligned)")],
                        x_title="time in take A (s)", y_title="pitch (st vs take A's median)",
                        legend="take")


def person_and_phrase(store, cols, *, current: str) -> tuple[str, str | None]:
    """Pickers for a person on this computer and one of their phrases (None: all phrases)."""
    people = [p.name for p in store.people()] or [current]
    person = cols[0].selectbox("Person", people,
                               index=people.index(current) if current in people else 0)
    phrases = ["All phrases", *store.phrases(person)]
    phrase = cols[1].selectbox("Phrase", phrases)
    return person, None if phrase == phrases[0] else phrase
