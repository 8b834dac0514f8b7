"""A clinic at scale on PostgreSQL: 100 trainees x 1,000 takes; the Review and Progress queries
of one trainee and a supervisor's overview of 20 trainees, each under 300 ms; then 20
concurrent simulated users saving and reviewing for a bounded time, with no error and no lost
take.

Run ``.venv/bin/python benchmarks/clinic_scale.py [--trainees 100] [--takes 1000]
[--users 20] [--seconds 60] [--db URL]``. Without ``--db`` it starts a throw-away PostgreSQL
cluster of its own (tests/pgcluster.py; fsync on, as a real server) listening on 127.0.0.1 at
a free port, and removes it at the end. It prints one line per measure, PASS/FAIL against the
bounds, exits with status 1 if any fails, and writes ``benchmarks/out/clinic_scale.json``.

Method
------
- Build (not timed against the bounds): one real recording (CMU ARCTIC a0007, its first
  ``--clip-s`` seconds) is analysed once; ``--trainees`` trainee accounts and one supervisor
  (following 20 of them) are added through the store; then ``--takes`` takes per trainee are
  written with PostgreSQL's COPY into the tables the engine uses (takes, their tracks and their
  FLAC recordings, one recording row per take), spread over a year, with scores and every
  summary feature jittered, ten phrases and three scenarios. ``save_take`` would take an hour
  for 100,000 takes on this machine; the saves are measured in the second part instead.
- Timed, through ``AccountStore`` (the store as the signed-in account sees it, as the app
  uses it) on a TCP connection to 127.0.0.1: each bundle once to warm up, then ``--repeats``
  times; the verdict is the median (p95 printed too).
  - **Review** of one trainee: what the Review page asks for: people, phrases, scenarios,
    the count and the newest 500 takes of the last 30 days, then the opened take's tracks,
    recording and notes.
  - **Progress** of one trainee: the score per day over all practice takes, the practice days,
    the count, and the two 14-day windows of the summary in words.
  - **Supervisor overview** of 20 trainees: the supervisor's people, then for each trainee
    their count of takes, newest take, open assignments and score per day of the last 14 days.
- Concurrent: ``--users`` threads, each its own connection and account (signed in with its
  password), for ``--seconds``: save a take through ``AccountStore.save_take`` (the real
  atomic save, FLAC included), then review (list the newest 50, read the saved take's tracks
  and recording). Every acknowledged save is then looked up: none may be missing, and no
  operation may fail.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import secrets
import socket
import statistics
import sys
import threading
import time
import warnings
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from history_scale import PHRASES, SCENARIOS  # noqa: E402  (the same practice, at scale)

from prosody import ProsodyWarning, analyze, load  # noqa: E402
from prosody.store import AccountStore, Store  # noqa: E402
from prosody.store.files import encode_flac  # noqa: E402
from prosody.store.sql import pack_tracks  # noqa: E402
from prosody.store.values import dumps, utc_iso  # noqa: E402

BOUND_S = 0.300
PASSWORD = "practise-calmly-every-day"
SUPERVISED = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clip(seconds: float):
    sig = load(ROOT / "tests" / "data" / "arctic_a0007.wav")
    y = sig.y[: int(seconds * sig.sr)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        return y, sig.sr, analyze(y, sr=sig.sr)


def build(url: str, trainees: int, per_trainee: int, audio) -> list[str]:
    """Accounts, people and takes; returns the trainees' names."""
    import psycopg

    y, sr, analysis = audio
    names = [f"trainee{k:03d}" for k in range(trainees)]
    with Store.open(url) as store:
        for name in names:
            store.add_account(name, role="trainee", password=PASSWORD)
        store.add_account("supervisor", role="supervisor", password=PASSWORD)
        for name in names[:SUPERVISED]:
            store.supervise("supervisor", name)
        for name in names:
            store.add_person(name)
        person_ids = {n: store._person_id_of(n) for n in names}
    flac = encode_flac(y, sr)
    tracks = pack_tracks(analysis.tracks)
    settings = dumps(dataclasses.asdict(analysis.settings))
    summary = analysis.summary.to_dict()
    numeric = [k for k, v in summary.items() if isinstance(v, float)]
    rng = random.Random(20261207)
    now = datetime.now(timezone.utc)
    take_id = 0
    with psycopg.connect(url) as con:
        with con.cursor() as cur:
            with cur.copy("COPY takes (id, person_id, created_utc, phrase, scenario, "
                          "profile_name, profile_version, settings_json, summary_json, "
                          "feedback_json, score, duration_s, audio_file, kind) FROM STDIN") as cp:
                for name in names:
                    for k in range(per_trainee):
                        take_id += 1
                        when = now - timedelta(days=365 * (1 - k / per_trainee),
                                               minutes=rng.uniform(0, 600))
                        score = min(100.0, max(0.0, 40 + 40 * k / per_trainee
                                               + rng.gauss(0, 8)))
                        jittered = {key: (v * rng.uniform(0.95, 1.05) if key in numeric
                                          and v is not None else v)
                                    for key, v in summary.items()}
                        cp.write_row((take_id, person_ids[name], utc_iso(when),
                                      PHRASES[k % len(PHRASES)], SCENARIOS[k % 3], "soothing",
                                      "1.0.0", settings, dumps(jittered),
                                      dumps({"score": round(score), "tips": ["Slow down."]}),
                                      score, y.size / sr,
                                      f"take-{take_id:08d}-{secrets.token_hex(4)}.flac",
                                      "practice"))
            with cur.copy("COPY take_tracks FROM STDIN (FORMAT BINARY)") as cp:
                cp.set_types(["int8", "int8", "float8", "float8", "bytea", "bytea", "bytea",
                              "bytea", "text", "text", "text"])
                for tid in range(1, take_id + 1):
                    cp.write_row((tid, *tracks))
            with cur.copy("COPY take_audio (take_id, flac) FROM STDIN (FORMAT BINARY)") as cp:
                cp.set_types(["int8", "bytea"])
                for tid in range(1, take_id + 1):
                    cp.write_row((tid, flac))
            cur.execute("SELECT setval(pg_get_serial_sequence('takes', 'id'), %s)", (take_id,))
        con.commit()
        con.autocommit = True
        con.execute("VACUUM ANALYZE")
    return names


