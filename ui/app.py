"""Calm Tone Coach app entry point (placeholder until the practice app lands)."""

import streamlit as st

st.set_page_config(page_title="Calm Tone Coach", page_icon="🌙")
st.title("Calm Tone Coach")
st.write(
    "The practice pages are on their way. Meanwhile, `calmtone analyze FILE` measures "
    "the prosody of a recording from the command line."
)
