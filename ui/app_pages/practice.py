"""Practice: choose a phrase, record it, see and hear how calm it sounded, try again."""

from __future__ import annotations

import math

import streamlit as st

from prosody.content import AUDIENCES
from prosody.syllables import MAX_TEXT_CHARS
from ui import services, state, views
from ui.live_view import live_take

OWN = "✏️ Type my own phrase…"

state.init()
services.warm_up()
person = st.session_state["person"]
baseline_take, baseline = services.baseline(person)

st.title("Practise a calm phrase")
if baseline is None:
    st.info("No everyday-voice baseline yet, so feedback uses general targets. Record one on "
            "the **Baseline** page and the coach will compare you with your own voice.",
            icon="ℹ️")

prof = services.profile(st.session_state["profile"])
scenario_labels = {s.name: s.label for s in prof.scenarios}

left, right = st.columns(2)
with left:
    st.radio("Who are you practising for?", list(AUDIENCES),
             format_func=lambda a: AUDIENCES[a].listener, key="audience", horizontal=True)
with right:
    st.selectbox("Scenario", list(scenario_labels), format_func=scenario_labels.get,
                 key="scenario")

library = services.phrases()
mine = [p for p in library if p.audience == st.session_state["audience"]]
others = [p for p in library if p.audience != st.session_state["audience"]]
choices = [p.text for p in mine + others] + [OWN]
if st.session_state["phrase_choice"] not in choices:
    st.session_state["phrase_choice"] = choices[0]
st.selectbox("Phrase", choices, key="phrase_choice")
if st.session_state["phrase_choice"] == OWN:
    st.text_input("Your phrase", key="own_phrase", max_chars=MAX_TEXT_CHARS,
                  placeholder="Type what you want to say, as you would say it")
    phrase = st.session_state["own_phrase"].strip()
else:
    phrase = st.session_state["phrase_choice"]
    entry = next(p for p in library if p.text == phrase)
    st.caption(f"**Intent:** {entry.intent}  \n**Delivery:** {entry.delivery}")

nonce = st.session_state["take_nonce"]
recorded = st.audio_input("Record the phrase (click the microphone, speak, click again to stop)",
                          key=f"take_{nonce}")
uploaded = st.file_uploader("…or upload a recording", type=services.UPLOAD_TYPES,
                            key=f"upload_{nonce}")
live = live_take(f"live_practice_{nonce}", baseline=baseline, profile=st.session_state["profile"])
here = None
if services.runs_on_this_computer():
    with st.expander("Browser microphone blocked? Use this computer's microphone"):
        seconds = st.slider("Longest take (seconds)", 3, 30, 10, key="here_seconds",
                            help="Recording also stops after 1.5 s of silence following speech")
        if st.button("Record with this computer's microphone", key=f"here_{nonce}"):
            with st.spinner("Recording… speak now"):
                data_here, problem = services.record_here(float(seconds))
            if problem:
                st.error(f"Could not record: {views.plain(problem)}", icon="🎙️")
            else:
                st.session_state[f"here_take_{nonce}"] = data_here
        here = st.session_state.get(f"here_take_{nonce}")

here = live if live is not None else here  # a live take is analysed like one recorded here
source = recorded or uploaded
if source is not None or here is not None:
    data = source.getvalue() if source is not None else here
    with st.spinner("Listening to your take…"):
        outcome = services.practise(
            data, text=phrase or None, profile_name=st.session_state["profile"],
            scenario=st.session_state["scenario"],
            baseline=baseline,
        )
    result = {"digest": outcome.digest, "error": outcome.error, "phrase": phrase,
              "feedback": outcome.feedback, "analysis": outcome.analysis, "take_id": None,
              "problem": None, "baseline": baseline is not None}
    if not outcome.error:
        attempts = st.session_state["attempts"].setdefault(phrase or "(own phrase)", [])
        if not attempts or attempts[-1]["digest"] != outcome.digest:
            attempts.append({"digest": outcome.digest, "score": outcome.feedback.get("score"),
                             "tracks": outcome.analysis.tracks})
            del attempts[: -state.MAX_ATTEMPTS]
        saved = st.session_state["saved"]
        if outcome.digest not in saved:
            take, problem = services.save_take(
                data, outcome.analysis, outcome.feedback, person=person,
                phrase=phrase or "(own phrase)", scenario=st.session_state["scenario"],
                profile_name=st.session_state["profile"],
            )
            saved[outcome.digest] = take.id if take else None
            result["problem"] = problem
        result["take_id"] = saved.get(outcome.digest)
    # The take is analysed and kept: let go of the upload (a long file is hundreds of MB).
    # The result stays for this page until "Try again"; the recorder starts empty again.
    services.release_upload(source)
    st.session_state.pop(f"here_take_{nonce}", None)
    st.session_state["take_nonce"] = nonce + 1
    st.session_state["practice_result"] = result
    del data, source, recorded, uploaded

result = st.session_state.get("practice_result")
if result is not None and result["phrase"] != phrase:
    result = None  # another phrase chosen: its result would not belong to it
if result is not None and result["error"]:
    st.error(f"We could not use this recording: {views.plain(result['error'])}", icon="⚠️")
elif result is not None:
    fb, analysis = result["feedback"], result["analysis"]
    attempts = st.session_state["attempts"].get(phrase or "(own phrase)", [])
    if result["problem"]:
        st.warning(f"This take could not be kept in your history: {views.plain(result['problem'])}",
                   icon="💾")
    if result["take_id"]:
        st.caption(f"Kept in {views.plain(person)}'s practice history "
                   f"(take {result['take_id']}).")

    views.feedback_summary(fb)
    if result["take_id"]:
        recording = services.recording_bytes(result["take_id"])
        if recording is None:
            views.recording_missing(result["take_id"], services.data_dir())
        else:
            services.play(recording, take_id=result["take_id"], format="audio/flac")
    ref_hz = (baseline.summary.f0_median_hz if baseline and result["baseline"]
              else analysis.summary.f0_median_hz)
    if ref_hz:
        chart = views.contour_chart(
            analysis.tracks, ref_hz=ref_hz, band_st=views.pitch_band_st(fb),
            ends=analysis.phrase_ends, flagged=fb.get("phrase_notes"),
            ref_label="your everyday voice" if baseline else "this take's median",
        )
        caption = views.contour_caption(analysis, has_baseline=baseline is not None)
        st.altair_chart(chart, width="stretch", alt=caption)
        st.caption(caption)
    for note in fb.get("phrase_notes") or []:
        st.markdown(f"- {note['message']}")
    views.feature_cards(fb)
    if len(attempts) > 1 and ref_hz:
        st.markdown("#### Your recent tries of this phrase")
        scores = [a["score"] for a in attempts]
        st.markdown(" → ".join("—" if s is None or math.isnan(s) else f"{s:.0f}"
                               for s in scores))
        st.altair_chart(views.attempts_chart(attempts, ref_hz=ref_hz),
                        width="stretch",
                        alt="Pitch contours of your recent tries, overlaid")


def _try_again() -> None:
    st.session_state["take_nonce"] += 1
    st.session_state.pop("practice_result", None)


st.button("Try again", type="primary", key="try_again", on_click=_try_again,
          help="Clears the recorder and keeps your recent tries for comparison")
