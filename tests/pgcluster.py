"""A throw-away PostgreSQL cluster for the tests and the clinic benchmark.

Debian's ``postgresql`` package (installed by ``.ci/run``) puts ``initdb`` and ``pg_ctl`` in
``/usr/lib/postgresql/<version>/bin``. The cluster lives in a new temporary folder, listens on a
unix socket in that folder (and on 127.0.0.1 only when a port is asked for), trusts local
connections, and is removed when stopped. PostgreSQL refuses to run as root, so when the tests
run as root (as CI does) ``initdb`` and the server run as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


def pg_bin(name: str) -> str:
    """The path of a PostgreSQL server program (``initdb``, ``pg_ctl``)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise RuntimeError(f"PostgreSQL's {name} is not installed; run "
                       "`apt-get install postgresql` (as .ci/run does).")


class Cluster:
    """A PostgreSQL server of its own, in a temporary folder.

    Parameters
    ----------
    port : int or None
        also listen on 127.0.0.1 at this port (None: the unix socket only)
    durable : bool
        False turns off fsync and synchronous commit: faster, and enough for tests in which
        only client processes die, never the server
    """

    def __init__(self, *, port: int | None = None, durable: bool = False) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="calmtone-pg-"))
        self.data = self.root / "data"
        self.port = port or 5432
        self.tcp = port is not None
        self.durable = durable
        self._as_postgres = os.geteuid() == 0
        self._databases = 0

    def _run(self, *argv: str) -> subprocess.CompletedProcess:
        cmd = list(argv)
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> Cluster:
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        os.chmod(self.root, 0o700)
        self._run(pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        options = [f"-k {self.root}", f"-p {self.port}",
                   "-c listen_addresses=" + ("127.0.0.1" if self.tcp else "''"),
                   "-c max_connections=100"]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
                  "-o", " ".join(options), "-w", "-t", "60", "start")
        return self

    def url(self, database: str = "postgres", *, tcp: bool = False) -> str:
        """A URL of one database of the cluster, by the socket (or by 127.0.0.1)."""
        if tcp:
            return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"
        return f"postgresql://postgres@/{database}?host={self.root}&port={self.port}"

    def new_database(self, *, tcp: bool = False) -> str:
        """Create an empty database; its URL."""
        import psycopg

        self._databases += 1
        name = f"calmtone_{self._databases}_{int(time.time() * 1000) % 10**8}"
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return self.url(name, tcp=tcp)

    def stop(self) -> None:
        try:
            self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, RuntimeError):
            pass
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
