"""One analysis for every surface: frame tracks plus the summary features of DESIGN.md."""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from .errors import ProsodyWarning, quiet_warnings
from .util import FRAME_S, SR, check_audio, hz_to_st, rounded

if TYPE_CHECKING:
    from .audio import Signal

SyllableSource = Literal["text", "acoustic"]
EndShape = Literal["fall", "rise", "level"]


@dataclass(frozen=True)
class AnalysisSettings:
    """Every choice that shapes the numbers; stored with each saved take.

    ``fmin_hz``/``fmax_hz`` fix the pitch search range (from a baseline take, say); when both
    are None it adapts to the speaker.
    """

    fmin_hz: float | None = None
    fmax_hz: float | None = None
    min_pause_s: float = 0.25
    final_window_s: float = 0.3
    final_fall_st: float = 1.0
    syllable_prominence_slow_db: float = 1.5
    syllable_prominence_fast_db: float = 0.1
    syllable_tempo_slow_rate_syl_per_s: float = 3.0
    syllable_tempo_fast_rate_syl_per_s: float = 4.0
    syllable_tempo_slow_voiced_run_s: float = 0.28
    syllable_tempo_fast_voiced_run_s: float = 0.17
    syllable_min_spacing_s: float = 0.08
    syllable_local_drop_db: float = 20.0
    velocity_smooth_frames: int = 5
    #: steps of the smoothed contour faster than this are tracking errors (an octave jump, a
    #: noise burst), not movement a voice can make: left out of the pitch movement
    velocity_max_st_per_s: float = 100.0
    onset_search_s: float = 0.2

    @classmethod
    def from_dict(cls, stored: dict) -> AnalysisSettings:
        """The settings kept with a saved take (``dataclasses.asdict``); keys this version
        does not know are left out, and missing ones take their defaults."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in stored.items() if k in known})


@dataclass(frozen=True)
class Summary:
    """Scalar features of one recording; names, units and definitions are in DESIGN.md.

    Every value is None when undefined (no voicing, a single phrase, ...), with a warning.
    """

    duration_s: float
    speech_s: float | None
    f0_median_hz: float | None
    f0_p10_hz: float | None
    f0_p90_hz: float | None
    f0_range_st: float | None
    f0_sd_st: float | None
    f0_velocity_st_per_s: float | None
    final_fall_fraction: float | None
    syllables: int | None
    syllables_source: SyllableSource
    speech_rate_syl_per_s: float | None
    articulation_rate_syl_per_s: float | None
    pause_count: int | None
    pause_mean_s: float | None
    pause_ratio: float | None
    phrase_count: int | None
    phrase_mean_syl: float | None
    loudness_db: float | None
    loudness_sd_db: float | None
    loudness_range_db: float | None
    onset_slope_db_per_s: float | None
    alpha_ratio_db: float | None
    hammarberg_db: float | None
    # added with profile 2.0 (docs/coach.md); defaults keep older stored summaries readable
    spectral_centroid_hz: float | None = None
    spectral_flux: float | None = None
    f0_expected_hz: float | None = None
    speech_level_db: float | None = None
    # added with profile 2.3 (docs/coach.md): syllables / (last - first voiced speech frame), a
    # voiced stretch under 60 ms at either end left out (timing.voiced_span); holds in room noise
    voiced_rate_syl_per_s: float | None = None

    def to_dict(self) -> dict:
        return {k: rounded(v, 4) for k, v in dataclasses.asdict(self).items()}


@dataclass(frozen=True)
class Tracks:
    """Frame contours (10 ms) and events, each carrying its time in seconds."""

    time_s: np.ndarray
    f0_hz: np.ndarray
    voiced: np.ndarray
    loudness_db: np.ndarray
    speech: np.ndarray
    syllable_times_s: np.ndarray
    pauses: tuple[tuple[float, float], ...]
    phrases: tuple[tuple[float, float], ...]

    def to_dict(self) -> dict:
        return {
            "time_s": [round(float(t), 3) for t in self.time_s],
            "f0_hz": [None if math.isnan(f) else round(float(f), 2) for f in self.f0_hz],
            "loudness_db": [round(float(v), 2) for v in self.loudness_db],
            "syllable_times_s": [round(float(t), 3) for t in self.syllable_times_s],
            "pauses": [list(p) for p in self.pauses],
            "phrases": [list(p) for p in self.phrases],
        }


@dataclass(frozen=True)
class Quality:
    """How far the recording can be trusted: used by the coach for quality messages."""

    clipped_fraction: float
    snr_db: float | None
    voiced_fraction: float
    bandwidth_hz: float
    #: the voice over the background in its upper frequencies (``voice.HIGH_BAND_HZ``), dB
    #: (None: no voiced speech or no background): what limits the measures read there
    snr_high_db: float | None = None
    #: the mains hum filtered out before measuring (``prosody.hum``), its fundamental in Hz
    #: (None: no hum found)
    hum_hz: float | None = None
    #: how many channels the file had, and those with sound in them that were left out
    #: (``prosody.audio.Signal.left_out``: (index, "clipped" or "different"))
    channels: int = 1
    channels_left_out: tuple[tuple[int, str], ...] = ()
    #: (seconds read, seconds announced or None) when the file ended before it said it would
    #: (``prosody.audio.Signal.cut_short``): what was read is judged, and the person told
    cut_short: tuple[float, float | None] | None = None


@dataclass(frozen=True)
class PhraseEnd:
    """How one phrase ends: the pitch over its last ``final_window_s`` of voicing.

    Attributes
    ----------
    start_s, end_s : float
        the phrase, in seconds
    time_s : float
        its last voiced frame, in seconds
    f0_hz : float
        the pitch of that frame, in Hz
    change_st : float
        the pitch change over the end, in semitones, read from a straight line fitted to the
        semitone contour of those frames (end of the line minus its start: negative falls)
    shape : {'fall', 'rise', 'level'}
        falls or rises by at least ``final_fall_st``, or neither
    """

    start_s: float
    end_s: float
    time_s: float
    f0_hz: float
    change_st: float
    shape: EndShape


@dataclass(frozen=True)
class Analysis:
    """The result of :func:`analyze`: summary, tracks, quality, the settings used and warnings."""

    summary: Summary
    tracks: Tracks
    quality: Quality
    settings: AnalysisSettings
    warnings: tuple[str, ...] = field(default=())

    @property
    def phrase_ends(self) -> tuple[PhraseEnd, ...]:
        """The judged phrase ends (:func:`phrase_ends`): ``summary.final_fall_fraction`` is the
        share of them that fall."""
        return phrase_ends(self.tracks, settings=self.settings)

    def to_dict(self, *, tracks: bool = False) -> dict:
        out = {"summary": self.summary.to_dict()}
        if tracks:
            out["tracks"] = self.tracks.to_dict()
        out["warnings"] = list(self.warnings)
        return out


def analyze(
    y: np.ndarray,
    *,
    sr: float,
    text: str | None = None,
    settings: AnalysisSettings | None = None,
    bandwidth_hz: float | None = None,
) -> Analysis:
    """Measure the prosody of one recording.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        mono audio at any rate from 8 kHz; it is resampled to 16 kHz
    sr : number > 0
        sample rate in Hz
    text : str or None
        the words spoken, when known: syllables are then counted from the text and only placed
        in time from the audio; at most ``prosody.syllables.MAX_TEXT_CHARS`` characters
    settings : AnalysisSettings or None
    bandwidth_hz : float or None
        the highest frequency the recording really carries, in Hz, when ``y`` was resampled up
        from a lower rate (an 8 kHz phone recording at 16 kHz carries nothing above 4 kHz);
        default ``sr / 2``. Measures that need the upper band are then left out, as they are
        for the file itself (:func:`analyze_file`)

    Returns
    -------
    Analysis

    Raises
    ------
    ProsodyError
        for audio that :func:`prosody.util.check_audio` refuses, or a ``text`` that is not a
        string or is longer than ``MAX_TEXT_CHARS``
    """
    from .syllables import check_text

    text = check_text(text)
    y = check_audio(y, sr)
    bandwidth_hz = sr / 2.0 if bandwidth_hz is None else min(float(bandwidth_hz), sr / 2.0)
    if sr < 8000:
        from .errors import ProsodyError

        raise ProsodyError(f"sr={sr} Hz is below the 8000 Hz minimum; record at 16 kHz or more.")
    if sr != SR:
        from .dsp import resample

        y = resample(y, sr, SR)
    return _analyze(y, text=text, settings=settings or AnalysisSettings(),
                    bandwidth_hz=bandwidth_hz, clipped_fraction=_clipped_fraction(y))


def analyze_file(path, *, text: str | None = None,
                 settings: AnalysisSettings | None = None) -> Analysis:
    """:func:`analyze` on a file (any format :func:`prosody.load` reads).

    The text is checked before the file is read, so a text that is too long is refused at once.
    """
    from .audio import load
    from .syllables import check_text

    text = check_text(text)
    return analyze_signal(load(path), text=text, settings=settings)


def analyze_signal(signal: Signal, *, text: str | None = None,
                   settings: AnalysisSettings | None = None) -> Analysis:
    """:func:`analyze` on a recording as :func:`prosody.load` returns it, with what the file
    itself tells: the band it carries (an 8 kHz phone recording holds nothing above 4 kHz, so
    the measures that need the upper band are left out) and the clipping of its own samples.
    Every path from a file to an analysis goes through here (the command line, the app)."""
    from .syllables import check_text

    text = check_text(text)
    y = signal.y
    if signal.sr != SR:  # load() was asked for another rate
        from .dsp import resample

        y = resample(check_audio(y, signal.sr), signal.sr, SR)
    analysis = _analyze(y, text=text, settings=settings or AnalysisSettings(),
                        bandwidth_hz=min(signal.original_sr, signal.sr) / 2.0,
                        clipped_fraction=signal.clipped_fraction)
    if signal.channels == 1 and signal.cut_short is None:
        return analysis
    return dataclasses.replace(analysis, quality=dataclasses.replace(
        analysis.quality, channels=signal.channels, channels_left_out=signal.left_out,
        cut_short=signal.cut_short))


#: Said when a mains hum was filtered out (``prosody.hum``): the measures are of the voice
#: alone, and the hum is usually easy to get rid of.
HUM_NOTE = ("a steady mains hum at {hz:.0f} Hz was filtered out before measuring. It comes from "
            "the electrics, not the voice: running the laptop on battery, or plugging the "
            "microphone into another port, usually removes it.")


def _clipped_fraction(y: np.ndarray) -> float:
    peak = np.max(np.abs(y))
    if peak < 0.99:
        return 0.0
    return float(np.mean(np.abs(y) >= peak - 1e-4))


def _analyze(y: np.ndarray, *, text, settings: AnalysisSettings, bandwidth_hz: float,
             clipped_fraction: float) -> Analysis:
    from . import loudness, pitch, timing, voice
    from .hum import find_hum, remove_hum

    notes: list[str] = []
    sr = SR
    hum = find_hum(y, sr=sr)
    if hum is not None:
        y = remove_hum(y, sr=sr, hum=hum)
        notes.append(HUM_NOTE.format(hz=hum.fundamental_hz))
    n = pitch.n_frames(y.size, sr)
    time_s = np.arange(n) * FRAME_S
    duration_s = y.size / sr

    with quiet_warnings():
        if settings.fmin_hz is not None:
            p = pitch.track_pitch(y, sr=sr, fmin_hz=settings.fmin_hz, fmax_hz=settings.fmax_hz)
        else:
            p = pitch.track_pitch(y, sr=sr)
    f0, voiced = p.f0_hz, p.voiced

    level = loudness.level_db(y, sr=sr, n_frames=n)
    speech = timing.speech_activity(level, voiced)
    background = _background(speech)
    spec = voice.spectra(y, sr=sr, n_frames=n, voiced=voiced, background=background)
    pauses_s, phrases_s = timing.segment(
        speech, y, sr=sr, threshold_db=timing.speech_threshold_db(level),
        min_pause_s=settings.min_pause_s,
    )
    phrase_frames = timing.spans_to_frames(phrases_s)

    # --- syllables: counted from the words when they fit the recording, else from the sound
    periodic = p.periodic if p.periodic is not None else pitch.periodic_frames(y, sr=sr)
    nuclei = timing.syllable_nuclei(
        spec.vowel_band_db, voiced | periodic, speech,
        slow_prominence_db=settings.syllable_prominence_slow_db,
        fast_prominence_db=settings.syllable_prominence_fast_db,
        slow_rate_syl_per_s=settings.syllable_tempo_slow_rate_syl_per_s,
        fast_rate_syl_per_s=settings.syllable_tempo_fast_rate_syl_per_s,
        slow_voiced_run_s=settings.syllable_tempo_slow_voiced_run_s,
        fast_voiced_run_s=settings.syllable_tempo_fast_voiced_run_s,
        min_spacing_s=settings.syllable_min_spacing_s,
        local_drop_db=settings.syllable_local_drop_db,
    )
    n_syl = int(nuclei.size)
    source: SyllableSource = "acoustic"
    snr_db = _snr_db(level, speech)  # how far the words must fit; the quality's SNR
    if text is not None:  # checked by the caller: stripped, never empty
        from .syllables import count_syllables

        n_text = count_syllables(text)
        if text_fits(n_text, n_syl, snr_db):
            n_syl, source = n_text, "text"
            nuclei = timing.place_syllables(n_syl, spec.vowel_band_db, voiced, speech)
        else:
            notes.append(f"the words given have {n_text} syllable{'s' * (n_text != 1)} but the "
                         f"recording holds about {n_syl}: they do not seem to be the words "
                         "spoken, so the syllables (and the pace) are counted from the sound.")

    # --- timing
    if phrases_s:
        span_s = phrases_s[-1][1] - phrases_s[0][0]
        pause_s = [b - a for a, b in pauses_s]
        speech_s = span_s - sum(pause_s)
        pause_count = len(pauses_s)
        pause_mean_s = float(np.mean(pause_s)) if pause_s else None
        pause_ratio = sum(pause_s) / span_s if span_s > 0 else None
        phrase_count = len(phrases_s)
        phrase_mean_syl = n_syl / phrase_count
        speech_rate = n_syl / span_s if n_syl and span_s > 0 else None
        vspan = timing.voiced_span(voiced, speech)
        voiced_rate = n_syl / ((vspan[1] - vspan[0]) * FRAME_S) if n_syl and vspan else None
        artic_rate = n_syl / speech_s if n_syl and speech_s > 0 else None
        if pause_mean_s is None:
            notes.append("no pause of 0.25 s or more: the mean pause length is undefined.")
    else:
        notes.append("no speech found: timing, rate and loudness are undefined.")
        speech_s = pause_mean_s = pause_ratio = phrase_mean_syl = None
        speech_rate = artic_rate = voiced_rate = None
        pause_count = phrase_count = None
    if phrase_frames and not n_syl:
        notes.append("no syllables found: speech and articulation rate are undefined.")

    # --- pitch statistics
    f0_v = f0[voiced]
    f0_median = f0_p10 = f0_p90 = f0_range = f0_sd = velocity = fall_fraction = None
    if f0_v.size >= 5:
        f0_median = float(np.median(f0_v))
        f0_p10, f0_p90 = (float(v) for v in np.percentile(f0_v, [10, 90]))
        f0_range = float(hz_to_st(f0_p90, f0_p10))
        f0_sd = float(np.std(hz_to_st(f0_v)))
        velocity = pitch_velocity_st_per_s(f0, voiced, settings.velocity_smooth_frames,
                                           settings.velocity_max_st_per_s)
        ends = _phrase_ends(f0, voiced, phrases_s, settings)
        fall_fraction = sum(e.shape == "fall" for e in ends) / len(ends) if ends else None
        if velocity is None:
            notes.append("voiced stretches are too short to measure pitch movement.")
        if fall_fraction is None:
            notes.append("no phrase has enough voicing at its end to judge whether it falls.")
    else:
        notes.append("no voiced speech found: pitch features are undefined.")

    # --- loudness
    lv = level[speech]
    loud = loud_sd = loud_range = onset = None
    if lv.size >= 5:
        loud = float(np.median(lv))
        loud_sd = float(np.std(lv))
        p10, p90 = np.percentile(lv, [10, 90])
        loud_range = float(p90 - p10)
        onset = _onset_slope(level, nuclei, settings.onset_search_s)
        if onset is None:
            notes.append("no syllable onset could be measured: onset slope is undefined.")

    # --- voice quality
    alpha = hamm = centroid = expected = None
    if spec.ltas_db is not None and voiced.sum() >= 5:
        alpha = voice.alpha_ratio_db(spec.ltas_db, spec.freqs_hz)
        hamm = voice.hammarberg_db(spec.ltas_db, spec.freqs_hz)
        cv = spec.centroid_hz[voiced]
        cv = cv[np.isfinite(cv)]
        centroid = float(np.median(cv)) if cv.size >= 5 else None
        if bandwidth_hz >= voice.FORMANT_MIN_BANDWIDTH_HZ:
            f3, f4 = voice.formants_hz(y, sr=sr, voiced=voiced, background=background)[2:4]
            expected = voice.expected_f0_hz(f3, f4)
        if bandwidth_hz < 5000:
            notes.append(
                f"the recording carries sound only up to {bandwidth_hz / 1000:.1f} kHz "
                "(telephone quality): alpha ratio and Hammarberg index read low; record at "
                "16 kHz or more to compare them."
            )

    summary = Summary(
        duration_s=duration_s,
        speech_s=speech_s,
        f0_median_hz=f0_median,
        f0_p10_hz=f0_p10,
        f0_p90_hz=f0_p90,
        f0_range_st=f0_range,
        f0_sd_st=f0_sd,
        f0_velocity_st_per_s=velocity,
        final_fall_fraction=fall_fraction,
        syllables=n_syl if phrase_frames else None,
        syllables_source=source,
        speech_rate_syl_per_s=speech_rate,
        articulation_rate_syl_per_s=artic_rate,
        pause_count=pause_count,
        pause_mean_s=pause_mean_s,
        pause_ratio=pause_ratio,
        phrase_count=phrase_count,
        phrase_mean_syl=phrase_mean_syl,
        loudness_db=loud,
        loudness_sd_db=loud_sd,
        loudness_range_db=loud_range,
        onset_slope_db_per_s=onset,
        alpha_ratio_db=alpha,
        hammarberg_db=hamm,
        spectral_centroid_hz=centroid,
        spectral_flux=_mean_flux(spec.flux, voiced),
        f0_expected_hz=expected,
        speech_level_db=_speech_level_db(level, speech, background),
        voiced_rate_syl_per_s=voiced_rate,
    )
    tracks = Tracks(
        time_s=time_s,
        f0_hz=f0,
        voiced=voiced,
        loudness_db=level,
        speech=speech,
        syllable_times_s=nuclei * FRAME_S,
        pauses=tuple(pauses_s),
        phrases=tuple(phrases_s),
    )
    quality = Quality(
        clipped_fraction=clipped_fraction,
        snr_db=snr_db,
        voiced_fraction=float(voiced[speech].mean()) if speech.any() else 0.0,
        bandwidth_hz=bandwidth_hz,
        snr_high_db=_snr_db(spec.high_band_db, voiced, speech),
        hum_hz=None if hum is None else round(hum.fundamental_hz, 2),
    )
    for note in notes:
        warnings.warn(note, ProsodyWarning, stacklevel=3)
    return Analysis(summary, tracks, quality, settings, tuple(notes))


def pitch_velocity_st_per_s(f0_hz: np.ndarray, voiced: np.ndarray, smooth_frames: int,
                            max_st_per_s: float | None = None) -> float | None:
    """Mean absolute frame-to-frame F0 change within voiced runs, in st/s (10 ms frames).

    The contour is first smoothed over ``smooth_frames`` frames inside each run: frame-to-frame
    tracking jitter of a few cents would otherwise add a floor of several st/s to every voice.
    Steps faster than ``max_st_per_s`` are left out. No voice moves that fast: the fastest
    pitch changes people can make run at about 10.8 + 5.6 st/s per semitone of excursion up,
    and 8.9 + 6.2 down (Xu & Sun 2002, JASA 111), about 80 st/s for a whole octave. A faster
    step is an octave jump of the tracker or a burst of noise. One such step weighs as much as
    dozens of real ones in the mean, so a room's noise read as a "jumpy" voice.

    Parameters
    ----------
    f0_hz : np.ndarray [shape=(n,)]
        pitch per 10 ms frame, in Hz (anything where unvoiced)
    voiced : np.ndarray [shape=(n,), dtype=bool]
    smooth_frames : int
    max_st_per_s : float or None
        the fastest step counted (None: every step)

    Returns
    -------
    float or None
        None when no voiced run is longer than ``smooth_frames + 1`` frames, or when every
        step is faster than ``max_st_per_s``
    """
    from .timing import runs

    steps = []
    kernel = np.ones(smooth_frames) / smooth_frames
    for a, b in runs(voiced):
        if b - a < smooth_frames + 2:
            continue
        st = hz_to_st(f0_hz[a:b])
        st = np.convolve(st, kernel, mode="valid")
        steps.append(np.abs(np.diff(st)))
    if not steps:
        return None
    speed = np.concatenate(steps) / FRAME_S
    if max_st_per_s is not None:
        speed = speed[speed <= max_st_per_s]
    return float(np.mean(speed)) if speed.size else None


def phrase_ends(tracks: Tracks, *, settings: AnalysisSettings | None = None
                ) -> tuple[PhraseEnd, ...]:
    """How each phrase ends: falling, rising or level, over its last 300 ms of voicing.

    The one computation behind ``final_fall_fraction`` (the share of these that fall) and the
    arrows a contour chart draws, so the two always agree. A phrase with fewer than 8 voiced
    frames in that window is not judged (left out).

    Parameters
    ----------
    tracks : Tracks
        of an :class:`Analysis`, or as a saved take keeps them
    settings : AnalysisSettings or None
        the analysis' settings (``final_window_s``, ``final_fall_st``); None: the defaults

    Returns
    -------
    tuple of PhraseEnd
        in time order
    """
    return _phrase_ends(np.asarray(tracks.f0_hz, dtype=float),
                        np.asarray(tracks.voiced, dtype=bool), tracks.phrases,
                        settings or AnalysisSettings())


def _phrase_ends(f0: np.ndarray, voiced: np.ndarray, phrases_s,
                 settings: AnalysisSettings) -> tuple[PhraseEnd, ...]:
    """The fall is read from a straight line fitted to the semitone contour of those frames
    (start of the line minus its end), which is robust to the last few frames' creak and
    jitter."""
    from .timing import spans_to_frames

    window = int(round(settings.final_window_s / FRAME_S))
    out = []
    for (a, b), (start_s, end_s) in zip(spans_to_frames(phrases_s), phrases_s, strict=True):
        v = np.flatnonzero(voiced[a:b]) + a
        if v.size == 0:
            continue
        end = v[-1]
        sel = v[v > end - window]
        if sel.size < 8:
            continue
        t = sel * FRAME_S
        slope = np.polyfit(t, hz_to_st(f0[sel]), 1)[0]
        change = slope * (t[-1] - t[0])
        shape: EndShape = ("fall" if -change >= settings.final_fall_st else
                           "rise" if change >= settings.final_fall_st else "level")
        out.append(PhraseEnd(start_s=float(start_s), end_s=float(end_s), time_s=float(t[-1]),
                             f0_hz=float(f0[end]), change_st=float(change), shape=shape))
    return tuple(out)


def _onset_slope(level: np.ndarray, nuclei: np.ndarray, search_s: float) -> float | None:
    """Median rise of level into each syllable nucleus, in dB/s.

    The rise runs from the lowest level in the preceding ``search_s`` (not reaching back past the
    previous nucleus) to the level at the nucleus.
    """
    search = int(round(search_s / FRAME_S))
    slopes = []
    prev = -1
    for k in nuclei:
        lo = max(prev + 1, k - search, 0)
        prev = k
        if k - lo < 2:
            continue
        seg = level[lo : k + 1]
        i = int(np.argmin(seg))
        rise = seg[-1] - seg[i]
        dt = (len(seg) - 1 - i) * FRAME_S
        if dt > 0 and rise > 0:
            slopes.append(rise / dt)
    return float(np.median(slopes)) if slopes else None


#: Background frames are this far from any speech frame, in frames (soft word edges and breaths
#: stay out of the noise estimate).
BACKGROUND_MARGIN_FRAMES = 10
#: The words given fit a recording when their syllables and those found in the sound are within
#: this factor of each other (CREMA-D's neutral sentences read 0.44-1.67); outside it the words
#: are not what was said (another phrase, a paragraph for one sentence, only punctuation or
#: emoji) and the syllables are counted from the sound. See :func:`text_fits`.
TEXT_FIT_FACTOR = 3.0
#: The count from the sound settles as the words get longer: in a room at least this far below
#: the voice (dB), ``text_fits`` asks a closer fit of longer words.
TEXT_FIT_CLEAN_SNR_DB = 15.0


def text_fits(text_syllables: int, heard_syllables: int, snr_db: float | None) -> bool:
    """Whether words of ``text_syllables`` syllables can be what a recording holding about
    ``heard_syllables`` syllable nuclei said.

    The syllables counted from the sound scatter about the words' own: by up to a factor of
    about 2.3 on one short sentence (CREMA-D's 5-10 syllable sentences, 0.44-1.67; TIMIT's,
    0.78-1.3), by less on a long reading (TIMIT speakers' sentences read one after another,
    106-129 syllables: 0.99-1.16 in a quiet room, 1.45 at 12 dB and 1.8 at 8 dB of pink noise,
    where syllables drown). So in a room ``TEXT_FIT_CLEAN_SNR_DB`` or more under the voice the
    factor allowed narrows with the words' length, ``1 + 2 * sqrt(6 / n)``: 3 for six
    syllables, 1.8 for thirty, 1.6 for the 77 of the everyday-voice passage. Half of that
    passage read (a factor of 1.8 to 2.9) no longer passes for all of it, which doubled the
    everyday pace every later take was compared with; noisier rooms keep ``TEXT_FIT_FACTOR``.
    """
    if text_syllables <= 0 or heard_syllables <= 0:
        return heard_syllables <= 0 < text_syllables  # nothing heard to contradict the words
    factor = TEXT_FIT_FACTOR
    if snr_db is not None and snr_db >= TEXT_FIT_CLEAN_SNR_DB:
        factor = min(factor, 1.0 + 2.0 * math.sqrt(6.0 / text_syllables))
    return 1.0 / factor <= text_syllables / heard_syllables <= factor


def _background(speech: np.ndarray) -> np.ndarray:
    """Frames at least ``BACKGROUND_MARGIN_FRAMES`` away from any speech frame."""
    m = BACKGROUND_MARGIN_FRAMES
    near = np.convolve(speech.astype(float), np.ones(2 * m + 1), mode="same") > 0
    return ~near


def _mean_flux(flux: np.ndarray, voiced: np.ndarray) -> float | None:
    """Mean spectral flux over pairs of neighbouring voiced frames (None: fewer than 5 pairs).

    Voiced frames only: the voice stands well above the room there, while the flux of the soft
    edges of words is mostly the noise's own randomness."""
    pairs = voiced.copy()
    pairs[0] = False
    pairs[1:] &= voiced[:-1]
    values = flux[pairs]
    values = values[np.isfinite(values)]
    return float(np.mean(values)) if values.size >= 5 else None


