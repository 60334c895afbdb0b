"""Spatial joins and area relations: points to villages, records to areas by code, nesting.

Points join to villages through :class:`~greening.coverage.index.VillageIndex` (see that module
for the method and the border rule). This module adds the index of the villages as a transaction
sees them (:func:`village_index`), the area a record counts for by its code (:func:`area_code_of`;
the code relations themselves are in :mod:`greening.area_codes`), the geometric check of the
nesting rule (:func:`check_nesting`), and areas in an equal-area CRS.
"""
from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import pandas as pd

from greening.area_codes import code_prefix_length, parent_codes
from greening.coverage.index import VillageIndex
from greening.geo.crs import AREA_CRS
from greening.models.enums import AreaLevel

__all__ = ["village_index", "area_code_of", "check_nesting", "areas_m2"]


# -- the villages as a transaction sees them ----------------------------------------------
def village_index(conn, *, changes: Mapping[str, object] | None = None) -> VillageIndex:
    """The index of every live village with a boundary, read in ``conn``'s transaction.

    Read on every call (about 0.1 s for 1,700 villages) and never cached between transactions,
    so it always matches the database the caller writes to, a change not yet committed included.
    ``changes`` maps village codes to the boundary they would have (None: retired), to see what a
    boundary import would do before writing it. The index is city-wide on purpose: a point's
    true village may lie outside the caller's own area, and that is what gets flagged.
    """
    from sqlalchemy import select

    from greening.geodb import read_gdf, wkb_column
    from greening.models import AdminArea

    gdf = read_gdf(conn, select(AdminArea.code, wkb_column(AdminArea.geom)).where(
        AdminArea.level == AreaLevel.VILLAGE, AdminArea.deleted_at.is_(None),
        AdminArea.geom.is_not(None)))
    layer = dict(zip(gdf["code"], gdf.geometry, strict=False))
    layer.update(changes or {})
    layer = {code: geom for code, geom in layer.items() if geom is not None}
    return VillageIndex(list(layer), list(layer.values()))


# -- codes and nesting --------------------------------------------------------------------
def area_code_of(codes: pd.Series, level: str) -> pd.Series:
    """The ``level`` area holding each record's area (for designations, teams, assignments
    attached by code); NA where the record's own area is above ``level``."""
    n = AreaLevel(level).code_prefix_len
    return parent_codes(codes, level).where(code_prefix_length(codes) >= n)


def check_nesting(children: gpd.GeoDataFrame, parents: gpd.GeoDataFrame,
                  level: str) -> pd.DataFrame:
    """Children whose representative point is not inside the parent their code names.

    Returns code, expected parent code, and the parent code the point actually falls in.
    """
    pts = children.geometry.representative_point()
    index = VillageIndex.from_frame(parents)
    found = index.locate_many(pts.x.to_numpy(), pts.y.to_numpy())
    expected = parent_codes(children["code"], level).to_numpy()
    bad = found != expected
    return pd.DataFrame({"code": children["code"].to_numpy()[bad],
                         "expected": expected[bad], "found": found[bad]})


def areas_m2(geoms: gpd.GeoSeries) -> pd.Series:
    """Areas in square metres in the equal-area :data:`AREA_CRS`, never in degrees."""
    gs = geoms if geoms.crs is not None else geoms.set_crs(4326)
    return gs.to_crs(AREA_CRS).area
