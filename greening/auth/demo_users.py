"""Demo accounts, one per role, for trying the product on the demo campaign.

Their passwords are public (printed in README.md): they exist only in demo databases, are
marked ``is_demo`` and must never be created on a real deployment.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from greening.auth.passwords import hash_password
from greening.auth.roles import scope_for
from greening.models import AdminArea, GreeningTeam, User
from greening.models.enums import Role

__all__ = ["DemoAccount", "DEMO_ACCOUNTS", "seed_demo_users"]

SUIXI, LEIZHOU = "440823", "440882"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    display_name: str
    # How the area is found: ("city",), ("county", adcode), ("town", adcode) = lowest town code
    # in the county, ("village", adcode) = lowest village code in the county's first town that
    # has a greening team (falling back to any village of the county).
    area: tuple[str, ...]


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", "admin-demo-2024", Role.ADMIN, "系统管理员（示例）", ("city",)),
    DemoAccount("city", "city-demo-2024", Role.CITY, "市级督导（示例）", ("city",)),
    DemoAccount("suixi", "suixi-demo-2024", Role.COUNTY_LEAD, "遂溪县负责人（示例）", ("county", SUIXI)),
    DemoAccount("leizhou", "leizhou-demo-2024", Role.COUNTY_LEAD, "雷州市负责人（示例）", ("county", LEIZHOU)),
    DemoAccount("suixi-town", "town-demo-2024", Role.TOWN_LEAD, "遂溪镇级负责人（示例）", ("town", SUIXI)),
    DemoAccount("team-suixi", "team-demo-2024", Role.TEAM, "遂溪村护绿队（示例）", ("village", SUIXI)),
    DemoAccount("team-leizhou", "team-demo-2024", Role.TEAM, "雷州村护绿队（示例）", ("village", LEIZHOU)),
)


def _first(session: Session, level: str, prefix: str) -> AdminArea | None:
    return session.scalars(select(AdminArea).where(
        AdminArea.level == level, AdminArea.code.startswith(prefix, autoescape=True),
        AdminArea.deleted_at.is_(None)).order_by(AdminArea.code).limit(1)).first()


def _village_with_team(session: Session, county: str) -> AdminArea | None:
    town = _first(session, "town", county)
    has_team = exists().where(GreeningTeam.village_id == AdminArea.id, GreeningTeam.deleted_at.is_(None))
    for prefix in ([town.scope_prefix] if town else []) + [county]:
        village = session.scalars(select(AdminArea).where(
            AdminArea.level == "village", AdminArea.code.startswith(prefix, autoescape=True),
            AdminArea.deleted_at.is_(None), has_team).order_by(AdminArea.code).limit(1)).first()
        if village is not None:
            return village
    return _first(session, "village", county)


def _area(session: Session, spec: tuple[str, ...]) -> AdminArea | None:
    kind = spec[0]
    if kind == "city":
        return _first(session, "city", "4408")
    if kind == "county":
        return session.scalars(select(AdminArea).where(
            AdminArea.level == "county", AdminArea.scope_prefix == spec[1])).first()
    if kind == "town":
        return _first(session, "town", spec[1])
    return _village_with_team(session, spec[1])


def seed_demo_users(session: Session) -> list[dict]:
    """Create the demo accounts that do not exist yet; return what was created.

    Areas are looked up in the database (lowest codes first, so the choice is deterministic).
    An account whose area is missing is skipped. ``session`` must carry an actor (the audit
    trail records the creation); the caller commits.
    """
    created = []
    for acc in DEMO_ACCOUNTS:
        if session.scalars(select(User.id).where(User.username == acc.username)).first() is not None:
            continue
        area = _area(session, acc.area)
        if area is None and acc.role not in (Role.CITY, Role.ADMIN):
            continue
        team = None
        if acc.role is Role.TEAM:
            assert area is not None  # a team's village is never a city or admin area
            team = session.scalars(select(GreeningTeam).where(
                GreeningTeam.village_id == area.id, GreeningTeam.deleted_at.is_(None))
                .order_by(GreeningTeam.id).limit(1)).first()
        user = User(username=acc.username, display_name=acc.display_name,
                    password_hash=hash_password(acc.password), role=acc.role.value,
                    area_id=None if area is None else area.id, area=area,
                    scope_prefix=scope_for(acc.role, area),
                    team_id=None if team is None else team.id, active=True,
                    must_change_password=False, is_demo=True)
        session.add(user)
        session.flush()
        created.append({"username": acc.username, "password": acc.password, "role": acc.role.value,
                        "area_code": None if area is None else area.code,
                        "area_name": None if area is None else area.name})
    return created
