"""Green cover from rasters in the pages: the overlay for the maps, the village page's section."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from greening.i18n import fmt_pct
from ui import data
from ui.i18n_st import lang, tr
from ui.layout import md_escape, stacked_on_phone

__all__ = ["overlay_for", "village_section", "raster_upload_mb", "import_progress"]


class _ImportProgress:
    """``progress(stage, fraction)`` for ``import_raster`` drawn as a bar (the village part, the
    long one on a large raster, fills it from 10 % to 95 %); :meth:`finish` takes the bar away
    once the import succeeded or was refused, so it does not stay at "storing (95 %)"."""

    _START = {"checksum": 0.0, "check": 0.02, "overlay": 0.05, "villages": 0.10, "store": 0.95}

    def __init__(self):
        self.box = st.empty()
        self.bar = self.box.progress(0.0, text=tr("rasters.progress", stage=tr("rasters.stage.checksum"), pct="0 %"))

    def __call__(self, stage: str, fraction: float) -> None:
        share = self._START.get(stage, 0.0) + (0.85 * float(fraction) if stage == "villages" else 0.0)
        self.bar.progress(min(share, 1.0), text=tr("rasters.progress", stage=tr(f"rasters.stage.{stage}"),
                                                   pct=f"{100 * share:.0f} %"))

    def finish(self) -> None:
        self.box.empty()


def import_progress() -> _ImportProgress:
    """A progress bar for a raster import (see :class:`_ImportProgress`)."""
    return _ImportProgress()


def raster_upload_mb() -> int:
    """The raster uploader's limit in the browser, MB: ``GREENING_MAX_RASTER_MB`` but no more than
    the server takes in one request (``server.maxUploadSize``); larger files go through the CLI."""
    from greening.config import get_settings

    return max(1, min(int(get_settings().max_raster_mb), int(st.get_option("server.maxUploadSize"))))


def _layers(actor):
    return data.coverage(actor).get("cover_layers")


def overlay_for(actor) -> dict | None:
    """The map overlay of the raster most villages' figures come from, or None; with the other
    tiles of its map (the same kind, year and classes, not overlapping) as ``parts``."""
    from greening.greencover.layers import OVERLAY_URL
    from greening.greencover.tiles import tile_sets

    layers = _layers(actor)
    cur = getattr(layers, "current", None)
    if not cur or not cur.get("overlay_name") or not cur.get("overlay_bounds"):
        return None
    sets = tile_sets(layers.layers)
    home = sets.get(int(cur["id"]))
    parts = [{"url": f"{OVERLAY_URL}/{lay['overlay_name']}", "bounds": lay["overlay_bounds"]}
             for lid, lay in sorted(layers.layers.items())
             if sets.get(lid) == home and lay.get("overlay_name") and lay.get("overlay_bounds")]
    return {"url": f"{OVERLAY_URL}/{cur['overlay_name']}", "bounds": cur["overlay_bounds"],
            "name": tr("gc.overlay" if cur.get("kind") != "canopy" else "gc.overlay_canopy", year=cur["year"]),
            "parts": parts}


def _pct(x) -> str:
    return "—" if x is None or pd.isna(x) else fmt_pct(float(x), lang())


def village_section(actor, code: str) -> None:
    """Both figures (from above, and the planting blocks) with the raster's year and source."""
    frame = data.coverage(actor).get("villages")
    layers = _layers(actor)
    st.markdown(f"#### {tr('gc.title')}")
    row = None
    if frame is not None and len(frame):
        hit = frame[frame["code"] == code]
        row = hit.iloc[0] if len(hit) else None
    cur = layers.get(row["gc_layer_id"]) if layers is not None and row is not None else None
    left, right = stacked_on_phone("green_cover").columns(2)  # each figure with its sources, full width on a phone
    if cur is None:
        left.info(tr("gc.no_raster"))
    else:
        change = row.get("green_change")
        delta = None if pd.isna(change) else tr("gc.pp", value=f"{100 * float(change):+.1f}")
        left.metric(tr("gc.raster_figure"), _pct(row.get("green_cover")), delta=delta,
                    help=tr("gc.change") if delta else None)
        left.caption(tr("gc.source", year=int(cur["year"]), source=md_escape(str(cur["source"]))))
        prev = layers.get(row.get("gc_prev_layer_id"))
        later = layers.get(row.get("gc_pair_layer_id"))
        if prev is not None and later is not None and int(later["id"]) != int(cur["id"]):
            left.caption(tr("gc.change_between", later=int(later["year"]), later_source=md_escape(str(later["source"])),
                            year=int(prev["year"]), source=md_escape(str(prev["source"]))))
        elif prev is not None:
            left.caption(tr("gc.prev_source", year=int(prev["year"]), source=md_escape(str(prev["source"]))))
        shrub = row.get("shrub_cover")
        left.caption(tr("gc.tree_shrub", tree=_pct(row.get("tree_cover")), shrub=_pct(shrub)))
        missing = row.get("cover_missing")
        if not pd.isna(missing) and float(missing) > 0.0005:
            left.caption(tr("gc.missing", pct=_pct(missing)))
            if pd.isna(row.get("green_cover_judged")):
                left.warning(tr("gc.not_judged"))
        if bool(row.get("not_visible")) and not pd.isna(row.get("not_visible")):
            from greening.greencover.change import not_visible_text

            zh, en = not_visible_text(float(row["trees_since_prev_per_ha"]), 100 * float(change))
            left.error(md_escape(en if lang() == "en" else zh))
    blocks = None if row is None else row.get("block_share")
    if blocks is None or pd.isna(blocks):
        right.metric(tr("gc.block_figure"), "—")
        right.caption(tr("gc.no_blocks"))
    else:
        right.metric(tr("gc.block_figure"), _pct(blocks))


def layers_table(layers: pd.DataFrame) -> None:
    """The layers in force with their provenance, and the overlay picture of each."""
    from greening.greencover.layers import overlay_dir

    view = pd.DataFrame({
        "#": layers["id"], tr("rasters.kind"): layers["kind"].map(lambda k: tr(f"rasters.kind.{k}")),
        tr("rasters.year"): layers["year"],
        tr("rasters.source"): layers["source"] + layers["is_demo"].map(lambda d: f"（{tr('gc.demo')}）" if d else ""),
        tr("rasters.col.crs"): layers["crs"] + " " + layers["crs_name"].fillna(""),
        tr("rasters.col.resolution"): layers["res_m"].map(lambda m: f"≈{m:.1f} m"),
        tr("rasters.col.size"): [f"{w:,} × {h:,}" for w, h in zip(layers["width"], layers["height"], strict=True)],
        "nodata": layers["nodata"].map(lambda v: f"{v:g}"),
        tr("rasters.col.classes"): layers["classes"].map(str),
        tr("rasters.col.villages"): layers["villages_computed"],
        tr("rasters.col.checksum"): layers["sha256"].str[:16] + "…",
        tr("rasters.col.imported"): layers["created_at"].astype(str).str[:16],
    })
    st.dataframe(view, hide_index=True)
    shown = layers[layers["overlay_name"].notna()].head(2)
    if len(shown):
        cols = st.columns(len(shown))
        for col, row in zip(cols, shown.itertuples(index=False), strict=True):
            path = overlay_dir() / str(row.overlay_name)
            if path.exists():
                col.image(str(path), caption=f"#{row.id} {row.year}", width=260)
