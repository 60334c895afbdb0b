"""The review queue on screen: filters, the total and one page, one record's details, the decision.

A decision applies only to the record it was made for: the submit button carries that record's
id and version (``on_click`` arguments fixed when the form was drawn), and after every decision
the record choice and the form start afresh (their keys change). A second press of 提交, or a
press that arrives late, therefore names the record already decided, and is refused by its
version instead of deciding the next record in the list; the same decision pressed again (a double
tap whose first run was cut short) is answered with its outcome, not as a conflict.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from greening.i18n import fmt_date, fmt_int
from greening.models.enums import SiteType
from greening.services import review
from greening.services.review_queue import (
    ANY_FLAG,
    NO_PHOTO,
    PAGE_SIZES,
    PHOTO_FLAGS,
    PLANTING_FLAGS,
    QueueFilter,
    queue_options,
    queue_page,
)
from ui.engine import db_session
from ui.i18n_st import label, lang, tr, translated
from ui.layout import md_escape, show_error
from ui.photos_view import flag_list, flag_words, record_photos

__all__ = ["decision_queue", "NONCE_KEY"]

NONCE_KEY = "review_nonce"    # bumped after every decision: fresh record choice and form
_NOTE_KEY = "review_note"     # [("success" | "info" | "error" | "exc", text or error)] of the last presses
_DECIDED_KEY = "review_decided"  # {(id, version)} decided in this tab
_LOCAL_TZ = dt.timezone(dt.timedelta(hours=8))


def _decide(actor, pid: int, version: int, nonce: int) -> None:
    """The submit button's callback: decide record ``pid`` as it was at ``version``."""
    decided = st.session_state.setdefault(_DECIDED_KEY, set())
    st.session_state[_SCROLL_KEY] = True  # whatever the outcome, it is said where the reviewer looks
    if (pid, version) in decided:  # a second press of the same form: its outcome is on screen
        return
    notes: list = []
    st.session_state[_NOTE_KEY] = notes  # a new decision: the outcome of the previous one is gone
    decision = st.session_state.get(f"rv_decision_{nonce}")
    reason = st.session_state.get(f"rv_reason_{nonce}", "")
    if decision not in ("verify", "reject"):
        _note("error", tr("review.choose_decision"))
        return
    # The outcome's words and the fresh form (the next nonce) are kept BEFORE the write, and the
    # outcome is added as the decision is committed, with no session-state access in between: a
    # second press arriving during this run stops it at its next session-state access, and a run
    # stopped after the commit lost the outcome (only the database's last decision was said, as
    # for a tab whose state is gone) and kept the decided record's form on screen.
    text = (tr("review.done.verified", id=pid) if decision == "verify"
            else tr("review.done.rejected", id=pid, reason=md_escape(reason.strip())))
    st.session_state[NONCE_KEY] = nonce + 1
    try:
        with db_session(actor, write=True) as s:
            if decision == "verify":
                review.verify(s, actor, pid, expected_version=version)
            else:
                review.reject(s, actor, pid, expected_version=version, reason=reason)
        decided.add((pid, version))  # committed
        notes.append(("success", text))
    except review.Conflict:
        _note("info", tr("review.already", id=pid))
        return
    except (ValueError, PermissionError) as exc:
        st.session_state[NONCE_KEY] = nonce  # the same form again, as filled in
        _note("exc", exc)
        return


def _note(kind: str, value) -> None:
    st.session_state.setdefault(_NOTE_KEY, []).append((kind, value))


def _show_notes(actor) -> None:
    # Kept until the next decision: a run interrupted by a second press must not lose the outcome.
    notes = st.session_state.get(_NOTE_KEY, [])
    for kind, value in notes:
        if kind == "exc":
            show_error(value)
        else:
            getattr(st, kind)(value)
    if notes:
        return
    # No outcome in this tab's state (a connection dropped under load came back as a new session):
    # the reviewer's latest decision of the last minutes, from the database, in the same words.
    with db_session(actor) as s:
        last = review.last_decision(s, actor)
    if last is not None:
        pid, status, reason = last
        st.info(tr("review.done.verified", id=pid) if status == "verified"
                else tr("review.done.rejected", id=pid, reason=md_escape((reason or "").strip())))


