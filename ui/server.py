"""Starting the app for ``calmtone ui``: Streamlit with its security settings fixed, behind a
guard that answers only requests addressed to this computer.

Why a guard of our own: Streamlit 1.67's ``server.allowedHosts`` is checked on the WebSocket
(and the agent API) only. The page itself, ``/media/...`` (every recording played on a page),
``/_stcore/upload_file`` and the other HTTP routes answer whatever ``Host`` a request names, so
a web page on a rebound domain (DNS rebinding: ``attacker.example`` made to resolve to
127.0.0.1) could read them. ``st.App`` is Streamlit's public way to add ASGI middleware, so the
app is started through it, in this process, with :class:`LocalOnly` in front of every route.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import signal
import sys
from pathlib import Path
from urllib.parse import urlsplit

_log = logging.getLogger("calmtone.ui")
APP = Path(__file__).resolve().with_name("app.py")

#: The names a browser on this computer uses for it.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")

#: ``server.maxUploadSize`` in MB as Streamlit counts them (2**20 bytes). The longest recording
#: the analysis takes is 15 minutes; as 16-bit stereo WAV at 48 kHz that is
#: 900 s x 48 000 /s x 2 bytes x 2 channels = 172.8 MB (164.8 MiB). 170 MiB holds it with room
#: for the header, and refuses at the upload what could never be analysed (Streamlit's default
#: is 200). A mono 48 kHz or any compressed file of 15 minutes is far smaller.
MAX_UPLOAD_MB = 170


def host_refusal(host: str, *, accounts: bool = False,
                 extra_hosts: tuple[str, ...] = ()) -> str | None:
    """Why ``calmtone ui`` must not listen on ``host``, or None when it may.

    Without accounts (the local mode) anyone who can reach the app can read, download and
    delete every person's recordings, so it listens on this computer's own (loopback) address
    only, and answers no other name: a loopback server named by ``--allowed-host`` is reached
    through a reverse proxy, from the network. Once the store has accounts (the clinic mode)
    every visitor signs in and the store enforces each role, so any address is allowed.

    Parameters
    ----------
    host : str
        The address given with ``--host``.
    accounts : bool
        True when the store has accounts.
    extra_hosts : tuple of str
        The names given with ``--allowed-host``.

    Returns
    -------
    str or None
        A sentence saying what is wrong and what to do, or None.
    """
    if accounts:
        return None
    named = [h for h in extra_hosts if not is_loopback(h)]
    if is_loopback(host) and named:
        return (f"--allowed-host {named[0]} lets the app be reached by that name, through a "
                "proxy, from the network, and this practice history has no accounts: anyone "
                "there could listen to, download and delete every recording. Leave "
                "--allowed-host out (this computer only), or turn on the clinic mode by adding "
                "accounts (`calmtone users add NAME --role admin`; see docs/clinic.md).")
    if is_loopback(host):
        return None
    return (f"--host {host} would let anyone on the network open the app, and this practice "
            "history has no accounts: they could listen to, download and delete every "
            "recording. Use --host 127.0.0.1 (the default: this computer only), or turn on the "
            "clinic mode by adding accounts (`calmtone users add NAME --role admin`; see "
            "docs/clinic.md), after which everyone signs in.")


def plain_http_warning(host: str, *, tls: tuple[str, str] | None) -> str | None:
    """What to say when the app serves other computers over plain HTTP, or None.

    Not a refusal: a clinic's app servers on a private address behind a reverse proxy that
    holds the certificate speak plain HTTP to that proxy only (docs/clinic.md). But on any
    other network, passwords and recordings would cross it in clear, so it is said at start.
    """
    if tls or is_loopback(host):
        return None
    return (f"serving {host} over plain HTTP: passwords and recordings cross the network in "
            "clear unless a reverse proxy in front of this server holds the certificate. Give "
            "the server its own with --tls-cert and --tls-key, or put it behind such a proxy "
            "on a private address (docs/clinic.md, \"Serving the app\").")


def is_loopback(host: str | None) -> bool:
    """True when ``host`` (a name or an address, with or without brackets) is this computer's
    own loopback address: only programs on this computer can reach it."""
    name = (host or "").strip().strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str, extra: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The host names a request may address: the loopback names, the bound address and
    ``extra`` (``--allowed-host``). None for any name: a clinic's server bound to every
    interface (``0.0.0.0``) without ``--allowed-host``, reached by names it cannot know."""
    name = host.strip().strip("[]").lower()
    if not is_loopback(name) and not extra and ipaddress_unspecified(name):
        return None
    names = LOOPBACK_NAMES + (() if name in LOOPBACK_NAMES else (name,))
    return names + tuple(e.strip().lower().rstrip(".") for e in extra
                         if e.strip().lower() not in names)


