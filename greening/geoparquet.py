"""``export geoparquet``: the villages and plantings as a GeoParquet folder partitioned by county,
the input of the dask coverage engine (layout: :mod:`greening.coverage.engines.dataset`).

Plantings are read in chunks of :data:`CHUNK` rows (keyset pagination on ``id``), so memory stays
bounded whatever the table's size. The folder is written under a temporary name next to the
target and renamed at the end: an interrupted export leaves no half-written folder.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.coverage.engines import dataset
from greening.geodb import read_df, read_gdf, wkb_column
from greening.models import AdminArea, Planting
from greening.models.enums import AreaLevel
from greening.permissions import require, scope_clause
from greening.validation.errors import Refusal

__all__ = ["export_geoparquet", "GeoParquetExport", "CHUNK"]

CHUNK = 200_000


@dataclass
class GeoParquetExport:
    folder: Path
    villages: int
    plantings: int
    counties: int
    files: int


def export_geoparquet(session: Session, actor: Actor, out, county: str | None = None,
                      chunk: int = CHUNK) -> GeoParquetExport:
    """Write the actor's villages (with a boundary) and plantings (not deleted) to ``out``."""
    from greening.exports import _area_for

    require(actor, "export.run", _area_for(actor, county))
    target = Path(out)
    if target.exists() and any(target.iterdir()):
        raise Refusal.of("output_folder_not_empty", path=target)
    work = target.with_name(f".{target.name}.partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        conn = session.connection()
        a = AdminArea
        stmt = select(a.code, a.name, wkb_column(a.geom)).where(
            a.level == AreaLevel.VILLAGE, a.deleted_at.is_(None), a.geom.is_not(None),
            scope_clause(actor, a.code)).order_by(a.code)
        if county:
            stmt = stmt.where(a.code.startswith(county, autoescape=True))
        villages = read_gdf(conn, stmt)
        n_villages = dataset.write_villages(work, villages) if len(villages) else 0
        p = Planting
        last, part, n_plantings = 0, 0, 0
        while True:
            stmt = (select(p.id, p.claimed_village_code, p.village_code, p.planted_on, p.tree_count,
                           p.status, p.lon, p.lat)
                    .where(p.deleted_at.is_(None), p.id > last,
                           scope_clause(actor, p.claimed_village_code))
                    .order_by(p.id).limit(chunk))
            if county:
                stmt = stmt.where(p.claimed_village_code.startswith(county, autoescape=True))
            rows = read_df(conn, stmt)
            if rows.empty:
                break
            rows["planted_on"] = pd.to_datetime(rows["planted_on"])
            n_plantings += dataset.write_plantings(work, rows, part=part)
            last, part = int(rows["id"].iloc[-1]), part + 1
        files = dataset.plantings_files(work)
        counties = len({Path(f).parent.name for f in files}
                       | {d.name for d in (work / "villages").glob("county=*")})
        dataset.write_manifest(work, villages=n_villages, plantings=n_plantings, counties=counties,
                               plantings_files=len(files), scope=actor.scope_prefix,
                               county=county)
        if target.exists():
            target.rmdir()
        work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return GeoParquetExport(target, n_villages, n_plantings, counties, len(files))
