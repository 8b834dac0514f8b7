"""The live view: pitch, level and pace over a rolling window, with one sparse cue.

Pure computation on blocks of audio (no device): :class:`LiveView` takes each block as it is
recorded and returns a :class:`LiveUpdate`, at least ten a second. Each reading has its target
zone from the coaching profile, relative to the speaker's baseline take when there is one:

- pitch: median F0 of the last 1.5 s, in semitones against the baseline's median (in Hz
  against the profile's absolute zone without a baseline);
- level: median level of the speech in the last 1.5 s, in dB against the baseline (in dBFS,
  with no zone, without one: a level depends on the microphone and its distance);
- pace: syllables per second over the last 3 s, measured as the profile's pace feature is
  (speech rate, pauses included, or articulation rate), as a change in percent against the
  baseline, or in syl/s.

Of all that, a person sees one word at a time: "lower", "slower", "softer" (or "higher",
"faster", "louder") for the reading furthest outside its zone, or "good" when every reading
has a zone and sits in it (so never without a baseline, where level has none). A new word must
hold for ``CUE_SETTLE_S`` before it replaces the old one, and each word stays at least
``CUE_MIN_S``. Practice research found a delayed personal report helps more than a dense live
display, so the view is for warming up; :meth:`LiveView.report` gives the full analysis (and the
coach's feedback) of everything said.

Cost: pitch is tracked with a fixed search range (the baseline's, else 75-500 Hz) over only the
last 0.5 s at each update, and the frames it yields replace those of the rolling window; tracking
the whole 1.5 s every update would cost about 20 ms per block on one core, the 0.5 s tail about
3 ms, with the same F0 on all but the newest frames (benchmarks/live.py).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .analysis import active_level_db
from .errors import ProsodyError, quiet_warnings
from .util import FRAME_S, SR, relative_change

#: Window of the pitch and level readings, in seconds.
WINDOW_S = 1.5
#: Window of the pace reading, in seconds: a pace needs several syllables.
RATE_WINDOW_S = 3.0
#: With ``keep_audio=False``, the updates kept (the last minute at 20 a second).
KEPT_UPDATES = 1200
#: Without a baseline the pitch zone sits around the pitch expected of the voice (its formants,
#: ``voice.expected_f0_hz``): re-estimated every this many seconds of audio until
#: EXPECTED_VOICED_S of voicing has been heard, then kept.
EXPECTED_EVERY_S = 1.0
EXPECTED_VOICED_S = 2.0
#: Audio re-analysed at each update, in seconds (``track_pitch`` needs 0.5 s at least).
TAIL_S = 0.5
#: Frames of each tail kept: those at least this far from its start, in seconds (earlier ones
#: lack context on their left and were decided better by the previous update).
TAIL_KEEP_FROM_S = 0.2
#: Pitch search range without a baseline, in Hz.
DEFAULT_RANGE_HZ = (75.0, 500.0)
#: A new cue must be the same for this long before it is shown, in seconds.
CUE_SETTLE_S = 0.8
#: A shown cue stays at least this long, in seconds.
CUE_MIN_S = 1.5
#: Least voiced time in the window before pitch is shown, in seconds.
MIN_VOICED_S = 0.2
#: Least speaking time in the rate window before pace is shown, in seconds.
MIN_SPEAKING_S = 1.0
#: Silent gaps shorter than this are part of speaking (stop closures), in seconds (DESIGN.md).
MIN_PAUSE_S = 0.25
#: The pace is recounted this often, in seconds.
PACE_EVERY_S = 0.5
#: Units of the readings without a baseline.
_ABS_UNITS = {"pitch": "Hz", "level": "dBFS", "pace": "syl/s"}
#: How each relative unit compares a reading with the baseline (:func:`relative_change`).
_COMPARISONS = {"st": "st", "dB": "difference", "%": "percent"}

Verdict = Literal["low", "ok", "high"]


@dataclass(frozen=True)
class Zone:
    """A target zone in the reading's unit, from the profile.

    Attributes
    ----------
    low, high : float or None
        edges of the zone; None means open on that side
    tolerance_low, tolerance_high : float
        distance below / above the zone that counts as one step of severity (the profile's
        tolerances: overshooting towards arousal is the worse miss)
    more, less : str
        the one-word cues when the value is below or above the zone ("higher", "lower")
    """

    low: float | None
    high: float | None
    tolerance_low: float
    tolerance_high: float
    more: str
    less: str

    def verdict(self, value: float) -> Verdict:
        if self.low is not None and value < self.low:
            return "low"
        if self.high is not None and value > self.high:
            return "high"
        return "ok"

    def severity(self, value: float) -> float:
        """How far outside the zone, in tolerances (0 inside): the coach's own rule."""
        from .profile import Target

        return Target("value", self.low, self.high, self.tolerance_low,
                      self.tolerance_high).miss(value)


