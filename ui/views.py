"""Drawing: every function takes plain results and draws them; none computes prosody."""

from __future__ import annotations

import math
import re

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from prosody.feedback import score_meaning
from prosody.util import hz_to_st

VERDICT_WORDS = {
    "ok": ("✓", "in the calm zone"),
    "low": ("↓", "below the calm zone"),
    "high": ("↑", "above the calm zone"),
}


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
                          + MISSING_WHAT_TO_DO.format(home=plain(home)), icon="🔇")


def feedback_summary(fb: dict) -> None:
    """Score with its meaning, the quality message when there is no score, tips and one strength."""
    score = fb.get("score")
    if score is None:
        quality = fb.get("quality") or {}
        st.warning(quality.get("message") or "This recording cannot be scored.", icon="🎙️")
    else:
        left, right = st.columns([1, 2])
        left.metric("Calm score", f"{score:.0f} / 100")
        right.markdown(f"**{score_meaning(score)}**  \n"
                       f"{fb.get('explanation', '')}")
    tips = fb.get("tips") or []
    if tips:
        st.markdown("#### What to change")
        st.markdown("\n".join(f"{i}. {tip}" for i, tip in enumerate(tips, 1)))
    well = fb.get("well")
    if well:
        st.markdown(f"#### What went well\n{well}")


def _fmt(value, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit in ("%", "share"):
        return f"{value:.0f} %" if unit == "%" else f"{100 * value:.0f} %"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:.{digits}f} {unit}".strip()


def feature_cards(fb: dict, *, columns: int = 3) -> None:
    """One card per scored feature: value, target zone and the verdict in words and symbol."""
    features = fb.get("features") or []
    if not features:
        return
    st.markdown("#### Feature by feature")
    cols = st.columns(columns)
    for i, f in enumerate(features):
        symbol, words = VERDICT_WORDS.get(f.get("verdict"), ("·", "not judged"))
        against = ("your everyday voice" if f.get("relative_to") == "baseline"
                   else "general targets")
        with cols[i % columns].container(border=True):
            st.markdown(f"**{f.get('label') or f['name']}**")
            st.markdown(f"{_fmt(f.get('value'), f.get('unit', ''))}  \n"
                        f"target {_fmt(f.get('target_low'), f.get('unit', ''))} to "
                        f"{_fmt(f.get('target_high'), f.get('unit', ''))} "
                        f"(against {against})")
            st.markdown(f"{symbol} {words}")


def _tracks_frame(tracks, ref_hz: float) -> pd.DataFrame:
    return pd.DataFrame({
        "time_s": np.asarray(tracks.time_s, dtype=float),
        "pitch_st": hz_to_st(tracks.f0_hz, ref_hz),
        "loudness_db": np.asarray(tracks.loudness_db, dtype=float),
    })


