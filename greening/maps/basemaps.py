"""Basemaps: OpenStreetMap, Tianditu (天地图, with the user's key), Amap/Gaode (GCJ-02) and none.

Data is stored in WGS 84. Tianditu's CGCS2000 lines up with WGS 84 at map scales; Amap's tiles are
drawn in GCJ-02, so over Amap every geometry is shifted to GCJ-02 before drawing and every point
picked on the map is shifted back before it is used (:func:`picked_to_wgs84`).
"""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

import folium

from greening.geo.gcj02 import gcj02_to_wgs84
from greening.validation.errors import Refusal

__all__ = ["Basemap", "BASEMAPS", "available_basemaps", "add_basemap", "picked_to_wgs84", "NO_BASEMAP"]

NO_BASEMAP = "none"


@dataclass(frozen=True)
class Basemap:
    id: str
    datum: str  # "wgs84" | "gcj02"
    needs_key: bool = False


BASEMAPS: dict[str, Basemap] = {
    "osm": Basemap("osm", "wgs84"),
    "tianditu": Basemap("tianditu", "wgs84", needs_key=True),
    "amap": Basemap("amap", "gcj02"),
    NO_BASEMAP: Basemap(NO_BASEMAP, "wgs84"),
}

_OSM = ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors')
_AMAP = ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
         "&copy; 高德地图 AutoNavi")
_TIANDITU = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
             "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
             "&TILECOL={x}&tk={key}")


def available_basemaps(tianditu_key: str = "") -> list[str]:
    """Basemap ids offered to the user: Tianditu only when a key is configured."""
    return [b.id for b in BASEMAPS.values() if not b.needs_key or tianditu_key]


def add_basemap(m: folium.Map, basemap: str, tianditu_key: str = "") -> None:
    """Add the tile layers of ``basemap`` to ``m`` (a map created with ``tiles=None``)."""
    if basemap not in BASEMAPS:
        raise ValueError(f"unknown basemap {basemap!r}; expected one of {sorted(BASEMAPS)}")
    if basemap == "osm":
        folium.TileLayer(_OSM[0], attr=_OSM[1], name="OpenStreetMap", max_zoom=19,
                         control=False).add_to(m)
    elif basemap == "amap":
        folium.TileLayer(_AMAP[0], attr=_AMAP[1], name="高德地图", subdomains="1234", max_zoom=18,
                         control=False).add_to(m)
    elif basemap == "tianditu":
        if not tianditu_key:
            raise Refusal.of("tianditu_key_missing")
        key = urllib.parse.quote(tianditu_key, safe="")
        for layer, name in (("vec", "天地图矢量"), ("cva", "天地图注记")):
            folium.TileLayer(_TIANDITU.format(layer=layer, key=key, s="{s}", x="{x}", y="{y}", z="{z}"),
                             attr="&copy; 天地图 Tianditu", name=name, subdomains="01234567",
                             max_zoom=18, control=False).add_to(m)


def picked_to_wgs84(lat: float, lng: float, basemap: str) -> tuple[float, float]:
    """A point picked on ``basemap`` (Leaflet's lat, lng) as WGS 84 ``(lon, lat)`` for storage."""
    if BASEMAPS.get(basemap, BASEMAPS["osm"]).datum == "gcj02":
        lon, lat2 = gcj02_to_wgs84(float(lng), float(lat))
        return float(lon), float(lat2)
    return float(lng), float(lat)
