"""The app in the clinic mode: the sign-in gate, roles on the pages, supervisor notes, sign-out
and the idle time (AppTest on SQLite); then two real ``calmtone ui`` processes on one
PostgreSQL, one listening on 0.0.0.0, visited by Chromium as alice, bob's absence and sue.

The cast (as in tests/test_accounts.py): alice and bob practise, sue supervises alice only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

import pytest
from conftest import DATA, free_port, start_app
from streamlit.testing.v1 import AppTest

from prosody import ProsodyWarning, analyze, load
from prosody.store import Store

APP = str(Path(__file__).resolve().parent.parent / "ui" / "app.py")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CALMTONE = str(Path(sys.executable).with_name("calmtone"))
PASSWORDS = {"alice": "alice-sings-softly", "bob": "bob-speaks-slowly",
             "sue": "sue-listens-well"}
ALICE_PHRASE, BOB_PHRASE = "Alice's quiet phrase", "Bob's private phrase"


def seed(where: str) -> dict:
    """Accounts alice, bob (trainees) and sue (supervisor of alice); one take each of alice
    and bob."""
    sig = load(DATA / "arctic_a0007.wav")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        analysis = analyze(sig.y, sr=sig.sr)
    with Store.open(where) as store:
        for name in ("alice", "bob"):
            store.add_account(name, role="trainee", password=PASSWORDS[name])
        store.add_account("sue", role="supervisor", password=PASSWORDS["sue"])
        store.supervise("sue", "alice")
        return {person: store.save_take(person=person, audio=sig.y, sr=sig.sr,
                                        analysis=analysis, feedback={"score": 66},
                                        phrase=phrase)
                for person, phrase in (("alice", ALICE_PHRASE), ("bob", BOB_PHRASE))}


# ---------------------------------------------------------------------------------------------
# AppTest, SQLite


@pytest.fixture
def clinic_home(tmp_path, monkeypatch):
    home = str(tmp_path / "home")
    monkeypatch.setenv("CALMTONE_HOME", home)
    monkeypatch.delenv("CALMTONE_DB", raising=False)
    return home, seed(home)


def text_of(at: AppTest) -> str:
    parts = [m.value for m in (*at.markdown, *at.caption, *at.error, *at.info, *at.success,
                               *at.title)]
    parts += [str(s.options) for s in at.selectbox]
    parts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(parts)


def app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py")
        at.run()
    assert not at.exception
    return at


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="sign_in_name").input(name)
    at.text_input(key="sign_in_password").input(password)
    at.button[0].click()
    at.run()
    assert not at.exception
    return at


@pytest.mark.parametrize("page", [None, "review", "progress", "supervisor", "settings",
                                  "practice", "exercises"])
def test_signed_out_every_page_asks_to_sign_in_and_shows_no_take(clinic_home, page):
    at = app(page)
    assert [t.label for t in at.text_input] == ["Name", "Password"]
    assert at.text_input(key="sign_in_password").proto.type == 1  # PASSWORD
    assert [b.label for b in at.button] == ["Sign in"]
    shown = text_of(at)
    assert ALICE_PHRASE not in shown
    assert BOB_PHRASE not in shown
    assert "alice" not in shown


def test_a_wrong_password_shows_nothing(clinic_home):
    at = sign_in(app("review"), "alice", "not-her-password")
    assert at.error[0].value == "The name or password is wrong."
    assert ALICE_PHRASE not in text_of(at)
    assert [b.label for b in at.button] == ["Sign in"]


def test_a_trainee_sees_only_her_takes_and_her_supervisors_notes(clinic_home):
    home, takes = clinic_home
    at = sign_in(app(), "alice", PASSWORDS["alice"])
    assert "Signed in as **alice** (trainee)" in text_of(at)
    assert not [t for t in at.text_input if t.label == "Who is practising?"]
    at.switch_page("app_pages/review.py")
    at.run()
    shown = text_of(at)
    assert ALICE_PHRASE in shown
    assert BOB_PHRASE not in shown
    assert at.selectbox(key="review_take").value == takes["alice"].id
    assert "No notes on this take yet." in shown
    assert not [f for f in at.text_area if f.label == "Note for the trainee"]
    at.switch_page("app_pages/supervisor.py")
    at.run()
    assert "This page is for supervisors" in at.info[0].value


def test_a_supervisor_sees_her_trainee_leaves_a_note_and_never_sees_bob(clinic_home):
    home, takes = clinic_home
    at = sign_in(app(), "sue", PASSWORDS["sue"])
    at.switch_page("app_pages/review.py")
    at.run()
    assert at.selectbox[0].label == "Person"
    assert at.title[0].value == "Review alice's takes"  # not "your takes"
    assert at.selectbox[0].options == ["alice"]
    shown = text_of(at)
    assert ALICE_PHRASE in shown
    assert BOB_PHRASE not in shown
    at.number_input[0].set_value(1.5)
    at.text_area[0].input("Let the last word fall.")
    next(b for b in at.button if b.label == "Add note").click()
    at.run()
    assert not at.exception
    assert "**sue**, at 1.5 s: Let the last word fall" in text_of(at)
    # she may not delete alice's take, so she is not offered it (a refused delete used to
    # stop alice's page playing the recording all the same)
    assert "Delete this take" not in [e.label for e in at.expander]
    assert not [c for c in at.checkbox if "delete" in c.label.lower()]
    at.switch_page("app_pages/supervisor.py")
    at.run()
    assert at.selectbox(key="supervise_person").options == ["alice"]
    assert BOB_PHRASE not in text_of(at)
    # the trainee sees the note on Review, and which take has it from the list
    alice = sign_in(app(), "alice", PASSWORDS["alice"])
    alice.switch_page("app_pages/review.py")
    alice.run()
    assert "**sue**, at 1.5 s: Let the last word fall" in text_of(alice)
    table = alice.dataframe[0].value
    assert dict(zip(table["take"], table["notes"], strict=True)) == {takes["alice"].id: 1}
    columns = list(table.columns)
    assert columns.index("notes") == columns.index("score") + 1  # in sight on a phone
    # the score and the notes first in the take picker: a phone cuts a long option's end off
    label = alice.selectbox(key="review_take").format_func(takes["alice"].id)
    assert label.startswith(f"#{takes['alice'].id} · ")
    assert label.index("score 66 · 1 note · practice · ") < label.index(ALICE_PHRASE)
    assert alice.title[0].value == "Review your takes"
    assert any("a supervisor's notes on 1 of them" in c.value for c in alice.caption)
    assert "Delete this take" in [e.label for e in alice.expander]  # her own take: she may


def test_sign_out_and_the_idle_time_end_the_session(clinic_home):
    at = sign_in(app(), "alice", PASSWORDS["alice"])
    next(b for b in at.button if b.label == "Sign out").click()
    at.run()
    assert [b.label for b in at.button] == ["Sign in"]
    assert "You signed out." in at.info[0].value
    at = sign_in(at, "alice", PASSWORDS["alice"])
    at.session_state["account_last_seen"] = time.monotonic() - 31 * 60
    at.run()
    assert [b.label for b in at.button] == ["Sign in"]
    assert "after 30 minutes without activity" in at.info[0].value
    at = sign_in(at, "alice", PASSWORDS["alice"])
    with Store.open() as store:
        store.set_password("alice", "a-changed-password")
    at.run()
    assert "password or role changed" in at.info[0].value


def test_without_accounts_the_app_keeps_its_local_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "home"))
    at = app()
    # who is practising is chosen freely (the button at the top), and no one signs in
    assert "Who is practising?" in [s.label for s in at.selectbox]
    assert not [t for t in at.text_input if t.label == "Password"]
    assert not [b for b in at.button if b.label == "Sign in"]


# ---------------------------------------------------------------------------------------------
# Two real app servers on one PostgreSQL, in Chromium


def start_server(url: str, host: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "CALMTONE_DB": url, "CALMTONE_HOME": str(log.parent / "no-sqlite")}
    proc = start_app([CALMTONE, "ui", "--host", host, "--port", str(port)], env, log, port)
    return proc, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def two_servers(pg_cluster, tmp_path_factory):
    url = pg_cluster.new_database()
    takes = seed(url)
    logs = tmp_path_factory.mktemp("servers")
    a = start_server(url, "0.0.0.0", logs / "a.err")  # the network-facing one
    b = start_server(url, "127.0.0.1", logs / "b.err")
    # the network-facing one, without a certificate, says at start that it speaks plain HTTP
    assert "warning: serving 0.0.0.0 over plain HTTP" in (logs / "a.err").read_text()
    assert "plain HTTP" not in (logs / "b.err").read_text()
    yield url, takes, a[1], b[1]
    for proc, _ in (a, b):
        proc.terminate()
        proc.wait(timeout=30)
    assert not (logs / "no-sqlite").exists()


def test_with_accounts_the_server_on_0_0_0_0_serves_the_sign_in_page(two_servers):
    _, _, a, _ = two_servers
    with urllib.request.urlopen(a + "/_stcore/health", timeout=30) as r:
        assert r.status == 200


def test_two_servers_in_a_real_browser(two_servers, tmp_path):
    if not Path(CHROMIUM).exists():  # a failure, not a skip: CI installs it
        pytest.fail("chromium is not installed; run `apt-get install chromium`")
    from playwright.sync_api import sync_playwright

    url, takes, a, b = two_servers
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-gpu"])
        pages = []

        def visit(server: str, path: str = ""):
            context = browser.new_context(viewport={"width": 1280, "height": 1400},
                                          accept_downloads=True)
            page = context.new_page()
            pages.append(page)
            page.goto(server + path)
            page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
            return page

        def body(page) -> str:
            page.wait_for_timeout(1500)
            return page.inner_text("body")

        def sign_in_as(page, name: str, password: str) -> None:
            page.get_by_label("Name", exact=True).fill(name)
            page.get_by_label("Password", exact=True).fill(password)
            page.get_by_role("button", name="Sign in").click()

        def download(page, name: str):
            """The file a download button gives. Its data is made when it is clicked; a click
            that lands while the page is still re-running (after "Add note") can go unanswered,
            as it would for a user, who clicks again: wait for the run to end, then click, up
            to three times."""
            from playwright.sync_api import TimeoutError as PlaywrightTimeout

            for _ in range(3):
                page.locator("[data-testid='stStatusWidget']").wait_for(state="detached",
                                                                         timeout=60_000)
                try:
                    with page.expect_download(timeout=30_000) as got:
                        page.get_by_role("button", name=name).click()
                    return got.value
                except PlaywrightTimeout:
                    continue
            pytest.fail(f"three clicks on {name!r} gave no file")

        def open_page(page, title: str) -> None:
            page.get_by_role("link", name=title, exact=True).first.click()
            page.wait_for_load_state("networkidle")

        try:
            # signed out: no page shows anyone's takes, direct links included
            for path in ("", "/review", "/supervisor", "/progress"):
                page = visit(a, path)
                shown = body(page)
                assert ALICE_PHRASE not in shown
                assert BOB_PHRASE not in shown
            # a wrong password shows nothing
            sign_in_as(page, "alice", "not-her-password")
            page.get_by_text("The name or password is wrong.").wait_for(timeout=30_000)
            assert ALICE_PHRASE not in body(page)

            # alice saves a take through server B...
            alice_b = visit(b)
            sign_in_as(alice_b, "alice", PASSWORDS["alice"])
            alice_b.get_by_text("Signed in as").wait_for(timeout=60_000)
            # her first visit opens on the guided start: straight to practising
            alice_b.get_by_role("button", name="Skip the guided start").click(timeout=60_000)
            alice_b.locator("input[type='file']").first.set_input_files(
                str(DATA / "arctic_a0007.wav"))
            alice_b.get_by_text("Kept in alice's practice history").wait_for(timeout=120_000)
            # ...and sees it at once through server A, with her own takes only
            alice_a = visit(a, "/review")
            sign_in_as(alice_a, "alice", PASSWORDS["alice"])
            alice_a.get_by_text("Review your takes").wait_for(timeout=60_000)
            alice_a.get_by_text("2 takes", exact=True).wait_for(timeout=30_000)
            shown = body(alice_a)
            assert BOB_PHRASE not in shown
            with Store.open(url) as store:
                newest = max(t.id for t in store.takes(person="alice"))

            # sue, through server B: alice's takes, never bob's (Review, Supervisor, exports)
            sue = visit(b, "/review")
            sign_in_as(sue, "sue", PASSWORDS["sue"])
            sue.get_by_text("Review alice's takes").wait_for(timeout=60_000)
            sue.get_by_role("combobox", name="Person").click()
            options = sue.get_by_role("option").all_inner_texts()
            assert options == ["alice"], options
            sue.keyboard.press("Escape")
            assert BOB_PHRASE not in body(sue)
            sue.get_by_label("Note for the trainee").fill("Let the last word fall.")
            sue.get_by_role("button", name="Add note").click()
            sue.get_by_text("Let the last word fall.").wait_for(timeout=30_000)
            sue.get_by_text("Export alice's takes").click()
            got = download(sue, "Summaries (CSV)")
            rows = list(csv.DictReader(io.StringIO(Path(got.path()).read_text())))
            assert {r["person"] for r in rows} == {"alice"}
            assert len(rows) == 2
            open_page(sue, "Supervisor")
            sue.get_by_role("combobox", name="Person").wait_for(timeout=30_000)
            shown = body(sue)
            assert "bob" not in shown.lower()
            assert BOB_PHRASE not in shown

            # the note reaches alice through server A (a reload would be a new session, signed
            # out: she moves between pages instead)
            open_page(alice_a, "Progress")
            open_page(alice_a, "Review")
            alice_a.get_by_text("Review your takes").wait_for(timeout=60_000)
            alice_a.get_by_text("Let the last word fall.").wait_for(timeout=30_000)
            with Store.open(url) as store:
                assert [n.text for n in store.notes(newest)] == ["Let the last word fall."]
                assert {(e.actor, e.action) for e in store.audit_log()} >= {
                    ("sue", "exported"), ("sue", "viewed"), ("alice", "signed_in")}
        except Exception:
            for k, p in enumerate(pages):
                p.screenshot(path=str(tmp_path / f"clinic-{k}.png"), full_page=True)
            print("screenshots in", tmp_path)
            raise
        finally:
            browser.close()


@pytest.mark.parametrize(("hosts", "host", "origin", "refused"), [
    # on every interface without --allowed-host: any name, but the page must be that name's
    (None, "10.0.0.11:8501", "http://10.0.0.11:8501", False),
    (None, "coach.example.org", "https://coach.example.org", False),
    (None, "coach.example.org", "https://evil.example", True),  # another site's page
    (None, "host/with/a/path", None, True),  # not a host name at all
    # --allowed-host behind a TLS proxy: the proxy's https origin on 443 is the app's own
    (("localhost", "127.0.0.1", "::1", "0.0.0.0", "coach.example.org"), "coach.example.org",
     "https://coach.example.org", False),
    (("localhost", "127.0.0.1", "::1", "0.0.0.0", "coach.example.org"), "rebound.example",
     None, True),  # a name it was not given (DNS rebinding)
    (("localhost", "127.0.0.1", "::1", "0.0.0.0", "coach.example.org"), "coach.example.org",
     "https://evil.example", True),
])
def test_the_request_guard_of_a_clinics_server(hosts, host, origin, refused):
    from ui.server import LocalOnly

    guard = LocalOnly(None, hosts=hosts, port=8501)
    assert (guard.problem(host, origin) is not None) is refused


def test_a_server_on_every_interface_answers_any_name_unless_told(monkeypatch):
    from ui.server import allowed_hosts, host_refusal

    assert allowed_hosts("0.0.0.0") is None
    assert "coach.example.org" in allowed_hosts("0.0.0.0", ("coach.example.org",))
    assert host_refusal("0.0.0.0", accounts=True) is None
    assert "no accounts" in host_refusal("0.0.0.0", accounts=False)


def test_a_loopback_server_named_for_a_proxy_serves_a_network(monkeypatch, tmp_path, capsys):
    """``--allowed-host`` on 127.0.0.1 is a server reached through a reverse proxy, from the
    network: without accounts it is refused, and if the last account goes while it runs, the
    pages serve no one rather than falling back to the open local mode."""
    from prosody.cli import main
    from ui import services
    from ui.server import host_refusal, plain_http_warning

    proxied = ("coach.example.org",)
    assert "no accounts" in host_refusal("127.0.0.1", accounts=False, extra_hosts=proxied)
    assert host_refusal("127.0.0.1", accounts=True, extra_hosts=proxied) is None
    assert host_refusal("127.0.0.1", accounts=False, extra_hosts=("localhost",)) is None
    # set, not deleted, so that the test's end puts both back: `calmtone ui` sets CALMTONE_DB
    # for its sessions, and it must not outlive the test
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CALMTONE_DB", str(tmp_path / "home"))
    assert main(["ui", "--allowed-host", "coach.example.org", "--port", "8599"]) == 2
    assert "--allowed-host coach.example.org" in capsys.readouterr().err
    # while running: the options calmtone ui sets decide, never a request header
    options = {"server.address": "127.0.0.1",
               "server.allowedHosts": ["localhost", "127.0.0.1", "::1", "coach.example.org"]}
    monkeypatch.setattr(services.st, "get_option", options.get)
    assert services.serves_a_network()
    assert not services.runs_on_this_computer()  # not this computer's microphone, no admin
    options["server.allowedHosts"] = ["localhost", "127.0.0.1", "::1"]
    assert not services.serves_a_network()
    assert services.runs_on_this_computer()
    # plain HTTP to other computers is said at start; HTTPS or this computer only is not
    assert "plain HTTP" in plain_http_warning("0.0.0.0", tls=None)
    assert plain_http_warning("0.0.0.0", tls=("cert.pem", "key.pem")) is None
    assert plain_http_warning("127.0.0.1", tls=None) is None


def test_a_download_offered_before_the_session_went_idle_is_refused(clinic_home):
    """A download button's export runs when it is clicked, on another thread, outside the
    page's run that checks the idle time: an export offered, then clicked after 30 idle
    minutes, gave the whole history to whoever sat at the unattended tab."""
    from prosody.store import AccessDeniedError
    from ui import services

    at = sign_in(app(), "alice", PASSWORDS["alice"])
    clock = at.session_state[services.CLOCK]
    with Store.open() as store:
        account = store.account("alice")
    home, _ = clinic_home
    scope = services.ExportScope(home, account, clock)
    assert b"alice" in services.export_bytes("alice", "csv", scope)  # active: it is given
    clock.last -= 31 * 60
    with pytest.raises(AccessDeniedError, match="30 minutes without activity"):
        services.export_bytes("alice", "csv", scope)
    at.run()  # the page's own check signs the session out...
    assert [b.label for b in at.button] == ["Sign in"]
    at = sign_in(at, "alice", PASSWORDS["alice"])
    with pytest.raises(AccessDeniedError):  # ...and what it offered stays refused
        services.export_bytes("alice", "csv", scope)
    # a scope without a session clock (a page drawn before signing in) is refused too
    with pytest.raises(AccessDeniedError):
        services.export_bytes("alice", "csv", services.ExportScope(home, account))


def test_the_pages_say_where_recordings_stay_as_it_is(clinic_home, tmp_path, monkeypatch):
    """"Everything stays on this computer" is true of the local mode only: in a clinic the
    takes are in the programme's history, and its supervisors see them."""
    at = sign_in(app(), "alice", PASSWORDS["alice"])
    shown = text_of(at)
    assert "Everything stays on this computer" not in shown
    assert "training programme's own history" in shown
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "local"))
    local = app()
    assert "Everything stays on this computer" in text_of(local)


