"""Checking a land-cover or canopy raster before it is imported, and its overlay picture.

:func:`inspect_raster` opens a GeoTIFF / Cloud-Optimised GeoTIFF with rasterio and refuses it,
naming the problem in Chinese then English (:class:`RasterRefused`), when:

- it is not a GeoTIFF, cannot be read, or has more than one band;
- its CRS is missing or unknown to PROJ, or it is not georeferenced (no or a rotated transform);
- its footprint does not overlap Zhanjiang's boundary (e.g. a tile over Guangzhou);
- no nodata value is declared (in the file, or given with ``nodata=``) and it has no mask band;
- it is larger than ``GREENING_MAX_RASTER_MB`` or ``GREENING_MAX_RASTER_PIXELS``;
- a land-cover raster is not of an integer type, or a class value cannot occur in its type;
- the year is outside 1980 .. next year.

:func:`parse_classes` reads ``tree=10+95,shrub=20`` (land cover) or ``tree>=5`` (canopy).
:func:`make_overlay` draws the raster's Zhanjiang part as a small transparent PNG in Web Mercator
(tree dark green, shrub light green, everything else clear) for the map.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from greening.greencover.zonal import NODATA, SHRUB, TREE, ClassSpec
from greening.validation.errors import Refusal

__all__ = ["RasterRefused", "RasterInfo", "inspect_raster", "parse_classes", "DEFAULT_CLASSES",
           "make_overlay", "sha256_of", "KINDS", "OVERLAY_MAX_PX"]

KINDS = ("landcover", "canopy")
#: ESA WorldCover: 10 tree cover, 95 mangroves (tree canopy), 20 shrubland.
DEFAULT_CLASSES: dict[str, dict] = {"landcover": {"tree": [10, 95], "shrub": [20]}, "canopy": {"tree_min": 1.0}}
OVERLAY_MAX_PX = 1400
_COLOURS = {TREE: (27, 120, 55, 190), SHRUB: (166, 217, 106, 170)}


class RasterRefused(Refusal):
    """A raster that cannot be imported; ``code`` and the message name the problem (``RasterRefused.of``)."""


@dataclass
class RasterInfo:
    """What the checks found: the raster's grid, CRS, footprint and the classes to count."""

    path: Path
    kind: str
    year: int
    crs: str
    crs_name: str
    width: int
    height: int
    res_x: float
    res_y: float
    res_m: float
    dtype: str
    nodata: float
    bounds: list[float]  # WGS 84 [west, south, east, north]
    classes: dict
    size_bytes: int
    zhanjiang_share: float  # share of Zhanjiang's box the raster covers
    notes: list[str] = field(default_factory=list)

    @property
    def spec(self) -> ClassSpec:
        return spec_of(self.kind, self.nodata, self.classes)


def spec_of(kind: str, nodata: float, classes: dict) -> ClassSpec:
    if kind == "canopy":
        return ClassSpec("canopy", float(nodata), tree_min=float(classes.get("tree_min", 1.0)))
    return ClassSpec("landcover", float(nodata), tuple(classes.get("tree", ())),
                     tuple(classes.get("shrub", ())))


def parse_classes(text: str | None, kind: str) -> dict:
    """``tree=10+95,shrub=20`` -> {"tree": [10, 95], "shrub": [20]}; canopy ``tree>=5`` or
    ``tree=5`` -> {"tree_min": 5.0}. Empty: :data:`DEFAULT_CLASSES`."""
    if kind not in KINDS:
        raise RasterRefused.of("raster_kind_bad", kind=kind)
    if not text or not text.strip():
        return {k: (list(v) if isinstance(v, list) else v) for k, v in dict(DEFAULT_CLASSES[kind]).items()}
    out: dict = {}
    for item in text.split(","):
        item = item.strip()
        name, sep, value = item.replace(">=", "=").partition("=")
        name = name.strip().lower()
        if not sep or name not in ("tree", "shrub"):
            raise RasterRefused.of("raster_class_unreadable", item=item)
        try:
            numbers = [float(v) for v in value.split("+") if v.strip()]
        except ValueError:
            raise RasterRefused.of("raster_class_not_numbers", item=item) from None
        if not numbers:
            raise RasterRefused.of("raster_class_empty", item=item)
        if kind == "canopy":
            if name != "tree" or len(numbers) != 1:
                raise RasterRefused.of("raster_canopy_one_threshold")
            out["tree_min"] = numbers[0]
        else:
            if any(v != int(v) for v in numbers):
                raise RasterRefused.of("raster_class_not_integer", item=item)
            out[name] = [int(v) for v in numbers]
    if kind == "landcover":
        out.setdefault("tree", [])
        out.setdefault("shrub", [])
        both = set(out["tree"]) & set(out["shrub"])
        if both:
            raise RasterRefused.of("raster_class_both", values=sorted(both))
        if not out["tree"] and not out["shrub"]:
            raise RasterRefused.of("raster_no_class")
    return out


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _zhanjiang():
    from greening.geo.boundaries import load_city

    return load_city().geometry.union_all()