def _filters(actor) -> tuple[QueueFilter, int, int]:
    with db_session(actor) as s:
        options = queue_options(s, actor)
    villages, teams = options["villages"], options["teams"]
    with st.expander(tr("review.filters"), expanded=False):
        c1, c2 = st.columns(2)
        dates = c1.date_input(tr("review.submitted_between"), value=(), key="rv_dates", format="YYYY-MM-DD")
        vnames = dict(zip(villages["code"], villages["name"], strict=True))
        village = translated(c2.selectbox, tr("common.village"), [None, *vnames], key="rv_village",
                               format_func=lambda c: tr("review.village_all") if c is None
                               else f"{vnames[c]}（{fmt_int(villages.set_index('code').loc[c, 'pending'])}）")
        shown_teams = teams if village is None else teams[teams["village_code"] == village]
        tnames = dict(zip(shown_teams["id"].astype(int), shown_teams["name"], strict=True))
        c3, c4 = st.columns(2)
        team = translated(c3.selectbox, tr("review.team"), [None, *tnames], key="rv_team",
                            format_func=lambda i: tr("review.team_all") if i is None else str(tnames[i]))
        flag_options = [None, ANY_FLAG, *PLANTING_FLAGS, *PHOTO_FLAGS, NO_PHOTO]
        flag = translated(c4.selectbox, tr("review.flag"), flag_options, key="rv_flag", format_func=_flag_option)
        c5, c6 = st.columns(2)
        size = c5.selectbox(tr("review.page_size"), PAGE_SIZES, key="rv_page_size")
        page = c6.number_input(tr("review.page"), min_value=1, value=1, step=1, key="rv_page")
    since, until = (dates[0], dates[-1]) if isinstance(dates, (tuple, list)) and dates else (None, None)
    if team is not None and team not in tnames:
        team = None
    return QueueFilter(since=since, until=until, village_code=village, team_id=team, flag=flag), int(page), int(size)


def _flag_option(flag) -> str:
    if flag is None:
        return tr("review.flag_all")
    if flag == ANY_FLAG:
        return tr("review.flag_any")
    if flag == NO_PHOTO:
        return tr("review.flag_no_photo")
    return flag_list([flag])[0]


def _species(row) -> str:
    if lang() == "en" and isinstance(row.get("species_en"), str) and row["species_en"]:
        return row["species_en"]
    return row["species"]


def _submitted(value) -> str:
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    local = ts.tz_convert(_LOCAL_TZ)
    return f"{fmt_date(local.date(), lang())} {local:%H:%M}"


#: below this screen width the queue is one line per record (the table would scroll sideways)
NARROW_PX = 640
_QUEUE_CSS = f"""<style>
@media (max-width:{NARROW_PX}px){{.st-key-rv_queue_wide{{display:none!important}}}}
@media (min-width:{NARROW_PX + 1}px){{.st-key-rv_queue_narrow{{display:none!important}}}}
</style>"""


def _table(rows: pd.DataFrame) -> None:
    """The page of records: a table on a wide screen, one line per record on a phone (the
    browser shows one of the two by its width, so nothing scrolls sideways)."""
    st.html(_QUEUE_CSS)
    with st.container(key="rv_queue_wide"):
        _wide_table(rows)
    with st.container(key="rv_queue_narrow"):
        _narrow_list(rows)


def _narrow_list(rows: pd.DataFrame) -> None:
    lines = []
    for r in rows.to_dict("records"):
        text = tr("review.card", id=int(r["id"]), village=r["village"], species=_species(r),
                  trees=fmt_int(int(r["tree_count"])), photos=int(r["photos"]),
                  flags=flag_words([*r["flags"], *r["photo_flags"]]), submitted=_submitted(r["created_at"]))
        lines.append(f"- {md_escape(text)}")
    st.markdown("\n".join(lines))


