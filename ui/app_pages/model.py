"""Model takes: a supervisor or partner records how a phrase should sound; a trainee's take of
the same phrase is compared with it (melodies aligned and overlaid, a similarity score in words,
A/B playback)."""

from __future__ import annotations

import logging

import streamlit as st

from prosody.errors import ProsodyError
from prosody.feedback import TakeFeedback, not_kept
from prosody.model import similarity
from ui import content_views as cv
from ui import services, state, views
from ui.live_view import live_take

_log = logging.getLogger("calmtone.ui")

state.init()
services.warm_up()
person = st.session_state["person"]
phrases, _, _ = cv.library()

st.title("Model takes")
st.markdown("A supervisor or a partner records a phrase the way it should sound: that is the "
            "**model take**. The trainee then says the same phrase in their own voice and sees "
            "how closely it follows the model: the melody (each voice measured against its own "
            "middle, so a deeper voice is not wrong), the pace and the pauses.")

texts = [p.text for p in phrases]
if st.session_state.get("model_phrase") not in texts:
    st.session_state["model_phrase"] = texts[0]
phrase = st.selectbox("Phrase", texts, key="model_phrase")

# --- the model ------------------------------------------------------------------------------
scenario = next((p.scenario for p in phrases if p.text == phrase), None)
for_whom = (person, phrase)  # a recording belongs to them (state.take_key)
st.markdown("#### The model take")
with st.expander("Record a new model take of this phrase (supervisor or partner)",
                 expanded=False):
    switch = ", change it with the button at the top" if services.account() is None else ""
    st.caption(f"It is kept under the name of who is practising (**{views.plain(person)}**"
               f"{switch}), so several trainees can compare with it. "
               "It gets its own calm score, against your everyday voice if you have recorded "
               "one: check that the model is calm before trainees copy it.")
    mnonce = st.session_state.setdefault("model_nonce", 0)
    recorded_model = st.audio_input("Record the model take",
                                    key=state.take_key("model_record", mnonce, *for_whom))
    uploaded_model = st.file_uploader("…or upload one", type=services.UPLOAD_TYPES,
                                      key=state.take_key("model_upload", mnonce, *for_whom))
    live_model = live_take(state.take_key("live_model", mnonce, *for_whom),
                           baseline=cv.baseline_analysis(person))
    data = services.recorded(recorded_model, uploaded_model, live_model)
    if data is not None:
        own_baseline = cv.baseline_analysis(person)
        analysis, error = services.analyze_take(data, phrase, own_baseline)
        if error:
            st.error(f"We could not use this recording as a model: {views.plain(error)}",
                     icon=":material/error:")
        else:
            judged = cv.coach_dict(analysis, own_baseline, scenario)
            fresh = st.session_state.get("model_last_saved") != services.digest(data)
            take_id, problem = cv.save_once(data, analysis, judged, person=person,
                                            phrase=phrase, scenario=scenario, kind="model")
            if problem:
                st.error(f"The model take could not be saved: {views.plain(problem)}",
                         icon=":material/save:")
            else:
                st.success(f"Model take saved (take {take_id}); it is shown below as the "
                           "model.", icon=":material/check_circle:")
                if fresh:  # show the new model first, once; the choice stays free after
                    st.session_state["model_last_saved"] = services.digest(data)
                    st.session_state[f"model_pick_{phrase}"] = None
        services.release_upload(recorded_model or uploaded_model)

options = cv.model_options(phrase)
if not options:
    st.info("There is no model take of this phrase yet. Record one above, or choose the first "
            "phrase, which comes with a demo model take.", icon=":material/headphones:")
    st.stop()
labels = list(options)
pick_key = f"model_pick_{phrase}"
if st.session_state.get(pick_key) not in labels:
    st.session_state[pick_key] = labels[0]
label = st.selectbox("Model take", labels, key=pick_key)
model_bytes = cv.model_audio(options[label])
if model_bytes is None:
    st.error("The recording of this model take is missing from the history folder; choose or "
             "record another.", icon=":material/error:")
    st.stop()
