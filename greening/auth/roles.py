"""Which kind of area each role belongs to, and the Actor a user row stands for."""
from __future__ import annotations

from greening.actor import CITY_PREFIX, Actor
from greening.models import AdminArea, User
from greening.models.enums import AreaLevel, Role

__all__ = ["ROLE_AREA_LEVEL", "scope_for", "actor_for_user", "AccountMisconfigured"]

# role -> the level of the area a user of that role is attached to (None: the whole city).
ROLE_AREA_LEVEL: dict[Role, AreaLevel | None] = {
    Role.TEAM: AreaLevel.VILLAGE,
    Role.TOWN_LEAD: AreaLevel.TOWN,
    Role.COUNTY_LEAD: AreaLevel.COUNTY,
    Role.CITY: None,
    Role.ADMIN: None,
}


class AccountMisconfigured(ValueError):
    """A user's role and area do not fit together (e.g. a county lead attached to a village)."""


def scope_for(role: Role | str, area: AdminArea | None) -> str:
    """The scope prefix of a user with ``role`` attached to ``area``.

    City officials and administrators see the whole city ("4408"); the others see their area,
    which must be of the level their role names. Raises :class:`AccountMisconfigured` otherwise.
    """
    try:
        role = Role(role)
    except ValueError:
        raise AccountMisconfigured(f"未知角色 {role!r} / unknown role {role!r}") from None
    level = ROLE_AREA_LEVEL[role]
    if level is None:
        return CITY_PREFIX
    if area is None:
        raise AccountMisconfigured(f"角色 {role.value} 需要指定区域 / role {role.value} needs an area")
    if area.level != level.value:
        raise AccountMisconfigured(
            f"角色 {role.value} 需要{level.value}级区域，而 {area.code} 是 {area.level} 级 / "
            f"role {role.value} needs a {level.value} area, {area.code} is a {area.level}")
    prefix = area.scope_prefix
    if len(prefix) != level.code_prefix_len or not area.code.startswith(prefix):
        raise AccountMisconfigured(f"区域 {area.code} 的范围编码有误 / area {area.code} has a bad scope prefix")
    return prefix


def actor_for_user(user: User, session_token_hash: str | None = None) -> Actor:
    """The Actor for ``user``, with the scope derived from the user's area as it is now."""
    role = Role(user.role)
    return Actor(user_id=user.id, username=user.username, role=role,
                 scope_prefix=scope_for(role, user.area),
                 team_id=user.team_id if role is Role.TEAM else None,
                 session_token_hash=session_token_hash)
