"""Review: every saved take (practice, exercise attempts, model takes, baselines), filtered; open
one, compare two, delete."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pandas as pd
import streamlit as st

from prosody.analysis import AnalysisSettings, phrase_ends
from prosody.errors import ProsodyError
from prosody.feedback import TakeFeedback
from ui import services, state, views

#: The kinds of take, as a person names them.
KINDS = {"practice": "practice", "exercise": "exercise attempt", "model": "model take",
         "baseline": "everyday voice (baseline)"}


def _notes_label(n: int) -> str:
    return "1 note" if n == 1 else f"{n} notes"


state.init()
heading = st.empty()  # "Review your takes", or whose once the person is picked
flash = st.session_state.pop("review_flash", None)
if flash:
    st.success(flash, icon=":material/delete:")

store = services.store()
cols = st.columns(4)
person, phrase = views.person_and_phrase(store, cols, current=st.session_state["person"])
heading.title("Review your takes" if services.speaks_to(person)
              else f"Review {views.plain(person)}'s takes")
kinds = ["All kinds", *KINDS]
kind = cols[2].selectbox("Kind", kinds, format_func=lambda k: KINDS.get(k, k), key="review_kind")
scenarios = ["All scenarios", *store.scenarios(person)]
scenario = cols[3].selectbox("Scenario", scenarios)
since = st.date_input("Since", value=dt.date.today() - dt.timedelta(days=30))

filters = {
    "person": person,
    "phrase": phrase,
    "scenario": None if scenario == scenarios[0] else scenario,
    "since": since,
    "kind": None if kind == kinds[0] else kind,
}
total = store.count(**filters)
takes = store.takes(**filters, limit=500)
if not takes:
    st.info("No takes match. Practise a phrase and it will appear here.",
            icon=":material/info:")
    st.stop()

# a supervisor's notes are found from the list, not by opening every take
noted = store.note_counts(person) if services.account() is not None else {}
noted = {t.id: noted[t.id] for t in takes if t.id in noted}
st.caption(("1 take" if total == 1 else f"{total} takes")
           + (", the newest 500 shown" if total > 500 else "")
           + (f"; a supervisor's notes on {len(noted)} of them (the **notes** column)"
              if noted else ""))
# the score before the phrase: a long phrase would push it out of sight on a laptop
table = pd.DataFrame([{
    "take": t.id,
    "when": t.created.astimezone().strftime("%Y-%m-%d %H:%M"),
    "score": t.score,
    **({"notes": noted.get(t.id, 0)} if noted else {}),  # in sight on a phone too
    "kind": KINDS.get(t.kind, t.kind),
    "phrase": t.phrase,
    "scenario": t.scenario or "",
} for t in takes])
# a take without a score (a baseline) shows a dash, not "None"
st.dataframe(table, hide_index=True, width="stretch", placeholder="–",
             column_config={"score": st.column_config.NumberColumn("calm score", format="%d")})

by_id = {t.id: t for t in takes}
# options of a select box are plain text (no Markdown): the whole phrase, as typed
# the score and the notes before the phrase: a phone cuts the end of a long option off
labels = {t.id: f"#{t.id} · {t.created.astimezone():%d %b %H:%M}"
          + (f" · score {t.score:.0f}" if t.score is not None else "")
          + (f" · {_notes_label(noted[t.id])}" if t.id in noted else "")
          + f" · {KINDS.get(t.kind, t.kind)} · {t.phrase}"
          for t in takes}

with st.expander(f"Export {views.plain(person)}'s takes"):
    st.caption("For yourself or a supervisor: the summaries as a spreadsheet (CSV) or data (JSON), "
               "or a printable report with each take's contour and tips (HTML: open it in a "
               "browser and print to PDF).")
    e1, e2, e3 = st.columns(3)
    home = services.export_scope()  # the store decides what this account may export
    stem = f"calmtone-{views.safe_filename(person)}"
    # the files are made only when a button is clicked: thousands of takes take a moment
    e1.download_button("Summaries (CSV)", partial(services.export_bytes, person, "csv", home),
                       file_name=f"{stem}.csv", mime="text/csv")
    e2.download_button("Summaries (JSON)", partial(services.export_bytes, person, "json", home),
                       file_name=f"{stem}.json", mime="application/json")
    e3.download_button("Printable report (HTML)",
                       partial(services.export_bytes, person, "html", home),
                       file_name=f"{stem}.html", mime="text/html")



def _notes(store, take) -> None:
    """A supervisor's notes on this take, each at its moment of the contour; the form to add
    one for a supervisor of its trainee (the store refuses anyone else)."""
    st.markdown("#### Supervisor's notes")
    notes = store.notes(take.id)
    if not notes:
        st.caption("No notes on this take yet.")
    for n in notes:
        at = "the whole take" if n.at_s is None else f"{n.at_s:.1f} s"
        with st.container(border=True):
            st.markdown(f"**{views.plain(n.author)}**, at {at}: {views.plain(n.text)}")
    if not store.supervises(take.person):
        return
    with st.form(f"note_{take.id}", clear_on_submit=True):
        at_s = st.number_input("At (seconds into the take)", min_value=0.0,
                               max_value=float(max(take.duration_s, 0.1)), value=0.0, step=0.1)
        text = st.text_area("Note for the trainee", max_chars=500)
        if st.form_submit_button("Add note"):
            try:
                store.add_note(take.id, text=text, at_s=at_s)
            except ProsodyError as exc:
                st.error(f"The note was not saved: {views.plain(exc)}", icon=":material/error:")
            else:
                st.rerun()


def recording_of(take, where=None) -> bytes | None:
    """The take's recording, or None after saying it is missing."""
    data = None if services.recording_missing(take) else services.recording_bytes(take.id)
    if data is None:
        views.recording_missing(take.id, services.data_dir(), where=where)
    return data


