"""Which kind of area each role belongs to, and the Actor a user row stands for."""
from __future__ import annotations

from greening.actor import CITY_PREFIX, Actor
from greening.models import AdminArea, User
from greening.models.enums import AreaLevel, Role
from greening.validation.errors import Refusal

__all__ = ["ROLE_AREA_LEVEL", "scope_for", "actor_for_user", "AccountMisconfigured"]

# role -> the level of the area a user of that role is attached to (None: the whole city).
ROLE_AREA_LEVEL: dict[Role, AreaLevel | None] = {
    Role.TEAM: AreaLevel.VILLAGE,
    Role.TOWN_LEAD: AreaLevel.TOWN,
    Role.COUNTY_LEAD: AreaLevel.COUNTY,
    Role.CITY: None,
    Role.ADMIN: None,
}


class AccountMisconfigured(Refusal):
    """A user's role and area do not fit together (e.g. a county lead attached to a village)."""


def scope_for(role: Role | str, area: AdminArea | None) -> str:
    """The scope prefix of a user with ``role`` attached to ``area``.

    City officials and administrators see the whole city ("4408"); the others see their area,
    which must be of the level their role names. Raises :class:`AccountMisconfigured` otherwise.
    """
    try:
        role = Role(role)
    except ValueError:
        raise AccountMisconfigured.of("account_role_unknown", value=role) from None
    level = ROLE_AREA_LEVEL[role]
    if level is None:
        return CITY_PREFIX
    if area is None:
        raise AccountMisconfigured.of("account_role_needs_area", role=role.value)
    if area.level != level.value:
        from greening.i18n import label
        from greening.models.enums import AreaLevel

        raise AccountMisconfigured.of("account_area_wrong_level", role=role.value, level=level.value,
                                      code=area.code, actual=area.level, role_zh=label(Role, role.value),
                                      level_zh=label(AreaLevel, level.value), actual_zh=label(AreaLevel, area.level))
    prefix = area.scope_prefix
    if len(prefix) != level.code_prefix_len or not area.code.startswith(prefix):
        raise AccountMisconfigured.of("account_scope_bad", code=area.code)
    return prefix


def actor_for_user(user: User, session_token_hash: str | None = None) -> Actor:
    """The Actor for ``user``, with the scope derived from the user's area as it is now."""
    role = Role(user.role)
    return Actor(user_id=user.id, username=user.username, role=role,
                 scope_prefix=scope_for(role, user.area),
                 team_id=user.team_id if role is Role.TEAM else None,
                 session_token_hash=session_token_hash)
