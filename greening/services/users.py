"""Account administration: create, disable, re-role and reset users; team accounts in bulk.

Administrators only (``user.manage``). Every change goes through the ORM with the
administrator bound to the session, so the audit trail records it (never the password hash).
The last active administrator can be neither disabled nor demoted.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.audit import record
from greening.auth.passwords import check_password_policy, generate_password, hash_password
from greening.auth.roles import ROLE_AREA_LEVEL, scope_for
from greening.auth.sessions import normalise_username, revoke_sessions
from greening.db import is_sqlite
from greening.models import AdminArea, GreeningTeam, User
from greening.models.enums import Role
from greening.permissions import require
from greening.services.audit_trail import safe_cell
from greening.validation.catalogue import message
from greening.validation.errors import Refusal
from greening.validation.text import check_text

__all__ = ["create_user", "set_active", "change_role", "reset_password", "link_sso",
           "list_users", "create_team_accounts", "team_accounts_xlsx", "TeamAccount",
           "LastAdmin", "TEAM_SHEET_HEADERS"]

TEAM_SHEET_HEADERS = ("村", "护绿队", "用户名", "初始密码")


class LastAdmin(Refusal):
    """The change would leave no active administrator (a ``ValueError``, as before)."""

    def __init__(self):
        zh, en = message("last_admin")
        super().__init__("last_admin", zh, en)


@dataclass(frozen=True)
class TeamAccount:
    village_code: str
    village_name: str
    team_name: str
    username: str
    password: str


def _role(value) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise Refusal.of("role_unknown", value=value) from None


def _area(session: Session, role: Role, area_code: str | None) -> AdminArea | None:
    if ROLE_AREA_LEVEL[role] is None and not area_code:
        return None
    if not area_code:
        raise Refusal.of("role_needs_area", role=role.value)
    area = session.scalars(select(AdminArea).where(AdminArea.code == area_code,
                                                   AdminArea.deleted_at.is_(None))).one_or_none()
    if area is None:
        raise Refusal.of("area_not_found", code=area_code)
    return area


def _team(session: Session, role: Role, area: AdminArea | None, team_id: int | None) -> GreeningTeam | None:
    if role is not Role.TEAM:
        if team_id is not None:
            raise Refusal.of("team_only_for_team_accounts")
        return None
    assert area is not None, "scope_for refuses a team account without a village"
    stmt = select(GreeningTeam).where(GreeningTeam.village_id == area.id, GreeningTeam.deleted_at.is_(None))
    if team_id is not None:
        stmt = stmt.where(GreeningTeam.id == team_id)
    team = session.scalars(stmt.order_by(GreeningTeam.id).limit(1)).first()
    if team_id is not None and team is None:
        raise Refusal.of("team_not_in_village", team_id=team_id, village=area.code)
    return team


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id, populate_existing=True)
    if user is None:
        raise Refusal.of("user_not_found", user_id=user_id)
    return user


def _guard_last_admin(session: Session, user: User) -> None:
    """Refuse when ``user`` is the only active administrator left.

    On PostGIS the other administrators' rows are locked while we decide, so two administrators
    cannot disable each other at the same moment; on SpatiaLite write sessions are serialised.
    """
    if user.role != Role.ADMIN.value or not user.active:
        return
    stmt = select(User.id).where(User.role == Role.ADMIN.value, User.active.is_(True), User.id != user.id)
    if not is_sqlite(session.get_bind()):
        stmt = stmt.with_for_update()
    if not session.scalars(stmt).all():
        raise LastAdmin()


def create_user(session: Session, actor: Actor, *, username: str, display_name: str, role,
                area_code: str | None = None, team_id: int | None = None,
                password: str | None = None) -> tuple[User, str | None]:
    """Create an account. Without ``password`` a one-time password is made and returned.

    A one-time password must be changed at the first log-in. Raises ValueError naming the bad
    value (user name taken or malformed, role and area that do not fit, weak password).
    """
    require(actor, "user.manage")
    if not (username or "").strip():
        raise Refusal.of("username_required")
    name = normalise_username(username)
    if name is None:
        raise Refusal.of("username_invalid", username=username)
    if session.scalars(select(User.id).where(func.lower(User.username) == name)).first() is not None:
        raise Refusal.of("username_taken", username=name)
    role = _role(role)
    area = _area(session, role, area_code)
    scope = scope_for(role, area)
    team = _team(session, role, area, team_id)
    one_time = None
    if password is None:
        password = one_time = generate_password()
    else:
        check_password_policy(password, username=name)
    user = User(username=name, display_name=check_text((display_name or name).strip()[:100], "display_name"), role=role.value,
                area_id=None if area is None else area.id, area=area, scope_prefix=scope,
                team_id=None if team is None else team.id, password_hash=hash_password(password),
                must_change_password=one_time is not None, active=True)
    session.add(user)
    session.flush()
    return user, one_time


def set_active(session: Session, actor: Actor, user_id: int, active: bool) -> User:
    """Enable or disable an account. Disabling ends its sessions at once (every open tab)."""
    require(actor, "user.manage")
    user = _user(session, user_id)
    if not active:
        _guard_last_admin(session, user)
        revoke_sessions(session, user.id)
    user.active = bool(active)
    session.flush()
    return user


def change_role(session: Session, actor: Actor, user_id: int, *, role, area_code: str | None = None,
                team_id: int | None = None) -> User:
    """Give a user another role and area; it applies from the user's next action."""
    require(actor, "user.manage")
    user = _user(session, user_id)
    role = _role(role)
    if role is not Role.ADMIN:
        _guard_last_admin(session, user)
    area = _area(session, role, area_code)
    scope = scope_for(role, area)
    team = _team(session, role, area, team_id)
    user.role, user.area, user.scope_prefix = role.value, area, scope
    user.team_id = None if team is None else team.id
    session.flush()
    return user


