"""Exercises: pick one, read what to do, record an attempt, see per criterion whether it passed
and why; every attempt and the completion are kept in the history, per person."""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from prosody.content import aim_words, evaluate_exercise, exercise_progress
from prosody.errors import ProsodyError
from prosody.feedback import TakeFeedback, not_kept
from ui import content_views as cv
from ui import services, state, views
from ui.live_view import live_take

_log = logging.getLogger("calmtone.ui")


def _scenario_words(name: str) -> str:
    """The scenario an exercise's calm score uses, by its label and what it means."""
    scenario = next((s for s in services.profile(st.session_state["profile"]).scenarios
                     if s.name == name), None)
    if scenario is None:
        return ""
    return (f"The calm score judges it as **{scenario.label}** speech: "
            f"{scenario.description[:1].lower()}{scenario.description[1:]}")


state.init()
services.warm_up()
person = st.session_state["person"]
phrases, exercises, sets = cv.library()
by_id = {e.id: e for e in exercises}

st.title("Exercises")
st.caption(f"Practising as **{views.plain(person)}**{services.change_person_hint()}. "
           "Each exercise has a "
           "goal, steps and pass criteria; your attempts are kept, and an exercise is complete "
           "after enough passing attempts.")

try:
    store = services.store()
    assigned = store.assignments(person)
except ProsodyError as exc:
    st.error(f"The practice history could not be opened: {views.plain(exc)}",
             icon=":material/error:")
    st.stop()

if assigned:
    with st.container(border=True):
        st.markdown("**Assigned to you**")
        titles = {s.id: s.title for s in sets}
        for a in assigned:
            what = (f"Exercise: {by_id[a.target].title}" if a.kind == "exercise"
                    and a.target in by_id else
                    f"Phrase set: {views.plain(titles.get(a.target, a.target))} "
                    "(practise these on the Practice page)")
            by = f" by {views.plain(a.assigned_by)}" if a.assigned_by else ""
            note = f" — “{views.plain(a.note)}”" if a.note else ""
            st.markdown(f"- {what}{by}{note}")

assigned_exercises = [a.target for a in assigned if a.kind == "exercise" and a.target in by_id]
ids = [e.id for e in exercises]
if st.session_state.get("exercise_choice") not in ids:
    st.session_state["exercise_choice"] = assigned_exercises[0] if assigned_exercises else ids[0]
choice = st.selectbox(
    "Exercise", ids, key="exercise_choice",
    format_func=lambda i: by_id[i].title + (" (assigned)" if i in assigned_exercises else ""))
ex = by_id[choice]
assignment = next((a for a in assigned if a.kind == "exercise" and a.target == ex.id), None)

st.subheader(ex.title)
st.markdown(f"**Goal.** {ex.goal}")
st.markdown(ex.instructions)
st.markdown("\n".join(f"{k}. {step}" for k, step in enumerate(ex.steps, 1)))
st.markdown("**You pass when:**\n" + "\n".join(f"- **{c.label}**: {aim_words(c)}"
                                               for c in ex.criteria))
st.caption(f"For {', '.join(ex.learners)}. Complete after {ex.passes_to_complete} passing "
           f"attempts. {_scenario_words(ex.scenario)}")

if ex.prompts:
    st.markdown("**The provoking line** (read it, or have someone say it to you, then answer):")
    st.markdown("\n".join(f"> “{line}”" for line in ex.prompts[:1]))
    provocation = cv.demo_bytes(cv.DEMO_PROVOCATION)
    if provocation:
        st.audio(provocation, format="audio/flac")
    with st.expander("More provoking lines"):
        st.markdown("\n".join(f"- “{line}”" for line in ex.prompts[1:]))

phrase = st.selectbox("Phrase", list(ex.phrases), key=f"exercise_phrase_{ex.id}")
entry = next((p for p in phrases if p.text == phrase), None)
if entry is not None:
    st.caption(f"**Delivery:** {entry.delivery}")

baseline = cv.baseline_analysis(person)
if ex.needs_baseline and baseline is None:
    st.info("This exercise compares you with your everyday voice. Record your baseline first "
            "on the **Baseline** page, then come back.", icon=":material/straighten:")
    st.page_link("app_pages/baseline.py", label="Record my baseline",
                 icon=":material/straighten:")
    st.stop()
if baseline is None:
    st.caption("No baseline yet: the criteria use their general (absolute) aims.")

model = None
if ex.needs_model:
    options = cv.model_options(phrase)
    if not options:
        st.info("This exercise needs a model take of the phrase: ask a supervisor or partner "
                "to record one on the **Model takes** page.", icon=":material/headphones:")
        st.page_link("app_pages/model.py", label="Model takes", icon=":material/headphones:")
        st.stop()
    label = st.selectbox("Model take to match", list(options), key=f"exercise_model_{ex.id}")
    model_bytes = cv.model_audio(options[label])
    if model_bytes is None:
        st.error("The recording of this model take is missing; choose another one.",
                 icon=":material/error:")
        st.stop()
    st.markdown("**A: the model**")
    st.audio(model_bytes)
    model, error = services.analyze_take(model_bytes, phrase, None)
    if error:
        st.error(f"The model take could not be used: {views.plain(error)}",
                 icon=":material/error:")
        st.stop()