def timed(fn: Callable[[], object], repeats: int) -> dict:
    fn()  # warm up
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    runs.sort()
    return {"median_s": statistics.median(runs), "p95_s": runs[int(0.95 * (len(runs) - 1))],
            "best_s": runs[0]}


def review(s: AccountStore, person: str) -> None:
    s.people()
    s.phrases(person)
    s.scenarios(person)
    filters = {"person": person, "since": date.today() - timedelta(days=30), "kind": "practice"}
    s.count(**filters)
    takes = s.takes(**filters, limit=500)
    opened = takes[0].id
    s.tracks(opened)
    s.recording(opened)
    s.notes(opened)


def progress(s: AccountStore, person: str) -> None:
    s.progress(person, "score")
    s.practice_days(person)
    s.count(person=person, kind="practice")
    start = date.today() - timedelta(days=13)
    s.takes(person=person, kind="practice", since=start)
    s.takes(person=person, kind="practice", since=start - timedelta(days=14), until=start)


def overview(s: AccountStore) -> None:
    people = [p.name for p in s.people() if p.name != s.me]
    assert len(people) == SUPERVISED, people
    since = date.today() - timedelta(days=13)
    for person in people:
        s.count(person=person)
        s.takes(person=person, limit=1)
        s.assignments(person)
        s.progress(person, "score", since=since)


