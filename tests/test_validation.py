"""The validation shared by forms and importers (greening.validation): one text rule (NUL refused the
same on both databases, in forms and in imports), names compared with full-width forms folded, one
error style, the planting's fields declared once, and photo refusals that name the real size."""
from __future__ import annotations

import csv
import datetime as dt
import io
import struct

import pytest
from PIL import Image
from sqlalchemy import func, select

from greening.actor import Actor
from greening.importers.ledger import INSERT_COLUMNS, apply_ledger, validate_ledger
from greening.importers.template import TEMPLATE_HEADERS
from greening.models import Planting
from greening.permissions import PermissionDenied
from greening.photos import PhotoRejected, check_image
from greening.services.plantings import PlantingError, PlantingInput, create_planting, update_planting
from greening.validation import FieldError, ImportFileError, Refusal, clean_text, records, same_name
from tests.fixtures import campaign

A, B = "440802001001", "440802001002"
ADMIN = Actor.system("tests")


@pytest.fixture
def area(db):
    return campaign.build(db)


def csv_bytes(header, rows):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *rows])
    return out.getvalue().encode("utf-8")


def template_row(sub, code=A, **kw):
    lon, lat = campaign.centre(code)
    row = {"提交编号": sub, "村代码": code, "村名称": campaign.VILLAGES[code][0], "种植日期": "2024-03-12",
           "树种": "榕树", "数量（株）": "10", "面积（平方米）": "", "地点类型": "路旁", "地点名称": "村口",
           "经度": f"{lon:.6f}", "纬度": f"{lat:.6f}", "坐标系(WGS84/GCJ02)": "WGS84", "党员人数": "3",
           "群众人数": "7", "备注": ""}
    row.update(kw)
    return [row[h] for h in TEMPLATE_HEADERS]


def form(sub="f-1", code=A, **kw):
    lon, lat = campaign.centre(code)
    values = dict(submission_id=sub, village_code=code, planted_on=dt.date(2024, 3, 12), species="榕树",
                  tree_count=5, site_type="路旁", lon=lon, lat=lat)
    values.update(kw)
    return PlantingInput(**values)


class TestNul:
    """PostGIS refused a NUL (psycopg.DataError) after the ledger's dry run had said the rows were fine."""

    def test_text_rule(self):
        with pytest.raises(FieldError) as err:
            clean_text("村口\x00东", 200, "site_name")
        assert err.value.code == "text_bad_character" and "第 3 个字符" in err.value.zh and "NUL" in err.value.en
        with pytest.raises(FieldError):
            clean_text("abc\x00")  # the ASCII fast path too
        assert clean_text("  （示例）１２ ") == "(示例)12"

    @pytest.mark.parametrize("field", ["note", "site_name"])
    def test_form_refuses_it_and_writes_nothing(self, db, area, field):
        with pytest.raises(PlantingError) as err:
            create_planting(db, ADMIN, form(**{field: "浇水\x00两次"}))
        assert err.value.code == "text_bad_character" and err.value.field == field
        assert db.scalar(select(func.count()).select_from(Planting)) == 0

    def test_edit_refuses_it(self, db, area):
        planting, _ = create_planting(db, ADMIN, form())
        with pytest.raises(PlantingError) as err:
            update_planting(db, ADMIN, planting.id, planting.version, {"note": "a\x00"})
        assert err.value.code == "text_bad_character"

    def test_ledger_dry_run_refuses_the_row_and_the_rest_imports(self, db, area):
        data = csv_bytes(TEMPLATE_HEADERS, [template_row("n-1", 备注="坏\x00字符"), template_row("n-2", B),
                                            template_row("n-3\x00")])
        report = validate_ledger(db, ADMIN, data, "nul.csv")
        bad = {(i.row, i.column) for i in report.issues if i.code == "text_bad_character"}
        assert bad == {(2, "备注"), (4, "提交编号")} and report.valid_rows == 1
        apply_ledger(db, ADMIN, report)  # on PostGIS this raised psycopg.DataError before
        assert db.scalar(select(func.count()).select_from(Planting)) == 1

    def test_review_reason_with_nul_is_refused(self, db, area):
        from greening.services.review import reject

        planting, _ = create_planting(db, ADMIN, form())
        with pytest.raises(FieldError) as err:
            reject(db, ADMIN, planting.id, expected_version=planting.version, reason="位置\x00不对")
        assert err.value.code == "text_bad_character"


class TestFullWidthNames:
    def test_same_name(self):
        assert same_name("甲村（示例）", "甲村(示例)") and same_name(" 甲 村 ", "甲村") and not same_name("甲村", "乙村")

    def test_ledger_name_with_full_width_brackets_is_not_a_mismatch(self, db, area):
        """The file's name was folded (NFKC) and the stored one was not: a warning on every row."""
        village = area["villages"][A]
        village.name = "甲村（示例）"
        db.flush()
        rows = [template_row("w-1", 村名称="甲村（示例）"), template_row("w-2", 村名称="甲村(示例)"),
                template_row("w-3", 村名称="乙村")]
        report = validate_ledger(db, ADMIN, csv_bytes(TEMPLATE_HEADERS, rows), "w.csv")
        assert [(i.row, i.code) for i in report.issues] == [(4, "village_name_mismatch")]

    def test_ledger_finds_a_full_width_name_without_a_code(self, db, area):
        area["villages"][B].name = "乙村（示例）"
        db.flush()
        rows = [template_row("w-4", B, 村代码="", 村名称="乙村(示例)")]
        report = validate_ledger(db, ADMIN, csv_bytes(TEMPLATE_HEADERS, rows), "w.csv")
        assert report.valid_rows == 1 and report.issues == []


