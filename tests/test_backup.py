"""Backup and restore (docs/reliability.md case 25): a backup taken while a thread keeps writing, restored into a
fresh instance, has exactly the counts and checksums of its manifest (both backends)."""
from __future__ import annotations

import datetime as dt
import io
import tarfile
import threading
import uuid

import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from greening.actor import Actor
from greening.backup import RestoreMismatch, backup, database_stats, read_manifest, restore
from greening.config import override_settings
from greening.db import make_engine, session_scope
from greening.permissions import install_scope
from greening.photos import store_photo
from greening.services.plantings import PlantingInput, create_planting
from tests.fixtures import campaign

ADMIN = Actor.system("tests")


def _jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (seed * 40 % 255, 90, 30)).save(out, "JPEG")
    return out.getvalue()


def _write(engine, sub: str, code: str = "440802001001"):
    lon, lat = campaign.centre(code)
    with session_scope(engine) as s:
        install_scope(s, ADMIN)
        p, _ = create_planting(s, ADMIN, PlantingInput(sub, code, dt.date(2024, 3, 12), "荔枝", 3, "庭院", lon, lat))
        return p.id


def _empty_target(request, backend, tmp_path) -> str:
    """A brand-new, empty database for the restore (no schema)."""
    if backend == "spatialite":
        return f"sqlite:///{tmp_path / 'restored' / 'greening.sqlite'}"
    cluster, base = request.getfixturevalue("postgis_server")
    name = "r_" + uuid.uuid4().hex[:10]
    if cluster is not None:
        return cluster.create_database(name)
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def live(fresh_engine, tmp_path):
    """A database with a small campaign, plantings and photos (settings point at ``tmp_path``)."""
    with override_settings(data_dir=tmp_path / "data"):
        with session_scope(fresh_engine) as s:
            install_scope(s, ADMIN)
            campaign.build(s)
        ids = [_write(fresh_engine, f"base-{i}") for i in range(5)]
        for i, pid in enumerate(ids[:3]):
            with session_scope(fresh_engine) as s:
                install_scope(s, ADMIN)
                store_photo(s, ADMIN, pid, _jpeg(i), f"p{i}.jpg")
        yield fresh_engine


def test_backup_during_writes_restores_exactly(request, backend, live, tmp_path):
    stop = threading.Event()
    written: list[str] = []
    errors: list[BaseException] = []

    def writer():
        n = 0
        while not stop.is_set():
            try:
                sub = f"live-{n}"
                _write(live, sub, "440802001002")
                written.append(sub)
                n += 1
            except BaseException as exc:  # noqa: BLE001 - asserted below
                errors.append(exc)
                return

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 3:
            stop.wait(0.02)
        archive = backup(live, tmp_path / "backup.tar.gz")
        while len(written) < 3 + 3:  # keep writing after the snapshot too
            stop.wait(0.02)
    finally:
        stop.set()
        thread.join(30)
    assert not errors, errors
    manifest = read_manifest(archive)
    assert 5 + 3 <= manifest["counts"]["plantings"] < 5 + len(written)
    assert manifest["counts"]["photos"] == 3 and len(manifest["photos"]) == 6  # photo + thumbnail each
    with tarfile.open(archive) as tar:
        assert {m.name for m in tar.getmembers()} >= {"manifest.json", manifest["database_file"]}

    target = _empty_target(request, backend, tmp_path)
    report = restore(archive, database_url=target, photo_dir=tmp_path / "restored-photos")
    assert report.counts == manifest["counts"] and report.plantings_sha256 == manifest["plantings_sha256"]
    assert sorted(p.name for p in (tmp_path / "restored-photos").iterdir()) == sorted(e["name"] for e in manifest["photos"])
    engine = make_engine(target)
    try:
        with engine.connect() as conn:
            assert database_stats(conn)["counts"]["plantings"] == manifest["counts"]["plantings"]
        # the restored instance works: a new planting can be written and located
        _write(engine, "after-restore")
    finally:
        engine.dispose()

    with pytest.raises(FileExistsError):  # never over an existing database
        restore(archive, database_url=target, photo_dir=tmp_path / "restored-photos")


def test_damaged_archive_is_refused(live, tmp_path):
    archive = backup(live, tmp_path / "b.tar.gz")
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name.startswith("database"):
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    with pytest.raises(RestoreMismatch):
        restore(damaged, database_url=f"sqlite:///{tmp_path / 'x.sqlite'}", photo_dir=tmp_path / "ph")


def test_data_commands_round_trip(tmp_path, capsys):
    """The CLI on one backend (the functions it wraps are tested on both)."""
    from greening.cli import main
    from greening.importers.template import TEMPLATE_HEADERS
    from tests.test_import_ledger import csv_bytes, template_row

    url = f"sqlite:///{tmp_path / 'cli' / 'greening.sqlite'}"
    with override_settings(database_url=url, data_dir=tmp_path / "cli"):
        assert main(["migrate"]) == 0
        engine = make_engine(url)
        with session_scope(engine) as s:
            install_scope(s, ADMIN)
            campaign.build(s)
        engine.dispose()
        ledger = tmp_path / "ledger.csv"
        ledger.write_bytes(csv_bytes(TEMPLATE_HEADERS, [template_row("cli-1"), template_row("cli-2", **{"数量（株）": "x"})]))
        assert main(["import-ledger", str(ledger)]) == 0
        assert "第 3 行" in capsys.readouterr().out
        assert main(["import-ledger", str(ledger), "--apply"]) == 2  # errors not accepted: nothing written
        assert main(["import-ledger", str(ledger), "--apply", "--accept-valid"]) == 0
        assert main(["ledger-template", "--out", str(tmp_path / "t.xlsx")]) == 0
        assert main(["export", "csv", "--what", "plantings", "--out", str(tmp_path / "p.csv")]) == 0
        assert "cli-1" in (tmp_path / "p.csv").read_text(encoding="utf-8-sig")
        assert main(["backup", "--out", str(tmp_path / "b.tar.gz")]) == 0
        target = f"sqlite:///{tmp_path / 'restored.sqlite'}"
        assert main(["restore", str(tmp_path / "b.tar.gz"), "--database-url", target,
                     "--photo-dir", str(tmp_path / "ph")]) == 0
        assert "restored and verified" in capsys.readouterr().out