def concurrent(url: str, names: list[str], users: int, seconds: float, audio) -> dict:
    y, sr, analysis = audio
    saved: dict[str, list[int]] = {n: [] for n in names[:users]}
    errors: list[str] = []
    latencies: dict[str, list[float]] = {"save": [], "review": []}
    lock = threading.Lock()
    signed_in = threading.Barrier(users + 1)  # every user signed in, and the clock
    go = threading.Event()
    deadline = [0.0]

    def user(name: str) -> None:
        try:
            with Store.open(url) as base:
                me = AccountStore(base, base.sign_in(name, PASSWORD))
                signed_in.wait()
                go.wait()
                k = 0
                while time.monotonic() < deadline[0]:
                    k += 1
                    t0 = time.perf_counter()
                    take = me.save_take(person=name, audio=y, sr=sr, analysis=analysis,
                                        feedback={"score": 70}, phrase=f"load test {k}")
                    t1 = time.perf_counter()
                    saved[name].append(take.id)
                    me.takes(person=name, limit=50)
                    me.tracks(take.id)
                    me.recording(take.id)
                    t2 = time.perf_counter()
                    with lock:
                        latencies["save"].append(t1 - t0)
                        latencies["review"].append(t2 - t1)
        except Exception as exc:  # counted: the bound is no error at all
            with lock:
                errors.append(f"{name}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=user, args=(n,)) for n in saved]
    for t in threads:
        t.start()
    signed_in.wait(timeout=120)
    deadline[0] = time.monotonic() + seconds
    go.set()
    for t in threads:
        t.join(timeout=seconds + 300)
    acknowledged = sum(len(v) for v in saved.values())
    with Store.open(url) as base:
        lost = [(n, i) for n, ids in saved.items()
                for i in set(ids) - {t.id for t in base.takes(person=n)}]

    def pct(values, q):
        values = sorted(values)
        return values[int(q * (len(values) - 1))] if values else None

    return {"users": users, "seconds": seconds, "saves": acknowledged,
            "saves_per_s": acknowledged / seconds, "errors": errors, "lost": len(lost),
            "save_median_s": pct(latencies["save"], 0.5), "save_p95_s": pct(latencies["save"],
                                                                          0.95),
            "review_median_s": pct(latencies["review"], 0.5),
            "review_p95_s": pct(latencies["review"], 0.95)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trainees", type=int, default=100)
    p.add_argument("--takes", type=int, default=1000, help="takes per trainee")
    p.add_argument("--users", type=int, default=20, help="concurrent simulated users")
    p.add_argument("--seconds", type=float, default=60.0, help="how long they work")
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--clip-s", type=float, default=1.0, help="seconds of audio per take")
    p.add_argument("--db", help="an empty PostgreSQL database (default: a cluster of its own)")
    args = p.parse_args()

    cluster = None
    if args.db:
        url = args.db
    else:
        from pgcluster import Cluster

        cluster = Cluster(port=free_port(), durable=True).start()
        url = cluster.new_database(tcp=True)
    try:
        audio = clip(args.clip_s)
        t0 = time.perf_counter()
        names = build(url, args.trainees, args.takes, audio)
        build_s = time.perf_counter() - t0
        print(f"built {args.trainees} trainees x {args.takes} takes in {build_s:.0f} s "
              f"({url.split('@')[-1]})", flush=True)
        results: dict[str, dict] = {}
        with Store.open(url) as base:
            trainee = AccountStore(base, base.sign_in(names[0], PASSWORD))
            supervisor = AccountStore(base, base.sign_in("supervisor", PASSWORD))
            results["review"] = timed(lambda: review(trainee, names[0]), args.repeats)
            results["progress"] = timed(lambda: progress(trainee, names[0]), args.repeats)
            results["supervisor_overview_20"] = timed(lambda: overview(supervisor),
                                                      args.repeats)
            size = base._read("SELECT pg_database_size(current_database())")[0][0]
        failed = False
        for name, r in results.items():
            ok = r["median_s"] < BOUND_S
            failed |= not ok
            print(f"{name:<24} median {1000 * r['median_s']:7.1f} ms  p95 "
                  f"{1000 * r['p95_s']:7.1f} ms  {'PASS' if ok else 'FAIL'} (< 300 ms)",
                  flush=True)
        load_result = concurrent(url, names, args.users, args.seconds, audio)
        ok = not load_result["errors"] and not load_result["lost"]
        failed |= not ok
        print(f"{args.users} users for {args.seconds:.0f} s: {load_result['saves']} takes saved "
              f"({load_result['saves_per_s']:.1f}/s), save median "
              f"{1000 * load_result['save_median_s']:.0f} ms p95 "
              f"{1000 * load_result['save_p95_s']:.0f} ms, review median "
              f"{1000 * load_result['review_median_s']:.0f} ms p95 "
              f"{1000 * load_result['review_p95_s']:.0f} ms; {len(load_result['errors'])} "
              f"errors, {load_result['lost']} lost  {'PASS' if ok else 'FAIL'}", flush=True)
        for e in load_result["errors"][:5]:
            print("  ", e)
        out = ROOT / "benchmarks" / "out"
        out.mkdir(exist_ok=True)
        (out / "clinic_scale.json").write_text(json.dumps({
            "trainees": args.trainees, "takes_per_trainee": args.takes, "clip_s": args.clip_s,
            "build_s": build_s, "database_bytes": size, "queries": results,
            "concurrent": load_result}, indent=1))
        print(f"database size {size / 2**30:.2f} GiB", flush=True)
        return 1 if failed else 0
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