tab_open, tab_compare = st.tabs(["Open a take", "Compare two takes"])
with tab_open:
    chosen = st.selectbox("Take", list(labels), format_func=labels.get, key="review_take")
    take = by_id[chosen]
    said = TakeFeedback.from_dict(take.feedback)
    try:
        tracks = store.tracks(take.id)
    except ProsodyError:  # an old take without stored tracks, whose recording is missing
        tracks = None
    ends = (phrase_ends(tracks, settings=AnalysisSettings.from_dict(take.settings))
            if tracks is not None else ())
    _, base = services.baseline(person)
    if take.kind != "baseline" and take.feedback and not take.feedback.get("baseline", True):
        base = None  # judged on general targets (before a baseline): drawn against itself too
    ref_hz = (base.summary.f0_median_hz if base is not None
              else take.summary.get("f0_median_hz"))
    everyday = ("your everyday voice" if services.speaks_to(person)
                else f"{person}'s everyday voice")  # an axis title: plain text
    if said.exercise_outcome is not None:
        outcome = said.exercise_outcome
        st.markdown(f"**Exercise attempt:** {views.plain(outcome.summary or '')}")
    if said.model_match is not None:
        st.markdown(f"**Compared with a model take:** {views.plain(said.model_match.summary)}")
    reading = services.reading(take.feedback, tracks=tracks, ends=ends)
    recording = recording_of(take)
    if reading is not None:
        views.take_feedback(
            reading, tracks=tracks, ends=ends, ref_hz=ref_hz,
            ref_label=everyday if base is not None else "this take's middle",
            flagged=(said.coach or {}).get("phrase_notes") or (), recording=recording,
            play=lambda data: services.play(data, take_id=take.id, format="audio/flac"))
    else:  # a baseline, or a take kept without coaching: its recording and contour
        if recording is not None:
            services.play(recording, take_id=take.id, format="audio/flac")
        if take.kind == "baseline":
            st.caption("Your everyday voice: the reference your practice takes are compared "
                       "with. It has no calm score.")
        if tracks is not None and ref_hz:
            st.altair_chart(views.contour_chart(tracks, ref_hz=ref_hz, band_st=None, ends=ends,
                                                ref_label="this take's middle"
                                                if base is None else everyday),
                            width="stretch", alt="Pitch contour and loudness of this take")
    if services.account() is not None:
        _notes(store, take)
    if services.may_delete(take.person):  # a supervisor reads a trainee's takes, never deletes
        with st.expander("Delete this take"):
            # the confirmation is this take's own: after a delete, or on another take, it
            # starts unticked, so a second click never deletes the next take unasked
            sure = st.checkbox("Yes, delete this recording and its results",
                               key=f"review_sure_{take.id}")
            if st.button("Delete take", disabled=not sure, icon=":material/delete:",
                         key=f"review_delete_{take.id}"):
                try:
                    services.delete_take(take.id)
                except ProsodyError as exc:
                    st.error(f"Nothing was deleted: {views.plain(exc)}", icon=":material/error:")
                    st.stop()
                st.session_state.pop(f"review_sure_{take.id}", None)
                st.session_state.pop("review_take", None)
                st.session_state["review_flash"] = f"Deleted take {take.id}."
                st.rerun()

with tab_compare:
    if len(takes) < 2:
        st.info("Save at least two takes to compare them.", icon=":material/info:")
    else:
        ids = list(labels)
        a_id = st.selectbox("Take A", ids, index=min(1, len(ids) - 1), format_func=labels.get,
                            key="compare_a")
        b_id = st.selectbox("Take B", ids, index=0, format_func=labels.get, key="compare_b")
        a, b = by_id[a_id], by_id[b_id]
        from prosody.compare import align, deltas_sentence

        st.markdown(f"**Take B compared with take A:** {deltas_sentence(a.summary, b.summary)}.")
        if a.score is not None and b.score is not None:
            st.markdown(f"Calm score {a.score:.0f} → {b.score:.0f}.")
        c1, c2 = st.columns(2)
        for col, name, t in ((c1, "A", a), (c2, "B", b)):
            col.markdown(f"**Take {name}** · #{t.id}, {t.created.astimezone():%d %b %H:%M}")
            recording = recording_of(t, where=col)
            if recording is not None:
                services.play(recording, take_id=t.id, where=col, format="audio/flac")
        try:
            ta, tb = store.tracks(a_id), store.tracks(b_id)
            alignment = align(ta, tb)
        except ProsodyError as exc:
            st.warning(f"These takes cannot be drawn together: {views.plain(exc)}",
                       icon=":material/compare_arrows:")
        else:
            ref = a.summary.get("f0_median_hz") or 100.0
            st.altair_chart(views.aligned_chart(ta, tb, alignment, ref_hz=ref), width="stretch",
                            alt="Pitch contours of take A and take B after time alignment")
            st.caption("Take B is stretched or squeezed in time onto take A's, so that the same "
                       "words line up; pitch is in semitones from take A's middle.")
