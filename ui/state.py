"""Every piece of page state, under named keys, initialised in one place."""

from __future__ import annotations

import streamlit as st

DEFAULTS = {
    "person": "Me",
    "profile": "soothing",
    "audience": "child",
    "scenario": "check-in",
    "phrase_choice": None,
    "own_phrase": "",
    # recent attempts per phrase text: list of dicts (score, summary, tracks, audio)
    "attempts": {},
    # takes already kept in the history, by audio digest: reruns do not save them twice
    "saved": {},
    # bumping this gives the recorder a new key: "Try again" starts from an empty recorder
    "take_nonce": 0,
    "baseline_nonce": 0,
    # each person's step in the guided start ("who", "baseline", "phrase", "done", "skipped")
    "guide": {},
}

#: How many recent attempts of one phrase the practice page keeps and compares.
MAX_ATTEMPTS = 5


def init() -> None:
    for key, value in DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = value.copy() if isinstance(value, dict) else value
