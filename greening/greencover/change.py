"""Green cover per village as the coverage computation sees it: the current and the earlier
raster, the change between them, the planting-block figure, and the cross-check flag.

Which rasters, village by village (:func:`pick_rows`). Among the layers in force whose year is
at most the report date's year, a village's *current* figure comes from the latest year that
judges it (see below; the most recently imported on a tie), else from the latest that sees any
of it. Its *change* compares two layers of the same kind only (``gc_pair_…`` the later,
``gc_prev_…`` the earlier): a county's 5 m canopy mask against a 10 m land-cover map would
measure the difference of the products, not a gain in canopy. The current figure's kind is used
when it has an earlier layer of its own, else the other kind. So a county's own canopy raster
and a city-wide land-cover map can both be in force; ``gc_year`` / ``gc_layer_id``,
``gc_pair_year`` / ``gc_pair_layer_id`` and ``gc_prev_…`` say which layer each figure is from.

Columns added to the village frame (areas in m², so roll-ups sum them and towns, counties and
the city get area-weighted shares):

- ``gc_area_m2``, ``gc_observed_m2``, ``gc_tree_m2``, ``gc_shrub_m2``, ``gc_green_m2`` (current);
  ``gc_prev_area_m2``, ``gc_prev_observed_m2``, ``gc_prev_green_m2`` (earlier); ``gc_pair_…``
  (the later figures of the change, only for villages that have an earlier one: a town's change
  compares the same villages in both years);
- ``block_m2``: union of the village's planting-block polygons (clipped to it);
- derived by :func:`derive_cover`: ``green_cover`` = green / observed (NA when nothing is
  observed), ``tree_cover``, ``shrub_cover``, ``cover_missing`` = 1 − observed / area,
  ``green_cover_prev``, ``green_change`` = current − earlier share (0-1; ×100 for percentage
  points; NA unless both are judged), ``block_share`` = block area / area (NA with no blocks);
- ``trees_since_prev``: trees reported (not rejected) dated after 31 December of the earlier
  raster's year, up to the report date and 31 December of the current raster's year;
- ``not_visible``: the flag "reported plantings not visible": ``trees_since_prev`` per hectare
  ≥ ``GREENING_COVER_FLAG_TREES_PER_HA`` while ``green_change`` is below
  ``GREENING_COVER_FLAG_MIN_GAIN_PP`` percentage points.

A share is *judged* (used by rules, change and the flag) only when at most
``GREENING_COVER_MAX_MISSING`` of the village is missing on that raster; otherwise it is shown
with its missing share but counts as not known.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from greening.geodb import rows_frame

__all__ = ["CoverLayers", "pick_rows", "cover_columns", "derive_cover", "SUM_COLUMNS",
           "load_cover", "flag_frame"]

SUM_COLUMNS = ["gc_area_m2", "gc_observed_m2", "gc_tree_m2", "gc_shrub_m2", "gc_green_m2",
               "gc_prev_area_m2", "gc_prev_observed_m2", "gc_prev_green_m2", "gc_pair_area_m2",
               "gc_pair_observed_m2", "gc_pair_green_m2", "block_m2", "trees_since_prev"]


@dataclass(frozen=True)
class CoverLayers:
    """The rasters in use: ``layers`` (id -> provenance row as a dict); ``current`` /
    ``previous``: the layers most villages take their figures from (None without any)."""

    layers: dict
    current: dict | None
    previous: dict | None

    def get(self, layer_id) -> dict | None:
        if layer_id is None or pd.isna(layer_id):
            return None
        return self.layers.get(int(layer_id))


def pick_rows(rows: pd.DataFrame | None, max_missing: float) -> tuple[pd.DataFrame | None, ...]:
    """Per village, among ``rows`` (cover rows with ``layer_id``, ``year``, ``kind``): the
    *current* row = latest year whose missing share is at most ``max_missing`` (else the latest
    year that sees the village at all); and the pair the *change* is measured on, ``later`` and
    ``earlier``, always two layers of the same kind (a 0/1 canopy mask against a land-cover map
    would measure the products' difference, not a gain): the current row's kind when it has an
    earlier layer of its own kind, else the kind whose latest layer is the most recent. Within a
    kind the rows are ranked like the current one (judged first, then year, then import order).
    Returns ``(current, earlier, later)``."""
    if rows is None or not len(rows):
        return rows, rows, rows
    r = rows.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        miss = 1 - r["observed_m2"] / r["area_m2"].where(r["area_m2"] > 0)
    r["_judged"] = (miss <= max_missing + 1e-9).astype(int)
    r = r[r["observed_m2"] > 0]
    rank = ["village_code", "_judged", "year", "layer_id"]
    up = [True, False, False, False]
    r = r.sort_values(rank, ascending=up, kind="stable")
    current = r.drop_duplicates("village_code")
    # the latest row of each kind, and the latest earlier row of the same kind
    later = r.drop_duplicates(["village_code", "kind"])
    r2 = r.join(later.set_index(["village_code", "kind"])["year"].rename("_ly"), on=["village_code", "kind"])
    earlier = r2[r2["year"] < r2["_ly"]].drop_duplicates(["village_code", "kind"])
    pairs = later.merge(earlier[["village_code", "kind"]], on=["village_code", "kind"])
    ck = current.set_index("village_code")["kind"]
    pairs = pairs.assign(_cur=(pairs["kind"] == pairs["village_code"].map(ck)).astype(int))
    pairs = pairs.sort_values(["village_code", "_cur", "_judged", "year", "layer_id"],
                              ascending=[True, False, False, False, False], kind="stable")
    pair_later = pairs.drop_duplicates("village_code")
    pair_earlier = earlier.merge(pair_later[["village_code", "kind"]], on=["village_code", "kind"])
    keep = [c for c in rows.columns]
    return (current[keep].reset_index(drop=True), pair_earlier[keep].reset_index(drop=True),
            pair_later[keep].reset_index(drop=True))


def cover_columns(codes: pd.Index, current: pd.DataFrame | None, previous: pd.DataFrame | None,
                  blocks_m2: pd.Series | None = None,
                  trees_since: pd.Series | None = None,
                  later: pd.DataFrame | None = None) -> pd.DataFrame:
    """The raw columns above for villages ``codes`` from village rows of the layers
    (``village_code``, ``area_m2``, ``observed_m2``, ``tree_m2``, ``shrub_m2``, ``green_m2``);
    a frame indexed by village code. ``later``: the rows the change compares with ``previous``
    (:func:`pick_rows`), by default ``current``."""
    codes = pd.Index(codes, dtype=object)
    n = len(codes)
    out: dict[str, np.ndarray] = {}

    def take(frame, col):
        if frame is None or not len(frame):
            return np.full(n, np.nan)
        s = frame.drop_duplicates("village_code").set_index("village_code")[col]
        return s.reindex(codes).to_numpy(dtype=float)

    for col in ("area_m2", "observed_m2", "tree_m2", "shrub_m2", "green_m2"):
        out[f"gc_{col}"] = take(current, col)
    for col in ("area_m2", "observed_m2", "green_m2"):
        out[f"gc_prev_{col}"] = take(previous, col)
    has_prev = np.isfinite(out["gc_prev_observed_m2"])
    pair = current if later is None else later
    for col in ("area_m2", "observed_m2", "green_m2"):  # the later figures of villages with both
        out[f"gc_pair_{col}"] = np.where(has_prev, take(pair, col), np.nan)
    for col in ("layer_id", "year"):
        out[f"gc_{col}"] = take(current, col) if current is not None and col in current else np.full(n, np.nan)
        out[f"gc_prev_{col}"] = (take(previous, col) if previous is not None and col in previous
                                 else np.full(n, np.nan))
        out[f"gc_pair_{col}"] = np.where(has_prev, take(pair, col) if pair is not None and col in pair
                                         else np.nan, np.nan)
    out["block_m2"] = (blocks_m2.reindex(codes).to_numpy(dtype=float) if blocks_m2 is not None
                       else np.full(n, np.nan))
    out["trees_since_prev"] = (trees_since.reindex(codes).fillna(0).to_numpy(dtype=float)
                               if trees_since is not None else np.zeros(n))
    return pd.DataFrame(out, index=codes)


def _ratio(num, den) -> np.ndarray:
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def derive_cover(frame: pd.DataFrame, settings=None) -> pd.DataFrame:
    """Share, change and flag columns from the area columns (villages and roll-ups alike)."""
    from greening.config import get_settings

    s = settings or get_settings()
    f = frame
    if "gc_area_m2" not in f:
        for col in SUM_COLUMNS:
            f[col] = np.nan
    area = f["gc_area_m2"].to_numpy(dtype=float)
    missing = 1 - _ratio(f["gc_observed_m2"], area)
    prev_missing = 1 - _ratio(f["gc_prev_observed_m2"], f["gc_prev_area_m2"])
    green = _ratio(f["gc_green_m2"], f["gc_observed_m2"])
    prev = _ratio(f["gc_prev_green_m2"], f["gc_prev_observed_m2"])
    pair = _ratio(f["gc_pair_green_m2"], f["gc_pair_observed_m2"])
    pair_missing = 1 - _ratio(f["gc_pair_observed_m2"], f["gc_pair_area_m2"])
    judged = missing <= s.cover_max_missing + 1e-9
    both = (pair_missing <= s.cover_max_missing + 1e-9) & (prev_missing <= s.cover_max_missing + 1e-9)
    change = np.where(both, pair - prev, np.nan)
    village_area = f["area_km2"].to_numpy(dtype=float) * 1e6 if "area_km2" in f else area
    village_area = np.where(np.isfinite(area) & (area > 0), area, village_area)
    blocks = f["block_m2"].to_numpy(dtype=float)
    per_ha = _ratio(f["trees_since_prev"], village_area / 1e4)
    not_visible = (np.nan_to_num(per_ha) >= s.cover_flag_trees_per_ha) & np.isfinite(change) & \
        (change * 100 < s.cover_flag_min_gain_pp)
    out = {
        "green_cover": green, "tree_cover": _ratio(f["gc_tree_m2"], f["gc_observed_m2"]),
        "shrub_cover": _ratio(f["gc_shrub_m2"], f["gc_observed_m2"]),
        "cover_missing": np.clip(missing, 0, 1), "green_cover_judged": np.where(judged, green, np.nan),
        "green_cover_prev": prev, "green_change": change,
        "block_share": np.where(blocks > 0, _ratio(blocks, village_area), np.nan),
        "trees_since_prev_per_ha": per_ha, "not_visible": not_visible,
    }
    for k, v in out.items():
        f[k] = pd.array(v, dtype="boolean" if k == "not_visible" else "Float64")
    return f


def flag_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The flagged villages of a derived frame: code, trees per ha, change (pp)."""
    f = frame[frame["not_visible"].fillna(False).astype(bool)]
    return pd.DataFrame({"code": f["code"].astype(str),
                         "trees_per_ha": f["trees_since_prev_per_ha"].astype(float),
                         "change_pp": 100 * f["green_change"].astype(float)})


def load_cover(conn, scope_prefix: str, as_of: dt.date, codes, villages=None,
               plantings: pd.DataFrame | None = None) -> tuple[pd.DataFrame, CoverLayers]:
    """The raw columns for villages ``codes`` (inside ``scope_prefix``) from the database.

    ``plantings``: every year's plantings of the area up to ``as_of`` (not rejected, not deleted;
    columns claimed_village_code, planted_on, tree_count) when the caller has read them already;
    else they are summed by the database."""
    from sqlalchemy import select

    from greening.config import get_settings
    from greening.greencover.blocks import block_areas
    from greening.greencover.layers import layers_frame
    from greening.greencover.tiles import merge_tile_rows, tile_sets
    from greening.models import VillageGreenCover

    layers = layers_frame(conn)
    layers = layers[layers["year"] <= as_of.year]
    by_id = {int(r["id"]): r for r in layers.to_dict("records")}
    rows = None
    if by_id:
        t = VillageGreenCover.__table__
        res = conn.execute(select(t.c.layer_id, t.c.village_code, t.c.area_m2, t.c.observed_m2,
                                  t.c.tree_m2, t.c.shrub_m2, t.c.green_m2).where(
            t.c.layer_id.in_(list(by_id)), t.c.village_code.like(scope_prefix + "%"))).all()
        rows = rows_frame(res, columns=["layer_id", "village_code", "area_m2", "observed_m2",
                                          "tree_m2", "shrub_m2", "green_m2"])
        rows["year"] = rows["layer_id"].map({k: v["year"] for k, v in by_id.items()})
        rows["kind"] = rows["layer_id"].map({k: v["kind"] for k, v in by_id.items()})
        rows = merge_tile_rows(rows, tile_sets(by_id))  # the tiles of one map of a year, summed
    current, previous, later = pick_rows(rows, get_settings().cover_max_missing)
    trees = _trees_between(conn, scope_prefix, as_of, later, previous, plantings)
    blocks = block_areas(conn, scope_prefix, villages) if villages is not None else None
    cols = cover_columns(codes, current, previous, blocks, trees, later)

    def most(frame):
        if frame is None or not len(frame):
            return None
        return by_id.get(int(frame["layer_id"].mode().iloc[0]))

    return cols, CoverLayers(by_id, most(current), most(previous))


def _trees_between(conn, scope_prefix, as_of, current, previous, plantings=None) -> pd.Series | None:
    """Trees reported per village after 31 Dec of its earlier raster's year, up to 31 Dec of the
    later raster's year of its change (``current``) and the report date."""
    from sqlalchemy import func, select

    from greening.models import Planting
    from greening.models.enums import PlantingStatus

    if previous is None or not len(previous):
        return None
    p = Planting
    first = dt.date(int(previous["year"].min()), 12, 31)
    if plantings is not None:  # every year's, as load_inputs read them: summed per village and year here
        day = pd.to_datetime(plantings["planted_on"])
        mine = (day > pd.Timestamp(first)).to_numpy(dtype=bool)
        f = (pd.DataFrame({"code": plantings["claimed_village_code"][mine], "year": day.dt.year[mine],
                           "trees": plantings["tree_count"][mine]})
             .groupby(["code", "year"], observed=True, sort=False)["trees"].sum().reset_index())
        f["code"] = f["code"].astype(str)
    else:
        res = conn.execute(select(p.claimed_village_code, p.planted_on, func.sum(p.tree_count)).where(
            p.deleted_at.is_(None), p.status != PlantingStatus.REJECTED, p.planted_on > first,
            p.planted_on <= as_of, p.claimed_village_code.like(scope_prefix + "%"))
            .group_by(p.claimed_village_code, p.planted_on)).all()
        f = rows_frame(res, ["code", "day", "trees"])
        f["year"] = pd.to_datetime(f["day"]).dt.year
    if not len(f):
        return pd.Series(dtype=float)
    year = f["year"]
    lo = f["code"].map(previous.set_index("village_code")["year"])
    hi = f["code"].map(current.set_index("village_code")["year"])
    keep = (year > lo) & (year <= hi)
    return f[keep].groupby("code")["trees"].sum().astype(float)


def flagged_villages(conn, scope_prefix: str, as_of: dt.date) -> dict[str, str]:
    """Villages in ``scope_prefix`` flagged "reported plantings not visible": code -> reason
    text (Chinese / English), for the spot-check draw."""
    from sqlalchemy import select

    from greening.models import AdminArea
    from greening.models.enums import AreaLevel

    codes = pd.Index([c for (c,) in conn.execute(select(AdminArea.code).where(
        AdminArea.level == AreaLevel.VILLAGE, AdminArea.deleted_at.is_(None),
        AdminArea.code.like(scope_prefix + "%")))], dtype=object)
    if not len(codes):
        return {}
    cols, _ = load_cover(conn, scope_prefix, as_of, codes)
    f = derive_cover(cols.rename_axis("code").reset_index())
    flags = flag_frame(f)
    return {str(c): not_visible_text(float(t), float(p))[0]
            for c, t, p in zip(flags["code"], flags["trees_per_ha"], flags["change_pp"], strict=True)}


def not_visible_text(trees_per_ha: float, change_pp: float) -> tuple[str, str]:
    """The flag's reason in Chinese and English."""
    from greening.config import get_settings

    s = get_settings()
    from greening.coverage.reason_text import reason_texts

    return reason_texts("not_visible", per_ha=f"{trees_per_ha:.0f}", change=f"{change_pp:+.1f}",
                        floor=f"{s.cover_flag_min_gain_pp:g}")