class TestOneErrorStyle:
    def test_every_refusal_has_code_zh_en(self, db, area):
        refusals = []
        for call in (lambda: create_planting(db, ADMIN, form(tree_count="abc")),
                     lambda: validate_ledger(db, ADMIN, b"", "x.csv"),
                     lambda: check_image(b"<html></html>", "x.png")):
            with pytest.raises(Refusal) as err:
                call()
            refusals.append(err.value)
        assert [type(r) for r in refusals] == [PlantingError, ImportFileError, PhotoRejected]
        assert [r.code for r in refusals] == ["bad_number", "file_empty", "photo_not_image"]
        assert all(r.zh and r.en and str(r) == f"{r.zh} / {r.en}" for r in refusals)
        denied = PermissionDenied("无权操作", "not allowed")
        assert (denied.code, denied.zh, denied.en) == ("permission_denied", "无权操作", "not allowed")
        assert isinstance(denied, PermissionError) and not isinstance(denied, ValueError)

    def test_the_importers_have_no_copy_of_the_catalogue(self):
        import importlib.util

        assert importlib.util.find_spec("greening.importers.errors") is None
        assert importlib.util.find_spec("greening.importers.fields") is None


class TestRecordDeclaration:
    def test_ledger_rows_follow_the_declaration(self, db, area):
        report = validate_ledger(db, ADMIN, csv_bytes(TEMPLATE_HEADERS, [template_row("d-1", 备注="好")]), "d.csv")
        row = dict(zip(INSERT_COLUMNS, report.rows[0], strict=True))
        assert row["submission_id"] == "d-1" and row["planted_on"] == dt.date(2024, 3, 12) and row["note"] == "好"
        assert row["claimed_village_code"] == A and row["source"] == "import" and row["flags"] == []
        encoded = dict(zip(INSERT_COLUMNS, records.driver_row(report.rows[0]), strict=True))
        assert encoded["planted_on"] == "2024-03-12" and encoded["flags"] == "[]"

    def test_every_value_field_is_a_column_and_editable(self):
        columns = {c.name for c in Planting.__table__.columns}
        assert {f.column for f in records.VALUE_FIELDS} <= columns and set(INSERT_COLUMNS) <= columns
        assert {f.name for f in records.VALUE_FIELDS} <= records.EDITABLE

    def test_one_limit_for_form_and_ledger(self, db, area, monkeypatch):
        monkeypatch.setitem(records.TEXT_LIMITS, "site_name", 3)
        with pytest.raises(PlantingError) as err:
            create_planting(db, ADMIN, form(site_name="村口东侧"))
        assert err.value.code == "text_too_long" and err.value.params["limit"] == 3
        report = validate_ledger(db, ADMIN, csv_bytes(TEMPLATE_HEADERS, [template_row("l-1", 地点名称="村口东侧")]),
                                 "l.csv")
        assert [i.code for i in report.issues] == ["text_too_long"]


def _bomb_jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    at = data.index(b"\xff\xc0")
    data[at + 5:at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


class TestPhotoSize:
    @pytest.mark.parametrize("kind", ["png", "jpeg"])
    def test_decompression_bomb_names_its_dimensions(self, kind):
        from tests.test_photos import png_header_only

        data = png_header_only(100_000, 90_000) if kind == "png" else _bomb_jpeg(30_000, 20_000)
        with pytest.raises(PhotoRejected) as err:
            check_image(data, "bomb." + kind)
        shown = "100000×90000" if kind == "png" else "30000×20000"
        assert err.value.code == "photo_too_many_pixels" and shown in err.value.zh and "?" not in err.value.en


class TestOnePlacementRule:
    """The form said "以代码为准 (东坡村)" while the record went to 西坑村: one rule, one message."""

    def test_form_and_ledger_place_a_point_alike_and_say_so_once(self, db, area):
        from greening.validation.placement import place

        result = create_planting(db, ADMIN, form("p-form", A, lon=campaign.centre(B)[0], lat=campaign.centre(B)[1]))
        lon, lat = campaign.centre(B)
        row = template_row("p-ledger", A, 经度=f"{lon:.6f}", 纬度=f"{lat:.6f}", 村名称="乙村")
        report = validate_ledger(db, ADMIN, csv_bytes(TEMPLATE_HEADERS, [row]), "p.csv")
        stored = dict(zip(INSERT_COLUMNS, report.rows[0], strict=True))
        assert (result.planting.village_code, result.planting.claimed_village_code) == (B, A)
        assert (stored["village_code"], stored["claimed_village_code"]) == (B, A)
        assert result.planting.flags == stored["flags"] == ["outside_claimed_village"]
        (warning,) = result.warnings
        outside = next(i for i in report.issues if i.code == "outside_claimed_village")
        preview = place((B, "乙村"), (A, "甲村"), claimed_has_boundary=True).text()  # what the form shows first
        assert warning.zh == outside.zh == preview[0] and warning.en == outside.en == preview[1]
        assert "记录计入坐标所在的乙村" in warning.zh and "counts for 乙村" in warning.en
        mismatch = next(i for i in report.issues if i.code == "village_name_mismatch")
        assert "以代码为准" not in mismatch.zh and "甲村" in mismatch.zh and "claimed village" in mismatch.en

    def test_a_point_nowhere_is_refused_in_both(self, db, area):
        with pytest.raises(PlantingError) as err:
            create_planting(db, ADMIN, form("sea", A, lon=campaign.SEA[0], lat=campaign.SEA[1]))
        row = template_row("sea", A, 经度=str(campaign.SEA[0]), 纬度=str(campaign.SEA[1]))
        report = validate_ledger(db, ADMIN, csv_bytes(TEMPLATE_HEADERS, [row]), "s.csv")
        assert err.value.code == "in_no_village" and [i.code for i in report.issues] == ["in_no_village"]
        assert err.value.zh == report.issues[0].zh
