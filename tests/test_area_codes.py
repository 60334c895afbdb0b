"""Area codes and levels: one module builds and reads 12-digit codes; nobody slices them by hand."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from greening import area_codes as C
from greening.config import REPO_ROOT

V, T, K = "440823101201", "440823101000", "440823000000"


def test_parents_and_prefixes():
    assert C.town_of(V) == T and C.county_of(V) == K and C.parent_code(V, "city") == C.CITY_CODE
    assert C.code_prefix(V, "town") == "440823101" and C.town_prefix(V) == "440823101"
    assert C.county_prefix(V) == C.county_prefix("440823") == "440823"
    assert C.from_prefix("440823") == K and C.from_prefix("4408") == C.CITY_CODE


def test_levels_read_from_trailing_zeros():
    assert [C.level_of(c) for c in (C.CITY_CODE, K, T, V)] == list(C.LEVELS)
    assert C.code_prefix_length(pd.Series([C.CITY_CODE, K, T, V])).tolist() == [4, 6, 9, 12]


def test_series_helpers_match_the_scalar_ones():
    codes = pd.Series([V, "440882102201"])
    assert C.parent_codes(codes, "town").tolist() == [C.town_of(c) for c in codes]
    assert C.prefix_codes(codes, "county").tolist() == ["440823", "440882"]


@pytest.mark.parametrize("bad", ["4408231", "44082310120x", "", "4408231012011"])
def test_bad_codes_are_named(bad):
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        C.parent_code(bad, "town")


def test_unknown_level_and_bad_prefix_are_named():
    with pytest.raises(ValueError, match="'province'"):
        C.prefix_length("province")
    with pytest.raises(ValueError, match="'44082'"):
        C.from_prefix("44082")


def test_codes_have_one_home():
    from greening.coverage import join
    from greening.models import area
    from greening.models.enums import AreaLevel

    assert not {"parent_code", "parent_codes", "code_prefix_length"} & set(join.__all__)
    assert "code_prefix" not in area.__all__
    assert C.parent_code(V, "town") == T and C.parent_codes(pd.Series([V]), "county").tolist() == [K]
    assert AreaLevel("town").code_prefix_len == C.PREFIX_LENGTH["town"] == 9


#: a code cut to its town or county and padded with zeros by hand, e.g. ``code[:9] + "000"``
HAND_SLICED = re.compile(r"""\[:\s*(4|6|9)\s*\]\s*\+\s*["']0+["']|\.str\[:\s*(6|9)\s*\]|code\[(6|9):\]\s*==""")


def test_no_code_is_sliced_by_hand():
    found = []
    for folder in ("greening", "ui", "pages"):
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            if path.name == "area_codes.py" or "migrations" in path.parts:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if HAND_SLICED.search(line):
                    found.append(f"{path.relative_to(REPO_ROOT)}:{n}: {line.strip()}")
    assert not found, "use greening.area_codes:\n" + "\n".join(found)
