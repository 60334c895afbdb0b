"""KoboToolbox and ODK Central exports exactly as downloaded (both backends): Kobo's CSV with XML or
label headers, ``;`` or ``,`` separators, group prefixes and its metadata columns; ODK Central's CSV
with ``-`` groups and split geopoints. A planting date is found in the form's own date question,
else ``today``, else ``start`` (then ``end``, then the server's time), and the report says which."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from greening.actor import Actor
from greening.importers.columns import match_columns
from greening.importers.ledger import apply_ledger, validate_ledger
from greening.models import Planting
from tests.fixtures import campaign

A, B = "440802001001", "440802001002"
ADMIN = Actor.system("tests")

KOBO_META = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by",
             "__version__", "_tags", "_index"]
ODK_TAIL = ["meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected",
            "Status", "ReviewState", "DeviceID", "Edits", "FormVersion"]


@pytest.fixture
def area(db):
    return campaign.build(db)


def kobo_csv(header, rows, sep=";") -> bytes:
    """Kobo's export: every cell quoted, UTF-8 with BOM, the chosen separator."""
    out = io.StringIO()
    csv.writer(out, delimiter=sep, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows([header, *rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def odk_csv(header, rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return out.getvalue().encode("utf-8")


def kobo_meta(n: int, submitted="2024-03-12T01:05:09") -> list:
    return [str(4001 + n), f"8e2d1f0a-6b1c-4c4e-9d0f-00000000000{n}", submitted, "", "", "submitted_via_web",
            "team_suixi", "vQrGm3xkF7tYb2ZpE9", "", str(n + 1)]


def point(code):
    lon, lat = campaign.centre(code)
    return lon, lat, f"{lat} {lon} 12.3 4.9"


class TestKobo:
    def test_xml_headers_semicolons_and_the_forms_date_question(self, db, area):
        lon, lat, raw = point(B)
        header = ["start", "end", "today", "group_planting/village_code", "group_planting/plant_date",
                  "group_planting/species", "group_planting/tree_count", "location", "_location_latitude",
                  "_location_longitude", "_location_altitude", "_location_precision", "group_planting/remarks",
                  *KOBO_META]
        rows = [["2024-03-11T09:12:01.000+08:00", "2024-03-11T09:20:44.000+08:00", "2024-03-11", B, "2024-03-09",
                 "荔枝", "4", raw, lat, lon, "12.3", "4.9", "路口", *kobo_meta(1)]]
        report = validate_ledger(db, ADMIN, kobo_csv(header, rows), "greening_form_2024_03_12.csv")
        assert report.source == "kobo" and report.valid_rows == 1, report.issues
        assert report.columns["planted_on"] == "group_planting/plant_date" and report.date_source == "question"
        assert "group_planting/plant_date" in report.date_note[0] and "date question" in report.date_note[1]
        assert report.columns["submission_id"] == "_uuid" and report.columns["lat"] == "_location_latitude"
        for meta in ("_notes", "_tags", "_status", "__version__", "_submitted_by", "_validation_status"):
            assert meta in report.ignored_columns
        apply_ledger(db, ADMIN, report)
        stored = db.scalars(select(Planting)).one()
        assert stored.planted_on.isoformat() == "2024-03-09" and stored.submission_id.endswith("0001")

    def test_without_a_date_question_today_gives_the_date(self, db, area):
        lon, lat, raw = point(A)
        header = ["start", "end", "today", "group_planting/species", "group_planting/tree_count",
                  "group_planting/village_code", "location", "_location_latitude", "_location_longitude",
                  "_location_altitude", "_location_precision", *KOBO_META]
        rows = [["2024-03-12T23:50:00.000+08:00", "2024-03-13T00:10:00.000+08:00", "2024-03-12", "榕树", "6", A,
                 raw, lat, lon, "3", "5", *kobo_meta(2)]]
        report = validate_ledger(db, ADMIN, kobo_csv(header, rows), "kobo.csv")
        assert report.valid_rows == 1 and report.date_source == "today" and report.columns["planted_on"] == "today"
        assert report.rows[0][7].isoformat() == "2024-03-12"
        assert "today" in report.date_note[0]

    def test_label_headers_with_commas_and_only_start(self, db, area):
        lon, lat, raw = point(A)
        header = ["start", "end", "种植信息/村代码", "种植信息/树种", "种植信息/数量", "种植位置", "_种植位置_latitude",
                  "_种植位置_longitude", "_种植位置_altitude", "_种植位置_precision", "种植信息/备注", *KOBO_META]
        rows = [["2024-04-02T10:01:00.000+08:00", "2024-04-02T10:09:00.000+08:00", A, "木棉", "12", raw, lat, lon,
                 "0", "8", "第二批", *kobo_meta(3)]]
        report = validate_ledger(db, ADMIN, kobo_csv(header, rows, sep=","), "kobo_labels.csv")
        assert report.source == "kobo" and report.valid_rows == 1, report.issues
        assert report.date_source == "start" and report.rows[0][7].isoformat() == "2024-04-02"
        assert report.columns["lat"] == "_种植位置_latitude" and report.columns["note"] == "种植信息/备注"

    def test_only_the_servers_time_is_read_in_zhanjiang_time(self, db, area):
        lon, lat, raw = point(A)
        header = ["group_planting/species", "group_planting/tree_count", "group_planting/village_code", "location",
                  *KOBO_META]
        rows = [["榕树", "2", A, raw, *kobo_meta(4, submitted="2024-03-12T17:30:00")]]  # 01:30 on the 13th
        report = validate_ledger(db, ADMIN, kobo_csv(header, rows), "kobo.csv")
        assert report.date_source == "submission" and report.rows[0][7].isoformat() == "2024-03-13"

    def test_a_date_question_named_in_chinese(self):
        cols = match_columns(["start", "today", "group_a/植树时间", "group_a/树种", "group_a/数量", "_uuid",
                              "_submission_time"])
        assert cols.header("planted_on") == "group_a/植树时间" and cols.date_source == "question"


class TestOdkCentral:
    def test_central_export_with_the_forms_date_question(self, db, area):
        lon, lat, _ = point(A)
        header = ["SubmissionDate", "start", "end", "planting-village_code", "planting-plant_date",
                  "planting-species", "planting-tree_count", "planting-location-Latitude",
                  "planting-location-Longitude", "planting-location-Altitude", "planting-location-Accuracy",
                  *ODK_TAIL]
        rows = [["2024-03-13T02:11:45.123Z", "2024-03-12T09:00:00.000+08:00", "2024-03-12T09:05:00.000+08:00", A,
                 "2024-03-10", "Ficus microcarpa", "6", lat, lon, "11", "4.5", "uuid:5d3c-aa01", "uuid:5d3c-aa01",
                 "17", "collector 1", "0", "0", "", "approved", "collect:Xy12", "0", "2024031201"]]
        report = validate_ledger(db, ADMIN, odk_csv(header, rows), "greening_form.csv")
        assert report.source == "odk" and report.valid_rows == 1, report.issues
        assert report.columns["planted_on"] == "planting-plant_date" and report.date_source == "question"
        assert report.rows[0][0] == "uuid:5d3c-aa01" and report.rows[0][7].isoformat() == "2024-03-10"
        for meta in ("Status", "ReviewState", "DeviceID", "Edits", "FormVersion", "AttachmentsPresent"):
            assert meta in report.ignored_columns

    def test_central_export_with_only_submission_date(self, db, area):
        lon, lat, _ = point(B)
        header = ["SubmissionDate", "planting-village_code", "planting-species", "planting-tree_count",
                  "location-Latitude", "location-Longitude", "location-Altitude", "location-Accuracy", *ODK_TAIL]
        rows = [["2024-03-12T18:00:00.000Z", B, "荔枝", "3", lat, lon, "0", "3", "uuid:bb02", "uuid:bb02", "17",
                 "c", "0", "0", "", "", "d", "0", "1"]]
        report = validate_ledger(db, ADMIN, odk_csv(header, rows), "odk.csv")
        assert report.valid_rows == 1 and report.date_source == "submission"
        assert report.rows[0][7].isoformat() == "2024-03-13"  # 02:00 on the 13th in Zhanjiang
