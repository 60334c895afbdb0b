"""示范创建 Demonstration sites: the demonstration towns, villages and industry models on a map, with
progress against the campaign's figures (18 / 376 / 12)."""
import streamlit as st

from greening.i18n import fmt_pct
from greening.models.enums import DesignationKind
from greening.services.roster_views import DESIGNATION_TARGETS
from ui import data
from ui.i18n_st import label, label_of, lang, tr
from ui.layout import page_header, progress_metric
from ui.login_gate import require_actor
from ui.maps_st import basemap_picker, cached_render, datum_of, map_data, render, show_map
from ui.tables import show_table

actor = require_actor("dashboard.view")
page_header(tr("designations.title"))
sites = data.designations(actor)
counts = sites["kind"].value_counts()
cols = st.columns(len(DESIGNATION_TARGETS))
for col, (kind, target) in zip(cols, DESIGNATION_TARGETS.items(), strict=False):
    progress_metric(col, label(DesignationKind, kind), int(counts.get(kind, 0)),
                    target if actor.is_citywide else None, kind="int")

kinds = [k.value for k in DesignationKind if k.value in counts]
chosen = st.multiselect(tr("designations.kind"), kinds, default=kinds, format_func=label_of(DesignationKind),
                        key="des_kinds", placeholder=tr("common.all"))
shown = sites[sites["kind"].isin(chosen)]
basemap = basemap_picker()


def _designations_map():
    md = map_data(actor, datum=datum_of(basemap), villages=data.village_shapes(actor).iloc[0:0])
    md.designations = shown
    return render(md, basemap=basemap)


show_map(cached_render(actor, "designations", _designations_map, basemap=basemap, kinds=tuple(sorted(chosen))),
         key="designations_map")

table = shown.assign(kind=shown["kind"].map(lambda k: label(DesignationKind, k)),
                     progress=shown["progress"].map(lambda v: fmt_pct(v, lang())))
show_table(table, {"kind": tr("designations.kind"), "name": tr("common.name"), "area_name": tr("measures.area"),
                   "year": tr("common.year"), "progress": tr("designations.progress")}, height=400)
