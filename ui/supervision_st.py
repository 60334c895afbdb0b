"""Streamlit glue for supervision notices: the issue panel on the lagging page, the inbox count,
one notice with the actions the user may take, and the PDF download."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from greening.actor import Actor
from greening.config import get_settings
from greening.i18n import t
from greening.permissions import PermissionDenied, allowed
from ui import data
from ui.engine import db_session
from ui.forms import FormRound
from ui.i18n_st import lang, tr, translated
from ui.layout import flash_slot, flashed, md_escape, show_error
from ui.tables import phone_table

__all__ = ["issue_panel", "inbox_of", "inbox_count", "notice_actions", "notice_pdf_button", "notices_table", "status_text",
           "level_text", "report_evidence", "notice_place", "notice_reasons", "notice_facts"]


def _today() -> dt.date:
    return data.report_date()


_ISSUED_KEY = "sup_issue_done"  # (round of the fresh form, [(kind, text), ...]) saying what the last batch did
_ISSUED_SCROLL = "sup_issue_scroll"  # set by a batch issued: the next run brings its outcome into view


def issue_panel(actor: Actor, lagging: pd.DataFrame) -> None:
    """下发督办单 from the lagging list: villages picked, reasons and people pre-filled, editable."""
    if not allowed(actor, "notice.issue") or lagging is None or not len(lagging):
        return
    from greening.supervision.issuing import issue_batch, open_notices
    from greening.supervision.notices import (
        NoticeDraft,
        NoticeError,
        addressee_text,
        draft_from_lagging,
        parse_addressees,
    )

    # Keyed: the browser knows the panel by its key, not by its label, so it stays open when the
    # language is switched (the label in the other language made it a new, closed panel).
    with st.expander(tr("sup.issue.title"), icon=":material/assignment_late:", key="sup_issue_panel"):
        # One round per issuing: after a batch is issued the picker and the form start afresh under
        # new keys, so a second press of the old 下发 (a double press, a press a second later) is
        # not delivered and cannot issue the whole batch again (ui.forms).
        rnd = FormRound("sup_issue")
        done = st.session_state.get(_ISSUED_KEY)
        if done and done[0] == rnd.round:
            with st.container(key=f"sup_issued_{rnd.round}"):
                for kind, text in done[1]:
                    {"success": st.success, "info": st.info, "warning": st.warning}[kind](text)
            if st.session_state.pop(_ISSUED_SCROLL, False):  # where the official is looking
                from ui.layout import scroll_into_view

                scroll_into_view(f"sup_issued_{rnd.round}", f"batch {rnd.round}")
        names = dict(zip(lagging["code"], lagging["name"], strict=False))
        with db_session(actor) as s:
            already = open_notices(s, actor, names)
        sep = ", " if lang() == "en" else "、"

        marks = {code: f" · {tr('sup.issue.open_mark', numbers=sep.join(found))}" for code, found in already.items()}

        def option(code: str) -> str:  # in this run's language, also when called after the run (ui.i18n_st.tr_key)
            return f"{names[code]}（{code}）{marks.get(code, '')}"

        # the villages' codes as options, named in this run's language; after a language switch the
        # choice is handed back, or the chips kept the other language's marks (ui.i18n_st.translated)
        picked = translated(st.multiselect, tr("sup.issue.pick"), list(names), format_func=option,
                            # no 全选: it picked the first 50 of the list in silence (183 lagging)
                            key=rnd.key("pick"), max_selections=50, select_all=False)
        open_picked = [c for c in picked if c in already]
        if open_picked:
            st.caption(tr("sup.issue.open_hint", n=len(open_picked)))
        default = _today() + dt.timedelta(days=get_settings().notice_deadline_days)
        with st.form(rnd.key(), clear_on_submit=False):
            deadline = st.date_input(tr("sup.issue.deadline"), value=default, key=rnd.key("deadline"))
            drafts = []
            for code in picked:
                d = draft_from_lagging(lagging[lagging["code"] == code].iloc[0].to_dict())
                reasons = st.text_area(tr("sup.issue.reasons", village=names[code]), value=d.reasons,
                                       key=rnd.key(f"r_{code}"), height=110)
                filled = _refill(rnd.key(f"p_{code}"), addressee_text(d.addressees, lang()))
                people = st.text_input(tr("sup.issue.people", village=names[code]), value=filled,
                                       key=rnd.key(f"p_{code}"))
                addressees = parse_addressees(people, d.addressees)  # each person keeps their role
                drafts.append(NoticeDraft(code, reasons, d.reason_codes, addressees))
            reissue = st.checkbox(tr("sup.issue.reissue"), value=False, key=rnd.key("reissue"),
                                  disabled=not open_picked)
            go = st.form_submit_button(tr("sup.issue.button"), type="primary", disabled=not picked, width="stretch")
        if go and drafts:
            refused: list[str | None] = [None]  # the village whose draft is being issued, when there are several

            def naming(d: NoticeDraft) -> None:
                refused[0] = names[d.village_code] if len(drafts) > 1 else None

            # The fresh form's round and the outcome (a list filled as the batch is committed) are
            # kept BEFORE the write, with no session-state access between the commit and the
            # outcome: a second press arriving during this run stops it at its next session-state
            # access, and a run stopped after the commit but before the next round was kept had
            # the same form sent again (「…已有您今天下发的未办结督办单，没有下发新的督办单」).
            lg, today = lang(), _today()
            said: list[tuple[str, str]] = []
            st.session_state[_ISSUED_KEY] = (rnd.round + 1, said)  # shown above the fresh form
            st.session_state[_ISSUED_SCROLL] = True
            rnd.next()
            saved = False
            try:
                with db_session(actor, write=True) as s:
                    outcome = issue_batch(s, actor, drafts, deadline=deadline, issued_on=today,
                                          reissue_open=bool(reissue), before_each=naming)
                    words = _issued_text(outcome, names, sep, lg)
                said.extend(words)  # committed
                saved = True
            except (NoticeError, PermissionDenied, ValueError) as exc:
                _refused(exc, refused[0])
                return
            finally:
                if not saved:  # this round's form again, as typed
                    rnd.undo()
                    st.session_state.pop(_ISSUED_KEY, None)
                    st.session_state.pop(_ISSUED_SCROLL, None)
            data.invalidate()
            # Drawn again at once: the fresh form, with the villages just issued to marked as open
            # (the old picker stayed on screen, unmarked, until the official's next click).
            st.rerun()


def _refill(key: str, text: str) -> str:
    """``text``, the pre-filled value of the field ``key``, given again when it changed: a field
    still holding what it was filled with (the roles in the other language, after a language
    switch) is filled with ``text``; a field the user edited keeps the edit.

    A keyed field keeps its value whatever ``value`` it is later given: 受文责任人 went on showing
    「包镇领导：…」 on the English page. Either language's roles are read back
    (:func:`greening.supervision.notices.parse_addressees`), so an edit is never lost to a switch."""
    seen = f"_filled:{key}"
    before = st.session_state.get(seen)
    if before is not None and before != text and st.session_state.get(key) == before:
        st.session_state[key] = text
    st.session_state[seen] = text
    return text


def _issued_text(outcome, names: dict, sep: str, lg: str) -> list[tuple[str, str]]:
    """What a batch did, as (kind, text) in ``lg``: the new notices issued (counted), the villages
    that already had the open notice this user issued them today (a press handled twice: named
    with that notice's number, nothing new issued), and the villages skipped for another open
    notice. Reads no session state (made inside the batch's transaction)."""
    from greening.supervision.notices import display_number

    def say(key: str, **kw) -> str:  # in ``lg``, not the session's language
        return t(key, lg, **kw)

    made = [display_number(n) for n in outcome.issued]
    said: list[tuple[str, str]] = []
    if made:
        said.append(("success", say("sup.issue.done", n=len(made), numbers=sep.join(made))))
    repeated = outcome.repeated
    if len(repeated) == 1 and not made and not outcome.skipped:
        ((code, number),) = repeated.items()
        said.append(("info", say("sup.issue.repeated_one", village=md_escape(names.get(code, code)), number=number)))
    else:
        if not made:
            said.append(("info", say("sup.issue.none_issued")))
        if repeated:
            items = sep.join(say("sup.issue.repeated_item", village=md_escape(names.get(c, c)), number=x)
                             for c, x in repeated.items())
            said.append(("info", say("sup.issue.repeated", n=len(repeated), villages=items)))
    if outcome.skipped:
        said.append(("warning", say("sup.issue.skipped", n=len(outcome.skipped),
                                   villages=md_escape(sep.join(names.get(c, c) for c in outcome.skipped)))))
    return said


def _refused(exc: BaseException, village: str | None) -> None:
    """The refusal, naming the village whose draft was refused when several were issued at once
    (the deadline is the same for all of them: not named)."""
    if village is None or getattr(exc, "code", None) == "notice_deadline_not_after_issue":
        show_error(exc)
        return
    from greening.i18n import error_text

    st.error(md_escape(tr("sup.issue.refused_for", village=village, message=error_text(exc, lang()))))


def inbox_of(actor: Actor):
    """Everything waiting for the actor on the report date (:func:`greening.supervision.inbox.inbox`).

    Kept per role and area (what the inbox depends on: no user's own data is in it), day and data
    version of the area: the sidebar's count and the inbox page share one computation, made again
    after any write in the area through any replica, not on every rerun (the care schedule behind
    it reads every verified planting of the area). A page that writes sees its own write at once
    (its next read of the versions follows the write, :func:`ui.data._run_memo`)."""
    return _inbox(data.scope_of(actor), data.own_keys(actor), _today().isoformat(), actor)


def inbox_count(actor: Actor) -> int:
    """How many things wait for the actor (the sidebar's count, drawn on every rerun of every
    page): the total of :func:`inbox_of`, and for an administrator the notifications that failed or
    are unconfirmed (to be sent again from the inbox); 0 for a user who has no inbox."""
    try:
        total = _inbox_total(data.scope_of(actor), data.own_keys(actor), _today().isoformat(), actor)
    except PermissionDenied:
        return 0
    if allowed(actor, "outbox.view"):
        # read on each run: the sender marks a message failed without a data version to follow
        from greening.supervision import outbox

        with db_session(actor) as s:
            total += outbox.failure_count(s, actor)
    return total


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=4096)
def _inbox_total(scope: str, db: str, day: str, _actor: Actor) -> int:
    # Kept apart from the inbox (same key): a cached value is copied out on every read, and the
    # count is read on every rerun of every page, the inbox's tables only on its own page.
    return _inbox(scope, db, day, _actor).total


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=4096)
def _inbox(scope: str, db: str, day: str, _actor: Actor):
    from greening.supervision.inbox import inbox

    with db_session(_actor) as s:
        return inbox(s, _actor, dt.date.fromisoformat(day))