def inspect_raster(path, kind: str, year: int, *, classes: str | dict | None = None,
                   nodata: float | None = None, settings=None) -> RasterInfo:
    """Open and check ``path``; return what an import needs, or raise :class:`RasterRefused`."""
    import rasterio
    import shapely
    from pyproj import CRS
    from rasterio.errors import RasterioIOError
    from rasterio.warp import transform_bounds

    from greening.config import get_settings

    s = settings or get_settings()
    path = Path(path)
    name = path.name
    cls = parse_classes(classes, kind) if not isinstance(classes, dict) else classes
    this_year = dt.date.today().year
    if not isinstance(year, int) or not 1980 <= year <= this_year + 1:
        raise RasterRefused.of("raster_year_bad", year=year, latest=this_year + 1)
    if not path.is_file():
        raise RasterRefused.of("raster_file_missing", name=name, path=path)
    size = path.stat().st_size
    if size > s.max_raster_mb * 2**20:
        raise RasterRefused.of("raster_too_large", name=name, size_mb=f"{size / 2**20:,.0f}",
                                  limit_mb=f"{s.max_raster_mb:,}")
    try:
        ds = rasterio.open(path)
    except RasterioIOError as exc:
        raise RasterRefused.of("raster_unreadable", name=name, reason=str(exc)) from None
    with ds:
        if ds.driver != "GTiff":
            raise RasterRefused.of("raster_not_geotiff", name=name, driver=ds.driver)
        if ds.count != 1:
            raise RasterRefused.of("raster_bands", name=name, bands=ds.count)
        pixels = ds.width * ds.height
        if pixels > s.max_raster_pixels:
            raise RasterRefused.of("raster_too_many_pixels", name=name, pixels=f"{pixels:,}",
                                      limit=f"{s.max_raster_pixels:,}")
        if ds.crs is None:
            raise RasterRefused.of("raster_no_crs", name=name)
        try:
            crs = CRS.from_user_input(ds.crs.to_wkt())
        except Exception as exc:  # noqa: BLE001 - pyproj raises CRSError and friends
            raise RasterRefused.of("raster_crs_unknown", name=name, reason=str(exc)) from None
        if not (crs.is_geographic or crs.is_projected):
            raise RasterRefused.of("raster_crs_kind", name=name, crs=crs.name)
        t = ds.transform
        if t.is_identity or ds.transform.b != 0 or ds.transform.d != 0:
            raise RasterRefused.of("raster_not_georeferenced", name=name)
        declared = ds.nodata if nodata is None else float(nodata)
        from rasterio.enums import MaskFlags

        has_mask = MaskFlags.per_dataset in ds.mask_flag_enums[0]
        if declared is None and not has_mask:
            raise RasterRefused.of("raster_no_nodata", name=name)
        dtype = ds.dtypes[0]
        if kind == "landcover":
            if not np.issubdtype(np.dtype(dtype), np.integer):
                raise RasterRefused.of("raster_landcover_not_integer", name=name, dtype=dtype)
            info = np.iinfo(np.dtype(dtype))
            bad = [v for v in (*cls["tree"], *cls["shrub"]) if not info.min <= v <= info.max]
            if bad:
                raise RasterRefused.of("raster_class_out_of_range", values=bad, dtype=dtype)
        try:
            w, so, e, n = transform_bounds(ds.crs, "EPSG:4326", *ds.bounds, densify_pts=21)
        except Exception as exc:  # noqa: BLE001 - PROJ errors for a footprint it cannot convert
            raise RasterRefused.of("raster_footprint_unconvertible", name=name, reason=str(exc)) from None
        city = _zhanjiang()
        foot = shapely.box(w, so, e, n)
        share = city.intersection(foot).area / city.area if city.area else 0.0
        if not foot.intersects(city) or share <= 0:
            raise RasterRefused.of("raster_outside_zhanjiang", name=name, west=f"{w:.2f}", east=f"{e:.2f}",
                                   south=f"{so:.2f}", north=f"{n:.2f}")
        res_x, res_y = abs(t.a), abs(t.e)
        if crs.is_geographic:
            res_m = float(np.sqrt(res_x * 111_320 * np.cos(np.radians((so + n) / 2)) * res_y * 110_574))
        else:
            res_m = float(np.sqrt(res_x * res_y) * crs.axis_info[0].unit_conversion_factor)
        epsg = crs.to_epsg()
        notes = []
        if share < 0.999:
            notes.append(f"覆盖湛江市面积的 {100 * share:.0f}%，其余村庄部分记为缺失 / covers {100 * share:.0f} % "
                         "of Zhanjiang; the rest is reported as missing")
        if declared is None:
            notes.append("无数据由掩膜波段标出 / nodata comes from the file's mask band")
        return RasterInfo(
            path=path, kind=kind, year=year, crs=f"EPSG:{epsg}" if epsg else crs.to_string()[:80],
            crs_name=crs.name[:200], width=ds.width, height=ds.height, res_x=res_x, res_y=res_y,
            res_m=res_m, dtype=dtype, nodata=float(declared if declared is not None else NODATA),
            bounds=[w, so, e, n], classes=cls, size_bytes=size, zhanjiang_share=share, notes=notes)


