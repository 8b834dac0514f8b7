"""The live view in a real browser: sound-to-screen latency, readings per second, CPU, agreement.

`calmtone ui` runs as a person runs it; headless Chromium (Debian's) listens to a fake
microphone that plays, over and over, a signal with known events:

    0.5 s silence | real speech (CMU ARCTIC a0007, 4 s) | 0.7 s pause |
    voice-like harmonic complex at 140 Hz | pitch step to 200 Hz | level step +12 dB |
    pause (digital silence) | 140 Hz again | silence

After "Start live view" every reading the page shows is logged (a MutationObserver on the test
hook, timed at the animation frame that paints it). At Stop the take is scored and kept; the
benchmark reads it back from the history and finds where the signal starts in it, so each event
has an exact sample number in the stream the browser measured. The browser's audio clock is tied
to the page's clock by the samples each reading reports (``data-samples``): the earliest reading
bounds when a sample reached the page's audio graph. Latency = painted - reached, per event:

- pitch step: the first reading above the middle (geometric mean) of 140 and 200 Hz;
- level step: the first reading 6 dB above the level before the step;
- pause: the first reading 20 dB below the level before it; voice again: the first voiced reading.

It excludes the operating system's capture buffer before the browser (a few ms to tens of ms
on real hardware, outside the app's control). Also measured: distinct readings per second while
sound plays; CPU seconds per second of audio of Chromium (all its processes, and for comparison
the same page open without the live view) and of the server (minus its idle CPU); the round
trip of the page's messages through the server (what a reading computed on the server would
wait for at least); live-vs-final agreement on the same take; Stop to calm score.

    .venv/bin/python benchmarks/live_browser.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import DATA, harmonic_complex  # noqa: E402
from test_browser_live import _launch, _stop_and_score, app  # noqa: E402
from ui_latency import _Factory  # noqa: E402

from prosody.dsp import resample  # noqa: E402

SR = 16_000
#: Event times within the signal, in seconds (set by :func:`signal`).
EVENTS: dict[str, float] = {}

#: Logs each reading at the animation frame that paints it.
WATCH = """el => {
  window.__log = [];
  let pending = null;
  new MutationObserver(() => {
    const row = [0, +el.dataset.frames, el.dataset.f0Hz ? +el.dataset.f0Hz : NaN,
                 +el.dataset.levelDb, +el.dataset.samples, performance.now(),
                 el.dataset.speech === "1" ? 1 : 0, +(el.dataset.roundtripMs || NaN)];
    window.__log.push(row);
    if (!pending) pending = requestAnimationFrame((t) => {
      for (const r of window.__log) if (!r[0]) r[0] = performance.now();
      pending = null;
    });
  }).observe(el, {attributes: true, attributeFilter: ["data-frames"]});
}"""


def signal() -> np.ndarray:
    """The fake microphone's signal at 16 kHz; fills :data:`EVENTS`."""
    speech, sr = sf.read(DATA / "arctic_a0007.wav")
    assert sr == SR

    def voice(f0_hz: float, seconds: float, gain_db: float) -> np.ndarray:
        y = harmonic_complex(np.full(int(seconds * SR), f0_hz), amp=0.1)
        return y * 10 ** (gain_db / 20)

    parts, t = [], 0.0
    for name, part in [("", np.zeros(SR // 2)), ("", speech), ("", np.zeros(int(0.7 * SR))),
                       ("", voice(140, 1.5, 0)), ("pitch step", voice(200, 1.5, 0)),
                       ("level step", voice(200, 1.5, 12)), ("pause", np.zeros(SR)),
                       ("voice again", voice(140, 1.2, 0)), ("", np.zeros(SR // 2))]:
        if name:
            EVENTS[name] = t
        parts.append(part)
        t += part.size / SR
    return np.concatenate(parts)


def _offset(take: np.ndarray, y: np.ndarray) -> int:
    """Sample of the take where the signal starts (its first whole repetition)."""
    from scipy.signal import fftconvolve

    ref = y[: 6 * SR]
    xc = fftconvolve(take[: y.size + ref.size], ref[::-1], mode="valid")
    return int(np.argmax(xc))


def _cpu_s(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _descendants(root: int) -> list[int]:
    parents = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                parents[int(p.name)] = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                pass
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        kids = [c for c, pp in parents.items() if pp == pid]
        out += kids
        todo += kids
    return out


def _chromium_pids() -> list[int]:
    return [p for p in _descendants(os.getpid())
            if "chrom" in Path(f"/proc/{p}/comm").read_text(errors="replace")]


def _server_pid(port: str) -> int:
    for p in _descendants(os.getpid()):
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"ui" in cmd and port.encode() in cmd:
            return p
    raise RuntimeError("the app's process was not found")


def one_run(url: str, home: Path, mic: Path, y: np.ndarray, listen_s: float) -> dict:
    from playwright.sync_api import sync_playwright

    from prosody import ProsodyWarning, analyze
    from prosody.store import Store

    server = _server_pid(url.rsplit(":", 1)[1])
    with sync_playwright() as pw:
        browser, page = _launch(pw, mic, allow=True, width=1280)
        try:
            page.goto(url)
            page.get_by_text("Practise a calm phrase").wait_for(timeout=60_000)
            live = page.locator("[data-testid='calmtone-live']")
            live.evaluate(WATCH)
            page.wait_for_timeout(2000)
            chromium = _chromium_pids()
            c0, s0, t0 = _cpu_s(chromium), _cpu_s([server]), time.monotonic()
            page.wait_for_timeout(int(listen_s * 1000))  # idle, page open
            idle = (_cpu_s(chromium) - c0, _cpu_s([server]) - s0, time.monotonic() - t0)
            page.get_by_role("button", name="Start live view").click()
            c0, s0, t0 = _cpu_s(chromium), _cpu_s([server]), time.monotonic()
            page.wait_for_timeout(int(listen_s * 1000))
            busy = (_cpu_s(chromium) - c0, _cpu_s([server]) - s0, time.monotonic() - t0)
            log = np.array(page.evaluate("() => window.__log"), dtype=float)
            sr = float(live.get_attribute("data-sample-rate"))
            score_s = _stop_and_score(page)
        finally:
            browser.close()
    with Store.open(home) as store:
        take = store.takes(person="Me", kind="practice", limit=1)[0]
        audio, take_sr = sf.read(store.audio_path(take.id))
    assert take_sr == sr == SR, (take_sr, sr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        final = analyze(audio, sr=SR).summary
    paint, frames, f0, level, samples, msg_t, speech, rtt = log.T
    # page ms at which sample 0 reached the graph, by the readings within 0.5 s of each event
    # (the audio clock and the page's drift apart by a few ms over a run)
    clock_at = msg_t - 1000.0 * samples / sr
    offset = _offset(audio, y)
    hop = SR // 100
    lat = {}
    for name, t_s in EVENTS.items():
        k = offset + int(round(t_s * SR))
        near = np.abs(samples - k) < 0.5 * sr
        reached = np.nanmin(clock_at[near]) + 1000.0 * k / sr
        before = level[(frames * hop > k - 0.4 * SR) & (frames * hop < k - 0.1 * SR)]
        after = frames * hop >= k - 0.05 * SR
        if name == "pitch step":
            hit = after & (f0 > np.sqrt(140.0 * 200.0))
        elif name == "level step":
            hit = after & (level > np.median(before) + 6.0)
        elif name == "pause":
            hit = after & (level < np.median(before) - 20.0)
        else:
            hit = after & np.isfinite(f0)
        lat[name] = float(paint[np.flatnonzero(hit)[0]] - reached) if hit.any() else np.nan
    sounding = speech > 0
    span_s = (msg_t[-1] - msg_t[0]) / 1000.0
    audio_s = listen_s
    return {
        "latency_ms": lat,
        "readings_per_s": (np.unique(frames).size - 1) / span_s,
        "paints_per_s": (np.unique(paint).size - 1) / span_s,
        "browser_cpu": busy[0] / audio_s,
        "browser_cpu_idle": idle[0] / idle[2],
        "server_cpu": (busy[1] - idle[1] * busy[2] / idle[2]) / audio_s,
        "rtt_ms": rtt[np.isfinite(rtt)],
        "f0_st": 12 * np.log2(np.nanmedian(f0) / final.f0_median_hz),
        "level_db": float(np.median(level[sounding]) - final.loudness_db),
        "score_s": score_s,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    y = signal()
    listen_s = y.size / SR + 3.0  # one whole repetition, wherever it starts
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        mic = tmp / "mic.wav"
        sf.write(mic, resample(y, SR, 48000), 48000, subtype="PCM_16")
        runs = []
        for i in range(args.repeats):
            (tmp / f"run{i}").mkdir()
            fixture = app.__wrapped__(_Factory(tmp / f"run{i}"))
            url, home = next(fixture)
            try:
                runs.append(one_run(url, home, mic, y, listen_s))
            finally:
                next(fixture, None)
    med = statistics.median

    def row(what, values, unit, goal=""):
        values = [v for v in values if np.isfinite(v)]
        lo, hi = min(values), max(values)
        print(f"| {what} | {med(values):.{2 if abs(hi) < 10 else 0}f} {unit} "
              f"({lo:.{2 if abs(hi) < 10 else 0}f}–{hi:.{2 if abs(hi) < 10 else 0}f}) | {goal} |")

    print(f"\nLive view in the browser, {args.repeats} runs of {listen_s:.0f} s "
          "(median, range in brackets):\n")
    print("| what | measured | goal |\n|---|---|---|")
    for name, goal in [("pitch step", "<= 150 ms"), ("level step", "<= 100 ms"),
                       ("pause", "<= 100 ms (level)"), ("voice again", "<= 150 ms (pitch)")]:
        row(f"sound to screen: {name}", [r["latency_ms"][name] for r in runs], "ms", goal)
    row("distinct readings per second", [r["readings_per_s"] for r in runs], "/s", ">= 10")
    row("painted updates per second", [r["paints_per_s"] for r in runs], "/s", "")
    row("browser CPU per second of audio (all Chromium processes)",
        [r["browser_cpu"] for r in runs], "s", "")
    row("  the same page open, live view not started", [r["browser_cpu_idle"] for r in runs],
        "s", "")
    row("server CPU per second of audio", [r["server_cpu"] for r in runs], "s", "")
    row("round trip page -> server -> page, median", [med(r["rtt_ms"]) for r in runs], "ms",
        "(a server-side reading would wait this long)")
    row("round trip, 95th percentile", [float(np.percentile(r["rtt_ms"], 95)) for r in runs],
        "ms", "")
    row("live vs final median pitch", [r["f0_st"] for r in runs], "st", "within ±1")
    row("live vs final speech level", [r["level_db"] for r in runs], "dB", "within ±2")
    row("Stop to calm score", [r["score_s"] for r in runs], "s", "< 2")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
