"""Care schedule and revisit matching, the inbox, the monthly ranking and PDFs with extractable Chinese."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.config import override_settings
from greening.geodb import to_db
from greening.models import CareCheck
from greening.models.enums import Role
from greening.permissions import PermissionDenied, install_scope
from greening.supervision import care_schedule as C
from greening.supervision import inbox as I
from greening.supervision import notices as N
from greening.supervision import pdf, ranking
from tests.fixtures.accounts import SUIXI_V1, SUIXI_V2, add_planting, fast_argon2, world  # noqa: F401

DAY = dt.date(2024, 6, 10)
CITY = Actor(user_id=None, username="city", role=Role.CITY)
TEAM = Actor(user_id=None, username="team-suixi", role=Role.TEAM, scope_prefix=SUIXI_V1)
TOWN = Actor(user_id=None, username="suixi-town", role=Role.TOWN_LEAD, scope_prefix="440823101")
SUIXI = Actor(user_id=None, username="suixi", role=Role.COUNTY_LEAD, scope_prefix="440823")


def text_of(data: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace(" ", "").replace("\n", "")


class TestCareSchedule:
    def test_due_dates_clamp_to_month_end(self):
        assert C.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
        assert C.due_dates(dt.date(2024, 3, 12), (1, 3, 6, 12)) == [
            dt.date(2024, 4, 12), dt.date(2024, 6, 12), dt.date(2024, 9, 12), dt.date(2025, 3, 12)]

    def test_states_at_fixed_dates(self):
        planted = dt.date(2024, 3, 12)
        states = lambda checks, on: [s for _m, _d, s in C.check_states(planted, checks, on, months=(1, 3, 6, 12),  # noqa: E731
                                                                        early_days=14)]
        assert states([], dt.date(2024, 4, 6)) == ["due_soon", "upcoming", "upcoming", "upcoming"]
        assert states([], dt.date(2024, 4, 20)) == ["overdue", "upcoming", "upcoming", "upcoming"]
        assert states([], DAY) == ["missed", "due_soon", "upcoming", "upcoming"]
        # a check 10 days early counts for the 1-month check; one in May (late) too, not for month 3
        assert states([dt.date(2024, 4, 2)], DAY)[0] == "done"
        assert states([dt.date(2024, 5, 20)], dt.date(2024, 6, 20)) == ["done", "overdue", "upcoming", "upcoming"]

    def test_due_checks_for_a_team_and_setting(self, db):
        w = world(db)
        p = add_planting(db, w, SUIXI_V1, "c-1", planted_on=dt.date(2024, 5, 1))
        add_planting(db, w, SUIXI_V2, "c-2", planted_on=dt.date(2024, 5, 1)).status = "verified"
        add_planting(db, w, SUIXI_V1, "c-3", planted_on=dt.date(2024, 5, 1))  # not verified: no schedule
        p.status = "verified"
        db.flush()
        install_scope(db, TEAM)
        due = C.due_checks(db, TEAM, DAY)
        assert due[["planting_id", "months", "due_on", "state", "days_late"]].values.tolist() == [
            [p.id, 1, dt.date(2024, 6, 1), "overdue", 9]]
        with override_settings(care_months="2,4"):
            assert C.due_checks(db, TEAM, DAY)["state"].tolist() == []
        with override_settings(care_months="x"), pytest.raises(ValueError, match="GREENING_CARE_MONTHS"):
            C.due_checks(db, TEAM, DAY)
        install_scope(db, TOWN)
        assert C.overdue_by_village(db, TOWN, DAY).to_dict() == {SUIXI_V1: 1, SUIXI_V2: 1}


    def test_overdue_checks_reach_the_coverage_inputs(self, db):
        from greening.coverage.load import load_inputs

        w = world(db)
        plantings = [add_planting(db, w, SUIXI_V1, f"o-{i}", planted_on=dt.date(2024, 3, 1)) for i in range(3)]
        for p in plantings:
            p.status = "verified"
        add_planting(db, w, SUIXI_V2, "o-x", planted_on=dt.date(2024, 3, 1))  # not verified
        db.flush()
        install_scope(db, TOWN)
        care = load_inputs(db.connection(), TOWN, DAY).care_overdue.set_index("village_code")
        # each: month 1 missed (its window closed on 18 May), month 3 (due 1 June) overdue
        assert care["overdue"].to_dict() == {SUIXI_V1: 3}
        assert str(care.loc[SUIXI_V1, "oldest_due"].date()) == "2024-06-01"
        db.add(CareCheck(planting_id=plantings[0].id, village_code=SUIXI_V1, kind="care",
                         checked_on=dt.date(2024, 6, 5), submission_id="o-c"))
        db.flush()
        assert load_inputs(db.connection(), TOWN, DAY).care_overdue["overdue"].tolist() == [2]
        assert C.overdue_by_village(db, TOWN, DAY).to_dict() == {SUIXI_V1: 2}


class TestRevisitMatching:
    def test_nearest_same_species_within_the_distance(self, db):
        from shapely.geometry import Point

        from greening.models import Species

        w = world(db)
        other = Species(name_zh="木棉", category="tree")
        db.add(other)
        db.flush()

        def at(sub, lon, lat, species):
            p = add_planting(db, w, SUIXI_V1, sub, planted_on=dt.date(2024, 3, 1))
            p.lon, p.lat, p.location, p.species_id, p.status = lon, lat, to_db(Point(lon, lat)), species, "verified"
            return p

        near = at("n", 110.2000, 21.3000, w.species.id)
        at("f", 110.2005, 21.3000, w.species.id)  # about 52 m east
        kapok = at("k", 110.20001, 21.30001, other.id)  # right there but another species
        db.flush()
        install_scope(db, TEAM)
        pid, metres = C.match_planting(db, TEAM, 110.20005, 21.3, w.species.id, DAY)
        assert pid == near.id and 4 < metres < 6
        assert C.match_planting(db, TEAM, 110.20001, 21.30001, other.id, DAY)[0] == kapok.id
        with pytest.raises(C.NoMatch, match="30 米内没有同树种.*最近的同树种记录相距 103 米"):
            C.match_planting(db, TEAM, 110.2005 + 0.0005, 21.3, other.id, DAY)
        result, pid, _m = C.record_check_at(db, TEAM, lon=110.20005, lat=21.3, species_id=w.species.id,
                                            kind="survival", checked_on=DAY, alive_count=4, responsible="王",
                                            note=None, submission_id="rv-1")
        assert pid == near.id and result[0].planting_id == near.id and db.get(CareCheck, result[0].id).alive_count == 4


class TestInbox:
    def test_what_waits_for_each_role(self, db):
        w = world(db)
        rejected = add_planting(db, w, SUIXI_V1, "r-1")
        rejected.status, rejected.reject_reason = "rejected", "照片与地点不符"
        install_scope(db, CITY)
        a = N.issue_notice(db, CITY, N.NoticeDraft(SUIXI_V1, "x", [], [{"name": "王"}]), issued_on=DAY)
        b = N.issue_notice(db, CITY, N.NoticeDraft(SUIXI_V2, "y", [], [{"name": "李"}]), issued_on=DAY,
                           deadline=dt.date(2024, 6, 12))
        install_scope(db, TEAM)
        N.acknowledge(db, TEAM, a.id, on=DAY)
        later = dt.date(2024, 6, 13)
        team = I.inbox(db, TEAM, later)
        assert team.counts == {"to_acknowledge": 0, "to_report": 1, "to_verify": 0, "escalated": 0,
                               "care_due": 0, "rejected": 1}
        assert team.rejected["reject_reason"].tolist() == ["照片与地点不符"]
        install_scope(db, TOWN)
        town = I.inbox(db, TOWN, later)
        assert (town.counts["to_acknowledge"], town.counts["to_report"]) == (1, 1)
        install_scope(db, SUIXI)
        county = I.inbox(db, SUIXI, later)
        assert county.escalated["number"].tolist() == [b.number] and county.counts["to_verify"] == 0
        install_scope(db, CITY)
        assert I.inbox(db, CITY, later).counts["escalated"] == 0  # one day late: the county's, not yet the city's
        assert I.inbox(db, CITY, dt.date(2024, 6, 30)).counts["escalated"] == 1
        summary = I.issued_summary(db, CITY, later)
        assert summary[["issued", "open", "overdue", "closed"]].sum().tolist() == [2, 2, 1, 0]


class TestPdf:
    def test_notice_pdf_has_extractable_chinese(self, db):
        world(db)
        install_scope(db, CITY)
        n = N.issue_notice(db, CITY, N.NoticeDraft(SUIXI_V1, "1. 种植进度落后：完成 12%", [],
                                                   [{"name": "王队长", "role_zh": "护绿队队长"}]), issued_on=DAY)
        rec = I.notice_record(n, DAY, 7, "甲村", "遂城镇", "遂溪县")
        assert tuple(rec) == I.RECORD_KEYS
        data = pdf.notice_pdf(rec)
        assert data.startswith(b"%PDF")
        text = text_of(data)
        for words in ("湛江市党建引领乡村绿化工作", "督办单", "湛绿督〔2024〕1号", "遂溪县遂城镇甲村", "王队长（护绿队队长）",
                      "种植进度落后", "2024年6月10日", "2024年6月24日"):  # the deadline as pages write it, not ISO
            assert words in text, words

    def test_no_printed_line_starts_with_a_closing_mark(self, db):
        """The 督办事由 printed a line that began with 「，」: the PDF broke the Chinese text at
        any character. Every line now starts with a character that may start a line (避头尾)."""
        from greening.supervision.linebreak import NO_START

        reasons = ("该村植树进度明显落后，计划完成率不足三成，且近四周没有新的植树记录，管护核查逾期两次，"
                   "请镇村两级抓紧组织补植，确保按期完成。") * 3
        doc = pdf._Doc(pdf.find_font(), "x")
        doc.add_page()
        doc.set_font("cjk", "", 11)
        raw = doc.multi_cell(0, 6.5, reasons, dry_run=True, output="LINES")
        assert any(line[0] in NO_START for line in raw[1:])  # the text does hit the rule
        lines = pdf.paragraph_lines(doc, reasons, 6.5)
        assert "".join(lines) == reasons and len(lines) == len(raw)
        assert not [line for line in lines[1:] if line[0] in NO_START], lines
        world(db)
        install_scope(db, CITY)
        n = N.issue_notice(db, CITY, N.NoticeDraft(SUIXI_V1, reasons, [], [{"name": "王队长"}]), issued_on=DAY)
        data = pdf.notice_pdf(I.notice_record(n, DAY, 7, "甲村", "遂城镇", "遂溪县"))
        printed = [line.replace(" ", "") for p in PdfReader(io.BytesIO(data)).pages for line in p.extract_text().splitlines()]
        assert len([line for line in printed if "植树" in line or "补植" in line]) >= 4, printed  # the reasons, line by line
        assert not [line for line in printed if line and line[0] in NO_START], printed

    def test_the_notice_is_signed_by_the_issuing_level_not_a_log_in_name(self, db):
        """The PDF ended 「下发：city」: the issuer's log-in name."""
        from greening.models import AdminArea

        world(db)
        install_scope(db, CITY)
        city_area = db.scalar(select(AdminArea).where(AdminArea.code == "440800000000"))
        n = N.issue_notice(db, CITY, N.NoticeDraft(SUIXI_V1, "1. 种植进度落后", [], [{"name": "王队长"}]), issued_on=DAY)
        db.flush()
        rec = I.notice_frame(db, CITY, DAY).set_index("id").loc[n.id].to_dict()
        text = text_of(pdf.notice_pdf({**rec, "id": n.id}))
        assert f"下发单位：{city_area.name}" in text and "下发：city" not in text

    def test_missing_font_is_named(self):
        with override_settings(pdf_font="/nonexistent/font.ttf"), pytest.raises(ValueError, match="/nonexistent/font.ttf"):
            pdf.find_font()

    def test_font_collection_uses_the_simplified_chinese_face(self):
        font = pdf.find_font()
        if font.regular.suffix == ".ttc" and "Noto" in font.regular.name:
            assert font.regular_index == 2
        assert font.regular.exists()


