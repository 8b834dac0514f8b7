"""Signing in, for a store with accounts (the clinic mode): the gate in front of every page, the
signed-in line and the "Sign out" button.

A store without accounts keeps the local mode: no sign-in, and the server listens on this
computer only. Once the store has an account, every visitor signs in, on any host, loopback
included; the session ends after :data:`~prosody.store.IDLE_TIMEOUT_S` without a click, when
its password changes or its account is removed, and with "Sign out". What a signed-in account
may see is decided by the store (:class:`~prosody.store.AccountStore`), not here.
"""

from __future__ import annotations

import logging
import time

import streamlit as st

from prosody.errors import ProsodyError
from prosody.store import IDLE_TIMEOUT_S, SignInError
from ui import services, views

_log = logging.getLogger("calmtone.ui")

#: Page state of this module (initialised by :func:`gate`).
ACCOUNT, LAST_SEEN, SIGN_IN_NOTE = "account", "account_last_seen", "sign_in_note"


def gate(pages: list):
    """The signed-in account, or None in local mode; otherwise draw the sign-in form and stop.

    Call it before anything else draws: a page reached by a direct link (``/review``) runs
    only after it. ``pages`` are the app's pages: while signed out, the navigation is hidden
    but still chooses the page the link named, which opens once signed in.
    """
    try:
        clinic = services.has_accounts()
    except ProsodyError as exc:
        st.error(f"The practice history could not be opened: {views.plain(exc)}",
                 icon=":material/warning:")
        st.stop()
    if not clinic:
        st.session_state.pop(ACCOUNT, None)
        if services.serves_a_network():
            # the last account was removed while the app served the network: serve nothing
            st.error("This app has no accounts, so it serves no one over the network. An "
                     "administrator adds accounts with `calmtone users add`.",
                     icon=":material/lock:")
            st.stop()
        return None
    account = st.session_state.get(ACCOUNT)
    if account is not None:
        problem = _still_valid(account)
        if problem is None:
            st.session_state[LAST_SEEN] = time.monotonic()
            _clock().touch()
            return account
        sign_out(problem)
    st.navigation(pages, position="hidden")  # remembers the page asked for; shows no link
    _sign_in_form()
    st.stop()


def _still_valid(account) -> str | None:
    """Why a signed-in session must end now, or None."""
    idle_s = max(time.monotonic() - st.session_state.get(LAST_SEEN, 0.0), _clock().idle_s())
    if idle_s > IDLE_TIMEOUT_S:
        return (f"You were signed out after {IDLE_TIMEOUT_S // 60} minutes without activity. "
                "Sign in again to go on.")
    try:
        now = services.base_store().account(account.name)
    except ProsodyError:
        return "Your account was removed. Ask your administrator."
    if now.password_changed_utc != account.password_changed_utc or now.role != account.role:
        return "Your password or role changed. Sign in again."
    return None


def _clock() -> services.SessionClock:
    """This session's clock, which the downloads its pages offer read later (ExportScope)."""
    clock = st.session_state.get(services.CLOCK)
    if clock is None:
        clock = st.session_state[services.CLOCK] = services.SessionClock()
    return clock


def _sign_in_form() -> None:
    st.title("Calm Tone Coach")
    note = st.session_state.pop(SIGN_IN_NOTE, None)
    if note:
        st.info(note, icon=":material/lock:")
    st.markdown("This Calm Tone Coach belongs to a training programme: sign in to practise or "
                "to follow your trainees.")
    with st.form("sign_in"):
        name = st.text_input("Name", key="sign_in_name", max_chars=80)
        password = st.text_input("Password", type="password", key="sign_in_password",
                                 max_chars=1024)
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    try:
        account = services.base_store().sign_in(name, password)
    except SignInError as exc:
        st.error(str(exc), icon=":material/lock:")
        return
    except ProsodyError as exc:
        st.error(f"Signing in failed: {views.plain(exc)}", icon=":material/warning:")
        return
    _log.info("%s signed in (%s)", account.name, account.role)
    for key in ("attempts", "saved"):
        st.session_state[key] = {}
    st.session_state[ACCOUNT] = account
    st.session_state[LAST_SEEN] = time.monotonic()
    _clock().touch()
    st.session_state["person"] = account.name
    st.rerun()


def sign_out(note: str | None = None) -> None:
    """End the session: forget the account and everything this session computed."""
    st.session_state.pop(ACCOUNT, None)
    old = st.session_state.pop(services.CLOCK, None)
    if old is not None:
        old.last = float("-inf")  # what it offered may never run, even after a new sign-in
    for key in ("attempts", "saved"):
        st.session_state[key] = {}
    for key in ("review_take", "supervise_person", "sign_in_password"):
        st.session_state.pop(key, None)
    if note:
        st.session_state[SIGN_IN_NOTE] = note


def signed_in_box(account) -> None:
    """Who is signed in, and the "Sign out" button (in the sidebar)."""
    roles = {"trainee": "trainee", "supervisor": "supervisor", "admin": "administrator"}
    st.markdown(f"Signed in as **{views.plain(account.name)}** ({roles[account.role]})")
    if st.button("Sign out", key="sign_out"):
        sign_out("You signed out.")
        st.rerun()
