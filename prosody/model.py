"""Model takes: how closely a trainee's take follows a model take of the same phrase.

A supervisor or a partner records the phrase the way it should sound; the trainee says it in
their own voice. The two are compared on what can be imitated across voices:

* **melody shape**: both pitch contours in semitones relative to each take's own median (so a
  deeper voice is not "wrong"), after aligning the takes in time by dynamic time warping
  (:func:`prosody.compare.align`); the distance is the RMS difference of the aligned voiced
  frames, in semitones;
* **pace**: the ratio of the two speech rates (syllables per second over the whole span);
* **pause placement**: whether the model's pauses, carried into the trainee's time by the
  alignment, meet a pause of the trainee's, and whether the trainee paused elsewhere.

Each part gives 0-100 points, ``100 / (1 + (miss / tolerance)**2)`` like the coach (half the
points at one tolerance); the score is their weighted mean, explained in words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .errors import ProsodyError
from .util import hz_to_st, rounded

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import Analysis
    from .compare import Alignment

#: RMS melody difference (st) that earns half the shape points: about the size of an accent.
SHAPE_TOLERANCE_ST = 2.0
#: Pace difference (log2 of the rate ratio) for half the pace points: 0.2 is about 15 %, one and
#: a half times the smallest tempo change a listener notices (10 %).
RATE_TOLERANCE_LOG2 = 0.2
#: A model pause is matched when a trainee pause lies within this distance of where the
#: alignment carries it, in seconds.
PAUSE_SLACK_S = 0.2
WEIGHTS = {"shape": 0.5, "rate": 0.25, "pauses": 0.25}


@dataclass(frozen=True)
class Similarity:
    """How closely a take follows a model take.

    Attributes
    ----------
    score : int
        0-100, the weighted mean of the three parts
    shape_score, rate_score, pause_score : float
        0-100 each
    contour_distance_st : float or None
        RMS difference of the aligned melodies, each relative to its own median, in semitones
    rate_ratio : float or None
        take's speech rate / model's (1.2 = 20 % faster than the model)
    pauses_model, pauses_take, pauses_matched : int
    words : tuple of str
        one sentence per part, most important first
    summary : str
        the score in one sentence
    time_s : np.ndarray [shape=(n,)]
        the model's frame times, in seconds
    model_st, take_st : np.ndarray [shape=(n,)]
        the model's melody and the take's melody carried onto the model's time axis by the
        alignment, each in semitones relative to its own median, NaN where unvoiced: the
        overlay to draw
    alignment : Alignment
    """

    score: int
    shape_score: float
    rate_score: float
    pause_score: float
    contour_distance_st: float | None
    rate_ratio: float | None
    pauses_model: int
    pauses_take: int
    pauses_matched: int
    words: tuple[str, ...]
    summary: str
    time_s: np.ndarray
    model_st: np.ndarray
    take_st: np.ndarray
    alignment: Alignment

    def to_dict(self) -> dict:
        r = rounded
        return {"score": self.score, "shape_score": r(self.shape_score, 1),
                "rate_score": r(self.rate_score, 1), "pause_score": r(self.pause_score, 1),
                "contour_distance_st": r(self.contour_distance_st, 2),
                "rate_ratio": r(self.rate_ratio, 3), "pauses_model": self.pauses_model,
                "pauses_take": self.pauses_take, "pauses_matched": self.pauses_matched,
                "words": list(self.words), "summary": self.summary}


def similarity(model_analysis: Analysis, take_analysis: Analysis) -> Similarity:
    """Compare a take with a model take of the same phrase.

    Parameters
    ----------
    model_analysis, take_analysis : Analysis
        ``prosody.analyze`` of the model and of the take, ideally with the phrase as ``text``
        so both count the same syllables

    Returns
    -------
    Similarity

    Raises
    ------
    ProsodyError
        when either take has too little voiced speech, or the speech of one is more than
        three times as long as the other's (probably not the same phrase).
    """
    from .compare import align

    for name, a in (("model take", model_analysis), ("take", take_analysis)):
        if np.count_nonzero(a.tracks.voiced) < 10:
            raise ProsodyError(f"the {name} has almost no voiced speech to compare; record the "
                               "whole phrase in a clear voice.")
    try:
        alignment = align(model_analysis.tracks, take_analysis.tracks)
    except ProsodyError as exc:
        raise ProsodyError(f"the take and the model cannot be lined up: {exc} Are they the "
                           "same phrase? Record the take again, the whole phrase.") from exc

    mt = model_analysis.tracks
    tt = take_analysis.tracks
    model_st = _relative_st(mt.f0_hz, mt.voiced)
    take_own = _relative_st(tt.f0_hz, tt.voiced)
    take_t = alignment.b_time_at(mt.time_s)
    idx = np.clip(np.round(take_t / _frame_s(tt)).astype(int), 0, take_own.size - 1)
    take_st = take_own[idx]
    # only the aligned stretch counts: before the first and after the last aligned frame the
    # alignment holds still
    inside = (mt.time_s >= alignment.time_a_s[0]) & (mt.time_s <= alignment.time_a_s[-1])
    both = inside & np.isfinite(model_st) & np.isfinite(take_st)
    distance = None
    if both.sum() >= 10:
        diff = model_st[both] - take_st[both]
        distance = float(np.sqrt(np.mean((diff - np.median(diff)) ** 2)))
    shape = _points(distance, SHAPE_TOLERANCE_ST)

    ratio = _rate_ratio(model_analysis, take_analysis, alignment)
    rate = _points(None if ratio is None else abs(math.log2(ratio)), RATE_TOLERANCE_LOG2)

    matched, n_model, n_take = _pauses(mt.pauses, tt.pauses, alignment)
    denominator = max(n_model, n_take)
    pause = 100.0 if denominator == 0 else 100.0 * matched / denominator

    parts = {"shape": shape, "rate": rate, "pauses": pause}
    score = int(round(sum(WEIGHTS[k] * v for k, v in parts.items())))
    words = _words(distance, ratio, matched, n_model, n_take, parts)
    return Similarity(
        score=score, shape_score=shape, rate_score=rate, pause_score=pause,
        contour_distance_st=distance, rate_ratio=ratio, pauses_model=n_model,
        pauses_take=n_take, pauses_matched=matched, words=words, summary=_summary(score),
        time_s=np.asarray(mt.time_s, dtype=float), model_st=model_st, take_st=take_st,
        alignment=alignment)


def _frame_s(tracks) -> float:
    t = np.asarray(tracks.time_s)
    return float(t[1] - t[0]) if t.size > 1 else 0.01


def _relative_st(f0_hz: np.ndarray, voiced: np.ndarray) -> np.ndarray:
    f0 = np.asarray(f0_hz, dtype=float)
    ok = np.asarray(voiced, dtype=bool) & np.isfinite(f0) & (f0 > 0)
    out = np.full(f0.shape, np.nan)
    if ok.any():
        out[ok] = hz_to_st(f0[ok], np.median(f0[ok]))
    return out


def _points(miss: float | None, tolerance: float) -> float:
    if miss is None:
        return 0.0
    return 100.0 / (1.0 + (miss / tolerance) ** 2)


def _rate_ratio(model: Analysis, take: Analysis, alignment: Alignment) -> float | None:
    a, b = model.summary.speech_rate_syl_per_s, take.summary.speech_rate_syl_per_s
    if a and b and model.summary.syllables == take.summary.syllables:
        return float(b / a)
    # different syllable counts (estimated from the audio): the alignment's overall slope
    # over the speech of the model says how much faster the take ran
    phrases = model.tracks.phrases
    if not phrases:
        return None
    start_s, end_s = phrases[0][0], phrases[-1][1]
    span_take = float(alignment.b_time_at(end_s) - alignment.b_time_at(start_s))
    if span_take <= 0:
        return None
    return float((end_s - start_s) / span_take)


def _pauses(model_pauses, take_pauses, alignment: Alignment) -> tuple[int, int, int]:
    mapped = [(float(alignment.b_time_at(a)), float(alignment.b_time_at(b)))
              for a, b in model_pauses]
    free = list(take_pauses)
    matched = 0
    for a, b in mapped:
        for k, (c, d) in enumerate(free):
            if c - PAUSE_SLACK_S <= b and a <= d + PAUSE_SLACK_S:
                matched += 1
                del free[k]
                break
    return matched, len(model_pauses), len(take_pauses)


def _words(distance, ratio, matched, n_model, n_take, parts) -> tuple[str, ...]:
    said = []
    if distance is None:
        said.append((parts["shape"], "Your melody could not be compared: too little of it was "
                                     "voiced at the same moments as the model."))
    elif distance < 1.0:
        said.append((parts["shape"], f"Your melody follows the model closely ({distance:.1f} "
                                     "semitones apart on average, once lined up in time)."))
    elif distance < 2.0:
        said.append((parts["shape"], f"Your melody mostly follows the model ({distance:.1f} "
                                     "semitones apart on average): listen again to where it "
                                     "rises and falls."))
    else:
        said.append((parts["shape"], f"Your melody moves differently from the model's "
                                     f"({distance:.1f} semitones apart on average): copy where "
                                     "it rises, where it falls and how the sentences end."))
    if ratio is None:
        said.append((parts["rate"], "The pace could not be compared."))
    else:
        pct = 100.0 * (ratio - 1.0)
        if abs(pct) < 7.0:
            said.append((parts["rate"], "Your pace matches the model's."))
        else:
            way = "faster" if pct > 0 else "slower"
            fix = "slow down a little" if pct > 0 else "you may go a little quicker"
            said.append((parts["rate"], f"You spoke {abs(pct):.0f} % {way} than the model: "
                                        f"{fix}."))
    if n_model == 0 and n_take == 0:
        said.append((parts["pauses"], "Neither take pauses: that matches."))
    elif n_model == 0:
        said.append((parts["pauses"], f"You paused {n_take} time{'s' * (n_take != 1)} where "
                                      "the model runs straight on."))
    else:
        extra = n_take - matched
        text = (f"You paused at {matched} of the model's {n_model} "
                f"pause{'s' * (n_model != 1)}")
        text += f", and {extra} more time{'s' * (extra != 1)} elsewhere." if extra else "."
        said.append((parts["pauses"], text))
    said.sort(key=lambda p: p[0])  # the weakest part first: that is what to work on
    return tuple(text for _, text in said)


def _summary(score: int) -> str:
    if score >= 85:
        return f"{score} of 100: very close to the model."
    if score >= 70:
        return f"{score} of 100: close to the model."
    if score >= 50:
        return f"{score} of 100: partly like the model; see what to change below."
    return f"{score} of 100: quite different from the model; listen to it again first."
