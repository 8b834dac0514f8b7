"""Calm Tone Coach: the app's entry point only builds the navigation and the shared sidebar."""

from pathlib import Path

import streamlit as st

from prosody.store import MAX_NAME_CHARS
from ui import auth, services, state, views
from ui.errors import page_boundary

# The page icon is a file of our own: a Material icon or an emoji as page_icon makes the
# browser fetch the picture from a public server on every page load. The icons in the
# navigation are Material Symbols drawn from the font Streamlit ships (nothing is fetched).
st.set_page_config(page_title="Calm Tone Coach",
                   page_icon=str(Path(__file__).with_name("moon.png")), layout="wide")
state.init()

# The pages live in app_pages/, not pages/: Streamlit turns a folder named pages/ into a
# navigation of its own, which a link straight to a page would reach without this file.
pages = [
    st.Page("app_pages/practice.py", title="Practice", icon=":material/mic:", default=True),
    st.Page("app_pages/baseline.py", title="Baseline", icon=":material/straighten:"),
    st.Page("app_pages/review.py", title="Review", icon=":material/folder_open:"),
    st.Page("app_pages/progress.py", title="Progress", icon=":material/trending_up:"),
    st.Page("app_pages/exercises.py", title="Exercises", icon=":material/fitness_center:"),
    st.Page("app_pages/model.py", title="Model takes", icon=":material/headphones:"),
    st.Page("app_pages/calmer.py", title="Hear yourself calmer", icon=":material/bedtime:"),
    st.Page("app_pages/supervisor.py", title="Supervisor", icon=":material/supervisor_account:"),
    st.Page("app_pages/settings.py", title="Settings and privacy", icon=":material/lock:"),
]
# the clinic mode: nothing below runs, on any page, until someone has signed in (a link to a
# page, /review, opens that page once signed in)
account = auth.gate(pages)


def _take_name() -> None:
    # only a name actually typed changes who is practising: an emptied box keeps the last one
    name = st.session_state["person_input"].strip()
    if name:
        st.session_state["person"] = name


# the box always shows who is practising, however that was chosen (typed, or another page)
if st.session_state.get("person_input") != st.session_state["person"]:
    st.session_state["person_input"] = st.session_state["person"]
if account is not None:  # signed in: one practises as oneself; others are chosen on pages
    st.session_state["person"] = account.name
    with st.sidebar:
        auth.signed_in_box(account)
else:
    with st.sidebar:
        st.text_input("Who is practising?", key="person_input", on_change=_take_name,
                      max_chars=MAX_NAME_CHARS,
                      help="Several people can practise on one computer; each has their own "
                           "baseline, tries and history.")
        # a new name that mixes alphabets or looks like someone already here, or is unusable
        note = services.name_note(st.session_state["person"])
        if note:
            st.warning(views.plain(note[:1].upper() + note[1:]), icon="⚠️")

# the page boundary: an error a page did not catch is explained, never shown as a traceback
page_boundary(st.navigation(pages).run)