@dataclass(frozen=True)
class Reading:
    """One live reading.

    Attributes
    ----------
    name : {'pitch', 'level', 'pace'}
    value : float or None
        None while there is not enough speech in the window to tell
    unit : str
        'st' (against the baseline), 'Hz', 'dB' (against the baseline), 'dBFS', '%' (against
        the baseline) or 'syl/s'
    zone : Zone or None
        None when there is no target for it (level without a baseline)
    verdict : {'low', 'ok', 'high'} or None
    """

    name: str
    value: float | None
    unit: str
    zone: Zone | None
    verdict: Verdict | None


@dataclass(frozen=True)
class LiveUpdate:
    """What the live view shows after one block.

    Attributes
    ----------
    time_s : float
        end of the audio this update reflects, in seconds since the start
    level_db : float
        level of the newest block, dBFS (for a meter)
    speaking : bool
        speech in the last 0.5 s
    pitch, level, pace : Reading
    cue : str
        the one word shown: '' (nothing to say yet), 'good', or a direction such as 'lower'
    compute_s : float
        processing time of this update, in seconds
    """

    time_s: float
    level_db: float
    speaking: bool
    pitch: Reading
    level: Reading
    pace: Reading
    cue: str
    compute_s: float


@dataclass(frozen=True)
class LiveBaseline:
    """What the live view needs of the speaker's everyday voice.

    Attributes
    ----------
    settings : AnalysisSettings
        analysis settings with the pitch search range fitted to the speaker (``fmin_hz``,
        ``fmax_hz`` in Hz), as the coach sets them
    analysis : Analysis
        the baseline's full analysis, for the coach at the end
    """

    settings: object
    analysis: object

    def value(self, measure: str) -> float | None:
        """A summary value of the baseline (``'f0_median_hz'``, ``'loudness_db'``, ...)."""
        return getattr(self.analysis.summary, measure)

    @property
    def fmin_hz(self) -> float:
        return float(self.settings.fmin_hz)

    @property
    def fmax_hz(self) -> float:
        return float(self.settings.fmax_hz)

    @classmethod
    def from_analysis(cls, analysis) -> LiveBaseline:
        """From the analysis of a baseline take (:func:`prosody.coach.measure_baseline`), with
        its pitch range as the coach sets it (:func:`prosody.coach.baseline_settings`)."""
        from .coach import baseline_settings

        return cls(baseline_settings(analysis), analysis)


@dataclass(frozen=True)
class LiveReport:
    """The full report at the end of a live session.

    Attributes
    ----------
    analysis : Analysis
        :func:`prosody.analyze` of everything recorded
    feedback : Feedback
        the coach's feedback
    y : np.ndarray
        the whole recording at ``sr``
    sr : int
    """

    analysis: object
    feedback: object
    y: np.ndarray
    sr: int


#: Summary measures each reading can follow, in order of preference.
READING_MEASURES = {
    "pitch": ("f0_median_hz",),
    "level": ("speech_level_db", "loudness_db"),
    "pace": ("voiced_rate_syl_per_s", "speech_rate_syl_per_s", "articulation_rate_syl_per_s"),
}


def live_zones(*, baseline: bool, profile: str = "soothing",
               expected_f0_hz: float | None = None) -> dict[str, tuple[str, Zone | None]]:
    """Target zones of the three readings from a coaching profile.

    The profile's features that score median pitch, pace (speech or articulation rate, as the
    profile chooses) and loudness give the zones: relative to the baseline when ``baseline`` is
    True, else their absolute fallbacks. An absolute pitch target set against the pitch
    expected of the voice (``expected_st``) becomes a zone in Hz around ``expected_f0_hz``
    (the summary's ``f0_expected_hz`` of an earlier take), or no zone when it is not known.

    Returns
    -------
    dict
        ``{'pitch': (measure, Zone|None), 'level': ..., 'pace': ...}``; the measure is the
        summary key the reading follows
    """
    from .profile import load_profile

    prof = load_profile(profile)
    by_measure = {spec.measure: spec for spec in prof.features}
    zones: dict[str, tuple[str, Zone | None]] = {}
    for name, measures in READING_MEASURES.items():
        measure = next((m for m in measures if m in by_measure), measures[0])
        spec = by_measure.get(measure)
        target = None if spec is None else (spec.relative if baseline else spec.absolute)
        if target is not None:
            target = target.in_hz(expected_f0_hz)
        zones[name] = (measure, None if target is None else Zone(
            target.low, target.high, target.tolerance_low, target.tolerance_high,
            spec.wording.more, spec.wording.less))
    return zones


