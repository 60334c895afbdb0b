"""The review page (核查审核) headless: one decision per record, the queue's total and order,
the table in words with photos, and the spot check's default period.

The widgets are found by their labels, so the same steps drive the page as it was before these
fixes (where the second press rejected the next record and the newest records were missing).
"""
from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from greening.actor import Actor
from greening.config import get_settings, override_settings
from greening.db import session_scope
from greening.models import Photo, Planting
from greening.models.enums import Role
from greening.permissions import install_scope
from tests.fixtures.accounts import SUIXI_V1, SUIXI_V2, add_planting, add_user, fast_argon2, login, world  # noqa: F401

PAGE = "../pages/review.py"


def _open(token: str, lang: str = "zh", section: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["greening_token"] = token
    if section:
        at.session_state["review_section"] = section
    at.session_state["lang"] = lang
    at.session_state["basemap"] = "none"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _widget(items, text: str):
    found = [w for w in items if text in w.label]
    assert found, f"no widget labelled {text!r}: {[w.label for w in items]}"
    return found[0]


def _submit_buttons(at: AppTest):
    return [b for b in at.button if b.label.startswith("提交")]


def _statuses(engine, ids) -> list[str]:
    with session_scope(engine) as s:
        return [s.get(Planting, i).status for i in ids]


def _reject_the_second(token: str, records: list[int]) -> tuple[AppTest, int]:
    """The review page with the second record rejected (照片与地点不符) by one press of 提交."""
    at = _open(token)
    target = records[1]
    _widget(at.selectbox, "记录").set_value(target).run()
    _widget(at.radio, "结论").set_value("reject")
    _widget(at.text_area, "退回原因").set_value("照片与地点不符")
    _submit_buttons(at)[0].click().run()
    return at, target


@pytest.fixture
def lead(app_engine, tmp_path):
    """A town lead over 甲村 and 乙村 with three records awaiting review (the last the newest)."""
    with override_settings(data_dir=tmp_path, extra=get_settings().extra):
        with session_scope(app_engine) as s:
            install_scope(s, Actor.system("tests"))
            w = world(s)
            start = dt.datetime(2024, 6, 1, 8, tzinfo=dt.UTC)
            records = []
            for i, code in enumerate((SUIXI_V1, SUIXI_V1, SUIXI_V2)):
                p = add_planting(s, w, code, f"page-{i}", count=10 + i)
                p.created_at = start + dt.timedelta(hours=i)
                records.append(p.id)
            add_user(s, "lead", Role.TOWN_LEAD, "440823101000")
            token = login(s, "lead")
        yield app_engine, token, records


class TestOneDecisionPerRecord:
    def test_a_tab_whose_state_is_gone_still_says_the_last_decision(self, lead):
        """Under load a double press left the page with no outcome line at all: the record was
        rejected once, but the tab's kept outcome was gone (a connection that came back as a new
        session). The page now says the reviewer's latest decision from the database."""
        engine, token, records = lead
        at, target = _reject_the_second(token, records)
        said = f"记录 #{target} 已退回：照片与地点不符"
        assert said in [m.value for m in at.success]
        fresh = _open(token)  # the same reviewer, a session that kept nothing
        assert said in [m.value for m in fresh.info]

    def test_a_second_press_after_a_rejection_does_not_reject_the_next_record(self, lead):
        engine, token, records = lead
        at, target = _reject_the_second(token, records)
        assert not at.exception
        assert _statuses(engine, records) == ["submitted", "rejected", "submitted"]
        assert any(f"#{target}" in m.value for m in at.success)
        # The reviewer presses 提交 again (a double tap, or a press on a form left on screen).
        for button in _submit_buttons(at):
            button.click().run()
        assert _statuses(engine, records) == ["submitted", "rejected", "submitted"]
        # The outcome stays on screen; the repeated press is no "already processed" scare.
        assert any(f"#{target}" in m.value for m in at.success)
        assert not any("已被处理" in m.value for m in at.info), [m.value for m in at.info]
        # The form starts afresh: no record chosen, no reason carried over.
        assert _widget(at.selectbox, "记录").value is None
        assert all(not t.value for t in at.text_area if "退回原因" in t.label)

    def test_a_double_press_says_the_decision_once(self, lead):
        """提交 pressed twice, the second press arriving as the rejection commits: the outcome is
        said as after one press, and the form starts afresh."""
        from tests.fixtures.double_press import press_again_at_commit

        engine, token, records = lead
        with press_again_at_commit() as commits:
            at, target = _reject_the_second(token, records)
        assert not at.exception and commits
        assert _statuses(engine, records) == ["submitted", "rejected", "submitted"]
        said = f"记录 #{target} 已退回：照片与地点不符"
        assert [m.value for m in at.success] == [said], [m.value for m in (*at.success, *at.info)]
        assert not at.info, [m.value for m in at.info]
        assert _widget(at.selectbox, "记录").value is None

    def test_a_record_changed_since_it_was_shown_is_not_decided(self, lead):
        engine, token, records = lead
        at = _open(token)
        _widget(at.selectbox, "记录").set_value(records[0]).run()
        _widget(at.radio, "结论").set_value("verify")
        with session_scope(engine) as s:  # the team corrects the record while the lead looks at it
            install_scope(s, Actor.system("tests"))
            s.get(Planting, records[0]).tree_count = 9
        _submit_buttons(at)[0].click().run()
        assert any(f"#{records[0]}" in m.value and "未作任何更改" in m.value for m in at.info)
        assert _statuses(engine, records[:1]) == ["submitted"]
        # Chosen again, the record is shown as it is now and can be decided.
        _widget(at.selectbox, "记录").set_value(records[0]).run()
        _widget(at.radio, "结论").set_value("verify")
        _submit_buttons(at)[0].click().run()
        assert _statuses(engine, records[:1]) == ["verified"]

    def test_the_details_name_the_place_without_a_missing_site_name(self, lead):
        """A record without a site name read 「地点: 村旁 · nan」 (and an ASCII colon)."""
        engine, token, records = lead
        at = _open(token)
        _widget(at.selectbox, "记录").set_value(records[0]).run()
        places = [c.value for c in at.caption if c.value.startswith("地点")]
        assert places and places[0].startswith("地点：路旁 · 参与"), places
        assert not any("nan" in c.value for c in at.caption), [c.value for c in at.caption]

    def test_a_decision_needs_a_choice(self, lead):
        engine, token, records = lead
        at = _open(token)
        _widget(at.selectbox, "记录").set_value(records[2]).run()
        _submit_buttons(at)[0].click().run()
        assert any("请先选择" in e.value for e in at.error)
        assert _statuses(engine, records) == ["submitted"] * 3


class TestQueue:
    def test_the_newest_of_many_is_on_the_first_page_with_the_total(self, app_engine):
        with session_scope(app_engine) as s:
            install_scope(s, Actor.system("tests"))
            w = world(s)
            start = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
            for i in range(230):
                add_planting(s, w, SUIXI_V1, f"many-{i:03d}", flush=False).created_at = start + dt.timedelta(minutes=i)
            s.flush()
            newest = s.scalar(select(func.max(Planting.id)))
            add_user(s, "lead", Role.TOWN_LEAD, "440823101000")
            token = login(s, "lead")
        at = _open(token)
        assert any("230" in c.value for c in at.caption), [c.value for c in at.caption]
        table = at.dataframe[0].value  # the queue (the spot check tab follows)
        assert int(table.iloc[0, 0]) == newest
        _widget(at.number_input, "页码").set_value(12).run()
        table = at.dataframe[0].value  # the queue (the spot check tab follows)
        assert len(table) == 10 and any("第 12/12 页" in c.value for c in at.caption)


class TestTableInWords:
    def test_columns_flags_photos_and_map(self, lead):
        engine, token, records = lead
        photo_dir = get_settings().photo_dir
        with session_scope(engine) as s:
            install_scope(s, Actor.system("tests"))
            p = s.get(Planting, records[0])
            p.flags = ["outside_claimed_village"]
            photo_dir.mkdir(parents=True, exist_ok=True)
            out = io.BytesIO()
            Image.new("RGB", (40, 30), "green").save(out, "JPEG")
            (photo_dir / "t1_t.jpg").write_bytes(out.getvalue())
            s.add(Photo(planting_id=p.id, stored_name="t1.jpg", thumb_name="t1_t.jpg", content_type="image/jpeg",
                        size_bytes=10, sha256="0" * 64, flags=["no_gps"]))
        at = _open(token)
        table = at.dataframe[0].value  # the queue (the spot check tab follows)
        for raw in ("id", "version", "submitted", "village_code", "planted_on", "status", "lon"):
            assert raw not in table.columns, raw
        assert {"编号", "村（社区）", "树种", "株数", "标记", "照片", "种植日期"} <= set(table.columns)
        flagged = table.set_index("编号").loc[records[0]]
        # one set of flag words: the queue says a photo flag as the team's photo view says it
        assert flagged["标记"] == "坐标不在所报村内；照片没有 GPS 位置信息" and flagged["照片"] == 1
        _widget(at.selectbox, "记录").set_value(records[0]).run()
        assert not at.exception
        assert len(at.image) == 1
        assert any("照片提示：照片没有 GPS 位置信息" in w.value for w in at.warning)  # the one photo view
        assert any("坐标不在所报村内" in w.value for w in at.warning)
        assert at.get("iframe") or at.get("component_instance"), "the point on a small map"

    def test_english(self, lead):
        _engine, token, records = lead
        at = _open(token, lang="en")
        assert any(s.value == "Review" for s in at.subheader)
        table = at.dataframe[0].value  # the queue (the spot check tab follows)
        assert {"No.", "Village", "Species", "Trees", "Flags", "Photos"} <= set(table.columns)
        assert _widget(at.selectbox, "Record to decide") is not None
        assert "核查审核" not in " ".join(s.value for s in at.subheader)


class TestSpotCheck:
    def test_the_draw_is_made_only_when_shown_and_once_per_data_version(self, lead, monkeypatch):
        """The spot check sat in a tab beside the queue: tabs run every section, so each press of
        提交 drew it again over every record of the period (at 10^6 plantings 3 s of a county
        lead's 4-second rerun). Now the queue runs alone, and the draw is kept per data version."""
        from greening.services import review

        _engine, token, records = lead
        drawn: list[str] = []
        real = review.spot_check

        def counting(session, actor, **kwargs):
            drawn.append(kwargs["period"])
            return real(session, actor, **kwargs)

        monkeypatch.setattr(review, "spot_check", counting)
        at = _open(token)
        assert _widget(at.selectbox, "记录") is not None and drawn == []
        _reject_the_second(token, records)
        assert drawn == [], "deciding does not draw the spot check"
        at = _open(token, section="spot")
        at = _open(token, section="spot")
        assert len(drawn) == 1, drawn  # the second opening takes the kept draw
        assert any("共抽取" in c.value for c in at.caption)

    def test_the_draw_defaults_to_the_report_dates_period(self, lead):
        engine, token, _records = lead
        with override_settings(as_of="2024-06-10", extra=get_settings().extra):
            at = _open(token, section="spot")
            period = _widget(at.text_input, "期间")
            assert period.value == "2024"
            assert any("共抽取 2 条" in c.value for c in at.caption), [c.value for c in at.caption]


def test_one_set_of_flag_words_for_the_queue_and_the_photos():
    """The review queue and the photo view say every flag with the same words, from one table."""
    from greening.i18n import STRINGS
    from greening.services.review_queue import PHOTO_FLAGS, PLANTING_FLAGS
    from ui import photos_view, review_queue

    assert review_queue.flag_words is photos_view.flag_words
    assert not [k for k in STRINGS if k.startswith(("review.flag.", "photos_view.flag."))]
    for code in (*PLANTING_FLAGS, *PHOTO_FLAGS):
        zh, en = STRINGS[f"flag.{code}"]
        assert zh and en and "{" not in photos_view.flag_words([code]), code
