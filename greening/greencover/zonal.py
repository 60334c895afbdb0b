"""Green cover per village from a raster: exact fractional pixel coverage, band by band.

For every village the result is areas in m² (of the equal-area CRS of
:func:`greening.geo.crs.areas_m2`): ``area_m2`` (the village), ``observed_m2`` (the part of it
the raster holds valid data for), and inside the observed part ``tree_m2``, ``shrub_m2`` and
``green_m2`` (tree or shrub, counted once). A village partly outside the raster, or over nodata
pixels, has ``observed_m2 < area_m2``: that part is *missing*, never counted as not green.

Every pixel is weighted by the share of it inside the village (fractional coverage, as
``exactextract`` gives). Two engines give the same answer:

- ``"scanline"`` (default, :mod:`greening.greencover.scanline`): the raster is read in bands
  of rows; boundary pixels get their exact covered share by signed-area accumulation along
  rows, interior runs are counted from per-row prefix sums of the class codes. Memory is one
  band plus the village edges; no per-village raster reads.
- ``"exactextract"``: ``exactextract`` on each window of :data:`WINDOW` pixels (classified in
  memory), results summed over windows. The reference the tests compare with.

Shares are computed in the raster's own grid: ``observed share = Σ coverage of valid pixels /
(village area in the raster CRS / pixel area)``; the equal-area ``area_m2`` then turns shares
into m². (In a geographic raster a pixel's ground area changes with latitude by under 0.1 %
across a village, so the ratio is unaffected.)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["ClassSpec", "village_cover", "WINDOW", "TREE", "SHRUB", "OTHER", "NODATA"]

WINDOW = 2048
TREE, SHRUB, OTHER, NODATA = 1, 2, 0, 255
_CODES = 3  # OTHER, TREE, SHRUB


@dataclass(frozen=True)
class ClassSpec:
    """Which raster values are tree and shrub cover.

    Land cover: ``tree`` / ``shrub`` are lists of class values (ESA WorldCover: tree 10 and
    mangroves 95, shrubland 20). Canopy: ``tree_min`` is the smallest value counted as canopy
    (1 for a 0/1 mask, a height in metres for a canopy-height raster); there is no shrub class.
    """

    kind: str
    nodata: float
    tree: tuple[float, ...] = ()
    shrub: tuple[float, ...] = ()
    tree_min: float | None = None

    def classify(self, values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Codes (uint8) of a block of raster values; ``mask``: True where the file says invalid."""
        out = np.zeros(values.shape, dtype=np.uint8)
        if self.kind == "canopy":
            thr = 1.0 if self.tree_min is None else self.tree_min
            with np.errstate(invalid="ignore"):
                out[values >= thr] = TREE
        else:
            out[np.isin(values, self.tree)] = TREE
            out[np.isin(values, self.shrub)] = SHRUB
        bad = values == self.nodata
        if values.dtype.kind == "f":
            bad |= ~np.isfinite(values)
        if mask is not None:
            bad |= mask
        out[bad] = NODATA
        return out


def village_cover(path, villages, spec: ClassSpec, *, engine: str = "scanline",
                  band_pixels: int = 4_000_000,
                  progress: Callable[[float], None] | None = None) -> pd.DataFrame:
    """Per village of ``villages`` (GeoDataFrame with ``code``, any CRS) the areas above.

    Rows in the order of ``villages``; a village the raster does not reach has
    ``observed_m2 == 0`` (and zero green), i.e. it is wholly missing.
    """
    import rasterio
    import shapely

    from greening.geo.crs import area_m2 as areas

    if engine not in ("scanline", "exactextract"):
        raise ValueError(f"unknown engine {engine!r}")
    codes = villages["code"].astype(str).to_numpy()
    n = len(codes)
    gs = villages.geometry if villages.crs is not None else villages.geometry.set_crs(4326)
    area_m2 = np.asarray(areas(gs), dtype=float)
    sums = np.zeros((n, _CODES), dtype=np.float64)  # covered pixels by code (OTHER, TREE, SHRUB)
    with rasterio.open(path) as ds:
        geoms = shapely.make_valid(gs.to_crs(ds.crs).to_numpy())
        pixel = abs(ds.transform.a * ds.transform.e - ds.transform.b * ds.transform.d)
        poly_pixels = shapely.area(geoms) / pixel
        if engine == "scanline":
            _scanline(ds, geoms, spec, sums, band_pixels, progress)
        else:
            windows = list(_windows(ds, geoms, WINDOW))
            tree = shapely.STRtree(geoms)
            for k, win in enumerate(windows):
                _one_window(ds, win, geoms, tree, spec, sums)
                if progress:
                    progress((k + 1) / len(windows))
    observed_px = sums.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        to_m2 = np.where(poly_pixels > 0, area_m2 / poly_pixels, 0.0)
    observed = np.minimum(observed_px * to_m2, area_m2)
    tree_m2 = sums[:, TREE] * to_m2
    shrub_m2 = sums[:, SHRUB] * to_m2
    return pd.DataFrame({
        "code": codes, "area_m2": area_m2, "observed_m2": observed,
        "tree_m2": np.minimum(tree_m2, observed),
        "shrub_m2": np.minimum(shrub_m2, observed) if spec.kind != "canopy" else np.nan,
        "green_m2": np.minimum(tree_m2 + shrub_m2, observed),
    })


