"""The four-party spot check (四方核查抽查) on screen: period (by default the report date's year),
seed and share, the drawn list and its download."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from greening.config import get_settings
from greening.i18n import fmt_date
from greening.models.enums import PlantingStatus, SiteType
from greening.services.audit_trail import audit_csv
from ui import data
from ui.i18n_st import label, lang, tr
from ui.layout import show_error

__all__ = ["spot_check", "default_period"]


def default_period() -> str:
    """The year of the date the figures are reported as of (the demo's 2024, not the machine's year)."""
    return str(data.report_date().year)


def spot_check(actor) -> None:
    c1, c2, c3 = st.columns(3)
    period = c1.text_input(tr("spot.period"), value=default_period(), max_chars=7, key="spot_period")
    seed = c2.number_input(tr("spot.seed"), min_value=0, max_value=10**9, value=0, step=1, key="spot_seed")
    share = c3.slider(tr("spot.share"), 0.01, 1.0, float(get_settings().spot_check_share), 0.01, key="spot_share")
    try:
        picks = data.spot_check(actor, period, int(seed), float(share))
    except (ValueError, PermissionError) as exc:
        show_error(exc)
        return
    st.caption(tr("spot.count", n=f"{len(picks):,}"))
    lg = lang()
    shown = pd.DataFrame({
        tr("common.code"): picks["village_code"], tr("common.village"): picks["village"],
        tr("review.team"): picks["team"], tr("review.col.id"): picks["id"],
        tr("review.col.planted_on"): picks["planted_on"].map(lambda d: fmt_date(d, lg)),
        tr("common.species"): picks["species"], tr("common.trees"): picks["tree_count"],
        tr("common.site_type"): picks["site_type"].map(lambda x: label(SiteType, x)),
        tr("common.site_name"): picks["site_name"],
        tr("common.status"): picks["status"].map(lambda x: label(PlantingStatus, x)),
    })
    st.dataframe(shown, hide_index=True, width="stretch")
    st.download_button(tr("common.download_csv"), audit_csv(picks),
                       file_name=f"spot-check-{period}-{int(seed)}.csv", mime="text/csv", on_click="ignore",
                       key="spot_dl", width="stretch")
