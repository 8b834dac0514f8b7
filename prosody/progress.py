"""Progress over days of practice: streaks, and the last weeks against the weeks before, in words.

Pure functions on what the store returns (takes with a ``score`` and a ``summary`` dict, days
of practice); the store fetches, this module judges, the app lays the result out.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def calm_zone(feature: str, profile) -> tuple[float, float] | None:
    """The general calm zone of a charted feature, in its unit: the score's is
    :data:`prosody.feedback.CALM_SCORE` and up; a summary feature's is the profile's absolute
    target. None when the profile sets none (loudness in dBFS depends on the microphone).

    Parameters
    ----------
    feature : str
        ``"score"`` or a summary key (``"f0_range_st"``, ...)
    profile : Profile
    """
    from .feedback import CALM_SCORE

    if feature == "score":
        return (CALM_SCORE, 100.0)
    for spec in profile.features:
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


def progress_summary(recent, before, *, days: int = 14) -> list[str]:
    """Plain sentences comparing the practice takes of the last ``days`` days with those of
    the ``days`` before them.

    Parameters
    ----------
    recent, before : sequence of Take
        the two periods' practice takes (anything with ``score`` and a ``summary`` dict)
    days : int
        the length of each period, in days

    Returns
    -------
    list of str
        the count of takes, then the calm score, falling phrase ends and pace against before
    """
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
        direction = "up" if score_now > score_then + SCORE_SAME_POINTS else (
            "down" if score_now < score_then - SCORE_SAME_POINTS else "about the same as")
        joiner = "from" if direction != "about the same as" else ""
        out.append(f"Your calm score averaged {score_now:.0f}, {direction} {joiner} "
                   f"{score_then:.0f} the {span} before.".replace("  ", " "))
    falls_now, falls_then = (_mean(recent, "final_fall_fraction"),
                             _mean(before, "final_fall_fraction"))
    if falls_now is not None and falls_then:
        ratio = falls_now / falls_then
        if ratio >= FALLS_TIMES:
            out.append(f"Your phrase ends fall about {ratio:.0f} times as often as before "
                       f"({100 * falls_now:.0f} % against {100 * falls_then:.0f} %).")
        elif abs(ratio - 1) >= FALLS_SAME_RATIO:
            more = "more" if ratio > 1 else "less"
            out.append(f"Your phrase ends fall {more} often: {100 * falls_now:.0f} % against "
                       f"{100 * falls_then:.0f} %.")
    pace_now, pace_then = (_mean(recent, "speech_rate_syl_per_s"),
                           _mean(before, "speech_rate_syl_per_s"))
    if pace_now and pace_then and abs(pace_now / pace_then - 1) >= PACE_SAME_RATIO:
        change = 100 * (pace_now / pace_then - 1)
        out.append(f"You speak about {abs(change):.0f} % {'faster' if change > 0 else 'slower'} "
                   "than before.")
    return out
