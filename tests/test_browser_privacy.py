"""The app as a hostile name, a missing recording and a deleted take meet it, in a real browser.

A real ``calmtone ui`` process serves a history seeded with two real takes of a person whose
name is Markdown meant to load an outside image and show a phishing link; one take's FLAC file
is removed while the app runs. Headless Chromium (Debian's, driven by Playwright) visits every
page and records every request it makes. Checked: nothing is fetched from any host but this
computer; the name shows as typed, never as an image or a link; Review says "Recording
missing" instead of a traceback; and a deleted take's recording stops being served.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import DATA, start_calmtone_ui

from prosody import ProsodyWarning, analyze, load
from prosody.store import AUDIO_DIR, Store

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HOSTILE = "![x](http://attacker.example/p.png) [click](http://evil.example/login)"
PAGES = ("Practice", "Baseline", "Review", "Progress", "Exercises", "Model takes",
         "Hear yourself calmer", "Supervisor", "Settings and privacy", "How it works")


@pytest.fixture(scope="module")
def seeded_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("home") / "calmtone"
    sig = load(DATA / "arctic_a0007.wav")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        analysis = analyze(sig.y, sr=sig.sr)
    with Store.open(home) as store:
        # each its own recording (the same bytes would be one media file to the server)
        elsewhere, kept, lost = (
            store.save_take(person=HOSTILE, audio=sig.y * gain, sr=sig.sr, analysis=analysis,
                            feedback=None, phrase=phrase)
            for phrase, gain in (("the take deleted elsewhere", 0.5),
                                 ("the take that stays", 1.0),
                                 ("the take whose file is lost", 0.8)))
    log = tmp_path_factory.mktemp("log") / "server.err"
    proc, url = start_calmtone_ui(home, log)
    (home / AUDIO_DIR / lost.audio_file).unlink()  # removed while the app runs
    yield url, kept, lost, home, elsewhere, log
    proc.terminate()
    proc.wait(timeout=30)


def test_hostile_name_missing_recording_and_delete_in_a_real_browser(seeded_server, tmp_path):
    if not Path(CHROMIUM).exists():  # a failure, not a skip: CI installs it
        pytest.fail("chromium is not installed; run `apt-get install chromium`")
    from playwright.sync_api import expect, sync_playwright

    url, kept, lost, home, _, _ = seeded_server
    requested: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        context = browser.new_context(viewport={"width": 1280, "height": 1400})
        page = context.new_page()
        page.on("request", lambda r: requested.append(r.url))
        try:
            page.goto(url)
            page.get_by_role("heading", name="Calm Tone Coach").wait_for(timeout=60_000)
            # who is practising: the button at the top of every page
            page.get_by_role("button", name="Practising as").click()
            page.get_by_role("combobox", name="Who is practising?").click()
            page.get_by_role("option", name="Someone new…").click()
            box = page.get_by_role("textbox", name="Name")
            box.fill(HOSTILE)
            box.press("Enter")
            page.wait_for_timeout(1500)
            page.keyboard.press("Escape")
            for name in PAGES:
                page.get_by_role("link", name=name, exact=True).first.click()
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(1500)
                body = page.inner_text("body")
                assert "Traceback" not in body, name
                assert "Something went wrong" not in body, name
                # the name is text: no image from outside, no link to the phishing page
                assert page.locator("img[src*='attacker.example']").count() == 0, name
                links = page.locator("a[href*='evil.example']")
                assert links.count() == 0, (name, links.first.evaluate(
                    "e => e.parentElement.parentElement.parentElement.outerHTML"))
                if name == "Settings and privacy":
                    assert "[click](http://evil.example/login)" in body.replace("\u200b", "")

            page.get_by_role("link", name="Review", exact=True).first.click()
            page.get_by_text("Review your takes").wait_for(timeout=30_000)
            # the newest take is opened first: the one whose recording is gone
            page.get_by_text("Recording missing").first.wait_for(timeout=30_000)
            body = page.inner_text("body")
            assert "MediaFileStorageError" not in body
            assert "Traceback" not in body
            page.get_by_role("combobox", name="Take", exact=True).click()
            page.get_by_role("option", name=f"#{kept.id} ").first.click()
            page.get_by_text("Recording missing").first.wait_for(state="hidden",
                                                                timeout=30_000)
            audio = page.locator("audio").first
            audio.wait_for(state="attached", timeout=30_000)
            src = audio.get_attribute("src")
            media = src if src.startswith("http") else url + src
            assert page.request.get(media).status == 200
            # the confirmation is this take's own: until the page's run ends, the one of the
            # take shown before may still be on screen beside it
            expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(
                0, timeout=60_000)
            page.get_by_text("Delete this take", exact=True).click()
            sure = page.get_by_text("Yes, delete this recording and its results")
            expect(sure).to_have_count(1, timeout=30_000)
            sure.click()
            page.get_by_role("button", name="Delete take").click()
            page.get_by_text(f"Deleted take {kept.id}.").wait_for(timeout=30_000)
            assert page.request.get(media).status == 404  # no longer served
        except Exception:
            page.screenshot(path=str(tmp_path / "privacy-failed.png"), full_page=True)
            print(page.inner_text("body"))
            raise
        finally:
            browser.close()
    assert not (home / AUDIO_DIR / kept.audio_file).exists()
    hosts = {urlsplit(u).hostname for u in requested if urlsplit(u).scheme in ("http", "https",
                                                                                "ws", "wss")}
    assert hosts == {"127.0.0.1"}, sorted(hosts)
    with Store.open(home) as store:  # the row of the lost recording is still there
        assert store.get(lost.id).audio_missing


def test_a_take_deleted_elsewhere_stops_being_served(seeded_server):
    """Another app server on the same database, or `calmtone history delete`, deletes a take
    whose recording this server is serving to an open page: within seconds it answers 404 for
    it too (it answered 200 to anyone holding the address until that page closed)."""
    import subprocess
    import sys
    import time

    from playwright.sync_api import expect, sync_playwright

    url, _, _, home, elsewhere, log = seeded_server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        try:
            page.goto(url + "/review")
            page.get_by_text("Review your takes").wait_for(timeout=60_000)
            expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(
                0, timeout=60_000)
            page.get_by_role("combobox", name="Take", exact=True).click()
            page.get_by_role("option", name=f"#{elsewhere.id} ").first.click()
            audio = page.locator("audio").first
            audio.wait_for(state="attached", timeout=30_000)
            expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(
                0, timeout=60_000)
            src = page.locator("audio").first.get_attribute("src")
            media = src if src.startswith("http") else url + src
            assert page.request.get(media).status == 200
            calmtone = str(Path(sys.executable).with_name("calmtone"))
            done = subprocess.run([calmtone, "history", "delete", "--take", str(elsewhere.id),
                                   "--yes", "--home", str(home)], capture_output=True,
                                  text=True, timeout=120)
            assert done.returncode == 0, done.stderr
            deadline = time.monotonic() + 30.0
            while page.request.get(media).status != 404:
                assert time.monotonic() < deadline, "still served 30 s after the delete"
                time.sleep(0.5)
        finally:
            browser.close()
    assert "could not check for takes deleted elsewhere" not in log.read_text()
