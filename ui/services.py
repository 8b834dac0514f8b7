"""Thin, cached bridges from the pages to ``prosody``. No signal processing happens here."""

from __future__ import annotations

import hashlib
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from prosody.errors import ProsodyError, ProsodyWarning

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

_log = logging.getLogger("calmtone.ui")
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
UNEXPECTED = ("something went wrong on our side while analysing this take (details are in the "
              "terminal running the app). Please record it again; if it keeps happening, "
              "upload the file with `calmtone analyze FILE` to see more.")
UPLOAD_TYPES = ["wav", "flac", "ogg", "oga", "opus", "mp3"]

#: A neutral passage for the everyday-voice baseline (written for this project): plain
#: statements with no emotional pull, long enough (about 20 s) for a stable pitch range and rate.
BASELINE_TEXT = (
    "The bus to the station leaves every twenty minutes. On weekdays it is usually on time, "
    "and the ride takes about a quarter of an hour. I often read on the way, or look out of the "
    "window at the gardens and the small bridge over the river. In the evening the same bus "
    "brings me home again."
)


@dataclass(frozen=True)
class Outcome:
    """What a page needs from one take: the analysis, the feedback, or a message saying why not."""

    analysis: object | None
    feedback: dict | None
    error: str | None
    digest: str


@st.cache_resource(show_spinner=False)
def warm_up() -> bool:
    """Load everything the first analysis needs once per server, so it is not slowed by it."""
    import numpy as np

    from prosody import analyze
    from prosody.syllables import count_syllables

    count_syllables("warm up the pronouncing dictionary")
    t = np.arange(16000) / 16000.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        analyze(0.1 * np.sin(2 * np.pi * 150.0 * t), sr=16000)
    return True


@st.cache_data(show_spinner=False)
def phrases() -> list[dict]:
    """The phrase library (``samples/phrases.toml``)."""
    with open(SAMPLES / "phrases.toml", "rb") as f:
        return list(tomllib.load(f).get("phrase", []))


@st.cache_resource(show_spinner=False)
def profile(name: str, scenario: str | None = None):
    from prosody.profile import load_profile

    return load_profile(name).for_scenario(scenario)


@st.cache_data(show_spinner=False)
def profile_names() -> tuple[str, ...]:
    from prosody.profile import available_profiles

    return available_profiles()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


@st.cache_data(show_spinner=False, max_entries=32)
def analyze_bytes(data: bytes, text: str | None, fmin_hz: float | None, fmax_hz: float | None):
    """Analyse a recording given as file bytes; returns (analysis, error sentence)."""
    from prosody.analysis import AnalysisSettings, analyze
    from prosody.audio import load

    settings = AnalysisSettings(fmin_hz=fmin_hz, fmax_hz=fmax_hz)
    try:
        signal = load(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ProsodyWarning)  # carried in analysis.warnings
            return analyze(signal.y, sr=signal.sr, text=text, settings=settings), None
    except ProsodyError as exc:
        return None, str(exc)
    except Exception:  # a bug must not show a traceback to someone practising
        _log.exception("analysis failed")
        return None, UNEXPECTED


def practise(data: bytes, *, text: str | None, profile_name: str, scenario: str | None,
             baseline) -> Outcome:
    """Analyse a practice take (with the speaker's own pitch range when a baseline exists) and
    coach it against the profile and the baseline."""
    from prosody.coach import baseline_settings, coach

    fmin = fmax = None
    if baseline is not None:
        narrowed = baseline_settings(baseline)
        fmin, fmax = narrowed.fmin_hz, narrowed.fmax_hz
    analysis, error = analyze_bytes(data, text, fmin, fmax)
    if error:
        return Outcome(None, None, error, digest(data))
    try:
        feedback = coach(analysis, profile=profile(profile_name), baseline=baseline,
                         scenario=scenario)
    except ProsodyError as exc:
        return Outcome(analysis, None, str(exc), digest(data))
    except Exception:  # a bug must not cost the person their take or show a traceback
        _log.exception("coaching failed")
        return Outcome(analysis, None, UNEXPECTED, digest(data))
    return Outcome(analysis, feedback.to_dict(), None, digest(data))
