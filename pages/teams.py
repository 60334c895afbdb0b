"""护绿队 Greening teams: the registry (searchable), their map, and their recent activity."""
import pandas as pd
import streamlit as st

from greening.i18n import fmt_date
from ui import data
from ui.i18n_st import lang, tr
from ui.layout import page_header
from ui.login_gate import require_actor
from ui.maps_st import basemap_picker, cached_render, datum_of, map_data, render, show_map
from ui.tables import show_table

actor = require_actor("village.view")
page_header(tr("teams.title"))
teams = data.teams(actor)
query = st.text_input(tr("teams.search"), key="teams_query", max_chars=60).strip()
if query:
    # Literal substring match in pandas: the text never reaches SQL (docs/reliability.md case 9).
    hay = teams[["name", "village_name", "town_name", "leader_name"]].fillna("").astype(str).agg(" ".join, axis=1)
    teams = teams[hay.str.contains(query, case=False, regex=False)]
st.caption(tr("common.count_of", n=f"{len(teams):,}"))
show_table(teams.assign(last=teams.get("last_planted", pd.Series(dtype=object)).map(lambda d: fmt_date(d, lang()))),
           {"name": tr("common.name"), "village_name": tr("common.village"), "town_name": tr("common.town"),
            "county_name": tr("common.county"), "leader_name": tr("teams.leader"), "members": tr("teams.members"),
            "party_members": tr("teams.party_members"), "plantings": tr("teams.plantings"),
            "trees": tr("teams.trees"), "last": tr("teams.last_activity")}, height=360)

basemap = basemap_picker()


def _teams_map():
    md = map_data(actor, datum=datum_of(basemap), villages=data.village_shapes(actor).iloc[0:0], towns=True,
                  counties=actor.is_citywide or len(actor.scope_prefix) <= 6)
    md.teams = teams
    return render(md, basemap=basemap)


show_map(cached_render(actor, "teams", _teams_map, basemap=basemap, query=query), key="teams_map")

st.markdown(f"#### {tr('teams.activity')}")
recent = data.recent(actor, team_id=actor.team_id, limit=30)
show_table(recent.assign(planted_on=recent["planted_on"].map(lambda d: fmt_date(d, lang()))),
           {"planted_on": tr("common.date"), "village_name": tr("common.village"), "species": tr("common.species"),
            "tree_count": tr("common.trees")})
