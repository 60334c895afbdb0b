"""Exports (docs/reliability.md case 8): formula-safe Excel and CSV with Chinese headers, and GIS files that
open elsewhere with nothing lost. The writers are tested with hand-built frames."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook
from shapely.geometry import Point, box

from greening.actor import Actor
from greening.exports import (
    coverage_report_xlsx,
    coverage_workbook,
    export_csv,
    export_layers,
    plantings_frame,
    shapefile_field_names,
    to_csv_bytes,
    to_geojson_bytes,
    to_geopackage_bytes,
    to_shapefile_zip,
    to_xlsx_bytes,
)
from greening.models.enums import Role
from greening.permissions import PermissionDenied
from greening.services.plantings import PlantingInput, create_planting
from tests.fixtures import campaign

NASTY = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "<img src=x onerror=alert(1)>"]


def villages() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "code": ["440802001001", "440802001002"], "name": ["甲村", NASTY[0]],
        "trees": [120, 0], "planned": [100, 50], "completion": [1.2, 0.0], "coverage": [0.5, pd.NA],
        "score": [-3.5, 40.0], "last_activity_on": [dt.date(2024, 3, 12), None],
        "measures_satisfied_total": [3, 4], "measures_satisfied_share": [0.1, 0.2],
    }, geometry=[box(110.30, 21.20, 110.31, 21.21), box(110.31, 21.20, 110.32, 21.21)], crs=4326)


def lagging() -> pd.DataFrame:
    return pd.DataFrame({"rank": [1], "code": ["440802001002"], "name": [NASTY[0]], "severity": [3.0],
                         "reasons_zh": ["=计划未完成；无护绿队"], "completion": [0.0], "team_leader": ["@张三"]})


class TestCells:
    def test_xlsx_neutralises_formulas_and_keeps_numbers(self):
        frame = pd.DataFrame({"text": NASTY, "number": [-3.5, 7, 0, 1e6, -1, 2, 3]})
        ws = load_workbook(io.BytesIO(to_xlsx_bytes(frame))).active
        texts = [ws.cell(row=r, column=1).value for r in range(2, 2 + len(NASTY))]
        assert all(t.startswith("'") for t in texts[:6]) and texts[6] == NASTY[6]
        assert all(ws.cell(row=r, column=1).data_type == "s" for r in range(2, 2 + len(NASTY)))
        numbers = [ws.cell(row=r, column=2) for r in range(2, 2 + len(NASTY))]
        assert numbers[0].value == -3.5 and all(c.data_type == "n" for c in numbers)

    def test_csv_has_bom_chinese_headers_and_safe_cells(self):
        data = to_csv_bytes(pd.DataFrame({"name": NASTY[:2], "trees": [-1, 2]}), chinese_headers=True)
        assert data.startswith(b"\xef\xbb\xbf")
        text = data.decode("utf-8-sig")
        assert text.splitlines()[0] == "名称,种植株数"
        assert "'=HYPERLINK" in text and "\n'+1+2," in text and ",-1\r" in text


class TestWorkbook:
    def test_levels_sheets_lagging_and_formats(self):
        data = coverage_workbook({"city": pd.DataFrame({"code": ["440800000000"], "name": ["湛江市"],
                                                        "completion": [0.6]}),
                                  "county": pd.DataFrame({"code": ["440802000000"], "name": ["赤坎区"]}),
                                  "town": pd.DataFrame({"code": ["440802001000"], "name": ["一镇"]}),
                                  "village": pd.DataFrame(villages().drop(columns="geometry"))},
                                 lagging(), as_of=dt.date(2024, 6, 1))
        wb = load_workbook(io.BytesIO(data))
        assert wb.sheetnames == ["说明", "市", "县区", "镇街", "村", "滞后村"]
        ws = wb["村"]
        header = [c.value for c in ws[1]]
        assert header[:2] == ["区划代码", "名称"] and "计划完成率" in header and "是否滞后" in header
        rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
        lag_row = rows["440802001002"]
        assert lag_row[header.index("是否滞后")] == "是" and lag_row[header.index("滞后原因")].startswith("'=")
        assert lag_row[header.index("名称")].startswith("'=")
        completion = ws.cell(row=2, column=header.index("计划完成率") + 1)
        assert completion.value == 1.2 and completion.number_format == "0.0%"
        assert wb["滞后村"]["A1"].value == "序号" and wb["说明"]["B2"].value == "2024-06-01"


class TestGisFiles:
    def test_geojson_round_trip(self):
        back = gpd.read_file(io.BytesIO(to_geojson_bytes(villages())))
        assert list(back["name"]) == ["甲村", NASTY[0]] and back.crs.to_epsg() == 4326
        assert back.geometry.iloc[0].equals_exact(box(110.30, 21.20, 110.31, 21.21).normalize(), 1e-9) or \
            back.geometry.iloc[0].area == pytest.approx(1e-4)

    def test_geopackage_has_both_layers(self, tmp_path):
        points = gpd.GeoDataFrame({"submission_id": ["s1"], "flags": [["outside_claimed_village"]],
                                   "planted_on": [dt.date(2024, 3, 12)]}, geometry=[Point(110.305, 21.205)], crs=4326)
        path = tmp_path / "x.gpkg"
        path.write_bytes(to_geopackage_bytes({"villages": villages(), "plantings": points}))
        assert {name for name, _ in pyogrio.list_layers(path)} == {"villages", "plantings"}
        back = pyogrio.read_dataframe(path, layer="plantings")
        assert back["flags"].iloc[0] == "outside_claimed_village"

    def test_shapefile_zip_utf8_short_fields(self, tmp_path):
        data = to_shapefile_zip({"villages": villages()})
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        assert {"villages.shp", "villages.shx", "villages.dbf", "villages.prj", "villages.cpg", "fields.csv"} <= set(names)
        assert zipfile.ZipFile(io.BytesIO(data)).read("villages.cpg").strip().upper().startswith(b"UTF")
        path = tmp_path / "v.zip"
        path.write_bytes(data)
        back = pyogrio.read_dataframe(path)
        assert all(len(c) <= 10 for c in back.columns)
        assert list(back["name"]) == ["甲村", NASTY[0]]
        mapping = pd.read_csv(io.BytesIO(zipfile.ZipFile(path).read("fields.csv")), encoding="utf-8-sig")
        assert set(mapping["column"]) >= {"measures_satisfied_total", "measures_satisfied_share"}

    def test_field_names_are_unique_and_short(self):
        names = shapefile_field_names(["measures_satisfied_total", "measures_satisfied_share", "measures_s",
                                       "名称", "code"])
        assert len(set(n.lower() for n in names.values())) == 5 and all(len(n) <= 10 for n in names.values())


# -- from the database ---------------------------------------------------------------------------
A, B = "440802001001", "440802001002"


@pytest.fixture
def with_plantings(db):
    campaign.build(db)
    system = Actor.system("t")
    for sub, code, count in (("e1", A, 5), ("e2", B, 7)):
        lon, lat = campaign.centre(code)
        create_planting(db, system, PlantingInput(sub, code, dt.date(2024, 3, 12), "榕树", count, "路旁", lon, lat,
                                                  note="=cmd|' /C calc'!A0"))
    return db


class TestFromDatabase:
    def test_plantings_are_scoped(self, with_plantings):
        team = Actor(user_id=None, username="t", role=Role.TEAM, scope_prefix=A)
        with pytest.raises(PermissionDenied):
            plantings_frame(with_plantings, team)
        lead = Actor(user_id=None, username="l", role=Role.TOWN_LEAD, scope_prefix="440802001")
        frame = plantings_frame(with_plantings, lead)
        assert sorted(frame["submission_id"]) == ["e1", "e2"] and frame.crs.to_epsg() == 4326
        other = Actor(user_id=None, username="o", role=Role.COUNTY_LEAD, scope_prefix="440803")
        assert len(plantings_frame(with_plantings, other)) == 0
        with pytest.raises(PermissionDenied):
            plantings_frame(with_plantings, other, county="440802")

    def test_plantings_csv(self, with_plantings):
        text = export_csv(with_plantings, Actor.system("t"), "plantings").decode("utf-8-sig")
        assert text.startswith("编号,提交编号") and "'=cmd" in text

    def test_report_and_layers_from_coverage(self, with_plantings):
        admin = Actor.system("t")
        wb = load_workbook(io.BytesIO(coverage_report_xlsx(with_plantings, admin, county="440802")))
        assert {"市", "县区", "镇街", "村"} <= set(wb.sheetnames)
        assert wb["村"].max_row == 1 + len(campaign.VILLAGES)
        points = gpd.read_file(io.BytesIO(export_layers(with_plantings, admin, "geojson", what="plantings")))
        assert sorted(points["submission_id"]) == ["e1", "e2"]
        data = export_layers(with_plantings, admin, "shp")
        assert {"villages.shp", "plantings.shp"} <= set(zipfile.ZipFile(io.BytesIO(data)).namelist())
