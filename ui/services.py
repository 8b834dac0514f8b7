"""Thin, cached bridges from the pages to ``prosody``. No signal processing happens here."""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from prosody.errors import ProsodyError, quiet_warnings
from prosody.store import IDLE_TIMEOUT_S, AccessDeniedError

_log = logging.getLogger("calmtone.ui")
UNEXPECTED = ("something went wrong on our side while analysing this take (details are in the "
              "terminal running the app). Please record it again; if it keeps happening, "
              "upload the file with `calmtone analyze FILE` to see more.")
# what counts as practising the voice on Progress: practice takes and exercise attempts (every
# exercise asks for a calm take); baselines and model takes are references, not practice
PRACTISED = ("practice", "exercise")
UPLOAD_TYPES = ["wav", "flac", "ogg", "oga", "opus", "mp3"]

#: A neutral passage for the everyday-voice baseline (written for this project): plain
#: statements with no emotional pull, long enough (about 20 s) for a stable pitch range and rate.
BASELINE_TEXT = (
    "The bus to the station leaves every twenty minutes. On weekdays it is usually on time, "
    "and the ride takes about a quarter of an hour. I often read on the way, or look out of the "
    "window at the gardens and the small bridge over the river. In the evening the same bus "
    "brings me home again."
)


def recorded(*sources) -> bytes | None:
    """The take a page was given, as file bytes: the first of ``sources`` that holds one.

    The one way every page reads a take, however it was recorded: the browser's recorder or
    an upload (Streamlit's ``UploadedFile``), this computer's microphone or the live view (WAV
    bytes). None when there is none yet.
    """
    for source in sources:
        if source is None:
            continue
        # an empty file is a take too: it gets its message ("empty, 0 bytes"), not silence
        return source if isinstance(source, bytes) else source.getvalue()
    return None


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
    with quiet_warnings():
        analyze(0.1 * np.sin(2 * np.pi * 150.0 * t), sr=16000)
    return True


@st.cache_data(show_spinner=False)
def phrases():
    """The phrase library (``samples/phrases.toml``), read and checked by
    :func:`prosody.content.load_phrases`."""
    from prosody.content import load_phrases

    return load_phrases()


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
    from prosody.analysis import AnalysisSettings, analyze_signal
    from prosody.audio import load

    settings = AnalysisSettings(fmin_hz=fmin_hz, fmax_hz=fmax_hz)
    try:
        signal = load(data)
        with quiet_warnings():  # carried in analysis.warnings
            return analyze_signal(signal, text=text, settings=settings), None
    except ProsodyError as exc:
        return None, str(exc)
    except Exception:  # a bug must not show a traceback to someone practising
        _log.exception("analysis failed")
        return None, UNEXPECTED


@st.cache_data(show_spinner=False, max_entries=8)
def measure_baseline_bytes(data: bytes, text: str | None):
    """The baseline measured as ``calmtone coach --baseline`` measures it; (analysis, error)."""
    from prosody.coach import load_baseline

    try:
        return load_baseline(data, text=text), None
    except ProsodyError as exc:
        return None, str(exc)
    except Exception:  # a bug must not show a traceback to someone practising
        _log.exception("baseline analysis failed")
        return None, UNEXPECTED


def keep_baseline(data: bytes, words: str, person: str):
    """Measure a recording of the everyday voice, keep it and make it ``person``'s baseline.

    Returns (analysis, None) or (None, what is wrong and what to record instead). The same
    recording kept twice (a rerun) is kept once.
    """
    analysis, error = measure_baseline_bytes(data, words)
    if error:
        return None, error
    take_id, problem = save_take_once(data, analysis, None, person=person, phrase=words,
                                      scenario=None, profile_name=None, kind="baseline")
    if problem:
        return None, f"your baseline could not be saved: {problem}"
    try:
        current = store().baseline(person)
        if current is None or current.id != take_id:  # a rerun sets nothing again
            store().set_baseline(person, take_id)
    except ProsodyError as exc:
        return None, f"your baseline could not be saved: {exc}"
    return analysis, None


def analyze_take(data: bytes, text: str | None, baseline):
    """Analyse a take as ``calmtone coach --baseline`` does: in the speaker's own pitch range
    (:func:`prosody.coach.baseline_settings`) when there is a baseline; (analysis, error)."""
    from prosody.coach import baseline_settings

    fmin = fmax = None
    if baseline is not None:
        try:
            narrowed = baseline_settings(baseline)
        except ProsodyError as exc:
            return None, str(exc)
        fmin, fmax = narrowed.fmin_hz, narrowed.fmax_hz
    return analyze_bytes(data, text, fmin, fmax)


