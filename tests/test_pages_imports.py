"""The import page (数据导入): a KoboToolbox export and an ODK Central export uploaded as an admin,
checked (the report says which column gave the planting date), then imported once, the result
kept on screen. A boundary file whose town is missing offers to make it from its villages."""
from __future__ import annotations

import csv
import io
import re
import zipfile

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import box
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from greening.config import override_settings
from greening.db import make_engine
from greening.models import AdminArea, Planting
from tests.fixtures.pages import signed_in_page

META = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by",
        "__version__", "_tags", "_index"]


@pytest.fixture(scope="module")
def site(tmp_path_factory, demo_db_template):
    url = demo_db_template.copy(tmp_path_factory.mktemp("importpage"))
    extra = {**demo_db_template.extra, "default_basemap": "none"}
    with override_settings(database_url=url, extra=extra):
        engine = make_engine(url)
        with engine.connect() as conn:
            village = conn.execute(select(AdminArea.code, AdminArea.label_lon, AdminArea.label_lat).where(
                AdminArea.level == "village", AdminArea.code.like("440823%")).order_by(AdminArea.code)).first()
        engine.dispose()
        yield village
        make_engine(url).dispose()


def _app(username="admin") -> AppTest:
    return signed_in_page(username, "pages/imports.py")


def _texts(at) -> str:
    return "\n".join(str(e.value) for e in (*at.info, *at.caption, *at.success, *at.warning, *at.error))