def status_text(rec) -> str:
    """A notice's state in the interface's language (``status_en`` / ``status_zh`` of its record)."""
    return str(rec["status_en"] if lang() == "en" else rec["status_zh"])


def level_text(rec) -> str:
    """The level a notice sits at (town, county, city; escalated when overdue), in the interface's language."""
    return str(rec["level"] if lang() == "en" else rec["level_zh"])


def notice_place(rec) -> str:
    """Where a notice goes, in the interface's language: 遂溪县金岭镇（示例）北寮社区（示例） in
    Chinese; in English as the lagging cards write it, the village, its town and the county's
    English name (北寮社区（示例） · 金岭镇（示例） · Suixi County; towns and villages have only
    their Chinese names)."""
    county = rec.get("county_name") if isinstance(rec.get("county_name"), str) else ""
    town = rec.get("town_name") if isinstance(rec.get("town_name"), str) else ""
    if lang() != "en":
        return f"{county}{town}{rec['village_name']}"
    from ui.i18n_st import county_name

    county = county_name(str(rec["village_code"]), county) if county else ""
    return " · ".join(p for p in (str(rec["village_name"]), town, county) if p)


def notice_reasons(rec) -> None:
    """督办事由 in the interface's language. The notice keeps them as issued, in Chinese (the
    official record, perhaps edited from what the lagging list pre-filled): in English each line
    the lagging list words is read back in English with its figures
    (:func:`greening.coverage.reason_text.reasons_in_english`), a line typed by hand stays as
    typed, and the text as issued is one click away."""
    stored = str(rec.get("reasons") or "")
    if lang() != "en":
        st.text(stored)
        return
    from greening.coverage.reason_text import reasons_in_english

    english = reasons_in_english(stored)
    st.text(english)
    if english != stored:
        with st.expander(tr("sup.reasons.as_issued")):
            st.text(stored)


