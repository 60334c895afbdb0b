"""On a phone (390×844) in a real browser: the buttons of 数据导入 (确认导入) and of the
administrators' pages (用户管理, 栅格图层, 审计日志) span the screen as the app's other buttons do
(width="stretch"; the page's CSS alone widened a button inside a box Streamlit sizes to its
words). Marked ``browser``."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.fixtures.browser import PHONE, new_page, shot
from tests.test_browser_review import _logged_in, _open
from tests.test_browser_team import _phone
from tests.test_pages_imports import kobo_file, ledger_with_problems

pytestmark = pytest.mark.browser

#: a button a thumb can hit: the screen less the page's padding (.6rem a side) and a little
WIDE = PHONE["width"] - 60


def _wide(page, name: str, where: str) -> None:
    button = page.get_by_role("button", name=name, exact=True).first
    button.wait_for(timeout=60_000)
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    try:
        assert box and box["width"] >= WIDE, (where, name, box)
    except AssertionError:
        shot(page, f"narrow-{where}")
        raise


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    page.wait_for_timeout(500)


def _a_village(url: str) -> tuple:
    """Code and label point of the first village of 雷州市 in the test database at ``url``."""
    from greening.db import make_engine
    from greening.models import AdminArea

    engine = make_engine(url)
    with engine.connect() as conn:
        village = conn.execute(select(AdminArea.code, AdminArea.label_lon, AdminArea.label_lat).where(
            AdminArea.level == "village", AdminArea.code.like("440882%")).order_by(AdminArea.code)).first()
    engine.dispose()
    return tuple(village)


def test_the_import_pages_apply_button_spans_the_screen(app_server, browser_db, browser, dialogs):
    village = _a_village(browser_db)
    page = _phone(browser, app_server, dialogs)
    _logged_in(page, "admin")
    _open(page, app_server, "imports", "种植台账")
    page.locator("[data-testid=stFileUploaderDropzoneInput]").first.set_input_files(
        files=[{"name": "kobo_export.csv", "mimeType": "text/csv", "buffer": kobo_file(village)}])
    page.wait_for_selector("text=可导入 1 行", timeout=90_000)
    _wide(page, "确认导入", "imports")
    shot(page, "imports-apply-phone")
    assert dialogs == []
    page.context.close()


def _upload_with_problems(page, base: str, village) -> None:
    _logged_in(page, "admin")
    _open(page, base, "imports", "种植台账")
    page.locator("[data-testid=stFileUploaderDropzoneInput]").first.set_input_files(
        files=[{"name": "台账.csv", "mimeType": "text/csv", "buffer": ledger_with_problems(village)}])
    page.wait_for_selector("text=逐行问题", timeout=90_000)


def test_the_import_pages_row_problems_are_read_on_a_phone_without_scrolling_sideways(app_server, browser_db,
                                                                                      browser, dialogs):
    """数据导入's 逐行问题 at 390×844: a card per problem, its heading 「行号 3 · 列 · 级别」 and the
    message wrapped whole inside the screen; the table (st.dataframe, which scrolled sideways and
    cut the message) is not shown. A wide screen shows the table and not the cards."""
    village = _a_village(browser_db)
    page = _phone(browser, app_server, dialogs)
    _upload_with_problems(page, app_server, village)
    cards = page.locator(".st-key-ledger_issues_narrow .gr-card")
    cards.first.wait_for(timeout=60_000)
    page.get_by_text("逐行问题", exact=True).evaluate("e => e.scrollIntoView({block: 'start'})")
    shot(page, "imports-row-problems-phone")
    try:
        assert cards.count() == 3, cards.count()
        heads = [h.strip() for h in page.locator(".st-key-ledger_issues_narrow .gr-card-head").all_inner_texts()]
        assert [h.split(" · ")[0] for h in heads] == ["行号 3", "行号 4", "行号 5"], heads
        assert all(h.endswith(" · 错误") for h in heads), heads
        for i in range(3):
            box = cards.nth(i).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (i, box)
            assert "问题说明：" in cards.nth(i).inner_text()
        assert not page.locator(".st-key-ledger_issues_wide").is_visible()
        # nothing on the page wider than the screen: no sideways scrolling
        main = page.locator("[data-testid=stMain]")
        assert main.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), main.evaluate("e => [e.scrollWidth, e.clientWidth]")
    except AssertionError:
        shot(page, "failed-imports-row-problems-phone")
        raise
    page.context.close()

    wide = new_page(browser, app_server, dialogs, {"width": 1280, "height": 900})
    _upload_with_problems(wide, app_server, village)
    table = wide.locator(".st-key-ledger_issues_wide [data-testid=stDataFrame]")
    table.wait_for(timeout=60_000)
    table.scroll_into_view_if_needed()
    shot(wide, "imports-row-problems-wide")
    assert table.is_visible() and not wide.locator(".st-key-ledger_issues_narrow").is_visible()
    assert dialogs == []
    wide.context.close()


def test_the_admin_pages_buttons_span_the_screen(app_server, browser, dialogs):
    page = _phone(browser, app_server, dialogs)
    _logged_in(page, "admin")
    _open(page, app_server, "admin_users", "护绿队账户")
    _wide(page, "创建", "users-new")
    _tab(page, "修改")
    for name in ("停用", "重置密码", "保存"):
        _wide(page, name, "users-change")
    _tab(page, "护绿队账户")
    _wide(page, "为尚无账户的护绿队创建账户", "users-teams")
    shot(page, "admin-users-phone")
    _open(page, app_server, "admin_rasters", "导入并计算")
    _wide(page, "导入并计算", "rasters")
    _wide(page, "移除图层", "rasters")
    _open(page, app_server, "admin_audit", "导出 CSV")
    _wide(page, "导出 CSV", "audit")
    assert dialogs == []
    page.context.close()
