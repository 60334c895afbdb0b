"""The buttons of 数据导入, of the administrators' pages, of logging in and out, of 红黑榜 and of the
spot check are drawn full width (width="stretch"), as the app's card and form buttons are: the
page's CSS widens a button only inside a box Streamlit sizes to the button's words, so on a phone
确认导入 and 创建 stayed as narrow as their words (tests/test_browser_admin_phone.py measures them
at 390×844)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUTTONS = {"button", "form_submit_button", "download_button", "popover"}
# 登录 / 退出登录 (ui/login_gate.py: the SSO log-in and the sidebar's log-out), 红黑榜 (冻结, Excel,
# PDF), the 四方核查抽查 download of 复核 (ui/spot_check.py) and the notices' and outbox's buttons
# (ui/supervision_st.py: 重新发送 on an administrator's 待办) too
FILES = sorted({ROOT / "ui" / "imports.py", ROOT / "ui" / "user_admin.py",
                *(ROOT / "pages").glob("admin_*.py"), ROOT / "ui" / "login_gate.py",
                ROOT / "pages" / "ranking.py", ROOT / "ui" / "spot_check.py", ROOT / "ui" / "supervision_st.py"})


def _buttons(path: Path) -> list[tuple[int, str, str | None]]:
    """(line, kind, width) of every st.button-like call in ``path`` (pages/imports.py draws its
    buttons through ui/imports.py)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in BUTTONS:
            width = next((k.value.value for k in node.keywords if k.arg == "width"
                          and isinstance(k.value, ast.Constant)), None)
            out.append((node.lineno, node.func.attr, width))
    return out


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_button_of_the_page_is_full_width(path):
    found = _buttons(path)
    assert found, f"{path.name}: no button found (has the page changed?)"
    narrow = [(line, kind) for line, kind, width in found if width != "stretch"]
    assert not narrow, f"{path.relative_to(ROOT)}: buttons without width=\"stretch\": {narrow}"