class TestRanking:
    def test_frozen_once_and_downloads(self, demo_engine):
        conn = demo_engine.connect()
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            install_scope(session, CITY)
            with pytest.raises(PermissionDenied):
                ranking.freeze_month(session, SUIXI, "2024-06", report_day=DAY)
            written = ranking.freeze_month(session, CITY, "2024-06", report_day=DAY)
            assert written > 9 and ranking.freeze_month(session, CITY, "2024-06", report_day=DAY) == 0
            levels = ranking.snapshot(session, CITY, "2024-06")
            counties = levels["county"]
            assert len(counties) >= 5 and counties["score_rank"].tolist() == sorted(counties["score_rank"])
            assert (counties["as_of"] == DAY).all()
            install_scope(session, SUIXI)
            mine = ranking.snapshot(session, SUIXI, "2024-06")
            assert mine["county"]["area_code"].tolist() == ["440823000000"]
            assert mine["town"]["area_code"].str.startswith("440823").all()
            xlsx = ranking.ranking_xlsx("2024-06", levels)
            from openpyxl import load_workbook

            wb = load_workbook(io.BytesIO(xlsx))
            assert wb.sheetnames == ["2024-06 县区榜", "2024-06 镇街榜"]
            assert wb.worksheets[0]["A1"].value == "排名" and wb.worksheets[0]["H1"].value == "按期办结率"
            assert wb.worksheets[0]["H2"].number_format == "0%"
            data = pdf.ranking_pdf("2024-06", {k: v.to_dict("records") for k, v in levels.items()},
                                   frozen_at="2024-06-30")
            text = text_of(data)
            assert "2024年6月红黑榜" in text and "红榜" in text and "黑榜" in text
            assert counties["area_name"].iloc[0].replace(" ", "") in text
            with pytest.raises(ValueError, match="2024-6"):
                ranking.month_end("2024-6")
        finally:
            session.close()
            outer.rollback()
            conn.close()