def contour_chart(tracks, *, ref_hz: float, band_st: tuple[float, float] | None,
                  ends=(), flagged: list[dict] | None = None, title: str = "",
                  ref_label: str = "your everyday voice") -> alt.Chart:
    """Pitch in semitones relative to ``ref_hz`` over time, with the target band, pauses
    shaded, syllable ticks, phrase ends marked and flagged phrases highlighted; the loudness
    envelope beneath on the same time axis. ``tracks`` is ``Analysis.tracks`` or a stored
    take's tracks; ``ends`` are their phrase ends (``Analysis.phrase_ends``, or
    :func:`prosody.analysis.phrase_ends` of stored tracks): the same ones the summary's
    ``final_fall_fraction`` counts."""
    df = _tracks_frame(tracks, ref_hz)
    t_max = float(df["time_s"].max()) if len(df) else 1.0
    x = alt.X("time_s:Q", title="time (s)", scale=alt.Scale(domain=[0, t_max]))
    layers = []
    if band_st is not None:
        band = pd.DataFrame({"t0": [0.0], "t1": [t_max], "lo": [band_st[0]], "hi": [band_st[1]],
                             "what": ["calm pitch zone"]})
        layers.append(alt.Chart(band).mark_rect(opacity=0.15, color="#2e7d32").encode(
            x="t0:Q", x2="t1:Q", y="lo:Q", y2="hi:Q", tooltip=["what:N"]))
    if tracks.pauses:
        pauses = pd.DataFrame([{"t0": a, "t1": b, "what": f"pause {b - a:.2f} s"}
                               for a, b in tracks.pauses])
        layers.append(alt.Chart(pauses).mark_rect(opacity=0.12, color="#607d8b").encode(
            x="t0:Q", x2="t1:Q", tooltip=["what:N"]))
    for note in flagged or []:
        spans = pd.DataFrame([{"t0": note["start_s"], "t1": note["end_s"],
                               "what": note.get("message", "flagged phrase")}])
        layers.append(alt.Chart(spans).mark_rect(opacity=0.18, color="#e65100").encode(
            x="t0:Q", x2="t1:Q", tooltip=["what:N"]))
    pitch = df.dropna(subset=["pitch_st"])
    layers.append(alt.Chart(df).mark_line(color="#1565c0", strokeWidth=2).encode(
        x=x, y=alt.Y("pitch_st:Q", title=f"pitch (semitones vs {ref_label})"),
        tooltip=[alt.Tooltip("time_s:Q", format=".2f"),
                 alt.Tooltip("pitch_st:Q", format=".1f")]))
    if len(tracks.syllable_times_s) and len(pitch):
        lo = float(pitch["pitch_st"].min()) - 1.0
        ticks = pd.DataFrame({"time_s": np.asarray(tracks.syllable_times_s, dtype=float),
                              "y": lo, "what": "syllable"})
        layers.append(alt.Chart(ticks).mark_tick(color="#37474f", thickness=2, size=10).encode(
            x="time_s:Q", y="y:Q", tooltip=["what:N"]))
    if ends:
        layers.append(alt.Chart(_phrase_end_marks(ends, ref_hz)).mark_text(
            fontSize=16, dy=-10).encode(
            x="time_s:Q", y="pitch_st:Q", text="mark:N", tooltip=["what:N"]))
    top = alt.layer(*layers).properties(height=260, width="container", title=title)
    loud = alt.Chart(df).mark_area(opacity=0.5, color="#78909c").encode(
        x=x, y=alt.Y("loudness_db:Q", title="loudness (dBFS)",
                     scale=alt.Scale(domain=[_floor_db(df), 0])),
    ).properties(height=110, width="container")
    return alt.vconcat(top, loud).resolve_scale(x="shared").properties(
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def _floor_db(df: pd.DataFrame) -> float:
    speechy = df["loudness_db"][df["loudness_db"] > -100]
    return float(np.floor(speechy.min() / 10) * 10) if len(speechy) else -80.0


#: How each shape of phrase end is marked on the contour.
END_MARKS = {"fall": ("↘", "falling end"), "rise": ("↗", "rising end"), "level": ("→", "level end")}


def _phrase_end_marks(ends, ref_hz: float) -> pd.DataFrame:
    """Arrow marks at each judged phrase end, at its last voiced pitch."""
    return pd.DataFrame([{"time_s": e.time_s, "pitch_st": float(hz_to_st(e.f0_hz, ref_hz)),
                          "mark": END_MARKS[e.shape][0],
                          "what": f"{END_MARKS[e.shape][1]} ({e.change_st:+.1f} st)"}
                         for e in ends])


def contour_caption(analysis, *, has_baseline: bool) -> str:
    s = analysis.summary
    ref = "your everyday voice" if has_baseline else "this take's own median pitch"
    parts = [f"Pitch over time in semitones relative to {ref}"]
    if s.phrase_count:
        parts.append(f"{s.phrase_count} phrase(s), {s.pause_count or 0} pause(s) shaded")
    if s.syllables:
        parts.append(f"{s.syllables} syllables ticked")
    if s.final_fall_fraction is not None:
        parts.append(f"{100 * s.final_fall_fraction:.0f} % of phrase ends fall (↘)")
    return "; ".join(parts) + ". Loudness is drawn beneath on the same time axis."


def melody_lines(frames: list[pd.DataFrame], *, x_title: str, y_title: str,
                 legend: str | None, height: int = 260, title: str = "") -> alt.Chart:
    """Several melodies (frames of ``time_s``, ``pitch_st`` and ``take``, the name in the
    legend) on one chart, each with its own dash pattern so they differ without colour."""
    data = pd.concat(frames, ignore_index=True)
    return alt.Chart(data).mark_line(strokeWidth=2).encode(
        x=alt.X("time_s:Q", title=x_title),
        y=alt.Y("pitch_st:Q", title=y_title),
        color=alt.Color("take:N", title=legend),
        strokeDash=alt.StrokeDash("take:N", title=legend),
    ).properties(height=height, width="container", title=title)


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


def pitch_band_st(fb: dict) -> tuple[float, float] | None:
    """The calm zone of median pitch in semitones relative to the speaker's everyday voice.

    Only a baseline gives a personal zone; the general (absolute) pitch targets span every
    adult voice and would shade most of the chart, so they are not drawn.
    """
    for f in fb.get("features") or []:
        if (f["name"] == "pitch_level" and f.get("relative_to") == "baseline"
                and f.get("unit") == "st" and f.get("target_low") is not None):
            return (f["target_low"], f["target_high"])
    return None


def baseline_card(analysis) -> None:
    """The speaker's own pitch range, rate and level, in words."""
    s = analysis.summary
    cols = st.columns(4)
    cols[0].metric("Typical pitch", _fmt(s.f0_median_hz, "Hz"))
    cols[1].metric("Pitch range", _fmt(s.f0_range_st, "st"),
                   help="From your low (10th percentile) to your high (90th) pitch")
    cols[2].metric("Pace", _fmt(s.articulation_rate_syl_per_s, "syl/s"),
                   help="Syllables per second while speaking, pauses left out")
    cols[3].metric("Loudness", _fmt(s.loudness_db, "dBFS"),
                   help="Depends on your microphone and distance: keep them the same")
    low, high = s.f0_p10_hz, s.f0_p90_hz
    if low and high:
        st.caption(f"Your everyday pitch runs from about {low:.0f} Hz to {high:.0f} Hz; practice "
                   "takes are tracked in a range set around it.")


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