def reset_password(session: Session, actor: Actor, user_id: int) -> str:
    """Give a user a new one-time password (returned once), unlock it and end its sessions."""
    require(actor, "user.manage")
    user = _user(session, user_id)
    password = generate_password()
    user.password_hash = hash_password(password)
    user.must_change_password, user.failed_logins, user.locked_until = True, 0, None
    revoke_sessions(session, user.id)
    session.flush()
    record(session, actor, "password_reset", "users", user.id, note="one-time password issued")
    return password


def link_sso(session: Session, actor: Actor, user_id: int, subject: str | None) -> User:
    """Link a user to a single sign-on identity: the provider's subject, or ``email:<address>``."""
    require(actor, "user.manage")
    user = _user(session, user_id)
    subject = (subject or "").strip() or None
    if subject and subject.startswith("email:"):
        subject = "email:" + subject[len("email:"):].strip().lower()
    if subject and session.scalars(select(User.id).where(User.oidc_subject == subject, User.id != user.id)).first():
        raise Refusal.of("sso_subject_taken", subject=subject)
    user.oidc_subject = subject
    session.flush()
    return user


def list_users(session: Session, actor: Actor) -> pd.DataFrame:
    """All accounts, for the administration page (no password hashes)."""
    require(actor, "user.manage")
    rows = session.execute(
        select(User.id, User.username, User.display_name, User.role, AdminArea.code.label("area_code"),
               AdminArea.name.label("area_name"), User.team_id, User.active, User.must_change_password,
               User.failed_logins, User.locked_until, User.oidc_subject, User.is_demo, User.created_at)
        .outerjoin(AdminArea, AdminArea.id == User.area_id).order_by(User.username)).all()
    columns = ["id", "username", "display_name", "role", "area_code", "area_name", "team_id", "active",
               "must_change_password", "failed_logins", "locked_until", "oidc_subject", "is_demo", "created_at"]
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def team_username(village_code: str) -> str:
    """The user name of a village's team account: ``t`` and the village's 12-digit code."""
    return f"t{village_code}"


def create_team_accounts(session: Session, actor: Actor, *, county: str | None = None) -> list[TeamAccount]:
    """Create an account for every active greening team (of ``county``) that has none yet.

    Each gets a one-time password to be changed at first log-in. Teams that already have an
    account, or whose user name is taken, are skipped, so running it again creates nothing.
    """
    require(actor, "user.manage")
    stmt = (select(GreeningTeam, AdminArea).join(AdminArea, AdminArea.id == GreeningTeam.village_id)
            .where(GreeningTeam.active.is_(True), GreeningTeam.deleted_at.is_(None),
                   AdminArea.level == "village", AdminArea.deleted_at.is_(None)))
    if county:
        if not (len(county) == 6 and county.isdigit() and county.startswith("4408")):
            raise Refusal.of("county_code_example", county=county)
        stmt = stmt.where(AdminArea.code.startswith(county, autoescape=True))
    have_team = set(session.scalars(select(User.team_id).where(User.team_id.is_not(None))))
    taken = set(session.scalars(select(User.username)))
    made = []
    for team, village in session.execute(stmt.order_by(AdminArea.code, GreeningTeam.id)).all():
        name = team_username(village.code)
        if team.id in have_team or name in taken:
            continue
        password = generate_password()
        session.add(User(username=name, display_name=team.name[:100], role=Role.TEAM.value,
                         area_id=village.id, scope_prefix=scope_for(Role.TEAM, village), team_id=team.id,
                         password_hash=hash_password(password), must_change_password=True, active=True))
        taken.add(name)
        made.append(TeamAccount(village.code, village.name, team.name, name, password))
    session.flush()
    return made


def team_accounts_xlsx(accounts: list[TeamAccount]) -> bytes:
    """An Excel sheet to hand out: 村, 护绿队, 用户名, 初始密码 (every cell stored as text)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = Workbook()
    ws = wb.active
    ws.title = "护绿队账户"
    ws.append(list(TEAM_SHEET_HEADERS))
    for acc in accounts:
        ws.append([None] * 4)
        row = ws.max_row
        for col, value in enumerate((f"{acc.village_name}（{acc.village_code}）", acc.team_name,
                                     acc.username, acc.password), start=1):
            cell = ws.cell(row=row, column=col)
            # Text, never a formula: openpyxl would store "=..." as a formula otherwise.
            cell.value = safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
            cell.data_type = "s"
    for letter, width in zip("ABCD", (34, 30, 18, 18), strict=False):
        ws.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
