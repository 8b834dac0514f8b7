"""What a person sees when something fails on a page: a short message and what to do, never a
traceback. The details go to the terminal running the app."""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

from prosody.errors import ProsodyError
from ui import views

_log = logging.getLogger("calmtone.ui")

#: Shown for an error nobody foresaw (a bug); the details are in the server's log.
PAGE_UNEXPECTED = ("Something went wrong on our side while showing this page (the details are "
                   "in the terminal running the app). Your saved takes are safe. What to do: "
                   "reload the page or open another one; if it keeps happening, note what you "
                   "did and restart the app with `calmtone ui`.")


def show_unexpected(target=st) -> None:
    """Say that something unforeseen failed, and what to do."""
    target.error(PAGE_UNEXPECTED, icon=":material/error:")


def show_problem(exc: ProsodyError) -> None:
    """A foreseen problem (``ProsodyError``): its message says what is wrong and what to do."""
    st.error(f"This page could not be shown: {views.plain(exc)}", icon=":material/error:")


def page_boundary(run: Callable[[], object]) -> None:
    """Run a page; explain any error it raises instead of showing a traceback.

    ``st.stop()`` and ``st.rerun()`` pass through: they are not errors (they derive from
    ``BaseException``).
    """
    try:
        run()
    except ProsodyError as exc:
        _log.warning("a page stopped on a foreseen problem: %s", exc)
        show_problem(exc)
    except Exception:
        _log.exception("unexpected error on a page")
        show_unexpected()
