"""Supervisor: assign a phrase set or an exercise to someone who practises on this computer, and
follow their attempts and progress."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from prosody.content import exercise_progress, phrase_set_progress
from prosody.errors import ProsodyError
from prosody.feedback import TakeFeedback
from prosody.store import MAX_NAME_CHARS, MAX_NOTE_CHARS
from ui import content_views as cv
from ui import services, state, views

state.init()
phrases, exercises, sets = cv.library()
ex_by_id = {e.id: e for e in exercises}
set_by_id = {s.id: s for s in sets}


def day(iso_utc: str) -> str:
    return f"{datetime.fromisoformat(iso_utc).astimezone():%d %b %Y}"


st.title("Supervisor")
st.markdown(("Give a trainee you follow a phrase set or an exercise, and see their attempts "
             "and progress. " if services.account() is not None else
             "Give a trainee (or a partner, or yourself) a phrase set or an exercise, and see "
             "their attempts and progress. ") + services.where_it_stays())

signed_in = services.account()
if signed_in is not None and signed_in.role == "trainee":
    st.info("This page is for supervisors. Your supervisor's notes are on the Review page.",
            icon=":material/info:")
    st.stop()
try:
    store = services.store()  # a supervisor sees only the trainees assigned to them
    people = [p.name for p in store.people()]
    if signed_in is not None and signed_in.role == "supervisor":
        # the trainees they follow, from the start: before their first take or assignment
        # they are in no one's history yet
        # (not themselves: practice is given to the trainees one follows)
        me = signed_in.name
        people = list(dict.fromkeys([*(n for n in people if n.casefold() != me.casefold()),
                                     *(n for n in store.visible() if n != me)]))
except ProsodyError as exc:
    st.error(f"The practice history could not be opened: {views.plain(exc)}",
             icon=":material/error:")
    st.stop()
flash = st.session_state.pop("assign_flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")
assigned_to = st.session_state.pop("assign_done", None)
if assigned_to is not None:  # after an assignment: show that person, start the form afresh
    st.session_state["assign_person"] = assigned_to
    st.session_state["supervise_person"] = assigned_to
    for key in ("assign_new_name", "assign_note"):
        st.session_state.pop(key, None)

# --- assigning ------------------------------------------------------------------------------
# Plain widgets, not a form: each choice shows only the fields it needs, at once.
NEW = "Someone new…"
with st.container(border=True):
    st.markdown("#### Assign practice")
    c1, c2 = st.columns(2)
    # in a clinic practice goes to people with accounts (an administrator adds them), so no
    # "someone new": a name typed there was always refused
    offered = people if signed_in is not None else ([*people, NEW] if people else [NEW])
    if not offered:
        st.info("You follow no trainee yet: an administrator lets you follow one with "
                "`calmtone users assign`.", icon=":material/info:")
        st.stop()
    who = c1.selectbox("To", offered, key="assign_person")
    if who == NEW:
        c1.text_input("Name of the person", key="assign_new_name", max_chars=MAX_NAME_CHARS,
                      placeholder="e.g. Sam")
    kind = c2.radio("What", ["Exercise", "Phrase set"], horizontal=True, key="assign_kind")
    if kind == "Exercise":
        c2.selectbox("Exercise", list(ex_by_id), format_func=lambda i: ex_by_id[i].title,
                     key="assign_exercise")
    else:
        c2.selectbox("Phrase set", list(set_by_id),
                     format_func=lambda i: f"{set_by_id[i].title} "
                                           f"({len(set_by_id[i].phrases)} phrases)",
                     key="assign_set")
    st.text_input("Note for them (optional)", key="assign_note", max_chars=MAX_NOTE_CHARS,
                  placeholder="e.g. three passes before our session on Friday")
    submitted = st.button("Assign", type="primary", key="assign_go",
                          icon=":material/assignment_add:")
if submitted:
    person = (st.session_state.get("assign_new_name") or "").strip() if who == NEW else who
    if not person:
        st.error("Type the name of the person to assign it to.", icon=":material/edit:")
    else:
        target = (st.session_state["assign_exercise"] if kind == "Exercise"
                  else st.session_state["assign_set"])
        try:
            a = store.assign(person, kind="exercise" if kind == "Exercise" else "phrase_set",
                             target=target, note=st.session_state["assign_note"].strip() or None,
                             assigned_by=st.session_state["person"])
        except ProsodyError as exc:
            st.error(f"The assignment could not be saved: {views.plain(exc)}",
                     icon=":material/save:")
        else:
            title = ex_by_id[target].title if a.kind == "exercise" else set_by_id[target].title
            # the lists below and the "To" box show the new person at once, and their progress
            st.session_state["assign_flash"] = (f"Assigned “{views.plain(title)}” to "
                                                f"{views.plain(a.person)}.")
            st.session_state["assign_done"] = a.person
            st.rerun()

# --- following one person -------------------------------------------------------------------
st.markdown("#### Progress")
if not people:
    st.info("Nobody has practised or been assigned anything on this computer yet.",
            icon=":material/info:")
    st.stop()
if st.session_state.get("supervise_person") not in people:
    current = st.session_state["person"]
    st.session_state["supervise_person"] = current if current in people else people[0]
person = st.selectbox("Person", people, key="supervise_person")
try:
    open_assignments = store.assignments(person)
    closed = [a for a in store.assignments(person, include_closed=True) if not a.open]
    takes = store.takes(person=person, limit=2000)
except ProsodyError as exc:
    st.error(f"Their history could not be read: {views.plain(exc)}", icon=":material/error:")
    st.stop()

if not open_assignments:
    st.caption(f"{views.plain(person)} has no open assignments.")
for a in open_assignments:
    with st.container(border=True):
        by = f" · assigned by {views.plain(a.assigned_by)}" if a.assigned_by else ""
        when = day(a.created_utc)
        if a.kind == "exercise" and a.target in ex_by_id:
            ex = ex_by_id[a.target]
            prog = exercise_progress(ex, [t for t in takes if t.kind == "exercise"],
                                     since_utc=a.created_utc)  # this assignment's attempts
            st.markdown(f"**Exercise: {ex.title}** · since {when}{by}")
            st.progress(min(1.0, prog.passes / ex.passes_to_complete), text=prog.words)
            if prog.last_summary:
                st.caption(f"Last attempt: {prog.last_summary}")
        elif a.kind == "phrase_set" and a.target in set_by_id:
            s = set_by_id[a.target]
            # the numbers before the phrase: on a phone a long phrase pushes what comes after
            # it out of sight; the practice takes since it was given, as the trainee sees them
            rows = [{"takes": p.takes, "best score": p.best_score, "last score": p.last_score,
                     "phrase": p.phrase}
                    for p in phrase_set_progress(s, takes, since_utc=a.created_utc)]
            done = sum(r["takes"] > 0 for r in rows)
            st.markdown(f"**Phrase set: {s.title}** · since {when}{by}")
            st.progress(done / len(rows), text=f"{done} of {len(rows)} phrases practised")
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", placeholder="–",
                         column_config={c: st.column_config.NumberColumn(c, format="%d")
                                        for c in ("best score", "last score")})
        else:
            st.markdown(f"**{a.kind}: {views.plain(a.target)}** (no longer in the content files)")
        if a.note:
            st.caption(f"Note: {views.plain(a.note)}")
        if st.button("Mark done", key=f"close_{a.id}"):
            try:
                store.close_assignment(a.id)
            except ProsodyError as exc:
                st.error(f"Could not mark it done: {views.plain(exc)}", icon=":material/save:")
            else:
                st.rerun()

st.markdown(f"#### {views.plain(person)}'s recent takes")
if not takes:
    st.caption("No takes yet.")
else:
    def result(t) -> str:
        said = TakeFeedback.from_dict(t.feedback)
        if said.exercise:
            return "passed" if said.exercise_outcome.passed else "not yet"
        match = said.model_match
        return f"{match.score} / 100 like the model" if match else ""

    # the score and the result first: on a phone a long phrase pushes what follows it out of
    # sight; a take without a score (a baseline) shows a dash
    st.dataframe(pd.DataFrame([{
        "when": t.created.astimezone().strftime("%Y-%m-%d %H:%M"),
        "calm score": t.score,
        "result": result(t),
        "kind": t.kind,
        "exercise": ex_by_id[t.exercise_id].title if t.exercise_id in ex_by_id else "",
        "phrase": t.phrase,
    } for t in takes[:30]]), hide_index=True, width="stretch", placeholder="–",
        column_config={"calm score": st.column_config.NumberColumn(format="%d")})
    done = [e for e in exercises
            if exercise_progress(e, [t for t in takes if t.kind == "exercise"]).completed]
    if done:
        st.caption("Exercises completed: " + ", ".join(e.title for e in done) + ".")
if closed:
    with st.expander(f"Done or withdrawn ({len(closed)})"):
        for a in closed:
            title = (ex_by_id[a.target].title if a.target in ex_by_id
                     else set_by_id[a.target].title if a.target in set_by_id else a.target)
            st.markdown(f"- {title} (closed {day(a.closed_utc)})")
