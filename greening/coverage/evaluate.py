"""Evaluating the measure catalogue on the area frames, village by village.

Level semantics: a village-level measure is evaluated on each village; a town-, county- or
city-level measure is evaluated once on the containing area's frame (see
:mod:`greening.coverage.rollup`) and its result applies to every village inside that area. So a
village's coverage includes, for example, "the town has a demonstration village" and "the county
names a leader in charge": the people responsible for those are named in the lagging list.

Attestation measures are satisfied when a *confirmed* attestation exists for the area at the
measure's level (the village for a village measure, the town for a town measure, ...); a claimed
one awaiting review does not count yet. Attestations are always applicable.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from greening.area_codes import parent_codes
from greening.coverage.rules import evaluate

__all__ = ["evaluate_catalogue", "measure_counts"]


def evaluate_catalogue(catalogue, frames: dict[str, pd.DataFrame],
                       attestations: pd.DataFrame) -> pd.DataFrame:
    """A nullable boolean frame: one row per village (index: code), one column per measure id.

    ``frames`` maps "village", "town", "county", "city" to metrics frames with a ``code`` column.
    True satisfied, False not, NA not applicable.
    """
    villages = frames["village"]
    codes = villages["code"].astype(str)
    keys = {"village": codes, **{lvl: parent_codes(codes, lvl) for lvl in ("town", "county", "city")}}
    # row of each village's area in each level's frame (-1: no such area)
    at = {lvl: pd.Index(frames[lvl]["code"].astype(str)).get_indexer(pd.Index(keys[lvl]))
          for lvl in keys if lvl in frames}
    confirmed = attestations[attestations["status"] == "confirmed"]
    confirmed_by_measure = confirmed.groupby("measure_id")["area_code"].agg(set).to_dict()
    n, k = len(codes), len(catalogue)
    values = np.zeros((n, k), dtype=bool)
    missing = np.ones((n, k), dtype=bool)
    for j, m in enumerate(catalogue):
        frame = frames[m.level]
        if m.is_rule:
            result = evaluate(m.rule, frame, m.params)
        else:
            done = confirmed_by_measure.get(m.id, set())
            result = frame["code"].astype(str).isin(done).astype("boolean")
        v = result.to_numpy(dtype=bool, na_value=False)
        na = result.isna().to_numpy()
        pos = at[m.level]
        ok = pos >= 0
        values[ok, j] = v[pos[ok]]
        missing[ok, j] = na[pos[ok]]
    status = pd.DataFrame({m.id: pd.arrays.BooleanArray(values[:, j], missing[:, j])
                           for j, m in enumerate(catalogue)}, index=codes.to_numpy())
    status.index.name = "code"
    return status


def measure_counts(status: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(applicable, satisfied) measure counts per village row of ``status``."""
    applicable = status.notna().sum(axis=1).to_numpy(dtype=np.int64)
    satisfied = status.fillna(False).sum(axis=1).to_numpy(dtype=np.int64)
    return applicable, satisfied
