"""县区看板 County dashboard: the towns and villages of one county on the map and in tables,
weekly progress, and its demonstration sites."""
import pandas as pd
import streamlit as st

from greening.geo.boundaries import COUNTIES
from greening.i18n import fmt_pct
from greening.maps import METRICS
from greening.maps.compact import detail_for
from greening.models.enums import DesignationKind
from ui import data
from ui.charts import cumulative_by_week
from ui.i18n_st import label, lang, tr, tr_key, translated
from ui.layout import page_header
from ui.login_gate import require_actor
from ui.maps_st import (
    basemap_picker,
    cached_render,
    datum_of,
    map_data,
    open_tapped_village,
    render,
    show_map,
)
from ui.pickers import pick_county
from ui.tables import show_table, town_rollup

actor = require_actor("dashboard.view")
header = st.container()  # the title above the county picker, though it names the county picked
county = pick_county(actor)
with header:
    page_header(tr("county.title", name=COUNTIES.get(county, (county, county))[1 if lang() == "en" else 0]))
area = actor.scope_prefix if len(actor.scope_prefix) > 6 else county

villages = data.villages(actor, area)
left, right = st.columns([2, 3], vertical_alignment="bottom")
metric = translated(left.selectbox, tr("map.metric"), list(METRICS), format_func=tr_key("metric."), key="county_metric")
basemap = basemap_picker(right)
open_tapped_village("county_map", basemap, villages, detail_for(area))  # a tap opens its page
show_map(cached_render(actor, "county", lambda: render(
    map_data(actor, datum=datum_of(basemap), within=area, designations=True, plantings=True),
    basemap=basemap, metric=metric), area=area, basemap=basemap, metric=metric), key="county_map",
         returned_objects=["last_clicked"])
st.caption(tr("map.tap_hint"))

st.markdown(f"#### {tr('county.weekly')}")
weekly = data.weekly(actor, area, by="town")
if len(weekly):
    towns = data.towns(actor, area).set_index("code")["name"]
    wide = weekly.assign(key=weekly["key"].map(lambda k: towns.get(k + "000", k))).pivot_table(
        index="week", columns="key", values="trees", aggfunc="sum").fillna(0).cumsum()
    cumulative_by_week(wide, height=300)
else:
    st.info(tr("common.no_data"))

shares = {"plan_completion": "pct", "survival": "pct", "coverage": "pct"}
COUNTS = ("villages", "planned", "planted")  # with thousands separators, as every figure of the page (35,294)
fmt = {c: (lambda v: fmt_pct(v, lang())) for c in shares}
st.markdown(f"#### {tr('county.towns')}")
town_rows = town_rollup(actor, area)
if len(town_rows):
    show_table(town_rows.assign(**{c: town_rows[c].map(f) for c, f in fmt.items()}),
               {"town_name": tr("common.town"), "villages": tr("metric.villages"), "planned": tr("metric.planned"),
                "planted": tr("metric.planted"), "plan_completion": tr("metric.plan_completion"),
                "coverage": tr("metric.coverage"), "survival": tr("metric.survival")},
               counts=COUNTS)
st.markdown(f"#### {tr('county.villages')}")
show_table(pd.DataFrame(villages.drop(columns="geometry")).assign(**{c: villages[c].map(f) for c, f in fmt.items()}),
           {"name": tr("common.village"), "town_name": tr("common.town"), "planned": tr("metric.planned"),
            "planted": tr("metric.planted"), "plan_completion": tr("metric.plan_completion"),
            "coverage": tr("metric.coverage"), "survival": tr("metric.survival")}, height=360, counts=COUNTS)

st.markdown(f"#### {tr('county.designations')}")
every_site = data.designations(actor)
sites = every_site[every_site["area_code"].fillna("").str.startswith(area)]
if len(sites):
    sites = sites.assign(kind=sites["kind"].map(lambda k: label(DesignationKind, k)),
                         progress=sites["progress"].map(lambda v: fmt_pct(v, lang())))
show_table(sites, {"kind": tr("designations.kind"), "name": tr("common.name"), "area_name": tr("common.village"),
                   "year": tr("common.year"), "progress": tr("designations.progress")})
