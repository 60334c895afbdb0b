"""Planting ledger import (docs/reliability.md case 12, 14-16, 18-19): the files users have, checked row by row,
nothing written until accepted, and importing the same file twice adds nothing (both backends)."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from greening.actor import Actor
from greening.geo.gcj02 import wgs84_to_gcj02
from greening.importers.columns import match_columns, normalise_header
from greening.importers.ledger import apply_ledger, validate_ledger
from greening.importers.template import TEMPLATE_HEADERS, ledger_template_csv, ledger_template_xlsx
from greening.models import AuditLog, Planting
from greening.models.enums import Role
from greening.validation import CATALOGUE, ImportFileError, catalogue_rows, message
from tests.fixtures import campaign

A, B = "440802001001", "440802001002"
ADMIN = Actor.system("tests")


@pytest.fixture
def area(db):
    return campaign.build(db)


def count(db) -> int:
    return db.scalar(select(func.count()).select_from(Planting))


def template_row(sub, code=A, point=None, **kw):
    lon, lat = point or campaign.centre(code)
    row = {"提交编号": sub, "村代码": code, "村名称": campaign.VILLAGES[code][0] if code in campaign.VILLAGES else "",
           "种植日期": "2024-03-12", "树种": "榕树", "数量（株）": "10", "面积（平方米）": "", "地点类型": "路旁",
           "地点名称": "村口", "经度": f"{lon:.6f}", "纬度": f"{lat:.6f}", "坐标系(WGS84/GCJ02)": "WGS84",
           "党员人数": "3", "群众人数": "7", "备注": ""}
    row.update(kw)
    return [row[h] for h in TEMPLATE_HEADERS]


def csv_bytes(header, rows, encoding="utf-8", sep=","):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def by_row(report):
    out = {}
    for i in report.issues:
        out.setdefault(i.row, []).append(i.code)
    return out


class TestCatalogue:
    def test_every_code_has_both_languages_and_fills(self):
        for code, entry in CATALOGUE.items():
            zh, en = message(code, **{p: "X" for p in entry.params})
            assert zh and en and "{" not in zh and "{" not in en, code
        assert {r["code"] for r in catalogue_rows()} == set(CATALOGUE)


class TestHeaders:
    @pytest.mark.parametrize("header, field", [
        ("数量（株）", "tree_count"), (" 数量 (株) ", "tree_count"), ("树 种", "species"), ("经度*", "lon"),
        ("LONGITUDE", "lon"), ("group_planting/species", "species"), ("坐标系(WGS84/GCJ02)", "datum"),
    ])
    def test_tolerant_matching(self, header, field):
        cols = match_columns([header, "其他列"])
        assert cols.fields.get(field) == 0, (header, normalise_header(header))

    def test_kobo_headers(self):
        cols = match_columns(["start", "planting/species", "planting/count", "date", "location",
                              "_location_latitude", "_location_longitude", "_location_altitude",
                              "_location_precision", "_id", "_uuid", "_submission_time", "_index"])
        assert cols.source == "kobo"
        assert cols.header("lat") == "_location_latitude" and cols.header("lon") == "_location_longitude"
        assert cols.header("submission_id") == "_uuid" and cols.header("species") == "planting/species"

    def test_odk_headers(self):
        cols = match_columns(["SubmissionDate", "planting-species", "planting-tree_count", "planting-date",
                              "location-Latitude", "location-Longitude", "location-Altitude",
                              "location-Accuracy", "meta-instanceID", "KEY", "SubmitterID", "Status"])
        assert cols.source == "odk"
        assert cols.header("lat") == "location-Latitude"
        assert cols.header("submission_id") in ("KEY", "meta-instanceID")  # both hold the instance id
        assert cols.header("tree_count") == "planting-tree_count"


class TestTemplate:
    def test_xlsx_template_has_the_headers_only(self):
        wb = load_workbook(io.BytesIO(ledger_template_xlsx(species=["榕树", "荔枝"])))
        ws = wb["种植台账"]
        assert [c.value for c in ws[1]] == TEMPLATE_HEADERS and ws.max_row == 1
        assert "填写说明" in wb.sheetnames

    def test_csv_template_has_bom(self):
        data = ledger_template_csv()
        assert data.startswith(b"\xef\xbb\xbf") and "提交编号" in data.decode("utf-8-sig")

    def test_filled_template_imports_once(self, db, area):
        wb = load_workbook(io.BytesIO(ledger_template_xlsx()))
        ws = wb.active
        ws.append(template_row("t-1", A))
        row = template_row("t-2", B)
        row[TEMPLATE_HEADERS.index("种植日期")] = dt.datetime(2024, 4, 2)  # a real Excel date cell
        row[TEMPLATE_HEADERS.index("村代码")] = int(B)  # a code typed as a number
        row[TEMPLATE_HEADERS.index("数量（株）")] = 25
        ws.append(row)
        buffer = io.BytesIO()
        wb.save(buffer)
        data = buffer.getvalue()
        report = validate_ledger(db, ADMIN, data, "台账.xlsx")
        assert report.file_format == "xlsx" and report.source == "template"
        assert report.valid_rows == 2 and report.error_rows == 0, report.issues
        assert count(db) == 0  # validation writes nothing
        result = apply_ledger(db, ADMIN, report)
        assert result.inserted == 2 and count(db) == 2
        p = db.scalars(select(Planting).where(Planting.submission_id == "t-2")).one()
        assert p.planted_on == dt.date(2024, 4, 2) and p.tree_count == 25 and p.source == "import"
        assert p.village_code == B and p.flags == []
        again = validate_ledger(db, ADMIN, data, "台账.xlsx")
        assert again.valid_rows == 0 and again.already_imported == 2 and again.error_rows == 0
        assert apply_ledger(db, ADMIN, again).inserted == 0 and count(db) == 2
        audit_rows = db.scalars(select(AuditLog).where(AuditLog.action == "import").order_by(AuditLog.id)).all()
        assert audit_rows and audit_rows[0].after["inserted"] == 2


class TestRowErrors:
    def gbk_file(self):
        sea = campaign.SEA
        lon, lat = campaign.centre(A)
        rows = [
            template_row("ok-1"),                                                   # row 2
            template_row("bad-count", **{"数量（株）": "十"}),                       # row 3
            template_row("future", **{"种植日期": "2099-01-01"}),                    # row 4
            template_row("species", **{"树种": "小叶揽仁"}),                         # row 5
            template_row("swapped", **{"经度": f"{lat}", "纬度": f"{lon}"}),          # row 6
            template_row("beijing", point=(116.4, 39.9)),                           # row 7
            template_row("sea", point=sea),                                         # row 8
            template_row("other", A, point=campaign.centre(B)),                     # row 9 (warning)
            template_row("novillage", **{"村代码": "", "村名称": ""}),               # row 10
            template_row("ok-1"),                                                   # row 11 duplicate id
            template_row("noloc", **{"经度": "", "纬度": ""}),                       # row 12
            template_row("unknown-village", **{"村代码": "440802009999"}),           # row 13
        ]
        return csv_bytes(TEMPLATE_HEADERS, rows, encoding="gbk")

    def test_gbk_csv_reports_each_row(self, db, area):
        report = validate_ledger(db, ADMIN, self.gbk_file(), "台账.csv")
        assert report.encoding == "gb18030" and report.total_rows == 12
        codes = by_row(report)
        assert codes[3] == ["not_whole_number"] or codes[3] == ["bad_number"]
        assert codes[4] == ["date_future"]
        assert codes[5] == ["species_unknown"]
        assert codes[6] == ["location_swapped"]
        assert codes[7] == ["outside_zhanjiang"]
        assert codes[8] == ["in_no_village"]
        assert codes[9] == ["outside_claimed_village"]
        assert codes[10] == ["village_missing"]
        assert codes[11] == ["duplicate_id_in_file"]
        assert codes[12] == ["location_missing"]
        assert codes[13] == ["village_unknown"]
        assert 2 not in codes
        species = next(i for i in report.issues if i.row == 5)
        assert "小叶榄仁" in species.zh and species.column == "树种"
        assert next(i for i in report.issues if i.row == 11).zh.endswith("第 2 行重复")
        assert report.valid_rows == 2 and report.error_rows == 10 and report.warning_rows == 1
        frame = report.issues_frame()
        assert list(frame["row"])[:2] == [3, 4]

    def test_nothing_written_unless_valid_rows_accepted(self, db, area):
        report = validate_ledger(db, ADMIN, self.gbk_file(), "台账.csv")
        with pytest.raises(ImportFileError) as err:
            apply_ledger(db, ADMIN, report, accept_valid_rows=False)
        assert err.value.code == "rows_have_errors" and count(db) == 0
        assert apply_ledger(db, ADMIN, report, accept_valid_rows=True).inserted == 2
        flagged = db.scalars(select(Planting).where(Planting.submission_id == "other")).one()
        assert flagged.flags == ["outside_claimed_village"] and flagged.village_code == B

    def test_other_user_cannot_apply_a_report(self, db, area):
        report = validate_ledger(db, ADMIN, self.gbk_file(), "台账.csv")
        other = Actor(user_id=None, username="lead", role=Role.COUNTY_LEAD, scope_prefix="440802")
        with pytest.raises(PermissionError):
            apply_ledger(db, other, report)


class TestFormats:
    def test_utf8_bom_with_extra_and_missing_optional_columns(self, db, area):
        lon, lat = campaign.centre(A)
        header = [" 村代码 ", "种植日期", "树 种", "数量(株)", "经度", "纬度", "填表人", "联系电话"]
        data = csv_bytes(header, [[A, "2024/3/12", "木棉", "5", lon, lat, "张三", "138"]], "utf-8-sig")
        report = validate_ledger(db, ADMIN, data, "x.csv")
        assert report.encoding == "utf-8-sig" and report.valid_rows == 1
        assert report.ignored_columns == ["填表人", "联系电话"]

    def test_missing_required_column_is_a_file_error(self, db, area):
        data = csv_bytes(["村代码", "树种", "经度", "纬度"], [[A, "木棉", 110.3, 21.2]])
        with pytest.raises(ImportFileError) as err:
            validate_ledger(db, ADMIN, data, "x.csv")
        assert err.value.code == "missing_columns" and "种植日期" in err.value.zh and "数量" in err.value.zh

    @pytest.mark.parametrize("data, name, code", [
        (b"", "x.csv", "file_empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls", "file_type_unsupported"),
        ("提交编号,村代码,种植日期,树种,数量（株）,经度,纬度\r\n".encode(), "x.csv", "no_rows"),
        (b"<html><body>hello</body></html>", "x.html", "file_type_unsupported"),
    ])
    def test_unusable_files(self, db, area, data, name, code):
        with pytest.raises(ImportFileError) as err:
            validate_ledger(db, ADMIN, data, name)
        assert err.value.code == code

    def test_kobo_export(self, db, area):
        lon, lat = campaign.centre(B)
        header = ["start", "end", "planting/village_code", "planting/date", "planting/species",
                  "planting/tree_count", "location", "_location_latitude", "_location_longitude",
                  "_location_altitude", "_location_precision", "_id", "_uuid", "_submission_time",
                  "_validation_status", "_index"]
        rows = [["2024-03-12T08:00:00.000+08:00", "", B, "2024-03-12", "荔枝", "4", f"{lat} {lon} 12 5",
                 lat, lon, 12, 5, 101, "6f1c9a1e-1b1f-4d2e-9c1a-000000000001", "2024-03-12T01:00:00", "", 1]]
        data = csv_bytes(header, rows, sep=";")
        report = validate_ledger(db, ADMIN, data, "kobo.csv")
        assert report.source == "kobo" and report.valid_rows == 1, report.issues
        apply_ledger(db, ADMIN, report)
        p = db.scalars(select(Planting)).one()
        assert p.submission_id == "6f1c9a1e-1b1f-4d2e-9c1a-000000000001" and p.village_code == B

    def test_odk_central_export(self, db, area):
        lon, lat = campaign.centre(A)
        header = ["SubmissionDate", "planting-village_code", "planting-date", "planting-species",
                  "planting-tree_count", "location-Latitude", "location-Longitude", "location-Altitude",
                  "location-Accuracy", "meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "Status"]
        rows = [["2024-03-13T02:00:00.000Z", A, "2024-03-12", "Ficus microcarpa", "6", lat, lon, 3, 4,
                 "uuid:aaaa", "uuid:aaaa", 5, "collector", ""]]
        report = validate_ledger(db, ADMIN, csv_bytes(header, rows), "odk.csv")
        assert report.source == "odk" and report.valid_rows == 1, report.issues
        assert report.rows[0][0] == "uuid:aaaa"

    def test_gcj02_rows_are_converted(self, db, area):
        lon, lat = campaign.centre(A)
        glon, glat = wgs84_to_gcj02(lon, lat)
        data = csv_bytes(TEMPLATE_HEADERS, [template_row("g", point=(glon, glat), **{"坐标系(WGS84/GCJ02)": "高德"})])
        report = validate_ledger(db, ADMIN, data, "g.csv")
        assert report.valid_rows == 1
        lon_at = 17  # INSERT_COLUMNS.index("lon")
        assert abs(report.rows[0][lon_at] - lon) < 1e-6 and report.rows[0][3] == A

    def test_rows_without_ids_are_hashed_so_reimport_adds_nothing(self, db, area):
        header = [h for h in TEMPLATE_HEADERS if h != "提交编号"]
        rows = [template_row("", A)[1:], template_row("", B)[1:], template_row("", A)[1:]]
        data = csv_bytes(header, rows)
        report = validate_ledger(db, ADMIN, data, "noid.csv")
        assert report.valid_rows == 2 and by_row(report) == {4: ["duplicate_row_in_file"]}
        assert report.rows[0][0].startswith("ledger:") and len(report.rows[0][0]) <= 64
        apply_ledger(db, ADMIN, report)
        again = validate_ledger(db, ADMIN, data, "noid.csv")
        assert again.valid_rows == 0 and again.already_imported == 2

    def test_same_id_with_other_content_conflicts(self, db, area):
        apply_ledger(db, ADMIN, validate_ledger(db, ADMIN, csv_bytes(TEMPLATE_HEADERS, [template_row("c-1")]), "a.csv"))
        changed = csv_bytes(TEMPLATE_HEADERS, [template_row("c-1", **{"数量（株）": "11"})])
        report = validate_ledger(db, ADMIN, changed, "b.csv")
        assert by_row(report) == {2: ["id_conflict"]} and report.valid_rows == 0

    def test_team_rows_outside_its_village_are_refused(self, db, area):
        team = Actor(user_id=None, username="team", role=Role.TEAM, scope_prefix=A)
        data = csv_bytes(TEMPLATE_HEADERS, [template_row("mine", A), template_row("theirs", B)])
        report = validate_ledger(db, team, data, "t.csv")
        assert by_row(report) == {3: ["village_out_of_scope"]} and report.valid_rows == 1

    def test_team_file_without_village_column_uses_its_village(self, db, area):
        team = Actor(user_id=None, username="team", role=Role.TEAM, scope_prefix=A)
        lon, lat = campaign.centre(A)
        data = csv_bytes(["种植日期", "树种", "数量", "坐标"], [["2024-03-12", "榕树", "3", f"{lon}, {lat}"]])
        report = validate_ledger(db, team, data, "t.csv")
        assert report.valid_rows == 1 and report.rows[0][5] == A

    def test_progress_is_reported(self, db, area):
        seen = []
        data = csv_bytes(TEMPLATE_HEADERS, [template_row(f"p{i}") for i in range(3)])
        report = validate_ledger(db, ADMIN, data, "p.csv", progress=lambda *a: seen.append(a))
        apply_ledger(db, ADMIN, report, progress=lambda *a: seen.append(a))
        stages = [s for s, _, _ in seen]
        assert stages[0] == "read" and "check" in stages and stages[-1] == "write"




# -- crash safety (docs/reliability.md case 24) ----------------------------------------------------------------
_IMPORT_SCRIPT = r"""
import sys
from greening.actor import Actor
from greening.config import override_settings
from greening.db import make_engine, session_scope
from greening.importers.ledger import apply_ledger, validate_ledger
from greening.permissions import install_scope