def notices_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The notices with ``status_text`` and ``level_text`` in the interface's language, and for a
    phone's narrow list ``short_number`` (〔2024〕7号) and ``state_text`` (the state, and how many
    days overdue when it is: 已下发待签收 · 逾期 3 天)."""
    if not len(frame):
        return frame.assign(status_text=[], level_text=[], short_number=[], state_text=[])
    from greening.supervision.notices import short_number

    rows = frame.to_dict("records")
    states = [status_text(r) for r in rows]
    return frame.assign(status_text=states, level_text=[level_text(r) for r in rows],
                        short_number=[short_number(r["year"], r["seq"]) for r in rows],
                        state_text=[f"{x} · {_overdue_short(r['overdue_days'])}" if r["overdue_days"] and r["overdue_days"] > 0
                                    else x for x, r in zip(states, rows, strict=True)])


def _overdue_short(days) -> str:
    """逾期 3 天, kept on one line where a narrow cell wraps (no-break spaces: 「逾期 3 / 天」 read badly)."""
    return tr("sup.overdue_short", n=int(days)).replace(" ", "\u00a0")


def notice_facts(rec) -> str:
    """One line under an opened notice: its state, deadline, level and days overdue, in the
    interface's language (on a phone the list shows only the number, village and state)."""
    from greening.i18n import fmt_date, fmt_label

    lg = lang()
    facts = [(tr("sup.col.status"), status_text(rec)), (tr("sup.col.deadline"), fmt_date(rec["deadline"], lg)),
             (tr("sup.col.level"), level_text(rec)), (tr("sup.col.overdue"), str(int(rec["overdue_days"] or 0)))]
    return " · ".join(fmt_label(k, v, lg) for k, v in facts)


