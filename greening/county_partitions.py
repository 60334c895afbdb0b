"""The county partitions of the plantings table on PostGIS (docs/database.md).

On PostgreSQL plantings is partitioned by the county of the village a planting was claimed for
(migration 0006): one partition per 6-digit county prefix and a default partition for counties
that have none yet. :func:`ensure_county_partitions` gives every county known in ``admin_areas``
its partition (moving its rows out of the default one); the boundary import and the demo call it
after writing areas, and ``python -m greening partitions`` shows them. On SpatiaLite plantings is
one ordinary table and these functions do nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = ["CountyPartition", "is_partitioned", "ensure_county_partitions", "county_partitions"]


@dataclass(frozen=True)
class CountyPartition:
    name: str
    county: str | None  # the 6-digit prefix; None for the default partition
    rows: int


def is_partitioned(session: Session) -> bool:
    """True when plantings is a partitioned table (PostgreSQL at migration 0006 or later)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    return bool(session.execute(text(
        "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass('plantings'))")).scalar())


def ensure_county_partitions(session: Session) -> list[str]:
    """Create the partition of every county of ``admin_areas`` that has none; the new counties' prefixes.

    Runs in the session's transaction (the caller commits). Creating a partition locks plantings
    briefly (until the commit), so it belongs with boundary imports, not with every write.
    """
    if not is_partitioned(session):
        return []
    missing = session.execute(text(
        "SELECT DISTINCT substr(code, 1, 6) AS county FROM admin_areas "
        "WHERE level <> 'city' AND code ~ '^[0-9]{12}$' "
        "AND to_regclass('plantings_c' || substr(code, 1, 6)) IS NULL ORDER BY county")).scalars().all()
    for county in missing:
        session.execute(text("SELECT plantings_add_county_partition(:county)"), {"county": county})
    return list(missing)


def county_partitions(session: Session) -> list[CountyPartition]:
    """The partitions of plantings with their row counts (live and soft-deleted), default last."""
    if not is_partitioned(session):
        return []
    names = session.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass('plantings') ORDER BY c.relname")).scalars().all()
    counts: dict[str, int] = {name: int(n) for name, n in session.execute(text(
        "SELECT tableoid::regclass::text, count(*) FROM plantings GROUP BY 1"))}
    out = [CountyPartition(n, n[len("plantings_c"):] if n.startswith("plantings_c") else None, counts.get(n, 0))
           for n in names]
    return sorted(out, key=lambda p: (p.county is None, p.name))