url, path = sys.argv[1], sys.argv[2]
engine = make_engine(url)
actor = Actor.system("crash-test")
data = open(path, "rb").read()

def progress(stage, done, total):
    print(stage, done, total, flush=True)

with override_settings(max_upload_mb=200):
    with session_scope(engine) as s:
        install_scope(s, actor)
        report = validate_ledger(s, actor, data, "big.csv")
    print("validated", report.valid_rows, flush=True)
    with session_scope(engine) as s:
        install_scope(s, actor)
        apply_ledger(s, actor, report, progress=progress)
print("committed", flush=True)
"""


@pytest.mark.slow
def test_import_killed_mid_write_leaves_all_or_nothing(fresh_engine, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from greening.config import REPO_ROOT
    from greening.db import session_scope
    from greening.permissions import install_scope

    with session_scope(fresh_engine) as s:
        install_scope(s, ADMIN)
        campaign.build(s)
    rows = 20_000
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes(TEMPLATE_HEADERS, [template_row(f"k{i:05d}") for i in range(rows)]))
    url = fresh_engine.url.render_as_string(hide_password=False)
    proc = subprocess.Popen([sys.executable, "-c", _IMPORT_SCRIPT, url, str(path)], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    killed_at = None
    try:
        for line in proc.stdout:
            parts = line.split()
            if parts[:1] == ["write"] and int(parts[1]) > 0:  # at least one chunk sent to the database
                killed_at = int(parts[1])
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.wait(60)
    assert killed_at is not None and 0 < killed_at < rows, proc.stderr.read()[-2000:]
    assert proc.returncode == -signal.SIGKILL
    with fresh_engine.connect() as conn:
        if fresh_engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        stored = conn.execute(select(func.count()).select_from(Planting)).scalar()
    assert stored in (0, rows) and stored == 0  # killed before its commit: none of it