def notice_pdf_button(actor: Actor, notice_id: int, number: str, key: str) -> None:
    """A download button whose PDF is made only when pressed (font subsetting takes a second)."""
    from greening.supervision.pdf import NoFont, find_font

    try:
        find_font()
    except (NoFont, ValueError) as exc:
        show_error(exc)
        return
    on = _today()

    def make() -> bytes:
        from greening.supervision.inbox import notice_frame
        from greening.supervision.notices import load_notice
        from greening.supervision.pdf import notice_pdf

        with db_session(actor) as s:
            n = load_notice(s, actor, notice_id)
            rows = notice_frame(s, actor, on, village_code=n.village_code)
            rec = rows[rows["id"] == notice_id].iloc[0].to_dict()
        return notice_pdf(rec)

    st.download_button(tr("sup.pdf"), make, file_name=f"督办单-{number}.pdf", mime="application/pdf",
                       key=key, icon=":material/picture_as_pdf:", width="stretch")


def _outcome(notice, lg: str) -> str:
    """「已保存：湛绿督〔2024〕1号 现为“已签收待整改”。」 in ``lg`` (read before the transaction ends;
    reads no session state)."""
    from greening.supervision.inbox import STATUS_EN, STATUS_ZH
    from greening.supervision.notices import display_number

    state = (STATUS_EN if lg == "en" else STATUS_ZH).get(notice.status, notice.status)
    return t("sup.step_done", lg, number=display_number(notice), state=state)


