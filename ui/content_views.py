"""Shared drawing and thin bridges for the content pages: exercises, model takes, hear yourself
calmer and the supervisor view. Nothing here measures prosody: it calls ``prosody``."""

from __future__ import annotations

import io
import logging
import warnings

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from prosody.errors import ProsodyError, ProsodyWarning
from ui import services, views

_log = logging.getLogger("calmtone.ui")
DEMO_DIR = services.SAMPLES / "audio"
SEED = "I'm here with you. What do you need right now?"
#: Demo takes shipped in samples/audio (see samples/README.md), by what they show.
DEMO_MODEL = "seed-model.flac"
DEMO_TENSE = "seed-tense.flac"
DEMO_PROVOCATION = "provocation.flac"
CRITERION_ICONS = {True: "✅", False: "❌", None: "⚪"}


# --- content ---------------------------------------------------------------------------------


@st.cache_data(show_spinner=False)
def _library():
    from prosody.content import load_exercises, load_phrases, phrase_sets

    phrases = load_phrases()
    return phrases, load_exercises(phrases=phrases), phrase_sets(phrases)


def library():
    """(phrases, exercises, phrase sets), or a friendly error and the page stops."""
    try:
        return _library()
    except ProsodyError as exc:
        st.error(f"The practice content could not be read: {views.plain(exc)}", icon="⚠️")
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


def analyse(data: bytes, text: str | None, baseline):
    """Analyse a take (in the speaker's own pitch range when there is a baseline); returns
    (analysis, error sentence)."""
    fmin = fmax = None
    if baseline is not None:
        from prosody.coach import baseline_settings

        try:
            narrowed = baseline_settings(baseline)
            fmin, fmax = narrowed.fmin_hz, narrowed.fmax_hz
        except ProsodyError:
            pass  # an unusable baseline: the adaptive range still works
    return services.analyze_bytes(data, text, fmin, fmax)


def coach_dict(analysis, baseline, scenario: str | None) -> dict | None:
    """The coach's feedback as a dict, or None when it cannot be given (said elsewhere)."""
    from prosody.coach import coach

    try:
        return coach(analysis, profile=services.profile(st.session_state["profile"]),
                     baseline=baseline, scenario=scenario).to_dict()
    except ProsodyError:
        return None


def save_once(data: bytes, analysis, feedback: dict | None, *, person: str, phrase: str,
              scenario: str | None, kind: str, exercise_id: str | None = None,
              assignment_id: str | None = None):
    """Keep a take in the history once per recording (reruns do not save it again).

    Returns (take id or None, what went wrong or None).
    """
    from prosody.audio import load

    key = f"{kind}:{exercise_id or ''}:{services.digest(data)}"
    saved = st.session_state["saved"]
    if key in saved:
        return saved[key], None
    prof = services.profile(st.session_state["profile"])
    try:
        signal = load(data)
        take = services.store().save_take(
            person=person, audio=signal.y, sr=signal.sr, analysis=analysis, feedback=feedback,
            phrase=phrase, scenario=scenario, profile_name=prof.name,
            profile_version=prof.version, kind=kind, exercise_id=exercise_id,
            assignment_id=assignment_id)
    except ProsodyError as exc:
        return None, str(exc)
    saved[key] = take.id
    return take.id, None


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


def model_audio(source: tuple[str, object]) -> bytes | None:
    kind, ref = source
    if kind == "demo":
        return demo_bytes(str(ref))
    try:
        return services.store().audio_path(int(ref)).read_bytes()
    except (OSError, ProsodyError):
        return None


# --- hear yourself calmer --------------------------------------------------------------------


def _native_rate(data: bytes) -> int:
    import soundfile as sf

    try:
        return int(sf.info(io.BytesIO(data)).samplerate)
    except Exception:  # not a format soundfile reads (MP3 on old libsndfile): analysis rate
        return 16_000


