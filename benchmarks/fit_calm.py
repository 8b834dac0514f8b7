"""Fit the calm score's weights and biases on the development speech, and write them to the profile.

The score (prosody/coach.py) is a logistic model over the features' tensions: how far each
feature lies on the tense side of its target's edge, in tolerances, clipped. This script
measures those tensions on every development take (``calm_data.py``: CREMA-D 1001-1045 and
RAVDESS 01-06), once without a baseline and once against each of the speaker's baselines, and
fits, separately for the two cases:

- the weights: L2-regularised logistic regression with non-negative weights (a feature may only
  ever pull a tense value down), calm takes (CREMA-D neutral, RAVDESS calm) against aroused ones
  (anger, fear, happiness at every intensity); each corpus weighted by ``CORPUS_WEIGHT``, every
  speaker alike within it, both classes alike;
- the bias: shifted so that the words of the score bands hold: at most ``MAX_HIGH_SHARE`` of the
  high-intensity aroused takes reach ``HIGH_SCORE`` (70, "mostly calm").

``--write`` puts the numbers into the profile file (``samples/profiles/soothing.toml``) in
place; ``benchmarks/calm_validation.py`` checks them leave-one-speaker-out.

Run: ``.venv/bin/python benchmarks/fit_calm.py --data ../shared/data [--write]``
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from calm_data import AROUSED, Corpus, Take, load_corpus  # noqa: E402

from prosody.coach import coach  # noqa: E402
from prosody.profile import Profile, load_profile  # noqa: E402

#: Features whose weights are not fitted but kept as the profile states them (literature): the
#: development takes are single short sentences without pauses, which cannot show what pauses
#: and phrase length do.
FIXED = ("pauses", "phrase_length")
#: Share of the fit's weight that each corpus carries (RAVDESS has 6 speakers, CREMA-D 45).
CORPUS_WEIGHT = {"cremad": 0.7, "ravdess": 0.3}
#: L2 penalty on the weights (logit per tolerance), per unit of total sample weight.
L2 = 0.02
#: The bias puts at most this share of high-intensity aroused takes at HIGH_SCORE or above.
MAX_HIGH_SHARE = 0.03
HIGH_SCORE = 70.0


@dataclasses.dataclass(frozen=True)
class Design:
    """Tensions of a set of judged takes, ready to fit."""

    names: tuple[str, ...]  # feature names, the columns
    tension: np.ndarray  # [n, k] clipped tension, 0 where not judged
    #: [n, k] with a baseline, the clipped tension against the absolute target beside the
    #: baseline (0 where not judged, and everywhere without a baseline)
    general: np.ndarray
    too_calm: np.ndarray  # [n] the summed too-calm cost in tolerances (clipped per feature)
    takes: tuple[Take, ...]
    baseline: tuple[str | None, ...]  # the baseline file of each row (None: alone)
    scored: np.ndarray  # [n] bool: the coach gave a score (not refused for quality or noise)


def _probe(profile: Profile) -> tuple[Profile, Profile, Profile]:
    """Three copies of the profile: every weight 1 (effects = -tension), every weight 0 with a
    too-calm weight of 1 (effects = -too calm), and only the general weights 1 (effects, with
    a baseline, = -tension against the absolute target)."""
    def probe(weight: float, general: float, too_calm: float) -> Profile:
        return dataclasses.replace(
            profile, features=tuple(dataclasses.replace(
                f, weight=weight, absolute_weight=weight,
                general_weight=general if f.absolute is not None else 0.0)
                for f in profile.features),
            score=dataclasses.replace(profile.score, too_calm_weight=too_calm))

    return probe(1.0, 0.0, 0.0), probe(0.0, 0.0, 1.0), probe(0.0, 1.0, 0.0)


def design(corpus: Corpus, profile: Profile, *, with_baseline: bool,
           takes: tuple[Take, ...] | None = None) -> Design:
    """Tensions of every take (alone) or of every take against each of its baselines."""
    unit, calm, general = _probe(profile)
    names = tuple(f.name for f in profile.features)
    rows, gen, costs, kept, bases, scored = [], [], [], [], [], []
    real = profile
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in takes if takes is not None else corpus.takes:
            pairs = ([(b, a) for b, a in t.against.items()] if with_baseline
                     else [(None, t.alone)])
            for bfile, a in pairs:
                base = corpus.baselines[bfile] if bfile else None
                fb = coach(a, profile=unit, baseline=base)
                if fb.quality is not None:
                    continue  # clipped, whispered or too quiet: never scored
                effect = {r.name: -r.effect for r in fb.features}
                rows.append([effect.get(n, 0.0) for n in names])
                if base is not None:
                    fg = coach(a, profile=general, baseline=base)
                    effect = {r.name: -r.effect for r in fg.features}
                gen.append([effect.get(n, 0.0) if base is not None else 0.0 for n in names])
                fc = coach(a, profile=calm, baseline=base)
                costs.append(-sum(r.effect for r in fc.features))
                kept.append(t)
                bases.append(bfile)
                scored.append(coach(a, profile=real, baseline=base).score is not None)
    return Design(names, np.asarray(rows, dtype=float), np.asarray(gen, dtype=float),
                  np.asarray(costs, dtype=float), tuple(kept), tuple(bases),
                  np.asarray(scored, dtype=bool))


#: How calm each take is taken to be, 0-1 (None: not in the fit).
#: CREMA-D: from the listeners, 1 - perceived arousal / AROUSAL_SCALE (clipped), so the score
#: learns the listeners' ranking of every take, sad and disgusted ones included. RAVDESS (no
#: ratings): calm 1, angry/fearful/happy 0, neutral and sad in between (calm is meant to beat
#: both; with a baseline the neutral take is the baseline itself).
AROUSAL_SCALE = 50.0
RAVDESS_LABELS = {"calm": 1.0, "neutral": 0.5, "sad": 0.5, "anger": 0.0, "fear": 0.0,
                  "happy": 0.0}


def labels(d) -> np.ndarray:
    """The calm probability of each row of ``d`` (NaN: not used in the fit)."""
    y = np.full(len(d.takes), np.nan)
    for i, t in enumerate(d.takes):
        if t.corpus == "cremad":
            y[i] = min(1.0, max(0.0, 1.0 - t.arousal / AROUSAL_SCALE))
        elif t.emotion in RAVDESS_LABELS:
            y[i] = RAVDESS_LABELS[t.emotion]
    return y


def sample_weights(d, y: np.ndarray) -> np.ndarray:
    """Each corpus its CORPUS_WEIGHT, each speaker alike within it, the calm side (y >= 0.5)
    and the tense side alike."""
    w = np.zeros(len(d.takes))
    use = ~np.isnan(y)
    for corpus, share in CORPUS_WEIGHT.items():
        for calm_side in (False, True):
            sel = [i for i, t in enumerate(d.takes) if use[i] and t.corpus == corpus
                   and (y[i] >= 0.5) == calm_side]
            speakers = {d.takes[i].speaker for i in sel}
            for spk in speakers:
                mine = [i for i in sel if d.takes[i].speaker == spk]
                w[mine] = share / 2.0 / len(speakers) / len(mine)
    return w / w.sum() if w.sum() > 0 else w


@dataclasses.dataclass(frozen=True)
class Fit:
    weights: dict[str, float]
    bias: float
    #: with a baseline, the general weights (against the absolute targets beside the baseline)
    general: dict[str, float] = dataclasses.field(default_factory=dict)


def logistic(X: np.ndarray, y: np.ndarray, sw: np.ndarray, *, l2: float,
             nonnegative: bool = False, offset: np.ndarray | None = None
             ) -> tuple[np.ndarray, float]:
    """Weighted L2 logistic regression, P(calm) = 1 / (1 + exp(-(b + X @ w + offset))).

    ``y`` is the probability of calm of each row, 0 to 1 (soft labels allowed: the loss is the
    cross-entropy). ``nonnegative`` keeps every weight >= 0. Returns (w, b)."""
    from scipy.optimize import minimize

    k = X.shape[1]
    off = np.zeros(len(y)) if offset is None else offset

    def loss(p):
        w, b = p[:k], p[k]
        z = b + X @ w + off
        val = np.sum(sw * (y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)))
        g = sw * (1.0 / (1.0 + np.exp(-z)) - y)  # d loss / d z
        return val + l2 * np.sum(w**2), np.append(X.T @ g + 2 * l2 * w, np.sum(g))

    bounds = [(0.0, None) if nonnegative else (None, None)] * k + [(None, None)]
    res = minimize(loss, np.zeros(k + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    return res.x[:k], float(res.x[k])


def shift_bias(z: np.ndarray, takes) -> float:
    """The shift of the logits ``z`` that puts MAX_HIGH_SHARE of the high-intensity aroused
    takes at HIGH_SCORE or above."""
    high = np.array([t.emotion in AROUSED and t.intensity in ("high", "strong") for t in takes])
    if not high.any():
        return 0.0
    limit = math.log(HIGH_SCORE / (100.0 - HIGH_SCORE))
    return limit - float(np.quantile(z[high], 1.0 - MAX_HIGH_SHARE))


def fit(d: Design, profile: Profile, *, with_baseline: bool,
        rows: np.ndarray | None = None) -> Fit:
    """Non-negative L2 logistic regression, then the bias shift of MAX_HIGH_SHARE. The FIXED
    features keep the profile's weights. With a baseline the general tensions (against the
    absolute targets) are fitted beside the relative ones, each with its own weight."""
    y = labels(d)
    use = ~np.isnan(y)
    if rows is not None:
        use &= rows
    free = [k for k, n in enumerate(d.names) if n not in FIXED]
    fixed = {k: (profile.feature(n).weight if with_baseline else profile.feature(n).absolute_weight)
             for k, n in enumerate(d.names) if n in FIXED}
    X, t = d.tension[use], y[use]
    # general columns: with a baseline, the features with an absolute target and not FIXED
    gfree = ([k for k in free if profile.feature(d.names[k]).absolute is not None]
             if with_baseline else [])
    G = d.general[use]
    offset = -profile.score.too_calm_weight * d.too_calm[use]
    for k, w in fixed.items():
        offset = offset - w * X[:, k]
    sub = dataclasses.replace(d, takes=tuple(x for x, u in zip(d.takes, use, strict=True) if u))
    # the score's logit is bias - X @ w - G @ g: fit on -[X G] with non-negative weights
    both = np.hstack([X[:, free], G[:, gfree]])
    w_all, b = logistic(-both, t, sample_weights(sub, t), l2=L2, nonnegative=True,
                        offset=offset)
    weights = dict(fixed)
    weights.update(zip(free, (float(v) for v in w_all[:len(free)]), strict=True))
    general = dict.fromkeys(range(len(d.names)), 0.0)
    general.update(zip(gfree, (float(v) for v in w_all[len(free):]), strict=True))
    w = np.array([weights[k] for k in range(len(d.names))])
    g = np.array([general[k] for k in range(len(d.names))])
    z = b - X @ w - G @ g - profile.score.too_calm_weight * d.too_calm[use]
    return Fit({n: float(w[k]) for k, n in enumerate(d.names)}, float(b + shift_bias(z, sub.takes)),
               {n: float(g[k]) for k, n in enumerate(d.names)} if with_baseline else {})


def write_profile(path: Path, relative: Fit, absolute: Fit) -> None:
    """Replace the fitted numbers in the profile file, keeping its comments."""
    text = path.read_text()

    def put(text: str, table: str, key: str, value: float) -> str:
        pattern = re.compile(rf"(\[{re.escape(table)}\][^\[]*?^{key} = )[-0-9.e]+", re.M | re.S)
        new, n = pattern.subn(lambda m: m.group(1) + f"{value:.3g}", text, count=1)
        if n != 1:
            raise SystemExit(f"{path}: no '{key} = ...' in [{table}]")
        return new

    text = put(text, "score", "bias", relative.bias)
    text = put(text, "score", "absolute_bias", absolute.bias)
    for name in relative.weights:
        if name in FIXED:
            continue
        text = put(text, f"features.{name}", "weight", relative.weights[name])
        text = put(text, f"features.{name}", "absolute_weight", absolute.weights[name])
        if relative.general.get(name, 0.0) > 0 or re.search(
                rf"\[features\.{re.escape(name)}\][^\[]*?^general_weight = ", text, re.M | re.S):
            text = put(text, f"features.{name}", "general_weight", relative.general[name])
    path.write_text(text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--profile", default="soothing")
    ap.add_argument("--write", action="store_true", help="write the fitted numbers into the "
                    "profile file")
    args = ap.parse_args(argv)
    corpus = load_corpus(args.data)
    profile = load_profile(args.profile)
    fits = {}
    for mode, with_baseline in (("relative", True), ("absolute", False)):
        d = design(corpus, profile, with_baseline=with_baseline)
        f = fit(d, profile, with_baseline=with_baseline)
        fits[mode] = f
        print(f"{mode}: bias {f.bias:.3f}; weights " + ", ".join(
            f"{n} {w:.3f}" for n, w in sorted(f.weights.items(), key=lambda x: -x[1])))
        if f.general:
            print("  general weights beside the baseline: " + ", ".join(
                f"{n} {w:.3f}" for n, w in sorted(f.general.items(), key=lambda x: -x[1])
                if w > 0))
    if args.write:
        write_profile(Path(profile.path), fits["relative"], fits["absolute"])
        print(f"written to {profile.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


# ---------------------------------------------------------------------------------------------
# Leave one speaker out


def with_fit(profile: Profile, f: Fit, *, with_baseline: bool) -> Profile:
    """``profile`` with the weights and bias of ``f`` in the mode it was fitted for."""
    key = "weight" if with_baseline else "absolute_weight"
    features = tuple(dataclasses.replace(
        x, **{key: f.weights[x.name]},
        **({"general_weight": f.general.get(x.name, 0.0)} if with_baseline else {}))
        for x in profile.features)
    score = dataclasses.replace(profile.score,
                                **{"bias" if with_baseline else "absolute_bias": f.bias})
    return dataclasses.replace(profile, features=features, score=score)


def held_out_scores(corpus: Corpus, d: Design, profile: Profile, *, with_baseline: bool
                    ) -> tuple[list[Take], np.ndarray]:
    """Every take (alone, or against each of its baselines) scored by the coach itself, as the
    app would, with the weights and bias fitted on every *other* speaker. Returns the rows'
    takes and their scores (NaN where the coach gives no score: clipped, or too noisy); the
    monotone cap and the integer rounding apply, as they do for a user."""
    fits = {spk: fit(d, profile, with_baseline=with_baseline,
                     rows=np.array([t.speaker != spk for t in d.takes]))
            for spk in sorted({t.speaker for t in corpus.takes})}
    rows, out = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in corpus.takes:
            mine = with_fit(profile, fits[t.speaker], with_baseline=with_baseline)
            pairs = t.against.items() if with_baseline else [(None, t.alone)]
            for bfile, a in pairs:
                fb = coach(a, profile=mine, baseline=corpus.baselines[bfile] if bfile else None)
                rows.append(t)
                out.append(np.nan if fb.score is None else float(fb.score))
    return rows, np.asarray(out)