def ipaddress_unspecified(name: str) -> bool:
    """True for 0.0.0.0 or ::, "every interface"."""
    try:
        return ipaddress.ip_address(name).is_unspecified
    except ValueError:
        return False


def security_options(host: str, port: int, *, extra_hosts: tuple[str, ...] = (),
                     tls: tuple[str, str] | None = None) -> dict[str, object]:
    """Streamlit settings ``calmtone ui`` fixes whatever a ``.streamlit/config.toml`` says.

    They are given as command-line options, which Streamlit puts above every config file and
    environment variable (and keeps above them when a config file changes while it runs).
    ``tls`` is (certificate file, key file) for HTTPS served by Streamlit itself.
    """
    hosts = allowed_hosts(host, extra_hosts)
    scheme = "https" if tls else "http"
    options: dict[str, object] = {
        "server.address": host,
        "server.port": port,
        "server.headless": True,
        "server.allowedHosts": ["*"] if hosts is None else list(hosts),
        "server.enableCORS": True,
        "server.enableXsrfProtection": True,
        "server.maxUploadSize": MAX_UPLOAD_MB,
        # "none": an uncaught error shows a generic message, no type, text or traceback (the
        # pages catch errors and explain them; details go to the terminal)
        "client.showErrorDetails": "none",
        "client.showErrorLinks": False,
        # no "Deploy" or developer menu: a private app on the person's own computer
        "client.toolbarMode": "minimal",
        # no "Download as CSV" on the tables: it writes a phrase such as =HYPERLINK(...) as a
        # live spreadsheet formula; Review's own export neutralises them
        "client.disableDataExport": True,
        "browser.gatherUsageStats": False,
        # the address printed and used by the page: set, so Streamlit never looks up a public IP
        "browser.serverAddress": host,
        # nothing else may drive the app or serve files: no agent API, no static folder
        "server.enableAgentApi": False,
        # pages that may steer the app by postMessage when it is framed: only the app itself
        # (Streamlit's default trusts its cloud domains, where anyone can host a page)
        "client.allowedOrigins": [f"{scheme}://{_url_host(host)}:{port}"],
        "server.enableStaticServing": False,
        "global.developmentMode": False,
        "server.runOnSave": False,
    }
    if tls:
        options["server.sslCertFile"], options["server.sslKeyFile"] = tls
    return options


