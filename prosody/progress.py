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
