"""The live view in the browser: a Streamlit ``components.v2`` component, no build step.

Pages call :func:`live_take` where a take is recorded. It shows the "Start live view" button;
while the person speaks, the browser draws their pitch against the calm band, with level and
pace, and shows one sparse cue; after "Stop live view" it returns the take (WAV bytes), once, for
the page to analyse, coach and save exactly as it does a recorded or uploaded take.

How it is built (docs/architecture.md, "Live view in the browser"): an AudioWorklet measures
pitch and level every 10 ms in the browser (``worklet.js``), the page script draws them and sends
the audio to the server every half second (``live.js``); here, in a fragment (so only the live
view reruns, not the page), :class:`prosody.live_browser.LiveStream` takes the audio, feeds the
terminal live view's :class:`prosody.live.LiveView` for pace and cue, and assembles the take.
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path

import streamlit as st

from prosody.errors import ProsodyError
from prosody.util import MAX_DURATION_S

_log = logging.getLogger("calmtone.ui")
_HERE = Path(__file__).resolve().parent
#: session_state keys: the sessions being streamed, and the takes stopped, by live view key
_STREAMS = "live_streams"
_TAKES = "live_takes"
#: session_state key: the live take last kept after the person left its page mid-take
_LEFT = "live_kept_after_leaving"
#: Stopped takes kept for this browser session (the newest): a page keys its live view as it
#: keys its recorder, with a number it bumps for "Try again", so older keys are not shown again.
MAX_TAKES = 4
#: A live take cut off by leaving the page is kept from this many seconds of audio on (shorter:
#: a Start pressed by mistake).
MIN_KEPT_S = 1.0


@functools.cache
def _component():
    js = (_HERE / "live.js").read_text(encoding="utf-8").replace(
        "__CALMTONE_WORKLET__", json.dumps((_HERE / "worklet.js").read_text(encoding="utf-8")))
    return st.components.v2.component(
        "calmtone_live", html=(_HERE / "live.html").read_text(encoding="utf-8"),
        css=(_HERE / "live.css").read_text(encoding="utf-8"), js=js)


def live_take(key: str, *, baseline=None, profile: str = "soothing") -> bytes | None:
    """Show the live view; returns the WAV bytes of the take stopped in it, or None.

    Like ``st.audio_input``, the take is returned on every run until the key changes (pages
    put their "Try again" number in it) or a new live take starts.

    Parameters
    ----------
    key : str
        names this live view
    baseline : Analysis or None
        the speaker's everyday voice: their calm band, pitch range and relative readings
    profile : str
        the coaching profile of the band and the cue
    """
    from prosody.live_browser import browser_setup

    take = st.session_state.setdefault(_TAKES, {}).get(key)
    st.markdown("**…or see your voice live while you speak**")
    _say_kept_after_leaving(key)
    st.caption("Your pitch against your calm band, your level and pace, and now and then one "
               "short hint. Stop when you have finished: the take is then used like a recorded "
               "one.")
    try:
        setup = browser_setup(baseline=baseline, profile=profile)
    except ProsodyError as exc:  # a baseline too short to give a range: the general band
        _log.warning("live view without the baseline: %s", exc)
        baseline, setup = None, browser_setup(profile=profile)
    _live_fragment(key, setup, baseline, profile)
    return take


def _say_kept_after_leaving(key: str) -> None:
    """Say, once, that a take cut off by leaving the page was kept (its result is below)."""
    note = st.session_state.get(_LEFT)
    # the same live view: its key may have moved on ("name_context_N") once the page took it
    if note is None or note["key"].rsplit("_", 1)[0] != key.rsplit("_", 1)[0]:
        return
    st.info(f"Your live take stopped when you left the page. The {note['s']:.0f} s recorded "
            "before that were kept and scored: the result is below.", icon=":material/info:")
    if note["key"] != key:  # the page has taken it: said with its result, then gone
        del st.session_state[_LEFT]


@st.fragment
def _live_fragment(key: str, setup: dict, baseline, profile: str) -> None:
    state = st.session_state.setdefault(_STREAMS, {}).get(key)
    status = None
    if state is not None:
        error = state.get("error")
        status = {"sid": state["sid"], "rtt_t": state.get("t"), "done": state["done"],
                  "error": f"The live view stopped: {error}" if error else None,
                  **state["status"]}
    _component()(key=key, data={"setup": setup, "status": status},
                 on_audio_change=functools.partial(_on_audio, key, baseline, profile))
    if state is not None and state["done"] and not state.get("collected"):
        state["collected"] = True
        st.rerun(scope="app")  # the page analyses, coaches and saves the take


def _finish(key: str, state: dict, stream) -> None:
    """End a live take: its WAV is the take ``live_take`` returns for ``key``."""
    takes = st.session_state.setdefault(_TAKES, {})
    takes[key] = stream.wav_bytes()
    for old in list(takes)[:-MAX_TAKES]:
        del takes[old]
    state.update(done=True, stream=None)


def _on_audio(key: str, baseline, profile: str) -> None:
    """A message from the browser: chunks of audio from number ``first``, maybe the last."""
    msg = (st.session_state.get(key) or {}).get("audio")
    if not isinstance(msg, dict):
        return
    streams = st.session_state.setdefault(_STREAMS, {})
    state = streams.get(key)
    if "left" in msg:
        # the view, drawn again after the person left the page (or the page drew it anew)
        # mid-take, says its take was cut off: what was heard is kept, not thrown away
        if state is not None and state["sid"] == msg["left"] and not state["done"]:
            stream = state["stream"]
            if stream is not None and stream.duration_s >= MIN_KEPT_S:
                _finish(key, state, stream)
                st.session_state[_LEFT] = {"key": key, "s": stream.duration_s}
            else:  # not a take yet: nothing to score
                state.update(done=True, stream=None, collected=True)
        return
    if not isinstance(msg.get("sid"), str):
        return
    if state is None or state["sid"] != msg["sid"]:
        if state is not None and not state["done"]:
            _log.info("live view %s: a new session replaces an unfinished one", key)
        st.session_state.setdefault(_TAKES, {}).pop(key, None)  # a new take replaces it
        st.session_state.pop(_LEFT, None)
        state = {"sid": msg["sid"], "stream": None, "done": False,
                 "status": {"received": 0, "cue": "", "pace": None, "level": None,
                            "cue_text": ""}}
        streams.pop(key, None)
        streams[key] = state  # the newest last
        for old in [k for k, s in streams.items() if s["done"]][:-MAX_TAKES]:
            del streams[old]  # finished long ago: its view was replaced ("Try again")
    state["t"] = msg.get("t")
    if state["done"]:
        return  # the take is out already: a resent last message
    from prosody.live_browser import LiveStream

    try:
        if state["stream"] is None:
            state["stream"] = LiveStream(int(msg.get("sr") or 0), baseline=baseline,
                                         profile=profile)
        stream = state["stream"]
        stream.add(int(msg.get("first", 0)), list(msg.get("chunks") or []),
                   live=not msg.get("stopped"))
        state["status"] = stream.status().to_dict()
        if msg.get("stopped") or stream.full:
            _finish(key, state, stream)
            if stream.full and not msg.get("stopped"):
                # the longest take analysed: what was said up to there is scored, not lost
                state["error"] = (f"the take reached {MAX_DURATION_S / 60:g} minutes, the "
                                  "longest recording analysed; it is scored up to there.")
    except ProsodyError as exc:  # the session ends; the person can start again
        state.update(error=str(exc), done=True, stream=None)
    except Exception:  # a bug must not show a traceback to someone practising
        _log.exception("live view failed")
        state.update(error="the live view stopped working (details are in the terminal "
                           "running the app); record or upload the take instead.",
                     done=True, stream=None)
