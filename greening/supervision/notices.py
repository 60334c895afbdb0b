"""Issuing and answering supervision notices (督办单).

A county or city user issues a notice to a lagging village: the reasons (pre-filled from the
lagging list, editable), the people it is addressed to (team leader, first secretary, town and
county leads in charge), a deadline and a number 年份-序号 (``2024-0007``: the seventh notice
of 2024, shown as 〔2024〕7号). The village's team or its town lead acknowledges it and reports
the rectification (what was done, with plantings and photos of the village linked); the issuing
level (or one above) closes it or returns it. Each step checks permission and scope, names the
version of the notice the user saw (a stale step is refused), is audited (the notice is a tracked
record) and queues its notifications in the same transaction (:mod:`greening.supervision.outbox`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from greening.actor import Actor
from greening.area_codes import town_of
from greening.config import get_settings
from greening.i18n import fmt_date, fmt_label, person, split_list
from greening.models import AdminArea, Photo, Planting, SupervisionNotice
from greening.permissions import PermissionDenied, require
from greening.supervision import outbox
from greening.supervision.states import next_state
from greening.validation import Refusal

__all__ = ["NoticeDraft", "NoticeError", "StaleNotice", "issue_notice", "acknowledge", "report",
           "close", "return_notice", "load_notice", "display_number", "short_number", "draft_from_lagging",
           "ADDRESSEE_ROLES", "MAX_TEXT", "addressee_text", "parse_addressees"]

MAX_TEXT = 4000
#: lagging-list column -> (Chinese, English) of the addressee's role
ADDRESSEE_ROLES = {
    "team_leader": ("护绿队队长", "Team leader"),
    "first_secretary": ("第一书记/党建指导员", "First secretary / instructor"),
    "town_leader": ("包镇领导", "Town leader in charge"),
    "county_leader": ("包县领导", "County leader in charge"),
}


class NoticeError(Refusal):
    """Bad input for a notice, refused: raise ``NoticeError.of(code, **params)`` with a catalogue
    code (``notice_*`` in :mod:`greening.validation.action_codes`); the message names the value."""


class StaleNotice(NoticeError):
    """Someone else changed the notice since the user saw it (``notice_stale``, ``params["number"]``: 湛绿督〔2024〕7号)."""


@dataclass
class NoticeDraft:
    """What the issue form holds for one village."""

    village_code: str
    reasons: str
    reason_codes: list[str] = field(default_factory=list)
    addressees: list[dict] = field(default_factory=list)


def display_number(notice: SupervisionNotice) -> str:
    return f"湛绿督{short_number(notice.year, notice.seq)}"


def short_number(year: int, seq: int) -> str:
    """〔2024〕7号: the number without the issuer's 湛绿督 (a phone's narrow list of notices)."""
    return f"〔{int(year)}〕{int(seq)}号"


def _text(value, field: str, field_en: str, *, required: bool) -> str | None:
    # Kept as typed (no NFKC folding: Chinese punctuation such as ：（） stays full-width).
    text = "" if value is None else str(value).strip()
    if len(text) > MAX_TEXT:
        raise NoticeError.of("notice_text_too_long", field=field, field_en=field_en, limit=MAX_TEXT)
    if any((ord(ch) < 32 and ch not in "\n\t\r") or ord(ch) == 127 for ch in text):
        raise NoticeError.of("notice_text_control", field=field, field_en=field_en)
    if required and not text:
        raise NoticeError.of("notice_text_required", field=field, field_en=field_en)
    return text or None


def draft_from_lagging(row) -> NoticeDraft:
    """A draft from one row of the lagging list (``reason_list`` or ``reasons_zh``, people columns)."""
    get = row.get if hasattr(row, "get") else lambda k, d=None: getattr(row, k, d)
    reason_list = get("reason_list") or []
    if reason_list:
        reasons = "\n".join(f"{i}. {zh}" for i, (_c, zh, _e) in enumerate(reason_list, 1))
        codes = [c for c, _z, _e in reason_list]
    else:
        reasons, codes = str(get("reasons_zh") or ""), list(get("reasons") or [])
    people = []
    for col, (zh, _en) in ADDRESSEE_ROLES.items():
        value = get(col)
        if isinstance(value, str):
            # the lagging list joins several people of one role with 、: each keeps the role
            people += [{"role": col, "role_zh": zh, "name": name} for name in split_list(value)]
    return NoticeDraft(str(get("code")), reasons, codes, people)


def addressee_text(addressees: list[dict], lang: str = "zh") -> str:
    """The addressees as one editable line: ``护绿队队长：王五、包镇领导：李四（镇长）`` (a person
    without a role: just the name); in English each post in English too, ``Town leader in charge:
    李四 (Town head)`` (:func:`greening.i18n.person`). :func:`parse_addressees` reads it back."""
    def one(p: dict) -> str:
        zh_en = ADDRESSEE_ROLES.get(str(p.get("role") or ""))
        label = (zh_en[1] if lang == "en" else zh_en[0]) if zh_en else str(p.get("role_zh") or "")
        name = person(p["name"], lang)
        return fmt_label(label, name, lang) if label else name
    return ("; " if lang == "en" else "、").join(one(p) for p in addressees)


def parse_addressees(text: str, known: list[dict] | None = None) -> list[dict]:
    """People from the line of :func:`addressee_text` as edited: ``role：name`` (the role's Chinese
    or English name) or a bare name (the role it had in ``known``, else none), separated by 、 (in
    English by ;)."""
    labels = {lbl.casefold(): col for col, pair in ADDRESSEE_ROLES.items() for lbl in pair}
    by_name = {str(p.get("name")): p for p in known or []}
    # a known person as an English line shows them (李四 (Town head)): the name as stored
    stored = {person(name, "en"): name for name in by_name}
    out = []
    for part in split_list(str(text or ""), "、;"):  # a 、 inside a post's brackets is not a separator
        if not part:
            continue
        head, sep, rest = part.replace(":", "：").partition("：")
        role = labels.get(head.strip().casefold()) if sep else None
        name = rest.strip() if role else part
        name = stored.get(name, name)
        if role is None and name in by_name:
            role = str(by_name[name].get("role") or "") or None
        if name:
            out.append({"role": role or "", "role_zh": ADDRESSEE_ROLES[role][0] if role else "", "name": name})
    return out


def _village(session: Session, code: str) -> AdminArea:
    area = session.scalar(select(AdminArea).where(AdminArea.code == str(code), AdminArea.level == "village",
                                                  AdminArea.deleted_at.is_(None)))
    if area is None:
        raise NoticeError.of("notice_village_not_found", code=code)
    return area


def _addressees(value) -> list[dict]:
    out = []
    for item in value or []:
        name = _text(item.get("name"), "受文人", "the addressee's name", required=False)
        if name:
            out.append({"role": str(item.get("role") or ""), "role_zh": str(item.get("role_zh") or ""),
                        "name": name})
    if not out:
        raise NoticeError.of("notice_no_addressee")
    return out


def _names(session: Session, notice: SupervisionNotice) -> tuple[str, str]:
    village = session.get(AdminArea, notice.village_id)
    town = session.scalar(select(AdminArea.name).where(AdminArea.code == town_of(notice.village_code)))
    return (village.name if village else notice.village_code), (town or "")


def _announce(session: Session, notice: SupervisionNotice, event: str, zh: str, en: str,
              min_prefix_len: int | None = None) -> None:
    village, town = _names(session, notice)
    subject = f"督办单 {display_number(notice)} {zh} / notice {notice.number} {en}"
    body = (f"【乡村绿化督办】{display_number(notice)}（{town}{village}）{zh}。\n"
            f"整改时限：{fmt_date(notice.deadline, 'zh')}\n问题：{notice.reasons}\n"
            f"[Greening supervision] notice {notice.number} ({village}) {en}; deadline {fmt_date(notice.deadline, 'en')}.")
    outbox.enqueue(session, event=event, key=f"notice:{notice.id}:{event}:{notice.version}",
                   village_code=notice.village_code, subject=subject, body=body, notice_id=notice.id,
                   min_prefix_len=min_prefix_len if min_prefix_len is not None else len(notice.issuer_scope))


def issue_notice(session: Session, actor: Actor, draft: NoticeDraft, *, deadline: dt.date | None = None,
                 issued_on: dt.date) -> SupervisionNotice:
    """Issue one notice to ``draft.village_code`` (in the actor's area). Flushes; the caller commits."""
    require(actor, "notice.issue", str(draft.village_code))
    village = _village(session, draft.village_code)
    reasons = _text(draft.reasons, "督办事由", "the reasons", required=True)
    people = _addressees(draft.addressees)
    deadline = deadline or issued_on + dt.timedelta(days=get_settings().notice_deadline_days)
    if deadline <= issued_on:
        raise NoticeError.of("notice_deadline_not_after_issue", deadline=deadline.isoformat(),
                             issued_on=issued_on.isoformat())
    for attempt in range(5):
        seq = (session.scalar(select(func.max(SupervisionNotice.seq))
                              .where(SupervisionNotice.year == issued_on.year)
                              .execution_options(skip_scope=True)) or 0) + 1
        notice = SupervisionNotice(
            year=issued_on.year, seq=seq, number=f"{issued_on.year}-{seq:04d}", village_id=village.id,
            village_code=village.code, issuer_id=actor.user_id, issuer_name=actor.username,
            issuer_scope=actor.scope_prefix, reason_codes=list(draft.reason_codes), reasons=reasons,
            addressees=people, issued_on=issued_on, deadline=deadline, status="issued",
            report_planting_ids=[], report_photo_ids=[], times_returned=0)
        try:
            with session.begin_nested():
                session.add(notice)
                session.flush()
        except IntegrityError:
            # Another issuer took this number between our read and our write: take the next one.
            if attempt == 4:
                raise
            continue
        break
    _announce(session, notice, "issued", "已下发，请签收并按期整改", "was issued")
    session.flush()
    return notice


def load_notice(session: Session, actor: Actor, notice_id: int, action: str = "notice.view") -> SupervisionNotice:
    """The notice, if it exists inside the actor's area; otherwise refuse without saying which."""
    require(actor, action)
    notice = session.get(SupervisionNotice, int(notice_id))
    if notice is None or notice.deleted_at is not None or not actor.covers(notice.village_code):
        raise PermissionDenied.of("notice_not_in_scope", notice_id=notice_id)
    return notice


def _stale(notice: SupervisionNotice) -> StaleNotice:
    return StaleNotice.of("notice_stale", number=display_number(notice))


def _step(session: Session, notice: SupervisionNotice, expected_version: int | None, verb: str) -> None:
    if expected_version is not None and notice.version != expected_version:
        raise _stale(notice)
    notice.status = next_state(notice.status, verb)


def _pressed_again(notice: SupervisionNotice, actor: Actor, expected_version: int | None, verb: str,
                   **same) -> bool:
    """The notice is exactly what this user's ``verb`` on ``expected_version`` made of it.

    A step is one UPDATE (version + 1). The same step by the same user, arriving again for the
    version it was pressed on (a double tap; a press a second later, before the page had redrawn),
    changes nothing and is answered as done, not as "changed by someone else". ``same`` names the
    fields the step wrote and the values pressed again (the report's text, the reason)."""
    if expected_version is None or notice.version != expected_version + 1:
        return False
    done_state = {"acknowledge": "acknowledged", "report": "reported", "close": "closed",
                  "return": "returned"}[verb]
    by = {"acknowledge": notice.acknowledged_by, "report": notice.reported_by, "close": notice.closed_by,
          "return": actor.username}[verb]  # who returned is the audit's: the reason must match
    return (notice.status == done_state and by == actor.username
            and all(getattr(notice, name) == value for name, value in same.items()))


def _flush(session: Session, notice: SupervisionNotice) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise _stale(notice) from None


def acknowledge(session: Session, actor: Actor, notice_id: int, *, on: dt.date,
                expected_version: int | None = None) -> SupervisionNotice:
    """签收: the village team or its town lead confirms it received the notice."""
    notice = load_notice(session, actor, notice_id, "notice.acknowledge")
    if _pressed_again(notice, actor, expected_version, "acknowledge"):
        return notice
    _step(session, notice, expected_version, "acknowledge")
    notice.acknowledged_on, notice.acknowledged_by = on, actor.username
    _flush(session, notice)
    _announce(session, notice, "acknowledged", f"已由 {actor.username} 签收", f"acknowledged by {actor.username}")
    return notice


def _linked(session: Session, notice: SupervisionNotice, planting_ids, photo_ids) -> tuple[list[int], list[int]]:
    plantings = sorted({int(p) for p in planting_ids or []})
    photos = sorted({int(p) for p in photo_ids or []})
    if plantings:
        found = set(session.scalars(select(Planting.id).where(
            Planting.id.in_(plantings), Planting.deleted_at.is_(None),
            Planting.claimed_village_code == notice.village_code)))
        missing = [p for p in plantings if p not in found]
        if missing:
            raise NoticeError.of("notice_plantings_not_of_village", plantings=missing)
    if photos:
        rows = dict(session.execute(select(Photo.id, Photo.planting_id).where(
            Photo.id.in_(photos), Photo.deleted_at.is_(None))).all())
        bad = [p for p in photos if rows.get(p) not in plantings]
        if bad:
            raise NoticeError.of("notice_photos_not_of_plantings", photos=bad)
    return plantings, photos


def report(session: Session, actor: Actor, notice_id: int, *, text: str, on: dt.date,
           planting_ids=(), photo_ids=(), expected_version: int | None = None) -> SupervisionNotice:
    """上报整改: what was done, with the village's plantings and their photos linked."""
    notice = load_notice(session, actor, notice_id, "notice.report")
    what = _text(text, "整改情况", "what was done", required=True)
    plantings, photos = _linked(session, notice, planting_ids, photo_ids)
    if _pressed_again(notice, actor, expected_version, "report", report_text=what,
                      report_planting_ids=plantings, report_photo_ids=photos):
        return notice
    _step(session, notice, expected_version, "report")
    notice.report_text, notice.reported_on, notice.reported_by = what, on, actor.username
    notice.report_planting_ids, notice.report_photo_ids = plantings, photos
    _flush(session, notice)
    _announce(session, notice, "reported", "已上报整改情况，请核验", "rectification reported, please verify")
    return notice


def _load_for_verify(session: Session, actor: Actor, notice_id: int) -> SupervisionNotice:
    notice = load_notice(session, actor, notice_id, "notice.verify")
    if not notice.issuer_scope.startswith(actor.scope_prefix):
        raise PermissionDenied.of("notice_verified_by_issuer")
    return notice


def close(session: Session, actor: Actor, notice_id: int, *, on: dt.date,
          expected_version: int | None = None) -> SupervisionNotice:
    """核验办结: the issuing level accepts the rectification."""
    notice = _load_for_verify(session, actor, notice_id)
    if _pressed_again(notice, actor, expected_version, "close"):
        return notice
    _step(session, notice, expected_version, "close")
    notice.closed_on, notice.closed_by = on, actor.username
    _flush(session, notice)
    _announce(session, notice, "closed", "整改已核验，办结", "verified and closed")
    return notice


def return_notice(session: Session, actor: Actor, notice_id: int, *, reason: str, on: dt.date,
                  expected_version: int | None = None) -> SupervisionNotice:
    """退回: the rectification is not enough; the village reports again (the deadline stands)."""
    notice = _load_for_verify(session, actor, notice_id)
    why = _text(reason, "退回原因", "the reason for returning", required=True)
    if _pressed_again(notice, actor, expected_version, "return", return_reason=why):
        return notice
    _step(session, notice, expected_version, "return")
    notice.return_reason = why
    notice.times_returned = (notice.times_returned or 0) + 1
    _flush(session, notice)
    _announce(session, notice, "returned", f"整改被退回：{why}", f"returned: {why}")
    return notice