def coach_take(analysis, baseline, *, scenario: str | None, profile_name: str):
    """The coach's feedback on an analysed take; (Feedback, None) or (None, why not)."""
    from prosody.coach import coach

    try:
        return coach(analysis, profile=profile(profile_name), baseline=baseline,
                     scenario=scenario), None
    except ProsodyError as exc:
        return None, str(exc)
    except Exception:  # a bug must not cost the person their take or show a traceback
        _log.exception("coaching failed")
        return None, UNEXPECTED


def practise(data: bytes, *, text: str | None, profile_name: str, scenario: str | None,
             baseline) -> Outcome:
    """Analyse a practice take (with the speaker's own pitch range when a baseline exists) and
    coach it against the profile and the baseline."""
    analysis, error = analyze_take(data, text, baseline)
    if error:
        return Outcome(None, None, error, digest(data))
    feedback, error = coach_take(analysis, baseline, scenario=scenario,
                                 profile_name=profile_name)
    if error:
        return Outcome(analysis, None, error, digest(data))
    return Outcome(analysis, feedback.to_dict(), None, digest(data))


def reading(feedback: dict | None, *, tracks=None, ends=()):
    """What a person reads about a take (:func:`prosody.explain.read_feedback`), judged by the
    profile named in its feedback (or the one in use). None when the take was not coached."""
    from prosody.explain import read_feedback
    from prosody.feedback import TakeFeedback

    coached = TakeFeedback.from_dict(feedback).coach
    if not coached or "score" not in coached:
        return None
    name = coached.get("profile")
    name = name if name in profile_names() else st.session_state.get("profile", "soothing")
    return read_feedback(coached, profile(name), tracks=tracks, ends=ends)


# --- the practice history -------------------------------------------------------------------


def where() -> str:
    """Where the history is: ``CALMTONE_DB`` (a database URL) or the data folder."""
    from prosody.store import location

    return location()


def data_dir() -> str:
    """Where the history is, fit to show (a database URL without its password)."""
    from prosody.store import redacted

    return redacted(where())


@st.cache_resource(show_spinner=False)
def _store(home: str):
    from prosody.store import Store

    return Store.open(home)


def base_store():
    """The whole history (one connection per process, shared by every session): for signing
    in; pages use :func:`store`."""
    return _store(where())


def has_accounts() -> bool:
    """True when the history has accounts: everyone signs in (the clinic mode)."""
    return base_store().has_accounts()


def account():
    """The account signed in in this session, or None (local mode)."""
    return st.session_state.get("account")


def change_person_hint() -> str:
    """How to practise as someone else, for a page's introduction: the person button at the
    top on a computer without accounts; nothing in a clinic, where the account is who."""
    return " (change it with the button at the top)" if account() is None else ""


def where_it_stays() -> str:
    """Where recordings are kept, in one sentence for the pages' introductions: on this
    computer in local mode; in the programme's own history, seen by roles, in clinic mode."""
    if account() is None:
        return "Everything stays on this computer."
    return ("Recordings stay in your training programme's own history: only the person who "
            "made them, their supervisors and its administrators see them.")


def store():
    """The practice history as this session may see it: all of it in local mode, what the
    signed-in account may see in the clinic mode (:class:`prosody.store.AccountStore`)."""
    return _scoped(base_store(), account())


def _scoped(kept, signed_in):
    if signed_in is None:
        return kept
    from prosody.store import AccountStore

    return AccountStore(kept, signed_in)


