"""村详情 on a phone: its side-by-side sections (绿化覆盖率's two figures with their sources; 护绿队
and 驻村干部与专家 beside 成活率核查) stand one under the other on a narrow screen. A row of columns
holding a figure (st.metric) is otherwise drawn two by two on a phone, as headline figures are
(ui.layout.PHONE_CSS), which squeezed the cadres' table and the team's line into half of a 390 px
screen and cut the table's 身份 column. Headless on a small demo database, as a team and as the
city; tests/test_browser_phone_more.py measures the page at 390×844."""
from __future__ import annotations

import pytest

from greening.i18n import t
from tests.fixtures.demo_db import demo_copy_fixtures
from tests.fixtures.pages import signed_in_page
from ui.layout import PHONE_CSS, PHONE_STACK

demo_url, settings = demo_copy_fixtures("villagephonedb")


def _elements(node, stacks: tuple[str, ...] = (), columns: bool = False):
    """(element, keys of the phone_stack containers around it, whether it is inside columns)."""
    for child in getattr(node, "children", {}).values():
        kind = type(child).__name__
        key = str(getattr(getattr(child, "proto", None), "id", "") or "")
        inner = stacks + ((key.rsplit("-", 1)[-1],) if kind == "Block" and f"-{PHONE_STACK}_" in key else ())
        if kind in ("Block", "Column", "SpecialBlock") or hasattr(child, "children") and kind != "Metric":
            yield from _elements(child, inner, columns or kind == "Column")
        else:
            yield child, inner, columns


@pytest.mark.parametrize("username", ["team-suixi", "city"])
def test_the_village_pages_columns_stand_one_under_another_on_a_phone(settings, username):
    at = signed_in_page(username, "pages/village.py")
    found = list(_elements(at.main))
    metrics = {str(e.label): (stacks, columns) for e, stacks, columns in found if type(e).__name__ == "Metric"}
    for label in (t("metric.survival", "zh"), t("gc.raster_figure", "zh"), t("gc.block_figure", "zh")):
        assert label in metrics, sorted(metrics)
        stacks, columns = metrics[label]
        assert columns and stacks, (label, stacks)  # beside another column on a desktop, stacked on a phone
    # every figure the page puts in columns is in a stacked container (none left two by two)
    assert all(stacks for stacks, columns in metrics.values() if columns), metrics
    people = t("village.people.name", "zh")
    tables = [(stacks, columns) for e, stacks, columns in found
              if type(e).__name__ == "Dataframe" and people in e.value.columns]
    assert tables and all(stacks and columns for stacks, columns in tables), tables
    assert f'[class*="st-key-{PHONE_STACK}"]' in PHONE_CSS
