"""Demo attestations for the measures that are attested rather than computed.

Only written when the measure catalogue is in the database (``greening.measures`` syncs it);
otherwise the demo has none. Demonstration areas attest almost every measure, others most.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from greening.demo import calendar as cal
from greening.demo.draw import rng_for

__all__ = ["generate_attestations"]

_SHARE = {"demo": 0.95, "other": 0.85}
_STATUS = (["confirmed", "claimed", "rejected"], [0.8, 0.17, 0.03])


def generate_attestations(seed: int, measures: pd.DataFrame | None, areas: pd.DataFrame,
                          demo_codes: set[str]) -> pd.DataFrame:
    """Attestations: measure_id, area_code, status, evidence, attested_on.

    ``measures`` has columns id, level, title_zh and holds only attestation-type measures;
    ``areas`` has columns code, level.
    """
    columns = ["measure_id", "area_code", "status", "evidence", "attested_on"]
    if measures is None or measures.empty:
        return pd.DataFrame(columns=columns)
    rng = rng_for(seed, "attestations")
    rows = []
    start, span = dt.date(cal.YEAR, 2, 1), (cal.AS_OF - dt.date(cal.YEAR, 2, 1)).days
    for m in measures.sort_values("id").itertuples():
        codes = areas.loc[areas["level"] == m.level, "code"].to_numpy()
        share = np.where(np.isin(codes, list(demo_codes)), _SHARE["demo"], _SHARE["other"])
        chosen = codes[rng.random(len(codes)) < share]
        status = rng.choice(_STATUS[0], size=len(chosen), p=_STATUS[1])
        days = rng.integers(0, span, len(chosen))
        for code, st, d in zip(chosen, status, days, strict=False):
            rows.append(dict(measure_id=m.id, area_code=code, status=str(st),
                             evidence=f"示例佐证材料：{m.title_zh}（示例数据）",
                             attested_on=start + dt.timedelta(days=int(d))))
    return pd.DataFrame(rows, columns=columns)