def _wide_table(rows: pd.DataFrame) -> None:
    lg = lang()
    shown = pd.DataFrame({
        tr("review.col.id"): rows["id"].astype(int),
        tr("common.village"): rows["village"],
        tr("common.species"): [_species(r) for r in rows.to_dict("records")],
        tr("common.trees"): rows["tree_count"].astype(int),
        tr("review.col.flags"): [flag_words([*a, *b]) for a, b in zip(rows["flags"], rows["photo_flags"], strict=True)],
        tr("review.col.photos"): rows["photos"].astype(int),
        tr("review.col.planted_on"): rows["planted_on"].map(lambda d: fmt_date(d, lg)),
        tr("review.col.submitted"): rows["created_at"].map(_submitted),
        tr("review.team"): rows["team"].fillna("—"),
    })
    st.dataframe(shown, hide_index=True, width="stretch")


def _record_label(row) -> str:
    return (f"#{int(row['id'])} {row['village']} · {_species(row)} × {int(row['tree_count'])} · "
            f"{fmt_date(row['planted_on'], lang())}")


def _detail(actor, row) -> None:
    from ui.review_detail import record_map

    pid = int(row["id"])
    st.markdown(f"**{md_escape(tr('review.detail', id=pid))}** · {md_escape(_record_label(row).split(' ', 1)[1])}")
    name = row.get("site_name")
    site = label(SiteType, row["site_type"]) + (f" · {name}" if isinstance(name, str) and name.strip() else "")
    st.caption(f"{tr('review.detail.where', place=md_escape(site))} · "
               f"{tr('review.detail.people', party=int(row['party_members']), villagers=int(row['villagers']))}")
    if isinstance(row.get("note"), str) and row["note"].strip():
        st.caption(tr("review.detail.note", note=md_escape(row["note"])))
    if row["flags"]:
        st.warning(tr("review.detail.flags", flags=md_escape(flag_words(row["flags"]))))
    record_photos(actor, pid)
    record_map(actor, row)


def _decision_form(actor, row, nonce: int) -> None:
    pid, version = int(row["id"]), int(row["version"])
    with st.form(f"rv_form_{pid}_{version}_{nonce}", clear_on_submit=False, enter_to_submit=False):
        translated(st.radio, tr("review.decision"), ["verify", "reject"], index=None, horizontal=True,
                 key=f"rv_decision_{nonce}",
                 format_func=lambda d: tr("review.verify") if d == "verify" else tr("review.reject"))
        st.text_area(tr("review.reason"), max_chars=review.MAX_REASON, key=f"rv_reason_{nonce}")
        st.form_submit_button(tr("review.submit"), type="primary", on_click=_decide,
                              args=(actor, pid, version, nonce), width="stretch")


_SCROLL_KEY = "review_scroll_to_outcome"  # set by a press: the next run brings its outcome into view
_OUTCOME_BOX = "rv_outcome"
def _outcome(actor, nonce: int) -> None:
    """The last press's outcome where the reviewer is looking: just above the record picker, where
    the form was (it had been at the top of the tab, out of view on a phone scrolled down to the
    form), brought into view in the run after the press."""
    with st.container(key=_OUTCOME_BOX):
        _show_notes(actor)
    if st.session_state.pop(_SCROLL_KEY, False):
        from ui.layout import scroll_into_view

        scroll_into_view(_OUTCOME_BOX, f"decision {nonce}")


def decision_queue(actor) -> None:
    """The queue tab: filters, total, one page, the last decision's outcome and the chosen record."""
    nonce = int(st.session_state.setdefault(NONCE_KEY, 0))
    flt, page, size = _filters(actor)
    with db_session(actor) as s:
        result = queue_page(s, actor, flt, page=page, page_size=size)
    if result.total == 0:
        _outcome(actor, nonce)
        st.info(tr("review.empty") if flt == QueueFilter() else tr("review.empty_filtered"))
        return
    st.caption(tr("review.total", total=fmt_int(result.total), page=result.page, pages=result.pages,
                  shown=len(result.rows)))
    _table(result.rows)
    _outcome(actor, nonce)
    rows = {int(r["id"]): r for r in result.rows.to_dict("records")}
    pid = st.selectbox(tr("review.record"), list(rows), index=None, key=f"rv_record_{nonce}",
                       format_func=lambda i: _record_label(rows[i]), placeholder=tr("review.record_placeholder"))
    if pid is None or pid not in rows:
        return
    _detail(actor, rows[pid])
    _decision_form(actor, rows[pid], nonce)
