"""Shared drawing and thin bridges for the content pages: exercises, model takes, hear yourself
calmer and the supervisor view. Nothing here measures prosody: it calls ``prosody``."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from prosody.errors import ProsodyError
from prosody.feedback import range_words
from prosody.samples import sample_path
from prosody.util import hz_to_st
from ui import services, views

DEMO_DIR = sample_path("audio")
SEED = "I'm here with you. What do you need right now?"
#: Demo takes shipped in samples/audio (see samples/README.md), by what they show.
DEMO_MODEL = "seed-model.flac"
DEMO_TENSE = "seed-tense.flac"
DEMO_PROVOCATION = "provocation.flac"
#: Passed, not yet, not judged: Material Symbols from the font Streamlit ships, with words, so
#: a pass never rests on a glyph a computer may not have.
CRITERION_ICONS = {True: ":material/check_circle: passed", False: ":material/cancel: not yet",
                   None: ":material/radio_button_unchecked: not judged"}


# --- content ---------------------------------------------------------------------------------


@st.cache_data(show_spinner=False)
def _library():
    from prosody.content import load_exercises, load_phrases, phrase_sets

    phrases = load_phrases()
    return phrases, load_exercises(phrases=phrases), phrase_sets(phrases)


def exercise_titles() -> dict[str, str]:
    """Each exercise's title by its id; empty when the content cannot be read (a page that
    only names exercises goes on: the Exercises page says what is wrong)."""
    try:
        _, exercises, _ = _library()
    except ProsodyError:
        return {}
    return {e.id: e.title for e in exercises}


def library():
    """(phrases, exercises, phrase sets), or a friendly error and the page stops."""
    try:
        return _library()
    except ProsodyError as exc:
        st.error(f"The practice content could not be read: {views.plain(exc)}",
                 icon=":material/error:")
        st.stop()


@st.cache_data(show_spinner=False)
def demo_bytes(name: str) -> bytes | None:
    """A demo take from samples/audio, or None when it is missing from this install."""
    try:
        return (DEMO_DIR / name).read_bytes()
    except OSError:
        return None


# --- analysis and history --------------------------------------------------------------------


def baseline_analysis(person: str):
    """The person's saved baseline analysis, or None."""
    try:
        return services.baseline(person)[1]
    except ProsodyError:
        return None


def coach_dict(analysis, baseline, scenario: str | None) -> dict | None:
    """The coach's feedback as a dict, or None when it cannot be given (said elsewhere)."""
    feedback, _ = services.coach_take(analysis, baseline, scenario=scenario,
                                      profile_name=st.session_state["profile"])
    return None if feedback is None else feedback.to_dict()


def save_once(data: bytes, analysis, feedback, *, person: str, phrase: str,
              scenario: str | None, kind: str, exercise_id: str | None = None,
              assignment_id: str | None = None):
    """Keep a take in the history once (:func:`services.save_take_once`, with the profile in
    use). ``feedback`` is a :class:`prosody.feedback.TakeFeedback` (or the coach's dict, or
    None). Returns (take id or None, what went wrong or None)."""
    return services.save_take_once(
        data, analysis, feedback, person=person, phrase=phrase, scenario=scenario,
        profile_name=st.session_state["profile"], kind=kind, exercise_id=exercise_id,
        assignment_id=assignment_id)


def model_options(phrase: str) -> dict[str, tuple[str, object]]:
    """Model takes of a phrase: stored ones (anyone's, newest first), then the demo model for
    the seed phrase. Maps a label to ("take", id) or ("demo", file name)."""
    options: dict[str, tuple[str, object]] = {}
    try:
        takes = services.store().takes(phrase=phrase, kind="model")
    except ProsodyError:
        takes = []
    for t in takes:
        options[f"{t.person}, {t.created.astimezone():%d %b %Y %H:%M} (take {t.id})"] = \
            ("take", t.id)
    if phrase == SEED and demo_bytes(DEMO_MODEL) is not None:
        options["Demo model take (a synthesised voice)"] = ("demo", DEMO_MODEL)
    return options


