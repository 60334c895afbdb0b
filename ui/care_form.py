"""The log-a-care-check screen's parts: the village's checks due this week and overdue, picking the
planting (from that list, or by position: GPS or a tap, matched to the nearest verified planting
of the same species within ``GREENING_CARE_MATCH_METERS``), the form, and saving it exactly once.

Like the planting form (:mod:`ui.planting_form`), one submission id is made when the form is first
shown and kept until the check is saved and the user asks for a new form: a double tap carries
the same id and the care service stores it once; after a save the confirmation replaces the form.
"""
from __future__ import annotations

import uuid
from typing import NamedTuple

import pandas as pd
import streamlit as st

from greening.actor import Actor
from greening.i18n import fmt_count, fmt_date, fmt_weekday_date
from greening.permissions import PermissionDenied
from ui import data
from ui.engine import db_session
from ui.i18n_st import lang, tr, tr_key, translated
from ui.layout import md_escape, show_error
from ui.planting_form import default_date

__all__ = ["TASKS", "PositionPick", "due_list", "pick_due", "pick_by_position", "match_near", "care_form",
           "care_confirmation"]

SUBMISSION_KEY = "care_submission_id"
DONE_KEY = "care_done"
#: care done, as stored in the note (Chinese) and shown (both languages)
TASKS = {"water": ("浇水", "watering"), "fertilise": ("施肥", "fertilising"), "weed": ("除草", "weeding"),
         "stake": ("扶正加固", "staking"), "pests": ("病虫害防治", "pest control"), "prune": ("修剪", "pruning"),
         "replant": ("补植", "replanting")}


def due_list(actor: Actor, village_code: str) -> pd.DataFrame:
    """The village's checks due this week or overdue on the report date (overdue first)."""
    from greening.supervision.care_schedule import due_checks

    with db_session(actor) as s:
        return due_checks(s, actor, data.report_date(), village_code=village_code)


def _species_name(row) -> str:
    if lang() == "en":
        from ui.tables import english_names

        return str(english_names(pd.DataFrame([{"species": row["species"]}]))["species"].iloc[0])
    return str(row["species"])


def pick_due(due: pd.DataFrame) -> int | None:
    """A planting from the due list (one line per planting: its most urgent check)."""
    lg = lang()
    first = due.drop_duplicates("planting_id")
    labels = {}
    for row in first.to_dict("records"):
        state = tr("care.overdue_days", n=row["days_late"]) if row["state"] == "overdue" else tr("sup.state.due_soon")
        labels[int(row["planting_id"])] = tr("care.due_line", id=row["planting_id"], species=_species_name(row),
                                             count=fmt_count(row["tree_count"], lg), months=row["months"],
                                             due=fmt_date(row["due_on"], lg), state=state)
    return translated(st.selectbox, tr("care.pick"), list(labels), format_func=labels.get, index=None,
                        placeholder=tr("care.pick_placeholder"), key="care_pick")


NO_MATCH = "care.no_match"  # by position: no planting of the species within reach, 提交核查 disabled


class PositionPick(NamedTuple):
    """A check's planting picked by position: the planting matched (or None and why not)."""
    planting_id: int | None
    point: tuple[float, float] | None
    species_id: int | None
    missing: str  # the string key saying what is still needed, when no planting is matched


def pick_by_position(actor: Actor, village_code: str) -> PositionPick:
    """Where (GPS, a tap or typed coordinates), which village that is (the same line as on 种植登记,
    also for typed coordinates), the species, then the planting matched (said on screen)."""
    from ui.planting_form import point_picker, where_is

    point = point_picker(actor, village_code, prefix="care")
    if point is not None:
        where_is(actor, point, village_code, prefix="care")
    species_id = _species_box()
    if point is None:
        typed = st.session_state.get("care_how") == "typed"
        st.info(tr("care.need_coords" if typed else "care.need_point"))
        return PositionPick(None, None, species_id, "care.need_coords" if typed else "care.need_point")
    if species_id is None:
        st.info(tr("care.need_species"))
        return PositionPick(None, point, None, "care.need_species")
    pid = match_near(actor, point, species_id)
    # no planting to match (the reason said above): nothing to submit until the point or species changes
    return PositionPick(pid, point, species_id, "care.need_planting" if pid is not None else NO_MATCH)


def _species_names() -> dict:
    species = data.species()
    names = species["name_en"].fillna(species["name_zh"]) if lang() == "en" else species["name_zh"]
    return dict(zip(species["id"], names, strict=False))


def _species_box() -> int | None:
    names = _species_names()
    species_id = translated(st.selectbox, tr("care.species"), list(names), format_func=names.get, index=None,
                            placeholder=tr("log.pick_species"), key="care_species")
    return None if species_id is None else int(species_id)


def match_near(actor: Actor, point, species_id: int) -> int | None:
    """The planting of ``species_id`` matched near ``point`` (said on screen), or None (the reason shown)."""
    from greening.models import Planting
    from greening.supervision.care_schedule import match_planting

    lg = lang()
    try:
        with db_session(actor) as s:
            pid, metres = match_planting(s, actor, point[0], point[1], int(species_id), data.report_date())
            p = s.get(Planting, pid)
            count, planted = p.tree_count, p.planted_on
    except (ValueError, PermissionDenied) as exc:
        show_error(exc)
        return None
    st.success(tr("care.matched", id=pid, species=md_escape(_species_names()[species_id]),
                  count=fmt_count(count, lg), planted=fmt_date(planted, lg), metres=f"{metres:.0f}"))
    return pid


