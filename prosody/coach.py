"""The coach: a calm score, per-feature verdicts and plain-language tips for one practice take.

:func:`coach` compares the :class:`~prosody.analysis.Analysis` of a take with the targets of a
profile (``samples/profiles/soothing.toml``), against the speaker's baseline (their everyday
voice) when there is one and against absolute fallbacks when there is not.

How the score is made
---------------------
Each judged feature gives evidence of calm or of tension: its *tension* is how far it lies on
the tense side of its target's edge, in tolerances (above ``high``: a higher, faster, louder,
brighter voice; negative on the calm side), clipped to ``[-calm_credit, tension_cap]`` so that no
single measure, or a measuring error, can decide alone. A value below the ``low`` edge of a
two-sided target (too slow, too soft, too flat) costs ``too_calm_weight`` per tolerance, because
calm is not sad or flat. The score is ``100 / (1 + exp(-logit))`` with ``logit = bias -
sum(weight * tension) - too-calm costs`` (with a baseline, each feature's tension against its
absolute target adds ``general_weight`` times itself beside the one against the baseline): a
logistic model whose weights and biases were fitted
on acted and listener-rated speech, speaker by speaker (``benchmarks/fit_calm.py``; the numbers
and their provenance are in the profile). A feature that cannot be judged adds no evidence
either way. A monotone (pitch range under the profile's floor) caps the score, because calm is
not flat. A recording that is clipped, too quiet or whispered gets a message instead of a
score: its numbers would mislead. Background noise refuses nothing: each measure is judged only
while the speech stands far enough above the noise for that measure to hold (the profile's
``[guards.snr_limits_db]``), and the others are listed as not judged, with why.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from .errors import ProsodyError, quiet_warnings
from .profile import FeatureSpec, Profile, ScoreModel, Target, load_profile
from .util import FRAME_S, hz_to_st, relative_change, rounded

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import Analysis, AnalysisSettings

Verdict = Literal["low", "ok", "high"]
RelativeTo = Literal["baseline", "absolute"]
QualityCode = Literal["clipped", "too_quiet", "whisper", "no_voice"]
Cue = Literal["pitch", "level", "rate", "jump", "creak"]

#: Headroom above the baseline's adapted pitch ceiling (×1.5, about 7 semitones). The adapted
#: ceiling (1.9 × the baseline's 90th percentile) is too low for aroused takes: on RAVDESS
#: (actors 01-06) 6 of 66 takes, all strong angry/fearful/happy, then read 4.5-16 st below Praat;
#: with this headroom none does (benchmarks/calm_validation.py, docs/coach.md).
AROUSAL_HEADROOM = 1.5
#: A speech frame is "loud" within this many dB of the take's 90th-percentile speech level.
LOUD_WITHIN_DB = 12.0
#: Irregular stretches shorter than this are not named in the phrase notes, in seconds.
MIN_CREAK_SPAN_S = 0.06
#: At most this many phrase notes, the strongest ones, are kept.
MAX_PHRASE_NOTES = 5
MAX_TIPS = 3


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class FeatureResult:
    """One feature judged against its target.

    Attributes
    ----------
    name, label : str
        the profile's key and its plain name
    value : float
        the compared value, in ``unit``: a change from the baseline (``st``, ``%``, a
        difference in the measure's unit) or the take's own value
    unit : str
    target_low, target_high : float or None
        the range in force, in ``unit`` (None: open on that side)
    verdict : {'low', 'ok', 'high'}
    relative_to : {'baseline', 'absolute'}
    measured : float
        the take's own measure, in ``measured_unit`` (for example the median pitch in Hz)
    measured_unit : str
    weight : float
        the feature's weight in this score (logit per tolerance of tension)
    points : float
        how close to its target it came, 0-1: 1 inside, half at one tolerance outside
    effect : float
        what it added to the score's logit: positive towards calm, negative towards tension
    general_effect : float
        the part of ``effect`` that came from comparing the take with calm voices in general
        (with a baseline, beside the comparison with it; 0 without one). The verdict, the tip
        and their order follow the rest, the comparison the verdict is about.
    """

    name: str
    label: str
    value: float
    unit: str
    target_low: float | None
    target_high: float | None
    verdict: Verdict
    relative_to: RelativeTo
    measured: float
    measured_unit: str
    weight: float
    points: float
    effect: float = 0.0
    general_effect: float = 0.0

    @property
    def own_effect(self) -> float:
        """The part of ``effect`` from the comparison its verdict is about."""
        return self.effect - self.general_effect

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "value": rounded(self.value, 2),
            "unit": self.unit,
            "target_low": rounded(self.target_low, 2),
            "target_high": rounded(self.target_high, 2),
            "verdict": self.verdict,
            "relative_to": self.relative_to,
            "measured": rounded(self.measured, 2),
            "measured_unit": self.measured_unit,
            "weight": self.weight,
            "points": rounded(self.points, 3),
            "effect": rounded(self.effect, 3),
            "general_effect": rounded(self.general_effect, 3),
        }


@dataclass(frozen=True)
class PhraseNote:
    """A stretch of the take where arousal leaked, for the UI to point at."""

    start_s: float
    end_s: float
    cue: Cue
    message: str

    def to_dict(self) -> dict:
        return {"start_s": round(self.start_s, 2), "end_s": round(self.end_s, 2),
                "cue": self.cue, "message": self.message}


@dataclass(frozen=True)
class QualityProblem:
    """Why a take was not scored, and how to record it again."""

    code: QualityCode
    message: str

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Feedback:
    """What the coach says about one take.

    ``score`` is None when ``quality`` explains why the take could not be judged. ``flags``
    name the guards that fired (``too_flat``, ``creak_or_roughness``); ``not_judged`` lists
    ``(feature, reason)`` for the features left out; ``notes`` say what was done to the
    recording before it was judged that the person should know (a mains hum taken out).
    """

    score: int | None
    explanation: str
    features: tuple[FeatureResult, ...]
    tips: tuple[str, ...]
    well: str | None
    phrase_notes: tuple[PhraseNote, ...]
    quality: QualityProblem | None
    flags: tuple[str, ...]
    not_judged: tuple[tuple[str, str], ...]
    profile: str
    profile_version: str
    scenario: str | None
    baseline: bool
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """The coach JSON of DESIGN.md (``score``, ``features``, ``tips``) plus the rest."""
        return {
            "score": self.score,
            "features": [f.to_dict() for f in self.features],
            "tips": list(self.tips),
            "well": self.well,
            "phrase_notes": [n.to_dict() for n in self.phrase_notes],
            "quality": self.quality.to_dict() if self.quality else None,
            "flags": list(self.flags),
            "not_judged": [{"name": n, "reason": r} for n, r in self.not_judged],
            "notes": list(self.notes),
            "explanation": self.explanation,
            "profile": self.profile,
            "profile_version": self.profile_version,
            "scenario": self.scenario,
            "baseline": self.baseline,
        }


# ---------------------------------------------------------------------------------------------
# The baseline


def baseline_settings(baseline_analysis: Analysis) -> AnalysisSettings:
    """Analysis settings whose pitch search range fits the speaker of a baseline take.

    The floor and ceiling come from :func:`prosody.pitch.adapted_range_hz` on the baseline's
    voiced F0; the ceiling then gets :data:`AROUSAL_HEADROOM`, because a tense practice take can
    rise more than an octave above the everyday voice and must still be tracked.

    Parameters
    ----------
    baseline_analysis : Analysis
        the analysis of the speaker's everyday voice

    Returns
    -------
    AnalysisSettings
        the baseline's settings with ``fmin_hz`` and ``fmax_hz`` set, in Hz

    Raises
    ------
    ProsodyError
        when the baseline has too little voiced speech to know the speaker's range.
    """
    from .pitch import LIMIT_FMAX_HZ, adapted_range_hz

    tracks = baseline_analysis.tracks
    f0_hz = tracks.f0_hz[tracks.voiced]
    f0_hz = f0_hz[np.isfinite(f0_hz)]
    if f0_hz.size < 10:
        raise ProsodyError(
            f"the baseline has only {f0_hz.size * FRAME_S:.2f} s of voiced speech, too little to "
            "learn your pitch range; record your everyday voice again: a whole sentence, spoken "
            "normally."
        )
    fmin_hz, fmax_hz = adapted_range_hz(f0_hz)
    fmax_hz = min(fmax_hz * AROUSAL_HEADROOM, LIMIT_FMAX_HZ)
    return dataclasses.replace(baseline_analysis.settings, fmin_hz=fmin_hz, fmax_hz=fmax_hz)


def measure_baseline(y: np.ndarray, *, sr: float, text: str | None = None,
                     bandwidth_hz: float | None = None) -> Analysis:
    """Analyse a baseline take the way every surface does (app, ``calmtone coach``, live view).

    A first pass finds the speaker's pitch range; the take is then measured again within it,
    with the same settings a practice take against this baseline gets, so both are measured
    alike. The result is checked by :func:`check_baseline`.

    Raises
    ------
    ProsodyError
        for unusable audio, too little voiced speech to learn the speaker's range, or a
        recording that is not plausible as the speaker's everyday voice (see
        :func:`check_baseline`).

    ``bandwidth_hz``: the band the recording carries, as for :func:`prosody.analyze` (a phone
    recording's 4 kHz).
    """
    from .analysis import analyze
    from .syllables import count_syllables

    first = analyze(y, sr=sr, text=text, bandwidth_hz=bandwidth_hz)
    baseline = analyze(y, sr=sr, text=text, settings=baseline_settings(first),
                       bandwidth_hz=bandwidth_hz)
    check_baseline(baseline, acoustic_syllables=first.summary.syllables if text is None
                   else analyze(y, sr=sr, bandwidth_hz=bandwidth_hz).summary.syllables,
                   text_syllables=None if text is None else count_syllables(text))
    return baseline


def load_baseline(source, *, text: str | None = None) -> Analysis:
    """:func:`measure_baseline` of a recording as :func:`prosody.load` reads it (a path, the
    bytes of a file or an upload); its warnings are carried in the result."""
    from .audio import load

    signal = load(source)
    with quiet_warnings():
        return measure_baseline(signal.y, sr=signal.sr, text=text,
                                bandwidth_hz=signal.original_sr / 2.0)


#: What an everyday voice can be, for :func:`check_baseline`. Speech rate (syllables over the
#: time from the first to the last word) of neutral read speech: CREMA-D's 180 neutral sentences
#: 2.0-9.3 syl/s, RAVDESS 4.2-5.4, TIMIT 3.5-6.5; outside 1.5-10 a recording is not someone
#: reading the words at an everyday pace (or not those words).
BASELINE_RATE_SYL_PER_S = (1.5, 10.0)
#: The shortest speech a baseline may have, in seconds: one short sentence ("It's eleven
#: o'clock" takes 0.7 s of speech in CREMA-D's fastest neutral take).
BASELINE_MIN_SPEECH_S = 0.5
#: Median pitch of an adult or child speaking voice, in Hz (the lowest men's voices near 60 Hz,
#: children's near 400 Hz).
BASELINE_F0_HZ = (55.0, 420.0)


def check_baseline(analysis: Analysis, *, acoustic_syllables: int | None = None,
                   text_syllables: int | None = None) -> None:
    """Refuse a baseline that is not plausible as the speaker's everyday voice.

    Checked: clipping, whisper and level (as for any take), at least
    ``BASELINE_MIN_SPEECH_S`` of speech, a speech rate within ``BASELINE_RATE_SYL_PER_S``, a
    median pitch within ``BASELINE_F0_HZ``, and, when the words were given, that they fit the
    recording: their syllables (``text_syllables``) and those found in the audio
    (``acoustic_syllables``) close enough (:func:`prosody.analysis.text_fits`: within a factor
    of 3 for a sentence, closer for a long passage read in a quiet room). A baseline whose
    words do not fit is refused, not measured from the sound as a practice take would be: it
    is meant to be the passage.

    Raises
    ------
    ProsodyError
        saying what is wrong with the recording and what to record instead.
    """
    again = ("Record your everyday voice again: the passage (or the same phrase) read aloud "
             "in your normal voice, at your normal pace, in a quiet room.")
    problem = quality_problem(analysis, load_profile())
    if problem is not None:
        raise ProsodyError(f"the baseline recording cannot serve as your everyday voice: "
                           f"{problem.message}")
    s = analysis.summary
    if s.speech_s is None or s.speech_s < BASELINE_MIN_SPEECH_S:
        said = 0.0 if s.speech_s is None else s.speech_s
        raise ProsodyError(f"the baseline holds only {said:.1f} s of speech, too little to know "
                           f"your everyday voice (at least {BASELINE_MIN_SPEECH_S:g} s: a whole "
                           f"sentence). {again}")
    low, high = BASELINE_RATE_SYL_PER_S
    rate = s.speech_rate_syl_per_s
    if rate is not None and not low <= rate <= high:
        words = (" or the words given are not the ones in the recording"
                 if s.syllables_source == "text" else "")
        raise ProsodyError(f"the baseline reads as {rate:.1f} syllables per second, outside the "
                           f"{low:g} to {high:g} of everyday speech: it is not a recording of the "
                           f"words read at your normal pace{words}. {again}")
    f0 = s.f0_median_hz
    if f0 is not None and not BASELINE_F0_HZ[0] <= f0 <= BASELINE_F0_HZ[1]:
        raise ProsodyError(f"the baseline's pitch reads {f0:.0f} Hz, outside the "
                           f"{BASELINE_F0_HZ[0]:g} to {BASELINE_F0_HZ[1]:g} Hz of speaking "
                           f"voices: it is not an everyday voice (singing, squeaking, or a "
                           f"recording sped up?). {again}")
    if text_syllables is None and s.syllables_source == "text":
        text_syllables = s.syllables
    if text_syllables is not None and acoustic_syllables:
        from .analysis import text_fits

        if not text_fits(text_syllables, acoustic_syllables, analysis.quality.snr_db):
            part = (" (other words, or only part of them?)"
                    if acoustic_syllables < text_syllables else "")
            raise ProsodyError(f"the words given have {text_syllables} syllables but the "
                               f"recording holds about {acoustic_syllables}: it does not seem to "
                               f"be those words{part}. {again}")


# ---------------------------------------------------------------------------------------------
# The coach


def coach(analysis: Analysis, *, profile: Profile | str | Path,
          baseline: Analysis | None = None, scenario: str | None = None) -> Feedback:
    """Judge one practice take against a profile.

    Parameters
    ----------
    analysis : Analysis
        the take, ideally analysed with :func:`baseline_settings` of the baseline
    profile : Profile, str or Path
        a loaded profile, a profile name (``"soothing"``) or the path of a profile file
    baseline : Analysis or None
        the speaker's everyday voice, ideally the same phrase said neutrally; relative targets
        need it, without it the absolute fallbacks are used
    scenario : str or None
        a scenario of the profile (``"bedtime"``, ``"de-escalation"``, ``"check-in"``,
        ``"repair"``) whose targets override the general ones

    Returns
    -------
    Feedback

    Raises
    ------
    ProsodyError
        for an unknown profile or scenario, or a baseline that cannot serve as a reference.
    """
    if not isinstance(profile, Profile):
        profile = load_profile(profile)
    prof = profile.for_scenario(scenario)
    meta = {"profile": prof.name, "profile_version": prof.version, "scenario": scenario,
            "baseline": baseline is not None, "notes": recording_notes(analysis)}

    problem = quality_problem(analysis, prof)
    if problem is not None:
        return Feedback(score=None, explanation="No score: " + problem.message, features=(),
                        tips=(problem.message,), well=None, phrase_notes=(), quality=problem,
                        flags=(), not_judged=(), **meta)
    if baseline is not None:
        base_problem = quality_problem(baseline, prof)
        if base_problem is not None:
            raise ProsodyError(
                f"the baseline recording cannot serve as your everyday voice: "
                f"{base_problem.message}"
            )

    results: list[FeatureResult] = []
    not_judged: list[tuple[str, str]] = []
    lost_to_noise = 0.0  # the weight of the features the background noise left out
    for spec in prof.features:
        noisy = _too_noisy_for(spec.measure, spec.label.lower(), analysis, prof.guards)
        if noisy:
            not_judged.append((spec.name, noisy))
            lost_to_noise += (spec.weight + spec.general_weight if baseline is not None
                              else spec.absolute_weight)
            continue
        # a baseline too noisy for this measure is no reference for it: the general target
        usable = (baseline if baseline is not None and not _too_noisy_for(
            spec.measure, spec.label.lower(), baseline, prof.guards) else None)
        result, reason = _judge(spec, analysis, usable, prof.score, prof.guards)
        if result is None:
            not_judged.append((spec.name, reason))
        else:
            results.append(result)

    flags: list[str] = []
    tips: list[tuple[float, str]] = []
    guards = prof.guards
    range_st = analysis.summary.f0_range_st
    too_flat = range_st is not None and range_st < guards.monotone_floor_st
    if too_flat:
        flags.append("too_flat")
        results = [_force_low(r) if r.name == "pitch_range" else r for r in results]
        tips.append((math.inf, (
            f"Your voice was too flat: its pitch moved over only {range_st:.1f} semitones "
            f"(less than {guards.monotone_floor_st:g}). Calm is not a monotone; let the melody "
            "rise and fall gently, as when you read a bedtime story."
        )))
    # a guard, whatever the feature's weight in the score: creak and roughness are not calm
    creaky = [r.name for r in results if r.verdict == "high"
              and prof.feature(r.name).measure == "irregular_voicing_fraction"]
    if creaky:
        flags.append("creak_or_roughness")

    weights = sum(r.weight for r in results)
    if lost_to_noise > 0 and weights < MIN_JUDGED_SHARE * (weights + lost_to_noise):
        # a score from the few measures the noise spared would claim more than it knows
        snr = analysis.quality.snr_db
        message = (f"No score: the room was too noisy to judge most of your voice (it stood "
                   f"{snr:.0f} dB above the background). Record in a quieter spot, or a little "
                   "closer to the microphone, and try again.")
        return Feedback(score=None, explanation=message, features=tuple(results),
                        tips=(message.removeprefix("No score: ").capitalize(),), well=None,
                        phrase_notes=(), quality=None, flags=tuple(flags),
                        not_judged=tuple(not_judged), **meta)
    if weights <= 0:
        return Feedback(
            score=None,
            explanation="No score: none of the profile's features could be judged on this take.",
            features=tuple(results), tips=("Record a whole sentence in a soft, voiced tone.",),
            well=None, phrase_notes=(), quality=None, flags=tuple(flags),
            not_judged=tuple(not_judged), **meta)
    bias = prof.score.bias if baseline is not None else prof.score.absolute_bias
    logit = bias + sum(r.effect for r in results)
    raw_score = 100.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))
    score = raw_score
    if too_flat:
        score = min(score, guards.monotone_cap)
    rough = lost_to_noise > 0 and weights < ROUGH_SHARE * (weights + lost_to_noise)

    for r in results:
        if r.verdict == "ok" or (r.weight <= 0 and r.name not in creaky):
            continue
        if too_flat and r.name in ("pitch_range", "pitch_movement") and r.verdict == "low":
            continue  # the monotone tip says it already
        spec = prof.feature(r.name)
        template = spec.wording.tip_high if r.verdict == "high" else spec.wording.tip_low
        if template:
            # the most costly first; a miss that costs nothing (weight 0) still gets its tip last
            # by what the comparison behind the verdict cost: a rise over your everyday voice
            # is told even where your voice is calm for voices in general
            tips.append((-r.own_effect + 1e-3 * (1.0 - r.points),
                         _fill(template, spec, r, baseline)))
    tips.sort(key=lambda t: -t[0])

    return Feedback(
        score=int(round(score)),
        explanation=_explanation(prof, results, raw_score, score, too_flat, baseline)
        + (_ROUGH_NOTE.format(snr=analysis.quality.snr_db, judged=", ".join(
            r.label.lower() for r in results if r.weight > 0)) if rough else ""),
        features=tuple(results),
        tips=tuple(text for _, text in tips[:MAX_TIPS]),
        well=_well(prof, results, baseline),
        phrase_notes=phrase_notes(analysis, prof, baseline=baseline,
                                  creak_flagged="creak_or_roughness" in flags),
        quality=None,
        flags=tuple(flags),
        not_judged=tuple(not_judged),
        **meta,
    )


def recording_notes(analysis: Analysis) -> tuple[str, ...]:
    """What was done to the recording before it was judged that the person should know, as
    sentences: a file that ended early (only what was read is judged); a channel of a
    multichannel file left out, and why; a mains hum taken out (``prosody.hum``), with how to
    get rid of it."""
    from .analysis import HUM_NOTE

    quality = analysis.quality
    notes = _cut_short_notes(quality.cut_short)
    notes += _channel_notes(quality.channels, quality.channels_left_out)
    if quality.hum_hz is not None:
        note = HUM_NOTE.format(hz=quality.hum_hz)
        notes.append(note[:1].upper() + note[1:])
    return tuple(notes)


def _cut_short_notes(cut_short: Sequence | None) -> list[str]:
    """What to say of a file that ended before it said it would (``Quality.cut_short``)."""
    if not cut_short:
        return []
    read_s, announced_s = cut_short
    again = ("The score is for the part that was read; if your take was longer, copy or export "
             "the recording again.")
    if announced_s:
        return [f"The file ends early: {read_s:.1f} s of the {announced_s:.1f} s it announces "
                f"could be read (it was probably cut off while being copied or saved). {again}"]
    return [f"The file ends without its proper ending (it was probably cut off while being "
            f"copied or saved): {read_s:.1f} s could be read. {again}"]


def _channel_notes(channels: int, left_out: Sequence[Sequence]) -> list[str]:
    """What to say of the channels left out of a multichannel recording (``Quality``)."""
    def name(c: int) -> str:
        return f"the {('left', 'right')[c]} channel" if channels == 2 else f"channel {c + 1}"

    left = [int(c) for c, _ in left_out]
    kept = [c for c in range(channels) if c not in left]
    if not kept:
        return []
    them = " and ".join(name(c) for c in kept)
    notes = []
    for c, why in left_out:
        this = name(int(c))
        if why == "clipped":
            text = (f"{this} was distorted (clipped), so the same sound on {them}, recorded "
                    "quieter, was judged instead.")
        else:
            text = (f"{this} was left out: it carried a different sound from {them} (another "
                    f"microphone, a second voice or noise), and only {them} was judged. If "
                    f"your voice was on {this}, record with that input alone.")
        notes.append(text[:1].upper() + text[1:])
    return notes


#: A recording this far above the quietest level a voice may have, steady and unvoiced, is
#: noise rather than a voice too quiet to hear.
STEADY_LOUD_DB = 20.0
#: ... when its frames' levels spread less than this (dB, 5th to 95th percentile: white noise
#: spreads 2-3 dB, a word over a quiet room 15 or more) and under this much of it is voiced (s).
STEADY_SPREAD_DB, STEADY_VOICED_S = 8.0, 0.1
#: A "voice" whose pitch spans less than this (semitones, 10th to 90th percentile) and whose
#: loudness varies less than this (dB, SD) is a steady tone: speech moves by several semitones
#: and its syllables by 5-10 dB even when read flat.
STEADY_TONE_ST, STEADY_TONE_DB = 0.5, 2.0


#: A recording whose frames almost all (95 %) lie this far below full scale holds no sound at all
#: (digital silence, or a constant offset, which the level leaves out): the quietest microphone
#: hiss reads -90 dBFS and more.
SILENT_DBFS = -100.0


def quality_problem(analysis: Analysis, profile: Profile) -> QualityProblem | None:
    """Why a recording cannot be judged at all (clipped, whispered, too quiet), or None.

    Background noise is not a reason: it leaves out only the measures it makes unreliable."""
    g = profile.guards
    q = analysis.quality
    tracks = analysis.tracks
    if q.clipped_fraction > g.max_clipped_fraction:
        return QualityProblem("clipped", (
            f"the recording is distorted: {100 * q.clipped_fraction:.1f} % of it hit the top of "
            "the recording range. Move a little further from the microphone or turn the input "
            "gain down, and record again."
        ))
    voiced_s = float(np.count_nonzero(tracks.voiced)) * FRAME_S
    level = tracks.loudness_db
    floor_db, top_db = np.percentile(level, [5, 95]) if level.size else (0.0, 0.0)
    has_sound = top_db >= g.min_speech_level_dbfs and top_db - floor_db >= 20.0
    # loud and steady, with no voice in it (a fan, hiss, a hum): "too quiet" would be wrong
    if (voiced_s < STEADY_VOICED_S and top_db >= g.min_speech_level_dbfs + STEADY_LOUD_DB
            and top_db - floor_db < STEADY_SPREAD_DB):
        return QualityProblem("no_voice", (
            "there is no voice in this recording: it holds steady sound (noise, a hum or a "
            "fan) but no speech. Say the phrase aloud, close to the microphone, and record "
            "again."
        ))
    s = analysis.summary
    if (s.f0_range_st is not None and s.f0_range_st < STEADY_TONE_ST
            and s.loudness_sd_db is not None and s.loudness_sd_db < STEADY_TONE_DB):
        return QualityProblem("no_voice", (
            "this sounds like a steady tone, not speech: its pitch and loudness do not move at "
            "all. Say the phrase aloud, as you would to someone, and record again."
        ))
    if has_sound and (voiced_s < g.min_voiced_s or q.voiced_fraction < g.whisper_voiced_fraction):
        return QualityProblem("whisper", (
            "this sounds whispered: almost none of it was voiced, so there is no pitch or melody "
            "to judge. Calm is a soft voice, not a whisper: speak gently with your voice on, as "
            "to someone right beside you."
        ))
    level_db = analysis.summary.loudness_db
    no_voice = level_db is None or level_db < g.min_speech_level_dbfs or voiced_s < g.min_voiced_s
    if q.hum_hz is not None and no_voice:
        # the hum was taken out (prosody.hum) and no voice was left (or only what remains of
        # the hum, read as a faint "voice"): the microphone heard the electrics
        return QualityProblem("no_voice", (
            f"there is no voice in this recording, only a steady mains hum at {q.hum_hz:.0f} Hz "
            "from the electrics. Check that the right microphone is chosen and switched on, "
            "say the phrase aloud close to it, and record again."
        ))
    if no_voice and top_db <= SILENT_DBFS:
        # nothing at all: raising the gain of digital silence (or of a constant) gives nothing
        return QualityProblem("too_quiet", (
            "the recording holds no sound: it is silent from start to end (or only a constant "
            "offset). Check that the microphone is plugged in, chosen as the input and not "
            "muted, then record again."
        ))
    if no_voice:
        shown = "no voice could be found" if level_db is None else f"it reads {level_db:.0f} dBFS"
        return QualityProblem("too_quiet", (
            f"the voice is too quiet to judge ({shown}). Hold the microphone closer (about an "
            "arm's length or nearer) or raise the input gain, and record again."
        ))
    # background noise does not refuse a take: each measure it makes unreliable is left out
    # (see _too_noisy_for and the profile's [guards.snr_limits_db])
    return None


#: The least share of the weight a take would have had (in a quiet room) that must be judged
#: for a score: below it the background noise has left too little to judge the voice by. Low
#: on purpose: soft speech in an ordinary room must be scored (CREMA-D's booth takes read 3 to
#: 45 dB, a tenth of them under 7 dB, where only voice warmth holds), and a feature left out
#: adds no evidence either way, so a score from few measures stays near the middle rather than
#: claiming calm; the explanation then says the score is rough (ROUGH_SHARE). Voice warmth
#: alone carries about a tenth of the weight with a baseline: the limit sits well below that,
#: so that whether such a take is scored does not hang on the last refit of the weights.
MIN_JUDGED_SHARE = 0.05
#: Below this share of the weight judged, the explanation says the score is rough.
ROUGH_SHARE = 0.5
_ROUGH_NOTE = (" The room was noisy (your voice stood {snr:.0f} dB above the background), so "
               "the score rests on {judged} only: treat it as rough, and record in a quieter "
               "spot for the whole picture.")


def _too_noisy_for(measure_name: str, label: str, analysis: Analysis, guards) -> str | None:
    """Why ``measure_name`` cannot be judged on this take's background noise, or None.

    A measure is judged only while the speech stands far enough above the background for it to
    hold (``guards.snr_limits_db``, measured by ``benchmarks/noise_robustness.py``).
    """
    from .voice import HIGH_BAND_HZ, HIGH_BAND_MEASURES

    limit = guards.snr_limit_db(measure_name)
    # measures read from the voice's upper frequencies hold as long as that band stands clear
    # of the noise: a low hum leaves them alone, a hiss does not
    high = measure_name in HIGH_BAND_MEASURES and analysis.quality.snr_high_db is not None
    snr = analysis.quality.snr_high_db if high else analysis.quality.snr_db
    if limit is None or snr is None or snr >= limit:
        return None
    where = (f" in its upper frequencies ({HIGH_BAND_HZ[0] / 1000:g}-{HIGH_BAND_HZ[1] / 1000:g} "
             "kHz)" if high else "")
    # rounded down: "11 dB above, and 11 dB is needed" would read as a contradiction
    return (f"the room was too noisy to measure {label} reliably: your voice stood "
            f"{math.floor(snr):.0f} dB above the background{where}, and {limit:g} dB is needed. "
            "Record in a quieter spot or a little closer to the microphone to have it judged")


#: The parts of a reason written by :func:`_too_noisy_for` (the label, the SNR read, where, the
#: SNR needed, and what follows the advice), so that a report can say the advice once.
_NOISY = re.compile(r"the room was too noisy to measure (?P<label>.+?) reliably: your voice "
                    r"stood (?P<snr>-?\d+) dB above the background(?P<where>.*?), and "
                    r"(?P<need>[\d.]+) dB is needed\. Record in a quieter spot or a little closer "
                    r"to the microphone to have it judged(?P<extra>.*)", re.DOTALL)


def noise_reason(reason: str) -> dict | None:
    """The parts of a "too noisy" reason of ``Feedback.not_judged`` (keys label, snr, where,
    need, extra), or None for any other reason."""
    m = _NOISY.fullmatch(reason)
    return m.groupdict() if m else None


# ---------------------------------------------------------------------------------------------
# Measures


def measure(analysis: Analysis, name: str) -> float | None:
    """A summary value, or a measure the coach derives from the tracks; None when undefined."""
    if name == "irregular_voicing_fraction":
        return irregular_voicing_fraction(analysis)
    value = getattr(analysis.summary, name)
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def irregular_frames(analysis: Analysis, *, jump_st: float = 4.0) -> np.ndarray:
    """Loud speech frames with no steady pitch: unvoiced while loud, or at a pitch break.

    Creak, roughness and pitch breaks make the tracker lose the period (the frame reads unvoiced)
    or leap by several semitones from one frame to the next. Voiceless consonants also count, so
    the measure is best read against the speaker's baseline of the same phrase.

    Returns
    -------
    np.ndarray [shape=(n_frames,), dtype=bool]
    """
    tracks = analysis.tracks
    speech = tracks.speech
    if not speech.any():
        return np.zeros_like(speech)
    level = tracks.loudness_db
    loud = speech & (level >= np.percentile(level[speech], 90) - LOUD_WITHIN_DB)
    irregular = loud & ~tracks.voiced
    st = hz_to_st(tracks.f0_hz)
    step = np.abs(np.diff(st))
    # a leap between two voiced neighbours, e.g. a sudden octave drop into creak
    breaks = np.flatnonzero(tracks.voiced[1:] & tracks.voiced[:-1] & (step > jump_st))
    irregular[breaks] |= loud[breaks]
    irregular[breaks + 1] |= loud[breaks + 1]
    return irregular


def irregular_voicing_fraction(analysis: Analysis) -> float | None:
    """Share (0-1) of the loud speech frames that have no steady pitch (see
    :func:`irregular_frames`); None when there is no speech."""
    tracks = analysis.tracks
    speech = tracks.speech
    if speech.sum() < 10:
        return None
    level = tracks.loudness_db
    loud = speech & (level >= np.percentile(level[speech], 90) - LOUD_WITHIN_DB)
    return float(np.count_nonzero(irregular_frames(analysis)) / max(1, np.count_nonzero(loud)))


# ---------------------------------------------------------------------------------------------
# Judging one feature


def _judge(spec: FeatureSpec, analysis: Analysis, baseline: Analysis | None,
           model: ScoreModel, guards) -> tuple[FeatureResult | None, str]:
    take = measure(analysis, spec.measure)
    if take is None:
        return None, f"{spec.label.lower()} could not be measured on this take"
    syllables = analysis.summary.syllables or 0
    if syllables < spec.min_syllables:
        return None, (f"needs at least {spec.min_syllables} syllables; this take has "
                      f"{syllables}")
    base = measure(baseline, spec.measure) if baseline is not None else None
    target: Target | None = None
    if spec.relative is not None and base is not None:
        value = relative_change(take, base, spec.relative.comparison)
        if value is not None:
            target, relative_to, weight = spec.relative, "baseline", spec.weight
    if target is None:
        if spec.absolute is None:
            why = ("needs your everyday voice as a baseline" if baseline is None
                   else "could not be measured on the baseline")
            return None, why
        target, relative_to, weight = spec.absolute, "absolute", spec.absolute_weight
        value, why = _absolute_value(spec, analysis, take, guards)
        if value is None:
            return None, why
    miss = target.miss(value)
    verdict: Verdict = "ok" if miss == 0 else (
        "low" if target.low is not None and value < target.low else "high")
    points = 1.0 / (1.0 + miss**2)
    tension = min(max(target.tension(value, spec.tense), -model.calm_credit), model.tension_cap)
    too_calm = min(target.too_calm(value, spec.tense), model.tension_cap)
    effect = -weight * tension - model.too_calm_weight * too_calm
    general_effect = 0.0
    if relative_to == "baseline" and spec.general_weight > 0:
        general = _general_tension(spec, analysis, take, model, guards)
        if general is not None:  # beside the baseline, how it compares with calm voices at large
            weight += spec.general_weight
            general_effect = -spec.general_weight * general
            effect += general_effect
    return FeatureResult(
        name=spec.name, label=spec.label, value=value, unit=_unit(spec, target),
        target_low=target.low, target_high=target.high, verdict=verdict,
        relative_to=relative_to, measured=take, measured_unit=spec.measure_unit,
        weight=weight, points=points, effect=effect, general_effect=general_effect,
    ), ""


def _absolute_value(spec: FeatureSpec, analysis: Analysis, take: float, guards
                    ) -> tuple[float | None, str]:
    """``take`` in the unit of the feature's absolute target (for ``expected_st``, semitones
    from the pitch usual for the voice), or None and why it cannot be judged."""
    if spec.absolute is None or spec.absolute.comparison != "expected_st":
        return take, ""
    expected = analysis.summary.f0_expected_hz
    if expected is None or expected <= 0 or take <= 0:
        from .voice import FORMANT_MIN_BANDWIDTH_HZ

        if analysis.quality.bandwidth_hz < FORMANT_MIN_BANDWIDTH_HZ:
            khz = analysis.quality.bandwidth_hz / 1000.0
            why = (f"the recording carries sound only up to {khz:.1f} kHz (a phone line or a "
                   "low sample rate), too little to show what pitch is usual for your voice, "
                   f"which needs {FORMANT_MIN_BANDWIDTH_HZ / 1000:g} kHz")
        else:
            why = "the recording did not show what pitch is usual for your voice"
        return None, f"{spec.label.lower()} needs your everyday voice as a baseline: {why}"
    noisy = _too_noisy_for("f0_expected_hz", "the pitch usual for your voice", analysis, guards)
    if noisy:
        return None, noisy + " (or record your everyday voice as a baseline)"
    return float(hz_to_st(take, expected)), ""


def _general_tension(spec: FeatureSpec, analysis: Analysis, take: float, model: ScoreModel,
                     guards) -> float | None:
    """The clipped tension of ``take`` against the feature's absolute target (None when it
    cannot be judged: no such target, or the pitch usual for the voice unknown or too noisy)."""
    if spec.absolute is None:
        return None
    value, _ = _absolute_value(spec, analysis, take, guards)
    if value is None:
        return None
    return min(max(spec.absolute.tension(value, spec.tense), -model.calm_credit),
               model.tension_cap)


def _unit(spec: FeatureSpec, target: Target) -> str:
    if target.comparison in ("st", "expected_st"):
        return "st"
    if target.comparison == "percent":
        return "%"
    unit = spec.measure_unit
    if target.comparison == "difference" and unit == "dBFS":
        return "dB"  # a difference of two levels is a gain, not a level
    return unit


def _force_low(r: FeatureResult) -> FeatureResult:
    return dataclasses.replace(r, verdict="low", points=0.0)


# ---------------------------------------------------------------------------------------------
# Words


_UNIT_WORDS = {
    "Hz": "Hz", "st": "semitones", "st/s": "semitones per second",
    "syl/s": "syllables per second", "dB": "dB", "dBFS": "dBFS", "syl": "syllables",
    "dB/s": "dB per second", "%": "%",
}


def _number(x: float, unit: str, *, signed: bool = False) -> str:
    """A number as a person would say it: few digits, more only for small values. Unsigned
    (the direction is said in words) unless ``signed``."""
    size = abs(x)
    one_decimal = unit == "syl/s" or (unit in ("st", "dB") and size < 3)
    if unit == "flux":  # spectral flux lives between 0 and 1: whole numbers would all read 0
        text = f"{size:.2f}"
        return "-" + text if signed and x < 0 and float(text) != 0 else text
    text = f"{size:.1f}" if one_decimal else f"{size:.0f}"
    text = text[:-2] if text.endswith(".0") else text
    return "-" + text if signed and x < 0 and text != "0" else text


def _quantity(x: float, unit: str, *, signed: bool = False) -> str:
    if unit == "share":
        return f"{100 * x:.0f} %"
    if unit == "%":
        return f"{_number(x, unit, signed=signed)} %"
    word = _UNIT_WORDS.get(unit, unit)
    if unit == "st" and _number(x, unit) == "1":
        word = "semitone"
    return f"{_number(x, unit, signed=signed)} {word}".strip()


def _how_much(spec: FeatureSpec, r: FeatureResult, baseline: Analysis | None, *,
              with_aim: bool = True) -> str:
    """"about 2 semitones higher than your everyday voice", "around 290 Hz", ..."""
    if r.relative_to == "absolute" and r.unit == "st":  # against the pitch usual for the voice
        if _number(r.value, "st") == "0":
            return f"right at the usual pitch of a voice like yours ({r.measured:.0f} Hz)"
        direction = spec.wording.more if r.value > 0 else spec.wording.less
        aim = f"; calm: {_aim(spec, r)}" if with_aim and r.verdict != "ok" else ""
        return (f"about {_quantity(r.value, 'st')} {direction} than is usual for a voice like "
                f"yours ({r.measured:.0f} Hz{aim})")
    if r.relative_to == "absolute":
        value = f"around {_quantity(r.measured, r.measured_unit, signed=True)}"
        if r.verdict == "ok":
            return value
        direction = spec.wording.more if r.verdict == "high" else spec.wording.less
        aim = f", calm: {_aim(spec, r)}" if with_aim else ""
        return f"{direction} than a calm voice usually is ({value}{aim})"
    if r.unit == "share":
        # a share compared with the baseline is a difference: the baseline's own share follows
        base = r.measured - r.value
        return f"{100 * r.measured:.0f} %, against {100 * base:.0f} % in your everyday voice"
    if _number(r.value, r.unit) == "0":
        # a tip on an unchanged value says what did not change: "You were no softer than …"
        if r.verdict == "high":
            return f"no {spec.wording.less} than your everyday voice"
        if r.verdict == "low":
            return f"no {spec.wording.more} than your everyday voice"
        return "about the same as your everyday voice"
    direction = spec.wording.more if r.value > 0 else spec.wording.less
    # the calm way, but not far enough: "only 1 dB softer", never "softer ... soften"
    short = (r.verdict == "high" and r.value < 0) or (r.verdict == "low" and r.value > 0)
    return (f"{'only ' if short else ''}about {_quantity(r.value, r.unit)} {direction} than "
            "your everyday voice")


def _aim(spec: FeatureSpec, r: FeatureResult) -> str:
    """The target in words: "10 to 25 % slower than your everyday voice", "2.5 to 4 ..."."""
    lo, hi = r.target_low, r.target_high
    if r.relative_to == "absolute" and r.unit != "st":
        unit = r.unit
        if lo is not None and hi is not None:
            if unit == "share":
                return f"{100 * lo:.0f} to {100 * hi:.0f} %"
            return f"{_number(lo, unit, signed=True)} to {_quantity(hi, unit, signed=True)}"
        if hi is not None:
            return f"at most {_quantity(hi, unit, signed=True)}"
        return f"at least {_quantity(lo, unit, signed=True)}"
    ref = ("than is usual for a voice like yours" if r.relative_to == "absolute"
           else "than your everyday voice")
    more, less = spec.wording.more, spec.wording.less
    unit = r.unit
    if unit == "share" and r.measured is not None and (lo or hi):
        # a share against the baseline is judged as a difference of percentage points; "up to
        # 25 % more" would read as a quarter more than before, so the aim is said as shares
        base = r.measured - r.value
        edges = [None if x is None else min(max(base + x, 0.0), 1.0) for x in (lo, hi)]
        held = f"(your everyday voice: {100 * base:.0f} %)"
        if edges[0] is not None and edges[1] is not None:
            return f"{100 * edges[0]:.0f} to {100 * edges[1]:.0f} % {held}"
        if edges[1] is not None:
            return f"at most {100 * edges[1]:.0f} % {held}"
        return f"at least {100 * edges[0]:.0f} % {held}"

    def side(x: float) -> str:
        return f"{_quantity(x, unit)} {more if x > 0 else less}"

    if lo is not None and hi is not None:
        if lo >= 0 or hi <= 0:  # both edges on one side: "10 to 25 % slower"
            near, far = (lo, hi) if lo >= 0 else (hi, lo)
            if near == 0:
                return f"up to {side(far)} {ref}"
            word = more if lo >= 0 else less
            return f"{_number(near, unit)} to {_quantity(far, unit)} {word} {ref}"
        return f"between {side(lo)} and {side(hi)} {ref}"
    if hi is not None:
        return f"no {more} {ref}" if hi == 0 else f"at most {side(hi)} {ref}"
    return f"no {less} {ref}" if lo == 0 else f"at least {side(lo)} {ref}"


def _fill(template: str, spec: FeatureSpec, r: FeatureResult,
          baseline: Analysis | None) -> str:
    # a template that states the aim itself does not need it twice
    how_much = _how_much(spec, r, baseline, with_aim="{aim}" not in template)
    return unnest_brackets(template.format(how_much=how_much, aim=_aim(spec, r)))


def unnest_brackets(text: str) -> str:
    """Brackets inside brackets said with a comma instead: a template's "({how_much})" around
    words that bring their own read "(more than a calm voice usually is (around 63 %, …))"."""
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
            if depth > 1:
                while out and out[-1] == " ":
                    out.pop()
                out.append(", ")
                continue
        elif ch == ")":
            depth -= 1
            if depth >= 1:
                continue
        out.append(ch)
    return "".join(out)


def feature_words(spec: FeatureSpec, result: FeatureResult) -> tuple[str, str]:
    """A judged feature in the words the tips use: what the take did and what calm is.

    For example ``("about 5 % faster than your everyday voice", "10 to 40 % slower than your
    everyday voice")`` or ``("around 112 Hz", "75 to 260 Hz")``. Needs only the result (as
    the history keeps it), so a stored take reads as it did when it was coached.
    """
    return _how_much(spec, result, None, with_aim=False), _aim(spec, result)


def feature_tip(spec: FeatureSpec, result: FeatureResult) -> str | None:
    """The tip the coach gives for a feature outside its calm zone (None inside it, or when the
    profile has no tip for that side)."""
    template = {"high": spec.wording.tip_high, "low": spec.wording.tip_low}.get(result.verdict)
    return _fill(template, spec, result, None) if template else None


def _well(profile: Profile, results: Sequence[FeatureResult],
          baseline: Analysis | None) -> str | None:
    scored = [r for r in results if r.weight > 0]
    if not scored:
        return None
    ok = [r for r in scored if r.verdict == "ok"]
    # a praise names the calm direction ("settled and low"): it is said only of a value on that
    # side, never of one inside the zone but on the other ("low: 0.6 semitones higher")
    praised = [r for r in ok if _on_calm_side(profile.feature(r.name), r)]
    if praised:
        best = max(praised, key=lambda r: r.weight)
        spec = profile.feature(best.name)
        return _fill(spec.wording.praise, spec, best, baseline)
    if ok:
        best = max(ok, key=lambda r: r.weight)
        spec = profile.feature(best.name)
        return f"{best.label} stayed in the calm zone: {_how_much(spec, best, baseline)}."
    best = max(scored, key=lambda r: r.points)
    spec = profile.feature(best.name)
    return (f"{best.label} came closest to calm ({_how_much(spec, best, baseline)}); build on "
            "that next time.")


def _calm_direction(spec: FeatureSpec) -> int:
    """Which way calm lies for a feature, from its target against the everyday voice: -1
    (lower, slower, softer, ...), +1 (more pauses, more falls) or 0 (no side)."""
    target = spec.relative
    if target is None:
        return 0
    if target.low is not None and target.high is not None:
        centre = (target.low + target.high) / 2
        return 0 if centre == 0 else (1 if centre > 0 else -1)
    return -1 if target.high is not None else 1


def _on_calm_side(spec: FeatureSpec, r: FeatureResult) -> bool:
    """True when a value inside its zone also lies on the calm side of it (or reads as no
    change): against the everyday voice, the change points the calm way; against general
    targets, the value lies on the calm half of a two-sided zone."""
    way = _calm_direction(spec)
    if way == 0:
        return True
    if r.relative_to == "baseline":
        return _number(r.value, r.unit) == "0" or (r.value > 0) == (way > 0)
    lo, hi = r.target_low, r.target_high
    if lo is None or hi is None:
        return True
    centre = (lo + hi) / 2
    return r.value <= centre if way < 0 else r.value >= centre


def _explanation(profile: Profile, results: Sequence[FeatureResult], raw: float, score: float,
                 too_flat: bool, baseline: Analysis | None) -> str:
    against = ("against your everyday voice and against calm voices in general"
               if baseline is not None
               else "against what is usual for calm voices (no baseline: record your everyday "
                    "voice for a personal reference)")
    moved = sorted((r for r in results if abs(r.own_effect) >= 0.05), key=lambda r: r.own_effect)
    down = [r.label.lower() for r in moved if r.own_effect < 0][:3]
    up = [r.label.lower() for r in reversed(moved) if r.own_effect > 0][:3]
    general = sorted((r for r in results if abs(r.general_effect) >= 0.1),
                     key=lambda r: r.general_effect)
    g_down = [r.label.lower() for r in general if r.general_effect < 0][:3]
    g_up = [r.label.lower() for r in reversed(general) if r.general_effect > 0][:3]
    text = (f"The score weighs how calm or tense each part of your voice sounded, {against}, "
            "by how well it tells calm from tense speech in recordings of many speakers.")
    if down:
        text += f" Pulled down most by: {', '.join(down)}."
    if up:
        text += f" Lifted most by: {', '.join(up)}."
    parts = ([f"it lost on {', '.join(g_down)}"] if g_down else []) + (
        [f"it gained on {', '.join(g_up)}"] if g_up else [])
    if parts:
        text += f" Compared with calm voices in general, {'; '.join(parts)}."
    if too_flat:
        text += (f" Capped at {profile.guards.monotone_cap:g} (from {raw:.0f}) because the "
                 "voice was a monotone: calm is not flat.")
    return text


# ---------------------------------------------------------------------------------------------
# Phrase notes


def phrase_notes(analysis: Analysis, profile: Profile, *, baseline: Analysis | None = None,
                 creak_flagged: bool | None = None) -> tuple[PhraseNote, ...]:
    """Stretches of the take where arousal leaked, each named by its time span.

    A phrase is named when its pitch, level or syllable rate stands above the baseline (or, with
    no baseline, above the rest of the take) by the profile's ``phrase_notes`` limits; a sudden
    pitch leap is named wherever it happens, and creaky or rough stretches when
    ``creak_flagged`` (the take's voice steadiness was judged too irregular). A cue whose
    measure the room is too noisy to judge (``guards.snr_limits_db``, in the take or its
    baseline) names no moment: it would be the noise speaking.

    Returns
    -------
    tuple of PhraseNote, in time order
    """
    limits = profile.phrase_notes
    tracks = analysis.tracks
    t = tracks.time_s
    stats = [_phrase_stats(analysis, a, b) for a, b in tracks.phrases]
    found: list[tuple[float, PhraseNote]] = []

    def holds(gate: str) -> bool:
        # a moment rests on the same measure as a feature: where the room is too noisy to judge
        # that feature (in the take or in its baseline), the moment would be noise too
        return not any(_too_noisy_for(gate, gate, a, profile.guards)
                       for a in (analysis, baseline) if a is not None)

    # (cue, limit, words, the baseline's measure, the measure whose noise limit it shares)
    cues = (
        ("pitch", limits.pitch_st, "your pitch rose about {x} semitones above {ref}",
         "f0_median_hz", "f0_median_hz"),
        ("level", limits.level_db, "your voice got about {x} dB louder than {ref}", "loudness_db",
         "speech_level_db"),
        ("rate", limits.rate_percent, "you sped up, about {x} % faster than {ref}",
         "articulation_rate_syl_per_s", "voiced_rate_syl_per_s"),
    )
    cues = tuple(c for c in cues if holds(c[4]))
    for i, ((a, b), s) in enumerate(zip(tracks.phrases, stats, strict=True)):
        for cue, limit, words, key, _ in cues:
            value = s[cue]
            if value is None:
                continue
            if baseline is not None:
                ref_value = measure(baseline, key)
                ref_words = "your everyday voice"
            else:
                others = [o[cue] for j, o in enumerate(stats) if j != i and o[cue] is not None]
                ref_value = float(np.median(others)) if others else None
                ref_words = "the rest of the take"
            if ref_value is None or (ref_value <= 0 and cue != "level"):
                continue
            if cue == "pitch":
                excess = float(hz_to_st(value, ref_value))
            elif cue == "level":
                excess = value - ref_value
            else:
                excess = 100.0 * (value / ref_value - 1.0)
            if excess > limit:
                message = f"{a:.1f}-{b:.1f} s: " + words.format(
                    x=f"{excess:.0f}" if excess >= 3 else f"{excess:.1f}", ref=ref_words) + "."
                found.append((excess / limit, PhraseNote(a, b, cue, message)))

    # sudden leaps, on the contour smoothed like the velocity measure
    window = max(1, int(round(limits.jump_window_s / FRAME_S)))
    from .timing import runs

    st = hz_to_st(tracks.f0_hz)
    leaps_hold = not _too_noisy_for("f0_velocity_st_per_s", "", analysis, profile.guards)
    for a, b in runs(tracks.voiced) if leaps_hold else ():
        if b - a <= window + 2:
            continue
        seg = np.convolve(st[a:b], np.ones(3) / 3, mode="same")[1:-1]
        change = seg[window:] - seg[:-window]
        big = np.flatnonzero(np.abs(change) > limits.jump_st)
        for k0, k1 in _groups(big):
            k = k0 + int(np.argmax(np.abs(change[k0:k1 + 1])))
            size = float(change[k])
            start = t[a + 1 + k0]
            end = t[a + 1 + k1 + window]
            way = "leapt up" if size > 0 else "dropped"
            found.append((abs(size) / limits.jump_st, PhraseNote(
                float(start), float(end), "jump",
                f"{start:.1f}-{end:.1f} s: your pitch {way} about {abs(size):.0f} semitones at "
                "once; glide instead of jumping.")))

    # creaky stretches are named only when the take as a whole is flagged: short irregular
    # moments (a voiceless consonant, one glottal stop) are part of every voice
    for a, b in runs(irregular_frames(analysis)) if creak_flagged else ():
        if (b - a) * FRAME_S >= MIN_CREAK_SPAN_S:
            found.append((0.5 * (b - a) * FRAME_S / MIN_CREAK_SPAN_S, PhraseNote(
                float(t[a]), float(t[b - 1] + FRAME_S), "creak",
                f"{t[a]:.1f}-{t[b - 1] + FRAME_S:.1f} s: the voice went creaky or rough.")))

    found.sort(key=lambda x: -x[0])
    kept = sorted((n for _, n in found[:MAX_PHRASE_NOTES]), key=lambda n: n.start_s)
    return tuple(kept)


def _groups(indices: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive runs in a sorted index array, as inclusive (first, last) pairs."""
    if indices.size == 0:
        return []
    cuts = np.flatnonzero(np.diff(indices) > 1)
    starts = np.concatenate([[indices[0]], indices[cuts + 1]])
    ends = np.concatenate([indices[cuts], [indices[-1]]])
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _phrase_stats(analysis: Analysis, start_s: float, end_s: float) -> dict:
    tracks = analysis.tracks
    sel = (tracks.time_s >= start_s) & (tracks.time_s < end_s)
    voiced = sel & tracks.voiced
    speech = sel & tracks.speech
    syl = np.count_nonzero((tracks.syllable_times_s >= start_s)
                           & (tracks.syllable_times_s < end_s))
    duration_s = end_s - start_s
    return {
        "pitch": float(np.median(tracks.f0_hz[voiced])) if voiced.sum() >= 5 else None,
        "level": float(np.median(tracks.loudness_db[speech])) if speech.sum() >= 5 else None,
        "rate": syl / duration_s if syl >= 3 and duration_s > 0 else None,
    }
