"""Seconds from clicking Stop to seeing the calm score, in a real browser, for a 10 s take.

The app runs as `calmtone ui` would run it; headless Chromium (Debian's `chromium`) records from
a fake microphone that plays espeak-ng speech, exactly as the browser test does
(`tests/test_browser.py`, whose helpers this script reuses). Goal: under 2 s.

    .venv/bin/python benchmarks/ui_latency.py [--seconds 10] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import espeak, load16  # noqa: E402
from test_browser import CHROMIUM, record_and_wait, server  # noqa: E402

from prosody.dsp import resample  # noqa: E402

SENTENCES = [
    "I'm here with you. What do you need right now?",
    "Let's take a slow breath together.",
    "You're safe. I'm right here, and we have time.",
]


def fake_mic(folder: Path, seconds: float) -> Path:
    parts = []
    for i, text in enumerate(SENTENCES):
        parts += [load16(espeak(text, folder / f"s{i}.wav", voice="en-us+f1")), np.zeros(6000)]
    y = np.concatenate(parts)
    y = np.tile(y, int(np.ceil(seconds * 16000 / y.size)) + 1)
    path = folder / "mic.wav"
    sf.write(path, resample(y, 16000, 48000) * 0.8, 48000, subtype="PCM_16")
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        mic = fake_mic(tmp, args.seconds)
        app = server.__wrapped__(_Factory(tmp))  # the test's server fixture, as a generator
        url = next(app)
        times = []
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM,
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                          f"--use-file-for-fake-audio-capture={mic}"],
                )
                for _ in range(args.repeats):
                    ctx = browser.new_context(permissions=["microphone"],
                                              viewport={"width": 1280, "height": 1600})
                    page = ctx.new_page()
                    seconds, _ = record_and_wait(page, url, tmp, seconds=args.seconds)
                    times.append(seconds)
                    ctx.close()
                browser.close()
        finally:
            next(app, None)
    print(f"stop -> calm score, {args.seconds:.0f} s take, {args.repeats} runs: "
          + ", ".join(f"{t:.2f}" for t in times)
          + f" s; median {statistics.median(times):.2f} s (goal < 2 s) "
          + ("PASS" if statistics.median(times) < 2.0 else "MISS"))
    return 0


class _Factory:
    """Stands in for pytest's tmp_path_factory: hands out folders under one directory."""

    def __init__(self, root: Path):
        self.root = root

    def mktemp(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(exist_ok=True)
        return path


if __name__ == "__main__":
    sys.exit(main())
