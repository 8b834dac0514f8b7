"""``calmtone ui``: the practice app in the browser. The only module of the product that imports
the app (``ui``), to start it."""

from __future__ import annotations


def add_parsers(sub) -> None:
    """Register ``ui`` on the ``calmtone`` sub-command parser."""
    u = sub.add_parser("ui", help="open the practice app in the browser (local only)")
    u.add_argument("--host", default="127.0.0.1",
                   help="address to listen on: this computer's own (loopback) address only, "
                        "127.0.0.1 by default; the app has no accounts, so any other is refused")
    u.add_argument("--port", type=int, default=8501)
    u.add_argument("--browser", action="store_true",
                   help="open the app in the default browser once it is ready")
    u.set_defaults(func=_cmd_ui)


def _cmd_ui(args) -> int:
    # Streamlit runs in this process, started by ui.server with its security settings fixed
    # and a Host/Origin guard in front of every route (why: see ui/server.py)
    from ui.server import serve

    return serve(args.host, args.port, browser=args.browser)
