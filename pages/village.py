"""村详情 Village detail: boundary and plantings, team, cadres and experts, plan vs planted,
the 56-measure checklist, survival."""
import streamlit as st

from greening.i18n import fmt_date, fmt_int, fmt_label, fmt_list, fmt_pct, position
from greening.models.enums import PersonKind, PlantingStatus, SiteType
from greening.permissions import PermissionDenied
from ui import data
from ui.charts import plan_vs_planted
from ui.greencover_st import village_section
from ui.i18n_st import county_name, label, lang, tr
from ui.layout import md_escape, page_header, show_error, stacked_on_phone
from ui.login_gate import require_actor
from ui.maps_st import basemap_picker, datum_of, map_data, render, show_map
from ui.photos_view import show_photos
from ui.pickers import pick_village
from ui.planting_form import rejected_notice
from ui.tables import checklist_table, english_names, show_table

actor = require_actor("village.view")
header = st.container()  # the title above the village picker, though it names the village picked
code = pick_village(actor)
if code is None:
    with header:
        page_header(tr("nav.village"))  # no village yet: the menu's words, no 「：」 with nothing after
    st.stop()
try:
    detail = data.village_detail(actor, code)
except (PermissionDenied, LookupError) as exc:
    show_error(exc)
    st.stop()
v = detail.village
with header:
    page_header(tr("village.title", name=md_escape(v["name"])))
    st.caption(" · ".join(md_escape(x) for x in (v.get("town_name"), county_name(code, v.get("county_name")), code)
                          if x))
if actor.team_id is not None:
    rejected_notice(actor, village_code=code, team_id=actor.team_id)

basemap = basemap_picker()
md = map_data(actor, datum=datum_of(basemap), within=code, towns=False, counties=False, overlay=True)
md.plantings = detail.plantings.assign(tree_count=detail.plantings["tree_count"])
show_map(render(md, basemap=basemap, metric="plan_completion", layer_control=md.overlay is not None),
         key="village_map")
village_section(actor, code)

# beside each other on a wide screen; on a phone the team and its people above the survival figure
left, right = stacked_on_phone("team").columns(2)
with left:
    st.markdown(f"#### {tr('village.team')}")
    team = detail.team
    if team:
        st.markdown(tr("village.team_line", name=md_escape(team["name"]), leader=md_escape(team.get("leader_name") or "—"),
                    members=fmt_int(team.get("members")), party=fmt_int(team.get("party_members"))))
    else:
        st.info(tr("village.no_team"))
    st.markdown(f"#### {tr('village.people')}")
    # each person once: a leader in charge of the county and of the town has both roles in one row
    people = detail.people.assign(
        kind=[fmt_list([label(PersonKind, r) for r in roles], lang()) for roles in detail.people["role"]],
        title=detail.people["title"].map(lambda x: position(x, lang())))
    show_table(people[["name", "kind", "title"]], {"name": tr("village.people.name"), "kind": tr("village.people.kind"),
                                                   "title": tr("village.people.title")})
with right:
    st.markdown(f"#### {tr('village.survival')}")
    s = detail.survival
    st.metric(tr("metric.survival"), fmt_pct(s["rate"], lang()),
              help=f"{fmt_int(s['alive'])} / {fmt_int(s['planted'])}")
    if s["responsible"]:
        st.caption(fmt_label(tr("lagging.responsible"), fmt_list([md_escape(r) for r in s["responsible"]], lang()), lang()))

st.markdown(f"#### {tr('village.plan_vs_planted')}")
pvp = english_names(detail.plan_vs_planted)  # species in the page's language
if len(pvp):
    plan_vs_planted(pvp)
else:
    st.info(tr("common.no_data"))

st.markdown(f"#### {tr('village.checklist')}")
checklist_table(data.measures(), detail.attestations, data.coverage(actor).get("measure_status"), code)

st.markdown(f"#### {tr('village.recent')}")
recent = detail.plantings.head(50).assign(
    planted_on=lambda f: f["planted_on"].map(lambda d: fmt_date(d, lang())),
    site_type=lambda f: f["site_type"].map(lambda x: label(SiteType, x)),
    status=lambda f: f["status"].map(lambda x: label(PlantingStatus, x)))
recent = recent.assign(reject_reason=recent["reject_reason"].where(
    detail.plantings.head(50)["status"] == PlantingStatus.REJECTED.value).fillna(""))
show_table(recent[["planted_on", "species", "tree_count", "site_type", "status", "reject_reason"]],
           {"planted_on": tr("common.date"), "species": tr("common.species"), "tree_count": tr("common.trees"),
            "site_type": tr("common.site_type"), "status": tr("common.status"),
            "reject_reason": tr("team.reject_reason")})

st.markdown(f"#### {tr('photos_view.title')}")
show_photos(actor, detail.plantings.head(50)["id"].tolist())
