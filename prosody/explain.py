"""What a take's feedback says to a person, laid out once for every surface.

From the coach's feedback (fresh, or as the history keeps it) and the profile that judged it,
:func:`read_feedback` builds a :class:`Reading`: one verdict line that agrees with the score's
band, at most three changes in words (each tied to a stretch of the contour chart), one card
per feature that carries weight, and the numbers behind them for whoever asks. The Practice,
Review, Exercises and Model takes pages draw it; none of them words a verdict of its own, so a
card, a caption and the chart cannot disagree.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from .errors import ProsodyError
from .feedback import score_band, verdict_line
from .util import hz_to_st

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import PhraseEnd, Tracks
    from .profile import FeatureSpec, Profile

Panel = Literal["pitch", "loudness"]

#: A change that misses its zone by at most this many tolerances is "a little"; beyond
#: :data:`MUCH_TOLERANCES` it is "much". The tolerance is the miss that costs a feature half its
#: points (``samples/profiles/soothing.toml``), so "a little" is a miss that still earns half.
LITTLE_TOLERANCES = 1.0
MUCH_TOLERANCES = 3.0

#: Units as the numbers on demand show them, each explained once (:data:`UNIT_NOTES`).
UNIT_NOTES = {
    "st": "st: semitones, the steps of a musical scale (12 make an octave); a change of 1 st "
          "is clearly heard.",
    "%": "%: a change in per cent of your everyday voice (or of the share named).",
    "dB": "dB: decibels, a change of level or of tone colour; 3 dB is a clear step, 10 dB "
          "sounds about half as loud.",
    "dBFS": "dBFS: level against the loudest a recording can hold (0); it depends on the "
            "microphone and its distance.",
    "Hz": "Hz: pitch as vibrations a second; a typical man speaks near 120 Hz, a woman near "
          "210 Hz.",
    "st/s": "st/s: how many semitones the pitch moves in a second.",
    "syl/s": "syl/s: syllables a second.",
    "dB/s": "dB/s: how fast the level rises into each syllable.",
    "share": "share: a part of the whole, shown in %.",
    "pts": "pts: percentage points, the difference between two shares (for example, pauses "
           "filling 12 % of the everyday voice and 24 % of a take: +12 pts).",
    "syl": "syl: syllables.",
}


@dataclass(frozen=True)
class Mark:
    """Where a change shows on the contour chart: a stretch of time in one panel."""

    panel: Panel
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Change:
    """One thing to change, in words, with its place on the chart.

    Attributes
    ----------
    number : int
        1, 2 or 3: the mark on the chart carries the same number
    name, label : str
        the feature's key and plain name (``"tempo"``, ``"Pace"``)
    what : str
        what to do, against this take: "A little slower", "Softer", "Much lower"
    tip : str
        the coach's tip: what was heard, what calm is and how to get there
    mark : Mark or None
        where to look on the chart; None for what the chart does not draw (tone colour)
    """

    number: int
    name: str
    label: str
    what: str
    tip: str
    mark: Mark | None


@dataclass(frozen=True)
class Card:
    """One feature that carries weight in the score, in words, with its numbers on demand.

    Attributes
    ----------
    name, label : str
    verdict : {'ok', 'low', 'high'}
    verdict_words : str
        "in the calm zone", "faster than the calm zone", ...
    now : str
        what the take did, in the tips' words ("about 5 % faster than your everyday voice")
    aim : str
        what calm is, in words ("10 to 40 % slower than your everyday voice")
    against : str
        "your everyday voice" or "general targets"
    value : float
        the compared value, in ``unit``
    unit : str
    target_low, target_high : float or None
        the zone in ``unit`` (None: open on that side)
    measured : float or None
        the take's own measure, in ``measured_unit``
    measured_unit : str
    """

    name: str
    label: str
    verdict: str
    verdict_words: str
    now: str
    aim: str
    against: str
    value: float
    unit: str
    target_low: float | None
    target_high: float | None
    measured: float | None
    measured_unit: str


@dataclass(frozen=True)
class Reading:
    """Everything a person reads about one take.

    Attributes
    ----------
    score : int or None
    band : str or None
        the score's band (:data:`prosody.feedback.SCORE_BANDS`), None without a score
    verdict : str
        one line: the band's meaning, or its lead-in to the changes below it
    changes : tuple of Change
        at most the band's number (three at most), most important first
    well : str or None
        one thing done well
    cards : tuple of Card
        the features that carry weight in this scenario, in the profile's order
    problem : str or None
        why there is no score (a quality problem or too much noise), said once
    not_judged : tuple of str
        the features left out, with why
    baseline : bool
        whether the take was judged against the speaker's everyday voice
    notes : tuple of str
        what was done to the recording before it was judged (a mains hum taken out)
    """

    score: int | None
    band: str | None
    verdict: str
    changes: tuple[Change, ...]
    well: str | None
    cards: tuple[Card, ...]
    problem: str | None
    not_judged: tuple[str, ...]
    baseline: bool
    notes: tuple[str, ...] = ()

    def card(self, name: str) -> Card:
        return next(c for c in self.cards if c.name == name)

    @property
    def units(self) -> tuple[str, ...]:
        """One note for each unit the cards' numbers use, each once."""
        seen: list[str] = []
        for c in self.cards:
            for unit in (points_unit(c.unit, c.against), c.measured_unit):
                if unit in UNIT_NOTES and UNIT_NOTES[unit] not in seen:
                    seen.append(UNIT_NOTES[unit])
        return tuple(seen)


