"""Progress over days of practice: streaks, and the last weeks against the weeks before, in words.

Pure functions on what the store returns (takes with a ``score`` and a ``summary`` dict, days
of practice); the store fetches, this module judges, the app lays the result out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta


def streak_days(days: Iterable[date], *, today: date | None = None) -> int:
    """Consecutive days of practice ending today (or yesterday, if today has none yet).

    Parameters
    ----------
    days : iterable of date
        the days with practice, e.g. :meth:`prosody.store.Store.practice_days`
    today : date or None
        None means today's local date
    """
    have = set(days)
    day = today or date.today()
    if day not in have:
        day -= timedelta(days=1)
    n = 0
    while day in have:
        n += 1
        day -= timedelta(days=1)
    return n


#: A change of the mean calm score smaller than this, in points, is "about the same".
SCORE_SAME_POINTS = 2.0
#: Phrase ends falling this many times as often are said as "N times as often".
FALLS_TIMES = 1.8
#: A relative change of the share of falling phrase ends smaller than this is not mentioned.
FALLS_SAME_RATIO = 0.15
#: A relative change of speech rate smaller than this is not mentioned.
PACE_SAME_RATIO = 0.05


@dataclass(frozen=True)
class CalmZone:
    """The calm zone of a charted feature, in the feature's own unit.

    ``personal`` is True when it comes from the person's everyday voice (the profile's target
    against the baseline, turned into the unit of the chart), False for the general zone."""

    low: float
    high: float
    personal: bool


def calm_zone(feature: str, profile, *, baseline: Mapping | None = None) -> CalmZone | None:
    """The calm zone of a charted feature, in its unit.

    The score's is :data:`prosody.feedback.CALM_SCORE` and up. A summary feature's is, with a
    baseline, the profile's target against it, turned into the feature's unit (a 96 Hz
    everyday voice and a target of 4 semitones lower to half a semitone higher give 76-99 Hz);
    without one, the profile's general (absolute) target. None when there is neither (loudness
    in dBFS depends on the microphone: it has a zone only against the everyday voice).

    Parameters
    ----------
    feature : str
        ``"score"`` or a summary key (``"f0_range_st"``, ...)
    profile : Profile
    baseline : mapping or None
        the summary of the person's baseline take (``Take.summary``)
    """
    from .feedback import CALM_SCORE

    if feature == "score":
        return CalmZone(CALM_SCORE, 100.0, personal=False)
    for spec in profile.features:
        if spec.measure != feature:
            continue
        base = (baseline or {}).get(feature)
        if spec.relative is not None and base is not None:
            lo, hi = (None if x is None else _from_change(x, base, spec.relative.comparison)
                      for x in (spec.relative.low, spec.relative.high))
            if lo is not None or hi is not None:
                return _zone(lo, hi, personal=True, share=spec.measure_unit == "share")
        # a general target against something each take measures for itself (pitch against
        # the pitch expected of the voice, in semitones) has no zone in the feature's unit: it
        # was shaded as -8 to 3 "Hz"
        if spec.absolute is not None and spec.absolute.comparison == "value":
            lo, hi = spec.absolute.low, spec.absolute.high
            if lo is not None or hi is not None:
                return _zone(lo, hi, personal=False, share=spec.measure_unit == "share")
    return None


def _from_change(change: float, base: float, comparison: str) -> float:
    """The value that differs from ``base`` by ``change`` (the inverse of
    :func:`prosody.util.relative_change`)."""
    if comparison == "st":
        return base * 2 ** (change / 12)
    if comparison == "percent":
        return base * (1 + change / 100)
    return base + change


def _zone(lo: float | None, hi: float | None, *, personal: bool, share: bool) -> CalmZone:
    # an open end: from zero up, or up to twice the lower end (a share, up to all of it)
    low = lo if lo is not None else min(0.0, hi)
    high = hi if hi is not None else (abs(lo) * 2 or 1.0) if lo >= 0 else 0.0
    if share:
        low, high = max(0.0, low), min(1.0, high)
    return CalmZone(low, high, personal)


def _mean(takes, key: str) -> float | None:
    values = [t.score if key == "score" else t.summary.get(key) for t in takes]
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def progress_summary(recent, before, *, days: int = 14, who: str | None = None) -> list[str]:
    """Plain sentences comparing the practice takes of the last ``days`` days with those of
    the ``days`` before them.

    Parameters
    ----------
    recent, before : sequence of Take
        the two periods' practice takes (anything with ``score`` and a ``summary`` dict)
    days : int
        the length of each period, in days
    who : str or None
        None speaks to the person ("you saved"); a name speaks about them, as to their
        supervisor ("Ana saved")

    Returns
    -------
    list of str
        the count of takes, then the calm score, falling phrase ends and pace against before
    """
    if not recent:
        return ([f"No practice in the last {days} days yet: a few minutes a day is enough."]
                if who is None else [f"No practice by {who} in the last {days} days."])
    span = "two weeks" if days == 14 else f"{days} days"
    subject, your = ("you", "Your") if who is None else (who, f"{who}'s")
    out = [f"Over the last {span} {subject} saved "
           + ("1 take." if len(recent) == 1 else f"{len(recent)} takes.")]
    if not before:
        score = _mean(recent, "score")
        if score is not None:
            out.append(f"{your} calm score averaged {score:.0f}. "
                       + ("Keep practising to see a trend." if who is None
                          else "More takes will show a trend."))
        return out
    score_now, score_then = _mean(recent, "score"), _mean(before, "score")
    if score_now is not None and score_then is not None:
        direction = "up" if score_now > score_then + SCORE_SAME_POINTS else (
            "down" if score_now < score_then - SCORE_SAME_POINTS else "about the same as")
        joiner = "from" if direction != "about the same as" else ""
        out.append(f"{your} calm score averaged {score_now:.0f}, {direction} {joiner} "
                   f"{score_then:.0f} the {span} before.".replace("  ", " "))
    falls_now, falls_then = (_mean(recent, "final_fall_fraction"),
                             _mean(before, "final_fall_fraction"))
    if falls_now is not None and falls_then:
        ratio = falls_now / falls_then
        if ratio >= FALLS_TIMES:
            out.append(f"{your} phrase ends fall about {ratio:.0f} times as often as before "
                       f"({100 * falls_now:.0f} % against {100 * falls_then:.0f} %).")
        elif abs(ratio - 1) >= FALLS_SAME_RATIO:
            more = "more" if ratio > 1 else "less"
            out.append(f"{your} phrase ends fall {more} often: {100 * falls_now:.0f} % against "
                       f"{100 * falls_then:.0f} %.")
    # the pace the coach judges (syllables over the voiced span), as the pace card says it
    pace_now, pace_then = (_mean(recent, "voiced_rate_syl_per_s"),
                           _mean(before, "voiced_rate_syl_per_s"))
    if pace_now and pace_then and abs(pace_now / pace_then - 1) >= PACE_SAME_RATIO:
        change = 100 * (pace_now / pace_then - 1)
        speaks = "You speak" if who is None else f"{who} speaks"
        out.append(f"{speaks} about {abs(change):.0f} % {'faster' if change > 0 else 'slower'} "
                   "than before.")
    return out