model, error = services.analyze_take(model_bytes, phrase, None)
if error:
    st.error(f"The model take could not be analysed: {views.plain(error)}",
             icon=":material/error:")
    st.stop()
cv.model_calm(options[label], model, scenario,
              expanded=st.session_state.get("model_last_saved") == services.digest(model_bytes))

# --- the trainee's take ---------------------------------------------------------------------
st.markdown("#### Your take")
st.caption("Listen to the model two or three times, then say the phrase in your own voice, "
           "copying its pace, pauses and the shape of its melody.")
nonce = st.session_state.setdefault("model_take_nonce", 0)
recorded = st.audio_input("Record your take", key=state.take_key("model_take", nonce, *for_whom))
uploaded = st.file_uploader("…or upload a recording", type=services.UPLOAD_TYPES,
                            key=state.take_key("model_take_upload", nonce, *for_whom))
live = live_take(state.take_key("live_model_take", nonce, *for_whom),
                 baseline=cv.baseline_analysis(person),
                 profile=st.session_state["profile"])
data = services.recorded(recorded, uploaded, live)
a, b = st.columns(2)
a.markdown("**A: the model**")
a.audio(model_bytes)
b.markdown("**B: your take**")
if data is None:
    b.caption("Record or upload your take to compare.")
    st.stop()

b.audio(data)
baseline = cv.baseline_analysis(person)
with st.spinner("Comparing with the model…"):
    take, error = services.analyze_take(data, phrase, baseline)
if error:
    st.error(f"We could not use this recording: {views.plain(error)}", icon=":material/error:")
    st.stop()
coached = cv.coach_dict(take, baseline, scenario)
if coached and coached.get("score") is None and coached.get("quality"):
    # too quiet, whispered, clipped: said once, not compared and not kept
    st.warning(views.plain(not_kept(take, coached)), icon=":material/mic_off:")
    st.stop()
try:
    sim = similarity(model, take)
except ProsodyError as exc:
    st.error(f"This take could not be compared with the model: {views.plain(exc)}",
             icon=":material/error:")
    st.stop()
except Exception:  # a bug must not show a traceback to someone practising
    _log.exception("model comparison failed")
    st.error(services.UNEXPECTED, icon=":material/error:")
    st.stop()

left, right = st.columns([1, 2])
left.metric("Similarity to the model", f"{sim.score} / 100")
right.markdown(f"**{sim.summary}**")
right.markdown("\n".join(f"- {w}" for w in sim.words))
cols = st.columns(3)
cols[0].metric("Melody", f"{sim.shape_score:.0f} / 100",
               help="How closely your melody follows the model's once lined up in time")
cols[1].metric("Pace", f"{sim.rate_score:.0f} / 100",
               help="Your speech rate against the model's")
cols[2].metric("Pauses", f"{sim.pause_score:.0f} / 100",
               help="Whether you paused where the model pauses, and nowhere else")
st.altair_chart(cv.overlay_chart(sim.time_s, sim.model_st, sim.take_st,
                                 names=("Model", "Your take")),
                width="stretch",
                alt="The model's melody and yours, lined up in time, overlaid")
st.caption("Both melodies in semitones from each take's own middle, your take stretched or "
           "squeezed in time so that the same words line up with the model's: where the lines "
           "part, listen to the model again.")

_, problem = cv.save_once(data, take, TakeFeedback.of(coached, similarity=sim, model=label),
                          person=person, phrase=phrase,
                          scenario=coached["scenario"] if coached else None, kind="practice")
if problem:
    st.error(f"This take could not be kept in your history: {views.plain(problem)}",
             icon=":material/save:")
services.release_upload(recorded or uploaded)
st.button("Try again", key="model_try_again", icon=":material/replay:",
          on_click=lambda: st.session_state.update(model_take_nonce=nonce + 1))