class LocalOnly:
    """ASGI middleware: refuse any request or WebSocket whose ``Host`` is not one of this
    computer's names, or whose ``Origin`` (sent by browsers) is not this app itself.

    Parameters
    ----------
    app
        The ASGI app behind it.
    hosts : tuple of str or None
        Allowed host names (lower case, IPv6 without brackets). None (a clinic's server on
        every interface, where everyone signs in) allows any well-formed ``Host``; an
        ``Origin`` must then be the very host and port the request addresses.
    port : int
        The port the app listens on, part of its own origin.
    """

    def __init__(self, app, *, hosts: tuple[str, ...] | None, port: int) -> None:
        self.app = app
        self.hosts = None if hosts is None else frozenset(hosts)
        self.port = port

    def problem(self, host: str | None, origin: str | None) -> str | None:
        """Why a request with these headers is refused, or None."""
        name = _host_name(host)
        if self.hosts is None:
            if name is None:
                return "the request names no valid host"
            if origin is not None and urlsplit(origin).netloc.lower() != host.lower():
                return "the request comes from a page that is not this app"
            return None
        if name is None or name not in self.hosts:
            return "this app answers only requests addressed to this computer (127.0.0.1)"
        if origin is not None:
            try:
                parts = urlsplit(origin)
                origin_port = parts.port or (443 if parts.scheme == "https" else 80)
            except ValueError:
                return "the request comes from a page that is not this app"
            # the app's own page, or the page of the very host the request names (a reverse
            # proxy's https://name, whose name --allowed-host lets through)
            same_as_addressed = parts.netloc.lower() == (host or "").lower()
            if parts.scheme not in ("http", "https") or not same_as_addressed and (
                    (parts.hostname or "").lower() not in self.hosts or origin_port != self.port):
                return "the request comes from a page that is not this app"
        return None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {}
        for key, value in scope.get("headers", []):
            headers.setdefault(key.lower(), value.decode("latin-1"))
        problem = self.problem(headers.get(b"host"), headers.get(b"origin"))
        if problem is None and scope["type"] == "http" and scope.get("path", "").rstrip(
                "/") in NOT_SERVED:
            body = b"Not served by Calm Tone Coach.\n"
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        if problem is None and scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        if problem is None:
            async def send_framed_here_only(message) -> None:
                # no other site may show the app in a frame and trick a click on "Delete"
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message.get("headers", []),
                                                      *_FRAME_HEADERS]}
                await send(message)

            await self.app(scope, receive, send_framed_here_only)
            return
        _log.warning("refused %s %s (Host %r, Origin %r): %s", scope["type"],
                     scope.get("path"), headers.get(b"host"), headers.get(b"origin"), problem)
        if scope["type"] == "websocket":
            # closing before accepting makes the server answer the handshake with 403
            await send({"type": "websocket.close", "code": 1008})
            return
        body = f"Refused: {problem}.\n".encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


#: Streamlit's own addresses the app does not serve: its usage metrics tell anyone, with no
#: account, how many takes are analysed and how many recordings sit in memory.
NOT_SERVED = frozenset(("/_stcore/metrics",))

_FRAME_HEADERS = ((b"x-frame-options", b"SAMEORIGIN"),
                  (b"content-security-policy", b"frame-ancestors 'self'"))


def _host_name(host: str | None) -> str | None:
    """The name in a ``Host`` header, lower case, without port or brackets; None if malformed."""
    if not host:
        return None
    try:
        parts = urlsplit(f"//{host}")
        _ = parts.port  # a port that is not a number makes the header malformed
    except ValueError:
        return None
    if parts.hostname is None or parts.username is not None or parts.path:
        return None
    return parts.hostname.lower().rstrip(".")


def _url_host(host: str) -> str:
    """``host`` as written in a URL (an IPv6 address in brackets)."""
    return f"[{host}]" if ":" in host else host


def _on_script_error(exc: Exception) -> bool:
    """Uncaught errors the pages did not catch (in a widget callback, say): a short message for
    the person, the details in the terminal. Returns True: Streamlit shows nothing more."""
    import streamlit as st

    from ui.errors import show_unexpected

    _log.error("unexpected error on a page", exc_info=exc)
    try:
        show_unexpected(st)
    except Exception:  # no page to draw on: the log line is all there is
        return False
    return True


#: The settings the startup line reports, as Streamlit holds them once it has loaded its config.
REPORTED = ("server.address", "server.allowedHosts", "server.enableCORS",
            "server.enableXsrfProtection", "server.maxUploadSize", "client.showErrorDetails",
            "browser.gatherUsageStats", "browser.serverAddress", "server.enableAgentApi",
            "client.disableDataExport",
            "server.headless")
#: After SIGTERM or Ctrl+C the server closes its connections and stops its sessions; if that
#: has not finished within this many seconds (a session stuck in a long analysis, a browser
#: holding a connection), the process exits anyway, so the port is free within 10 s.
STOP_GRACE_S = 6.0
#: The app's colours: a calm blue for buttons and selections instead of Streamlit's red, which
#: reads as an error on a first visit.
THEME = {"theme.primaryColor": "#2e6f8e"}


