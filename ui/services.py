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


@st.cache_data(show_spinner=False, max_entries=8)
def measure_baseline_bytes(data: bytes, text: str | None):
    """The baseline measured as ``calmtone coach --baseline`` measures it; (analysis, error)."""
    from prosody.audio import load
    from prosody.coach import measure_baseline

    try:
        signal = load(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ProsodyWarning)
            return measure_baseline(signal.y, sr=signal.sr, text=text), None
    except ProsodyError as exc:
        return None, str(exc)
    except Exception:  # a bug must not show a traceback to someone practising
        _log.exception("baseline analysis failed")
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


# --- the practice history -------------------------------------------------------------------


def data_dir() -> str:
    from prosody.history import data_dir as _data_dir

    return str(_data_dir())


@st.cache_resource(show_spinner=False)
def _store(home: str):
    from prosody.history import Store

    return Store.open(home)


def store():
    """The practice history in this computer's data folder (one connection per folder)."""
    return _store(data_dir())


@st.cache_data(show_spinner=False, max_entries=64)
def _reanalysis(home: str, take_id: int, created_utc: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        return _store(home).reanalyze(take_id)


def baseline(person: str):
    """The saved baseline take of ``person`` and its analysis, or (None, None)."""
    try:
        take = store().baseline(person)
    except ProsodyError:
        return None, None
    if take is None:
        return None, None
    return take, _reanalysis(data_dir(), take.id, take.created_utc)


def save_take(data: bytes, analysis, feedback: dict | None, *, person: str, phrase: str,
              scenario: str | None, profile_name: str | None, kind: str = "practice"):
    """Keep a take in the history; returns (take, None) or (None, what went wrong)."""
    from prosody.audio import load

    prof = profile(profile_name) if profile_name else None
    try:
        signal = load(data)
        take = store().save_take(
            person=person, audio=signal.y, sr=signal.sr, analysis=analysis, feedback=feedback,
            phrase=phrase, scenario=scenario, profile_name=prof.name if prof else None,
            profile_version=prof.version if prof else None, kind=kind,
        )
    except ProsodyError as exc:
        return None, str(exc)
    return take, None


def target_zone(feature: str, profile_name: str) -> tuple[float, float] | None:
    """The general calm zone of a charted feature (score: 80 and up), or None when the profile
    sets no absolute target for it (loudness in dBFS depends on the microphone)."""
    if feature == "score":
        return (80.0, 100.0)
    for spec in profile(profile_name).features:
        if spec.measure == feature and spec.absolute is not None:
            lo, hi = spec.absolute.low, spec.absolute.high
            if lo is None and hi is None:
                return None
            return (lo if lo is not None else 0.0, hi if hi is not None else lo * 2 or 1.0)
    return None


def _mean(takes, key: str) -> float | None:
    values = [t.score if key == "score" else t.summary.get(key) for t in takes]
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def progress_summary(person: str, *, phrase: str | None = None, days: int = 14) -> list[str]:
    """Plain sentences comparing the last ``days`` days with the ``days`` before them."""
    import datetime as dt

    today = dt.date.today()
    start = today - dt.timedelta(days=days - 1)
    recent = store().takes(person=person, phrase=phrase, kind="practice", since=start)
    before = store().takes(person=person, phrase=phrase, kind="practice",
                           since=start - dt.timedelta(days=days), until=start)
    if not recent:
        return [f"No practice in the last {days} days yet: a few minutes a day is enough."]
    span = "two weeks" if days == 14 else f"{days} days"
    out = [f"Over the last {span} you saved {len(recent)} take(s)."]
    if not before:
        score = _mean(recent, "score")
        if score is not None:
            out.append(f"Your calm score averaged {score:.0f}. Keep practising to see a trend.")
        return out
    score_now, score_then = _mean(recent, "score"), _mean(before, "score")
    if score_now is not None and score_then is not None:
        direction = "up" if score_now > score_then + 2 else (
            "down" if score_now < score_then - 2 else "about the same as")
        joiner = "from" if direction != "about the same as" else ""
        out.append(f"Your calm score averaged {score_now:.0f}, {direction} {joiner} "
                   f"{score_then:.0f} the {span} before.".replace("  ", " "))
    falls_now, falls_then = (_mean(recent, "final_fall_fraction"),
                             _mean(before, "final_fall_fraction"))
    if falls_now is not None and falls_then:
        ratio = falls_now / falls_then
        if ratio >= 1.8:
            out.append(f"Your phrase ends fall about {ratio:.0f} times as often as before "
                       f"({100 * falls_now:.0f} % against {100 * falls_then:.0f} %).")
        elif abs(ratio - 1) >= 0.15:
            more = "more" if ratio > 1 else "less"
            out.append(f"Your phrase ends fall {more} often: {100 * falls_now:.0f} % against "
                       f"{100 * falls_then:.0f} %.")
    pace_now, pace_then = (_mean(recent, "speech_rate_syl_per_s"),
                           _mean(before, "speech_rate_syl_per_s"))
    if pace_now and pace_then and abs(pace_now / pace_then - 1) >= 0.05:
        change = 100 * (pace_now / pace_then - 1)
        out.append(f"You speak about {abs(change):.0f} % {'faster' if change > 0 else 'slower'} "
                   "than before.")
    return out


def export_bytes(person: str, fmt: str, home: str | None = None) -> bytes:
    """A person's takes as CSV, JSON or the printable HTML report, ready to download.

    ``home`` is the data folder; download buttons call this on another thread, where the
    folder must be passed in rather than read from the page's environment.
    """
    import io
    import tempfile

    kept = _store(home or data_dir())
    if fmt == "html":
        with tempfile.TemporaryDirectory() as tmp:
            path = kept.report_html(person, Path(tmp) / "report.html")
            return Path(path).read_bytes()
    buf = io.StringIO()
    (kept.export_csv if fmt == "csv" else kept.export_json)(buf, person=person)
    return buf.getvalue().encode("utf-8")


def runs_on_this_computer() -> bool:
    """True when the browser reached the app on this computer's own address, where the
    computer's microphone is the speaker's (a remote browser's would be someone else's)."""
    try:
        host = (st.context.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
    except Exception:  # no request context (tests, bare mode): treat as this computer
        return True
    return host in ("", "127.0.0.1", "localhost", "::1")


def record_here(seconds: float) -> tuple[bytes | None, str | None]:
    """Record from this computer's microphone through PortAudio; (WAV bytes, None) or
    (None, what went wrong and what to do)."""
    import io

    import soundfile as sf

    from prosody.record import record, to_pcm16

    try:
        take = record(seconds, stop_on_silence=True)
    except ProsodyError as exc:
        return None, str(exc)
    buf = io.BytesIO()
    sf.write(buf, to_pcm16(take.y), take.sr, format="WAV", subtype="PCM_16")
    return buf.getvalue(), None
