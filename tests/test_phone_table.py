"""ui.tables.phone_table with hundreds of rows: the phone's table shows the first 50, says how many
more there are, and shows 50 more at each press (it drew every row: hundreds on a phone)."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page(wrap: bool, rows: int) -> None:
    import pandas as pd

    from ui.tables import phone_table

    frame = pd.DataFrame({"id": range(1, rows + 1), "village": [f"村{i}" for i in range(1, rows + 1)],
                          "reason": ["照片不清楚"] * rows})
    phone_table(frame, {"id": "记录", "village": "村", "reason": "退回原因"}, first=("village",), key="long",
                wrap=("reason",) if wrap else ())


def _run(wrap: bool, rows: int = 130) -> AppTest:
    at = AppTest.from_function(_page, kwargs={"wrap": wrap, "rows": rows}, default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _more(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption if "还有" in c.value)


def test_the_phone_table_shows_fifty_rows_then_fifty_more_at_each_press():
    at = _run(wrap=False)
    assert len(at.dataframe[0].value) == 130  # the wide screen's grid keeps every row
    assert len(at.table[0].value) == 50
    assert "显示前 50 条，还有 80 条" in _more(at), _more(at)
    at.button(key="long_more").click().run()
    assert len(at.table[0].value) == 100 and "还有 30 条" in _more(at)
    assert at.button(key="long_more").label == "再显示 30 条"
    at.button(key="long_more").click().run()
    assert len(at.table[0].value) == 130
    assert not _more(at) and not [b for b in at.button if b.key == "long_more"]


def test_the_phone_cards_show_fifty_then_more():
    at = _run(wrap=True)
    cards = [h for h in at.get("html") if "gr-card" in str(h.proto)]
    assert cards and str(cards[0].proto).count('class=\\"gr-card\\"') == 50, str(cards[0].proto)[:300]
    assert "还有 80 条" in _more(at)
    at.button(key="long_more").click().run()
    cards = [h for h in at.get("html") if "gr-card" in str(h.proto)]
    assert str(cards[0].proto).count('class=\\"gr-card\\"') == 100


def test_a_short_table_shows_all_without_a_button():
    at = _run(wrap=False, rows=12)
    assert len(at.table[0].value) == 12 and not _more(at) and not at.button