def _submission_id() -> str:
    if not st.session_state.get(SUBMISSION_KEY):
        st.session_state[SUBMISSION_KEY] = uuid.uuid4().hex
    return st.session_state[SUBMISSION_KEY]


def care_form(actor: Actor, planting_id: int | None, *, point=None, species_id: int | None = None,
              missing: str = "care.need_planting") -> None:
    """The check's form; on submit, record it once (by position: matched again by the same rule).
    ``missing``: what to say when no planting is picked (by position: the point, or the species)."""
    import datetime as dt

    sid = _submission_id()
    lg = lang()
    tasks = {k: (zh if lg == "zh" else en) for k, (zh, en) in TASKS.items()}
    # The date outside the form, as on 种植登记 (ui.planting_form.planting_form), so that the line
    # under it says the date picked as soon as it is picked (inside the form nothing runs before
    # 提交): the calendar's month and day names are the browser's language's (st.date_input has no
    # locale), the line is the page's, with the day of the week.
    checked_on = st.date_input(tr("care.date"), value=default_date(), max_value=dt.date.today(), key="care_date")
    st.caption(tr("log.date_picked", date=fmt_weekday_date(checked_on, lg)))
    with st.form("care_form", border=True):
        kind = translated(st.segmented_control, tr("care.kind"), ["survival", "care"], format_func=tr_key("care.kind."),
                                    default="survival", required=True, key="care_kind")
        alive = st.number_input(tr("care.alive"), min_value=0, max_value=100_000, value=None, step=1, key="care_alive")
        done = translated(st.multiselect, tr("care.done_what"), list(tasks), format_func=tasks.get, key="care_tasks")
        responsible = st.text_input(tr("care.responsible"), max_chars=60, key="care_responsible")
        note = st.text_area(tr("care.note"), max_chars=1000, key="care_note", height=68)
        # no planting within reach by position: the press could only be refused, so it is disabled, the reason under it
        blocked = planting_id is None and missing == NO_MATCH
        submitted = st.form_submit_button(tr("care.submit"), type="primary", width="stretch", disabled=blocked)
        if blocked:
            st.caption(tr(NO_MATCH))
    if not submitted or blocked:
        return
    if planting_id is None:
        st.error(tr(missing))
        return
    text = "、".join(TASKS[t][0] for t in done)
    note_text = "；".join(t for t in (text, note.strip()) if t) or None
    values = dict(kind=kind, checked_on=checked_on, alive_count=None if alive is None else int(alive),
                  responsible=responsible.strip() or None, note=note_text, submission_id=sid)
    from greening.services.care import record_check
    from greening.supervision.care_schedule import record_check_at

    # As on the planting form (ui.planting_form.planting_form): the confirmation is a dict put in
    # session state BEFORE the save and filled as the check is stored, with no session-state access
    # (Streamlit's checkpoint for a rerun request) in between. A second press arriving during this
    # run stopped it at the write of the confirmation after the check was saved, the form was sent
    # again and the page said only 「此前已提交」.
    done: dict = {}
    st.session_state[DONE_KEY] = done
    try:
        with db_session(actor, write=True) as s:
            if point is not None and species_id is not None:
                result, planting_id, _m = record_check_at(s, actor, lon=point[0], lat=point[1],
                                                          species_id=species_id, **values)
            else:
                result = record_check(s, actor, planting_id, **values)
            check = result[0]
            # the date as stored (on a replay, the first sending's), said in the page's language when shown
            message = {"created": result[1], "id": check.id, "planting": planting_id, "kind": kind,
                       "checked_on": check.checked_on.isoformat(),
                       "alive": check.alive_count, "trees": check.planting.tree_count}
        done.update(message)  # committed
    except (ValueError, PermissionDenied) as exc:
        st.session_state.pop(DONE_KEY, None)
        show_error(exc)
        return
    data.invalidate()
    st.rerun()


def care_confirmation() -> bool:
    """After a save: what was recorded and a button for the next check. True while shown."""
    done = st.session_state.get(DONE_KEY)
    if not done:
        return False
    on = fmt_weekday_date(done.get("checked_on"), lang())
    if done["created"]:
        kind = tr(f"care.kind_said.{done['kind']}")
        st.success(tr("care.saved", planting=done["planting"], kind=kind, date=on, id=done["id"]))
        if done.get("alive") is not None and done.get("trees"):
            st.caption(tr("care.rate", rate=f"{100 * done['alive'] / done['trees']:.0f}%"))
    else:
        st.info(tr("care.duplicate", date=on, id=done["id"]))
    if st.button(tr("care.another"), type="primary", width="stretch", key="care_another"):
        for key in (DONE_KEY, SUBMISSION_KEY, "care_pick", "care_alive", "care_note", "care_tasks"):
            st.session_state.pop(key, None)
        st.rerun()
    return True
