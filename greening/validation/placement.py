"""Where a planting counts: the one rule for a point and its claimed village, for the form and the ledger.

The rule (the same wherever a record comes from, and said in one message):

- The **claimed village** is the one the record names (the form's village, the ledger's 村代码, or
  its 村名称 when there is no code). It is kept on the record (``claimed_village_code``) and decides
  who may see and edit it.
- The record **counts for the village its point falls in** (``village_code``): coverage, totals
  and maps use that village.
- A point in another village than the claimed one is accepted and flagged
  ``outside_claimed_village`` for checking; the message says both villages and where it counts.
- A point in no village is refused when the claimed village has a boundary (the sea, a typo);
  when the claimed village has no boundary yet it is accepted, flagged ``village_unlocated``, and
  counts for no village until boundaries arrive (:mod:`greening.importers.relocate` then places it).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from greening.validation.catalogue import message

__all__ = ["OUTSIDE_FLAG", "UNLOCATED_FLAG", "Placement", "place", "location_flags", "with_location_flags"]

OUTSIDE_FLAG = "outside_claimed_village"
UNLOCATED_FLAG = "village_unlocated"


@dataclass(frozen=True)
class Placement:
    """The verdict on one point: where the record counts, its location flags and the one message."""

    counts_for: str | None  # the village code the record counts for (None: no village yet)
    flags: list[str] = field(default_factory=list)
    code: str | None = None  # the catalogue code of the message (None: nothing to say)
    params: dict = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return self.code == "in_no_village"

    def text(self) -> tuple[str, str] | None:
        """``(zh, en)`` of the message, or None."""
        return None if self.code is None else message(self.code, **self.params)


def location_flags(located: str | None, claimed: str) -> list[str]:
    """The location flags of a record whose point lies in village ``located`` (None: in none)."""
    if located is None:
        return [UNLOCATED_FLAG]
    return [OUTSIDE_FLAG] if located != claimed else []


def with_location_flags(flags, located: str | None, claimed: str) -> list[str]:
    """``flags`` with the location flags replaced by those of a point in ``located``."""
    kept = [f for f in (flags or []) if f not in (OUTSIDE_FLAG, UNLOCATED_FLAG)]
    return kept + location_flags(located, claimed)


def place(located: tuple[str, str] | None, claimed: tuple[str, str], *, claimed_has_boundary: bool,
          in_no_village: dict | None = None) -> Placement:
    """Apply the rule to a point in ``located`` (``(code, name)``, None: in no village) for a record
    claiming ``claimed`` (``(code, name)``). ``in_no_village`` holds the parameters of the refusal's
    message (the point and its nearest village), needed only when the point is in none."""
    claimed_code, claimed_name = claimed
    if located is None:
        if claimed_has_boundary:
            return Placement(None, [], "in_no_village", dict(in_no_village or {}))
        return Placement(None, [UNLOCATED_FLAG], "village_no_boundary", {"village": claimed_name})
    code, name = located
    if code != claimed_code:
        return Placement(code, [OUTSIDE_FLAG], OUTSIDE_FLAG, {"actual": name, "actual_code": code,
                                                              "claimed": claimed_name, "claimed_code": claimed_code})
    return Placement(code, [])
