"""Data versions: how app processes sharing one database know that their cached reads are stale.

Every write that the audit trail records (:mod:`greening.audit`, which sees every ORM change and
every bulk write's summary row) also adds one to the counter of the county it touched, in the
same transaction (:func:`bump`). A cached read is keyed by :func:`version_key` of the reader's
area, read from the database at the start of the read: once the write is committed, the next
rerun in any process gets a new key and reads afresh; a rolled-back write changes nothing.

Scopes are 6-digit county codes; a change that is not inside one county (a city-level record,
the measure catalogue, a city-wide import) bumps ``*``, which every key includes; a change to a
boundary also bumps ``areas``, the key of the cached (simplified, encoded) map shapes. Log-ins,
log-outs and audit exports change no page data and bump nothing.

Concurrency: the upsert takes the counter's row lock until the writer commits, so writers of one
county queue on it for the rest of their (short) transaction; counters are taken in sorted order
within a flush.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.engine import Connection

__all__ = ["EVERYWHERE", "AREAS", "scopes_of_change", "scope_of", "bump", "versions", "version_key", "key_of",
           "local_writes", "QUIET_TABLES", "QUIET_ACTIONS"]

EVERYWHERE = "*"
#: a second counter bumped by changes to boundaries (admin_areas), which key the cached map shapes
AREAS = "areas"
#: audit rows of these tables or actions are not page data: they bump nothing
QUIET_TABLES = frozenset({"users", "login_sessions", "audit_log"})
QUIET_ACTIONS = frozenset({"login", "login_failed", "login_locked", "logout", "export"})

_BUMP = text("INSERT INTO data_versions (scope, version) VALUES (:scope, 1) "
             "ON CONFLICT (scope) DO UPDATE SET version = data_versions.version + 1")


def scope_of(code: str | None) -> str:
    """The counter a change to a record with area ``code`` bumps: its county, else ``*``.

    >>> scope_of("440823101001"), scope_of("440823"), scope_of("4408"), scope_of(None)
    ('440823', '440823', '*', '*')
    """
    if isinstance(code, str) and len(code) >= 6 and code[:6].isdigit():
        return code[:6]
    return EVERYWHERE


def scopes_of_change(table: str, action: str, codes) -> set[str]:
    """The counters an audited change bumps: none for log-ins and the like, else the county (or
    ``*``) of each area code it names, plus :data:`AREAS` for boundaries."""
    if table in QUIET_TABLES or action in QUIET_ACTIONS:
        return set()
    scopes = {scope_of(code) for code in codes}
    if table == "admin_areas":
        scopes.add(AREAS)
    return scopes


_writes = 0  # bumps made by this process: a reader keeping versions for a moment reads again after one


def bump(conn: Connection, scopes: Iterable[str]) -> None:
    """Add one to each of ``scopes`` (in sorted order) inside ``conn``'s transaction."""
    global _writes
    for scope in sorted(set(scopes)):
        conn.execute(_BUMP, {"scope": scope})
    _writes += 1


def local_writes() -> int:
    """How many times this process has bumped counters (a reader that keeps the counters for the
    length of one page run reads them again once this changes: its own writes are seen at once)."""
    return _writes


def versions(conn: Connection) -> dict[str, int]:
    """Every counter: ``{scope: version}`` (scopes never written are absent, i.e. 0)."""
    return {row[0]: int(row[1]) for row in conn.execute(text("SELECT scope, version FROM data_versions"))}


def version_key(conn: Connection, prefix: str = "") -> str:
    """The counters that data of the area ``prefix`` depends on, as one short string.

    ``prefix`` is an area-code prefix ("4408" the city, "440823" a county, longer for a town or
    village, "" everything). The key holds ``*`` and every county overlapping the prefix.
    """
    return key_of(versions(conn), prefix)


def key_of(counters: dict[str, int], prefix: str = "") -> str:
    """:func:`version_key` from counters already read (:func:`versions`)."""
    county = prefix[:6]
    parts = [f"{scope}:{v}" for scope, v in sorted(counters.items()) if scope != AREAS
             and (scope == EVERYWHERE or scope.startswith(county) or county.startswith(scope))]
    return "|".join(parts) or "0"
