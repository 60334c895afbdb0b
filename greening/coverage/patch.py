"""A county's coverage inputs after writes in a few of its villages, without reading the county again.

A computation's inputs are mostly rows of single villages: their plantings (by the village they
were claimed for), plans, checks, teams, their own people, designations and attestations, the
latest activity and overdue care, and their green-cover columns. After a write that names a
village (its data version moved; :mod:`greening.data_version`), only that village's rows can have
changed: :func:`village_inputs` reads them, :func:`patch` puts them in place of the old ones, and
the computation runs on the patched inputs. At 10^6 plantings that skips reading the county's
165,000 plantings and 198,000 checks again for one village's dozens.

Changes that name no village (a town's or the county's own records, an import's summary: the
county's ``~`` counter), the boundaries, or anything city-wide need the county read again.
``tests/test_coverage_patch.py`` compares a computation on patched inputs with one on inputs read
afresh, after writes of several kinds, on both backends.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

import pandas as pd

from greening.actor import Actor
from greening.coverage.inputs import CoverageInputs

__all__ = ["village_inputs", "patch", "VILLAGE_KEYS"]

#: the column naming the village each input frame's rows belong to
VILLAGE_KEYS = {"plantings": "claimed_village_code", "plans": "village_code", "checks": "village_code",
                "teams": "village_code", "assignments": "area_code", "designations": "area_code",
                "attestations": "area_code", "last_activity": "village_code", "care_overdue": "village_code"}


def village_inputs(conn, actor: Actor, codes: Iterable[str], as_of: dt.date | None) -> dict[str, CoverageInputs]:
    """The rows of each village of ``codes``, read as :func:`greening.coverage.load.load_inputs`
    reads a whole area (``actor`` must be allowed to see them)."""
    from greening.coverage.load import load_inputs

    return {code: load_inputs(conn, dataclasses.replace(actor, scope_prefix=code), as_of) for code in codes}


def patch(inputs: CoverageInputs, fresh: dict[str, CoverageInputs]) -> CoverageInputs:
    """``inputs`` with the rows of the villages of ``fresh`` (code -> that village's own rows)
    replaced by those."""
    if not fresh:
        return inputs
    known = set(inputs.villages["code"].astype(str))
    if unknown := sorted(set(fresh) - known):
        raise ValueError(f"villages {unknown} are not in the computed area {inputs.scope_prefix!r}")
    for code, rows in fresh.items():
        if rows.as_of != inputs.as_of:
            raise ValueError(f"village {code} was read as of {rows.as_of}, the area as of {inputs.as_of}")
    renewed = sorted(fresh)
    frames = {}
    for name, col in VILLAGE_KEYS.items():
        old = getattr(inputs, name)
        keep = ~old[col].astype(str).isin(renewed).to_numpy(dtype=bool)
        new = [getattr(rows, name) for rows in fresh.values()]
        new = [f[f[col].astype(str) == code] for f, code in zip(new, fresh, strict=True)]
        frames[name] = pd.concat([old[keep], *new], ignore_index=True)
    elsewhere = pd.concat([inputs.elsewhere, *(rows.elsewhere for rows in fresh.values())], ignore_index=True)
    return dataclasses.replace(inputs, **frames, elsewhere=elsewhere.drop_duplicates("code").reset_index(drop=True),
                               green_cover=_green_cover(inputs.green_cover, fresh))


def _green_cover(old, fresh: dict[str, CoverageInputs]):
    if old is None:
        return None
    new = old.copy()
    for code, rows in fresh.items():
        if rows.green_cover is not None and code in rows.green_cover.index:
            new.loc[code] = rows.green_cover.loc[code]
    return new
