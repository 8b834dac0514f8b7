"""Does the calm score hold? Synthetic calm/tense pairs and real calm speech (RAVDESS).

1. Synthetic pairs: espeak-ng phrases in several voices, re-synthesised with pyworld (WORLD) into a
   neutral baseline, a calm variant (about -1.5 st, pitch range x0.85, rate x0.85, -4 dB, a
   softer spectral tilt) and a tense variant (+3 st, range x1.6, rate x1.25, +6 dB). The size of
   every cue is drawn at random between half and one and a half times its nominal value, so the
   pairs are not all alike. Target: the calm variant scores higher in at least 98 % of pairs.
2. Single cues: each cue alone, in the calm and in the tense direction, must move its own
   feature's verdict the right way in every case (tense: "high"; calm: "ok").
3. RAVDESS (actors 01-06 under ``--data``/ravdess, when present): ROC AUC of the score for calm
   (both intensities) against happy, angry and fearful (both intensities), and calm against
   neutral, with each actor's neutral take as the baseline and without a baseline. Targets:
   AUC >= 0.96 calm vs aroused, >= 0.75 calm vs neutral (with the baseline). Leave-one-actor-out:
   the profile numbers calibrated on RAVDESS are re-chosen on five actors and tested on the sixth.

Run: ``.venv/bin/python benchmarks/calm_validation.py --data ../shared/data`` (``make bench``).
Results also go to ``benchmarks/out/calm/results.json``.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from prosody.analysis import Analysis, analyze, analyze_file  # noqa: E402
from prosody.coach import baseline_settings, coach  # noqa: E402
from prosody.errors import ProsodyWarning  # noqa: E402
from prosody.profile import Profile, Target, load_profile  # noqa: E402

SR = 16_000
SEED = 20261128
OUT = ROOT / "benchmarks" / "out" / "calm"

VOICES = (  # (espeak-ng voice, espeak pitch 0-99, WORLD search range in Hz)
    ("en-us", 40, (60.0, 300.0)),
    ("en-gb", 35, (60.0, 300.0)),
    ("en-us+f1", 60, (120.0, 500.0)),
    ("en-us+f3", 65, (120.0, 500.0)),
    ("en-gb-scotland+m3", 45, (60.0, 300.0)),
    ("en-gb-x-rp+f2", 55, (120.0, 500.0)),
)
#: Every baseline phrase gets at least this pitch range (10th-90th percentile, st): espeak-ng
#: intonation is flatter than most people's, and a range near the monotone floor would make the
#: calm variant "too flat" by construction.
MIN_RANGE_ST = 6.0
PHRASES = (
    "I'm here with you. What do you need right now?",
    "It's okay. Take a slow breath with me.",
    "You are safe, and I am not going anywhere.",
    "Let's sit down together and talk about it.",
    "I hear you. That sounded really hard.",
)

#: Nominal cue sizes (the issue's calm and tense variants).
CALM = {"pitch_st": -1.5, "range_factor": 0.85, "rate_factor": 0.85, "gain_db": -4.0,
        "tilt_db_per_octave": -3.0}
TENSE = {"pitch_st": 3.0, "range_factor": 1.6, "rate_factor": 1.25, "gain_db": 6.0,
         "tilt_db_per_octave": 0.0}
#: The feature each single cue must move, and the tense-direction size when the tense variant
#: leaves that cue alone (tilt).
CUE_FEATURE = {"pitch_st": "pitch_level", "range_factor": "pitch_range",
               "rate_factor": "tempo", "gain_db": "loudness", "tilt_db_per_octave": "brightness"}
TENSE_SINGLE = {**TENSE, "tilt_db_per_octave": 3.0}

RAVDESS_TEXT = "Kids are talking by the door"
AROUSED = ("happy", "angry", "fearful")


# ---------------------------------------------------------------------------------------------
# Synthetic speech


@dataclasses.dataclass(frozen=True)
class World:
    """WORLD parameters of one espeak-ng phrase (10 ms frames)."""

    f0_hz: np.ndarray
    sp: np.ndarray
    ap: np.ndarray
    text: str
    voice: str
    #: peak of the plain re-synthesis: every variant is scaled by the same factor
    peak: float


def espeak_world(text: str, voice: str, pitch: int, f0_range_hz: tuple[float, float],
                 workdir: Path) -> World:
    import pyworld
    import soundfile as sf
    from scipy.signal import resample_poly

    exe = shutil.which("espeak-ng")
    if exe is None:
        raise SystemExit("espeak-ng is not installed: apt-get install espeak-ng")
    path = workdir / f"{abs(hash((text, voice, pitch)))}.wav"
    subprocess.run([exe, "-v", voice, "-s", "160", "-p", str(pitch), "-w", str(path), text],
                   check=True, capture_output=True)
    y, sr = sf.read(path)
    y = resample_poly(y, SR, sr) if sr != SR else y
    x = np.ascontiguousarray(y, dtype=np.float64)
    # a range per voice: with one wide range Harvest halves the F0 of some female voices
    f0, t = pyworld.harvest(x, SR, f0_floor=f0_range_hz[0], f0_ceil=f0_range_hz[1],
                            frame_period=10.0)
    sp = pyworld.cheaptrick(x, f0, t, SR)
    ap = pyworld.d4c(x, f0, t, SR)
    f0 = clean_contour(f0)
    peak = float(np.max(np.abs(pyworld.synthesize(f0, sp, ap, SR, frame_period=10.0))))
    return World(f0, sp, ap, text, voice, peak)


def clean_contour(f0_hz: np.ndarray) -> np.ndarray:
    """One clean, known contour for every variant: octave errors of the WORLD estimate folded
    back to within half an octave of the phrase median, smoothed over 50 ms, and widened to at
    least MIN_RANGE_ST."""
    from scipy.ndimage import median_filter

    out = f0_hz.copy()
    v = out > 0
    st = 12.0 * np.log2(out[v])
    centre = np.median(st)
    st = st - 12.0 * np.round((st - centre) / 12.0)
    st = median_filter(st, size=5, mode="nearest")
    p10, p90 = np.percentile(st, [10, 90])
    st = centre + (st - centre) * max(1.0, MIN_RANGE_ST / max(p90 - p10, 1e-6))
    out[v] = 2.0 ** (st / 12.0)
    return out


def variant(w: World, *, pitch_st: float = 0.0, range_factor: float = 1.0,
            rate_factor: float = 1.0, gain_db: float = 0.0,
            tilt_db_per_octave: float = 0.0) -> np.ndarray:
    """Re-synthesise a phrase with its pitch shifted (st), its pitch range scaled around the
    median in semitones, its tempo scaled, its level changed (dB) and its spectral tilt changed
    above 500 Hz (dB per octave)."""
    import pyworld

    f0 = w.f0_hz.copy()
    v = f0 > 0
    st = 12.0 * np.log2(f0[v])
    centre = np.median(st)
    f0[v] = 2.0 ** ((centre + range_factor * (st - centre) + pitch_st) / 12.0)
    sp = w.sp
    if tilt_db_per_octave:
        freqs = np.linspace(0, SR / 2, sp.shape[1])
        octaves = np.log2(np.maximum(freqs, 500.0) / 500.0)
        sp = sp * 10.0 ** (tilt_db_per_octave * octaves / 10.0)  # sp is a power spectrum
    # a longer frame period plays the same frames more slowly: tempo / rate_factor
    y = pyworld.synthesize(f0, np.ascontiguousarray(sp), w.ap, SR,
                           frame_period=10.0 / rate_factor)
    # a fixed reference level, low enough that the tense +6 dB never clips
    return y * (0.12 / w.peak) * 10.0 ** (gain_db / 20.0)


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        return fn(*args, **kwargs)


def draw(nominal: dict, rng: np.random.Generator) -> dict:
    """Each cue at between half and one and a half times its nominal size."""
    out = {}
    for key, value in nominal.items():
        k = rng.uniform(0.5, 1.5)
        out[key] = 1.0 + k * (value - 1.0) if key.endswith("_factor") else k * value
    return out


def synthetic(profile: Profile, *, pairs_per_item: int, workdir: Path) -> dict:
    rng = np.random.default_rng(SEED)
    wins = pairs = 0
    wins_nb = 0
    margins = []
    losses = []
    cue_checks = {f"{cue}:{way}": [0, 0] for cue in CUE_FEATURE for way in ("calm", "tense")}
    failures = []
    for voice, pitch, f0_range_hz in VOICES:
        for text in PHRASES:
            w = espeak_world(text, voice, pitch, f0_range_hz, workdir)
            y_base = variant(w)
            settings = baseline_settings(_quiet(analyze, y_base, sr=SR, text=text))
            # the baseline itself is measured the way the takes are: with its own range
            base = _quiet(analyze, y_base, sr=SR, text=text, settings=settings)

            def judge(y, with_baseline=True, text=text, settings=settings, base=base):
                a = _quiet(analyze, y, sr=SR, text=text,
                           settings=settings if with_baseline else None)
                return coach(a, profile=profile, baseline=base if with_baseline else None)

            for _ in range(pairs_per_item):
                calm_cues, tense_cues = draw(CALM, rng), draw(TENSE, rng)
                y_calm, y_tense = variant(w, **calm_cues), variant(w, **tense_cues)
                calm, tense = judge(y_calm), judge(y_tense)
                pairs += 1
                if calm.score is not None and tense.score is not None:
                    margins.append(calm.score - tense.score)
                    wins += calm.score > tense.score
                    if calm.score <= tense.score:
                        losses.append((voice, text, calm.score, tense.score))
                calm_nb, tense_nb = judge(y_calm, False), judge(y_tense, False)
                wins_nb += (calm_nb.score or 0) > (tense_nb.score or 0)

            for cue, feature in CUE_FEATURE.items():
                for way, size, want in (("calm", CALM[cue], "ok"),
                                        ("tense", TENSE_SINGLE[cue], "high")):
                    fb = judge(variant(w, **{cue: size}))
                    got = next((f for f in fb.features if f.name == feature), None)
                    verdict = got.verdict if got else "not judged"
                    cue_checks[f"{cue}:{way}"][1] += 1
                    if verdict == want:
                        cue_checks[f"{cue}:{way}"][0] += 1
                    else:
                        failures.append((voice, text, cue, way, verdict,
                                         None if got is None else round(got.value, 2)))
    return {
        "pairs": pairs,
        "calm_wins": wins,
        "win_rate": wins / pairs,
        "win_rate_without_baseline": wins_nb / pairs,
        "median_margin": float(np.median(margins)) if margins else None,
        "losses": losses,
        "single_cue": {k: {"right": v[0], "cases": v[1]} for k, v in cue_checks.items()},
        "single_cue_failures": failures,
    }


# ---------------------------------------------------------------------------------------------
# RAVDESS


def auc(positive, negative) -> float:
    """ROC AUC: the chance that a random positive scores above a random negative (ties: 1/2)."""
    pos = np.asarray(positive, dtype=float)[:, None]
    neg = np.asarray(negative, dtype=float)[None, :]
    return float(np.mean((pos > neg) + 0.5 * (pos == neg)))


@dataclasses.dataclass(frozen=True)
class Take:
    file: str
    actor: str
    emotion: str
    intensity: str
    with_baseline: Analysis
    alone: Analysis


def ravdess_takes(folder: Path) -> tuple[list[Take], dict[str, Analysis]]:
    rows = list(csv.DictReader((folder / "labels.csv").open()))
    baselines: dict[str, Analysis] = {}
    settings = {}
    for r in rows:
        if r["emotion"] == "neutral" and r["intensity"] == "normal":
            path = folder / r["file"]
            first = _quiet(analyze_file, path, text=RAVDESS_TEXT)
            settings[r["actor"]] = baseline_settings(first)
            baselines[r["actor"]] = _quiet(analyze_file, path, text=RAVDESS_TEXT,
                                           settings=settings[r["actor"]])
    takes = []
    for r in rows:
        takes.append(Take(
            r["file"], r["actor"], r["emotion"], r["intensity"],
            with_baseline=_quiet(analyze_file, folder / r["file"], text=RAVDESS_TEXT,
                                 settings=settings[r["actor"]]),
            alone=_quiet(analyze_file, folder / r["file"], text=RAVDESS_TEXT),
        ))
    return takes, baselines


def score_takes(takes, baselines, profile: Profile) -> dict[str, dict[str, float | None]]:
    out = {"baseline": {}, "alone": {}}
    for t in takes:
        out["baseline"][t.file] = coach(t.with_baseline, profile=profile,
                                        baseline=baselines[t.actor]).score
        out["alone"][t.file] = coach(t.alone, profile=profile).score
    return out


def ravdess_aucs(takes, scores, *, actors=None) -> dict[str, float]:
    res = {}
    for mode in ("baseline", "alone"):
        s = scores[mode]

        def pick(emotions, mode=mode, s=s):
            return [s[t.file] if s[t.file] is not None else -1.0 for t in takes
                    if t.emotion in emotions and (actors is None or t.actor in actors)]

        calm = pick(("calm",))
        res[f"calm_vs_aroused_{mode}"] = auc(calm, pick(AROUSED))
        res[f"calm_vs_neutral_{mode}"] = auc(calm, pick(("neutral",)))
        res[f"calm_vs_sad_{mode}"] = auc(calm, pick(("sad",)))
    return res


#: The profile numbers calibrated on RAVDESS, in groups: (group, [(feature, field of the
#: relative target, literature value, calibrated value), ...]). Leave-one-actor-out re-chooses
#: each group between its literature and calibrated values on five actors.
CALIBRATED = (
    ("pitch_level", [("pitch_level", "low", -2.0, -4.0),
                     ("pitch_level", "tolerance_low", 1.5, 3.0),
                     ("pitch_level", "tolerance_high", 1.5, 1.0)]),
    ("tempo", [("tempo", "low", -25.0, -40.0),
               ("tempo", "tolerance_low", 10.0, 15.0),
               ("tempo", "tolerance_high", 10.0, 5.0)]),
    ("loudness", [("loudness", "low", -6.0, -10.0),
                  ("loudness", "tolerance_low", 3.0, 5.0),
                  ("loudness", "tolerance_high", 3.0, 2.0)]),
    ("pitch_range", [("pitch_range", "tolerance_low", 20.0, 40.0)]),
)

#: Assumed take-to-take spread of a person's everyday voice, for the jittered-baseline check
#: (standard deviations; assumptions, not measurements): pitch in st, tempo and pitch movement
#: in %, level and alpha ratio in dB.
BASELINE_SPREAD = {"f0_median_hz": ("st", 1.0), "speech_rate_syl_per_s": ("%", 8.0),
                   "articulation_rate_syl_per_s": ("%", 8.0), "loudness_db": ("dB", 2.0),
                   "alpha_ratio_db": ("dB", 1.0), "f0_velocity_st_per_s": ("%", 10.0),
                   "f0_range_st": ("%", 10.0)}


def with_values(profile: Profile, changes) -> Profile:
    """The profile with relative-target fields changed: changes = [(feature, field, value)]."""
    features = []
    for spec in profile.features:
        for feature, field, value in changes:
            if spec.name == feature:
                target: Target = spec.relative
                spec = dataclasses.replace(
                    spec, relative=dataclasses.replace(target, **{field: value}))
        features.append(spec)
    return dataclasses.replace(profile, features=tuple(features))


def leave_one_actor_out(takes, baselines, profile: Profile) -> dict:
    """Choose each calibrated group (literature or calibrated values) on five actors by the sum
    of the two with-baseline AUCs, then score the sixth actor with that choice."""
    import itertools

    actors = sorted({t.actor for t in takes})
    options = list(itertools.product((False, True), repeat=len(CALIBRATED)))
    variants = {}
    for choice in options:
        changes = [(f, field, cal if use else lit)
                   for use, (_, group) in zip(choice, CALIBRATED, strict=True)
                   for f, field, lit, cal in group]
        variants[choice] = score_takes(takes, baselines, with_values(profile, changes))
    held_out = {"baseline": {}, "alone": {}}
    chosen = {}
    for actor in actors:
        train = set(actors) - {actor}

        def fit(choice, train=train):
            a = ravdess_aucs(takes, variants[choice], actors=train)
            # ties go to the literature: fewer calibrated groups first
            return (a["calm_vs_aroused_baseline"] + a["calm_vs_neutral_baseline"], -sum(choice))

        best = max(options, key=fit)
        chosen[actor] = [name for use, (name, _) in zip(best, CALIBRATED, strict=True) if use]
        for mode in held_out:
            for t in takes:
                if t.actor == actor:
                    held_out[mode][t.file] = variants[best][mode][t.file]
    return {
        "held_out": ravdess_aucs(takes, held_out),
        "literature_values": ravdess_aucs(takes, variants[(False,) * len(CALIBRATED)]),
        "calibrated_groups_chosen_per_actor": chosen,
    }


def jittered_baseline(analysis: Analysis, rng: np.random.Generator) -> Analysis:
    """The baseline with its summary moved by a plausible take-to-take spread."""
    summary = analysis.summary
    changes = {}
    for key, (kind, sd) in BASELINE_SPREAD.items():
        value = getattr(summary, key)
        if value is None:
            continue
        step = rng.normal(0.0, sd)
        changes[key] = (value * 2.0 ** (step / 12.0) if kind == "st" else
                        value * (1.0 + step / 100.0) if kind == "%" else value + step)
    return dataclasses.replace(analysis, summary=dataclasses.replace(summary, **changes))


def jittered_aucs(takes, baselines, profile: Profile, draws: int = 20) -> dict:
    """Calm against neutral when the neutral take is not its own baseline: each actor's
    baseline is jittered by BASELINE_SPREAD, ``draws`` times."""
    rng = np.random.default_rng(SEED)
    res = {"calm_vs_neutral": [], "calm_vs_aroused": []}
    for _ in range(draws):
        jb = {a: jittered_baseline(b, rng) for a, b in baselines.items()}
        scores = {t.file: coach(t.with_baseline, profile=profile, baseline=jb[t.actor]).score
                  for t in takes}
        scores = {"baseline": scores, "alone": scores}
        a = ravdess_aucs(takes, scores)
        res["calm_vs_neutral"].append(a["calm_vs_neutral_baseline"])
        res["calm_vs_aroused"].append(a["calm_vs_aroused_baseline"])
    return {k: {"mean": float(np.mean(v)), "min": float(np.min(v))} for k, v in res.items()}


# ---------------------------------------------------------------------------------------------
# Report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--profile", default="soothing")
    ap.add_argument("--pairs-per-item", type=int, default=2,
                    help="random calm/tense pairs per voice and phrase (default 2)")
    ap.add_argument("--skip-synthetic", action="store_true")
    args = ap.parse_args(argv)
    profile = load_profile(args.profile)
    results: dict = {"profile": profile.name, "profile_version": profile.version}
    ok = True
    t0 = time.perf_counter()
    print(f"Calm validation: profile {profile.name} {profile.version}")

    if not args.skip_synthetic:
        with tempfile.TemporaryDirectory() as tmp:
            syn = synthetic(profile, pairs_per_item=args.pairs_per_item, workdir=Path(tmp))
        results["synthetic"] = syn
        print(f"\nSynthetic pairs ({len(VOICES)} voices x {len(PHRASES)} phrases x "
              f"{args.pairs_per_item}): calm scored higher in {syn['calm_wins']}/{syn['pairs']} "
              f"= {100 * syn['win_rate']:.1f} % (target >= 98 %); median margin "
              f"{syn['median_margin']:.0f} points; without a baseline "
              f"{100 * syn['win_rate_without_baseline']:.1f} %")
        for loss in syn["losses"]:
            print(f"  calm lost: {loss}")
        print("Single cues (right verdict / cases):")
        for key, v in syn["single_cue"].items():
            cue, way = key.split(":")
            print(f"  {cue:<20} {way:<6} -> {CUE_FEATURE[cue]:<12} {v['right']}/{v['cases']}")
        for f in syn["single_cue_failures"]:
            print(f"  wrong verdict: {f}")
        ok &= syn["win_rate"] >= 0.98 and not syn["single_cue_failures"]

    folder = args.data / "ravdess"
    if (folder / "labels.csv").is_file():
        takes, baselines = ravdess_takes(folder)
        scores = score_takes(takes, baselines, profile)
        a = ravdess_aucs(takes, scores)
        results["ravdess"] = {"aucs": a, "scores": scores}
        n_actors = len(baselines)
        print(f"\nRAVDESS ({n_actors} actors, statement 01, repetition 1; baseline = each actor's "
              "neutral normal-intensity take):")
        print(f"  calm vs happy+angry+fearful  with baseline {a['calm_vs_aroused_baseline']:.3f} "
              f"(target >= 0.96)   without {a['calm_vs_aroused_alone']:.3f}")
        print(f"  calm vs neutral              with baseline {a['calm_vs_neutral_baseline']:.3f} "
              f"(target >= 0.75)   without {a['calm_vs_neutral_alone']:.3f}")
        print("    (neutral has one take per actor, repetition 1 only, and it is the baseline: "
              "with a baseline the neutral take is scored against itself)")
        print(f"  calm vs sad (for information) with baseline {a['calm_vs_sad_baseline']:.3f}"
              f"   without {a['calm_vs_sad_alone']:.3f}")
        by_emotion = {}
        for t in takes:
            by_emotion.setdefault(t.emotion, []).append(scores["baseline"][t.file])
        print("  mean score with baseline: " + ", ".join(
            f"{e} {np.mean([s for s in v if s is not None]):.0f}" for e, v in by_emotion.items()))
        jit = jittered_aucs(takes, baselines, profile)
        results["ravdess"]["jittered_baseline"] = jit
        print("  with each baseline jittered by an assumed everyday spread (pitch 1 st, tempo 8 %,"
              " level 2 dB, ...; 20 draws): calm vs neutral "
              f"{jit['calm_vs_neutral']['mean']:.3f} (min {jit['calm_vs_neutral']['min']:.3f}), "
              f"calm vs aroused {jit['calm_vs_aroused']['mean']:.3f} "
              f"(min {jit['calm_vs_aroused']['min']:.3f})")
        loao = leave_one_actor_out(takes, baselines, profile)
        results["ravdess"]["leave_one_actor_out"] = loao
        h, lit = loao["held_out"], loao["literature_values"]
        print("  calibrated on RAVDESS: " + "; ".join(
            name + " (" + ", ".join(f"{field} {lv:g} -> {cv:g}" for _, field, lv, cv in group)
            + ")" for name, group in CALIBRATED))
        print(f"  with the literature values instead: calm vs aroused "
              f"{lit['calm_vs_aroused_baseline']:.3f}, calm vs neutral "
              f"{lit['calm_vs_neutral_baseline']:.3f} (with baseline)")
        print(f"  leave-one-actor-out (each group chosen on the other 5 actors): calm vs aroused "
              f"{h['calm_vs_aroused_baseline']:.3f}, calm vs neutral "
              f"{h['calm_vs_neutral_baseline']:.3f} (with baseline)")
        print("    groups chosen: " + "; ".join(
            f"actor {a}: {', '.join(g) or 'none'}"
            for a, g in loao["calibrated_groups_chosen_per_actor"].items()))
        ok &= a["calm_vs_aroused_baseline"] >= 0.96 and a["calm_vs_neutral_baseline"] >= 0.75
    else:
        print(f"\nRAVDESS: {folder} not found; skipped.")

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=1, default=str))
    print(f"\n{'PASS' if ok else 'FAIL'} in {time.perf_counter() - t0:.0f} s; "
          f"details in {OUT.relative_to(ROOT)}/results.json")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