def points_unit(unit: str, against: str) -> str:
    """The unit a card's compared value is shown in: a share against the everyday voice is a
    difference of percentage points ("pts"), not a change in per cent."""
    return "pts" if unit == "share" and against == "your everyday voice" else unit


def points_text(share_difference: float, *, signed: bool = True) -> str:
    """A difference of two shares (0.12 = 12 points) as the tables show it: "+12 pts", "0 pts"
    (never "+0" or "-0"), unsigned when ``signed`` is false."""
    text = f"{100 * share_difference:{'+' if signed else ''}.0f}"
    return f"{'0' if text in ('+0', '-0') else text} pts"


def read_feedback(feedback: Mapping, profile: Profile, *, tracks: Tracks | None = None,
                  ends: Sequence[PhraseEnd] = ()) -> Reading:
    """What a person reads about one take.

    Parameters
    ----------
    feedback : mapping
        the coach's feedback (:meth:`prosody.coach.Feedback.to_dict`), fresh or as a saved
        take keeps it
    profile : Profile
        the profile that judged it; its scenario is taken from the feedback
    tracks : Tracks or None
        the take's frame tracks: with them each change gets its place on the chart
    ends : sequence of PhraseEnd
        the take's phrase ends (:func:`prosody.analysis.phrase_ends`), for the falls' marks

    Returns
    -------
    Reading
    """
    scenario = feedback.get("scenario")
    try:
        prof = profile.for_scenario(scenario)
    except ProsodyError:  # a take of a scenario the profile no longer has
        prof = profile
    baseline = bool(feedback.get("baseline"))
    not_judged = not_judged_lines(
        [(str(n.get("name")), str(n.get("reason"))) for n in feedback.get("not_judged") or ()
         if isinstance(n, Mapping)], profile=prof)
    notes = tuple(n for n in feedback.get("notes") or () if isinstance(n, str))
    score = feedback.get("score")
    if score is None:
        quality = feedback.get("quality") or {}
        tips = feedback.get("tips") or ()
        problem = (quality.get("message") or (tips[0] if tips else None)
                   or "This recording cannot be scored.")
        problem = problem[:1].upper() + problem[1:]
        return Reading(score=None, band=None, verdict="No score for this take.", changes=(),
                       well=None, cards=(), problem=problem, not_judged=not_judged,
                       baseline=baseline, notes=notes)

    results = [r for r in (_result(d) for d in feedback.get("features") or ()) if r is not None]
    specs = {spec.name: spec for spec in prof.features}
    weighed = [r for r in results if r.weight > 0 and r.name in specs]
    cards = tuple(_card(specs[r.name], r) for r in weighed)
    band = score_band(score)
    changes = _changes(feedback, weighed, specs, tracks, ends)[:band.max_changes]
    changes = tuple(dataclasses.replace(c, number=i) for i, c in enumerate(changes, 1))
    return Reading(score=int(round(score)), band=band.name,
                   verdict=verdict_line(score, len(changes)), changes=changes,
                   well=feedback.get("well"), cards=cards, problem=None, not_judged=not_judged,
                   baseline=baseline, notes=notes)


def baseline_heard(analysis) -> str:
    """What was heard in an everyday-voice recording that passed
    :func:`prosody.coach.check_baseline`, so the person knows it was read and taken."""
    s = analysis.summary
    parts = []
    if s.speech_s is not None:
        parts.append(f"{s.speech_s:.0f} s of your voice")
    if s.syllables:
        pace = s.voiced_rate_syl_per_s or s.speech_rate_syl_per_s  # the pace the coach judges
        rate = f", {pace:.1f} a second" if pace else ""
        parts.append(f"{s.syllables} syllables{rate}")
    if s.f0_median_hz:
        parts.append(f"a typical pitch of {s.f0_median_hz:.0f} Hz")
    heard = ", ".join(parts) if parts else "your voice"
    return (f"We heard {heard}: the words fit the recording and the pace and pitch are those "
            "of an everyday voice. From now on the coach compares you with yourself.")


