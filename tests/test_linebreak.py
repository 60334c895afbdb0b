"""避头尾: the line-breaking rule of printed Chinese documents."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from greening.supervision.linebreak import NO_END, NO_START, kinsoku


def test_a_closing_mark_hangs_at_the_end_of_the_line_before():
    assert kinsoku(["请抓紧补植", "，确保完成。"]) == ["请抓紧补植，", "确保完成。"]
    assert kinsoku(["完成率不足三成", "。）"]) == ["完成率不足三成。）"]  # the line emptied is gone


def test_an_opening_bracket_moves_to_the_next_line():
    assert kinsoku(["王队长（", "护绿队队长）"]) == ["王队长", "（护绿队队长）"]


def test_paragraph_breaks_and_good_lines_are_kept():
    lines = ["第一段", "", "，第二段不受前段影响", "完"]
    assert kinsoku(lines) == lines
    assert kinsoku([]) == []


@given(st.lists(st.text(alphabet="村树，。（）、补植“”ab", max_size=12), max_size=8))
def test_the_text_is_unchanged_and_no_line_breaks_the_rule(lines):
    out = kinsoku(lines)
    assert "".join(out) == "".join(lines)
    for before, line in zip(out, out[1:], strict=False):
        if before:  # after a paragraph break anything may start a line
            assert not line or line[0] not in NO_START
            assert len(before) == 1 or before[-1] not in NO_END or not line
