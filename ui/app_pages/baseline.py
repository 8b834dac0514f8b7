"""Baseline: the speaker's everyday voice, the reference every relative target uses."""

from __future__ import annotations

import streamlit as st

from ui import services, state, views
from ui.live_view import live_take

state.init()
services.warm_up()
person = st.session_state["person"]

st.title("Your everyday voice")
st.markdown(
    "Read the passage below in your ordinary, everyday voice — not calm, not dramatic, just as "
    "you would read it to a friend. The coach then judges your practice takes against **your "
    "own** pitch, pace and loudness, and tracks your pitch within your own range."
)
PASSAGE = "The passage below (about 20 s)"
PHRASE = "A phrase I practise, said in my everyday voice"
what = st.radio("What will you read?", [PASSAGE, PHRASE], key="baseline_what",
                help="The passage gives the steadiest reference. A practice phrase said plainly "
                     "works too, and compares like with like.")
if what == PASSAGE:
    words = services.BASELINE_TEXT
else:
    words = st.selectbox("Phrase", [p.text for p in services.phrases()],
                         key="baseline_phrase")
st.markdown(f"> {views.plain(words)}")

nonce = st.session_state["baseline_nonce"]
recorded = st.audio_input("Record it", key=f"baseline_{nonce}")
uploaded = st.file_uploader("…or upload a recording of it", type=services.UPLOAD_TYPES,
                            key=f"baseline_upload_{nonce}")
live = live_take(f"live_baseline_{nonce}", baseline=services.baseline(person)[1])
source = recorded or uploaded
if source is not None or live is not None:
    data = source.getvalue() if source is not None else live
    digest = services.digest(data)
    with st.spinner("Measuring your everyday voice…"):
        analysis, error = services.measure_baseline_bytes(data, words)
    if error:
        st.error(f"We could not use this recording: {views.plain(error)}", icon="⚠️")
    elif digest not in st.session_state["saved"]:
        take, problem = services.save_take(data, analysis, None, person=person,
                                           phrase=words, scenario=None,
                                           profile_name=None, kind="baseline")
        st.session_state["saved"][digest] = take.id if take else None
        if problem:
            st.error(f"Your baseline could not be saved: {views.plain(problem)}", icon="💾")
        else:
            services.store().set_baseline(person, take.id)
            st.success(f"Baseline saved for {views.plain(person)}.", icon="✅")

take, baseline = services.baseline(person)
if baseline is None:
    st.info("No baseline yet: until you record one, feedback uses general targets.", icon="ℹ️")
else:
    st.caption(f"Recorded {take.created.astimezone():%d %B %Y, %H:%M}.")
    views.baseline_card(baseline)
    st.button("Record it again",
              on_click=lambda: st.session_state.update(baseline_nonce=nonce + 1))
