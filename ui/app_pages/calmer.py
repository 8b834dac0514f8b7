"""Hear yourself calmer: your own take, re-synthesised a little lower, smoother, slower and
softer, to listen to and imitate."""

from __future__ import annotations

import streamlit as st

from prosody.calmer import voice_kept_words
from prosody.feedback import TakeFeedback
from ui import content_views as cv
from ui import services, state, views

state.init()
services.warm_up()
person = st.session_state["person"]
phrases, _, _ = cv.library()

st.title("Hear yourself calmer")
st.markdown("Record a phrase the way you would say it now. You will hear **your own voice** "
            "said the calm way: a little lower, with a smoother melody, slower and softer. "
            "Listen to it two or three times, then imitate it. Only the delivery changes; "
            "the voice stays yours.")

texts = [p.text for p in phrases]
if st.session_state.get("calmer_phrase") not in texts:
    st.session_state["calmer_phrase"] = texts[0]
phrase = st.selectbox("Phrase you are saying", texts, key="calmer_phrase")
entry = next(p for p in phrases if p.text == phrase)
prof = services.profile(st.session_state["profile"])
scenario_labels = {s.name: s.label for s in prof.scenarios}
if st.session_state.get("calmer_scenario") not in scenario_labels:
    st.session_state["calmer_scenario"] = entry.scenario
left, right = st.columns(2)
scenario = left.selectbox("Scenario", list(scenario_labels), key="calmer_scenario",
                          format_func=scenario_labels.get,
                          help="Bedtime slows and softens more than a check-in question")
strength = right.slider("How far toward calm", 0.25, 1.0, 1.0, 0.25, key="calmer_strength",
                        help="1 reaches the calm aims; less is a gentler change")

nonce = st.session_state.setdefault("calmer_nonce", 0)
for_whom = (person, phrase)  # a recording belongs to them (state.take_key)
recorded = st.audio_input("Record the phrase", key=state.take_key("calmer_take", nonce, *for_whom))
uploaded = st.file_uploader("…or upload a recording", type=services.UPLOAD_TYPES,
                            key=state.take_key("calmer_upload", nonce, *for_whom))
demo = None
if phrase == cv.SEED and cv.demo_bytes(cv.DEMO_TENSE) is not None:
    if st.checkbox("Try it with the demo tense take (a synthesised voice)", key="calmer_demo"):
        demo = cv.demo_bytes(cv.DEMO_TENSE)
data = services.recorded(recorded, uploaded, demo)
if data is None:
    st.stop()

baseline_take, _ = services.baseline(person)
baseline_key = f"{baseline_take.id}:{baseline_take.created_utc}" if baseline_take else None
if data is demo:
    baseline_key = None  # the demo voice is not the person's: compare it with general aims
with st.spinner("Re-synthesising your take in a calmer tone (a few seconds)…"):
    wav, report, error = services.calmer_take(data, phrase, scenario, float(strength), person,
                                              baseline_key, st.session_state["profile"])
if error:
    st.error(f"We could not make this take calmer: {views.plain(error)}",
             icon=":material/error:")
    st.stop()

a, b = st.columns(2)
a.markdown("**Your take**")
a.audio(data)
b.markdown("**Calmer, in your voice**")
b.audio(wav, format="audio/wav")
st.success(f"**What changed:** {report['summary']}.", icon=":material/bedtime:")
if report.get("score_before") is not None and report.get("score_after") is not None:
    c1, c2 = st.columns(2)
    c1.metric("Calm score of your take", f"{report['score_before']} / 100")
    c2.metric("Calm score of the calmer version", f"{report['score_after']} / 100",
              delta=report["score_after"] - report["score_before"])
if report["baseline"]:
    against = "your everyday voice"
elif data is demo:  # another voice than yours: your everyday voice is no reference for it
    against = "general targets (the demo is another voice than yours)"
elif baseline_take is not None:
    against = "general targets"
else:
    against = "general targets (record a baseline to compare with your own voice)"
st.markdown(f"Measured again on the calmer version, against {against}:")
st.dataframe(cv.moves_table(report), hide_index=True, width="stretch")

take_analysis, take_error = services.analyze_take(data, phrase, None)
calm_analysis, calm_error = services.analyze_take(wav, phrase, None)
if not take_error and not calm_error:
    st.altair_chart(cv.two_contours_chart(take_analysis.tracks, calm_analysis.tracks,
                                          ref_hz=take_analysis.summary.f0_median_hz or 100.0,
                                          names=("Your take", "Calmer version")),
                    width="stretch", alt="Pitch of your take and of the calmer version")
    st.caption("Pitch over time in semitones from your take's middle: the calmer version sits "
               "lower, moves more smoothly and takes longer.")
distance = report.get("envelope_distance_db")
if distance is not None:
    st.caption(voice_kept_words(distance))

st.markdown("#### Now imitate it")
st.markdown("Play the calmer version, then say the phrase yourself on the **Practice** page. "
            "Or keep it as your model take for this phrase and compare yourself with it on "
            "the **Model takes** page.")
c1, c2 = st.columns(2)
c1.download_button("Download the calmer version (WAV)", wav, file_name="calmer.wav",
                   mime="audio/wav")
if c2.button("Keep it as my model take", key="calmer_keep"):
    if calm_error:
        st.error(f"The calmer version could not be kept: {views.plain(calm_error)}",
                 icon=":material/error:")
    else:
        take_id, problem = cv.save_once(wav, calm_analysis, TakeFeedback.of(calmer=report),
                                        person=person, phrase=phrase, scenario=scenario,
                                        kind="model")
        if problem:
            st.error(f"The calmer version could not be kept: {views.plain(problem)}",
                     icon=":material/save:")
        else:
            st.success(f"Kept as your model take of this phrase (take {take_id}).",
                       icon=":material/check_circle:")
st.button("Try again", key="calmer_try_again", icon=":material/replay:",
          on_click=lambda: st.session_state.update(calmer_nonce=nonce + 1))
