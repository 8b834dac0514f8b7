"""Practice: choose a phrase, record it, see and hear how calm it sounded, try again. Until a
person has an everyday-voice baseline, a guided start leads there first."""

from __future__ import annotations

import math

import streamlit as st

from prosody.content import AUDIENCES, phrase_set_progress, phrase_sets
from prosody.errors import ProsodyError
from prosody.explain import baseline_heard
from prosody.syllables import MAX_TEXT_CHARS
from ui import content_views, services, state, views
from ui.live_view import live_take

OWN = "Type my own phrase…"
#: About how long the everyday-voice passage takes to read, in seconds (the countdown's bar).
PASSAGE_S = 20

state.init()
services.warm_up()
person = st.session_state["person"]
baseline_take, baseline = services.baseline(person)
library = services.phrases()
prof = services.profile(st.session_state["profile"])
scenario_labels = {s.name: s.label for s in prof.scenarios}

st.title("Calm Tone Coach")
st.markdown("Practise the **tone** of a calming voice: say a phrase you might use with a child, "
            "a partner or a client in a hard moment, and see how calm it sounds and what to "
            "change. " + services.where_it_stays())


def _phrase_scenario() -> None:
    """A phrase chosen brings its own scenario (a question may rise at the end, ...)."""
    chosen = st.session_state["phrase_choice"]
    entry = next((p for p in library if p.text == chosen), None)
    if entry is not None and entry.scenario in scenario_labels:
        st.session_state["scenario"] = entry.scenario
    # kept apart from the widgets: Streamlit forgets a widget's value on a run that does not
    # draw it (the guided start's steps), and the scenario must stay the phrase's
    st.session_state["scenario_kept"] = (chosen, st.session_state["scenario"])


def _scenario_chosen() -> None:
    st.session_state["scenario_kept"] = (st.session_state["phrase_choice"],
                                         st.session_state["scenario"])


def _audience() -> None:
    mine = [p for p in library if p.audience == st.session_state["audience"]]
    if mine:
        st.session_state["phrase_choice"] = mine[0].text
        _phrase_scenario()


def _assigned_phrases(person: str) -> dict:
    """The phrases of the phrase sets given to ``person`` (open assignments), each with its
    assignment, after a box saying what was given (exercises too, done on their own page), by
    whom, and how far it has got (as the supervisor sees it: :func:`phrase_set_progress`)."""
    try:
        store = services.store()
        given = store.assignments(person)
        starts = [a.created_utc for a in given if a.kind == "phrase_set"]
        # only what can count, on every run of the page: practice takes since the first set
        takes = (store.takes(person=person, kind="practice", since=min(starts), limit=2000)
                 if starts else [])
    except ProsodyError:  # the history could not be read: the page says so further down
        return {}
    sets = {s.id: s for s in phrase_sets(library)}
    exercises = content_views.exercise_titles()
    out = {}
    lines = []
    for a in given:
        by = f" by {views.plain(a.assigned_by)}" if a.assigned_by else ""
        note = f" — “{views.plain(a.note)}”" if a.note else ""
        if a.kind == "exercise" and a.target in exercises:
            lines.append(f"- Exercise **{views.plain(exercises[a.target])}**{by}, on the "
                         f"Exercises page{note}")
        elif a.kind == "phrase_set" and a.target in sets:
            done = phrase_set_progress(sets[a.target], takes, since_utc=a.created_utc)
            lines.append(f"- Phrase set **{views.plain(sets[a.target].title)}**{by}: "
                         f"{sum(p.takes > 0 for p in done)} of {len(done)} phrases "
                         f"practised{note}")
            out.update({p.phrase: a for p in done if p.phrase not in out})
    if lines:
        with st.container(border=True):
            st.markdown("**Assigned to you**"
                        + (" (phrases marked *assigned* in the list)" if out else "") + "\n"
                        + "\n".join(lines))
    return out


def _go(step: str) -> None:
    st.session_state["guide"][person] = step


