"""Calm Tone Coach analysis library: prosody of a practice phrase, measured and explained.

``import prosody`` is cheap: the numerical back ends load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import ProsodyError, ProsodyWarning
from .util import FRAME_S, SR, check_audio

__all__ = [
    "FRAME_S",
    "SR",
    "Analysis",
    "ProsodyError",
    "ProsodyWarning",
    "Signal",
    "Summary",
    "analyze",
    "analyze_file",
    "check_audio",
    "load",
]
__version__ = "0.1.0"

_LAZY = {
    "load": "audio",
    "Signal": "audio",
    "analyze": "analysis",
    "analyze_file": "analysis",
    "Analysis": "analysis",
    "Summary": "analysis",
}

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import Analysis, Summary, analyze, analyze_file
    from .audio import Signal, load


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'prosody' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{module}", __name__), name)
