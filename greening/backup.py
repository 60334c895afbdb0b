"""Backup and restore (docs/reliability.md case 25): a consistent copy taken while the app is writing, restored
into a fresh instance and checked against its manifest.

An archive (``.tar.gz``) holds the database copy, the photos folder and ``manifest.json``: the
row count of every table, a SHA-256 of the plantings ordered by id, and each photo's SHA-256.

- SpatiaLite: SQLite's online backup API copies the whole file in one step inside one read
  transaction, so the copy is a snapshot even while others write (WAL lets them go on). The
  manifest is computed from the copy itself.
- PostGIS: the manifest is computed in a REPEATABLE READ transaction whose snapshot is exported
  and handed to ``pg_dump -Fc --snapshot``, so the dump and the manifest see exactly the same rows.

:func:`restore` writes into a new SpatiaLite file or an empty PostGIS database, then recomputes
the manifest there and refuses (:class:`RestoreMismatch`) if anything differs.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import Engine, make_url

from greening.config import get_settings
from greening.models import Base, Planting
from greening.validation.catalogue import message
from greening.validation.errors import OperationRefused, Refusal

__all__ = ["backup", "restore", "database_stats", "read_manifest", "RestoreMismatch", "RestoreReport",
           "MANIFEST", "FORMAT_VERSION"]

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
_SQLITE_NAME = "database.sqlite"
_PG_NAME = "database.dump"


class RestoreMismatch(OperationRefused, RuntimeError):
    """The restored database (or photos) do not match the manifest; ``problems`` lists each difference."""

    def __init__(self, problems: list[str]):
        shown = "; ".join(problems[:10])
        zh, en = message("restore_mismatch", problems=shown)
        super().__init__("restore_mismatch", zh, en, {"problems": shown})
        self.problems = problems


class RestoreTargetInUse(OperationRefused, FileExistsError):
    """A restore refused because its target already holds a database (restores write only new ones)."""


class BackupToolFailed(OperationRefused, RuntimeError):
    """pg_dump failed (its error output is in the message)."""


class BackupToolMissing(OperationRefused, FileNotFoundError):
    """pg_dump or pg_restore is not installed."""


@dataclass
class RestoreReport:
    database_url: str
    counts: dict[str, int]
    plantings_sha256: str
    photos: int
    warnings: list[str] = field(default_factory=list)


# -- the manifest ------------------------------------------------------------------------------------
_CHECKED = ("id", "submission_id", "content_hash", "village_code", "claimed_village_code", "planted_on",
            "species_id", "tree_count", "lon", "lat", "status", "version", "deleted_at")


def database_stats(conn) -> dict:
    """Row counts of every table and a SHA-256 of the plantings ordered by id (same on both backends)."""
    counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
              for t in Base.metadata.sorted_tables}
    digest = hashlib.sha256()
    t = Planting.__table__
    rows = conn.execute(select(*(t.c[c] for c in _CHECKED)).order_by(t.c.id))
    for row in rows:
        values = list(row)
        values[5] = values[5].isoformat() if values[5] is not None else ""
        values[8], values[9] = f"{values[8]:.9f}", f"{values[9]:.9f}"
        values[12] = "deleted" if values[12] is not None else ""
        digest.update(("\x1f".join("" if v is None else str(v) for v in values) + "\n").encode("utf-8"))
    revision = None
    if inspect(conn).has_table("alembic_version"):
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return {"counts": counts, "plantings_sha256": digest.hexdigest(), "alembic_revision": revision}


def _photo_entries(photo_dir: Path) -> list[dict]:
    if not photo_dir.exists():
        return []
    out = []
    for path in sorted(p for p in photo_dir.iterdir() if p.is_file() and not p.name.endswith(".part")):
        out.append({"name": path.name, "size": path.stat().st_size,
                    "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
    return out


# -- SpatiaLite ------------------------------------------------------------------------------------
def _plain_sqlite_engine(path: Path) -> Engine:
    """An engine on a SQLite file without SpatiaLite or WAL set-up: for reading counts only."""
    import sqlean

    return create_engine(f"sqlite:///{path}", module=sqlean.dbapi2)


def _sqlite_copy(engine: Engine, target: Path) -> dict:
    import sqlean

    raw = engine.raw_connection()
    try:
        dst = sqlean.connect(str(target))
        try:
            driver = raw.driver_connection
            assert driver is not None, "a pooled connection always holds its driver connection"
            driver.backup(dst)  # the whole file in one step: one consistent snapshot
        finally:
            dst.close()
    finally:
        raw.close()
    copy = _plain_sqlite_engine(target)
    try:
        with copy.connect() as conn:
            stats = database_stats(conn)
    finally:
        copy.dispose()
    con = sqlean.connect(str(target))
    try:
        con.execute("PRAGMA journal_mode=DELETE")  # one self-contained file in the archive
    finally:
        con.close()
    return stats


# -- PostGIS ---------------------------------------------------------------------------------------
def _pg_tool(name: str) -> str:
    from greening.devtools.postgis_cluster import find_pg_bin

    bindir = find_pg_bin()
    if bindir is not None and (bindir / name).exists():
        return str(bindir / name)
    found = shutil.which(name)
    if not found:
        raise BackupToolMissing.of("pg_tool_missing", name=name)
    return found


def _libpq(url) -> tuple[str, dict]:
    """A libpq URI without the password, and the environment carrying it."""
    url = make_url(str(url)) if not hasattr(url, "drivername") else url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _pg_dump(engine: Engine, target: Path) -> dict:
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            stats = database_stats(conn)
            uri, env = _libpq(engine.url)
            result = subprocess.run([_pg_tool("pg_dump"), "-Fc", "--no-owner", f"--snapshot={snapshot}",
                                     "-f", str(target), "-d", uri], env=env, capture_output=True, text=True)
            if result.returncode != 0:
                raise BackupToolFailed.of("pg_dump_failed", reason=result.stderr.strip()[:500])
    return stats


# -- backup ----------------------------------------------------------------------------------------
def backup(engine: Engine, out: str | Path | None = None, *, photo_dir: str | Path | None = None) -> Path:
    """Write a backup archive of ``engine``'s database and the photos; returns its path.

    ``out`` defaults to ``settings.backup_dir / greening-YYYYmmdd-HHMMSS.tar.gz``.
    """
    settings = get_settings()
    photo_dir = Path(photo_dir) if photo_dir is not None else settings.photo_dir
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path(out) if out is not None else settings.backup_dir / f"greening-{stamp}.tar.gz"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="greening-backup-") as tmp:
        sqlite = engine.dialect.name == "sqlite"
        db_name = _SQLITE_NAME if sqlite else _PG_NAME
        db_path = Path(tmp) / db_name
        stats = _sqlite_copy(engine, db_path) if sqlite else _pg_dump(engine, db_path)
        photos = _photo_entries(photo_dir)
        manifest = {"format": FORMAT_VERSION, "created_at": dt.datetime.now(dt.UTC).isoformat(),
                    "backend": "spatialite" if sqlite else "postgis", "database_file": db_name,
                    "database_sha256": hashlib.sha256(db_path.read_bytes()).hexdigest(),
                    **stats, "photos": photos}
        partial = out.with_name(out.name + ".part")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(dt.datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(db_path, arcname=db_name)
            for entry in photos:
                tar.add(photo_dir / entry["name"], arcname=f"photos/{entry['name']}")
        os.replace(partial, out)
    return out


def read_manifest(archive: str | Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile(MANIFEST)  # KeyError when missing; None when not a regular file
        if member is None:
            raise RestoreMismatch([f"{MANIFEST} in the archive is not a file"])
        return json.loads(member.read().decode("utf-8"))


# -- restore ---------------------------------------------------------------------------------------
def _compare(manifest: dict, stats: dict) -> list[str]:
    problems = []
    for table, n in manifest["counts"].items():
        got = stats["counts"].get(table)
        if got != n:
            problems.append(f"{table}: {got} rows, manifest {n}")
    if stats["plantings_sha256"] != manifest["plantings_sha256"]:
        problems.append("plantings checksum differs")
    return problems


def _restore_sqlite(archive_dir: Path, manifest: dict, url: str, force: bool) -> dict:
    from greening.db import make_engine

    database = make_url(url).database
    if not database:
        raise RestoreMismatch([f"the URL {url!r} names no database file"])
    target = Path(database)
    if target.exists() and target.stat().st_size > 0 and not force:
        raise RestoreTargetInUse.of("restore_target_file_exists", path=target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    partial = target.with_name(target.name + ".part")
    shutil.copyfile(archive_dir / _SQLITE_NAME, partial)
    os.replace(partial, target)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return database_stats(conn)
    finally:
        engine.dispose()


def _restore_postgis(archive_dir: Path, url: str) -> tuple[dict, list[str]]:
    from greening.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names()) - {"spatial_ref_sys"}
        if tables:
            raise RestoreTargetInUse.of("restore_target_not_empty", tables=", ".join(sorted(tables)[:5]))
        uri, env = _libpq(engine.url)
        result = subprocess.run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "-d", uri,
                                 str(archive_dir / _PG_NAME)], env=env, capture_output=True, text=True)
        warnings = [line for line in result.stderr.splitlines() if line.strip()] if result.returncode else []
        with engine.connect() as conn:
            return database_stats(conn), warnings
    finally:
        engine.dispose()


def _restore_photos(archive_dir: Path, manifest: dict, photo_dir: Path) -> list[str]:
    problems = []
    photo_dir.mkdir(parents=True, exist_ok=True)
    for entry in manifest.get("photos", []):
        source = archive_dir / "photos" / entry["name"]
        target = photo_dir / entry["name"]
        if not source.exists():
            problems.append(f"photo {entry['name']} missing from the archive")
            continue
        if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == entry["sha256"]:
            continue
        shutil.copyfile(source, target)
        if hashlib.sha256(target.read_bytes()).hexdigest() != entry["sha256"]:
            problems.append(f"photo {entry['name']} checksum differs")
    return problems


def restore(archive: str | Path, *, database_url: str | None = None, photo_dir: str | Path | None = None,
            force: bool = False) -> RestoreReport:
    """Restore ``archive`` into a fresh instance and verify it against the manifest.

    ``database_url``: a new SpatiaLite file (``sqlite:///path``) or an empty PostGIS database;
    default the configured database, which must then be empty or absent. ``photo_dir`` defaults to
    the configured one. Raises :class:`RestoreMismatch` when counts or checksums differ.
    """
    settings = get_settings()
    url = database_url or settings.resolved_database_url
    photo_dir = Path(photo_dir) if photo_dir is not None else settings.photo_dir
    with tempfile.TemporaryDirectory(prefix="greening-restore-") as tmp:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(tmp, filter="data")  # refuses absolute paths, "..", links out of the folder
        folder = Path(tmp)
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT_VERSION:
            raise Refusal.of("backup_format_unsupported", format=str(manifest.get("format")))
        db_file = folder / manifest["database_file"]
        if hashlib.sha256(db_file.read_bytes()).hexdigest() != manifest["database_sha256"]:
            raise RestoreMismatch(["database file checksum differs: the archive is damaged"])
        is_sqlite = url.startswith("sqlite")
        if is_sqlite != (manifest["backend"] == "spatialite"):
            raise Refusal.of("backup_backend_differs", backend=manifest["backend"], target=url.split(":", 1)[0])
        warnings: list[str] = []
        if is_sqlite:
            stats = _restore_sqlite(folder, manifest, url, force)
        else:
            stats, warnings = _restore_postgis(folder, url)
        problems = _compare(manifest, stats) + _restore_photos(folder, manifest, photo_dir)
    if problems:
        raise RestoreMismatch(problems)
    return RestoreReport(database_url=make_url(url).render_as_string(hide_password=True), counts=stats["counts"],
                         plantings_sha256=stats["plantings_sha256"], photos=len(manifest.get("photos", [])),
                         warnings=warnings)
