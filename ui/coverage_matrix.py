"""The coverage matrix: areas (towns or villages) × the six plans, each cell the share of that plan's
measures the area has done, drawn as a heat-table of progress bars."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from greening.actor import Actor
from greening.area_codes import parent_codes
from greening.i18n import plan_name
from ui import data
from ui.i18n_st import lang, tr, tr_key, translated

__all__ = ["coverage_matrix", "plan_shares"]


def plan_shares(status: pd.DataFrame, measures: pd.DataFrame, level: str) -> pd.DataFrame:
    """``status`` (area_code, measure_id, done) -> area × plan share of measures done.

    Village rows roll up to their town (first 9 digits) when ``level`` is "town".
    """
    plans = dict(zip(measures["id"], measures["plan"], strict=False))
    s = status.assign(plan=status["measure_id"].map(plans)).dropna(subset=["plan"])
    if level == "town":
        s = s.assign(area_code=parent_codes(s["area_code"], "town"))
    table = s.groupby(["area_code", "plan"])["done"].mean().unstack("plan")
    return table.reindex(columns=sorted(measures["plan"].unique()))


def coverage_matrix(actor: Actor, measures: pd.DataFrame) -> None:
    status = data.coverage(actor).get("measure_status")
    level = translated(st.segmented_control, tr("measures.rows"), ["town", "village"], default="town", required=True,
                                 format_func=tr_key("common."), key="matrix_level")
    if status is None or not len(status):
        st.info(tr("common.no_data"))
        return
    table = plan_shares(status, measures, level)
    areas = data.towns(actor) if level == "town" else data.villages(actor)
    names = dict(zip(areas["code"], areas["name"], strict=False))
    table.index = [names.get(c, c) for c in table.index]
    table.columns = [plan_name(p, lang()) for p in table.columns]
    config = {c: st.column_config.ProgressColumn(c, min_value=0.0, max_value=1.0, format="percent")
              for c in table.columns}
    st.dataframe(table, column_config=config, width="stretch", height=420)
