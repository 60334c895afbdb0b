"""Tiles of one product: layers that together make one map of a year.

ESA WorldCover comes in 3° x 3° tiles and Zhanjiang needs two of them for one year (N21E108 north
of 21°N, N18E108 south of it); a county may deliver its canopy mask in sheets. An administrator
imports each file as a layer. Layers of the same kind, year and classes whose footprints do not
overlap (they meet along an edge at most) are one *tile set*: a village's figures are the sums of
its rows over the set, so a village across a tile edge is observed whole (its share comes from
both tiles), not half missing on each. Layers whose footprints overlap are alternatives (two
products of one year) and are never summed: :func:`greening.greencover.change.pick_rows` chooses
between them as before.
"""
from __future__ import annotations

import json

import pandas as pd

__all__ = ["tile_sets", "merge_tile_rows"]

_EDGE = 1e-6  # degrees: footprints that overlap by less than this in width or height only touch


def _overlap(a, b) -> bool:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w > _EDGE and h > _EDGE


def tile_sets(layers: dict) -> dict[int, int]:
    """Layer id -> id of its tile set (the set's smallest layer id) for ``layers`` (id -> row with
    ``kind``, ``year``, ``classes``, ``bounds`` [west, south, east, north] in WGS 84). A layer joins
    a set only if it overlaps none of the set's layers."""
    out: dict[int, int] = {}
    sets: dict[tuple, list[list[int]]] = {}
    for lid in sorted(layers):
        row = layers[lid]
        bounds = row.get("bounds")
        key = (row.get("kind"), int(row.get("year")), json.dumps(row.get("classes"), sort_keys=True))
        groups = sets.setdefault(key, [])
        home = None
        if bounds is not None and len(bounds) == 4:
            for g in groups:
                if all(layers[m].get("bounds") is not None and not _overlap(bounds, layers[m]["bounds"]) for m in g):
                    home = g
                    break
        if home is None:
            home = []
            groups.append(home)
        home.append(lid)
        out[lid] = home[0]
    return out


def merge_tile_rows(rows: pd.DataFrame | None, sets: dict[int, int]) -> pd.DataFrame | None:
    """Village rows (``layer_id``, ``village_code``, areas, ``year``, ``kind``) with the rows of one
    tile set summed per village: observed, tree, shrub and green m² add up (the tiles do not
    overlap), the village's area is kept, and the row carries the layer id of the tile that
    observes most of the village (its source is the one the village page names)."""
    if rows is None or not len(rows):
        return rows
    r = rows.copy()
    r["_set"] = r["layer_id"].map(lambda i: sets.get(int(i), int(i)))
    if r["_set"].nunique() == r["layer_id"].nunique():
        return rows
    r = r.sort_values(["village_code", "_set", "observed_m2", "layer_id"], ascending=[True, True, False, False],
                      kind="stable")
    g = r.groupby(["village_code", "_set"], sort=False)
    first = g.first()
    sums = g[["observed_m2", "tree_m2", "green_m2"]].sum(min_count=1)
    shrub = g["shrub_m2"].sum(min_count=1)
    out = first.assign(observed_m2=sums["observed_m2"].clip(upper=first["area_m2"]), tree_m2=sums["tree_m2"],
                       green_m2=sums["green_m2"], shrub_m2=shrub).reset_index()
    return out[list(rows.columns)]
