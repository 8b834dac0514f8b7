"""Baseline: the speaker's everyday voice, the reference every relative target uses."""

from __future__ import annotations

import streamlit as st

from prosody.explain import baseline_heard
from ui import services, state, views
from ui.live_view import live_take

#: About how long the passage takes to read, in seconds (the countdown's bar).
PASSAGE_S = 20

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
nonce = st.session_state["baseline_nonce"]
for_whom = (person, words)  # a recording belongs to them (state.take_key)
# the recorder and its countdown above the words, so reading follows them down
with st.container(key="baseline_recorder"):
    recorded = st.audio_input("Record it: click the microphone, wait for the countdown, read "
                              "the words below, then click the square to stop",
                              key=state.take_key("baseline", nonce, *for_whom))
    views.countdown("baseline_recorder", seconds=PASSAGE_S if what == PASSAGE else 5)
views.passage(words)
uploaded = st.file_uploader("…or upload a recording of it", type=services.UPLOAD_TYPES,
                            key=state.take_key("baseline_upload", nonce, *for_whom))
live = live_take(state.take_key("live_baseline", nonce, *for_whom),
                 baseline=services.baseline(person)[1])
data = services.recorded(recorded, uploaded, live)
if data is not None:
    with st.spinner("Measuring your everyday voice…"):
        analysis, error = services.keep_baseline(data, words, person)
    if error:
        st.error(f"We could not use this recording: {views.plain(error)}",
                 icon=":material/error:")
    else:
        st.success(f"**Baseline saved for {views.plain(person)}.** {baseline_heard(analysis)}",
                   icon=":material/check_circle:")

take, baseline = services.baseline(person)
if baseline is None:
    st.info("No baseline yet: until you record one, feedback uses general targets.",
            icon=":material/info:")
else:
    st.caption(f"Recorded {take.created.astimezone():%d %B %Y, %H:%M}.")
    views.baseline_card(baseline)
    st.button("Record it again", icon=":material/replay:",
              on_click=lambda: st.session_state.update(baseline_nonce=nonce + 1))