def test_a_trainee_is_not_shown_where_the_clinic_database_is(clinic_home):
    """Settings told a trainee the history's location and to "copy that folder to back it
    up": in a clinic that is the database's address, not theirs to read or copy."""
    home, _ = clinic_home
    at = sign_in(app("settings"), "alice", PASSWORDS["alice"])
    shown = text_of(at)
    assert "Copy that folder" not in shown
    assert home not in shown
    assert "kept by your training programme's server" in shown


def test_a_supervisor_finds_a_new_trainee_before_their_first_take(clinic_home):
    """A trainee with no take and no assignment yet is in no one's history: the supervisor
    following them could not pick them in "To", and was told nobody had practised."""
    with Store.open() as store:
        store.add_account("carol", role="trainee", password="carol-is-new-here")
        store.supervise("sue", "carol")
    at = sign_in(app("supervisor"), "sue", PASSWORDS["sue"])
    assert not at.exception
    to = at.selectbox(key="assign_person")
    assert "carol" in to.options
    assert "bob" not in to.options  # not hers
    # nor herself, nor "Someone new…": a supervisor may give practice to those she follows,
    # and both were offered only to be refused
    assert set(to.options) == {"alice", "carol"}
    assert "or yourself" not in text_of(at)
    to.set_value("carol").run()
    assert not at.exception
    at.selectbox(key="supervise_person").set_value("carol").run()  # her progress: none yet
    assert not at.exception


