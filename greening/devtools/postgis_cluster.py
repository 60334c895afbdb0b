"""A throwaway PostgreSQL + PostGIS cluster on loopback, for tests, benchmarks and CI.

Needs Debian's ``postgresql-15`` and ``postgresql-15-postgis-3`` (scripts/setup.sh installs
them). The cluster lives in a temporary folder, runs with fsync off and is removed on stop.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PostgisCluster", "find_pg_bin", "start_cluster"]


def find_pg_bin() -> Path | None:
    """The newest PostgreSQL server bin folder that also has PostGIS, or None."""
    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        version = Path(bindir).parent.name
        if (Path(bindir) / "initdb").exists() and glob.glob(
            f"/usr/share/postgresql/{version}/extension/postgis.control"
        ):
            return Path(bindir)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


@dataclass
class PostgisCluster:
    bindir: Path
    datadir: Path
    port: int
    dbname: str = "greening_test"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{self.dbname}"

    def create_database(self, name: str) -> str:
        """Create another database with PostGIS in this cluster; returns its URL."""
        psql = [str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        _as_postgres([*psql, "-c", f'CREATE DATABASE "{name}"'])
        _as_postgres([*psql, "-d", name, "-c", "CREATE EXTENSION IF NOT EXISTS postgis"])
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            _as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop"])
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def start_cluster(dbname: str = "greening_test") -> PostgisCluster:
    """initdb, start on a free loopback port, create ``dbname`` with PostGIS. Raises on failure."""
    bindir = find_pg_bin()
    if bindir is None:
        raise RuntimeError(
            "PostgreSQL with PostGIS not found: apt-get install postgresql-15 postgresql-15-postgis-3"
        )
    root = Path(tempfile.mkdtemp(prefix="greening-pg-"))
    datadir = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = _free_port()
    _as_postgres([str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8"])
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -c fsync=off -c synchronous_commit=off " \
           f"-c full_page_writes=off -c unix_socket_directories={root} -c max_connections=200"
    _as_postgres([str(bindir / "pg_ctl"), "-D", str(datadir), "-o", opts, "-l", str(root / "log"),
                  "-w", "-t", "60", "start"])
    cluster = PostgisCluster(bindir=bindir, datadir=datadir, port=port, dbname=dbname)
    deadline = time.monotonic() + 30
    while True:
        try:
            cluster.create_database(dbname)
            break
        except subprocess.CalledProcessError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
    return cluster
