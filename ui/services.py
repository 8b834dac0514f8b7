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
    from prosody.store import data_dir as _data_dir

    return str(_data_dir())


@st.cache_resource(show_spinner=False)
def _store(home: str):
    from prosody.store import Store

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
    """The saved baseline take of ``person`` and its analysis, or (None, None).

    A baseline whose recording is missing gives (take, None): the page says so and the coach
    falls back on general targets.
    """
    try:
        take = store().baseline(person)
    except ProsodyError:
        return None, None
    if take is None:
        return None, None
    if recording_missing(take):
        return take, None
    try:
        return take, _reanalysis(data_dir(), take.id, take.created_utc)
    except (ProsodyError, OSError):
        _log.warning("the baseline of %r could not be analysed again", person, exc_info=True)
        return take, None


def recording_missing(take) -> bool:
    """True when the recording of a stored take is gone from the history folder.

    Reads the store's own mark (``Take.audio_missing``) where it has one, and checks the file
    as well, so a FLAC removed while the app runs is noticed at once.
    """
    if getattr(take, "audio_missing", False):
        return True
    try:
        return not store().audio_path(take.id).exists()
    except (ProsodyError, OSError):  # RecordingMissingError is a ProsodyError
        return True


def recording_bytes(take_id: int) -> bytes | None:
    """The stored recording of a take (its FLAC file), or None when it is missing.

    Pages play these bytes rather than give ``st.audio`` the path: a path that vanishes makes
    Streamlit raise ``MediaFileStorageError`` in the middle of the page.
    """
    try:
        path = store().audio_path(take_id)
        return path.read_bytes()
    except (ProsodyError, OSError):
        return None


#: Tells a person what to do about a missing recording (the rest of the take is still shown).
MISSING_WHAT_TO_DO = ("Its scores and contour are still kept. To hear it again, put the FLAC "
                      "file back from a backup of your history folder ({home}/audio); or "
                      "delete this take if you no longer need it.")


@st.cache_resource(show_spinner=False)
def _served() -> dict[int, set[str]]:
    """Server-wide: for each take id, the digests of the recordings pages played of it."""
    return {}


def play(data: bytes, *, take_id: int | None = None, where=None, **kwargs) -> None:
    """Play a recording with ``st.audio`` (in ``where``, a column or container, if given),
    remembering which take it belongs to so a delete can stop serving it."""
    if take_id is not None:
        _served().setdefault(int(take_id), set()).add(hashlib.sha256(data).hexdigest())
    (where or st).audio(data, **kwargs)


def forget_takes(take_ids) -> int:
    """After a delete: stop serving these takes' recordings and drop cached results.

    Streamlit keeps every played recording in its media store and answers its ``/media/...``
    URL for as long as any session (another tab, a closed tab within its 2-minute grace
    period) still references it. 1.67's ``MediaFileManager`` has no public call to drop one
    file, so the references to the deleted recordings are removed from it here, under its
    lock, and its own ``remove_orphaned_files`` then deletes them. Returns how many media
    files were dropped.
    """
    digests: set[str] = set()
    served = _served()
    for take_id in take_ids:
        digests |= served.pop(int(take_id), set())
    # cached analyses hold the deleted takes' contours; cached re-syntheses their voice
    _reanalysis.clear()
    analyze_bytes.clear()
    from ui import content_views

    content_views.calmer_take.clear()
    if not digests:
        return 0
    from streamlit import runtime

    if not runtime.exists():
        return 0
    mgr = runtime.get_instance().media_file_mgr
    dropped: set[str] = set()
    try:
        with mgr._lock:
            for file_id in list(mgr._file_metadata):
                found = mgr.read_file(file_id)
                if found is not None and hashlib.sha256(found.content).hexdigest() in digests:
                    dropped.add(file_id)
            for refs in mgr._files_by_session_and_coord.values():
                for coordinates in [c for c, f in refs.items() if f in dropped]:
                    del refs[coordinates]
    except AttributeError:  # a Streamlit that keeps them otherwise: say so, do not fail
        _log.warning("could not drop deleted recordings from Streamlit's media store")
        return 0
    mgr.remove_orphaned_files()
    return len(dropped)


def delete_take(take_id: int) -> None:
    """Delete a take (recording and results) and stop serving its recording."""
    try:
        store().delete_take(take_id)
    finally:
        forget_takes([take_id])


def delete_person(person: str) -> int:
    """Delete everything kept for a person; returns how many takes were deleted."""
    ids = [t.id for t in store().takes(person=person, kind=None, limit=None)]
    try:
        return store().delete_person(person)
    finally:
        forget_takes(ids)


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


def name_note(name: str) -> str | None:
    """What to tell someone about the name they typed before it becomes a new person: it mixes
    alphabets or looks like someone already here (the store's confusable check), or it cannot be
    used at all. None for an ordinary or already known name."""
    try:
        return store().name_warning(name)
    except ProsodyError as exc:
        return str(exc)


def runs_on_this_computer() -> bool:
    """True when the server listens on this computer's own (loopback) address only, so the
    browser using it is on this computer and the computer's microphone is the speaker's.

    Decided by the server's own bind address (``server.address``, which ``calmtone ui`` sets),
    never by a request header: a remote client can send ``Host: localhost``. An unset address
    means Streamlit listens on every interface: not this computer only.
    """
    from ui.server import is_loopback

    try:
        address = st.get_option("server.address")
    except RuntimeError:
        return False
    return is_loopback(address)


def release_upload(source) -> None:
    """Drop an analysed upload or recording from Streamlit's upload store at once, rather than
    when the session ends (the page keeps only the results and the saved FLAC)."""
    if source is None:
        return
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return
    try:
        runtime.get_instance().uploaded_file_mgr.remove_file(ctx.session_id, source.file_id)
    except Exception:  # a store that cannot drop it now drops it with the session
        _log.debug("the upload could not be released early", exc_info=True)


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
