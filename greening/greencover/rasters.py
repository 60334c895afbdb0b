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

__all__ = ["RasterRefused", "RasterInfo", "inspect_raster", "parse_classes", "DEFAULT_CLASSES",
           "make_overlay", "sha256_of", "KINDS", "OVERLAY_MAX_PX"]

KINDS = ("landcover", "canopy")
#: ESA WorldCover: 10 tree cover, 95 mangroves (tree canopy), 20 shrubland.
DEFAULT_CLASSES: dict[str, dict] = {"landcover": {"tree": [10, 95], "shrub": [20]}, "canopy": {"tree_min": 1.0}}
OVERLAY_MAX_PX = 1400
_COLOURS = {TREE: (27, 120, 55, 190), SHRUB: (166, 217, 106, 170)}


class RasterRefused(ValueError):
    """A raster that cannot be imported; the message names the problem (Chinese / English)."""


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
        raise RasterRefused(f"类型 {kind!r} 无效，应为 landcover 或 canopy / --kind must be landcover or canopy")
    if not text or not text.strip():
        return {k: (list(v) if isinstance(v, list) else v) for k, v in dict(DEFAULT_CLASSES[kind]).items()}
    out: dict = {}
    for item in text.split(","):
        item = item.strip()
        name, sep, value = item.replace(">=", "=").partition("=")
        name = name.strip().lower()
        if not sep or name not in ("tree", "shrub"):
            raise RasterRefused(f"类别 {item!r} 无法识别，应写作 tree=10,shrub=20 / class {item!r} not "
                                "understood: write tree=10,shrub=20 (several values: tree=10+95)")
        try:
            numbers = [float(v) for v in value.split("+") if v.strip()]
        except ValueError:
            raise RasterRefused(f"类别 {item!r} 的取值不是数字 / class {item!r}: values must be numbers") from None
        if not numbers:
            raise RasterRefused(f"类别 {item!r} 没有取值 / class {item!r} has no value")
        if kind == "canopy":
            if name != "tree" or len(numbers) != 1:
                raise RasterRefused("冠层栅格只能指定一个阈值，如 tree>=5（米）或 tree=1（0/1 掩膜） / a canopy "
                                    "raster takes one threshold: tree>=5 (metres) or tree=1 (a 0/1 mask)")
            out["tree_min"] = numbers[0]
        else:
            if any(v != int(v) for v in numbers):
                raise RasterRefused(f"土地覆盖类别应为整数：{item!r} / land-cover classes are integers: {item!r}")
            out[name] = [int(v) for v in numbers]
    if kind == "landcover":
        out.setdefault("tree", [])
        out.setdefault("shrub", [])
        both = set(out["tree"]) & set(out["shrub"])
        if both:
            raise RasterRefused(f"类别值 {sorted(both)} 同时属于乔木和灌木 / values {sorted(both)} are both tree and shrub")
        if not out["tree"] and not out["shrub"]:
            raise RasterRefused("未指定乔木或灌木类别 / no tree or shrub class given")
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
        raise RasterRefused(f"年份 {year!r} 无效（应在 1980 至 {this_year + 1} 之间） / year {year!r} is "
                            f"not plausible (1980 to {this_year + 1})")
    if not path.is_file():
        raise RasterRefused(f"找不到文件 {name} / file not found: {path}")
    size = path.stat().st_size
    if size > s.max_raster_mb * 2**20:
        raise RasterRefused(f"{name} 大小 {size / 2**20:,.0f} MB，超过上限 {s.max_raster_mb:,} MB / "
                            f"{name} is {size / 2**20:,.0f} MB, over the {s.max_raster_mb:,} MB limit "
                            "(GREENING_MAX_RASTER_MB)")
    try:
        ds = rasterio.open(path)
    except RasterioIOError as exc:
        raise RasterRefused(f"{name} 无法作为栅格读取 / {name} cannot be read as a raster: {exc}") from None
    with ds:
        if ds.driver != "GTiff":
            raise RasterRefused(f"{name} 不是 GeoTIFF（格式 {ds.driver}）；请导出为 GeoTIFF 或 COG / "
                                f"{name} is not a GeoTIFF ({ds.driver}); export it as GeoTIFF or COG")
        if ds.count != 1:
            raise RasterRefused(f"{name} 有 {ds.count} 个波段，应为单波段 / {name} has {ds.count} bands; "
                                "one band (classes, canopy mask or height) is expected")
        pixels = ds.width * ds.height
        if pixels > s.max_raster_pixels:
            raise RasterRefused(f"{name} 有 {pixels:,} 个像元，超过上限 {s.max_raster_pixels:,} / {name} has "
                                f"{pixels:,} pixels, over the limit (GREENING_MAX_RASTER_PIXELS)")
        if ds.crs is None:
            raise RasterRefused(f"{name} 没有坐标参考系（CRS）/ {name} has no coordinate reference system; "
                                "assign one (e.g. gdal_edit.py -a_srs EPSG:4326) and import again")
        try:
            crs = CRS.from_user_input(ds.crs.to_wkt())
        except Exception as exc:  # noqa: BLE001 - pyproj raises CRSError and friends
            raise RasterRefused(f"{name} 的坐标参考系无法识别 / {name}: unknown CRS ({exc})") from None
        if not (crs.is_geographic or crs.is_projected):
            raise RasterRefused(f"{name} 的坐标参考系不是地理或投影坐标系（{crs.name}）/ {name}: CRS "
                                f"{crs.name!r} is neither geographic nor projected")
        t = ds.transform
        if t.is_identity or ds.transform.b != 0 or ds.transform.d != 0:
            raise RasterRefused(f"{name} 没有有效的地理配准（无变换或带旋转）/ {name} is not georeferenced "
                                "north-up (missing or rotated geotransform)")
        declared = ds.nodata if nodata is None else float(nodata)
        from rasterio.enums import MaskFlags

        has_mask = MaskFlags.per_dataset in ds.mask_flag_enums[0]
        if declared is None and not has_mask:
            raise RasterRefused(f"{name} 未声明无数据值（nodata）；请用 --nodata 指定，例如 ESA WorldCover 为 0 / "
                                f"{name} declares no nodata value: give it with --nodata (ESA WorldCover: 0)")
        dtype = ds.dtypes[0]
        if kind == "landcover":
            if not np.issubdtype(np.dtype(dtype), np.integer):
                raise RasterRefused(f"土地覆盖栅格应为整数类型，{name} 为 {dtype} / a land-cover raster holds "
                                    f"integer classes; {name} is {dtype} (use --kind canopy for heights)")
            info = np.iinfo(np.dtype(dtype))
            bad = [v for v in (*cls["tree"], *cls["shrub"]) if not info.min <= v <= info.max]
            if bad:
                raise RasterRefused(f"类别值 {bad} 超出 {dtype} 的取值范围 / class values {bad} cannot occur "
                                    f"in a {dtype} raster")
        try:
            w, so, e, n = transform_bounds(ds.crs, "EPSG:4326", *ds.bounds, densify_pts=21)
        except Exception as exc:  # noqa: BLE001 - PROJ errors for a footprint it cannot convert
            raise RasterRefused(f"{name} 的范围无法转换为经纬度 / {name}: footprint cannot be converted "
                                f"to WGS 84 ({exc})") from None
        city = _zhanjiang()
        foot = shapely.box(w, so, e, n)
        share = city.intersection(foot).area / city.area if city.area else 0.0
        if not foot.intersects(city) or share <= 0:
            raise RasterRefused(
                f"{name} 的范围（经度 {w:.2f}–{e:.2f}，纬度 {so:.2f}–{n:.2f}）与湛江市不重叠 / {name}'s "
                f"footprint (lon {w:.2f} to {e:.2f}, lat {so:.2f} to {n:.2f}) does not overlap Zhanjiang")
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
