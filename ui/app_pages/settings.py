"""Settings and privacy: which profile, where data lives, delete my data."""

from __future__ import annotations

import os

import streamlit as st

from prosody.errors import ProsodyError
from ui import services, state, views

state.init()
st.title("Settings and privacy")

names = list(services.profile_names())
st.selectbox("Coaching profile", names, key="profile",
             help="The targets the coach compares your voice with")
prof = services.profile(st.session_state["profile"])
st.caption(f"Profile **{prof.name}**, version {prof.version}. {prof.description}")

if services.account() is None:
    st.subheader("Your recordings stay on this computer")
    st.markdown(
        "Calm Tone Coach never sends a recording or a result anywhere: analysis runs on this "
        "computer, the app listens only on this computer's own address (127.0.0.1), and there "
        "are no accounts, analytics or cloud services."
    )
else:
    st.subheader("Your recordings stay with your programme")
    st.markdown(
        "Your takes are kept by your training programme's server. Only you, your supervisors "
        "and the programme's administrators can see them; every view, export and delete of "
        "someone else's takes is recorded in an audit log.")
home = services.data_dir()
overridden = " (set by CALMTONE_HOME)" if os.environ.get("CALMTONE_HOME") else ""
st.markdown("Your practice history (recordings as FLAC files and a small database) is kept "
            f"in {views.plain(home)}{overridden}. Copy that folder to back it up.")

try:
    # what the last repair on open did with recordings no take referred to, and missing ones
    notice = services.store().quarantine_notice()
except ProsodyError as exc:
    notice = str(exc)
if notice:
    st.warning(views.plain(notice), icon=":material/inventory_2:")

st.subheader("Delete my data")
person = st.session_state["person"]
try:
    count = services.store().count(person=person)
except Exception:  # an unreadable store must not hide the rest of the page
    count = None
known = count if count is not None else "an unknown number of"
st.markdown(f"**{views.plain(person)}** has {known} saved take(s), including any baseline.")
confirm = st.checkbox("Yes, delete every recording and result kept for "
                      f"**{views.plain(person)}**. "
                      "This cannot be undone.")
if st.button("Delete my data", disabled=not confirm):
    try:
        removed = services.delete_person(person)
    except ProsodyError as exc:  # say what happened; never a traceback
        st.error(f"Nothing was deleted: {views.plain(exc)}", icon="⚠️")
    else:
        st.session_state["attempts"].clear()
        st.session_state["saved"].clear()
        st.success(f"Deleted {removed} take(s) for {views.plain(person)}.", icon="🗑️")
