"""The two ways the library tells a person something went wrong, and the one way to quiet the
second where the result carries it already."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator


class ProsodyError(ValueError):
    """Input that cannot be analysed. The message says what is wrong and what to do."""


class ProsodyWarning(UserWarning):
    """The analysis ran, but a value is undefined or less trustworthy (it is then ``None``)."""


@contextlib.contextmanager
def quiet_warnings() -> Iterator[None]:
    """Leave :class:`ProsodyWarning` unsaid inside the block.

    For callers that pass the warnings on another way: an :class:`~prosody.analysis.Analysis`
    keeps its own as ``warnings`` (the command line prints them as notes, the app shows them),
    and a value a warning is about is ``None`` in the result anyway. Other warnings still show.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        yield
