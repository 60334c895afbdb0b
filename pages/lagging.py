"""落后村预警 Lagging villages: ranked with reasons and responsible people, filtered, on the map,
and downloadable."""
import pandas as pd
import streamlit as st

from ui import data
from ui.downloads import download_buttons
from ui.i18n_st import lang, tr
from ui.layout import page_header
from ui.maps_st import basemap_picker, datum_of, map_data, render, show_map
from ui.session import require_actor
from ui.supervision_st import issue_panel
from ui.tables import show_table

actor = require_actor("lagging.view")
page_header(tr("lagging.title"))
lagging = data.lagging(actor)
if not len(lagging):
    st.success(tr("lagging.none"))
    st.stop()

c1, c2, c3 = st.columns(3)
all_ = tr("common.all")
county = c1.selectbox(tr("common.county"), [all_] + sorted(lagging["county_name"].dropna().unique()), key="lag_county")
shown = lagging if county == all_ else lagging[lagging["county_name"] == county]
town = c2.selectbox(tr("common.town"), [all_] + sorted(shown["town_name"].dropna().unique()), key="lag_town")
shown = shown if town == all_ else shown[shown["town_name"] == town]
en = lang() == "en"
reason_names = {code: (e if en else z) for rs in lagging["reason_list"] for code, z, e in rs}
picked = c3.multiselect(tr("lagging.filter_reason"), sorted(reason_names), format_func=reason_names.get,
                        key="lag_reasons", placeholder=all_)
if picked:
    shown = shown[shown["reason_list"].map(lambda rs: bool({r[0] for r in rs} & set(picked)))]
shown = shown.assign(reasons=shown["reason_list"].map(lambda rs: "；".join(e if en else z for _c, z, e in rs)))

st.caption(tr("lagging.count", n=f"{len(shown):,}"))
columns = {"rank": tr("lagging.rank"), "name": tr("common.village"), "town_name": tr("common.town"),
           "county_name": tr("common.county"), "reasons": tr("lagging.reasons"),
           "responsible": tr("lagging.responsible")}
show_table(shown, columns, height=360)
download_buttons(pd.DataFrame(shown[list(columns)]).rename(columns=columns), "lagging-villages", key="lag_dl")
issue_panel(actor, shown)

basemap = basemap_picker()
villages = data.villages(actor)
md = map_data(actor, datum=datum_of(basemap), villages=villages[villages["code"].isin(shown["code"])],
              highlight=set(shown["code"]))
show_map(render(md, basemap=basemap, metric="plan_completion"), key="lagging_map")
