"""``python -m bench greencover``: green cover per village over a 10 m land-cover raster.

A WorldCover-shaped raster (uint8 classes, nodata 0, 10 m in EPSG:32649) of the Zhanjiang
extent is generated into a temporary folder (removed afterwards), with 1,722 and 20,000
synthetic villages (:mod:`bench.synth`). Three engines compute tree / shrub / valid-data area
per village, each in its own process so its peak memory (ru_maxrss) can be read:

- ``ours``: :func:`greening.greencover.zonal.village_cover` (windows; interior pixels by
  rasterise + bincount, boundary pixels by exactextract);
- ``rasterstats``: ``rasterstats.zonal_stats(..., categorical=True)`` (pixel centres);
- ``bincount``: the whole raster and a village-id raster in memory, one ``numpy.bincount``.

The answers are compared (tree share per village, ours vs each peer, in percentage points).

    python -m bench.greencover worker ENGINE DIR VILLAGES REPORT   # one engine (internal)
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.timing import fmt_mb, fmt_s, run_child

__all__ = ["run", "write_raster"]

RES = 10.0
CRS = "EPSG:32649"
ENGINES = ("ours", "rasterstats", "bincount")
_CLASSES = (10, 20, 30, 40, 50, 60, 80, 95)
_WEIGHTS = (0.30, 0.08, 0.10, 0.30, 0.10, 0.04, 0.06, 0.02)


def write_raster(path: Path, res: float = RES, seed: int = 7) -> dict:
    """A land-cover GeoTIFF of the Zhanjiang box, written block by block (memory stays small)."""
    import numpy as np
    import rasterio
    from pyproj import Transformer
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    from bench.synth import ZHANJIANG_BOX

    x0, y0, x1, y1 = ZHANJIANG_BOX
    tf = Transformer.from_crs(4326, CRS, always_xy=True)
    xs, ys = tf.transform([x0, x1, x0, x1], [y0, y0, y1, y1])
    left, right, bottom, top = min(xs), max(xs), min(ys), max(ys)
    width, height = int((right - left) / res) + 1, int((top - bottom) / res) + 1
    rng = np.random.default_rng(seed)
    block = 2048
    profile = dict(driver="GTiff", width=width, height=height, count=1, dtype="uint8", crs=CRS,
                   transform=from_origin(left, top, res, res), nodata=0, tiled=True,
                   blockxsize=512, blockysize=512)
    cum = np.cumsum(_WEIGHTS) / sum(_WEIGHTS)
    classes = np.array(_CLASSES, dtype=np.uint8)
    with rasterio.open(path, "w", **profile) as dst:
        for r in range(0, height, block):
            for c in range(0, width, block):
                h, w = min(block, height - r), min(block, width - c)
                # patches of 16 x 16 pixels with a class each, 10 % of pixels another class
                ph, pw = -(-h // 16), -(-w // 16)
                patch = classes[np.searchsorted(cum, rng.random((ph, pw)))]
                data = np.repeat(np.repeat(patch, 16, axis=0), 16, axis=1)[:h, :w]
                noise = rng.random((h, w)) < 0.1
                data[noise] = classes[np.searchsorted(cum, rng.random(int(noise.sum())))]
                data[rng.random((h, w)) < 0.002] = 0  # scattered nodata (clouds)
                dst.write(data, 1, window=Window(c, r, w, h))
    return {"width": width, "height": height, "megapixels": width * height / 1e6,
            "mb": path.stat().st_size / 2**20}


def _villages(n: int):
    from bench.synth import ZHANJIANG_BOX, make_villages

    return make_villages(n, ZHANJIANG_BOX, seed=21)


def _worker(engine: str, folder: Path, n: int, report: Path) -> None:
    import numpy as np

    villages = _villages(n)
    raster = folder / "landcover.tif"
    t0 = time.perf_counter()
    if engine == "ours":
        from greening.greencover.zonal import ClassSpec, village_cover

        out = village_cover(raster, villages, ClassSpec("landcover", 0, (10, 95), (20,)))
        tree = (out["tree_m2"] / out["observed_m2"]).to_numpy()
    elif engine == "rasterstats":
        from rasterstats import zonal_stats

        stats = zonal_stats(villages.to_crs(CRS), str(raster), categorical=True, nodata=0)
        tree = np.array([(s.get(10, 0) + s.get(95, 0)) / max(sum(s.values()), 1) for s in stats])
    else:
        import rasterio
        from rasterio import features

        with rasterio.open(raster) as ds:
            values = ds.read(1)
            geoms = villages.to_crs(ds.crs).geometry.to_numpy()
            ids = features.rasterize(zip(geoms, range(1, len(geoms) + 1), strict=True),
                                     out_shape=values.shape, transform=ds.transform, fill=0,
                                     dtype="int32")
        k = 256
        counts = np.bincount(ids.ravel().astype(np.int64) * k + values.ravel(),
                             minlength=(len(geoms) + 1) * k).reshape(-1, k)[1:]
        valid = counts[:, 1:].sum(axis=1)
        tree = (counts[:, 10] + counts[:, 95]) / np.maximum(valid, 1)
    seconds = time.perf_counter() - t0
    report.write_text(json.dumps({"engine": engine, "villages": len(villages),
                                  "compute_s": seconds, "tree": [float(x) for x in tree]}))


def run(sizes=(1722, 20_000), say=print, res: float = RES, engines=ENGINES) -> list[dict]:
    """Every engine at every size in the same run; the rows printed and returned."""
    import numpy as np

    folder = Path(tempfile.mkdtemp(prefix="bench-greencover-"))
    rows: list[dict] = []
    try:
        t = time.perf_counter()
        info = write_raster(folder / "landcover.tif", res)
        say(f"raster: {info['width']:,} x {info['height']:,} = {info['megapixels']:.0f} megapixels "
            f"at {res:g} m ({info['mb']:.0f} MB uint8, tiled, uncompressed), written in "
            f"{time.perf_counter() - t:.0f} s")
        say(f"{'villages':>9} {'engine':<12} {'compute':>10} {'process':>10} {'ru_maxrss':>10}"
            f" {'max |Δ tree| vs ours':>22}")
        for n in sizes:
            results = {}
            for engine in engines:
                try:
                    results[engine] = run_child(
                        ["worker", engine, str(folder), str(n)], str(folder / f"{engine}.json"),
                        module="bench.greencover")
                except Exception as exc:  # noqa: BLE001 - a peer that cannot run is reported
                    say(f"{n:>9,} {engine:<12} could not run ({type(exc).__name__}: {exc})")
            ours = np.array(results["ours"]["tree"]) if "ours" in results else None
            for engine, r in results.items():
                diff = ""
                if ours is not None and engine != "ours":
                    d = np.abs(np.array(r["tree"]) - ours) * 100
                    diff = f"{np.nanmax(d):.2f} pp (mean {np.nanmean(d):.3f})"
                say(f"{r['villages']:>9,} {engine:<12} {fmt_s(r['compute_s']):>10} "
                    f"{fmt_s(r['wall_s']):>10} {fmt_mb(r['peak_mb']):>10} {diff:>22}")
                rows.append({k: r[k] for k in ("engine", "villages", "compute_s", "wall_s",
                                               "peak_mb")})
            peers = [results[e]["wall_s"] for e in ("rasterstats", "bincount") if e in results]
            if "ours" in results and peers:
                o = results["ours"]
                say(f"target at {n:,}: ours {o['wall_s']:.1f} s vs fastest peer {min(peers):.1f} s "
                    f"({'met' if o['wall_s'] <= min(peers) else 'MISSED'}), peak "
                    f"{o['peak_mb']:.0f} MB ({'met' if o['peak_mb'] < 1536 else 'MISSED'} < 1.5 GB)")
        return rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        _worker(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5]))