def _snr_db(level: np.ndarray, speech: np.ndarray,
            not_background: np.ndarray | None = None) -> float | None:
    """Active speech level over the background, in dB (None: no speech or no background).

    The speech level is the power mean of the ``speech`` frames (their RMS, as a speech level
    meter reads it, so soft syllable edges counted as speech do not drag it down); the
    background is the median level of the frames between and around utterances (those not in
    ``not_background``, by default not in ``speech``). ``level`` may be a band's level.
    """
    quiet = ~(speech if not_background is None else not_background)
    if speech.sum() < 5 or quiet.sum() < 5:
        return None
    return float(active_level_db(level[speech], margin_db=None) - np.median(level[quiet]))


#: The room's noise is taken out of the speech level only down to this share of each frame's
#: power (-13 dB), as in the spectra (voice.NOISE_FLOOR_SHARE).
LEVEL_FLOOR_SHARE = 0.05
#: The active speech level counts the frames no more than this far under it (P.56 counts 15.9 dB
#: on a smoothed envelope; these are rougher 10 ms frames). Chosen among 10, 12 and 14 dB on 30
#: of benchmarks/noise_robustness.py's clean read sentences mixed with pink and booth noise:
#: with 10 dB the median error stayed within 0.3 dB down to 0 dB SNR, where the plain power mean
#: of the speech frames read 1.4 dB high at 12 dB and 3.8 dB at 0 dB. On all 60 sentences the
#: benchmark finds it holds (1 dB) down to 11 dB SNR as read, the plain mean to 19.
ACTIVE_MARGIN_DB = 10.0


