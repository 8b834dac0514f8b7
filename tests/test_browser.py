"""One real browser: headless Chromium records from a fake microphone fed by a speech file.

Chromium's ``--use-file-for-fake-audio-capture`` plays a WAV file into ``getUserMedia``, so the
app's own recorder (``st.audio_input``) captures real speech, exactly as a person's click on
Record and Stop would. Debian's ``chromium`` is installed by ``.ci/run``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import espeak, load16

from prosody.dsp import resample

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SEED = "I'm here with you. What do you need right now?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    port = free_port()
    env = {**os.environ, "CALMTONE_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "ui" / "app.py"),
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("the app did not start within 60 s")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def fake_mic(tmp_path_factory) -> Path:
    """The seed phrase twice with a pause, at 48 kHz 16-bit: what the fake microphone plays."""
    d = tmp_path_factory.mktemp("mic")
    y = load16(espeak(SEED, d / "seed.wav", voice="en-us+f1", pitch=55))
    gap = np.zeros(8000)
    y = np.concatenate([gap, y, gap, gap])
    path = d / "mic.wav"
    sf.write(path, resample(y, 16000, 48000) * 0.8, 48000, subtype="PCM_16")
    return path


def test_record_in_the_browser_and_get_feedback(server, fake_mic, tmp_path):
    if not Path(CHROMIUM).exists():  # a failure, not a skip: CI installs it
        pytest.fail("chromium is not installed; run `apt-get install chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-audio-capture={fake_mic}"],
        )
        context = browser.new_context(permissions=["microphone"],
                                      viewport={"width": 1280, "height": 1600})
        page = context.new_page()
        try:
            feedback_s, body = record_and_wait(page, server, tmp_path)
        except Exception:
            save_screenshot(page, tmp_path, "practice-failed.png")
            print(page.inner_text("body"))
            raise
        finally:
            browser.close()
    assert "/ 100" in body
    assert "What went well" in body
    print(f"stop to feedback: {feedback_s:.2f} s")


def save_screenshot(page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / name), full_page=True)
    shots = os.environ.get("CALMTONE_SCREENSHOTS")
    if shots:  # keep the picture for people to look at
        Path(shots).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / name, Path(shots) / name)


def record_and_wait(page, server: str, tmp_path: Path, *,
                    seconds: float = 4.5) -> tuple[float, str]:
    """Click Record, let the fake microphone speak for ``seconds``, click Stop; wait for the
    whole feedback. Returns the seconds from Stop to the score, and the page text."""
    page.goto(server)
    page.get_by_text("Practise a calm phrase").wait_for(timeout=60_000)
    record = page.get_by_role("button", name="Record")
    record.first.click()
    page.wait_for_timeout(int(seconds * 1000))
    page.get_by_role("button", name="Stop recording").first.click()
    stopped = time.monotonic()
    page.get_by_text("Calm score").wait_for(timeout=60_000)
    feedback_s = time.monotonic() - stopped
    page.get_by_text("Feature by feature").wait_for(timeout=30_000)
    page.get_by_text("calm zone").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)  # let the charts finish drawing
    save_screenshot(page, tmp_path, "practice.png")
    name = page.locator("section[data-testid='stSidebar'] input").first.input_value()
    assert name == "Me", name  # who is practising survives the rerun
    return feedback_s, page.inner_text("body")
