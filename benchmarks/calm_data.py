"""The development speech for the calm score: CREMA-D and RAVDESS takes, analysed once and cached.

Used by ``fit_calm.py`` (fits the profile's weights) and ``calm_validation.py`` (checks them,
leave-one-speaker-out). Each scored take is analysed alone (no baseline) and against each of its
speaker's baselines (with the pitch range the baseline gives, as the app does):

- CREMA-D actors 1001-1045 (``<data>/cremad``): "It's eleven o'clock" as neutral and as anger,
  disgust, fear, happy and sad at three intensities, with listener ratings (``labels.csv``);
  baselines are the speaker's neutral takes of *other* sentences (DFA, IOM, ITH).
- RAVDESS actors 01-06 (``<data>/ravdess``): "Kids are talking by the door", neutral, calm,
  happy, sad, angry and fearful; the baseline is the actor's neutral take (the only one).

The cache (``benchmarks/out/calm/analyses.pkl``) is keyed by a hash of the analysis code, so a
change to ``prosody/`` re-analyses everything.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import pickle
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from prosody.analysis import Analysis, analyze  # noqa: E402
from prosody.audio import load  # noqa: E402
from prosody.coach import baseline_settings  # noqa: E402

CACHE = ROOT / "benchmarks" / "out" / "calm" / "analyses.pkl"
RAVDESS_TEXT = "Kids are talking by the door"
#: Acted emotions heard as aroused (high activation): the "tense" class.
AROUSED = ("anger", "fear", "happy")


@dataclasses.dataclass(frozen=True)
class Take:
    """One scored take with its analyses and labels."""

    corpus: str  # "cremad" or "ravdess"
    file: str
    speaker: str
    sex: str
    emotion: str  # anger, fear, happy, sad, disgust, neutral, calm (RAVDESS names mapped)
    intensity: str  # low, medium, high (CREMA-D); normal, strong (RAVDESS); "" for neutral
    perceived: str  # CREMA-D majority perceived emotion(s), "" for RAVDESS
    arousal: float | None  # CREMA-D perceived arousal, None for RAVDESS
    alone: Analysis
    #: baseline file -> this take analysed with that baseline's settings
    against: dict[str, Analysis]

    @property
    def listener_confirmed_aroused(self) -> bool:
        """High-intensity anger, fear or joy that listeners heard as such (CREMA-D)."""
        return (self.corpus == "cremad" and self.intensity == "high"
                and self.emotion in AROUSED and self.emotion in self.perceived.split("|"))


@dataclasses.dataclass(frozen=True)
class Corpus:
    takes: tuple[Take, ...]
    #: baseline file -> its analysis (measured with its own range, as measure_baseline does)
    baselines: dict[str, Analysis]
    #: speaker -> their baseline files
    baseline_files: dict[str, tuple[str, ...]]
    #: baseline file -> its speaker and words
    baseline_info: dict[str, tuple[str, str]]


_RAVDESS_EMOTIONS = {"angry": "anger", "fearful": "fear", "happy": "happy", "sad": "sad",
                     "neutral": "neutral", "calm": "calm"}


def _code_hash() -> str:
    h = hashlib.sha256()
    for path in sorted((ROOT / "prosody").glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _analyse(job):
    path, text, settings = job
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sig = load(path)
        first = analyze(sig.y, sr=sig.sr, text=text)
        if settings == "own":  # a baseline: measured within its own range
            return analyze(sig.y, sr=sig.sr, text=text, settings=baseline_settings(first))
        if settings is None:
            return first
        return analyze(sig.y, sr=sig.sr, text=text, settings=settings)


def load_corpus(data: Path, *, workers: int = 2, refresh: bool = False) -> Corpus:
    """Analyse (or read from the cache) every development take."""
    key = (_code_hash(), str(data.resolve()))
    if CACHE.exists() and not refresh:
        with CACHE.open("rb") as f:
            cached_key, corpus = pickle.load(f)
        if cached_key == key:
            return corpus
    rows = []  # (corpus, file path, speaker, sex, emotion, intensity, perceived, arousal, text)
    base_rows = []  # (speaker, file path, text)
    crema = data / "cremad"
    if (crema / "labels.csv").is_file():
        with (crema / "labels.csv").open(newline="") as f:
            for r in csv.DictReader(f):
                path = crema / r["file"]
                if r["role"] == "baseline_candidate":
                    base_rows.append((r["speaker"], path, r["text"]))
                else:
                    rows.append(("cremad", path, r["speaker"], r["sex"], r["acted_emotion"],
                                 "" if r["acted_emotion"] == "neutral" else r["acted_intensity"],
                                 r["perceived_emotion"], float(r["perceived_arousal"]), r["text"]))
    rav = data / "ravdess"
    if (rav / "labels.csv").is_file():
        with (rav / "labels.csv").open(newline="") as f:
            for r in csv.DictReader(f):
                path = rav / r["file"]
                speaker = f"R{int(r['actor']):02d}"
                emotion = _RAVDESS_EMOTIONS[r["emotion"]]
                if emotion == "neutral":
                    base_rows.append((speaker, path, RAVDESS_TEXT))
                rows.append(("ravdess", path, speaker, r["sex"], emotion,
                             "" if emotion == "neutral" else r["intensity"], "", None,
                             RAVDESS_TEXT))
    with ProcessPoolExecutor(workers) as pool:
        base_an = list(pool.map(_analyse, [(p, t, "own") for _, p, t in base_rows], chunksize=8))
        baselines = {p.name: a for (_, p, _), a in zip(base_rows, base_an, strict=True)}
        files: dict[str, list[str]] = {}
        for spk, p, _ in base_rows:
            files.setdefault(spk, []).append(p.name)
        jobs = []
        for row in rows:
            jobs.append((row[1], row[8], None))
            for b in files.get(row[2], []):
                jobs.append((row[1], row[8], baselines[b].settings))
        results = iter(pool.map(_analyse, jobs, chunksize=8))
    takes = []
    for corpus, path, spk, sex, emotion, intensity, perceived, arousal, _ in rows:
        alone = next(results)
        against = {b: next(results) for b in files.get(spk, [])}
        takes.append(Take(corpus, path.name, spk, sex, emotion, intensity, perceived, arousal,
                          alone, against))
    corpus = Corpus(tuple(takes), baselines, {k: tuple(v) for k, v in files.items()},
                    {p.name: (spk, t) for spk, p, t in base_rows})
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with CACHE.open("wb") as f:
        pickle.dump((key, corpus), f)
    return corpus
