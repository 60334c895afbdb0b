"""Data versions: how app processes sharing one database know that their cached reads are stale.

Every write that the audit trail records (:mod:`greening.audit`, which sees every ORM change and
every bulk write's summary row) also adds one to counters of the areas it touched, in the same
transaction (:func:`bump`). A cached read is keyed by :func:`version_key` of the reader's area (or
:func:`village_key` of one village), read from the database at the start of the read: once the
write is committed, the next rerun in any process gets a new key and reads afresh; a rolled-back
write changes nothing.

Counters:

- ``440823``, a county: every change inside it. What a county's, a town's or the city's pages
  show is keyed by the counters of the counties it overlaps.
- ``440823101001``, a village: every change naming that village's code. What depends on one
  village's own rows alone (a team's map, inbox and latest records, a village's own progress
  figures) is keyed by :func:`village_key`, so a planting in one village does not make every
  other team of the county build its pages again.
- ``440823~``: the changes inside the county that name no village (a town's or the county's own
  records, a bulk import's summary), which may concern any of its villages; in every village key.
- ``*``: a change that is not inside one county (a city-level record, the measure catalogue, a
  city-wide import); in every key. ``areas``: changes to boundaries, the key of the cached map
  shapes.

Log-ins, log-outs and audit exports change no page data and bump nothing.

Concurrency: the upsert takes the counter's row lock until the writer commits, so writers of one
county queue on it for the rest of their (short) transaction; counters are taken in sorted order
within a flush.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.engine import Connection

__all__ = ["EVERYWHERE", "AREAS", "scopes_of_change", "scope_of", "bump", "versions", "version_key", "key_of",
           "village_key", "is_village", "local_writes", "QUIET_TABLES", "QUIET_ACTIONS"]

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


def is_village(code: str | None) -> bool:
    """Whether ``code`` is a village's (12 digits, not ending in the town's or county's zeros).

    >>> is_village("440823101001"), is_village("440823101000"), is_village("440823"), is_village(None)
    (True, False, False, False)
    """
    return isinstance(code, str) and len(code) == 12 and code.isdigit() and code[9:] != "000"


#: the counter of a county's changes that name no village (in every village key of the county)
_WIDE = "~"


def scopes_of_change(table: str, action: str, codes) -> set[str]:
    """The counters an audited change bumps: none for log-ins and the like, else for each area
    code it names the village (a village's code) or the county (or ``*``), plus :data:`AREAS` for
    boundaries; :func:`bump` adds the counters these imply."""
    if table in QUIET_TABLES or action in QUIET_ACTIONS:
        return set()
    scopes = {code if is_village(code) else scope_of(code) for code in codes}
    if table == "admin_areas":
        scopes.add(AREAS)
    return scopes


_writes = 0  # bumps made by this process: a reader keeping versions for a moment reads again after one


def _implied(scopes: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for scope in scopes:
        out.add(scope)
        if is_village(scope):
            out.add(scope[:6])  # the county's pages count the village's change
        elif len(scope) == 6 and scope.isdigit():
            out.add(scope + _WIDE)  # a change in the county naming no village: every village key
    return out


def bump(conn: Connection, scopes: Iterable[str]) -> None:
    """Add one to each of ``scopes`` inside ``conn``'s transaction, with what they imply (a
    village's county; a county bumped without a village also bumps its villages' common counter),
    in sorted order."""
    global _writes
    for scope in sorted(_implied(scopes)):
        conn.execute(_BUMP, {"scope": scope})
    _writes += 1


def local_writes() -> int:
    """How many times this process has bumped counters (a reader that keeps the counters for the
    length of one page run reads them again once this changes: its own writes are seen at once)."""
    return _writes


def versions(conn: Connection, *, villages: Iterable[str] | None = None) -> dict[str, int]:
    """The counters: ``{scope: version}`` (scopes never written are absent, i.e. 0). Every one, or
    with ``villages`` given, the counters of counties, ``*``, ``areas`` and only those villages'
    (a page run reads these, not one row per village of the city)."""
    if villages is None:
        rows = conn.execute(text("SELECT scope, version FROM data_versions"))
    else:
        wanted = sorted(set(villages))
        marks = ", ".join(f":v{i}" for i in range(len(wanted)))
        rows = conn.execute(text("SELECT scope, version FROM data_versions WHERE length(scope) < 12"
                                 + (f" OR scope IN ({marks})" if wanted else "")),
                            {f"v{i}": code for i, code in enumerate(wanted)})
    return {row[0]: int(row[1]) for row in rows}


def version_key(conn: Connection, prefix: str = "") -> str:
    """The counters that data of the area ``prefix`` depends on, as one short string.

    ``prefix`` is an area-code prefix ("4408" the city, "440823" a county, longer for a town or
    village, "" everything). The key holds ``*`` and every county overlapping the prefix.
    """
    return key_of(versions(conn), prefix)


def key_of(counters: dict[str, int], prefix: str = "") -> str:
    """:func:`version_key` from counters already read (:func:`versions`): ``*`` and the counties'
    (every change in a county bumps the county's counter; the village counters are not needed)."""
    county = prefix[:6]
    parts = [f"{scope}:{v}" for scope, v in sorted(counters.items())
             if scope == EVERYWHERE or (len(scope) == 6 and (scope.startswith(county) or county.startswith(scope)))]
    return "|".join(parts) or "0"


def village_key(counters: dict[str, int], code: str) -> str:
    """The counters that one village's own rows depend on, from counters already read (with that
    village's, :func:`versions`): ``*``, its county's changes naming no village, and its own.
    Changes in the county's other villages leave it as it is."""
    if not is_village(code):
        raise ValueError(f"not a village code: {code!r}")
    return "|".join(f"{scope}:{counters.get(scope, 0)}" for scope in (EVERYWHERE, code[:6] + _WIDE, code))
