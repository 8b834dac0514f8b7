"""Progress: the calm score and each feature over time, streaks and a plain summary."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from prosody.progress import streak_days
from ui import services, state, views

state.init()
st.title("Your progress")

store = services.store()
cols = st.columns(3)
person, chosen_phrase = views.person_and_phrase(store, cols, current=st.session_state["person"])
FEATURES = {
    "score": "Calm score",
    "f0_median_hz": "Typical pitch (Hz)",
    "f0_range_st": "Melody range (st)",
    "speech_rate_syl_per_s": "Pace (syllables/s, pauses included)",
    "loudness_db": "Loudness (dBFS)",
    "final_fall_fraction": "Share of phrase ends falling",
    "pause_ratio": "Share of time pausing",
}
feature = cols[2].selectbox("What to chart", list(FEATURES), format_func=FEATURES.get)

series = store.progress(person, feature, phrase=chosen_phrase)
days = store.practice_days(person)
if not series:
    st.info("No practice takes yet. Each take you record on the Practice page appears here.",
            icon="ℹ️")
    st.stop()

streak = streak_days(days)
m1, m2, m3 = st.columns(3)
m1.metric("Days practised", len(days))
m2.metric("Current streak", f"{streak} day(s)")
m3.metric("Takes", store.count(person=person, kind="practice"))

df = pd.DataFrame({"day": [p.day for p in series], "value": [p.value for p in series],
                   "takes": [p.n_takes for p in series]})
zone = services.target_zone(feature, st.session_state["profile"])
layers = []
if zone is not None:
    band = pd.DataFrame({"lo": [zone[0]], "hi": [zone[1]], "what": ["calm zone"]})
    layers.append(alt.Chart(band).mark_rect(opacity=0.15, color="#2e7d32").encode(
        y="lo:Q", y2="hi:Q", tooltip=["what:N"]))
layers.append(alt.Chart(df).mark_line(point=True).encode(
    x=alt.X("day:T", title="day"), y=alt.Y("value:Q", title=FEATURES[feature]),
    tooltip=["day:T", alt.Tooltip("value:Q", format=".2f"), "takes:Q"]))
caption = (f"{FEATURES[feature]} per day (mean of that day's takes)"
           + (", with the calm zone shaded" if zone else "") + ".")
st.altair_chart(alt.layer(*layers).properties(height=300), width="stretch", alt=caption)
st.caption(caption)

st.subheader("In words")
for sentence in services.progress_summary(person, phrase=chosen_phrase):
    st.markdown(f"- {sentence}")