nonce = st.session_state.setdefault("exercise_nonce", 0)
for_whom = (person, ex.id, phrase)  # an attempt belongs to them (state.take_key)
recorded = st.audio_input("Record your attempt",
                          key=state.take_key("exercise_take", nonce, *for_whom))
uploaded = st.file_uploader("…or upload a recording", type=services.UPLOAD_TYPES,
                            key=state.take_key("exercise_upload", nonce, *for_whom))
live = live_take(state.take_key("live_exercise", nonce, *for_whom), baseline=baseline,
                 profile=st.session_state["profile"])
data = services.recorded(recorded, uploaded, live)

if data is not None:
    with st.spinner("Listening to your attempt…"):
        analysis, error = services.analyze_take(data, phrase, baseline)
    feedback = {} if error else cv.coach_dict(analysis, baseline, ex.scenario) or {}
    if error:
        st.error(f"We could not use this recording: {views.plain(error)}",
                 icon=":material/error:")
    elif feedback.get("score") is None and feedback.get("quality"):
        # too quiet, whispered, clipped: said once, not judged and not kept
        st.warning(views.plain(not_kept(analysis, feedback)), icon=":material/mic_off:")
    else:
        try:
            outcome = evaluate_exercise(ex, analysis, baseline, model=model)
        except Exception:  # a bug must not show a traceback to someone practising
            _log.exception("exercise evaluation failed")
            st.error(services.UNEXPECTED, icon=":material/error:")
            st.stop()
        result = outcome.to_dict()
        cv.result_banner(result)
        cv.criteria_list(result)
        if model is not None:
            st.markdown("**B: your attempt**")
        st.audio(data)
        if model is not None:
            cv.model_overlay(model, analysis)
        ref_hz = (baseline.summary.f0_median_hz if baseline is not None
                  else analysis.summary.f0_median_hz)
        reading = services.reading(feedback, tracks=analysis.tracks, ends=analysis.phrase_ends)
        if ref_hz and reading is not None:
            ref_label = "your everyday voice" if baseline is not None else "this take's middle"
            band = views.pitch_band_st(reading)
            caption = views.contour_caption(analysis.tracks, analysis.phrase_ends,
                                            ref_label=ref_label, band=band is not None)
            st.altair_chart(views.contour_chart(
                analysis.tracks, ref_hz=ref_hz, band_st=band,
                ends=analysis.phrase_ends, ref_label=ref_label), width="stretch", alt=caption)
            st.caption(caption)
        take_id, problem = cv.save_once(
            data, analysis, TakeFeedback.of(feedback, exercise=outcome), person=person,
            phrase=phrase,
            scenario=ex.scenario, kind="exercise", exercise_id=ex.id,
            assignment_id=str(assignment.id) if assignment else None)
        if problem:
            st.error(f"This attempt could not be kept in your history: {views.plain(problem)}",
                     icon=":material/save:")
    services.release_upload(recorded or uploaded)

if data is not None:
    st.button("Try again", key="exercise_try_again", icon=":material/replay:",
              on_click=lambda: st.session_state.update(exercise_nonce=nonce + 1),
              help="Clears the recorder; your attempts stay in your history")

# --- progress -------------------------------------------------------------------------------
try:
    attempts = store.takes(person=person, kind="exercise", exercise_id=ex.id)
except ProsodyError as exc:
    st.error(f"Your attempts could not be read: {views.plain(exc)}", icon=":material/error:")
    st.stop()
# an assigned exercise counts the attempts made for this assignment (one assigned again starts
# again); otherwise every attempt
progress = exercise_progress(ex, attempts,
                             since_utc=assignment.created_utc if assignment else None)
st.markdown(f"#### Your progress: {progress.words}")
st.progress(min(1.0, progress.passes / ex.passes_to_complete),
            text=f"{progress.passes} of {ex.passes_to_complete} passing attempts")
if progress.completed:
    nxt = by_id.get(ex.next) if ex.next else None
    st.success(f"Exercise complete. {ex.progression}"
               + (f" Next: **{nxt.title}**." if nxt else ""), icon=":material/celebration:")
if attempts:
    outcomes = [TakeFeedback.from_dict(t.feedback).exercise_outcome for t in attempts]
    st.dataframe(pd.DataFrame([{
        "when": t.created.astimezone().strftime("%Y-%m-%d %H:%M"),
        "phrase": t.phrase,
        "result": "passed" if o and o.passed else "not yet",
        "criteria met": f"{o.criteria_met if o else 0} of {o.criteria_total if o else 0}",
        "calm score": t.score,
    } for t, o in zip(attempts, outcomes, strict=True)]), hide_index=True, width="stretch")
