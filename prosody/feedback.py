"""What is said about one take, in the form the practice history keeps it.

A saved take's feedback (``Take.feedback``) is one JSON object: the coach's feedback
(:meth:`prosody.coach.Feedback.to_dict`, the coach JSON of DESIGN.md) at the top level, and
under fixed keys what a page adds to it:

- ``"exercise"``: the judged attempt of an exercise (:meth:`prosody.content.ExerciseResult.
  to_dict`);
- ``"model_similarity"``: how the take follows a model take (:meth:`prosody.model.Similarity.
  to_dict`) and ``"model"``, which model take it was;
- ``"calmer"``: the report of a calmer re-synthesis (:meth:`prosody.calmer.CalmerReport.
  to_dict`), kept with it as a model take.

:class:`TakeFeedback` builds that object from the library's results and reads it back, so no
page invents a key; :func:`score_meaning` says what a calm score means and
:func:`verdict_line` the one line said above a take's changes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .calmer import CalmerReport
    from .coach import Feedback
    from .content import ExerciseResult
    from .model import Similarity

#: The calm score from which a take sounds calm and soothing (0-100): its "calm zone".
CALM_SCORE = 80.0


@dataclass(frozen=True)
class ScoreBand:
    """A band of calm scores and what the app says about a take in it.

    Attributes
    ----------
    lowest : float
        the lowest score of the band
    name : str
        ``calm``, ``mostly``, ``some`` or ``tense``
    meaning : str
        what a score in the band means, in one sentence
    with_changes : str
        the verdict when there are changes to suggest (they follow it)
    max_changes : int
        at most this many changes are suggested: a calm take gets one thing to polish, not three
    """

    lowest: float
    name: str
    meaning: str
    with_changes: str
    max_changes: int


#: The bands, best first.
SCORE_BANDS = (
    ScoreBand(CALM_SCORE, "calm", "Calm and soothing: this is the tone to keep.",
              "Calm and soothing. One detail could make it calmer still:", 1),
    ScoreBand(60.0, "mostly", "Mostly calm: nearly the tone to keep.",
              "Mostly calm: one or two things to soften.", 2),
    ScoreBand(40.0, "some", "Some tension comes through.",
              "Some tension comes through: start with the first change below.", 3),
    ScoreBand(-math.inf, "tense", "This sounds tense or hurried: slow down, soften and try again.",
              "This sounds tense or hurried: slow down, soften and try again.", 3),
)
#: What a calm score means: (lowest score of the band, the words), best band first.
SCORE_MEANINGS = tuple((band.lowest, band.meaning) for band in SCORE_BANDS)


def score_band(score: float) -> ScoreBand:
    """The band a calm score (0-100) falls in."""
    return next(band for band in SCORE_BANDS if score >= band.lowest)


def verdict_line(score: float, changes: int) -> str:
    """The one line said about a score: its band's meaning, or, when ``changes`` follow it, the
    band's lead-in to them (so a calm take never reads "keep this" above a list of fixes)."""
    band = score_band(score)
    return band.with_changes if changes else band.meaning
#: The keys a page's addition is stored under, beside the coach's own keys.
EXERCISE_KEY, MODEL_KEY, CALMER_KEY = "exercise", "model_similarity", "calmer"


def score_meaning(score: float) -> str:
    """What a calm score (0-100) means, in one sentence."""
    return score_band(score).meaning


def not_kept(analysis, feedback) -> str | None:
    """Why a take must not be kept in the history, or None: a recording with no voice in it,
    or one the coach could not judge (silent, too quiet, whispered, clipped, too noisy).

    Parameters
    ----------
    analysis : Analysis or None
    feedback : Feedback, its dict, TakeFeedback or None
        None (a baseline, measured and checked on its own) keeps the take

    Returns
    -------
    str or None
        the coach's sentence on what is wrong and what to do, with "Nothing was saved."
    """
    if isinstance(feedback, TakeFeedback):
        coached = feedback.coach
    elif hasattr(feedback, "to_dict"):
        coached = feedback.to_dict()
    else:
        coached = TakeFeedback.from_dict(feedback).coach
    if coached and "score" in coached and coached.get("score") is None:
        # the coach's own sentence: what is wrong and what to do
        quality = coached.get("quality") or {}
        tips = coached.get("tips") or ()
        why = quality.get("message") or (tips[0] if tips else "this take could not be judged.")
        return f"{why[:1].upper()}{why[1:].rstrip('.')}. Nothing was saved."
    voiced = getattr(getattr(analysis, "tracks", None), "voiced", None)
    if voiced is not None and not voiced.any():
        return ("No voice was found in this recording. Check that the microphone is on and "
                "close, and record again. Nothing was saved.")
    return None