def model_calm(source: tuple[str, object], model, scenario: str | None, *,
               expanded: bool = False) -> None:
    """A model take's own calm score, its line and its contour, so whoever recorded it can
    check it is calm before a trainee copies it. A saved model take reads as it was judged
    when saved (against its speaker's everyday voice, if they had one); the demo model and an
    older model take saved without a score are judged here against general targets."""
    from prosody.analysis import AnalysisSettings, phrase_ends

    kind, ref = source
    reading = tracks = take = None
    if kind == "take":
        try:
            take = services.store().get(int(ref))
            tracks = services.store().tracks(take.id)
        except ProsodyError:
            take = None
        if take is not None:
            ends = phrase_ends(tracks, settings=AnalysisSettings.from_dict(take.settings))
            reading = services.reading(take.feedback, tracks=tracks, ends=ends)
    if reading is None or reading.score is None:
        tracks, ends = model.tracks, model.phrase_ends
        reading = services.reading(coach_dict(model, None, scenario), tracks=tracks, ends=ends)
    if reading is None:
        return
    title = ("Is the model calm? It could not be scored" if reading.score is None else
             f"Is the model calm? Its own calm score: {reading.score} / 100")
    with st.expander(title, expanded=expanded, icon=":material/fact_check:"):
        views.verdict(reading, own=False)
        if reading.score is None:
            return
        against = ("its speaker's everyday voice" if reading.baseline
                   else "general targets (its speaker has no baseline)")
        st.caption(f"Judged against {against}.")
        if reading.changes:
            st.markdown("Outside the calm zone: " + "; ".join(
                f"{c.label.lower()} ({c.what.lower()})" for c in reading.changes) + ".")
        median = model.summary.f0_median_hz
        if median:
            label = ("its speaker's everyday voice" if reading.baseline
                     else "the model's own middle")
            ref_hz = median
            if reading.baseline and kind == "take" and take is not None:
                base_take, _ = services.baseline(take.person)
                if base_take is not None and base_take.summary.get("f0_median_hz"):
                    ref_hz = base_take.summary["f0_median_hz"]
            caption = views.contour_caption(tracks, ends, ref_label=label)
            st.altair_chart(views.contour_chart(tracks, ref_hz=ref_hz,
                                                band_st=views.pitch_band_st(reading),
                                                ends=ends, ref_label=label),
                            width="stretch", alt=caption)
            st.caption(caption)


def model_audio(source: tuple[str, object]) -> bytes | None:
    kind, ref = source
    if kind == "demo":
        return demo_bytes(str(ref))
    return services.recording_bytes(int(ref))


# --- drawing ---------------------------------------------------------------------------------


def criteria_list(result: dict) -> None:
    """Each criterion of an exercise result: passed or not, the numbers, and why that aim."""
    for c in result.get("criteria") or []:
        icon = CRITERION_ICONS[c["passed"] if c["judged"] else None]
        st.markdown(f"**{icon}** · {c['words']}")
        st.caption(f"Why: {c['why']}")


def result_banner(result: dict) -> None:
    if result.get("passed"):
        st.success(f"**{result['summary']}**", icon=":material/check_circle:")
    else:
        st.warning(f"**{result['summary']}** {result.get('next_step', '')}",
                   icon=":material/replay:")


def model_overlay(model, take) -> None:
    """The model's melody and the take's, lined up in time and overlaid, with the similarity in
    words: where the lines part is where to listen to the model again."""
    from prosody.model import similarity

    try:
        sim = similarity(model, take)
    except ProsodyError as exc:
        st.warning(f"Your take could not be lined up with the model: {views.plain(exc)}",
                   icon=":material/compare_arrows:")
        return
    st.altair_chart(overlay_chart(sim.time_s, sim.model_st, sim.take_st,
                                  names=("Model", "Your take")),
                    width="stretch", alt="The model's melody and yours, lined up in time")
    st.caption(f"{sim.summary} Both melodies in semitones from each take's own middle, yours "
               "lined up in time with the model's: where the lines part, listen to the model "
               "again.")


def overlay_chart(time_s, model_st, take_st, *, names=("Model", "Your take"),
                  title: str = ""):
    """Two melodies on one time axis, each in semitones relative to its own median."""
    return views.melody_lines([views.melody_frame(time_s, values, name) for name, values in
                               zip(names, (model_st, take_st), strict=True)],
                              x_title="time in the model take (s)",
                              y_title="pitch (semitones from each take's own middle)",
                              legend=None, title=title)


def two_contours_chart(tracks_a, tracks_b, *, ref_hz: float, names: tuple[str, str]):
    """Two takes' pitch over their own time, in semitones relative to ``ref_hz`` (the first
    take's median): shows a lower, smoother and longer version against the original."""
    return views.melody_lines([views.melody_frame(tr.time_s, hz_to_st(tr.f0_hz, ref_hz), name)
                               for name, tr in zip(names, (tracks_a, tracks_b), strict=True)],
                              x_title="time (s)",
                              y_title=f"pitch (semitones from {names[0].lower()})", legend=None)


def moves_table(report: dict) -> pd.DataFrame:
    """The calmer report's features: before, after and the target, in their units."""
    def fmt(x, unit):
        if x is None:
            return "—"
        return f"{x:+.1f} {unit}" if report.get("baseline") else f"{x:.1f} {unit}"

    rows = []
    for m in report.get("moves") or []:
        unit = m["unit"]
        target = range_words(m["target_low"], m["target_high"],
                             lambda x, last, unit=unit: f"{x:g} {unit}" if last else f"{x:g}",
                             none="not judged without a baseline")
        rows.append({"feature": m["label"], "your take": fmt(m["before"], unit),
                     "calmer version": fmt(m["after"], unit), "calm target": target,
                     # older reports said "Label: what changed"
                     "what changed": m["words"].split(": ", 1)[-1]})
    return pd.DataFrame(rows)