# ---------------------------------------------------------------------------------------------
# Cards


def not_judged_lines(not_judged: Sequence[tuple[str, str]], *,
                     profile: Profile | str) -> tuple[str, ...]:
    """What the coach left out (``Feedback.not_judged``), one line per reason: the measures the
    room was too noisy for are named together, each with the SNR it needs, and the advice to
    record somewhere quieter is said once, last. ``profile`` (or its name) gives the labels."""
    from .coach import noise_reason, unnest_brackets

    prof = profile
    if isinstance(prof, str):
        from .profile import load_profile

        try:
            prof = load_profile(prof)
        except (ProsodyError, OSError, ValueError):  # a profile no longer there
            prof = None
    lines: list[str] = []
    noisy: dict[tuple[str, str], list[dict]] = {}
    for name, reason in not_judged:
        parts = noise_reason(reason)
        if parts is None:
            label = _label(prof, name) if prof is not None else name.replace("_", " ")
            lines.append(f"Not judged: {label[:1].lower()}{label[1:]} ({reason})")
        else:
            noisy.setdefault((parts["snr"], parts["where"]), []).append(parts)
    for (snr, where), group in noisy.items():
        names = ", ".join(f"{p['label']} ({'needs ' if i == 0 else ''}{p['need']} dB)"
                          for i, p in enumerate(group))
        lines.append(unnest_brackets(f"Not judged, the room too noisy (your voice stood {snr} "
                                     f"dB above the background{where}): {names}."))
    if noisy:
        extra = next((p["extra"] for g in noisy.values() for p in g if p["extra"]), "")
        lines.append("Record in a quieter spot or a little closer to the microphone to have "
                     f"them judged{extra}.")
    return tuple(lines)


def _label(prof: Profile, name: str | None) -> str:
    try:
        return prof.feature(name).label
    except KeyError:
        return str(name)


def _result(d: Mapping):
    """A coach FeatureResult from its dict, as fresh feedback or the history holds it."""
    from .coach import FeatureResult

    fields = {f.name: f for f in dataclasses.fields(FeatureResult)}
    needed = [n for n, f in fields.items() if f.default is dataclasses.MISSING]
    if any(d.get(n) is None and n not in ("target_low", "target_high") for n in needed):
        return None
    return FeatureResult(**{n: d[n] for n in fields if n in d})


def _verdict_words(spec: FeatureSpec, verdict: str) -> str:
    if verdict == "high":
        return f"{spec.wording.more} than the calm zone"
    if verdict == "low":
        return f"{spec.wording.less} than the calm zone"
    return "in the calm zone"


def _card(spec: FeatureSpec, r) -> Card:
    from .coach import feature_words

    now, aim = feature_words(spec, r)
    return Card(name=r.name, label=r.label, verdict=r.verdict,
                verdict_words=_verdict_words(spec, r.verdict), now=now, aim=aim,
                against=("your everyday voice" if r.relative_to == "baseline"
                         else "general targets"),
                value=r.value, unit=r.unit, target_low=r.target_low, target_high=r.target_high,
                measured=r.measured, measured_unit=r.measured_unit)


# ---------------------------------------------------------------------------------------------
# Changes


def _changes(feedback: Mapping, weighed, specs: Mapping[str, FeatureSpec], tracks,
             ends) -> list[Change]:
    """The changes to suggest, most important first: in the order of the coach's tips."""
    from .coach import feature_tip

    flags = set(feedback.get("flags") or ())
    tips = list(feedback.get("tips") or ())
    out: list[Change] = []
    if "too_flat" in flags and tips:
        # the monotone tip comes first, and stands for the range and movement tips it replaces
        out.append(Change(0, "pitch_range", specs["pitch_range"].label
                          if "pitch_range" in specs else "Melody range",
                          "Let the melody move", tips[0], _mark("pitch_range", "low", tracks,
                                                                  ends)))
    candidates = []
    for r in weighed:
        if r.verdict == "ok":
            continue
        if "too_flat" in flags and r.name in ("pitch_range", "pitch_movement"):
            continue
        tip = feature_tip(specs[r.name], r)
        if tip:
            candidates.append((r, tip))

    def order(item) -> tuple[int, float]:
        r, tip = item
        # the coach's own order where its tip is found; the rest by what they cost the score
        return (tips.index(tip) if tip in tips else len(tips), -_cost(r))

    for r, tip in sorted(candidates, key=order):
        out.append(Change(0, r.name, r.label, _what(specs[r.name], r), tip,
                          _mark(r.name, r.verdict, tracks, ends)))
    return out