def test_progress_speaks_to_a_trainee_and_about_her_to_her_supervisor(clinic_home):
    """Sue, looking at alice's Progress, read "Your progress … Over the last two weeks you
    saved 1 take. Your calm score averaged 66"."""
    sue = sign_in(app(), "sue", PASSWORDS["sue"])
    sue.switch_page("app_pages/progress.py")
    sue.run()
    assert not sue.exception
    assert sue.title[0].value == "Progress: alice"
    words = "\n".join(m.value for m in sue.markdown)
    assert "Over the last two weeks alice saved 1 take" in words
    assert "alice's calm score averaged 66" in words
    assert "you saved" not in words
    assert "Your calm" not in words
    alice = sign_in(app(), "alice", PASSWORDS["alice"])
    alice.switch_page("app_pages/progress.py")
    alice.run()
    assert alice.title[0].value == "Your progress"
    words = "\n".join(m.value for m in alice.markdown)
    assert "Over the last two weeks you saved 1 take" in words
    assert "Your calm score averaged 66" in words


def test_a_phrase_set_given_to_a_trainee_is_on_her_practice_page(clinic_home):
    """Exercises said "Phrase set: … (practise these on the Practice page)", and Practice
    did not show the set or its phrases; a take of them was not linked to the assignment."""
    from prosody.content import load_phrases, phrase_sets
    from ui.views import plain

    home, _ = clinic_home
    partner = next(s for s in phrase_sets(load_phrases()) if s.audience == "partner")
    sig = load(DATA / "arctic_a0007.wav")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        analysis = analyze(sig.y, sr=sig.sr)
    with Store.open() as store:
        # a practice take from before the set was given, and a model take of one of its
        # phrases: neither is practice of the set (Practice counted both, Supervisor one)
        for kind, phrase in (("practice", partner.phrases[1].text),
                             ("model", partner.phrases[2].text)):
            store.save_take(person="alice", audio=sig.y, sr=sig.sr, analysis=analysis,
                            feedback={"score": 70}, phrase=phrase, kind=kind,
                            created=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1))
        given = store.assign("alice", kind="phrase_set", target=partner.id,
                             note="Two a day", assigned_by="sue")
        store.assign("alice", kind="exercise", target="slow-it-down", assigned_by="sue")
    at = sign_in(app(), "alice", PASSWORDS["alice"])
    assert "button at the top" not in text_of(at)  # there is none for a signed-in trainee
    at.button(key="guide_skip").click().run()
    assert not at.exception
    shown = text_of(at)
    assert "**Assigned to you**" in shown
    assert f"Phrase set **{plain(partner.title)}** by sue: 0 of {len(partner.phrases)}" in shown
    box = at.selectbox(key="phrase_choice")
    texts = [p.text for p in partner.phrases]
    assert box.options[:len(texts)] == [f"{t} (assigned)" for t in texts]
    assert box.value == texts[0]  # the first phrase given is the one to practise,
    assert at.radio(key="audience").value == "partner"  # for the listener it is meant for
    wav = (DATA / "arctic_a0007.wav").read_bytes()
    at.audio_input[0].set_value(("take.wav", wav, "audio/wav")).run()
    assert not at.exception
    with Store.open() as store:
        take = store.takes(person="alice", phrase=texts[0])[0]
    assert take.assignment_id == str(given.id)
    assert f"by sue: 1 of {len(partner.phrases)} phrases practised" in text_of(at)
    assert "Exercise **Slow it down** by sue, on the Exercises page" in text_of(at)
    # the supervisor reads the same
    sue = sign_in(app("supervisor"), "sue", PASSWORDS["sue"])
    sue.selectbox(key="supervise_person").set_value("alice").run()
    assert [p.text for p in sue.get("progress") if "phrases practised" in p.proto.text] == [
        f"1 of {len(partner.phrases)} phrases practised"]


def test_the_supervisors_tables_show_scores_before_the_long_phrases(clinic_home):
    """At 390 px the phrase set's and the recent takes' scores sat right of a long phrase, out
    of sight; a baseline's missing score read "None"."""
    from prosody.content import load_phrases, phrase_sets

    partner = next(s for s in phrase_sets(load_phrases()) if s.audience == "partner")
    with Store.open() as store:
        store.assign("alice", kind="phrase_set", target=partner.id, assigned_by="sue")
    at = sign_in(app("supervisor"), "sue", PASSWORDS["sue"])
    at.selectbox(key="supervise_person").set_value("alice").run()
    assert not at.exception
    tables = [d for d in at.dataframe if "phrase" in d.value.columns]
    assert len(tables) == 2  # the phrase set's, the recent takes'
    for table in tables:
        columns = list(table.value.columns)
        assert columns[-1] == "phrase", columns
        assert any("score" in c for c in columns[:3]), columns
        assert table.proto.placeholder == "–"
