"""Who is acting: the identity every service receives and every audit row records."""
from __future__ import annotations

from dataclasses import dataclass

from greening.models.enums import Role

__all__ = ["Actor", "CITY_PREFIX", "CITY_CODE"]

CITY_CODE = "440800000000"
CITY_PREFIX = "4408"


@dataclass(frozen=True)
class Actor:
    """The acting user, re-read from the database on every request (never trusted from a tab).

    ``scope_prefix`` is the code prefix of the actor's area: "4408" for the whole city, a 6-digit
    county code, a 9-digit town code or a 12-digit village code. Everything the actor may see or
    change has an area code starting with it.
    """

    user_id: int | None
    username: str
    role: Role
    scope_prefix: str = CITY_PREFIX
    team_id: int | None = None
    session_token_hash: str | None = None

    @classmethod
    def system(cls, reason: str = "system") -> Actor:
        """The actor for set-up work done from the command line (demo load, migrations)."""
        return cls(user_id=None, username=f"system:{reason}", role=Role.ADMIN, scope_prefix=CITY_PREFIX)

    @property
    def is_citywide(self) -> bool:
        return self.scope_prefix == CITY_PREFIX

    def covers(self, area_code: str | None) -> bool:
        """True when ``area_code`` lies inside the actor's area."""
        return bool(area_code and area_code.startswith(self.scope_prefix))