# --- the guided start: who you practise for, your everyday voice, your first phrase ----------
# Each person's step, for this session: offered until they have a baseline, skippable.
guide = st.session_state["guide"].get(person) or ("done" if baseline is not None else "who")
if baseline is not None and guide in ("who", "baseline"):
    guide = "phrase"  # the baseline was just recorded: on to the first phrase
if baseline is None and guide in ("phrase", "done"):
    guide = "who"  # the baseline was deleted: start again
st.session_state["guide"][person] = guide

if baseline is None and guide == "skipped":
    with st.container(border=True):
        st.markdown("**No everyday-voice baseline yet**, so feedback uses general targets. "
                    "Read a short passage once and the coach compares you with your own voice.")
        st.button("Start the guided first session", key="guide_start", on_click=_go,
                  args=("who",), icon=":material/play_arrow:")
elif guide in ("who", "baseline"):
    with st.container(border=True, key="guide"):
        if guide == "who":
            st.markdown("#### Step 1 of 3 · Who do you practise for?")
            st.radio("I want to sound calm with", list(AUDIENCES),
                     format_func=lambda a: AUDIENCES[a].listener, key="audience",
                     horizontal=True, on_change=_audience)
            if services.account() is None:  # in a clinic the account is who practises
                st.caption(f"You are practising as **{views.plain(person)}**; change the name "
                           "with the button at the top if several people use this computer.")
            c1, c2 = st.columns(2)
            c1.button("Next: my everyday voice", type="primary", key="guide_next",
                      on_click=_go, args=("baseline",), icon=":material/arrow_forward:")
            c2.button("Skip the guided start", key="guide_skip", on_click=_go,
                      args=("skipped",))
        else:
            st.markdown("#### Step 2 of 3 · Your everyday voice")
            st.markdown("Read this aloud once in your **ordinary voice**, not calm, not "
                        "dramatic, as you would read it to a friend. The coach then judges "
                        "your practice against *your own* pitch, pace and loudness.")
            nonce = st.session_state["baseline_nonce"]
            # the recorder and its countdown above the words, so reading follows them down
            with st.container(key="guide_recorder"):
                recorded = st.audio_input("Click the microphone, wait for the countdown, read "
                                          "the passage below, then click the square to stop",
                                          key=state.take_key("guide_baseline", nonce, person))
                views.countdown("guide_recorder", seconds=PASSAGE_S)
            views.passage(services.BASELINE_TEXT)
            uploaded = st.file_uploader("…or upload a recording of it",
                                        type=services.UPLOAD_TYPES,
                                        key=state.take_key("guide_baseline_upload", nonce, person))
            data = services.recorded(recorded, uploaded)
            if data is not None:
                with st.spinner("Checking that the passage was read…"):
                    analysis, error = services.keep_baseline(data, services.BASELINE_TEXT,
                                                             person)
                services.release_upload(recorded or uploaded)
                if error:
                    st.error(f"We could not use this recording: {views.plain(error)}",
                             icon=":material/error:")
                    st.button("Record it again", key="guide_again", on_click=lambda: (
                        st.session_state.update(baseline_nonce=nonce + 1)))
                else:
                    st.session_state["guide_heard"] = baseline_heard(analysis)
                    st.session_state["baseline_nonce"] = nonce + 1
                    _go("phrase")
                    st.rerun()
            c1, c2 = st.columns(2)
            c1.button("Back", key="guide_back", on_click=_go, args=("who",),
                      icon=":material/arrow_back:")
            c2.button("Skip the guided start", key="guide_skip", on_click=_go,
                      args=("skipped",))
    st.stop()
step3 = None
if guide == "phrase":
    heard = st.session_state.pop("guide_heard", None)
    if heard:
        st.success(f"**Baseline saved for {views.plain(person)}.** {heard}",
                   icon=":material/check_circle:")
    step3 = st.empty()
    step3.info("**Step 3 of 3 · Your first phrase.** Say the phrase below the way you would "
               "say it to calm someone, then see what to change.",
               icon=":material/record_voice_over:")

