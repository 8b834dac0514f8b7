"""The app's local attack surface, against a real ``calmtone ui`` process.

The server is started from a folder whose ``.streamlit/config.toml`` (and a ``HOME`` whose
``~/.streamlit/config.toml``, and ``STREAMLIT_*`` environment variables) try to switch its
protections off; every check below is made with raw HTTP requests and raw WebSocket handshakes
on a free loopback port, as a hostile web page's browser (DNS rebinding) would send them.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CALMTONE = str(Path(sys.executable).with_name("calmtone"))

HOSTILE_CONFIG = """
[server]
enableCORS = false
enableXsrfProtection = false
maxUploadSize = 5000
allowedHosts = ["*"]
corsAllowedOrigins = ["http://attacker.example"]
enableAgentApi = true
headless = false
[client]
showErrorDetails = "full"
disableDataExport = false
[browser]
gatherUsageStats = true
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, path: str, *, host: str | None = None, method: str = "GET",
            headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One raw HTTP request to the app; (status, headers in lower case, body)."""
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        con.putrequest(method, path, skip_host=True)
        con.putheader("Host", f"127.0.0.1:{port}" if host is None else host)
        for key, value in (headers or {}).items():
            con.putheader(key, value)
        con.endheaders()
        resp = con.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        con.close()


def websocket_handshake(port: int, *, host: str, origin: str | None) -> str:
    """The status line the app answers a WebSocket upgrade to ``/_stcore/stream`` with."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = ["GET /_stcore/stream HTTP/1.1", f"Host: {host}", "Upgrade: websocket",
             "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while b"\r\n" not in answer:
            chunk = s.recv(1024)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0].decode()