def _run(actor: Actor, fn, *, press: str, **kw) -> bool:
    """``fn(session, actor, **kw)``, a notice step, in one transaction; its outcome is said after
    the rerun that follows it (:func:`ui.layout.flash_slot`, filled as the step is committed: a
    second press arriving during this run cannot lose it, nor one handled after the rerun: ``press``
    is the key of the button pressed)."""
    lg = lang()
    slot = flash_slot(press=press)
    try:
        with db_session(actor, write=True) as s:
            said = _outcome(fn(s, actor, **kw), lg)
        slot.append(said)  # committed: said on the page the rerun shows
    except (PermissionDenied, ValueError) as exc:
        show_error(exc)
        return False
    data.invalidate()
    return True


def _given(rec: dict, key: str):
    """``rec[key]``, or None when it is missing, empty or NaN (a row of a table of notices)."""
    value = rec.get(key)
    if value is None or (isinstance(value, float) and value != value) or (isinstance(value, str) and not value.strip()):
        return None
    return value


def report_evidence(actor: Actor, rec: dict, key: str) -> None:
    """What the village reported, for whoever verifies it: the text, when and by whom, the linked
    plantings of the village (date, species, trees, review state) and the photos linked."""
    text, on, by = (_given(rec, k) for k in ("report_text", "reported_on", "reported_by"))
    if text is None:  # not reported (a table row reads an empty report as NaN)
        return
    from greening.i18n import fmt_date

    when = fmt_date(on, lang()) if on is not None else ""
    st.markdown(f"**{tr('sup.report.heading')}** · {md_escape(when)} · {md_escape(str(by or ''))}")
    st.text(str(text))
    ids = [int(i) for i in _given(rec, "report_planting_ids") or []]
    if not ids:
        return
    from greening.models.enums import PlantingStatus
    from ui.i18n_st import label
    from ui.tables import show_table

    linked = data.recent(actor, village_code=rec["village_code"], ids=ids, limit=len(ids))
    if linked is not None and len(linked):
        linked = linked.assign(status=linked["status"].map(lambda x: label(PlantingStatus, x)))
        show_table(linked[["id", "planted_on", "species", "tree_count", "status"]],
                   {"id": tr("sup.col.record"), "planted_on": tr("common.date"), "species": tr("common.species"),
                    "tree_count": tr("common.trees"), "status": tr("common.status")},
                   key=f"{key}_linked", dates=("planted_on",))
    from ui.photos_view import load_photos, show_photos

    wanted = {int(i) for i in _given(rec, "report_photo_ids") or []}
    photos = [p for p in load_photos(actor, ids) if int(p["id"]) in wanted]
    if photos:
        show_photos(actor, ids, photos=photos, empty_note=False)


