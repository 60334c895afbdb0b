"""One coverage computation: metrics, roll-ups, the 56 measures, lagging villages, weekly series.

Everyday pages read the ``village_code`` stored with each planting (set by the join when the
planting was written) and never redo the spatial join; ``recompute=True`` (the benchmark, and a
periodic consistency check) joins every planting point again, with the engine of the
``GREENING_COVERAGE_ENGINE`` setting (:mod:`greening.coverage.engines`; default ``grid``, the
:class:`VillageIndex`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from greening.area_codes import parent_codes
from greening.config import get_settings
from greening.coverage.evaluate import evaluate_catalogue, measure_counts
from greening.coverage.index import VillageIndex, join_points
from greening.coverage.inputs import CoverageInputs
from greening.coverage.lagging import lagging_villages
from greening.coverage.metrics import PlantingArrays, ScoreWeights, planting_arrays, score, village_metrics
from greening.coverage.rollup import rollup, weekly_trees

__all__ = ["CoverageResult", "compute_coverage"]


@dataclass
class CoverageResult:
    """Everything the coverage pages show, limited to ``scope_prefix``.

    ``villages`` (GeoDataFrame, metrics + geometry), ``towns``, ``counties``, ``city``: metrics
    frames (see :mod:`greening.coverage.metrics`); ``measure_status``: village × measure
    (True / False / NA not applicable); ``weekly``: trees per ISO week and county;
    ``unassigned``: plantings whose point is in no village; ``outside``: plantings whose point is
    not in the village they were claimed for; ``lagging``: see :mod:`greening.coverage.lagging`.
    """

    as_of: dt.date
    scope_prefix: str
    villages: gpd.GeoDataFrame
    towns: pd.DataFrame
    counties: pd.DataFrame
    city: pd.DataFrame
    measure_status: pd.DataFrame
    weekly: pd.DataFrame
    unassigned: pd.DataFrame
    outside: pd.DataFrame
    lagging: pd.DataFrame
    measures: list = field(default_factory=list)
    cover_layers: object = None  # the rasters green cover comes from (greencover.change.CoverLayers)
    #: what the weekly series of a part of the area is computed from (see :meth:`within`)
    _weekly_source: tuple | None = field(default=None, repr=False, compare=False)

    def within(self, prefix: str) -> CoverageResult:
        """The same figures for the part of the area whose codes start with ``prefix``.

        Every village keeps the figures of this computation (a measure judged against its county
        stays judged against it; the lagging rank stays the rank in this area); the weekly series
        is counted again over the part's villages.
        """
        if prefix == self.scope_prefix:
            return self
        if not prefix.startswith(self.scope_prefix):
            raise ValueError(f"{prefix!r} is not inside the computed area {self.scope_prefix!r}")

        def mine(df: pd.DataFrame, col: str = "code") -> pd.DataFrame:
            return df[df[col].astype(str).str.startswith(prefix)].reset_index(drop=True)

        weekly = self.weekly
        if self._weekly_source is not None:
            pa, codes, counties = self._weekly_source
            weekly = weekly_trees(_subset(pa, np.char.startswith(codes, prefix)), counties)
        return CoverageResult(
            as_of=self.as_of, scope_prefix=prefix, villages=mine(self.villages), towns=mine(self.towns),
            counties=mine(self.counties), city=mine(self.city),
            measure_status=self.measure_status[self.measure_status.index.str.startswith(prefix)],
            weekly=weekly, unassigned=mine(self.unassigned, "claimed_village_code"),
            outside=mine(self.outside, "claimed_village_code"), lagging=mine(self.lagging),
            measures=self.measures, cover_layers=self.cover_layers, _weekly_source=self._weekly_source)

    def unmet(self, village_code: str) -> list:
        """The catalogue measures the village does not meet (applicable and False)."""
        row = self.measure_status.loc[village_code]
        missing = set(row.index[row.eq(False).fillna(False).to_numpy()])
        return [m for m in self.measures if m.id in missing]


def compute_coverage(inputs: CoverageInputs, catalogue, settings=None,
                     as_of: dt.date | None = None, *, weights: ScoreWeights | None = None,
                     recompute: bool = False, index: VillageIndex | None = None,
                     engine: str | None = None) -> CoverageResult:
    """Compute coverage from ``inputs`` for the measures of ``catalogue`` (list of MeasureSpec).

    ``settings`` defaults to :func:`get_settings` (lag thresholds); ``as_of`` to
    ``inputs.as_of`` or today; ``weights`` to :class:`ScoreWeights`. ``recompute`` joins the
    planting points again (``index``: a ready :class:`VillageIndex` of ``inputs.villages``;
    ``engine``: the join engine, default the setting).
    """
    settings = settings or get_settings()
    as_of = as_of or inputs.as_of or dt.date.today()
    located = _recomputed_positions(inputs, index, engine) if recompute else None
    pa = planting_arrays(inputs, pd.Index(inputs.villages["code"].astype(str)), as_of, located)
    v = village_metrics(inputs, as_of, plantings=pa, inactive_days=settings.lag_inactive_days)
    frames = {"village": v, **{lvl: rollup(v, lvl, inputs, as_of)
                               for lvl in ("town", "county", "city")}}
    status = evaluate_catalogue(catalogue, frames, inputs.attestations)
    applicable, satisfied = measure_counts(status)
    v["measures_applicable"] = applicable
    v["measures_satisfied"] = satisfied
    v["coverage"] = _share(satisfied, applicable)
    v["score"] = score(v, weights)
    for lvl in ("town", "county", "city"):
        _rollup_measures(frames[lvl], v, lvl)
    lag = lagging_villages(v, status, inputs, settings, as_of)
    unassigned, outside = _misplaced(inputs, v, pa, stored=located is None)
    geo = gpd.GeoDataFrame(v, geometry=inputs.villages.geometry.to_numpy(), crs=4326)
    codes, counties = v["code"].to_numpy().astype(str), v["county_code"].to_numpy()
    whole = CoverageResult(
        as_of=as_of, scope_prefix="", villages=geo, towns=frames["town"], counties=frames["county"],
        city=frames["city"], measure_status=status, weekly=weekly_trees(pa, counties),
        unassigned=unassigned, outside=outside, lagging=lag, measures=list(catalogue),
        cover_layers=inputs.cover_layers, _weekly_source=(pa, codes, counties))
    return whole.within(inputs.scope_prefix)


def _share(num, den) -> pd.Series:
    den = pd.Series(den, dtype="Float64")
    return pd.Series(num, dtype="Float64") / den.where(den > 0)


def _subset(pa: PlantingArrays, village_mask: np.ndarray) -> PlantingArrays:
    if village_mask.all():
        return pa
    keep = village_mask[pa.credit]
    return PlantingArrays(pa.credit[keep], pa.located[keep], pa.claimed[keep], pa.day[keep],
                          pa.trees[keep], pa.rows[keep])


def _rollup_measures(frame: pd.DataFrame, v: pd.DataFrame, level: str) -> None:
    key = parent_codes(v["code"], level).to_numpy()
    g = v.groupby(key)
    sums = g[["measures_applicable", "measures_satisfied"]].sum()
    at = frame["code"].to_numpy()
    frame["measures_applicable"] = sums["measures_applicable"].reindex(at).to_numpy()
    frame["measures_satisfied"] = sums["measures_satisfied"].reindex(at).to_numpy()
    frame["coverage"] = _share(frame["measures_satisfied"], frame["measures_applicable"])
    frame["score"] = g["score"].mean().reindex(at).round(1).to_numpy()


def _recomputed_positions(inputs: CoverageInputs, index: VillageIndex | None,
                          engine: str | None = None) -> np.ndarray:
    from greening.coverage.engines import as_layer, resolve_engine, village_positions

    codes = inputs.villages["code"].astype(str).to_numpy()
    p = inputs.plantings
    lon, lat = p["lon"].to_numpy(float), p["lat"].to_numpy(float)
    if resolve_engine(engine) == "grid":
        index = index or VillageIndex.from_frame(inputs.villages)
        pos, layer_codes = join_points(lon, lat, index).positions, index.codes
    else:
        layer = as_layer(index) if index is not None else as_layer(inputs.villages)
        claimed = p["claimed_village_code"].astype(object).to_numpy()
        pos, layer_codes = village_positions(lon, lat, layer, engine, claimed=claimed), layer.codes
    if len(layer_codes) == len(codes) and (layer_codes == codes).all():
        return pos
    where = pd.Index(codes).get_indexer(layer_codes.astype(object))
    return np.where(pos >= 0, where[np.maximum(pos, 0)], -1)


def _misplaced(inputs: CoverageInputs, v: pd.DataFrame, pa, *, stored: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(plantings whose point is in no village, plantings whose point is in another village than
    the one they were claimed for), by id. ``stored``: the villages are the ``village_code`` the
    join stored with each planting, so a point in a village outside the computed area (a
    neighbouring county's) is in that village, named from ``inputs.elsewhere``, as the whole
    city's computation says; a fresh join (``stored=False``) only knows the area's villages."""
    p = inputs.plantings
    codes = v["code"].to_numpy()
    cols = ["id", "claimed_village_code", "planted_on", "tree_count", "lon", "lat"]
    if stored:
        located_code = p["village_code"].astype(object).to_numpy()[pa.rows]
        nowhere = pd.isna(located_code)
    else:
        located_code = np.where(pa.located >= 0, codes[np.maximum(pa.located, 0)], None)
        nowhere = pa.located < 0
    unassigned = p.iloc[pa.rows[nowhere]][cols].reset_index(drop=True)
    elsewhere = ~nowhere & (pa.claimed >= 0) & (pa.located != pa.claimed)
    outside = p.iloc[pa.rows[elsewhere]][cols].reset_index(drop=True)
    outside["located_village_code"] = pd.array(located_code[elsewhere].astype(str), dtype="str")
    names = pd.concat([pd.Series(v["name"].to_numpy(), index=codes),
                       inputs.elsewhere.drop_duplicates("code").set_index("code")["name"]])
    names = names[~names.index.duplicated()]
    outside["located_village_name"] = outside["located_village_code"].map(names)
    unassigned["claimed_village_code"] = unassigned["claimed_village_code"].astype(str)
    outside["claimed_village_code"] = outside["claimed_village_code"].astype(str)
    return (unassigned.sort_values("id", kind="stable").reset_index(drop=True),
            outside.sort_values("id", kind="stable").reset_index(drop=True))
