"""``calmtone ui``: the practice app in the browser. The only module of the product that imports
the app (``ui``), to start it."""

from __future__ import annotations

from .format import PORT
from .users import db_argument


def add_parsers(sub) -> None:
    """Register ``ui`` on the ``calmtone`` sub-command parser."""
    u = sub.add_parser("ui", help="open the practice app in the browser",
                       description="The practice app. Without accounts it serves this computer "
                                   "only; with accounts (calmtone users add) everyone signs in "
                                   "and it may serve a network (docs/clinic.md).")
    u.add_argument("--host", default="127.0.0.1",
                   help="address to listen on, 127.0.0.1 (this computer only) by default; any "
                        "other (0.0.0.0: every interface) only once the store has accounts")
    u.add_argument("--port", type=PORT, default=8501)
    u.add_argument("--db", metavar="URL", type=db_argument,
                   help="the database: postgresql://USER@HOST/DB, or a history folder "
                        "(default: CALMTONE_DB, else CALMTONE_HOME or the user data folder)")
    u.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                   help="a name the clinic's users reach the app by (repeat for several); "
                        "with --host 0.0.0.0 and none given, any name is answered")
    u.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this certificate (PEM)")
    u.add_argument("--tls-key", metavar="FILE", help="the certificate's private key (PEM)")
    u.add_argument("--browser", action="store_true",
                   help="open the app in the default browser once it is ready")
    u.set_defaults(func=_cmd_ui)


def _cmd_ui(args) -> int:
    # Streamlit runs in this process, started by ui.server with its security settings fixed
    # and a Host/Origin guard in front of every route (why: see ui/server.py)
    import sys

    from ui.server import serve

    if bool(args.tls_cert) != bool(args.tls_key):
        print("calmtone ui: give both --tls-cert and --tls-key (or neither).", file=sys.stderr)
        return 2
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
    return serve(args.host, args.port, db=args.db, extra_hosts=tuple(args.allowed_host),
                 tls=tls, browser=args.browser)