def notice_actions(actor: Actor, rec: dict, key: str) -> None:
    """The buttons and forms this user may use on one notice (by role, scope and state)."""
    from greening.supervision import notices as N

    nid, version, status = int(rec["id"]), int(rec["version"]), rec["status"]
    on = _today()
    if (status == "issued" and allowed(actor, "notice.acknowledge", rec["village_code"])
            and st.button(tr("sup.ack"), key=f"{key}_ack", type="primary", width="stretch")
            and _run(actor, N.acknowledge, press=f"{key}_ack", notice_id=nid, on=on, expected_version=version)):
        st.rerun()
    if status in ("acknowledged", "returned") and allowed(actor, "notice.report", rec["village_code"]):
        _report_form(actor, rec, key, on)
    can_verify = (status == "reported" and allowed(actor, "notice.verify", rec["village_code"])
                  and str(rec["issuer_scope"]).startswith(actor.scope_prefix))
    if can_verify:
        c1, c2 = st.columns(2)
        if (c1.button(tr("sup.close"), key=f"{key}_close", type="primary", width="stretch")
                and _run(actor, N.close, press=f"{key}_close", notice_id=nid, on=on, expected_version=version)):
            st.rerun()
        with c2.popover(tr("sup.return"), width="stretch"):
            why = st.text_input(tr("sup.return.reason"), key=f"{key}_why")
            if (st.button(tr("sup.return"), key=f"{key}_ret", width="stretch")
                    and _run(actor, N.return_notice, press=f"{key}_ret", notice_id=nid, reason=why, on=on, expected_version=version)):
                st.rerun()


def _report_form(actor: Actor, rec: dict, key: str, on: dt.date) -> None:
    from greening.supervision import notices as N

    recent = data.recent(actor, village_code=rec["village_code"], limit=50)
    options = {}
    if recent is not None and len(recent):
        for r in recent.to_dict("records"):
            options[int(r["id"])] = f"#{r['id']} {r.get('planted_on', '')} {r.get('species', '')} {r.get('tree_count', '')}"
    with st.form(f"{key}_report"):
        text = st.text_area(tr("sup.report.text"), key=f"{key}_text")
        plantings = st.multiselect(tr("sup.report.plantings"), list(options), format_func=options.get,
                                   key=f"{key}_pl")
        photos = st.file_uploader(tr("sup.report.photos"), type=["jpg", "jpeg", "png", "webp"],
                                  accept_multiple_files=True, key=f"{key}_ph",
                                  max_upload_size=get_settings().max_upload_mb)
        go = st.form_submit_button(tr("sup.report.button"), type="primary", width="stretch")
    if not go:
        return
    from greening.photos import store_photo

    lg = lang()
    # filled as the report is committed (see _run); the form's button is known by this key
    slot = flash_slot(press=f"FormSubmitter:{key}_report-{tr('sup.report.button')}")
    try:
        with db_session(actor, write=True) as s:
            photo_ids = []
            if photos and not plantings:
                raise N.NoticeError.of("notice_photos_need_planting")
            for f in photos or []:
                photo_ids.append(store_photo(s, actor, plantings[0], f.getvalue(), f.name).id)
            said = _outcome(N.report(s, actor, int(rec["id"]), text=text, on=on, planting_ids=plantings,
                                     photo_ids=photo_ids, expected_version=int(rec["version"])), lg)
        slot.append(said)  # committed
    except (PermissionDenied, ValueError) as exc:
        show_error(exc)
        return
    data.invalidate()
    st.rerun()


_REQUEUED = "sup_outbox_said"  # what the last 重新发送 did, said in the outbox's section after the rerun


def outbox_failed(actor: Actor) -> list[tuple]:
    """Administrators: the messages that failed or are unconfirmed, newest first, as the outbox's
    rows (id, channel, recipient, status, attempts, error). Read once by the inbox: what it says
    waits and the list below it are the same messages."""
    from greening.supervision import outbox

    with db_session(actor) as s:
        return [(m.id, m.channel, m.recipient, m.status, m.attempts, m.last_error) for m in outbox.failures(s, actor)]


