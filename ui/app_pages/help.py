"""How it works: how the calm score is built, what each part of the voice means and how to read
the chart, said once here rather than under every score."""

from __future__ import annotations

import streamlit as st

from prosody.explain import UNIT_NOTES
from prosody.feedback import SCORE_BANDS
from ui import services, state, views

state.init()
st.title("How it works")
st.markdown("**Calm Tone Coach** helps you practise the *tone* of a calming voice: record a "
            "phrase you might say to a child, a partner or a client in a hard moment, and see "
            "how calm it sounds and what to change. " + services.where_it_stays())

st.subheader("The calm score")
prof = services.profile(st.session_state["profile"])
st.markdown(
    "Each take is measured (pitch, melody, pace, pauses, loudness, the sound of the voice) and "
    "every measure is compared with its **calm zone**: against **your everyday voice** once "
    "you have recorded it on the Baseline page (a little lower, slower and softer than you "
    "usually speak), and against general targets for calm adult voices: those alone until "
    "then, beside your everyday voice after. A measure inside its zone counts towards calm; "
    "one outside counts against it, the more the further out it lies; the parts of the "
    "voice that tell calm from tension best count most. A monotone is capped, because calm "
    "is not flat. A recording too quiet, whispered or clipped to judge gets a message "
    "instead of a score, and is not saved. In a noisy room the parts of the voice the noise "
    "hides are left out, and the score says what it rests on.")
st.markdown("What the score means:\n" + "\n".join(
    f"- **{'below 40' if band.lowest < 0 else f'{band.lowest:.0f} and up'}**: {band.meaning}"
    + (" At most one detail to polish is suggested." if band.max_changes == 1 else
       f" At most {band.max_changes} changes are suggested.")
    for band in SCORE_BANDS))
st.markdown("Each scenario (bedtime, de-escalation, a check-in question, repair after "
            "conflict) moves some zones: a check-in question may rise at the end, so falling "
            "phrase ends carry no weight there and get no card.")

st.subheader("What each part of the voice means")
st.markdown("\n".join(f"- **{views.plain(spec.label)}**: {spec.rationale}"
                      for spec in prof.features))
st.caption(f"From the profile **{prof.name}**, version {prof.version}; its targets and sources "
           "are in samples/profiles/soothing.toml and docs/coach.md.")

st.subheader("Reading the chart")
st.markdown(
    "- The **blue line** is your pitch over time, in semitones against your everyday voice "
    "(or the take's own middle without a baseline); the **green band** is the calm pitch "
    "zone.\n"
    "- **Grey stretches** are pauses, **orange** ones where tension crept in (your pitch, "
    "loudness or pace rose), small **ticks** the syllables, and the arrows the phrase ends: "
    "↘ falls, ↗ rises, → level.\n"
    "- **Red triangles** at the top or bottom edge mark pitch beyond what the chart shows.\n"
    "- **Numbered purple marks** show where each change to make is heard; the numbers are "
    "those of *What to change*.\n"
    "- Beneath, your **loudness**, drawn up from the quietest moment: the taller, the louder.")

st.subheader("The units")
st.markdown("\n".join(f"- {note}" for note in UNIT_NOTES.values()))