def _pitch_target_is_expected(profile: str) -> bool:
    """Whether the profile judges pitch without a baseline against the expected pitch."""
    from .profile import load_profile

    spec = next((f for f in load_profile(profile).features
                 if f.measure == READING_MEASURES["pitch"][0]), None)
    return bool(spec and spec.absolute and spec.absolute.comparison == "expected_st")


class LiveView:
    """The rolling-window live view; feed it blocks with :meth:`push`.

    Parameters
    ----------
    sr : int
        sample rate of the blocks in Hz (any rate from 8 kHz; no resampling is needed)
    baseline : LiveBaseline or None
        the speaker's everyday voice; without it readings are absolute
    profile : str
        the coaching profile whose targets give the zones
    expected_f0_hz : float or None
        without a baseline, the pitch expected of this voice (``f0_expected_hz`` of an earlier
        take), which places the absolute pitch zone; without either there is no pitch zone
    """

    def __init__(self, sr: int, *, baseline: LiveBaseline | None = None,
                 profile: str = "soothing", expected_f0_hz: float | None = None,
                 keep_audio: bool = True):
        if not (isinstance(sr, (int, np.integer)) and sr >= 8000):
            raise ProsodyError(f"sr={sr!r} must be a whole sample rate of at least 8000 Hz.")
        from .record import SpeechGate

        self.sr = int(sr)
        self.baseline = baseline
        self.profile = profile
        self.zones = live_zones(baseline=baseline is not None, profile=profile,
                                expected_f0_hz=expected_f0_hz)
        if baseline is not None:
            self.range_hz = (baseline.fmin_hz, baseline.fmax_hz)
        else:
            self.range_hz = DEFAULT_RANGE_HZ
        # the tracker's ceiling must stay below a quarter of the rate
        self.range_hz = (self.range_hz[0], min(self.range_hz[1], self.sr / 4.0))
        self.hop = int(round(FRAME_S * self.sr))
        self._tail_len = int(round(TAIL_S * self.sr / self.hop)) * self.hop
        self._parts: list[np.ndarray] = []
        #: False: keep only the last few seconds of audio and of updates (a caller that keeps
        #: the take itself, as the browser's stream does); :meth:`report` then cannot run
        self.keep_audio = keep_audio
        self._n = 0  # samples so far
        self._recent = np.zeros(0)  # the newest samples, at least one tail long
        n_keep = int(round(RATE_WINDOW_S / FRAME_S)) + 1
        # rolling frame tracks (frame k at k * hop samples), indexed modulo nothing: we keep the
        # last n_keep frames and their global index of the first one
        self._first = 0
        self._f0 = np.full(n_keep, np.nan)
        self._level = np.full(n_keep, -120.0)
        self._vowel = np.full(n_keep, -120.0)
        self._gate = SpeechGate(self.sr)
        self._shown = ""
        self._shown_since_s = -math.inf
        self._candidate = ""
        self._candidate_since_s = 0.0
        self._pace_value: float | None = None
        self._pace_at_s: float | None = None
        self.updates: list[LiveUpdate] = []
        # the pitch expected of the voice, found from the audio when it is needed
        self._needs_expected = (baseline is None and expected_f0_hz is None
                                and self.zones["pitch"][1] is None
                                and _pitch_target_is_expected(profile))
        self._voiced_frames = 0
        self._expected_at = 0

    # -- frames ------------------------------------------------------------------------------

    def _frames_upto(self) -> int:
        """Number of frames whose centre lies within the audio so far."""
        return (self._n - 1) // self.hop + 1 if self._n else 0

    def _shift_to(self, n_frames: int) -> None:
        """Slide the rolling tracks so that they end at frame ``n_frames`` (exclusive)."""
        size = self._f0.size
        first = max(0, n_frames - size)
        shift = first - self._first
        if shift <= 0:
            return
        for arr, fill in ((self._f0, np.nan), (self._level, -120.0), (self._vowel, -120.0)):
            if shift >= size:
                arr[:] = fill
            else:
                arr[:-shift] = arr[shift:]
                arr[-shift:] = fill
        self._first = first

    def _analyse_tail(self) -> None:
        from . import loudness, pitch, voice

        n_frames = self._frames_upto()
        self._shift_to(n_frames)
        # the tail starts on a frame boundary so that its frames are the global ones
        start = max(0, (self._n - self._tail_len) // self.hop * self.hop)
        tail = self._recent[self._recent.size - (self._n - start):]
        pad = self._tail_len - tail.size
        if pad > 0:  # the first half second: zeros before the start keep the frame grid
            tail = np.concatenate([np.zeros(pad), tail])
            start -= pad
        with quiet_warnings():
            p = pitch.track_pitch(tail, sr=self.sr, fmin_hz=self.range_hz[0],
                                  fmax_hz=self.range_hz[1])
        n = p.f0_hz.size
        level = loudness.level_db(tail, sr=self.sr, n_frames=n)
        vowel = voice.spectra(tail, sr=self.sr, n_frames=n, voiced=np.zeros(n, bool),
                              block_frames=n).vowel_band_db
        g0 = start // self.hop  # global index of the tail's frame 0
        keep = int(round(TAIL_KEEP_FROM_S / FRAME_S)) if g0 > 0 else 0
        for j in range(keep, n):
            k = g0 + j - self._first
            if 0 <= k < self._f0.size and g0 + j < n_frames:
                self._f0[k] = p.f0_hz[j]
                self._level[k] = level[j]
                self._vowel[k] = vowel[j]

    def _estimate_expected(self) -> None:
        """Place the absolute pitch zone around the pitch expected of this voice, from the
        formants of the last RATE_WINDOW_S of audio (at 16 kHz, as the analysis measures)."""
        from . import voice
        from .dsp import resample

        self._expected_at = self._n
        w = self._window(RATE_WINDOW_S)
        f0, level = self._f0[w], self._level[w]
        voiced = np.isfinite(f0) & self._speech(level, f0)
        self._voiced_frames = max(self._voiced_frames, int(voiced.sum()))
        if voiced.sum() * FRAME_S < 0.5:
            return
        audio = np.concatenate(self._parts)[-(voiced.size * self.hop):]
        if self.sr != SR:
            audio = resample(audio, self.sr, SR)
        voiced = voiced[: 1 + (audio.size - 1) // int(FRAME_S * SR)]
        f3, f4 = voice.formants_hz(audio, sr=SR, voiced=voiced)[2:4]
        expected = voice.expected_f0_hz(f3, f4)
        if expected is not None:
            self.zones = live_zones(baseline=False, profile=self.profile,
                                    expected_f0_hz=expected)
            self._needs_expected = self._voiced_frames * FRAME_S < EXPECTED_VOICED_S

    # -- readings ----------------------------------------------------------------------------

    def _window(self, seconds: float) -> slice:
        n_frames = self._frames_upto()
        end = n_frames - self._first
        return slice(max(0, end - int(round(seconds / FRAME_S))), end)

    def _speech(self, level: np.ndarray, f0: np.ndarray) -> np.ndarray:
        return (level > self._gate.threshold_db) | (np.isfinite(f0)
                                                    & (level > self._gate.threshold_db - 10.0))

    def _reading(self, name: str, value_abs: float | None, *, relative: str) -> Reading:
        """A reading from its absolute value: compared with the baseline when there is one
        (``relative``: 'st', 'dB' or '%'), else shown as is against the absolute zone."""
        measure, zone = self.zones[name]
        base = self.baseline.value(measure) if self.baseline is not None else None
        if self.baseline is not None and not base:
            zone = None  # the baseline lacks this measure: nothing to compare with
        unit = relative if base else _ABS_UNITS[name]
        value = value_abs
        if value_abs is not None and base:  # None too for a pace of 0: no ratio to take
            value = relative_change(value_abs, base, _COMPARISONS[relative])
        verdict = zone.verdict(value) if zone is not None and value is not None else None
        return Reading(name, value, unit, zone, verdict)

    def _pitch(self) -> Reading:
        w = self._window(WINDOW_S)
        f0, level = self._f0[w], self._level[w]
        voiced = f0[np.isfinite(f0) & self._speech(level, f0)]
        med = float(np.median(voiced)) if voiced.size * FRAME_S >= MIN_VOICED_S else None
        return self._reading("pitch", med, relative="st")

    def _level_reading(self) -> Reading:
        w = self._window(WINDOW_S)
        f0, level = self._f0[w], self._level[w]
        speech = level[self._speech(level, f0)]
        value = None
        if speech.size * FRAME_S >= MIN_VOICED_S:
            # read the way the profile's level measure is defined, to compare with the baseline
            value = (active_level_db(speech, noise_db=self._gate.floor_db)
                     if self.zones["level"][0] == "speech_level_db"
                     else float(np.median(speech)))
        return self._reading("level", value, relative="dB")

    def _pace_syl_per_s(self) -> float | None:
        """Syllables per second over the last ``RATE_WINDOW_S``, defined as the profile's
        measure: over the span from the first to the last voiced speech frame, over the span
        from the first to the last speech frame (speech rate), or over the speaking time
        without pauses (articulation rate)."""
        from .timing import runs, syllable_nuclei, voiced_span

        w = self._window(RATE_WINDOW_S)
        f0, level, vowel = self._f0[w], self._level[w], self._vowel[w]
        speech = self._speech(level, f0)
        # short gaps are part of speaking (stop closures), as in the summary
        for a, b in runs(~speech):
            if 0 < a and b < speech.size and (b - a) * FRAME_S < MIN_PAUSE_S:
                speech[a:b] = True
        speaking_s = np.count_nonzero(speech) * FRAME_S
        if speaking_s < MIN_SPEAKING_S:
            return None
        voiced = np.isfinite(f0)
        nuclei = syllable_nuclei(vowel, voiced & speech, speech)
        measure = self.zones["pace"][0]
        if measure == "voiced_rate_syl_per_s":
            # the syllables within the voiced span over its length, as the summary counts them
            span = voiced_span(voiced, speech)
            if span is None:
                return None
            inside = np.count_nonzero((nuclei >= span[0]) & (nuclei < span[1]))
            return inside / ((span[1] - span[0]) * FRAME_S)
        if measure == "speech_rate_syl_per_s":
            active = np.flatnonzero(speech)
            span_s = (active[-1] - active[0] + 1) * FRAME_S
        else:
            span_s = speaking_s
        return nuclei.size / span_s

    def _pace(self) -> Reading:
        # a pace over 3 s moves slowly: it is recounted every PACE_EVERY_S, which keeps the
        # syllable search out of most updates
        now_s = self._n / self.sr
        if self._pace_at_s is None or now_s - self._pace_at_s >= PACE_EVERY_S - 1e-9:
            self._pace_value = self._pace_syl_per_s()
            self._pace_at_s = now_s
        return self._reading("pace", self._pace_value, relative="%")

    def _steady_tone(self) -> bool:
        """Whether the last ``RATE_WINDOW_S`` holds a steady tone rather than a voice (a mains
        hum, a whistle, a fridge): voiced, but its pitch and loudness barely move, by the
        coach's own test (``coach.STEADY_TONE_ST``, ``coach.STEADY_TONE_DB``)."""
        from .coach import STEADY_TONE_DB, STEADY_TONE_ST

        w = self._window(RATE_WINDOW_S)
        f0, level = self._f0[w], self._level[w]
        speech = self._speech(level, f0)
        voiced = np.isfinite(f0) & speech
        if np.count_nonzero(voiced) * FRAME_S < MIN_VOICED_S:
            return False
        st = 12.0 * np.log2(f0[voiced])
        spread = float(np.percentile(st, 90) - np.percentile(st, 10))
        return spread < STEADY_TONE_ST and float(np.std(level[speech])) < STEADY_TONE_DB

    def _cue(self, now_s: float, speaking: bool, readings: tuple[Reading, ...]) -> str:
        judged = [r for r in readings if r.value is not None and r.zone is not None]
        if not speaking or not judged:
            candidate = ""
        else:
            worst = max(judged, key=lambda r: r.zone.severity(r.value))
            if worst.zone.severity(worst.value) > 0:
                candidate = worst.zone.less if worst.verdict == "high" else worst.zone.more
            elif len(judged) == len(readings):
                candidate = "good"
            else:
                # praise only what was all heard: without a baseline the level has no zone,
                # and a shout at a calm pitch and pace is no "calm and easy"
                candidate = ""
        if candidate != self._candidate:
            self._candidate, self._candidate_since_s = candidate, now_s
        settled = now_s - self._candidate_since_s >= CUE_SETTLE_S - 1e-9
        held = now_s - self._shown_since_s >= CUE_MIN_S - 1e-9
        if candidate != self._shown and settled and held:
            self._shown, self._shown_since_s = candidate, now_s
        return self._shown

    # -- public ------------------------------------------------------------------------------

    def push(self, y: np.ndarray) -> LiveUpdate:
        """Add one block of audio and return what the view shows now.

        Parameters
        ----------
        y : np.ndarray [shape=(n,)]
            the next samples, mono, full scale = 1.0, at ``sr``

        Returns
        -------
        LiveUpdate
        """
        t0 = time.perf_counter()
        y = np.asarray(y, dtype=np.float64).ravel()
        if y.size == 0:
            raise ProsodyError("an empty block was pushed; give the view the samples recorded.")
        self._parts.append(y)
        if not self.keep_audio:  # what the pitch expected of the voice is read from, no more
            keep = int((RATE_WINDOW_S + 1.0) * self.sr)
            total = sum(p.size for p in self._parts)
            while len(self._parts) > 1 and total - self._parts[0].size >= keep:
                total -= self._parts.pop(0).size
        self._n += y.size
        self._recent = np.concatenate([self._recent, y])[-(self._tail_len + self.hop):]
        self._gate.update(y)
        self._analyse_tail()
        if self._needs_expected and self._n - self._expected_at >= EXPECTED_EVERY_S * self.sr:
            self._estimate_expected()
        w = self._window(0.5)
        speaking = bool(np.any(self._speech(self._level[w], self._f0[w])))
        if self._steady_tone():
            # a hum or a whistle is not a voice: no pitch, pace or cue for it (its level stays)
            speaking = False
            readings = (self._reading("pitch", None, relative="st"), self._level_reading(),
                        self._reading("pace", None, relative="%"))
        else:
            readings = (self._pitch(), self._level_reading(), self._pace())
        now_s = self._n / self.sr
        cue = self._cue(now_s, speaking, readings)
        from .record import level_dbfs

        update = LiveUpdate(time_s=now_s, level_db=level_dbfs(y), speaking=speaking,
                            pitch=readings[0], level=readings[1], pace=readings[2], cue=cue,
                            compute_s=time.perf_counter() - t0)
        self.updates.append(update)
        if not self.keep_audio and len(self.updates) > KEPT_UPDATES:
            del self.updates[: len(self.updates) - KEPT_UPDATES]
        return update

    def audio(self) -> np.ndarray:
        """Everything pushed so far, at ``sr`` (with ``keep_audio=False``, the last seconds)."""
        return np.concatenate(self._parts) if self._parts else np.zeros(0)

    def report(self, *, text: str | None = None, scenario: str | None = None) -> LiveReport:
        """The full analysis of everything said, and the coach's feedback on it.

        Raises
        ------
        ProsodyError
            when the recording cannot be analysed (too short, for instance), or the view was
            made with ``keep_audio=False``
        """
        if not self.keep_audio:
            raise ProsodyError("this live view kept only its last seconds (keep_audio=False); "
                               "report on the take its caller kept.")
        return report(self.audio(), sr=self.sr, baseline=self.baseline, profile=self.profile,
                      text=text, scenario=scenario)


def report(y: np.ndarray, *, sr: int, baseline: LiveBaseline | None = None,
           profile: str = "soothing", text: str | None = None,
           scenario: str | None = None) -> LiveReport:
    """Analyse a whole take as the coach does, with the baseline's pitch range when given.

    Returns
    -------
    LiveReport
    """
    from .analysis import analyze
    from .coach import coach
    from .dsp import resample

    y16 = resample(y, sr, SR) if sr != SR else np.asarray(y, dtype=np.float64)
    settings = baseline.settings if baseline is not None else None
    with quiet_warnings():  # they are carried in the analysis
        analysis = analyze(y16, sr=SR, text=text, settings=settings)
    feedback = coach(analysis, profile=profile,
                     baseline=baseline.analysis if baseline is not None else None,
                     scenario=scenario)
    return LiveReport(analysis, feedback, y16, SR)
