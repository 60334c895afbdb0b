"""Coverage computations kept on disk, so a new server process starts from the last one.

A computation of a whole area reads every planting and check of it: at 10^6 stored plantings the
city's inputs take some 15 s to read, the computation itself about 1 s. A process that has made
one keeps it in memory and, after writes in a few villages, reads only those villages again
(:mod:`greening.coverage.patch`). :func:`keep` also writes it to a file (:mod:`greening.kept`),
and :func:`kept` reads it back in a process that has none yet (a restarted server, another
replica on the same machine), in about 0.1 s instead of reading the area again; it is then
patched like the in-memory one.

A kept computation (:class:`Kept`) holds the inputs and the result, the data-version counters
read before the inputs were, and the report date. It is used only as of the same report date,
and patched only when no change beyond single villages happened since (:func:`changed_villages`
gives None for ``*``, the boundaries, a county's changes naming no village).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from greening import kept as store
from greening.coverage.compute import CoverageResult
from greening.coverage.inputs import CoverageInputs
from greening.data_version import AREAS, EVERYWHERE, is_village

__all__ = ["Kept", "computed", "patched", "changed_villages", "kept", "keep", "kept_path"]


@dataclasses.dataclass(frozen=True)
class Kept:
    """A computation of the area ``context`` and what it was made from; ``mark``: the database
    history it was read in (:func:`greening.kept.audit_mark`, read after the inputs)."""

    context: str
    counters: dict[str, int]
    as_of: dt.date
    mark: store.Mark | None
    inputs: CoverageInputs
    result: CoverageResult


def computed(conn, actor, as_of: dt.date) -> Kept:
    """The coverage of ``actor``'s context (:func:`greening.coverage.api.area_coverage_and_inputs`)
    with what it was made from: every counter, villages' too, read before the inputs (a write
    landing while they are read is seen as a change next time, never lost), the mark after."""
    from greening.coverage.api import area_coverage_and_inputs, catalogue_in_force, coverage_context
    from greening.data_version import versions

    counters = versions(conn)
    result, inputs = area_coverage_and_inputs(conn, actor, as_of)
    context = coverage_context(actor.scope_prefix, catalogue_in_force(conn))
    return Kept(context, counters, as_of, store.audit_mark(conn), inputs, result)


def patched(conn, actor, previous: Kept, villages: list[str], counters: dict[str, int]) -> Kept:
    """``previous`` with the rows of ``villages`` read again (:func:`greening.coverage.api.patched_coverage`),
    as of the ``counters`` read before them."""
    from greening.coverage.api import patched_coverage

    result, inputs = patched_coverage(conn, actor, previous.inputs, villages)
    return Kept(previous.context, counters, previous.as_of, store.audit_mark(conn), inputs, result)


def changed_villages(before: dict[str, int], now: dict[str, int], context: str) -> list[str] | None:
    """The villages of ``context`` written in between two readings of the counters, or None when
    a change there may concern any village (``*``, the boundaries, a county's changes naming no
    village): then the area must be read again."""
    changed = sorted(k for k in set(before) | set(now) if before.get(k, 0) != now.get(k, 0))
    wide = [k for k in changed if k in (EVERYWHERE, AREAS)
            or (k.endswith("~") and (k.startswith(context) or context.startswith(k[:-1])))]
    if wide:
        return None
    return [k for k in changed if is_village(k) and k.startswith(context)]


def kept_path(folder: Path, url: str, context: str) -> Path:
    """The file keeping the computation of ``context`` for the database at ``url``."""
    return store.path_of(folder, url, "coverage", context)


def kept(conn, folder: Path, url: str, context: str, as_of: dt.date) -> Kept | None:
    """The computation of ``context`` kept for this database as of ``as_of``, if there is one
    whose history the database (``conn``) still holds."""
    found = store.read(conn, kept_path(folder, url, context))
    if not isinstance(found, Kept) or found.context != context or found.as_of != as_of:
        return None
    return found


def keep(folder: Path, url: str, computation: Kept) -> None:
    """Write ``computation`` for the next process (whole or not at all)."""
    store.write(kept_path(folder, url, computation.context), computation, computation.mark)
