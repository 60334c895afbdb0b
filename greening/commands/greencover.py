"""Green cover commands: ``import-raster FILE``, ``rasters`` (list / remove / recompute) and
``green-cover`` (village, town or county figures with the change and the flags)."""
from __future__ import annotations

import pandas as pd

from greening.actor import Actor

__all__ = ["register"]


def register(sub) -> None:
    p = sub.add_parser("import-raster", help="导入土地覆盖/冠层栅格 / import a land-cover or canopy raster "
                                             "(GeoTIFF or COG, any CRS) and compute village green cover")
    p.add_argument("file")
    p.add_argument("--kind", required=True, choices=["landcover", "canopy"])
    p.add_argument("--year", required=True, type=int, help="the year the raster shows")
    p.add_argument("--classes", help="landcover: tree=10+95,shrub=20 (default, ESA WorldCover); "
                                     "canopy: tree>=5 (height, m) or tree=1 (0/1 mask, default)")
    p.add_argument("--nodata", type=float, help="nodata value when the file declares none")
    p.add_argument("--source", help="provenance, e.g. 'ESA WorldCover 10 m v200' (default: file name)")
    p.add_argument("--note", help="free note kept with the layer")
    p.set_defaults(func=_import)

    p = sub.add_parser("rasters", help="栅格图层 / the raster layers in force, with provenance")
    p.add_argument("--remove", type=int, metavar="ID", help="remove layer ID (its figures stop counting)")
    p.add_argument("--recompute", type=int, metavar="ID",
                   help="recompute layer ID's village figures (after new village boundaries)")
    p.set_defaults(func=_rasters)

    p = sub.add_parser("green-cover", help="村庄绿化覆盖率 / green cover by county (or town with --county), "
                                           "change since the earlier raster, flagged villages")
    p.add_argument("--county", metavar="ADCODE", help="one county (6-digit adcode)")
    p.add_argument("--csv", metavar="F", help="write the village rows as CSV (UTF-8 with BOM)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD")
    p.set_defaults(func=_green_cover)


def _session():
    from greening.db import get_engine, session_scope
    from greening.permissions import install_scope

    actor = Actor.system("rasters")
    scope = session_scope(get_engine())

    class _Ctx:
        def __enter__(self):
            s = scope.__enter__()
            install_scope(s, actor)
            return s, actor

        def __exit__(self, *exc):
            return scope.__exit__(*exc)

    return _Ctx()


def progress_printer(out=None):
    """A ``progress(stage, fraction)`` for :func:`greening.greencover.layers.import_raster` that
    prints a line (Chinese / English) on each new stage and every 10 % of the village part."""
    import sys

    from greening.i18n import t

    stream = out or sys.stderr
    last: list = [None, -1]

    def say(stage: str, fraction: float) -> None:
        step = int(fraction * 10) if stage == "villages" else 0
        if [stage, step] == last:
            return
        last[:] = [stage, step]
        pct = f"{10 * step} %" if stage == "villages" else "…"
        print(" / ".join(t("rasters.progress", lang, stage=t(f"rasters.stage.{stage}", lang), pct=pct)
                         for lang in ("zh", "en")), file=stream, flush=True)

    return say


def _import(args) -> int:
    from pathlib import Path

    from greening.greencover.layers import import_raster

    with _session() as (s, actor):
        layer = import_raster(s, actor, Path(args.file), kind=args.kind, year=args.year,
                              classes=args.classes, nodata=args.nodata, source=args.source,
                              note=args.note, progress=progress_printer())
        print(f"已导入图层 #{layer.id} / imported layer #{layer.id}: {layer.kind} {layer.year}, "
              f"{layer.width:,} x {layer.height:,} px at about {layer.res_m:.1f} m, {layer.crs} "
              f"({layer.crs_name}), nodata {layer.nodata:g}, classes {layer.classes}, "
              f"sha256 {layer.sha256[:16]}…")
        print(f"村庄绿化覆盖率已计算 / green cover computed for {layer.villages_computed:,} villages"
              + (f"; {layer.note}" if layer.note else ""))
    return 0


def _rasters(args) -> int:
    from greening.db import get_engine
    from greening.greencover.layers import layers_frame, recompute_layer, remove_layer

    if args.remove or args.recompute:
        with _session() as (s, actor):
            if args.remove:
                remove_layer(s, actor, args.remove)
                print(f"已移除图层 #{args.remove} / removed layer #{args.remove}")
            if args.recompute:
                n = recompute_layer(s, actor, args.recompute)
                print(f"已重新计算 {n} 个村 / recomputed {n} villages of layer #{args.recompute}")
        return 0
    with get_engine().connect() as conn:
        frame = layers_frame(conn)
    if not len(frame):
        print("尚无栅格图层 / no raster layers yet (python -m greening import-raster FILE ...)")
        return 0
    for r in frame.to_dict("records"):
        print(f"#{r['id']} {r['kind']} {r['year']} · {r['source']} · {r['crs']} · {r['width']:,}x{r['height']:,} px "
              f"≈{r['res_m']:.1f} m · nodata {r['nodata']:g} · {r['classes']} · {r['villages_computed']:,} "
              f"villages · sha256 {str(r['sha256'])[:16]}…" + (" · 示例 demo" if r["is_demo"] else ""))
    return 0


def _pct(x, digits=1) -> str:
    return "—" if pd.isna(x) else f"{100 * float(x):.{digits}f}%"


def _green_cover(args) -> int:
    from greening.commands.coverage import _pad, _result, _write_csv

    args.county = getattr(args, "county", None)
    r = _result(args)
    layers = r.cover_layers
    if layers is None or layers.current is None:
        print("尚无栅格图层 / no raster layer for this date: import one with python -m greening import-raster")
        return 0
    v = r.villages
    print("村庄绿化覆盖率 / green cover, from:")
    for col, label in (("gc_layer_id", "当前 current"), ("gc_pair_layer_id", "变化 change, later"),
                       ("gc_prev_layer_id", "变化 change, earlier 上期")):
        for layer_id, n in v[col].dropna().astype(int).value_counts().sort_index().items():
            lay = layers.get(layer_id)
            print(f"  {label}: #{layer_id} {lay['year']} {lay['source']} ({n:,} villages)")
    table = r.towns if args.county else r.counties
    print(_pad("代码 code", 14) + _pad("名称 name", 22) + "绿化覆盖率  缺失   变化(百分点)")
    for row in table.itertuples(index=False):
        change = row.green_change
        print(f"{row.code:<14}{_pad(row.name if isinstance(row.name, str) else '', 22)}"
              f"{_pct(row.green_cover):>9} {_pct(row.cover_missing, 0):>6} "
              f"{'—' if pd.isna(change) else f'{100 * float(change):+.1f}':>8}")
    flagged = v[v["not_visible"].fillna(False).astype(bool)]
    print(f"上报植树未见成效 / reported plantings not visible: {len(flagged)} villages")
    for row in flagged.itertuples(index=False):
        print(f"  {row.code} {row.name}: {float(row.trees_since_prev_per_ha):.0f} trees/ha, "
              f"{100 * float(row.green_change):+.1f} pp")
    if args.csv:
        cols = ["code", "name", "area_km2", "green_cover", "tree_cover", "shrub_cover", "cover_missing",
                "green_cover_prev", "green_change", "block_share", "trees_since_prev",
                "trees_since_prev_per_ha", "not_visible"]
        _write_csv(pd.DataFrame(v)[cols], args.csv)
    return 0
