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
if services.account() is None:
    # the folder is this computer's; a clinic's database (its host, its name) is not for
    # every trainee to read, and backing it up is its administrators' work (docs/clinic.md)
    home = services.data_dir()
    overridden = " (set by CALMTONE_HOME)" if os.environ.get("CALMTONE_HOME") else ""
    st.markdown("Your practice history (recordings as FLAC files and a small database) is "
                f"kept in {views.plain(home)}{overridden}. Copy that folder to back it up.")

try:
    # what the last repair on open did with recordings no take referred to, and missing ones
    notice = services.store().quarantine_notice()
except ProsodyError as exc:
    notice = str(exc)
if notice:
    st.warning(views.plain(notice), icon=":material/inventory_2:")

flash = st.session_state.pop("settings_flash", None)
current = st.session_state["person"]
try:
    people = [p.name for p in services.store().people()]
except ProsodyError:
    people = []
# Without accounts, whoever uses the app on this computer administers it: they may delete
# anyone's data here. Over a network (accounts, the clinic mode) only one's own.
anyone = services.administers_this_computer()
st.subheader("Delete a person's data" if anyone else "Delete my data")
if flash:
    st.success(flash, icon=":material/delete:")
if anyone and people:
    default = people.index(current) if current in people else 0
    person = st.selectbox("Whose data", people, index=default, key="delete_whom",
                          help="As the administrator of this computer you may delete the data "
                               "of anyone who practises here.")
else:
    person = current
if person not in people:
    st.markdown(f"Nothing is kept for **{views.plain(person)}** yet.")
    st.stop()
try:
    count = services.store().count(person=person)
    given = services.store().assignments(person, include_closed=True)
except Exception:  # an unreadable store must not hide the rest of the page
    count, given = None, []
known = count if count is not None else "an unknown number of"
goes = [f"{known} saved take{'s' * (count != 1)} and their recordings, including any baseline"]
if given:
    by = sorted({a.assigned_by for a in given if a.assigned_by})
    goes.append(f"{len(given)} assignment{'s' * (len(given) != 1)} given to them"
                + (f" (by {', '.join(views.plain(b) for b in by)})" if by else ""))
st.markdown(f"Deleting **{views.plain(person)}** removes:\n"
            + "\n".join(f"- {g}" for g in goes))
confirm = st.checkbox("Yes, delete every recording and result kept for "
                      f"**{views.plain(person)}**. This cannot be undone.",
                      key=f"delete_sure_{person}")  # each person's own: never carried over
if st.button(f"Delete {views.plain(person)}'s data", disabled=not confirm,
             icon=":material/delete_forever:"):
    try:
        removed = services.delete_person(person)
    except ProsodyError as exc:  # say what happened; never a traceback
        st.error(f"Nothing was deleted: {views.plain(exc)}", icon=":material/error:")
    else:
        if person == current:
            st.session_state["attempts"].clear()
            st.session_state["saved"].clear()
            st.session_state["person"] = services.DEFAULT_PERSON
            st.query_params[services.PERSON_PARAM] = services.DEFAULT_PERSON
        st.session_state.pop("delete_whom", None)
        st.session_state.pop(f"delete_sure_{person}", None)
        st.session_state["settings_flash"] = (
            f"Deleted {views.plain(person)}: {removed} take{'s' * (removed != 1)}"
            + (f" and {len(given)} assignment{'s' * (len(given) != 1)}" if given else "") + ".")
        st.rerun()
