"""First run of a database: schema, measure catalogue, and (optionally) the demo campaign.

Called by `python -m greening init` (which `scripts/run.sh` runs first); safe to run again.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from greening.actor import Actor
from greening.config import get_settings
from greening.db import session_scope
from greening.models import AdminArea
from greening.permissions import install_scope
from greening.schema import upgrade

__all__ = ["initialise"]


def initialise(engine: Engine, *, demo: bool = True, plantings: int | None = None,
               progress: Callable[[str], None] | None = None) -> str:
    """Bring ``engine``'s database up to date; load the demo campaign into an empty one."""
    say = progress or (lambda _msg: None)
    say("升级数据库结构 / migrating schema")
    upgrade(engine)
    actor = Actor.system("init")
    with session_scope(engine) as session:
        install_scope(session, actor)
        from greening.measures import sync_catalogue

        sync_catalogue(session)
        empty = session.scalar(select(func.count()).select_from(AdminArea)) == 0
    if not (demo and empty):
        return "数据库已就绪 / database ready" + ("" if empty else " (已有数据 / existing data kept)")
    from greening.demo import load_demo

    settings = get_settings()
    n = settings.demo_plantings if plantings is None else plantings
    summary = load_demo(engine, plantings=n, seed=settings.demo_seed, progress=say)
    with session_scope(engine) as session:
        install_scope(session, actor)
        from greening.auth import seed_demo_users

        seed_demo_users(session)
    return f"示例数据已载入 / demo campaign loaded: {summary}"
