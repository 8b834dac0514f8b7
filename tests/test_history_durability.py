"""A take is whole or absent, whatever moment the saving process dies at, on both engines
(SQLite and PostgreSQL, through conftest's ``engine_db``).

A child process saves takes in a loop (and now and then deletes one) and is killed with SIGKILL
at 50 seeded random moments. After each kill, opening the history must find every take the
child reported as saved, each whole (row, readable audio, parsable summary and tracks), at most
the one take in flight besides, no debris left after the repair on open, and a database that
passes ``PRAGMA integrity_check`` (SQLite) or has no take without its recording and tracks
(PostgreSQL). The child's reports are read as whole lines only (a kill
can cut the last one short) and every child is killed and reaped even when a check fails.
"""

from __future__ import annotations

import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA

from prosody import ProsodyWarning, analyze, load
from prosody.store import AUDIO_DIR, DB_NAME, Store, is_database_url

N_KILLS = 50
SEED = 20261127
#: the child is killed this long after it is ready, in seconds: a few saves, then mid-way
KILL_AFTER_S = (0.0, 0.25)

CHILD = r"""
import pickle, sys
from prosody.store import Store
where, blob = sys.argv[1:3]
with open(blob, "rb") as f:
    y, sr, analysis = pickle.load(f)
sys.stdin.readline()  # imported and loaded: wait for the go, so start-up overlaps the checks
store = Store.open(where)
print("ready", flush=True)
mine = []
i = 0
while True:
    i += 1
    take = store.save_take(person="Anna" if i % 2 else "Ben", audio=y, sr=sr,
                           analysis=analysis, feedback={"score": i % 100, "tips": ["Slower."]},
                           phrase=f"take {i}")
    mine.append(take.id)
    print("saved", take.id, flush=True)
    if i % 4 == 0:  # deletes are interrupted too
        victim = mine.pop(0)
        print("deleting", victim, flush=True)
        store.delete_take(victim)
        print("deleted", victim, flush=True)
"""


@pytest.fixture(scope="module")
def clip_blob(tmp_path_factory) -> tuple[Path, dict]:
    sig = load(DATA / "arctic_a0007.wav")
    y = sig.y[: 2 * sig.sr]  # 2 s: small files, many saves per child
    with pytest.warns(ProsodyWarning):  # one phrase: no pause to measure
        analysis = analyze(y, sr=sig.sr)
    path = tmp_path_factory.mktemp("durability") / "clip.pickle"
    path.write_bytes(pickle.dumps((y, sig.sr, analysis)))
    return path, analysis.summary.to_dict()


def spawn(where: str, blob: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, where, str(blob)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def debris(where: str) -> int:
    """What an interrupted save or delete left: temporary files and audio without a row
    (SQLite), or takes without their recording or tracks (PostgreSQL)."""
    if is_database_url(where):
        return len(pg_incomplete(where))
    home = Path(where)
    names = set(os.listdir(home / AUDIO_DIR))
    con = sqlite3.connect(home / DB_NAME)
    try:
        stored = {r[0] for r in con.execute("SELECT audio_file FROM takes")}
    finally:
        con.close()
    return len(names - stored)


def pg_incomplete(url: str) -> list[int]:
    """Takes of a PostgreSQL store without their recording or their tracks."""
    import psycopg

    with psycopg.connect(url) as con:
        return [r[0] for r in con.execute(
            "SELECT t.id FROM takes t LEFT JOIN take_audio a ON a.take_id = t.id "
            "LEFT JOIN take_tracks k ON k.take_id = t.id "
            "WHERE a.take_id IS NULL OR k.take_id IS NULL")]


def check_integrity(where: str) -> None:
    if is_database_url(where):
        assert pg_incomplete(where) == []
        return
    con = sqlite3.connect(Path(where) / DB_NAME)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()


def events(lines: list[str]) -> list[tuple[str, int]]:
    """The child's reports, whole lines only: a kill may cut the last line short."""
    out = []
    for line in lines:
        if not line.endswith("\n"):
            break  # the kill came in the middle of writing it
        event, take_id = line.split()
        out.append((event, int(take_id)))
    return out


def stop(child: subprocess.Popen | None) -> None:
    """Kill and reap a child and close its pipes (also when a check failed)."""
    if child is None:
        return
    if child.poll() is None:
        child.kill()
    child.wait()
    for pipe in (child.stdin, child.stdout):
        if pipe is not None and not pipe.closed:
            pipe.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_takes_are_whole_or_absent_after_sigkill(engine_db, clip_blob):
    blob, summary = clip_blob
    where = engine_db
    Store.open().close()
    delays_s = np.random.default_rng(SEED).uniform(*KILL_AFTER_S, N_KILLS)
    kept: set[int] = set()  # reported saved, not reported deleted
    checked: set[int] = set()  # already read back whole
    kills_with_debris = in_flight_kept = 0
    child = upcoming = None
    started = time.monotonic()
    try:
        child = spawn(where, blob)
        for k in range(N_KILLS):
            child.stdin.write("go\n")
            child.stdin.flush()
            assert child.stdout.readline() == "ready\n", f"child {k} did not start"
            # the first save is waited for, so every child saves at least once whatever the
            # machine's speed; the kill then lands at a random moment of the saves after it
            first = child.stdout.readline()
            assert first.startswith("saved "), f"child {k} did not save: {first!r}"
            upcoming = spawn(where, blob) if k + 1 < N_KILLS else None
            time.sleep(delays_s[k])
            child.send_signal(signal.SIGKILL)
            child.wait()
            assert child.returncode == -signal.SIGKILL
            deleting: set[int] = set()
            for event, take_id in events([first, *child.stdout.readlines()]):
                if event == "saved":
                    kept.add(take_id)
                elif event == "deleting":
                    deleting.add(take_id)
                else:
                    kept.discard(take_id)
                    deleting.discard(take_id)
            stop(child)
            kills_with_debris += debris(where) > 0

            with Store.open() as store:
                present = {t.id: t for t in store.takes()}
                names = (None if is_database_url(where)
                         else set(os.listdir(Path(where) / AUDIO_DIR)))
            # nothing reported saved is lost (a take being deleted may be gone)
            assert kept - deleting <= present.keys(), f"kill {k}: saved takes lost"
            # at most the one take in flight besides; it was either committed whole or not
            extra = present.keys() - kept
            assert len(extra) <= 1, f"kill {k}: {sorted(extra)} appeared from nowhere"
            in_flight_kept += len(extra)
            kept = set(present)
            # every take is whole: its audio reads back and its summary and tracks parse
            if names is not None:
                assert names == {t.audio_file for t in present.values()}, f"kill {k}: debris"
            assert not any(t.audio_missing for t in present.values()), f"kill {k}: audio lost"
            with Store.open(repair=False) as store:
                for take_id in present.keys() - checked:
                    take = present[take_id]
                    assert take.summary == summary
                    assert store.audio(take_id).y.size == 2 * 16000
                    assert store.tracks(take_id).f0_hz.size > 0
            checked |= present.keys()
            check_integrity(where)
            child, upcoming = upcoming, None
    finally:
        stop(child)
        stop(upcoming)

    elapsed_s = time.monotonic() - started
    print(f"\n{N_KILLS} kills in {elapsed_s:.1f} s; {len(kept)} takes kept; "
          f"{kills_with_debris} kills left an unfinished save or delete (finished on open); "
          f"{in_flight_kept} in-flight takes were committed whole")
    assert checked  # every child saved at least once, and those takes were read back whole