def outbox_failures(actor: Actor, rows: list[tuple] | None = None) -> None:
    """Administrators: messages that failed or are unconfirmed, each with "send again"; ``rows``:
    already read (:func:`outbox_failed`)."""
    said = flashed(_REQUEUED)
    if said:
        st.success(said)
    if rows is None:
        rows = outbox_failed(actor)
    if not rows:
        return
    st.markdown(f"#### {tr('sup.outbox.failed')} · {len(rows)}")
    cols = ("id", "channel", "recipient", "status", "attempts", "error")
    frame = pd.DataFrame(rows, columns=list(cols))
    for col in ("channel", "status"):  # a channel or state not worded (a newer one) is shown as stored
        frame[col] = frame[col].map(lambda v, c=col: _worded(f"sup.outbox.{c}.{v}", v))
    frame["error"] = frame["error"].fillna("")
    # on a phone each message is a card, its error wrapped whole (a table was cut at the screen's edge)
    phone_table(frame, {c: tr(f"sup.outbox.col.{c}") for c in cols}, first=("id", "channel", "status"),
                wrap=("recipient", "error"), key="outbox")
    for mid, *_ in rows[:20]:
        if st.button(tr("sup.outbox.requeue", id=mid), key=f"requeue_{mid}", width="stretch"):
            _requeue(actor, mid)


def _worded(key: str, value) -> str:
    from greening.i18n import STRINGS

    return tr(key) if key in STRINGS else str(value)


def _requeue(actor: Actor, message_id: int) -> None:
    """重新发送, said after the rerun that draws the list without the message (a flash slot filled
    as the resend is committed: a second press arriving during this run cannot lose it, nor one
    handled after the rerun: the slot takes the button's key). The
    list above had been drawn before the press was handled: the message stayed in it with its
    button, and the press's 「已保存」 went with the next run."""
    from greening.supervision import outbox

    lg = lang()
    # filled as the resend commits; a second press of this button handled after the rerun that
    # said it (the message no longer listed, its button not drawn) says it again
    slot = flash_slot(_REQUEUED, press=f"requeue_{message_id}")
    try:
        with db_session(actor, write=True) as s:
            outbox.requeue(s, actor, message_id=message_id)
            said = t("sup.outbox.requeued", lg, id=message_id)
        slot.append(said)  # committed
    except (PermissionDenied, ValueError) as exc:
        st.session_state.pop(_REQUEUED, None)
        show_error(exc)
        return
    data.invalidate()
    st.rerun()


def notice_history(actor: Actor, notice_id: int, steps=None) -> None:
    """办理经过: each step of the notice on a line of its own, wrapped (on a phone as on a wide
    screen); ``steps``: already read (an inbox reads every card's at once)."""
    from greening.i18n import fmt_date

    if steps is None:
        steps = _notice_steps(data.scope_of(actor), data.own_keys(actor), int(notice_id), actor)
    lg = lang()
    lines = []
    for step in steps:
        line = tr(f"sup.history.{step.kind}", on=fmt_date(step.on, lg) if step.on else "", by=step.by or "—",
                  times=step.times or 1).strip()
        lines.append(f"- {md_escape(line)}" + (f" · {md_escape(str(step.text))}" if step.text else ""))
    st.markdown(f"**{tr('sup.history')}**\n\n" + "\n".join(lines))


def notice_histories(actor: Actor, notice_ids) -> dict:
    """Every notice's steps of ``notice_ids`` in one read (for :func:`notice_history`), kept per
    role and area, the notices and the data version of the actor's area (as the inbox is): a
    rerun reads nothing, a step taken on a notice (a write there, through any replica) changes
    the key and is shown at the next run."""
    ids = tuple(sorted({int(i) for i in notice_ids}))
    if not ids:
        return {}
    return _notice_histories(data.scope_of(actor), data.own_keys(actor), ids, actor)


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=1024)
def _notice_histories(scope: str, db: str, ids: tuple[int, ...], _actor: Actor) -> dict:
    from greening.supervision import history

    with db_session(_actor) as s:
        return history.histories(s, _actor, ids)


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=1024)
def _notice_steps(scope: str, db: str, notice_id: int, _actor: Actor) -> list:
    """One notice's steps (refused outside the actor's area: a refusal is not kept)."""
    from greening.supervision import history

    with db_session(_actor) as s:
        return history.notice_history(s, _actor, notice_id)
