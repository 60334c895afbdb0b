"""Raster layers in the database: importing one (checked, stored, computed), listing, removing,
recomputing, and reading the village figures back.

Files live under the data folder, ``rasters/<stored_name>`` (the original bytes, checksum in
the row); the overlay picture under ``static/rasters/`` so the app serves it itself. An import
writes the layer row (audited through the ORM), one :class:`VillageGreenCover` row per village
(bulk, with a summary audit row) and the two files, all or nothing: a failure removes the files
and the transaction rolls back.
"""
from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.audit import record
from greening.config import REPO_ROOT, get_settings
from greening.greencover import worker
from greening.greencover.rasters import RasterInfo, RasterRefused, sha256_of, spec_of
from greening.models import AdminArea, RasterLayer, VillageGreenCover
from greening.models.enums import AreaLevel
from greening.permissions import require
from greening.validation.errors import OperationRefused

__all__ = ["nodata_value", "import_raster", "overlay_path", "remove_layer", "recompute_layer", "layers_frame", "raster_dir",
           "overlay_dir", "OVERLAY_URL", "village_geometries", "compute_for_layer"]

OVERLAY_URL = "/app/static/rasters"


def raster_dir() -> Path:
    """Where imported raster files are kept: ``rasters/`` in the data folder."""
    s = get_settings()
    return Path(s.extra.get("raster_dir") or s.data_dir / "rasters")


def overlay_dir() -> Path:
    """Where overlay pictures go: ``static/rasters/``, served by the app at :data:`OVERLAY_URL`."""
    return Path(get_settings().extra.get("overlay_dir") or REPO_ROOT / "static" / "rasters")


def overlay_path(path: Path, kind: str, year: int) -> Path:
    """Where the overlay picture of the raster at ``path`` goes."""
    return overlay_dir() / f"{kind}-{year}-{sha256_of(path)[:16]}.png"


def village_geometries(conn):
    """Every village (not deleted) with its boundary, WGS 84, in code order."""
    from greening.geodb import read_gdf, wkb_column

    gdf = read_gdf(conn, select(AdminArea.code, wkb_column(AdminArea.geom)).where(
        AdminArea.level == AreaLevel.VILLAGE, AdminArea.deleted_at.is_(None),
        AdminArea.geom.is_not(None)).order_by(AdminArea.code))
    return gdf[~gdf.geometry.is_empty & gdf.geometry.notna()].reset_index(drop=True)


def compute_for_layer(session: Session, layer: RasterLayer, path: Path) -> int:
    """(Re)write the village rows of ``layer`` from the raster at ``path``; returns their number."""
    villages = village_geometries(session.connection())
    cover = None
    if len(villages):
        cover = worker.call("cover", _args=(path, villages, spec_of(layer.kind, layer.nodata, layer.classes)))
    return _write_cover(session, layer, cover)


def _write_cover(session: Session, layer: RasterLayer, cover: pd.DataFrame | None) -> int:
    session.execute(delete(VillageGreenCover).where(VillageGreenCover.layer_id == layer.id))
    if cover is None or not len(cover):
        return 0
    rows = [{"layer_id": layer.id, "village_code": r["code"], "area_m2": float(r["area_m2"]),
             "observed_m2": float(r["observed_m2"]), "tree_m2": float(r["tree_m2"]),
             "shrub_m2": None if pd.isna(r["shrub_m2"]) else float(r["shrub_m2"]),
             "green_m2": float(r["green_m2"])} for r in cover.to_dict("records")]
    session.execute(insert(VillageGreenCover), rows)
    return len(rows)


