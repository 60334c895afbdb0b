"""Charts with the interface's own words and dates (Vega's defaults are English month names)."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from ui.i18n_st import lang, tr

__all__ = ["DATE_FORMAT", "cumulative_by_week"]

#: d3 time formats of an axis of dates, per language ("3月12日", "Mar 12")
DATE_FORMAT = {"zh": "%-m月%-d日", "en": "%b %-d"}


def cumulative_by_week(wide: pd.DataFrame, *, height: int = 300) -> None:
    """Lines of running totals: ``wide`` has one row per week (index, dates) and one column per
    line (e.g. towns), already summed up to each week."""
    long = (wide.rename_axis("week").reset_index()
            .melt(id_vars="week", var_name="series", value_name="trees"))
    long["week"] = pd.to_datetime(long["week"])
    chart = alt.Chart(long).mark_line(point=False).encode(
        x=alt.X("week:T", title=tr("chart.week"), axis=alt.Axis(format=DATE_FORMAT[lang()], labelAngle=0)),
        y=alt.Y("trees:Q", title=tr("chart.trees_to_date")),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom", columns=2, labelLimit=150)),
        tooltip=[alt.Tooltip("series:N", title=tr("chart.series")),
                 alt.Tooltip("week:T", title=tr("chart.week"), format=DATE_FORMAT[lang()]),
                 alt.Tooltip("trees:Q", title=tr("chart.trees_to_date"), format=",")],
    ).properties(
        # the height is the plot's own: the axis titles and the legend (a row per three towns)
        # come on top of it, instead of squeezing the lines into what they leave over
        height=height, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    st.altair_chart(chart, width="stretch")
