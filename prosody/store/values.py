"""Values as the history stores them: times in UTC ISO 8601, plain JSON."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone

import numpy as np

from ..errors import ProsodyError
from ..util import rounded
from .records import When


def utc_now() -> datetime:
    """This moment, as an aware datetime in UTC."""
    return datetime.now(timezone.utc)


def utc_iso(dt: datetime) -> str:
    """The stored form: ISO 8601 in UTC, fixed width, so text order is time order."""
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def as_datetime(value: When) -> datetime:
    """A datetime from a datetime, a date (its local midnight) or an ISO 8601 string; naive
    means local time."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ProsodyError(f"{value!r} is not a date or time; write it as 2026-11-27 or "
                               "2026-11-27T20:30.") from None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.astimezone()  # naive: local time
    if isinstance(value, date):
        return datetime.combine(value, time()).astimezone()
    raise ProsodyError(f"{value!r} must be a datetime, a date or an ISO 8601 string.")


def filter_bound(value: When, *, end: bool) -> datetime:
    """A filter bound; a whole day (a date, or a date-only string) ends at the next midnight."""
    whole_day = (isinstance(value, date) and not isinstance(value, datetime)) or (
        isinstance(value, str) and len(value.strip()) == 10)
    dt = as_datetime(value)
    if end and whole_day:
        dt = datetime.combine(dt.date() + timedelta(days=1), time()).astimezone()
    return dt


def dumps(obj) -> str:
    """Compact JSON text of :func:`jsonable` values (NaN and inf as null)."""
    return json.dumps(jsonable(obj), ensure_ascii=False, allow_nan=False,
                      separators=(",", ":"))


def jsonable(obj):
    """Plain JSON values: numpy numbers become Python ones, NaN and inf become null."""
    if obj is None or isinstance(obj, (str, bool, int, float, np.bool_, np.integer, np.floating)):
        return rounded(obj, None)
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable(obj.to_dict() if hasattr(obj, "to_dict") else dataclasses.asdict(obj))
    raise ProsodyError(f"{type(obj).__name__} value {obj!r} cannot be stored; the feedback must "
                       "hold only text, numbers, lists and dicts.")


def feedback_dict(feedback) -> dict | None:
    """The JSON object kept for a take's feedback: a dict, or anything with ``to_dict()``."""
    if feedback is None:
        return None
    if hasattr(feedback, "to_dict"):
        feedback = feedback.to_dict()
    if not isinstance(feedback, Mapping):
        raise ProsodyError(f"feedback must be a dict (or the coach's Feedback), "
                           f"not {type(feedback).__name__}.")
    return jsonable(feedback)


def settings_json(analysis) -> str:
    """The settings kept with a take: its :class:`~prosody.analysis.AnalysisSettings`, and the
    band the recording carried (``bandwidth_hz``; the audio is kept at 16 kHz, so a phone
    recording's 4 kHz would be lost), so that analysing it again measures it as it was."""
    import dataclasses

    return dumps({**dataclasses.asdict(analysis.settings),
                  "bandwidth_hz": analysis.quality.bandwidth_hz})
