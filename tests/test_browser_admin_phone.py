"""On a phone (390×844) in a real browser: the buttons of 数据导入 (确认导入) and of the
administrators' pages (用户管理, 栅格图层, 审计日志) span the screen as the app's other buttons do
(width="stretch"; the page's CSS alone widened a button inside a box Streamlit sizes to its
words). Marked ``browser``."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.fixtures.browser import PHONE, shot
from tests.test_browser_review import _logged_in, _open
from tests.test_browser_team import _phone
from tests.test_pages_imports import kobo_file

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


def test_the_import_pages_apply_button_spans_the_screen(app_server, browser_db, browser, dialogs):
    from greening.db import make_engine
    from greening.models import AdminArea

    engine = make_engine(browser_db)
    with engine.connect() as conn:
        village = conn.execute(select(AdminArea.code, AdminArea.label_lon, AdminArea.label_lat).where(
            AdminArea.level == "village", AdminArea.code.like("440882%")).order_by(AdminArea.code)).first()
    engine.dispose()
    page = _phone(browser, app_server, dialogs)
    _logged_in(page, "admin")
    _open(page, app_server, "imports", "种植台账")
    page.locator("[data-testid=stFileUploaderDropzoneInput]").first.set_input_files(
        files=[{"name": "kobo_export.csv", "mimeType": "text/csv", "buffer": kobo_file(tuple(village))}])
    page.wait_for_selector("text=可导入 1 行", timeout=90_000)
    _wide(page, "确认导入", "imports")
    shot(page, "imports-apply-phone")
    assert dialogs == []
    page.context.close()


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