def range_words(low: float | None, high: float | None, show, *, at_most: str = "at most",
                at_least: str = "at least", none: str = "—") -> str:
    """A target range in words: "at most 4 st", "at least 80", "1 to 4 st".

    Parameters
    ----------
    low, high : float or None
        the ends of the range (None: open on that side)
    show : callable
        ``show(value, last)`` writes one end; ``last`` is False for the low end of a
        two-sided range (where a unit is usually left out)
    at_most, at_least, none : str
        the words for a range open below, open above, and open on both sides
    """
    if low is None and high is None:
        return none
    if low is None:
        return f"{at_most} {show(high, True)}"
    if high is None:
        return f"{at_least} {show(low, True)}"
    return f"{show(low, False)} to {show(high, True)}"


@dataclass(frozen=True)
class ExerciseOutcome:
    """What a saved exercise attempt says: passed or not, in a sentence, criteria met."""

    exercise_id: str | None
    passed: bool
    summary: str | None
    criteria_met: int
    criteria_total: int

    @classmethod
    def from_dict(cls, d: Mapping) -> ExerciseOutcome:
        criteria = [c for c in d.get("criteria") or () if isinstance(c, Mapping)]
        return cls(exercise_id=d.get("exercise_id"), passed=bool(d.get("passed")),
                   summary=d.get("summary"), criteria_met=sum(bool(c.get("passed"))
                                                              for c in criteria),
                   criteria_total=len(criteria))


@dataclass(frozen=True)
class ModelMatch:
    """What a take compared with a model take says: its similarity score (0-100) and which
    model take it followed."""

    score: int
    summary: str | None
    model: str | None

    @classmethod
    def from_dict(cls, d: Mapping) -> ModelMatch:
        return cls(score=int(d["score"]), summary=d.get("summary"), model=d.get("model"))


@dataclass(frozen=True)
class TakeFeedback:
    """Everything said about one take, as the history keeps it (see the module's docstring).

    Attributes
    ----------
    coach : dict or None
        the coach's feedback (the coach JSON), or None when the take was not coached
    exercise, model_similarity, calmer : dict or None
        what an exercise attempt, a comparison with a model take or a re-synthesis adds
    """

    coach: dict | None = None
    exercise: dict | None = None
    model_similarity: dict | None = None
    calmer: dict | None = None

    @classmethod
    def of(cls, coach: Feedback | Mapping | None = None, *,
           exercise: ExerciseResult | None = None, similarity: Similarity | None = None,
           model: str | None = None, calmer: CalmerReport | Mapping | None = None
           ) -> TakeFeedback:
        """From the library's results.

        Parameters
        ----------
        coach : Feedback, its dict, or None
        exercise : ExerciseResult or None
        similarity : Similarity or None
            with ``model``, the label of the model take it was compared with
        calmer : CalmerReport, its dict, or None
        """
        def as_dict(x):
            return None if x is None else dict(x.to_dict() if hasattr(x, "to_dict") else x)

        matched = None
        if similarity is not None:
            matched = {**similarity.to_dict(), "model": model}
        return cls(coach=as_dict(coach), exercise=as_dict(exercise), model_similarity=matched,
                   calmer=as_dict(calmer))

    @classmethod
    def from_dict(cls, stored: Mapping | None) -> TakeFeedback:
        """Read a stored feedback object (``Take.feedback``) back; None gives an empty one."""
        if not stored:
            return cls()
        extra = (EXERCISE_KEY, MODEL_KEY, CALMER_KEY)
        coach = {k: v for k, v in stored.items() if k not in extra} or None
        return cls(coach=coach, exercise=stored.get(EXERCISE_KEY),
                   model_similarity=stored.get(MODEL_KEY), calmer=stored.get(CALMER_KEY))

    def to_dict(self) -> dict:
        """The stored JSON object: the coach's keys, then each addition under its key."""
        out = dict(self.coach or {})
        for key, value in ((EXERCISE_KEY, self.exercise), (MODEL_KEY, self.model_similarity),
                           (CALMER_KEY, self.calmer)):
            if value is not None:
                out[key] = value
        return out

    @property
    def exercise_outcome(self) -> ExerciseOutcome | None:
        """The exercise attempt's outcome, or None when the take was no exercise attempt."""
        return None if self.exercise is None else ExerciseOutcome.from_dict(self.exercise)

    @property
    def model_match(self) -> ModelMatch | None:
        """The comparison with a model take, or None when there was none."""
        return None if not self.model_similarity else ModelMatch.from_dict(self.model_similarity)