# --- practising a phrase ---------------------------------------------------------------------
assigned = _assigned_phrases(person)  # phrase text -> its assignment (a supervisor's set)
if st.session_state["phrase_choice"] is None and assigned:
    # the first visit opens on the first phrase given, for the listener it is meant for
    st.session_state["phrase_choice"] = first = next(iter(assigned))
    given = next((p for p in library if p.text == first), None)
    if given is not None and given.audience in AUDIENCES:
        st.session_state["audience"] = given.audience
mine = [p for p in library if p.audience == st.session_state["audience"]]
others = [p for p in library if p.audience != st.session_state["audience"]]
# the phrases given to practise come first, then this listener's, then the rest
choices = list(dict.fromkeys([*assigned, *(p.text for p in mine + others)])) + [OWN]
if st.session_state["phrase_choice"] not in choices:  # set before the widgets are drawn
    st.session_state["phrase_choice"] = choices[0]
kept = st.session_state.get("scenario_kept")
if kept is None or kept[0] != st.session_state["phrase_choice"]:
    _phrase_scenario()  # the phrase shown brings its scenario, however it came to be chosen
elif kept[1] in scenario_labels:
    st.session_state["scenario"] = kept[1]  # the one chosen for this phrase, by hand or not
left, right = st.columns(2)
with left:
    st.radio("Who are you practising for?", list(AUDIENCES),
             format_func=lambda a: AUDIENCES[a].listener, key="audience", horizontal=True,
             on_change=_audience)
with right:
    st.selectbox("Scenario", list(scenario_labels), format_func=scenario_labels.get,
                 key="scenario", on_change=_scenario_chosen,
                 help="Choosing a phrase sets its own scenario; you can change it here")

st.selectbox("Phrase", choices, key="phrase_choice", on_change=_phrase_scenario,
             format_func=lambda c: f"{c} (assigned)" if c in assigned else c)
if st.session_state["phrase_choice"] == OWN:
    st.text_input("Your phrase", key="own_phrase", max_chars=MAX_TEXT_CHARS,
                  placeholder="Type what you want to say, as you would say it")
    phrase = st.session_state["own_phrase"].strip()
else:
    phrase = st.session_state["phrase_choice"]
    entry = next(p for p in library if p.text == phrase)
    st.caption(f"**Intent:** {entry.intent}  \n**Delivery:** {entry.delivery}")

nonce = st.session_state["take_nonce"]
for_whom = (person, phrase)  # a recording belongs to them (state.take_key)
recorded = st.audio_input("Record the phrase (click the microphone, speak, click again to stop)",
                          key=state.take_key("take", nonce, *for_whom))
uploaded = st.file_uploader("…or upload a recording", type=services.UPLOAD_TYPES,
                            key=state.take_key("upload", nonce, *for_whom))
live = live_take(state.take_key("live_practice", nonce, *for_whom), baseline=baseline,
                 profile=st.session_state["profile"])
here = None
if services.runs_on_this_computer():
    with st.expander("Browser microphone blocked? Use this computer's microphone"):
        seconds = st.slider("Longest take (seconds)", 3, 30, 10, key="here_seconds",
                            help="Recording also stops after 1.5 s of silence following speech")
        if st.button("Record with this computer's microphone", key=f"here_{nonce}"):
            with st.spinner("Recording… speak now"):
                data_here, problem = services.record_here(float(seconds))
            if problem:
                st.error(f"Could not record: {views.plain(problem)}", icon=":material/mic_off:")
            else:
                st.session_state[f"here_take_{nonce}"] = data_here
        here = st.session_state.get(f"here_take_{nonce}")

