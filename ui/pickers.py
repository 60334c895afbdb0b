"""Choosing a county or a village: from the actor's own area, the URL, or an earlier tap."""
from __future__ import annotations

import streamlit as st

from greening.actor import Actor
from greening.area_codes import county_prefix
from greening.geo.boundaries import COUNTIES
from ui import data
from ui.i18n_st import lang, tr, translated
from ui.layout import md_escape

__all__ = ["pick_county", "pick_village", "VILLAGE_KEY"]

VILLAGE_KEY = "village_code"


def pick_county(actor: Actor, container=None) -> str:
    """A 6-digit county code: the actor's own county, or a choice for city-wide users."""
    if not actor.is_citywide:
        return county_prefix(actor.scope_prefix)
    where = container or st
    codes = list(COUNTIES)
    name = (lambda c: COUNTIES[c][1]) if lang() == "en" else (lambda c: COUNTIES[c][0])
    default = st.session_state.get("county_code", codes[0])
    return translated(where.selectbox, tr("county.pick"), codes, index=codes.index(default) if default in codes else 0,
                           format_func=name, key="county_pick")


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