def test_a_month_frozen_before_its_end_counts_no_notice_as_late_before_its_deadline(db):
    """Freezing 2024-06 on the 10th counted every notice due on the 24th as 逾期未报 (overdue), in
    a snapshot that is never recomputed: the month's end was used as the day of reckoning, not the
    report date. A notice counts only once its deadline has come by the snapshot's day."""
    world(db)
    install_scope(db, CITY)
    late = N.issue_notice(db, CITY, N.NoticeDraft(SUIXI_V1, "1. 种植进度落后", [], [{"name": "王队长"}]),
                          issued_on=dt.date(2024, 6, 1), deadline=dt.date(2024, 6, 5))
    N.issue_notice(db, CITY, N.NoticeDraft(SUIXI_V2, "1. 种植进度落后", [], [{"name": "李队长"}]),
                   issued_on=DAY, deadline=dt.date(2024, 6, 24))
    db.flush()
    ranking.freeze_month(db, CITY, "2024-06", report_day=DAY)
    county = ranking.snapshot(db, CITY, "2024-06")["county"].set_index("area_code").loc["440823000000"]
    assert (county["notices"], county["closed_on_time"], county["overdue"]) == (1, 0, 1), county.to_dict()
    assert late.village_code == SUIXI_V1


def test_inbox_with_no_notices_at_all(db):
    world(db)
    for actor in (TEAM, TOWN, SUIXI, CITY):
        install_scope(db, actor)
        box = I.inbox(db, actor, DAY)
        assert box.total == 0 and list(box.to_verify.columns)[:3] == ["id", "version", "number"]