def _cost(r) -> float:
    effect = getattr(r, "effect", None)
    if effect:  # the share of the score's logit the comparison behind the verdict took away
        return -(float(effect) - float(getattr(r, "general_effect", 0.0) or 0.0))
    return r.weight * (1.0 - r.points)


def _what(spec: FeatureSpec, r) -> str:
    """What to do, against this take: the way back into the zone, and how far."""
    way = spec.wording.less if r.verdict == "high" else spec.wording.more
    points = max(min(float(r.points), 1.0), 1e-9)
    misses = math.sqrt(max(1.0 / points - 1.0, 0.0))  # points = 1 / (1 + miss**2)
    if misses <= LITTLE_TOLERANCES:
        return f"A little {way}"
    if misses > MUCH_TOLERANCES:
        return f"Much {way}"
    return way[:1].upper() + way[1:]


#: Where each feature shows on the chart: its panel and which stretch of the take to mark.
_WHERE: dict[str, tuple[Panel, str]] = {
    "pitch_level": ("pitch", "pitch"),
    "pitch_range": ("pitch", "speech"),
    "pitch_movement": ("pitch", "movement"),
    "final_falls": ("pitch", "ends"),
    "tempo": ("pitch", "rate"),
    "pauses": ("pitch", "pauses"),
    "phrase_length": ("pitch", "longest"),
    "loudness": ("loudness", "level"),
    "attack": ("loudness", "speech"),
}


def _mark(name: str, verdict: str, tracks, ends) -> Mark | None:
    """The stretch of the chart that shows a feature: the phrase that stands out most in the
    direction judged, a phrase end that does not fall, the longest pause, or the whole speech.
    None when the chart does not draw the feature (tone colour, creak)."""
    if tracks is None or name not in _WHERE:
        return None
    panel, how = _WHERE[name]
    t = np.asarray(tracks.time_s, dtype=float)
    speech = np.asarray(tracks.speech, dtype=bool)
    if t.size == 0 or not speech.any():
        return None
    step = float(t[1] - t[0]) if t.size > 1 else 0.01
    whole = (float(t[speech][0]), float(t[speech][-1]) + step)
    phrases = [(float(a), float(b)) for a, b in tracks.phrases] or [whole]
    up = verdict == "high"
    span = whole
    if how == "ends":
        flat = [e for e in ends if e.shape != "fall"]
        if flat:
            e = flat[0]
            span = (max(e.start_s, e.time_s - 0.3), e.time_s + step)
    elif how == "pauses" and up and tracks.pauses:
        span = max(((float(a), float(b)) for a, b in tracks.pauses), key=lambda p: p[1] - p[0])
    elif how in ("pitch", "movement", "rate", "longest", "level") and len(phrases) > 1:
        stats = [_phrase_stat(how, tracks, a, b) for a, b in phrases]
        known = [(s, p) for s, p in zip(stats, phrases, strict=True) if s is not None]
        if known:
            pick = max if (up or how == "longest") else min
            span = pick(known, key=lambda sp: sp[0])[1]
    return Mark(panel, span[0], span[1])


def _phrase_stat(how: str, tracks, start_s: float, end_s: float) -> float | None:
    """One number per phrase, to find the one that stands out."""
    t = np.asarray(tracks.time_s, dtype=float)
    sel = (t >= start_s) & (t < end_s)
    f0 = np.asarray(tracks.f0_hz, dtype=float)
    voiced = sel & np.asarray(tracks.voiced, dtype=bool) & np.isfinite(f0)
    syllables = np.count_nonzero((np.asarray(tracks.syllable_times_s) >= start_s)
                                 & (np.asarray(tracks.syllable_times_s) < end_s))
    if how == "pitch":
        return float(np.median(f0[voiced])) if voiced.sum() >= 5 else None
    if how == "movement":
        st = hz_to_st(f0, 100.0)
        steps = np.abs(np.diff(st))[voiced[1:] & voiced[:-1]]
        return float(np.mean(steps)) if steps.size >= 5 else None
    if how == "rate":
        return syllables / (end_s - start_s) if end_s > start_s and syllables else None
    if how == "longest":
        return float(syllables) if syllables else end_s - start_s
    level = np.asarray(tracks.loudness_db, dtype=float)[sel & np.asarray(tracks.speech)]
    return float(np.median(level)) if level.size >= 5 else None