class _Stopped(Exception):
    """Raised by the stop signal's handler once the server has shut down."""


def _stop_now(signum, _frame) -> None:
    raise _Stopped(signal.Signals(signum).name)


#: True inside ``calmtone ui``'s server process (not in tests that run pages without one).
SERVING = False


def _lifespan(url: str | None):
    """At startup (inside the server, on the main thread): log the security settings in
    effect, arm the stop watchdog, say that a real server runs (:data:`SERVING`), and open
    ``url`` in the browser when asked."""

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        from streamlit import config

        effective = {key: config.get_option(key) for key in REPORTED}
        _log.info("security settings in effect: %s", json.dumps(effective, sort_keys=True))
        _arm_stop_watchdog()
        global SERVING
        SERVING = True  # the app's first run starts the watch for takes deleted elsewhere
        if url:
            import threading
            import webbrowser

            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        yield None

    return lifespan


def _arm_stop_watchdog() -> None:
    """Wrap the web server's own SIGTERM/SIGINT handlers (which start a graceful shutdown) so
    that a shutdown still running after :data:`STOP_GRACE_S` ends the process."""
    import os
    import threading

    def exit_late() -> None:
        _log.warning("the app did not stop within %.0f s; exiting now", STOP_GRACE_S)
        os._exit(0)

    for signum in (signal.SIGTERM, signal.SIGINT):
        graceful = signal.getsignal(signum)
        if not callable(graceful) or graceful is _stop_now:
            continue

        def handler(sig, frame, graceful=graceful) -> None:
            timer = threading.Timer(STOP_GRACE_S, exit_late)
            timer.daemon = True
            timer.start()
            graceful(sig, frame)

        signal.signal(signum, handler)


def serve(host: str, port: int, *, db: str | None = None, extra_hosts: tuple[str, ...] = (),
          tls: tuple[str, str] | None = None, browser: bool = False) -> int:
    """Run the app on ``host``:``port`` until Ctrl+C or SIGTERM; returns the exit status (0
    after a clean stop).

    ``db`` is the history (a ``postgresql://`` URL or a folder; None: ``CALMTONE_DB`` or
    ``CALMTONE_HOME``): a non-loopback ``host`` is allowed only when it has accounts. With
    ``browser``, open the app in the default browser once it listens.
    """
    import os

    from prosody.errors import ProsodyError
    from prosody.store import DB_ENV, Store, location

    where = location(db)
    os.environ[DB_ENV] = where  # the app's sessions open the same history
    try:
        with Store.open(where) as store:
            accounts = store.has_accounts()
    except ProsodyError as exc:
        print(f"calmtone ui: {exc}", file=sys.stderr)
        return 2
    problem = host_refusal(host, accounts=accounts, extra_hosts=extra_hosts)
    if problem:
        print(f"calmtone ui: {problem}", file=sys.stderr)
        return 2
    warning = plain_http_warning(host, tls=tls)
    if warning:
        print(f"calmtone ui: warning: {warning}", file=sys.stderr, flush=True)
    import streamlit as st
    from starlette.middleware import Middleware

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s",
                        stream=sys.stderr)
    hosts = allowed_hosts(host, extra_hosts)
    scheme = "https" if tls else "http"
    url = f"{scheme}://{_url_host(host)}:{port}"
    app = st.App(APP, middleware=[Middleware(LocalOnly, hosts=hosts, port=port)],
                 on_script_error=_on_script_error,
                 lifespan=_lifespan(url if browser else None))
    mode = "clinic mode: everyone signs in" if accounts else "local mode"
    print(f"Calm Tone Coach ({mode}): {url}  (Ctrl+C to stop)", flush=True)
    # the web server handles the signals while it runs (a graceful shutdown) and raises them
    # again once it has stopped: then these end the process quietly, with status 0
    previous = {sig: signal.signal(sig, _stop_now) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        app.run(config={**security_options(host, port, extra_hosts=extra_hosts, tls=tls),
                        **THEME})
    except _Stopped as stop:
        print(f"Calm Tone Coach stopped ({stop}).", flush=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
