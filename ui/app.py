"""Calm Tone Coach: the app's entry point only builds the navigation and the shared sidebar."""

import streamlit as st

from ui import state

st.set_page_config(page_title="Calm Tone Coach", page_icon="🌙", layout="wide")
state.init()

with st.sidebar:
    # the widget has its own key: only a name actually typed changes who is practising, so an
    # emptied box never files someone's takes under no name
    name = st.text_input("Who is practising?", value=st.session_state["person"],
                         key="person_input",
                         help="Several people can practise on one computer; each has their own "
                              "baseline and tries.").strip()
    if name:
        st.session_state["person"] = name

pages = [
    st.Page("pages/practice.py", title="Practice", icon="🎙️", default=True),
    st.Page("pages/baseline.py", title="Baseline", icon="📏"),
    st.Page("pages/review.py", title="Review", icon="🗂️"),
    st.Page("pages/progress.py", title="Progress", icon="📈"),
    st.Page("pages/exercises.py", title="Exercises", icon="🏋️"),
    st.Page("pages/model.py", title="Model takes", icon="🎧"),
    st.Page("pages/calmer.py", title="Hear yourself calmer", icon="🌙"),
    st.Page("pages/supervisor.py", title="Supervisor", icon="🧑‍🏫"),
    st.Page("pages/settings.py", title="Settings and privacy", icon="🔒"),
]
st.navigation(pages).run()
