"""Settings and privacy: which profile, where data lives, delete my data."""

from __future__ import annotations

import os

import streamlit as st

from ui import services, state

state.init()
st.title("Settings and privacy")

names = list(services.profile_names())
st.selectbox("Coaching profile", names, key="profile",
             help="The targets the coach compares your voice with")
prof = services.profile(st.session_state["profile"])
st.caption(f"Profile **{prof.name}**, version {prof.version}. {prof.description}")

st.subheader("Your recordings stay on this computer")
st.markdown(
    "Calm Tone Coach never sends a recording or a result anywhere: analysis runs on this "
    "computer, the app listens only on this computer's own address (127.0.0.1), and there are "
    "no accounts, analytics or cloud services."
)
home = os.environ.get("CALMTONE_HOME")
st.markdown(f"Data folder: `{home or 'the default user data folder'}`"
            + (" (set by CALMTONE_HOME)" if home else ""))

st.subheader("Delete my data")
person = st.session_state["person"]
confirm = st.checkbox(f"Yes, delete everything kept for **{person}** in this session "
                      "(baseline and recent tries)")
if st.button("Delete my data", disabled=not confirm):
    st.session_state["baselines"].pop(person, None)
    st.session_state["attempts"].clear()
    st.success("Deleted.", icon="🗑️")
