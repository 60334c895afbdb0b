"""Cache keys: ``st.cache_data`` is shared by every user, so a cached result that depends on who
asks is keyed by :func:`scope_key` and rebuilds a read-only actor with :func:`scope_actor`::

    @st.cache_data(ttl=300)
    def plantings(scope: str, year: int) -> pd.DataFrame:
        actor = scope_actor(scope)
        with db_session(actor) as s:
            return some_service(s, actor, year)

    df = plantings(scope_key(actor), 2024)
"""
from __future__ import annotations

from greening.actor import Actor
from greening.models.enums import Role

__all__ = ["scope_key", "scope_actor"]


def scope_key(actor: Actor) -> str:
    """What a cached, scope-dependent result must be keyed by: role, area prefix and team."""
    return f"{actor.role.value}|{actor.scope_prefix}|{actor.team_id or ''}"


def scope_actor(key: str) -> Actor:
    """A read-only Actor for a :func:`scope_key` (inside cached loaders: filters, never writes)."""
    role, prefix, team = key.split("|")
    if not prefix.isdigit() or not prefix.startswith("4408"):
        raise ValueError(f"bad scope key {key!r}")
    return Actor(user_id=None, username=f"scope:{key}", role=Role(role), scope_prefix=prefix,
                 team_id=int(team) if team else None)