@st.cache_data(show_spinner=False, max_entries=16)
def calmer_take(data: bytes, text: str | None, scenario: str | None, strength: float,
                person: str, baseline_key: str | None, profile_name: str):
    """Re-synthesise a take calmer; returns (wav bytes, report dict, error sentence).

    ``baseline_key`` names the person's baseline take, so a new baseline is a new cache entry.
    """
    import soundfile as sf

    from prosody.audio import load
    from prosody.calmer import calmer

    try:
        baseline = baseline_analysis(person) if baseline_key else None
        signal = load(data, sr=min(_native_rate(data), 48_000))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ProsodyWarning)
            out, sr, report = calmer(signal.y, sr=signal.sr,
                                     profile=services.profile(profile_name),
                                     baseline=baseline, strength=strength, text=text,
                                     scenario=scenario)
    except ProsodyError as exc:
        return None, None, str(exc)
    except Exception:  # a bug must not show a traceback to someone practising
        _log.exception("calmer re-synthesis failed")
        return None, None, services.UNEXPECTED
    buf = io.BytesIO()
    sf.write(buf, out, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue(), report.to_dict(), None


# --- drawing ---------------------------------------------------------------------------------


def criteria_list(result: dict) -> None:
    """Each criterion of an exercise result: passed or not, the numbers, and why that aim."""
    for c in result.get("criteria") or []:
        icon = CRITERION_ICONS[c["passed"] if c["judged"] else None]
        st.markdown(f"{icon} {c['words']}")
        st.caption(f"Why: {c['why']}")


def result_banner(result: dict) -> None:
    if result.get("passed"):
        st.success(f"**{result['summary']}**", icon="✅")
    else:
        st.warning(f"**{result['summary']}** {result.get('next_step', '')}", icon="🔁")


def overlay_chart(time_s, model_st, take_st, *, names=("Model", "Your take"),
                  title: str = "") -> alt.Chart:
    """Two melodies on one time axis, each in semitones relative to its own median; drawn
    with different dash patterns so they differ without colour."""
    rows = []
    for name, values in zip(names, (model_st, take_st), strict=True):
        rows.append(pd.DataFrame({"time_s": np.asarray(time_s, dtype=float),
                                  "pitch_st": np.asarray(values, dtype=float), "take": name}))
    data = pd.concat(rows, ignore_index=True)
    return alt.Chart(data).mark_line(strokeWidth=2).encode(
        x=alt.X("time_s:Q", title="time in the model take (s)"),
        y=alt.Y("pitch_st:Q", title="pitch (semitones from each take's own middle)"),
        color=alt.Color("take:N", title=None),
        strokeDash=alt.StrokeDash("take:N", title=None),
    ).properties(height=260, width="container", title=title)


def two_contours_chart(tracks_a, tracks_b, *, names: tuple[str, str]) -> alt.Chart:
    """Two takes' pitch over their own time, in semitones relative to the first take's median:
    shows a lower, smoother and longer version against the original."""
    f0_a = np.asarray(tracks_a.f0_hz, dtype=float)
    voiced = np.isfinite(f0_a) & np.asarray(tracks_a.voiced, dtype=bool)
    ref = float(np.median(f0_a[voiced])) if voiced.any() else 100.0
    rows = []
    for name, tr in zip(names, (tracks_a, tracks_b), strict=True):
        f0 = np.asarray(tr.f0_hz, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            st_values = 12.0 * np.log2(f0 / ref)
        rows.append(pd.DataFrame({"time_s": np.asarray(tr.time_s, dtype=float),
                                  "pitch_st": st_values, "take": name}))
    data = pd.concat(rows, ignore_index=True)
    return alt.Chart(data).mark_line(strokeWidth=2).encode(
        x=alt.X("time_s:Q", title="time (s)"),
        y=alt.Y("pitch_st:Q", title=f"pitch (semitones from {names[0].lower()})"),
        color=alt.Color("take:N", title=None),
        strokeDash=alt.StrokeDash("take:N", title=None),
    ).properties(height=260, width="container")


def moves_table(report: dict) -> pd.DataFrame:
    """The calmer report's features: before, after and the target, in their units."""
    def fmt(x, unit):
        if x is None:
            return "—"
        return f"{x:+.1f} {unit}" if report.get("baseline") else f"{x:.1f} {unit}"

    rows = []
    for m in report.get("moves") or []:
        lo, hi, unit = m["target_low"], m["target_high"], m["unit"]
        if lo is None and hi is None:
            target = "not judged without a baseline"
        elif lo is None:
            target = f"at most {hi:g} {unit}"
        elif hi is None:
            target = f"at least {lo:g} {unit}"
        else:
            target = f"{lo:g} to {hi:g} {unit}"
        rows.append({"feature": m["label"], "your take": fmt(m["before"], unit),
                     "calmer version": fmt(m["after"], unit), "calm target": target,
                     "what changed": m["words"].split(": ", 1)[-1]})
    return pd.DataFrame(rows)
