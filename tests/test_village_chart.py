"""村详情's chart of plan against planted, by species, headless as a team and in English: its
numbers' axis keeps its last label inside the chart (at 390 px the 「400」 at the plot's right end,
centred on its tick, was cut by the phone's edge: st.bar_chart leaves no room there), planned and
planted side by side for every species, in the page's words."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from greening.i18n import t
from tests.test_pages_apptest import _app, _no_exception, app_db, settings  # noqa: F401


def _chart(at) -> tuple[dict, pd.DataFrame]:
    """The last chart of the page (plan against planted): its spec and its data."""
    charts = at.get("vega_lite_chart")
    assert charts, "the village page draws its chart of plan against planted"
    proto = charts[-1].proto
    data = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in proto.datasets]
    return json.loads(proto.spec), pd.concat(data) if data else pd.DataFrame()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_last_number_of_plan_vs_planted_stays_inside_the_chart(settings, lang):  # noqa: F811
    at = _app("team-suixi")
    at.session_state["lang"] = lang
    at.switch_page("pages/village.py")
    at.run()
    _no_exception(at)
    assert t("village.plan_vs_planted", lang) in [m.value.lstrip("# ") for m in at.markdown]
    spec, rows = _chart(at)
    x = spec["encoding"]["x"]
    assert x["type"] == "quantitative"
    # the first and last numbers flush with the ends of the axis, and room right of the plot
    assert x["axis"]["labelFlush"] is True, x
    assert spec["padding"]["right"] >= 20, spec.get("padding")
    series = spec["encoding"]["color"]["scale"]["domain"]
    assert series == [t("metric.planned", lang), t("metric.planted", lang)]
    pairs = rows.groupby("species")["series"].agg(set)
    assert len(pairs) and all(p == set(series) for p in pairs), pairs
