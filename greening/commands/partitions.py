"""``python -m greening partitions``: the county partitions of plantings on PostGIS (docs/database.md)."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("partitions", help="PostGIS: list the county partitions of plantings (--create adds missing ones)")
    p.add_argument("--create", action="store_true",
                   help="give every county in the areas its partition, moving its rows out of the default one")
    p.set_defaults(func=_partitions)


def _partitions(args) -> int:
    from greening.actor import Actor
    from greening.county_partitions import county_partitions, ensure_county_partitions, is_partitioned
    from greening.db import get_engine, read_session, session_scope
    from greening.permissions import install_scope

    engine = get_engine()
    with (session_scope if args.create else read_session)(engine) as session:
        install_scope(session, Actor.system("cli"))
        if not is_partitioned(session):
            print("植树记录表未分区（SpatiaLite 为单表）/ plantings is not partitioned "
                  "(one table on SpatiaLite; on PostGIS run `python -m greening migrate`)")
            return 0
        if args.create:
            made = ensure_county_partitions(session)
            print(f"新建分区 / partitions created: {len(made)} {' '.join(made)}".rstrip())
        parts = county_partitions(session)
    for part in parts:
        print(f"{part.name:<22} {part.county or '默认 / default':<14} {part.rows:>10,}")
    print(f"共 {len(parts)} 个分区 / {len(parts)} partitions, {sum(p.rows for p in parts):,} plantings")
    return 0
