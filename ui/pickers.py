"""Choosing a county or a village: from the actor's own area, the URL, or an earlier tap."""
from __future__ import annotations

import streamlit as st

from greening.actor import Actor
from greening.area_codes import county_prefix
from greening.geo.boundaries import COUNTIES
from ui import data
from ui.i18n_st import lang, tr, translated
from ui.layout import md_escape

__all__ = ["pick_county", "pick_village", "COUNTY_KEY", "VILLAGE_KEY"]

VILLAGE_KEY = "village_code"


COUNTY_KEY = "county_code"


def pick_county(actor: Actor, container=None) -> str:
    """A 6-digit county code: the actor's own county, or a choice for city-wide users.

    A county named in the URL (``?county=``, 6 or 12 digits) or chosen elsewhere
    (``session_state["county_code"]``) is preselected for city-wide users and written back to the
    URL. A county the user may not open (outside their area, or no county at all) is not shown in
    silence: a warning says so, as for a village's link, and the user's own area is shown below.
    """
    linked = st.query_params.get("county")
    if linked is not None and linked == st.session_state.get("county_link_written"):
        linked = None  # the URL this page wrote itself: the picker's own choice, not a link
    wanted = _county_of_link(st.session_state.pop(COUNTY_KEY, None) or linked)
    codes = list(COUNTIES)
    name = (lambda c: COUNTIES[c][1]) if lang() == "en" else (lambda c: COUNTIES[c][0])
    if not actor.is_citywide:
        own = county_prefix(actor.scope_prefix)
        if wanted is not None and wanted != own:
            st.warning(tr("county.only_own", code=md_escape(wanted[:40]), own=md_escape(_own_area_name(actor, own))))
        if st.query_params.get("county") not in (None, own):
            st.query_params["county"] = own
            st.session_state["county_link_written"] = own
        return own
    if wanted in codes:
        st.session_state["county_pick"] = wanted
    elif wanted is not None:
        shown = st.session_state.get("county_pick")
        st.warning(tr("county.unknown", code=md_escape(wanted[:40]), own=md_escape(name(shown if shown in codes else codes[0]))))
    if st.session_state.get("county_pick") not in codes:
        st.session_state["county_pick"] = codes[0]
    where = container or st
    code = translated(where.selectbox, tr("county.pick"), codes, format_func=name, key="county_pick")
    if st.query_params.get("county") != code:
        st.query_params["county"] = code
    st.session_state["county_link_written"] = code
    return code


def _county_of_link(wanted) -> str | None:
    """The county a link names: ``440823`` or ``440823000000`` as ``440823``; anything else as given
    (it names no county: refused with a warning); None when the link names none."""
    if wanted is None or str(wanted).strip() == "":
        return None
    text = str(wanted).strip()
    if len(text) == 12 and text.isdigit() and text.endswith("000000"):
        return text[:6]
    return text


def _own_area_name(actor: Actor, county: str) -> str:
    """The name of what the county page shows the actor: their town, or their county."""
    county_name = COUNTIES.get(county, (county, county))[1 if lang() == "en" else 0]
    if len(actor.scope_prefix) == 6:
        return county_name
    towns = data.towns(actor)
    mine = towns[towns["code"].str.startswith(actor.scope_prefix)] if len(towns) else towns
    return f"{county_name} · {mine['name'].iloc[0]}" if len(mine) else county_name


def pick_village(actor: Actor, container=None) -> str | None:
    """A 12-digit village code in the actor's area.

    A team sees its own village. Others choose from a searchable list; a village chosen on a map
    (``session_state["village_code"]``) or given in the URL (``?village=``) is preselected, and the
    choice is written back to the URL so it can be shared.
    """
    if len(actor.scope_prefix) == 12:
        own = actor.scope_prefix
        wanted = st.session_state.pop(VILLAGE_KEY, None) or st.query_params.get("village")
        if wanted and wanted != own:
            # A link (or a tap) naming another village: say that this is the team's own one instead.
            mine = data.village_shapes(actor, own)
            name = mine["name"].iloc[0] if len(mine) else own
            st.warning(tr("village.only_own", code=md_escape(str(wanted)[:40]), own=md_escape(name)))
        if st.query_params.get("village") not in (None, own):
            st.query_params["village"] = own
        return own
    villages = data.village_shapes(actor)
    if not len(villages):
        st.info(tr("common.no_data"))
        return None
    codes = villages["code"].tolist()
    labels = dict(zip(codes, villages["name"] + " · " + villages["town_name"].fillna(""), strict=False))
    wanted = st.session_state.pop(VILLAGE_KEY, None) or st.query_params.get("village")
    if wanted in labels:
        st.session_state["village_pick"] = wanted
    elif wanted:
        # A link or an old tab naming a village outside the user's area: say so, read nothing of it.
        st.warning(tr("common.outside_scope"))
    elif st.session_state.get("village_pick") not in labels:
        st.session_state["village_pick"] = codes[0]
    where = container or st
    code = translated(where.selectbox, tr("village.pick"), codes, format_func=labels.get, key="village_pick")
    if st.query_params.get("village") != code:
        st.query_params["village"] = code
    return code
