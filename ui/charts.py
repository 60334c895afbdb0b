"""Charts with the interface's own words and dates (Vega's defaults are English month names)."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from ui.i18n_st import lang, tr

__all__ = ["DATE_FORMAT", "PALETTE", "DASHES", "PLAN_COLOURS", "cumulative_by_week", "line_styles",
           "plan_vs_planted", "plan_vs_planted_chart"]

#: d3 time formats of an axis of dates, per language ("3月12日", "Mar 12")
DATE_FORMAT = {"zh": "%-m月%-d日", "en": "%b %-d"}

#: colours told apart on a white page (Vega's default scheme has 10: a county's 15 towns shared them)
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#7f7f7f", "#bcbd22", "#393b79", "#637939")
#: pixels right of the plot (a date label centred on a tick near the end juts out by half its width)
RIGHT_PADDING = 28
#: planned light, planted dark (the colours st.bar_chart gave the two)
PLAN_COLOURS = ("#83c9ff", "#0068c9")
#: after every colour was used once: the same colours dashed, then dotted
DASHES = ((1, 0), (6, 3), (2, 2))


def line_styles(series: list[str]) -> tuple[list[str], list[list[int]]]:
    """A colour and a dash pattern per series, no two series alike (up to 36 of them)."""
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(series))]
    dashes = [list(DASHES[(i // len(PALETTE)) % len(DASHES)]) for i in range(len(series))]
    return colours, dashes


def cumulative_by_week(wide: pd.DataFrame, *, height: int = 300) -> None:
    """Lines of running totals: ``wide`` has one row per week (index, dates) and one column per
    line (e.g. towns), already summed up to each week."""
    long = (wide.rename_axis("week").reset_index()
            .melt(id_vars="week", var_name="series", value_name="trees"))
    long["week"] = pd.to_datetime(long["week"])
    series = [str(c) for c in wide.columns]
    colours, dashes = line_styles(series)
    legend = alt.Legend(orient="bottom", columns=2, labelLimit=150, symbolType="stroke", symbolStrokeWidth=2.5)
    chart = alt.Chart(long).mark_line(point=False).encode(
        x=alt.X("week:T", title=tr("chart.week"), axis=alt.Axis(format=DATE_FORMAT[lang()], labelAngle=0)),
        y=alt.Y("trees:Q", title=tr("chart.trees_to_date")),
        # colour and dash together, one legend: each town its own line
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=series, range=colours), legend=legend),
        strokeDash=alt.StrokeDash("series:N", title=None, scale=alt.Scale(domain=series, range=dashes),
                                  legend=legend),
        tooltip=[alt.Tooltip("series:N", title=tr("chart.series")),
                 alt.Tooltip("week:T", title=tr("chart.week"), format=DATE_FORMAT[lang()]),
                 alt.Tooltip("trees:Q", title=tr("chart.trees_to_date"), format=",")],
    ).properties(
        # the height is the plot's own: the axis titles and the legend (a row per three towns)
        # come on top of it, instead of squeezing the lines into what they leave over
        # room on the right for half of the last date (it is centred on its tick, near the end):
        # "6月1日" was cut to "6月1" at a phone's edge
        height=height, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
        padding={"left": 5, "top": 5, "bottom": 5, "right": RIGHT_PADDING})
    st.altair_chart(chart, width="stretch")


def plan_vs_planted_chart(frame: pd.DataFrame) -> alt.Chart:
    """Horizontal bars, planned beside planted, one pair per species: ``frame`` has the columns
    species, planned and planted (species already in the page's language)."""
    series = [tr("metric.planned"), tr("metric.planted")]
    long = (frame[["species", "planned", "planted"]]
            .rename(columns={"planned": series[0], "planted": series[1]})
            .melt(id_vars="species", var_name="series", value_name="trees"))
    species = [str(x) for x in frame["species"]]
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y("species:N", title=None, sort=species, axis=alt.Axis(labelLimit=140)),
        yOffset=alt.YOffset("series:N", sort=series),
        # the first and last numbers flush with the ends of the axis: the last one, centred on its
        # tick at the plot's right edge, was cut by the phone's edge ("400" read "40")
        x=alt.X("trees:Q", title=None, axis=alt.Axis(format=",d", tickMinStep=1, labelFlush=True)),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=series, range=list(PLAN_COLOURS)),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("species:N", title=tr("common.species")),
                 alt.Tooltip("series:N", title=None),
                 alt.Tooltip("trees:Q", title=tr("common.trees"), format=",")],
    ).properties(
        # the plot's own height, a pair of bars per species; the axis and the legend come on top
        height=max(120, 44 * len(species)), autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
        padding={"left": 5, "top": 5, "bottom": 5, "right": RIGHT_PADDING})


def plan_vs_planted(frame: pd.DataFrame) -> None:
    """村详情's plan against planted, by species (see plan_vs_planted_chart)."""
    st.altair_chart(plan_vs_planted_chart(frame), width="stretch")
