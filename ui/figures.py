"""Headline figures against the campaign's own (the article's) figures, for the overview and dashboards."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from greening.actor import Actor
from greening.services.roster_views import DESIGNATION_TARGETS
from ui import data
from ui.i18n_st import tr
from ui.layout import progress_metric

__all__ = ["TARGETS", "headline", "show_headline"]

#: The article's figures (docs/campaign.md): what the city as a whole is measured against.
TARGETS = {"trees": 1_500_000, "teams": 1_722, **DESIGNATION_TARGETS}


def _pick(d: dict, *names, default=None):
    for n in names:
        value = d.get(n)
        if isinstance(value, dict):  # {"value": .., "target": ..} shapes
            value = value.get("value", value.get("actual"))
        if value is not None:
            return value
    return default


def headline(actor: Actor) -> dict:
    """trees, teams, demo_town, demo_village, industry_model, avg_coverage, lagging for the area."""
    totals = data.totals(actor)
    cov = data.coverage(actor)
    villages = cov.get("villages")
    designations = data.designations(actor)
    kinds = designations["kind"].value_counts() if len(designations) else pd.Series(dtype=int)
    lagging = cov.get("lagging")
    trees = _pick(totals, "trees", "trees_planted", "planted")
    if trees is None:
        trees = float(villages["planted"].sum()) if villages is not None and len(villages) else 0
    return {
        "trees": trees,
        "teams": _pick(totals, "teams", "greening_teams", default=int(data.teams(actor)["active"].sum())
                       if len(data.teams(actor)) else 0),
        "demo_town": _pick(totals, "demo_towns", "demo_town", default=int(kinds.get("demo_town", 0))),
        "demo_village": _pick(totals, "demo_villages", "demo_village", default=int(kinds.get("demo_village", 0))),
        "industry_model": _pick(totals, "industry_models", "industry_model", default=int(kinds.get("industry_model", 0))),
        "avg_coverage": _pick(totals, "avg_coverage", "average_coverage", "coverage",
                              default=float(villages["coverage"].mean()) if villages is not None and len(villages)
                              and villages["coverage"].notna().any() else None),
        "lagging": _pick(totals, "lagging", "lagging_villages",
                         default=len(lagging) if isinstance(lagging, pd.DataFrame) else None),
    }


def show_headline(actor: Actor) -> None:
    """Seven figures with progress bars; the article's targets apply to the whole city only."""
    h = headline(actor)
    city = actor.is_citywide
    target = (lambda k: TARGETS[k]) if city else (lambda k: None)
    row1 = st.columns(4)
    progress_metric(row1[0], tr("metric.trees"), h["trees"], target("trees"), unit_zh="株")
    progress_metric(row1[1], tr("metric.teams"), h["teams"], target("teams"), kind="int")
    progress_metric(row1[2], tr("metric.avg_coverage"), h["avg_coverage"], kind="share")
    progress_metric(row1[3], tr("metric.lagging"), h["lagging"], kind="int")
    row2 = st.columns(4)
    progress_metric(row2[0], tr("metric.demo_towns"), h["demo_town"], target("demo_town"), kind="int")
    progress_metric(row2[1], tr("metric.demo_villages"), h["demo_village"], target("demo_village"), kind="int")
    progress_metric(row2[2], tr("metric.models"), h["industry_model"], target("industry_model"), kind="int")
