"""The practice history at scale: 10,000 takes, listed, filtered and charted in under 1 s.

Run ``.venv/bin/python benchmarks/history_scale.py [--takes N] [--home DIR]``. It prints one
line per operation (best and median of ``--repeats`` runs, in ms) and PASS/FAIL against the
1 s bound of issue 5 for what the Review and Progress pages do, exits with status 1 if any
fails, and writes ``benchmarks/out/history_scale.json``.

Method
------
- Build (not timed against the bound): four real recordings (CMU ARCTIC a0007, whole and in
  parts) are analysed and saved through ``Store.save_take``. They are then cloned inside one
  transaction to ``--takes`` rows of the same schema: three people, ten phrases, three
  scenarios, 120 days of evening practice, scores that improve with noise, and every summary
  feature jittered by a few per cent, so each progress series has real values to average. Each
  clone gets its own audio file, a hard link to its source FLAC (a copy where links are not
  possible), so the repair on open walks 10,000 real files.
- Timed: only the public ``Store`` API, on a store opened afresh; each operation runs once to
  warm up, then ``--repeats`` times. The verdict is the median.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prosody import ProsodyWarning, analyze, load  # noqa: E402
from prosody.store import AUDIO_DIR, Store, progress_features  # noqa: E402

BOUND_S = 1.0
PEOPLE = ("Anna", "Ben", "Cleo")
PHRASES = (
    "I'm here with you.", "What do you need right now?", "Let's take a slow breath together.",
    "You're safe. I'm not going anywhere.", "It's time to rest now.",
    "Can you tell me what happened?", "We can sort this out together.",
    "Thank you for telling me.", "Let's sit down for a moment.", "Goodnight, sleep well.",
)
SCENARIOS = ("bedtime", "de-escalation", "check-in")
#: feedback of the size the coach gives (ten judged features, three tips: about 3 kB of JSON)
FEATURES = ("pitch_level", "pitch_range", "pitch_movement", "final_falls", "tempo", "pauses",
            "phrase_length", "attack", "brightness", "voice_steadiness")


def feedback(score: float) -> dict:
    return {
        "score": round(score),
        "features": [{"name": f, "label": f.replace("_", " ").capitalize(), "value": 1.234,
                      "unit": "st", "target_low": -2.0, "target_high": 0.0, "verdict": "ok",
                      "relative_to": "baseline", "measured": 123.45, "measured_unit": "Hz",
                      "weight": 1.0, "points": 1.0} for f in FEATURES],
        "tips": ["Your pitch moved around 24 semitones per second: glide from word to word.",
                 "Your phrases were long: say a few words, breathe, then go on.",
                 "Let your sentences fall at the end: a smooth, downward ending."],
        "well": "Your pace was nicely unhurried.", "explanation": "Scored against soothing.",
    }


def build(home: Path, n_takes: int, rng: np.random.Generator) -> float:
    """Fill ``home`` with ``n_takes`` takes; returns the seconds it took."""
    started = time.perf_counter()
    sig = load(ROOT / "tests" / "data" / "arctic_a0007.wav")
    sr = sig.sr
    clips = [sig.y, np.concatenate([sig.y, np.zeros(sr // 2), sig.y[: 2 * sr]]),
             sig.y[: 2 * sr], sig.y[sr: 4 * sr]]
    seeds = []
    with Store.open(home) as store, warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)  # single-phrase clips have no pause
        for i, y in enumerate(clips):
            seeds.append(store.save_take(
                person=PEOPLE[i % len(PEOPLE)], audio=y, sr=sr, analysis=analyze(y, sr=sr),
                feedback=feedback(60), phrase=PHRASES[i],
                scenario=SCENARIOS[i % len(SCENARIOS)], profile_name="soothing",
                profile_version="1.0.0"))
    db = store.db_path
    audio_dir = home / AUDIO_DIR

    import sqlite3

    con = sqlite3.connect(db, isolation_level=None)
    tracks = {r[0]: r[1:] for r in con.execute("SELECT * FROM take_tracks")}
    people = dict(con.execute("SELECT name, id FROM people"))
    start = datetime.now(timezone.utc) - timedelta(days=120)
    rows, track_rows = [], []
    next_id = max(t.id for t in seeds) + 1
    for k in range(n_takes - len(seeds)):
        seed = seeds[k % len(seeds)]
        day = rng.integers(0, 120)
        when = start + timedelta(days=int(day), hours=float(rng.uniform(17, 22)))
        summary = {key: (value * (1 + 0.04 * rng.standard_normal()) + 0.01 * day
                         if isinstance(value, float) else value)
                   for key, value in seed.summary.items()}
        score = float(np.clip(55 + 25 * day / 120 + 8 * rng.standard_normal(), 0, 100))
        name = f"take-{when:%Y%m%dT%H%M%S}Z-{k:012x}.flac"
        try:
            os.link(audio_dir / seed.audio_file, audio_dir / name)
        except OSError:
            (audio_dir / name).write_bytes((audio_dir / seed.audio_file).read_bytes())
        rows.append((next_id, people[PEOPLE[k % len(PEOPLE)]],
                     when.isoformat(timespec="milliseconds"), PHRASES[rng.integers(10)],
                     SCENARIOS[rng.integers(3)], "soothing", "1.0.0",
                     json.dumps(seed.settings), json.dumps(summary),
                     json.dumps(feedback(score)),
                     score, seed.duration_s, name, "practice" if rng.random() < 0.95 else
                     "exercise"))
        track_rows.append((next_id, *tracks[seed.id]))
        next_id += 1
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO takes (id, person_id, created_utc, phrase, scenario, profile_name, "
        "profile_version, settings_json, summary_json, feedback_json, score, duration_s, "
        "audio_file, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.executemany("INSERT INTO take_tracks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    track_rows)
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return time.perf_counter() - started


def timed(fn: Callable[[], object], repeats: int) -> tuple[list[float], object]:
    result = fn()  # warm-up
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t0)
    return runs, result


def page_runner(home: Path, page: str, person: str) -> Callable[[], object]:
    """A function that renders one page of the app against ``home`` (Streamlit's AppTest runs
    the page's whole script: queries, table and chart building), after one untimed start."""
    from streamlit.testing.v1 import AppTest

    os.environ["CALMTONE_HOME"] = str(home)
    at = AppTest.from_file(str(ROOT / "ui" / "app.py"), default_timeout=120)
    at.session_state["person"] = person
    at.run()

    def render():
        at.switch_page(f"{PAGES_DIR}/{page}.py")
        at.run()
        if at.exception:
            raise RuntimeError(f"the {page} page failed: {at.exception[0].message}")
        return at

    return render


#: Folder of the app's pages, relative to ui/app.py.
PAGES_DIR = "app_pages"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--takes", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--home", type=Path, help="build here (default: a temporary folder)")
    ap.add_argument("--seed", type=int, default=20261127)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp) / "calmtone"
        if (home / "history.sqlite3").exists():
            sys.exit(f"{home} already holds a history; give an empty --home.")
        build_s = build(home, args.takes, np.random.default_rng(args.seed))
        person, phrase = PEOPLE[0], PHRASES[1]
        since = datetime.now(timezone.utc) - timedelta(days=30)
        store = Store.open(home)
        n = store.count()
        ops: list[tuple[str, Callable[[], object], bool]] = [
            ("open (with repair of every file)", lambda: Store.open(home).close(), True),
            ("count all", lambda: store.count(), True),
            ("list all takes", lambda: store.takes(), True),
            ("list one person's takes", lambda: store.takes(person=person), True),
            ("list newest 50 (a review page)", lambda: store.takes(limit=50), True),
            ("filter person + phrase + last 30 days",
             lambda: store.takes(person=person, phrase=phrase, since=since), True),
            ("filter scenario + kind", lambda: store.takes(scenario="bedtime", kind="exercise"),
             True),
            ("progress: score per day", lambda: store.progress(person), True),
            ("progress: score per day, one phrase",
             lambda: store.progress(person, phrase=phrase), True),
            (f"progress: all {len(progress_features())} series",
             lambda: store.progress_table(person), True),
            ("people, phrases, scenarios",
             lambda: (store.people(), store.phrases(person), store.scenarios()), True),
            ("open one take (row + tracks)",
             lambda: (store.get(n // 2), store.tracks(n // 2)), True),
            ("export CSV, one person", lambda: store.export_csv(os.devnull, person=person),
             False),
            ("app: Review page, whole script run", page_runner(home, "review", person), True),
            ("app: Progress page, whole script run", page_runner(home, "progress", person),
             True),
        ]
        results, failed = [], 0
        print(f"{n} takes ({store.count(person=person)} of {person}); built in {build_s:.1f} s; "
              f"median and best of {args.repeats}")
        for label, fn, gated in ops:
            runs, _ = timed(fn, args.repeats)
            median = statistics.median(runs)
            verdict = ("PASS" if median < BOUND_S else "FAIL") if gated else "info"
            failed += verdict == "FAIL"
            print(f"  {label:<40} {median * 1e3:8.1f} ms  (best {min(runs) * 1e3:7.1f})  "
                  f"{verdict}")
            results.append({"operation": label, "median_s": median, "best_s": min(runs),
                            "gated": gated, "verdict": verdict})
        store.close()
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "history_scale.json").write_text(json.dumps(
        {"takes": n, "repeats": args.repeats, "bound_s": BOUND_S, "results": results},
        indent=1) + "\n")
    print("all under 1 s" if not failed else f"{failed} operation(s) over 1 s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