def _read_codes(ds, win, spec: ClassSpec) -> np.ndarray:
    from rasterio.enums import MaskFlags

    values = ds.read(1, window=win, masked=False)
    mask = None
    if ds.nodata is None and MaskFlags.per_dataset in ds.mask_flag_enums[0]:
        mask = ds.read_masks(1, window=win) == 0  # an internal mask band instead of a nodata value
    return spec.classify(values, mask)


def _scanline(ds, geoms, spec: ClassSpec, sums: np.ndarray, band_pixels: int, progress) -> None:
    from rasterio import windows

    from greening.greencover.scanline import band_sums, edges_in_pixels

    area = _extent(ds, geoms)
    if area is None:
        return
    c0, r0, c1, r1 = area
    t = windows.transform(windows.Window(c0, r0, c1 - c0, r1 - r0), ds.transform)
    edges, _ = edges_in_pixels(geoms, t)
    band = max(16, band_pixels // max(c1 - c0, 1))
    for r in range(0, r1 - r0, band):
        h = min(band, r1 - r0 - r)
        codes = _read_codes(ds, windows.Window(c0, r0 + r, c1 - c0, h), spec)
        sums += band_sums(edges, r, codes, len(geoms), _CODES)
        if progress:
            progress(min(1.0, (r + h) / (r1 - r0)))


def _extent(ds, geoms):
    """(col0, row0, col1, row1) of the raster's pixels that the villages' box touches, or None."""
    import shapely
    from rasterio.windows import from_bounds

    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    win = from_bounds(x0, y0, x1, y1, transform=ds.transform)
    c0 = max(int(np.floor(win.col_off)) - 1, 0)
    r0 = max(int(np.floor(win.row_off)) - 1, 0)
    c1 = min(int(np.ceil(win.col_off + win.width)) + 1, ds.width)
    r1 = min(int(np.ceil(win.row_off + win.height)) + 1, ds.height)
    if c1 <= c0 or r1 <= r0:
        return None
    return c0, r0, c1, r1


def _windows(ds, geoms, size: int):
    """Windows of the raster (``size`` square) inside the villages' box."""
    from rasterio.windows import Window

    area = _extent(ds, geoms)
    if area is None:
        return
    c0, r0, c1, r1 = area
    for r in range(r0, r1, size):
        for c in range(c0, c1, size):
            yield Window(c, r, min(size, c1 - c), min(size, r1 - r))


def _one_window(ds, win, geoms, tree, spec: ClassSpec, sums: np.ndarray) -> None:
    """``exactextract`` over one window, classified in memory; sums added to ``sums``."""
    import geopandas as gpd
    import shapely
    from exactextract import exact_extract
    from exactextract.raster import NumPyRasterSource
    from rasterio import windows

    t = windows.transform(win, ds.transform)
    h, w = int(win.height), int(win.width)
    xmin, xmax = sorted((t.c, t.c + t.a * w))
    ymin, ymax = sorted((t.f, t.f + t.e * h))
    hits = tree.query(shapely.box(xmin, ymin, xmax, ymax), predicate="intersects")
    if not len(hits):
        return
    codes = _read_codes(ds, win, spec)
    if t.e > 0:  # exactextract expects row 0 at the top (north-up)
        codes = codes[::-1]
    if t.a < 0:
        codes = codes[:, ::-1]
    src = NumPyRasterSource(np.ascontiguousarray(codes), xmin, ymin, xmax, ymax, nodata=NODATA,
                            srs_wkt=ds.crs.to_wkt())
    frame = gpd.GeoDataFrame({"i": np.arange(len(hits))}, geometry=geoms[hits], crs=ds.crs)
    res = exact_extract(src, frame, ["unique", "frac", "count"], include_cols=["i"], output="pandas")
    for i, values, fracs, count in zip(res["i"], res["unique"], res["frac"], res["count"], strict=True):
        if not count:
            continue
        for v, f in zip(values, fracs, strict=True):
            if int(v) < _CODES:
                sums[hits[int(i)], int(v)] += f * count