def start(cwd: Path, home: Path, port: int, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "HOME": str(home), "CALMTONE_HOME": str(home / "calmtone"),
           # environment variables rank above config files: they must not win either
           "STREAMLIT_SERVER_ENABLE_CORS": "false",
           "STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION": "false",
           "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS": "full"}
    with open(cwd / "server.out", "w") as out, open(cwd / "server.err", "w") as err:
        return subprocess.Popen([CALMTONE, "ui", "--port", str(port), *extra], cwd=cwd,
                                env=env, stdout=out, stderr=err)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A real ``calmtone ui`` started among config files that try to weaken it."""
    cwd = tmp_path_factory.mktemp("project")
    home = tmp_path_factory.mktemp("home")
    for folder in (cwd, home):
        (folder / ".streamlit").mkdir()
        (folder / ".streamlit" / "config.toml").write_text(HOSTILE_CONFIG)
    port = free_port()
    proc = start(cwd, home, port)
    deadline = time.monotonic() + 90
    while True:
        try:
            if request(port, "/_stcore/health")[0] == 200:
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            pytest.fail("calmtone ui did not start: " + (cwd / "server.err").read_text()[-3000:])
        time.sleep(0.3)
    yield port, cwd
    proc.terminate()
    proc.wait(timeout=30)


def settings_in_effect(cwd: Path) -> dict:
    for line in (cwd / "server.err").read_text().splitlines():
        if "security settings in effect:" in line:
            return json.loads(line.split("security settings in effect:", 1)[1])
    raise AssertionError("the server did not report its settings")


def test_config_files_and_environment_do_not_weaken_the_server(hostile):
    port, cwd = hostile
    effective = settings_in_effect(cwd)
    assert effective["server.enableCORS"] is True
    assert effective["server.enableXsrfProtection"] is True
    # 15 minutes of 48 kHz 16-bit stereo WAV is 172.8 MB (164.8 MiB): the limit holds it
    assert effective["server.maxUploadSize"] == 170
    assert 900 * 48_000 * 2 * 2 < effective["server.maxUploadSize"] * 2**20
    assert effective["client.showErrorDetails"] == "none"
    assert effective["browser.gatherUsageStats"] is False
    assert effective["server.headless"] is True
    assert effective["server.enableAgentApi"] is False
    assert effective["client.disableDataExport"] is True  # no raw CSV of the tables
    assert effective["server.allowedHosts"] == ["localhost", "127.0.0.1", "::1"]
    assert effective["browser.serverAddress"] == "127.0.0.1"
    # and on the wire: CORS on (no "any origin" header), XSRF on (an upload without the
    # token is refused before anything else is looked at)
    status, headers, _ = request(port, "/_stcore/health")
    assert status == 200
    assert headers.get("access-control-allow-origin") != "*"
    status, _, body = request(port, "/_stcore/upload_file/some-session/some-file", method="PUT",
                              headers={"Content-Length": "0"})
    assert status == 403
    assert b"XSRF" in body
    # the agent API, switched on by the config file, stays off
    status, _, body = request(port, "/_stcore/agent/openapi.json")
    assert b"switched off" in body
    # Streamlit's usage metrics (how many analyses, re-syntheses and recordings in memory:
    # when people practise) are not for anyone without an account, nor for anyone at all
    status, _, body = request(port, "/_stcore/metrics")
    assert status == 404
    assert b"cache" not in body


@pytest.mark.parametrize("path", [
    "/",                                   # the app itself
    "/_stcore/health",
    "/_stcore/host-config",
    "/media/0123456789abcdef.flac",        # where every played recording is served
    "/_stcore/upload_file/session/file",
    "/_stcore/agent/openapi.json",
    "/app_pages/review.py",
])
def test_a_rebound_host_gets_nothing(hostile, path):
    port, _ = hostile
    for host in (f"attacker.example:{port}", "attacker.example", "127.0.0.1.attacker.example",
                 f"localhost.attacker.example:{port}", ""):
        status, _, body = request(port, path, host=host)
        assert status == 403, (host, path, status)
        assert b"<html" not in body.lower()


def test_the_app_answers_this_computer_and_may_not_be_framed(hostile):
    port, _ = hostile
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
        status, headers, body = request(port, "/", host=host)
        assert status == 200, host
        assert b"<html" in body.lower()
        assert headers["x-frame-options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in headers["content-security-policy"]
    # a page's own scripts send its origin: the app's own is fine
    assert request(port, "/_stcore/health",
                   headers={"Origin": f"http://127.0.0.1:{port}"})[0] == 200
    # a request sent by another site's page (Origin set by the browser) is refused
    assert request(port, "/_stcore/health", headers={"Origin": "http://attacker.example"})[0] \
        == 403


def test_websocket_needs_this_computers_host_and_origin(hostile):
    port, _ = hostile
    own = f"127.0.0.1:{port}"
    assert " 101 " in websocket_handshake(port, host=own, origin=f"http://{own}") + " "
    refused = [
        (f"attacker.example:{port}", f"http://attacker.example:{port}"),  # DNS rebinding
        (f"attacker.example:{port}", None),
        (own, "http://attacker.example"),           # another site's page opening the socket
        (own, f"http://attacker.example:{port}"),
        (own, "null"),                              # a sandboxed frame or a file: page
        (own, f"http://127.0.0.1:{port + 1}"),      # another local app
    ]
    for host, origin in refused:
        line = websocket_handshake(port, host=host, origin=origin)
        assert " 403 " in line + " ", (host, origin, line)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.org", "10.0.0.1"])
def test_a_host_off_this_computer_is_refused(tmp_path, host):
    port = free_port()
    done = subprocess.run([CALMTONE, "ui", "--host", host, "--port", str(port)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env={**os.environ, "CALMTONE_HOME": str(tmp_path / "home")})
    assert done.returncode != 0
    said = done.stderr
    assert "no accounts" in said  # why
    assert "delete every recording" in said
    assert "--host 127.0.0.1" in said  # what to do
    assert "clinic mode" in said
    with pytest.raises(ConnectionRefusedError):  # and nothing listens
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_startup_says_only_the_local_address(hostile):
    port, cwd = hostile
    printed = (cwd / "server.out").read_text()
    assert f"http://127.0.0.1:{port}" in printed
    # an external URL would mean Streamlit looked up this computer's public address
    assert "External URL" not in printed
    assert "Network URL" not in printed


@pytest.mark.parametrize(("address", "here"), [
    ("127.0.0.1", True),
    ("localhost", True),
    ("::1", True),
    ("127.0.0.2", True),       # all of 127/8 is this computer
    ("0.0.0.0", False),        # every interface: others can reach it
    ("::", False),
    ("192.168.1.20", False),
    (None, False),             # unset: Streamlit listens on every interface
    ("unix:///tmp/app.sock", False),
])
def test_this_computers_microphone_follows_the_bind_address(address, here):
    """The decision comes from the server's own address config, not from any header: a
    request sending ``Host: localhost`` to a server bound elsewhere changes nothing."""
    code = f"""
from streamlit import config
from streamlit.testing.v1 import AppTest
config.set_option("server.address", {address!r})
at = AppTest.from_file({str(ROOT / "ui" / "app.py")!r}, default_timeout=120)
at.run()
# past the guided start, to the recorder (a network address without accounts serves nothing,
# so there may be no page at all)
for skip in [b for b in at.button if b.key == "guide_skip"]:
    skip.click()
    at.run()
assert not at.exception, at.exception
labels = [e.label for e in at.expander]
print(any("this computer's microphone" in label for label in labels))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=240, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == str(here)