def _speech_level_db(level: np.ndarray, speech: np.ndarray,
                     background: np.ndarray) -> float | None:
    """The summary's ``speech_level_db``: :func:`active_level_db` of the speech frames, with the
    median power of the background frames (at least ``voice.MIN_NOISE_FRAMES``) as the noise."""
    from .voice import MIN_NOISE_FRAMES

    lv = level[speech]
    if lv.size < 5:
        return None
    noise_db = (float(np.median(level[background]))
                if background.sum() >= MIN_NOISE_FRAMES else None)
    return active_level_db(lv, noise_db=noise_db)


def active_level_db(level_db: np.ndarray, *, noise_db: float | None = None,
                    margin_db: float | None = ACTIVE_MARGIN_DB) -> float:
    """The active speech level of frame levels, in dB: a speech level as a level meter reads it.

    The power mean of the frames no more than ``margin_db`` under the result itself (found by
    iterating from the power mean of all of them, as ITU-T P.56 finds its active level):
    dominated by the vowels, it barely moves when room noise fills the soft edges of words,
    unlike the median (``loudness_db``) or a plain power mean, which both change with how many
    soft frames the noise lets count as speech. With ``noise_db``, the room's steady noise power
    is taken out of every frame first (down to ``LEVEL_FLOOR_SHARE`` of it): noise adds its
    power to a soft voice 10-15 dB above it and less to a louder take in the same room, which
    would shrink the change the coach compares. ``margin_db=None``: the plain power mean.
    """
    power = 10.0 ** (np.asarray(level_db, dtype=float) / 10.0)
    if noise_db is not None:
        power = np.maximum(power - 10.0 ** (noise_db / 10.0), LEVEL_FLOOR_SHARE * power)
    mean = float(np.mean(power))
    if margin_db is not None:
        # the mean of the frames above a floor under it only rises as the floor rises, so this
        # converges, and within as many steps as there are frames
        for _ in range(power.size):
            new = float(np.mean(power[power >= mean * 10.0 ** (-margin_db / 10.0)]))
            if new <= mean * 1.0001:
                mean = max(mean, new)
                break
            mean = new
    return float(10.0 * np.log10(mean))
