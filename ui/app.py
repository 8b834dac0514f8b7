"""Calm Tone Coach: the app's entry point only builds the navigation and who is practising."""

from pathlib import Path

import streamlit as st

from prosody.errors import ProsodyError
from prosody.store import MAX_NAME_CHARS
from ui import auth, services, state, views
from ui.errors import page_boundary

# The page icon is a file of our own: a Material icon or an emoji as page_icon makes the
# browser fetch the picture from a public server on every page load. The icons in the
# navigation are Material Symbols drawn from the font Streamlit ships (nothing is fetched).
st.set_page_config(page_title="Calm Tone Coach",
                   page_icon=str(Path(__file__).with_name("moon.png")), layout="wide")
if "person" not in st.session_state:  # a new tab, or a reload: who practised here last
    st.session_state["person"] = services.remembered_person()
state.init()
NEW = "Someone new…"


def _choose(name: str) -> None:
    try:
        st.session_state["person_note"] = services.choose_person(name)
    except ProsodyError as exc:
        st.session_state["person_note"] = str(exc)


def _picked() -> None:
    if st.session_state["person_pick"] != NEW:
        _choose(st.session_state["person_pick"])


def _typed() -> None:
    # only a name actually typed changes who is practising: an empty box keeps the last one
    name = st.session_state["person_input"].strip()
    if name:
        _choose(name)
        st.session_state["person_input"] = ""
        st.session_state["person_pick"] = st.session_state["person"]


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
    st.Page("app_pages/help.py", title="How it works", icon=":material/help:"),
]
# the clinic mode: nothing below runs, on any page, until someone has signed in (a link to a
# page, /review, opens that page once signed in)
services.start_sweeping()  # once per server: takes deleted elsewhere stop being served here
account = auth.gate(pages)

if account is not None:  # signed in: one practises as oneself; others are chosen on pages
    st.session_state["person"] = account.name
    with st.sidebar:
        auth.signed_in_box(account)
else:
    # Who is practising, in the main area (a phone hides the sidebar), above every page.
    person = st.session_state["person"]
    if st.query_params.get(services.PERSON_PARAM) != person:
        st.query_params[services.PERSON_PARAM] = person  # a reload of this page keeps them
    try:
        known = [p.name for p in services.store().people()]
    except ProsodyError:
        known = []
    names = [*dict.fromkeys([person, *known, services.DEFAULT_PERSON]), NEW]
    if st.session_state.get("person_pick") not in (person, NEW):
        st.session_state["person_pick"] = person  # chosen elsewhere (or deleted): follow it
    with st.popover(f"Practising as {views.plain(person)}", icon=":material/person:"):
        st.selectbox("Who is practising?", names, key="person_pick", on_change=_picked,
                     help="Several people can practise on one computer; each has their own "
                          "baseline, tries and history. The app remembers who practised last.")
        if st.session_state["person_pick"] == NEW:
            st.text_input("Name", key="person_input", on_change=_typed, max_chars=MAX_NAME_CHARS,
                          placeholder="Type a name and press Enter")
    note = st.session_state.pop("person_note", None)
    if note:  # a name that mixes alphabets or looks like someone already here, or cannot be used
        st.warning(views.plain(note[:1].upper() + note[1:]), icon=":material/warning:")

# the page boundary: an error a page did not catch is explained, never shown as a traceback
page_boundary(st.navigation(pages).run)
