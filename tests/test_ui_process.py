"""``calmtone ui`` as a process: it stops cleanly on SIGTERM and Ctrl+C (status 0, no
traceback, the port free within 10 s) while a browser holds a connection to it, a shutdown that
hangs still ends the process, and ``--browser`` opens the app's address."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

CALMTONE = str(Path(sys.executable).with_name("calmtone"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def start(tmp_path: Path, port: int, *extra: str, env: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, "CALMTONE_HOME": str(tmp_path / "home"), **(env or {})}
    with open(tmp_path / "server.out", "w") as out:  # the process keeps its own copy
        proc = subprocess.Popen([CALMTONE, "ui", "--port", str(port), *extra], env=env,
                                stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    deadline = time.monotonic() + 90
    while not listening(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("calmtone ui did not start: "
                        + (tmp_path / "server.out").read_text()[-3000:])
        time.sleep(0.3)
    return proc


def held_connection(port: int) -> socket.socket:
    """A browser's WebSocket to the app, left open."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall((f"GET /_stcore/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
               f"Origin: http://127.0.0.1:{port}\r\n\r\n").encode())
    assert b"101" in s.recv(1024).split(b"\r\n", 1)[0]
    return s


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_stops_the_app_cleanly(tmp_path, sig):
    port = free_port()
    proc = start(tmp_path, port)
    conn = held_connection(port)
    try:
        stopped = time.monotonic()
        proc.send_signal(sig)
        status = proc.wait(timeout=10)
        took = time.monotonic() - stopped
    finally:
        conn.close()
        if proc.poll() is None:
            proc.kill()
    out = (tmp_path / "server.out").read_text()
    assert status == 0, out[-2000:]
    assert took < 10
    assert not listening(port)
    assert "Traceback" not in out
    assert f"Calm Tone Coach stopped ({signal.Signals(sig).name})." in out


def test_a_shutdown_that_hangs_still_ends_the_process(tmp_path):
    """The web server's own handler starts a graceful shutdown that never ends here (as a
    session stuck in an analysis would): the watchdog ends the process after STOP_GRACE_S."""
    script = textwrap.dedent("""
        import os, signal, time
        import ui.server as server
        server.STOP_GRACE_S = 0.5
        signal.signal(signal.SIGTERM, lambda sig, frame: None)  # a shutdown that never ends
        server._arm_stop_watchdog()
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(20)
        raise SystemExit(3)
    """)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=30, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 10
    assert "did not stop within" in done.stderr


def test_browser_opens_the_app(tmp_path):
    opened = tmp_path / "opened.txt"
    fake = tmp_path / "fake-browser"
    fake.write_text(f"#!/bin/sh\necho \"$1\" >> {opened}\n")
    fake.chmod(0o755)
    port = free_port()
    proc = start(tmp_path, port, "--browser", env={"BROWSER": str(fake)})
    try:
        deadline = time.monotonic() + 20
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert opened.read_text().split() == [f"http://127.0.0.1:{port}"]