def make_overlay(path: Path, spec: ClassSpec, out: Path, *, max_px: int = OVERLAY_MAX_PX,
                 clip=(109.6, 20.1, 111.0, 22.0)) -> list[list[float]] | None:
    """A transparent PNG of ``path``'s part inside ``clip`` (lon/lat box), at most ``max_px``
    wide, in Web Mercator; returns its Leaflet bounds [[south, west], [north, east]], or None
    when the raster does not reach the box."""
    import rasterio
    from PIL import Image
    from rasterio.enums import Resampling
    from rasterio.warp import reproject, transform_bounds
    from rasterio.windows import from_bounds

    with rasterio.open(path) as ds:
        w, s, e, n = transform_bounds("EPSG:4326", ds.crs, *clip, densify_pts=21)
        win = from_bounds(w, s, e, n, transform=ds.transform).intersection(
            rasterio.windows.Window(0, 0, ds.width, ds.height))
        if win.width < 1 or win.height < 1:
            return None
        step = max(1.0, max(win.width, win.height) / max_px)
        shape = (max(1, int(win.height / step)), max(1, int(win.width / step)))
        values = ds.read(1, window=win, out_shape=shape, resampling=Resampling.nearest)
        src_t = rasterio.windows.transform(win, ds.transform) * rasterio.Affine.scale(
            win.width / shape[1], win.height / shape[0])
        codes = spec.classify(values)
        west, south, east, north = transform_bounds(ds.crs, "EPSG:4326",
                                                    *rasterio.windows.bounds(win, ds.transform))
        west, south, east, north = max(west, clip[0]), max(south, clip[1]), min(east, clip[2]), min(north, clip[3])
        mx0, my0, mx1, my1 = transform_bounds("EPSG:4326", "EPSG:3857", west, south, east, north)
        width = shape[1]
        height = max(1, int(round(width * (my1 - my0) / (mx1 - mx0))))
        dst = np.full((height, width), NODATA, dtype=np.uint8)
        dst_t = rasterio.transform.from_bounds(mx0, my0, mx1, my1, width, height)
        reproject(codes, dst, src_transform=src_t, src_crs=ds.crs, dst_transform=dst_t,
                  dst_crs="EPSG:3857", resampling=Resampling.nearest, src_nodata=NODATA,
                  dst_nodata=NODATA)
    rgba = np.zeros((height, width, 4), dtype=np.uint8)
    for code, colour in _COLOURS.items():
        rgba[dst == code] = colour
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgba, "RGBA").save(out, optimize=True)
    return [[south, west], [north, east]]