class SessionClock:
    """When a signed-in session last did something (``time.monotonic()``), shared by
    reference with what its page offered: a download runs later, on another thread, and must
    see the session's idle time as it is then, not as it was when the page was drawn."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def touch(self) -> None:
        self.last = time.monotonic()

    def idle_s(self) -> float:
        return time.monotonic() - self.last


#: Where a signed-in session keeps its :class:`SessionClock`.
CLOCK = "account_clock"


@dataclass(frozen=True)
class ExportScope:
    """What a download button's export may read: the history, who asked and their session's
    clock (a download runs on another thread, without the session's state)."""

    home: str
    account: object | None
    clock: SessionClock | None = None

    def __str__(self) -> str:
        return self.home


def export_scope() -> ExportScope:
    """The history, the signed-in account and its session clock, for :func:`export_bytes`."""
    return ExportScope(where(), account(), st.session_state.get(CLOCK))


@st.cache_data(show_spinner=False, max_entries=64)
def _reanalysis(home: str, take_id: int, created_utc: str):
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
        return take, _reanalysis(where(), take.id, take.created_utc)
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
        return not store().has_recording(take.id)
    except (ProsodyError, OSError):  # RecordingMissingError is a ProsodyError
        return True


def recording_bytes(take_id: int) -> bytes | None:
    """The stored recording of a take (its FLAC file), or None when it is missing.

    Pages play these bytes rather than give ``st.audio`` the path: a path that vanishes makes
    Streamlit raise ``MediaFileStorageError`` in the middle of the page.
    """
    try:
        return store().recording(take_id)
    except (ProsodyError, OSError):
        return None


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


#: How often each app server checks that the takes it serves recordings of still exist (s).
SWEEP_S = 3.0


def _sweep_deleted() -> int:
    """Stop serving the recordings of takes deleted elsewhere since they were played: by
    another app server on the same database, or by ``calmtone history delete``. Returns how
    many takes were forgotten."""
    served = _served()
    if not served:
        return 0
    ids = list(served)
    still = _store(where()).existing_takes(ids)  # one query for all of them
    gone = [take_id for take_id in ids if take_id not in still]
    if gone:
        forget_takes(gone)
    return len(gone)


_sweeping: list[threading.Thread] = []


def start_sweeping() -> threading.Thread | None:
    """Once per ``calmtone ui`` server (None elsewhere, as in tests that run pages without
    one): a thread that runs :func:`_sweep_deleted` every ``SWEEP_S``, so a take deleted
    anywhere stops being served here within seconds (a delete made here stops at once)."""
    from ui import server

    if _sweeping or not server.SERVING:
        return _sweeping[0] if _sweeping else None

    def sweep_forever() -> None:
        while True:
            time.sleep(SWEEP_S)
            try:
                _sweep_deleted()
            except Exception:  # a database away for a moment: try again next time
                _log.warning("could not check for takes deleted elsewhere", exc_info=True)

    thread = threading.Thread(target=sweep_forever, name="calmtone-deleted-takes", daemon=True)
    thread.start()
    _sweeping.append(thread)
    return thread


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
    calmer_take.clear()
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
    """Delete a take (recording and results) and stop serving its recording. A delete the
    store refuses (AccessDeniedError) changes nothing: the recording is still served."""
    with _forgotten_unless_refused([take_id]):
        store().delete_take(take_id)


def delete_person(person: str) -> int:
    """Delete everything kept for a person; returns how many takes were deleted."""
    ids = [t.id for t in store().takes(person=person, kind=None, limit=None)]
    with _forgotten_unless_refused(ids):
        return store().delete_person(person)


@contextlib.contextmanager
def _forgotten_unless_refused(take_ids: list[int]):
    """Stop serving ``take_ids`` after a delete, and after one that failed half-way (a file
    left behind is not served either), but not after a refusal, which deleted nothing."""
    from prosody.store import AccessDeniedError

    try:
        yield
    except AccessDeniedError:
        raise
    except BaseException:
        forget_takes(take_ids)
        raise
    forget_takes(take_ids)


def may_delete(person: str) -> bool:
    """True when the person using the app may delete ``person``'s takes, as the store that
    would do it decides (anyone in the local mode; an administrator or the person themselves
    in the clinic mode). An account no longer valid may delete nothing."""
    try:
        return store().may_delete(person)
    except ProsodyError:
        return False


def save_take(data: bytes, analysis, feedback, *, person: str, phrase: str,
              scenario: str | None, profile_name: str | None, kind: str = "practice",
              exercise_id: str | None = None, assignment_id: str | None = None):
    """Keep a take in the history; returns (take, None) or (None, what went wrong).

    ``feedback`` is the coach's feedback dict or a :class:`prosody.feedback.TakeFeedback`. A
    take the coach could not judge (silent, too quiet, whispered, clipped) is not kept
    (:func:`prosody.feedback.not_kept` says why).
    """
    from prosody.audio import load
    from prosody.feedback import not_kept

    refused = not_kept(analysis, feedback)
    if refused:
        return None, refused
    prof = profile(profile_name) if profile_name else None
    try:
        signal = load(data)
        take = store().save_take(
            person=person, audio=signal.y, sr=signal.sr, analysis=analysis, feedback=feedback,
            phrase=phrase, scenario=scenario, profile_name=prof.name if prof else None,
            profile_version=prof.version if prof else None, kind=kind,
            exercise_id=exercise_id, assignment_id=assignment_id,
        )
    except ProsodyError as exc:
        return None, str(exc)
    return take, None


def save_take_once(data: bytes, analysis, feedback, *, person: str, phrase: str,
                   scenario: str | None, profile_name: str | None, kind: str = "practice",
                   exercise_id: str | None = None, assignment_id: str | None = None):
    """:func:`save_take`, once per recording *and* what it is kept as: Streamlit runs a page
    again on every click, and the same take must not be kept twice. The same recording for
    another person, phrase, scenario or exercise is another take, and one whose saved take
    was deleted since is kept again. Returns (take id, None) or (None, what went wrong)."""
    key = "\x1f".join((kind, person, phrase, scenario or "", exercise_id or "",
                       assignment_id or "", digest(data)))
    saved = st.session_state.setdefault("saved", {})
    if key in saved:
        try:
            store().get(saved[key])
            return saved[key], None
        except ProsodyError:  # deleted since (or the store changed): keep it again
            del saved[key]
    take, problem = save_take(data, analysis, feedback, person=person, phrase=phrase,
                              scenario=scenario, profile_name=profile_name, kind=kind,
                              exercise_id=exercise_id, assignment_id=assignment_id)
    if problem:
        return None, problem
    saved[key] = take.id
    return take.id, None


def target_zone(feature: str, profile_name: str, person: str):
    """The calm zone to shade behind a progress chart (:func:`prosody.progress.calm_zone`):
    the person's own when they have a baseline, else the general one; None without either."""
    from prosody.progress import calm_zone

    take, _ = baseline(person)
    return calm_zone(feature, profile(profile_name),
                     baseline=take.summary if take is not None else None)


def progress_summary(person: str, *, phrase: str | None = None, days: int = 14,
                     who: str | None = None) -> list[str]:
    """The last ``days`` days against the ``days`` before them, in sentences
    (:func:`prosody.progress.progress_summary`): to the person (``who`` None), or about them
    by the name ``who`` to a supervisor looking at someone else's takes (see :func:`speaks_to`;
    the caller escapes it for where it shows)."""
    import datetime as dt

    from prosody.progress import progress_summary as in_words

    start = dt.date.today() - dt.timedelta(days=days - 1)
    recent = store().takes(person=person, phrase=phrase, kind=PRACTISED, since=start)
    # a date bound is a whole day: the period before ends with the day before ``start``
    before = store().takes(person=person, phrase=phrase, kind=PRACTISED,
                           since=start - dt.timedelta(days=days),
                           until=start - dt.timedelta(days=1))
    return in_words(recent, before, days=days, who=who)


def speaks_to(person: str) -> bool:
    """Whether a page about ``person`` speaks to them: always on a computer without accounts
    (whoever practises is at the screen); in a clinic, only to the signed-in account."""
    signed_in = account()
    return signed_in is None or signed_in.name.casefold() == person.casefold()


def export_bytes(person: str, fmt: str, home: ExportScope | str | None = None) -> bytes:
    """A person's takes as CSV, JSON or the printable HTML report, ready to download.

    ``home`` is :func:`export_scope` (the history and who asks: the store decides what they
    may export); download buttons call this on another thread, where it must be passed in
    rather than read from the page's state.
    """
    import tempfile

    if isinstance(home, ExportScope):
        if home.account is not None and (home.clock is None
                                         or home.clock.idle_s() > IDLE_TIMEOUT_S):
            # offered before the session went idle: the session has ended since
            raise AccessDeniedError(
                f"the session ended after {IDLE_TIMEOUT_S // 60} minutes without activity; "
                "sign in again to export.")
        kept = _scoped(_store(home.home), home.account)
    else:
        kept = _store(home or where())
    if fmt == "html":
        with tempfile.TemporaryDirectory() as tmp:
            path = kept.report_html(person, Path(tmp) / "report.html")
            return Path(path).read_bytes()
    buf = io.StringIO()
    (kept.export_csv if fmt == "csv" else kept.export_json)(buf, person=person)
    return buf.getvalue().encode("utf-8")


#: The page address parameter that names who is practising, so a reload keeps them.
PERSON_PARAM = "person"
#: Who practises when nobody has been named on this computer yet.
DEFAULT_PERSON = "Me"


def remembered_person() -> str:
    """Who is practising when a browser tab opens the app: the person named in the page's
    address (a reload keeps it) if they are already in the history, else whoever saved a take
    last on this computer, else "Me".

    A link cannot make anyone new: any web page can send a browser to this address, and a name
    it made up (or one that only looks like yours) would have your next takes filed under it."""
    named = st.query_params.get(PERSON_PARAM)
    if named:
        if " ".join(named.split()) == DEFAULT_PERSON:
            return DEFAULT_PERSON
        try:
            return store().person(named).name  # as the history spells it
        except ProsodyError:
            pass  # nobody by that name here (or no usable name): not from a link
    try:
        # who saved a take last: not who was added last (an assignment adds a person too)
        people = [p for p in store().people() if p.last_take_utc]
    except ProsodyError:
        return DEFAULT_PERSON
    if not people:
        return DEFAULT_PERSON
    return max(people, key=lambda p: p.last_take_utc).name


def choose_person(name: str) -> str | None:
    """Make ``name`` the person practising in this session, remembered on this computer (the
    history knows them from now on) and in the page's address. Returns a sentence to show
    once about the name (it mixes alphabets or looks like someone already here), or None.

    Raises
    ------
    ProsodyError
        for a name that cannot be used (empty, too long, control characters)
    """
    import warnings

    from prosody.store import ConfusableNameWarning

    name = " ".join(name.split())
    note = store().name_warning(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfusableNameWarning)  # said once, as the note
        name = store().add_person(name).name
    st.session_state["person"] = name
    st.query_params[PERSON_PARAM] = name
    return note


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
    return is_loopback(address) and not serves_a_network()


def serves_a_network() -> bool:
    """True when ``calmtone ui`` was told to listen on an address other computers reach (a
    clinic's server), or to answer a name other than this computer's own (``--allowed-host``:
    a loopback server reached through a reverse proxy); False on loopback, or when no address
    was set (tests, bare runs)."""
    from ui.server import is_loopback

    try:
        address = st.get_option("server.address")
        names = st.get_option("server.allowedHosts") or []
    except RuntimeError:
        return False
    if bool(address) and not is_loopback(address):
        return True
    return bool(address) and any(name == "*" or not is_loopback(name) for name in names)


def administers_this_computer() -> bool:
    """True when the person using the app may delete anyone's data: in the clinic mode an
    administrator's account (the store enforces it too); without accounts, whoever uses the app
    on this computer (it listens on this computer only, and they could delete the folder
    itself)."""
    signed_in = account()
    if signed_in is not None:
        return getattr(signed_in, "role", None) == "admin"
    return runs_on_this_computer()


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
    import soundfile as sf

    from prosody.record import record, to_pcm16

    try:
        take = record(seconds, stop_on_silence=True)
    except ProsodyError as exc:
        return None, str(exc)
    buf = io.BytesIO()
    sf.write(buf, to_pcm16(take.y), take.sr, format="WAV", subtype="PCM_16")
    return buf.getvalue(), None


# --- hear yourself calmer -------------------------------------------------------------------


def _native_rate(data: bytes) -> int:
    import soundfile as sf

    try:
        return int(sf.info(io.BytesIO(data)).samplerate)
    except Exception:  # not a format soundfile reads (MP3 on old libsndfile): analysis rate
        return 16_000


@st.cache_data(show_spinner=False, max_entries=16)
def calmer_take(data: bytes, text: str | None, scenario: str | None, strength: float,
                person: str, baseline_key: str | None, profile_name: str):
    """Re-synthesise a take calmer; returns (wav bytes, report dict, error sentence).

    ``baseline_key`` names the person's baseline take, so a new baseline is a new cache entry.
    """
    import soundfile as sf

    from prosody.audio import load
    from prosody.calmer import calmer

    try:
        base = baseline(person)[1] if baseline_key else None
        signal = load(data, sr=min(_native_rate(data), 48_000))
        with quiet_warnings():
            out, sr, report = calmer(signal.y, sr=signal.sr, profile=profile(profile_name),
                                     baseline=base, strength=strength, text=text,
                                     scenario=scenario)
    except ProsodyError as exc:
        return None, None, str(exc)
    except Exception:  # a bug must not show a traceback to someone practising
        _log.exception("calmer re-synthesis failed")
        return None, None, UNEXPECTED
    buf = io.BytesIO()
    sf.write(buf, out, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue(), report.to_dict(), None
