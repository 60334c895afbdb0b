"""Attesting a measure with evidence (through greening.services.attestations)."""
from __future__ import annotations

import streamlit as st

from greening.actor import Actor
from greening.permissions import PermissionDenied, allowed
from ui import data
from ui.engine import db_session
from ui.forms import FormRound
from ui.i18n_st import lang, tr
from ui.layout import md_escape, show_error

__all__ = ["attest_form"]

_DONE_KEY = "attest_done"  # (round of the fresh form, [text]): the last claim saved, said above the fresh form


def attest_form(actor: Actor, measures) -> None:
    if not allowed(actor, "attestation.create"):
        st.info(tr("error.not_allowed"))
        return
    counties = data.counties(actor)
    level_frames = {"village": data.villages(actor), "town": data.towns(actor),
                    "county": counties[counties["code"].map(actor.covers)]}
    titles = dict(zip(measures["id"], measures["title_en"].fillna(measures["title_zh"]) if lang() == "en"
                      else measures["title_zh"], strict=False))
    attestable = measures[measures["evaluation"] == "attestation"]
    if not len(attestable):
        attestable = measures
    # The measure is chosen outside the form: the areas offered depend on its level.
    measure_id = st.selectbox(tr("measures.measure"), attestable["id"].tolist(),
                              format_func=lambda m: f"{m} {titles.get(m, '')}", key="attest_measure")
    level = dict(zip(measures["id"], measures["level"], strict=False)).get(measure_id, "village")
    areas = level_frames.get(level)
    if areas is None or not len(areas):
        st.info(tr("common.no_data"))
        return
    names = dict(zip(areas["code"], areas["name"], strict=False))
    form = FormRound("attest_form")
    done = st.session_state.get(_DONE_KEY)
    if done and done[0] == form.round and done[1]:
        st.success(done[1][0])
    with st.form(form.key(), clear_on_submit=False):
        area_code = st.selectbox(tr("measures.area"), list(names), format_func=names.get, key=form.key("area"))
        evidence = st.text_area(tr("measures.evidence"), max_chars=2000, key=form.key("evidence"))
        submitted = st.form_submit_button(tr("measures.submit"), type="primary", width="stretch")
    if not submitted:
        return
    from greening.services.attestations import create_attestation

    # The fresh form's round and the confirmation (a list filled as the claim is committed) are kept
    # BEFORE the write, with no session-state access between the commit and the confirmation: a
    # second press arriving during this run stops it at its next session-state access, and a run
    # stopped after the commit but before the next round was kept had the same form sent again,
    # refused as a second claim (「…已申报措施…」) instead of confirmed.
    text = tr("measures.saved", measure=measure_id, area=md_escape(names.get(area_code, area_code)))
    said: list[str] = []
    st.session_state[_DONE_KEY] = (form.round + 1, said)
    form.next()
    try:
        with db_session(actor, write=True) as s:
            create_attestation(s, actor, measure_id=measure_id, area_code=area_code, evidence=evidence)
        said.append(text)  # committed
    except (ValueError, PermissionDenied) as exc:
        form.undo()  # this round's form again, as typed
        st.session_state.pop(_DONE_KEY, None)
        show_error(exc)
        return
    data.invalidate()
    st.rerun()  # the fresh form, the confirmation above it