def nodata_value(text: str | None) -> float | None:
    """The nodata value typed on the import form ("" = the file's own); a refusal naming it otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise RasterRefused.of("raster_nodata_not_a_number", value=text[:20]) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise RasterRefused.of("raster_nodata_not_a_number", value=text[:20])
    return value


def import_raster(session: Session, actor: Actor, path, *, kind: str, year: int,
                  classes: str | dict | None = None, nodata: float | None = None,
                  source: str | None = None, note: str | None = None, is_demo: bool = False,
                  original_name: str | None = None, analysed: tuple | None = None,
                  progress: Callable[[str, float], None] | None = None) -> RasterLayer:
    """Check, store and compute a raster layer (see the module docstring); refuses with
    :class:`greening.greencover.rasters.RasterRefused` naming the problem. ``analysed``: the
    result of :func:`greening.greencover.worker.analyse` when the caller ran it already.
    ``progress(stage, fraction)`` hears how far it got: ``checksum``, ``check``, ``overlay``,
    ``villages`` (0-1, the long part on a large raster) and ``store``."""
    say = progress or (lambda stage, fraction: None)
    require(actor, "raster.import")
    path = Path(path)
    if not path.is_file():
        raise RasterRefused.of("raster_file_missing", name=path.name, path=path)
    say("checksum", 0.0)
    digest = sha256_of(path)
    same = session.scalar(select(RasterLayer).where(RasterLayer.sha256 == digest,
                                                    RasterLayer.kind == kind,
                                                    RasterLayer.deleted_at.is_(None)))
    if same is not None:
        raise RasterRefused.of("raster_already_imported", layer_id=same.id, year=same.year)
    name = original_name or path.name
    stem = _free_stem(session, f"{kind}-{year}-{digest[:16]}")
    stored = f"{stem}.tif"
    target = raster_dir() / stored
    overlay = overlay_dir() / f"{stem}.png"
    villages = village_geometries(session.connection()) if analysed is None else None
    # One child process checks the file, draws the overlay and computes every village: nothing
    # is written before the checks pass, and a refusal leaves no file behind.
    written: list[Path] = [overlay]
    try:
        info: RasterInfo
        info, bounds, cover = analysed or worker.call(
            "analyse", _args=(path, kind, year), classes=classes, nodata=nodata,
            settings=get_settings(), overlay=overlay, villages=villages, progress=say)
        say("store", 0.0)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        shutil.copyfile(path, tmp)
        tmp.replace(target)
        written.append(target)
        layer = RasterLayer(
            kind=kind, year=year, source=(source or name)[:300], original_name=name[:300],
            stored_name=stored, sha256=digest, size_bytes=info.size_bytes, crs=info.crs,
            crs_name=info.crs_name, width=info.width, height=info.height, res_x=info.res_x,
            res_y=info.res_y, res_m=info.res_m, dtype=info.dtype, nodata=info.nodata,
            bounds=[round(b, 6) for b in info.bounds], classes=info.classes,
            overlay_name=overlay.name if bounds is not None else None, overlay_bounds=bounds,
            note="；".join([*(info.notes or []), *([note] if note else [])]) or None,
            is_demo=is_demo)
        session.add(layer)
        session.flush()
        layer.villages_computed = _write_cover(session, layer, cover)
        record(session, actor, "compute", VillageGreenCover.__tablename__, layer.id,
               note=f"栅格 #{layer.id} 计算 {layer.villages_computed} 个村绿化覆盖率 / green cover of "
                    f"{layer.villages_computed} villages from layer #{layer.id}")
        session.flush()
    except BaseException:
        for f in written:
            f.unlink(missing_ok=True)
        raise
    return layer


def _free_stem(session: Session, stem: str) -> str:
    """``stem``, or ``stem-2``, ``stem-3``, ... when a layer (a removed one too: its file is kept
    for the record) already has that stored name, so importing the same file again after removing
    its layer neither clashes with the old row nor deletes the old file if it fails."""
    taken = set(session.scalars(select(RasterLayer.stored_name).where(RasterLayer.stored_name.like(f"{stem}%"))))
    n, out = 1, stem
    while f"{out}.tif" in taken:
        n += 1
        out = f"{stem}-{n}"
    return out


class RasterLayerMissing(OperationRefused, LookupError):
    """No such raster layer (or it was removed)."""


class RasterFileMissing(OperationRefused, FileNotFoundError):
    """The stored file of a raster layer is gone."""


def _live_layer(session: Session, layer_id: int) -> RasterLayer:
    """The layer ``layer_id`` unless it is missing or removed (LookupError)."""
    layer = session.get(RasterLayer, layer_id)
    if layer is None or layer.deleted_at is not None:
        raise RasterLayerMissing.of("raster_layer_missing", layer_id=layer_id)
    return layer


def recompute_layer(session: Session, actor: Actor, layer_id: int) -> int:
    """Recompute a layer's village figures (after a boundary import); returns villages written."""
    require(actor, "raster.import")
    layer = _live_layer(session, layer_id)
    path = raster_dir() / layer.stored_name
    if not path.exists():
        raise RasterFileMissing.of("raster_layer_file_missing", layer_id=layer_id, path=path)
    n = compute_for_layer(session, layer, path)
    layer.villages_computed = n
    record(session, actor, "compute", VillageGreenCover.__tablename__, layer.id,
           note=f"重新计算 {n} 个村 / recomputed {n} villages")
    return n


def remove_layer(session: Session, actor: Actor, layer_id: int) -> None:
    """Soft-delete a layer: its figures stop counting; file and rows stay for the record."""
    require(actor, "raster.import")
    layer = _live_layer(session, layer_id)
    layer.deleted_at = dt.datetime.now(dt.UTC)


def layers_frame(conn) -> pd.DataFrame:
    """Every layer in force (not removed), newest year first: provenance columns."""
    t = RasterLayer.__table__
    cols = ["id", "kind", "year", "source", "original_name", "crs", "crs_name", "width", "height",
            "res_m", "dtype", "nodata", "classes", "sha256", "size_bytes", "bounds", "overlay_name",
            "overlay_bounds", "villages_computed", "note", "is_demo", "created_at"]
    rows = conn.execute(select(*[t.c[c] for c in cols]).where(t.c.deleted_at.is_(None))
                        .order_by(t.c.year.desc(), t.c.id.desc())).all()
    return pd.DataFrame.from_records([tuple(r) for r in rows], columns=cols) if rows else \
        pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
