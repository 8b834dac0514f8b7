"""Every piece of page state, under named keys, initialised in one place."""

from __future__ import annotations

import hashlib

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


def take_key(name: str, nonce: int, *context: object) -> str:
    """The key of a recorder, an upload box or a live view: new after "Try again" (the page's
    ``nonce``) and for every ``context`` the take belongs to (who is practising, the phrase,
    the exercise).

    A recording stays in its widget across reruns; under a key that outlived its context it
    would be judged again in the new one and kept there: another person's voice saved as
    this person's baseline, an attempt at one exercise counted for the next.
    """
    tag = hashlib.sha256("\x1f".join(str(c) for c in context).encode()).hexdigest()[:12]
    return f"{name}_{tag}_{nonce}" if context else f"{name}_{nonce}"
