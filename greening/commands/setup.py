"""Set-up commands: migrate, init (migrate + demo + catalogue + demo accounts)."""
from __future__ import annotations

from greening.db import get_engine


def register(sub) -> None:
    p = sub.add_parser("migrate", help="create or upgrade the database schema")
    p.set_defaults(func=_migrate)
    p = sub.add_parser("init", help="migrate, and load the demo campaign if the database is empty")
    p.add_argument("--no-demo", action="store_true", help="do not load demo data")
    p.add_argument("--plantings", type=int, default=None, help="number of demo planting records")
    p.set_defaults(func=_init)


def _migrate(args) -> int:
    from greening.schema import upgrade

    upgrade(get_engine())
    print("数据库已是最新 / database schema is up to date")
    return 0


def _init(args) -> int:
    from greening.first_run import initialise

    report = initialise(get_engine(), demo=not args.no_demo, plantings=args.plantings,
                        progress=lambda msg: print(msg, flush=True))
    print(report)
    return 0