def kobo_file(village) -> bytes:
    code, lon, lat = village
    header = ["start", "end", "today", "group_planting/village_code", "group_planting/species",
              "group_planting/tree_count", "location", "_location_latitude", "_location_longitude",
              "_location_altitude", "_location_precision", *META]
    row = ["2024-05-11T09:12:01.000+08:00", "2024-05-11T09:20:44.000+08:00", "2024-05-11", code, "荔枝", "4",
           f"{lat} {lon} 12 5", lat, lon, "12", "5", "4001", "8e2d1f0a-6b1c-4c4e-9d0f-page00000001",
           "2024-05-11T01:05:09", "", "", "submitted_via_web", "team", "vQrG", "", "1"]
    out = io.StringIO()
    csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows([header, row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def test_kobo_export_imported_in_the_app_once(site):
    def count():
        with make_engine().connect() as conn:
            return conn.scalar(select(func.count()).select_from(Planting).where(
                Planting.submission_id == "8e2d1f0a-6b1c-4c4e-9d0f-page00000001"))

    at = _app()
    assert any("数据导入" in t.value for t in at.subheader)
    at.file_uploader(key="ledger_upload").upload("kobo_export.csv", kobo_file(site), "text/csv")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    texts = _texts(at)
    assert "可导入 1 行" in texts and "种植日期取自“today”列" in texts, texts
    at.button(key="ledger_apply").click()
    at.run()
    assert "已导入 1 行" in _texts(at) and count() == 1
    # The result stays on screen, without the file checked again: its 「已导入过 1 行」 and
    # 「没有可导入的行」 read as if the import had failed. No button to press again.
    texts = _texts(at)
    assert "已导入过" not in texts and "没有可导入的行" not in texts, texts
    assert "这份文件已导入。要导入另一份文件，请在上方重新选择文件。" in texts, texts
    assert "ledger_apply" not in [b.key for b in at.button]
    at.run()
    assert "已导入 1 行" in _texts(at) and "没有可导入的行" not in _texts(at) and count() == 1

    # The same file chosen again on a fresh page: checked, its row problems worded in the page's
    # language (the table's headers had been row, column, code, severity, zh/en, value)
    for lang, cols, note in (("zh", ["行号", "列", "问题代码", "级别", "问题说明", "原值"], "备注"),
                             ("en", ["Row", "Column", "Code", "Severity", "Problem", "Value"], "note")):
        at = signed_in_page("admin", "pages/imports.py", lang)
        # the datum's choices in the page's language (「GCJ-02（高德/腾讯）」 on the English page too)
        assert at.radio(key="ledger_datum").options == (
            ["WGS 84 (GPS)", "GCJ-02（高德/腾讯）"] if lang == "zh" else ["WGS 84 (GPS)", "GCJ-02 (Amap/Tencent)"])
        at.file_uploader(key="ledger_upload").upload("kobo_export.csv", kobo_file(site), "text/csv")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        issues = next(df.value for df in at.dataframe if cols[0] in df.value.columns)
        assert list(issues.columns) == cols, list(issues.columns)
        assert list(issues[cols[3]]) == [note], issues
        assert ("此记录已导入过" if lang == "zh" else "imported") in issues[cols[4]].iloc[0], issues


def test_missing_town_is_offered_and_made(site, tmp_path):
    gdf = gpd.GeoDataFrame({"CJQYDM": ["440823190001", "440823190002"], "CJQYMC": ["新一村", "新二村"],
                            "XZMC": ["新镇", "新镇"]}, crs=4326,
                           geometry=[box(110.10, 21.20, 110.11, 21.21), box(110.11, 21.20, 110.12, 21.21)])
    pyogrio.write_dataframe(gdf.to_crs(4546), tmp_path / "村界.shp", encoding="GBK")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            z.write(tmp_path / f"村界{ext}", f"村界{ext}")
    at = _app()
    at.checkbox(key="boundary_keep_demo").check()
    at.file_uploader(key="boundary_upload").upload("村界.zip", buffer.getvalue(), "application/zip")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "缺少 1 个镇街（440823190000）" in _texts(at) and "拒绝 2" in _texts(at)
    at.checkbox(key="boundary_create_towns").check()
    at.run()
    assert "新增 3" in _texts(at)
    at.button(key="boundary_apply").click()
    at.run()
    assert "已导入：新增 3" in _texts(at) and "不变 2" in _texts(at)  # the villages again, now unchanged
    with make_engine().connect() as conn:
        assert conn.scalar(select(AdminArea.name).where(AdminArea.code == "440823190000")) == "新镇"


def ledger_with_problems(village) -> bytes:
    """A ledger of one good row and three refused: a count in words, a date to come, a species not
    in the catalogue (rows 3-5; the header is row 1)."""
    from greening.importers.template import TEMPLATE_HEADERS

    code, lon, lat = village

    def row(sub, **kw):
        values = {"提交编号": sub, "村代码": code, "村名称": "", "种植日期": "2024-03-12", "树种": "榕树",
                  "数量（株）": "10", "面积（平方米）": "", "地点类型": "路旁", "地点名称": "村口",
                  "经度": f"{lon:.6f}", "纬度": f"{lat:.6f}", "坐标系(WGS84/GCJ02)": "WGS84", "党员人数": "3",
                  "群众人数": "7", "备注": ""} | kw
        return [values[h] for h in TEMPLATE_HEADERS]

    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([
        TEMPLATE_HEADERS, row("page-ok"), row("page-count", **{"数量（株）": "十"}),
        row("page-future", **{"种植日期": "2099-01-01"}), row("page-species", **{"树种": "小叶揽仁"})])
    return out.getvalue().encode("utf-8")


def test_row_problems_are_cards_on_a_phone_and_a_table_on_a_wide_screen(site):
    """逐行问题 was an st.dataframe only: at 390 px it scrolled sideways and cut each problem's
    message at the screen's edge. A phone has a card per problem, 「行号 3 · 列 · 级别」 over the
    message whole (ui.tables.phone_table, as the outbox's failed messages); a wide screen keeps
    the table with every column."""
    for lang, cols in (("zh", ["行号", "列", "问题代码", "级别", "问题说明", "原值"]),
                       ("en", ["Row", "Column", "Code", "Severity", "Problem", "Value"])):
        at = signed_in_page("admin", "pages/imports.py", lang)
        at.file_uploader(key="ledger_upload").upload("台账.csv", ledger_with_problems(site), "text/csv")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert any(h.value == ("逐行问题" if lang == "zh" else "Problems by row") for h in at.subheader)
        wide = next(df.value for df in at.dataframe if cols[0] in df.value.columns)
        assert list(wide.columns) == cols, list(wide.columns)
        assert list(wide[cols[0]]) == [3, 4, 5], wide
        messages = list(wide[cols[4]])
        cards = next((h.proto.body for h in at.get("html") if 'class="gr-cards"' in h.proto.body), None)
        assert cards is not None, [h.proto.body[:200] for h in at.get("html")]
        from html import escape

        heads = re.findall(r'<div class="gr-card-head">(.*?)</div>', cards)
        error = "错误" if lang == "zh" else "error"
        assert heads == [f"{cols[0]} {n} · {escape(str(c))} · {error}" for n, c in zip([3, 4, 5], wide[cols[1]],
                                                                                         strict=True)], heads
        for message in messages:  # each problem's message whole, under its heading
            assert escape(str(message)) in cards, (message, cards)
        assert cols[2] not in cards and cols[5] not in cards  # the phone's card: row, column, severity, problem