data = services.recorded(recorded, uploaded, live, here)  # a live take: as one recorded
if data is not None:
    with st.spinner("Listening to your take…"):
        outcome = services.practise(
            data, text=phrase or None, profile_name=st.session_state["profile"],
            scenario=st.session_state["scenario"],
            baseline=baseline,
        )
    result = {"digest": outcome.digest, "error": outcome.error, "phrase": phrase,
              "feedback": outcome.feedback, "analysis": outcome.analysis, "take_id": None,
              "problem": None, "baseline": baseline is not None, "person": person}
    if not outcome.error:
        result["take_id"], result["problem"] = services.save_take_once(
            data, outcome.analysis, outcome.feedback, person=person,
            phrase=phrase or "(own phrase)", scenario=st.session_state["scenario"],
            profile_name=st.session_state["profile"],
            assignment_id=str(assigned[phrase].id) if phrase in assigned else None,
        )
        attempts = st.session_state["attempts"].setdefault(phrase or "(own phrase)", [])
        judged = outcome.feedback.get("score") is not None
        if judged and (not attempts or attempts[-1]["digest"] != outcome.digest):
            attempts.append({"digest": outcome.digest, "score": outcome.feedback.get("score"),
                             "tracks": outcome.analysis.tracks})
            del attempts[: -state.MAX_ATTEMPTS]
    # The take is analysed and kept: let go of the upload (a long file is hundreds of MB).
    # The result stays for this page until "Try again"; the recorder starts empty again.
    services.release_upload(recorded or uploaded)
    st.session_state.pop(f"here_take_{nonce}", None)
    st.session_state["take_nonce"] = nonce + 1
    st.session_state["practice_result"] = result
    del data, recorded, uploaded
    # Draw the page again with the fresh recorder and upload box at once: left on screen, the
    # old ones would take the next file and drop it (their keys are no longer drawn), while
    # the result of this take stayed up as if it were the next one's.
    st.rerun()

result = st.session_state.get("practice_result")
if result is not None and (result["phrase"], result.get("person")) != (phrase, person):
    result = None  # another phrase or person chosen: the result would not belong to them
if result is not None and result["error"]:
    st.error(f"We could not use this recording: {views.plain(result['error'])}",
             icon=":material/error:")
elif result is not None and result["feedback"].get("score") is None:
    # not judged (silent, too quiet, whispered, ...): said once, and nothing was saved
    st.warning(views.plain(result["problem"] or "This take could not be judged."),
               icon=":material/mic_off:")
elif result is not None:
    if step3 is not None:
        st.session_state["guide"][person] = "done"
        step3.success("**Guided start done.** Your first result is below: read what to change, "
                      "then press Try again and say it once more.", icon=":material/flag:")
    fb, analysis = result["feedback"], result["analysis"]
    attempts = st.session_state["attempts"].get(phrase or "(own phrase)", [])
    if result["take_id"]:
        # no take number: the history numbers everyone's takes together, and "take 20" on
        # someone's first phrase reads as their twentieth
        st.caption(f"Kept in {views.plain(person)}'s practice history: find it again on "
                   "the **Review** page.")
    else:
        st.warning("This take could not be kept in your history: "
                   f"{views.plain(result['problem'])}", icon=":material/save:")
    has_base = baseline is not None and result["baseline"]
    ref_hz = (baseline.summary.f0_median_hz if has_base else analysis.summary.f0_median_hz)
    ends = analysis.phrase_ends
    reading = services.reading(fb, tracks=analysis.tracks, ends=ends)
    recording = services.recording_bytes(result["take_id"]) if result["take_id"] else None
    if recording is None and result["take_id"]:
        views.recording_missing(result["take_id"], services.data_dir())

    def _play(data: bytes) -> None:
        services.play(data, take_id=result["take_id"], format="audio/flac")

    views.take_feedback(reading, tracks=analysis.tracks, ends=ends, ref_hz=ref_hz,
                        ref_label="your everyday voice" if has_base else "this take's middle",
                        flagged=fb.get("phrase_notes") or (), recording=recording, play=_play)
    if len(attempts) > 1 and ref_hz:
        st.markdown("#### Your recent tries of this phrase")
        scores = [a["score"] for a in attempts]
        st.markdown(" → ".join("—" if s is None or math.isnan(s) else f"{s:.0f}"
                               for s in scores))
        st.altair_chart(views.attempts_chart(attempts, ref_hz=ref_hz),
                        width="stretch",
                        alt="Pitch contours of your recent tries, overlaid")


def _try_again() -> None:
    st.session_state["take_nonce"] += 1
    st.session_state.pop("practice_result", None)


if result is not None:  # nothing to try again before a first try
    st.button("Try again", key="try_again", on_click=_try_again, icon=":material/replay:",
              help="Clears the recorder and keeps your recent tries for comparison")
