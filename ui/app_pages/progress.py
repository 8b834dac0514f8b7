"""Progress: the calm score and each feature over time, streaks and a plain summary."""

from __future__ import annotations

import streamlit as st

from prosody.progress import streak_days
from ui import services, state, views

state.init()
heading = st.empty()  # "Your progress", or whose once the person is picked

store = services.store()
cols = st.columns(3)
person, chosen_phrase = views.person_and_phrase(store, cols, current=st.session_state["person"])
yours = services.speaks_to(person)  # a supervisor reads about a trainee, not to them
heading.title("Your progress" if yours else f"Progress: {views.plain(person)}")
FEATURES = {
    "score": "Calm score",
    "f0_median_hz": "Typical pitch (Hz)",
    "f0_range_st": "Melody range (st)",
    "voiced_rate_syl_per_s": "Pace (syllables/s, as the coach judges it)",
    "loudness_db": "Loudness (dBFS)",
    "final_fall_fraction": "Share of phrase ends falling",
    "pause_ratio": "Share of time pausing",
}
feature = cols[2].selectbox("What to chart", list(FEATURES), format_func=FEATURES.get,
                            key="progress_feature")

series = store.progress(person, feature, phrase=chosen_phrase, kind=services.PRACTISED)
days = store.practice_days(person, kind=services.PRACTISED)
if not series:
    st.info("No practice takes yet. Each take you keep on the Practice or Exercises page "
            "appears here.",
            icon=":material/info:")
    st.stop()

streak = streak_days(days)
m1, m2, m3 = st.columns(3)
m1.metric("Days practised", len(days))
m2.metric("Current streak", f"{streak} day{'s' * (streak != 1)}")
m3.metric("Takes", store.count(person=person, kind=services.PRACTISED),
          help="Practice takes and exercise attempts")

zone = services.target_zone(feature, st.session_state["profile"], person)
chart = views.progress_chart(series, title=FEATURES[feature], zone=zone,
                             share=feature in ("final_fall_fraction", "pause_ratio"))
if zone is None:
    where = ""
elif zone.personal:
    where = (", with your own calm zone (from your everyday voice) shaded" if yours else
             f", with {views.plain(person)}'s own calm zone (from their everyday voice) shaded")
else:
    where = (", with the general calm zone shaded"
             + (" (record your everyday voice for your own)" if yours else "")
             if feature != "score" else ", with the calm zone (80 and up) shaded")
caption = (f"{FEATURES[feature]} per day (the mean of that day's takes"
           + ("; the number above each point is how many" if len(series) <= 10 else "")
           + f"){where}.")
st.altair_chart(chart, width="stretch", alt=caption)
st.caption(caption)

st.subheader("In words")
for sentence in services.progress_summary(person, phrase=chosen_phrase,
                                          who=None if yours else views.plain(person)):
    st.markdown(f"- {sentence}")
