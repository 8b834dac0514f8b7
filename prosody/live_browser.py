"""The live view in the browser, server side: what the browser's tracker is told, and the audio
it streams back.

The browser measures pitch and level itself, every 10 ms, in an AudioWorklet (``ui/live_view``):
a reading reaches the screen tens of milliseconds after the sound, with no round trip through
the server. What it needs to measure as the library does comes from here, in one dictionary
(:func:`browser_setup`): the pitch search range (the baseline's, else the live view's default),
the calm band in Hz (the profile's pitch target, relative to the baseline when there is one),
the tracker's constants (:class:`prosody.pitch.PitchSettings`) and the speech gate's
(:class:`prosody.record.SpeechGate`).

While it listens the browser also sends its audio, every half second, as 16-bit PCM. A
:class:`LiveStream` takes those chunks in order (each has a number; one sent twice is ignored, so
the browser may resend whatever the server has not acknowledged), feeds them to
:class:`prosody.live.LiveView` (the terminal live view's pace, relative readings and its one
sparse cue, from the coach's profile and rules), and at Stop gives the whole take as WAV bytes:
the take then goes through the same analysis, coach and history as a recorded or uploaded one.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import inspect
import io
import math

import numpy as np

from .errors import ProsodyError
from .util import FRAME_S, MAX_DURATION_S, rounded

#: The browser sends its audio this often, in seconds.
CHUNK_S = 0.5
#: Audio is pushed into the live view in blocks of this length, in seconds (its tail analysis
#: keeps the newest 0.3 s of each 0.5 s tail, so blocks must be shorter than that).
PUSH_S = 0.1
#: A new cue is shown at most this often, in seconds of audio: on top of the live view's own
#: rule (a cue must settle for 0.8 s and then stays 1.5 s), so that a person who is looking at
#: their trace gets one short hint every few seconds at most.
CUE_EVERY_S = 3.0
#: Seconds of pitch trace the browser draws.
TRACE_S = 5.0
#: What the browser asks of the microphone: the raw signal, as ``calmtone analyze`` hears a file.
#: Echo cancellation, noise suppression and automatic gain would change the level and the pitch
#: the person sees from what they said.
CONSTRAINTS = {"echoCancellation": False, "noiseSuppression": False, "autoGainControl": False,
               "channelCount": 1}
#: The analysis rate the browser works at when it can (the library's own, ``prosody.SR``).
BROWSER_SR = 16_000

#: The sparse cue, said gently: the profile's one-word direction (``LiveUpdate.cue``) as a short
#: phrase. A word the profile adds later is shown as it is.
CUE_PHRASES = {
    "lower": "let it settle lower",
    "higher": "let it lift a little",
    "slower": "a little slower",
    "faster": "a little more flow",
    "softer": "softer",
    "louder": "a little more voice",
    "good": "that's it: calm and easy",
}


def cue_phrase(cue: str) -> str:
    """The words shown for a live cue ('' stays '')."""
    return CUE_PHRASES.get(cue, cue)


def browser_setup(*, baseline=None, profile: str = "soothing") -> dict:
    """Everything the browser's live view needs, as JSON-ready values.

    Parameters
    ----------
    baseline : Analysis or None
        the analysis of the speaker's everyday voice; without it the band and the search range
        are the general ones
    profile : str
        the coaching profile whose pitch target is the calm band

    Returns
    -------
    dict
        ``range_hz`` [fmin, fmax] of the pitch search in Hz; ``band_hz`` [low, high] of the calm
        band in Hz (either may be None: open on that side) or None when the profile has no pitch
        target; ``ref_hz`` the baseline's median pitch in Hz or None; ``band_source``
        'baseline' or 'general'; ``pitch`` and ``gate`` the tracker's and speech gate's
        constants; ``frame_s``, ``level_window_s``, ``reading_window_s``, ``chunk_s``,
        ``trace_s``, ``sr``, ``constraints``.
    """
    from . import loudness, pitch
    from .live import DEFAULT_RANGE_HZ, WINDOW_S, LiveBaseline, live_zones
    from .record import SpeechGate

    live_base = LiveBaseline.from_analysis(baseline) if baseline is not None else None
    ref_hz = live_base.value("f0_median_hz") if live_base is not None else None
    _, zone = live_zones(baseline=live_base is not None and bool(ref_hz),
                         profile=profile)["pitch"]
    band_hz = None
    if zone is not None and ref_hz:
        # the zone's edges are semitones from the baseline (the inverse of util.hz_to_st)
        band_hz = [None if e is None else ref_hz * 2.0 ** (e / 12.0)
                   for e in (zone.low, zone.high)]
    elif zone is not None:
        band_hz = [zone.low, zone.high]
    range_hz = ((live_base.fmin_hz, live_base.fmax_hz) if live_base is not None
                else DEFAULT_RANGE_HZ)
    # the ceiling must stay below a quarter of the analysis rate, as in the library
    range_hz = [float(range_hz[0]), float(min(range_hz[1], BROWSER_SR / 4.0))]
    ps = pitch.PitchSettings()
    gate = SpeechGate(BROWSER_SR)
    stray = inspect.signature(pitch._drop_stray_runs).parameters["max_frames"].default
    return {
        "range_hz": range_hz,
        "band_hz": band_hz,
        "ref_hz": ref_hz,
        "band_source": "baseline" if ref_hz else "general",
        "pitch": {"periods_per_window": ps.periods_per_window,
                  "min_window_s": ps.min_window_s,
                  "silence_threshold": ps.silence_threshold,
                  "voicing_threshold": ps.voicing_threshold,
                  "octave_cost": ps.octave_cost,
                  "octave_jump_cost": ps.octave_jump_cost,
                  "voiced_unvoiced_cost": ps.voiced_unvoiced_cost,
                  # the trace drops a voiced run this short lying over an octave from the
                  # voice's centre, as the analysis does (prosody.pitch._drop_stray_runs)
                  "stray_run_frames": stray},
        "gate": {"margin_db": gate.margin_db, "min_threshold_db": gate.min_threshold_db,
                 "max_threshold_db": gate.max_threshold_db, "floor_memory_s": 5.0},
        "frame_s": FRAME_S,
        "level_window_s": loudness.WINDOW_S,
        # the level in words: the median of the speech in this window, as prosody.live's
        "reading_window_s": WINDOW_S,
        "chunk_s": CHUNK_S,
        "trace_s": TRACE_S,
        "sr": BROWSER_SR,
        "constraints": CONSTRAINTS,
    }


@dataclasses.dataclass(frozen=True)
class StreamStatus:
    """What the server tells the browser after each message.

    Attributes
    ----------
    received : int
        chunks taken so far (the browser resends from there)
    cue : str
        the live view's cue word ('' for nothing yet), see :data:`CUE_PHRASES`
    pace : dict or None
        ``{'value', 'unit', 'verdict'}`` of the pace reading, None until there is one
    level : dict or None
        the level reading, likewise (relative to the baseline when there is one)
    band_hz : list or None
        without a baseline, the general calm band [low, high] in Hz once the live view has
        heard enough voice to place it around the pitch expected of this voice (its
        formants); None before that, and always with a baseline (the setup's band holds)
    """

    received: int
    cue: str
    pace: dict | None
    level: dict | None
    band_hz: list | None = None

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["cue_text"] = cue_phrase(self.cue)
        return d


def _reading_dict(reading) -> dict | None:
    if reading is None or reading.value is None:
        return None
    return {"value": rounded(reading.value, 2), "unit": reading.unit,
            "verdict": reading.verdict}


class LiveStream:
    """The audio of one browser live session, in order, with the live view's readings.

    Parameters
    ----------
    sr : int
        sample rate of the chunks, in Hz (at least 8000)
    baseline : Analysis or None
        the speaker's everyday voice, for the relative readings and the cue
    profile : str
        the coaching profile
    """

    def __init__(self, sr: int, *, baseline=None, profile: str = "soothing"):
        from .live import LiveBaseline, LiveView

        # the stream keeps the take (as 16-bit samples); the view only its last seconds
        self.view = LiveView(sr, profile=profile, baseline=(
            LiveBaseline.from_analysis(baseline) if baseline is not None else None),
            keep_audio=False)
        self.sr = self.view.sr
        self._block = int(round(PUSH_S * self.sr))
        self._carry = np.zeros(0)
        self._chunks: list[np.ndarray] = []
        self._max_chunks = math.ceil(MAX_DURATION_S / CHUNK_S)
        #: the take reached MAX_DURATION_S: it ends there, and is scored as it is
        self.full = False
        self.update = None
        self.cue = ""  # the cue shown: the live view's, at most one new every CUE_EVERY_S
        self._cue_since_s = -math.inf

    @property
    def received(self) -> int:
        """Number of chunks taken so far."""
        return len(self._chunks)

    @property
    def duration_s(self) -> float:
        return sum(c.size for c in self._chunks) / self.sr

    def add(self, first: int, chunks: list[str], *, live: bool = True) -> int:
        """Take chunks numbered ``first``, ``first + 1``, ...; those already taken are skipped.

        Parameters
        ----------
        first : int
            the number of the first chunk given (0 for the first of the session)
        chunks : list of str
            base64 of 16-bit little-endian PCM, mono, at ``sr``
        live : bool
            False for the last chunks, after Stop: they join the take without the live
            readings, which no one will see (the score is waited for)

        Returns
        -------
        int
            chunks taken so far

        Raises
        ------
        ProsodyError
            when a chunk is missing before ``first`` (the browser must resend from
            :attr:`received`) or a chunk is not PCM

        A take that reaches the longest recording analysed (``MAX_DURATION_S``) takes no more
        chunks and sets :attr:`full`: what was said up to there is the take.
        """
        if not isinstance(first, int) or first < 0:
            raise ProsodyError(f"first={first!r} must be a chunk number, 0 or more.")
        if first > self.received:
            raise ProsodyError(f"chunk {first} came before chunk {self.received}; resend from "
                               f"chunk {self.received}.")
        for chunk in chunks[self.received - first:]:
            if self.received >= self._max_chunks:
                self.full = True  # the take so far is kept and scored; the rest is not taken
                break
            self._take(_pcm16(chunk), live=live)
        return self.received

    def _take(self, pcm: np.ndarray, *, live: bool) -> None:
        self._chunks.append(pcm)  # as sent: 2 bytes a sample, a 15-minute take 86 MB at 48 kHz
        if not live:
            return
        y = np.concatenate([self._carry, pcm.astype(np.float64) / 32768.0])
        n = y.size // self._block * self._block
        for a in range(0, n, self._block):
            self.update = self.view.push(y[a: a + self._block])
            self._show(self.update)
        self._carry = y[n:]

    def _show(self, update) -> None:
        if update.cue == self.cue:
            return
        if update.cue and update.time_s - self._cue_since_s >= CUE_EVERY_S - 1e-9:
            self.cue, self._cue_since_s = update.cue, update.time_s
        else:  # the hint no longer holds and a new one is not due yet: show none
            self.cue = ""

    def status(self) -> StreamStatus:
        u = self.update
        band = None
        if self.view.baseline is None:
            zone = self.view.zones["pitch"][1]
            if zone is not None:
                band = [rounded(zone.low, 1), rounded(zone.high, 1)]
        return StreamStatus(self.received, self.cue,
                            _reading_dict(u.pace) if u else None,
                            _reading_dict(u.level) if u else None, band)

    def audio(self) -> np.ndarray:
        """The whole take so far, float, full scale 1.0, at ``sr``."""
        if not self._chunks:
            return np.zeros(0)
        return np.concatenate(self._chunks).astype(np.float64) / 32768.0

    def wav_bytes(self) -> bytes:
        """The whole take as a 16-bit WAV file, as a recorder would give it."""
        import soundfile as sf

        from .record import to_pcm16

        buf = io.BytesIO()
        sf.write(buf, to_pcm16(self.audio()), self.sr, format="WAV", subtype="PCM_16")
        return buf.getvalue()


def _pcm16(chunk: str) -> np.ndarray:
    """Base64 16-bit little-endian PCM to its samples (int16)."""
    try:
        raw = base64.b64decode(chunk, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise ProsodyError("a live audio chunk is not base64 text; reload the page and "
                           "start the live view again.") from None
    if len(raw) % 2:
        raise ProsodyError(f"a live audio chunk has {len(raw)} bytes, not whole 16-bit "
                           "samples; reload the page and start the live view again.")
    return np.frombuffer(raw, dtype="<i2").astype(np.int16)
