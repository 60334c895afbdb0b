"""Exports: the Excel report (市/县区/镇街/村), CSV, and villages and plantings as GeoJSON,
GeoPackage and zipped Shapefile.

The writers are pure functions of DataFrames/GeoDataFrames, so they are tested with hand-built
frames; :func:`coverage_report_xlsx` and the other ``export_*`` functions fetch the frames from
:mod:`greening.coverage` and the database for the actor's area.

Every text cell is formula-safe (docs/reliability.md case 8): text starting with ``= + - @``, tab or CR gets a
leading ``'`` (:func:`greening.services.audit_trail.safe_cell`, the project's one rule); numbers
stay numbers. CSV is UTF-8 with a BOM so Excel shows the Chinese; Shapefile field names are cut to
10 characters (the full names and Chinese labels are in ``fields.csv`` inside the zip) and the
attributes are UTF-8 with a ``.cpg``.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.area_codes import from_prefix
from greening.geodb import rows_frame
from greening.permissions import require, scope_clause
from greening.services.audit_trail import safe_cell
from greening.validation.errors import OperationRefused, Refusal

__all__ = [
    "COLUMN_ZH", "LEVEL_SHEETS", "to_csv_bytes", "to_xlsx_bytes", "coverage_workbook", "to_geojson_bytes",
    "to_geopackage_bytes", "to_shapefile_zip", "shapefile_field_names", "plantings_frame",
    "coverage_frames", "coverage_report_xlsx", "export_layers", "export_csv", "FORMATS",
]

FORMATS = ("excel", "geojson", "gpkg", "shp", "csv")
LEVEL_SHEETS = {"city": "市", "county": "县区", "town": "镇街", "village": "村"}

#: Chinese headers of the columns the reports use (others keep their own name).
COLUMN_ZH: dict[str, str] = {
    "rank": "序号", "code": "区划代码", "name": "名称", "town_code": "镇街代码", "town_name": "镇街",
    "county_code": "县区代码", "county_name": "县区", "villages": "村数", "plantings": "种植记录数",
    "trees": "种植株数", "trees_verified": "已核实株数", "planned": "计划株数", "seedlings_secured": "已落实苗木",
    "completion": "计划完成率", "coverage": "措施覆盖率", "measures_satisfied": "已落实措施数",
    "measures_applicable": "适用措施数", "survival_rate": "成活率", "survival_checked": "已核查株数",
    "teams": "护绿队数", "active_teams": "在岗护绿队数", "team_leader": "护绿队长", "team_leader_phone": "联系电话",
    "days_inactive": "未活动天数", "last_activity_on": "最近活动日期", "score": "综合得分",
    "lagging": "是否滞后", "reasons_zh": "滞后原因", "reasons_en": "Reasons", "severity": "严重程度",
    "first_secretary": "第一书记", "town_leader": "包镇领导", "county_leader": "包县领导", "city_leader": "市领导",
    "outside_plantings": "位置不符记录数", "planted_area_m2": "种植面积（平方米）", "area_km2": "面积（平方千米）",
    "expected_pace": "应达进度", "unmet_measures": "未落实措施",
    "submission_id": "提交编号", "claimed_village_code": "填报村代码", "village_code": "所在村代码",
    "planted_on": "种植日期", "species": "树种", "tree_count": "数量（株）", "area_m2": "面积（平方米）",
    "site_type": "地点类型", "site_name": "地点名称", "status": "状态", "flags": "标记", "lon": "经度",
    "lat": "纬度", "party_members": "党员人数", "villagers": "群众人数", "source": "来源", "id": "编号",
    "note": "备注",
}
_PERCENT = {"completion", "coverage", "survival_rate", "expected_pace"}
_REPORT_COLUMNS = ["code", "name", "county_name", "town_name", "villages", "plantings", "trees", "planned",
                   "completion", "coverage", "measures_satisfied", "measures_applicable", "survival_rate",
                   "teams", "active_teams", "days_inactive", "score", "lagging", "reasons_zh"]


# -- cells ----------------------------------------------------------------------------------------
def _plain(value):
    """A value a spreadsheet or GIS file can hold: NA -> None, lists -> text, timestamps -> dates."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (list, tuple, set, dict)):
        return "；".join(map(str, value)) if not isinstance(value, dict) else json.dumps(value, ensure_ascii=False)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _cell(value):
    value = _plain(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    return safe_cell(value)


def _headers(columns, chinese: bool) -> list[str]:
    return [safe_cell(COLUMN_ZH.get(str(c), str(c)) if chinese else str(c)) for c in columns]


def to_csv_bytes(frame: pd.DataFrame, *, chinese_headers: bool = False) -> bytes:
    """CSV, UTF-8 with BOM, every text cell formula-safe; numbers written as numbers."""
    out = frame.drop(columns=[c for c in frame.columns if c == "geometry"], errors="ignore").copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map(_cell)
    out.columns = _headers(out.columns, chinese_headers)
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _write_sheet(ws, frame: pd.DataFrame, chinese: bool = True) -> None:
    columns = [c for c in frame.columns if c != "geometry"]
    ws.append(_headers(columns, chinese))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBD8")
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for row in frame[columns].itertuples(index=False):
        ws.append([_cell(v) for v in row])
    for i, col in enumerate(columns, start=1):
        letter = get_column_letter(i)
        if col in _PERCENT:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = "0.0%"
        width = max([len(str(ws.cell(row=1, column=i).value or "")) * 2] +
                    [len(str(v)) for v in frame[col].head(200).map(_plain) if v is not None])
        ws.column_dimensions[letter].width = min(max(8, width + 2), 60)
    ws.freeze_panes = "C2" if len(columns) > 2 else "A2"


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "数据", *, chinese_headers: bool = False) -> bytes:
    """One sheet of ``frame`` as ``.xlsx`` bytes, formula-safe."""
    wb = Workbook()
    _write_sheet(wb.active, frame, chinese_headers)
    wb.active.title = sheet[:31]
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _with_lagging(frame: pd.DataFrame, lagging: pd.DataFrame | None) -> pd.DataFrame:
    out = frame.copy()
    if lagging is not None and "code" in out:
        reasons = lagging.set_index("code")["reasons_zh"] if len(lagging) else pd.Series(dtype=object)
        out["lagging"] = out["code"].isin(reasons.index).map({True: "是", False: "否"})
        out["reasons_zh"] = out["code"].map(reasons)
    return out


def coverage_workbook(levels: dict[str, pd.DataFrame], lagging: pd.DataFrame | None = None, *,
                      title: str | None = None, as_of: dt.date | None = None) -> bytes:
    """The Excel report: one sheet per level (市, 县区, 镇街, 村) with coverage, plan completion and,
    for villages, whether they lag and why; plus a 滞后村 sheet when ``lagging`` is given.

    ``levels`` maps ``"city"``/``"county"``/``"town"``/``"village"`` to metrics frames (any columns;
    those of the report that are present are written, in a fixed order, with Chinese headers).
    """
    wb = Workbook()
    wb.remove(wb.active)
    info = wb.create_sheet("说明")
    info.append([safe_cell(title or "湛江市党建引领乡村绿化进展报表")])
    info.append(["统计截至", (as_of or dt.date.today()).isoformat()])
    info.append(["生成时间", dt.datetime.now().strftime("%Y-%m-%d %H:%M")])
    info.append(["说明", "完成率 = 种植株数 / 计划株数；覆盖率 = 已落实措施 / 适用措施；成活率 = 最近一次核查成活株数 / 已核查株数。"])
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 14, 90
    for level, sheet in LEVEL_SHEETS.items():
        frame = levels.get(level)
        if frame is None:
            continue
        frame = _with_lagging(frame, lagging) if level == "village" else frame
        columns = [c for c in _REPORT_COLUMNS if c in frame.columns] or list(frame.columns)
        _write_sheet(wb.create_sheet(sheet), pd.DataFrame(frame[columns]))
    if lagging is not None:
        keep = [c for c in ("rank", "code", "name", "severity", "reasons_zh", "completion", "expected_pace",
                            "coverage", "survival_rate", "days_inactive", "team_leader", "team_leader_phone",
                            "first_secretary", "town_leader", "county_leader", "city_leader") if c in lagging]
        _write_sheet(wb.create_sheet("滞后村"), pd.DataFrame(lagging[keep]) if keep else lagging)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# -- GIS files --------------------------------------------------------------------------------------
def _gis_ready(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Attributes a GIS driver accepts: lists/dicts as text, NA as null, timestamps as ISO text."""
    out = gdf.to_crs(4326) if gdf.crs is not None else gdf.set_crs(4326)
    out = out.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        series = out[col]
        if pd.api.types.is_datetime64_any_dtype(series):
            out[col] = series.dt.strftime("%Y-%m-%dT%H:%M:%S").astype(object).where(series.notna(), None)
        elif pd.api.types.is_bool_dtype(series):
            out[col] = series.astype("int32")
        elif not pd.api.types.is_numeric_dtype(series):
            values = series.map(_plain).map(lambda v: v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v)
            out[col] = values.map(lambda v: None if v is None else (v if isinstance(v, (int, float)) else str(v)))
            out[col] = out[col].astype(object)
    return out


def to_geojson_bytes(gdf: gpd.GeoDataFrame) -> bytes:
    """GeoJSON (RFC 7946, WGS 84) of ``gdf``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "layer.geojson"
        pyogrio.write_dataframe(_gis_ready(gdf), path, driver="GeoJSON", layer_options={"RFC7946": "YES"})
        return path.read_bytes()


def to_geopackage_bytes(layers: dict[str, gpd.GeoDataFrame]) -> bytes:
    """A GeoPackage holding each frame as a layer."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.gpkg"
        for name, gdf in layers.items():
            pyogrio.write_dataframe(_gis_ready(gdf), path, layer=name, driver="GPKG", append=path.exists())
        return path.read_bytes()


def shapefile_field_names(columns) -> dict[str, str]:
    """Column -> a unique DBF field name of at most 10 ASCII characters."""
    out, used = {}, set()
    for col in columns:
        base = "".join(ch for ch in str(col) if ch.isascii() and (ch.isalnum() or ch == "_"))[:10] or "field"
        name, n = base, 1
        while name.lower() in used:
            suffix = f"_{n}"
            name, n = base[: 10 - len(suffix)] + suffix, n + 1
        used.add(name.lower())
        out[col] = name
    return out


def to_shapefile_zip(layers: dict[str, gpd.GeoDataFrame]) -> bytes:
    """A zip with one Shapefile per layer (UTF-8 attributes with ``.cpg``) and ``fields.csv``
    naming each shortened field."""
    buffer = io.BytesIO()
    mapping_rows = []
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, gdf in layers.items():
            ready = _gis_ready(gdf)
            names = shapefile_field_names([c for c in ready.columns if c != ready.geometry.name])
            ready = ready.rename(columns=names)
            path = Path(tmp) / f"{name}.shp"
            pyogrio.write_dataframe(ready, path, driver="ESRI Shapefile", encoding="UTF-8")
            for part in sorted(Path(tmp).glob(f"{name}.*")):
                z.write(part, part.name)
            mapping_rows += [{"layer": name, "field": short, "column": col, "中文": COLUMN_ZH.get(col, "")}
                             for col, short in names.items()]
        z.writestr("fields.csv", to_csv_bytes(pd.DataFrame(mapping_rows, columns=["layer", "field", "column", "中文"])))
    return buffer.getvalue()


# -- fetching from the database and the coverage engine ----------------------------------------
def _area_for(actor: Actor, county: str | None) -> str | None:
    if county is None:
        return None
    county = str(county).strip()
    if len(county) != 6 or not county.isdigit():
        raise Refusal.of("county_code_not_6_digits", county=county)
    return from_prefix(county)


def plantings_frame(session: Session, actor: Actor, county: str | None = None) -> gpd.GeoDataFrame:
    """The actor's plantings (not deleted) as points, with species names; optionally one county."""
    from greening.models import Planting, Species

    require(actor, "export.run", _area_for(actor, county))
    p = Planting
    stmt = (select(p.id, p.submission_id, p.claimed_village_code, p.village_code, p.planted_on,
                   Species.name_zh.label("species"), p.tree_count, p.area_m2, p.site_type, p.site_name,
                   p.party_members, p.villagers, p.status, p.source, p.flags, p.note, p.lon, p.lat)
            .join(Species, Species.id == p.species_id)
            .where(p.deleted_at.is_(None), scope_clause(actor, p.claimed_village_code)).order_by(p.id))
    if county:
        stmt = stmt.where(p.claimed_village_code.startswith(county, autoescape=True))
    result = session.execute(stmt)
    frame = rows_frame(result.fetchall(), result.keys())
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"])
    frame["lon"], frame["lat"] = frame["lon"].round(7), frame["lat"].round(7)  # 1 cm; no float noise in CSV
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)


class CoverageUnavailable(OperationRefused, RuntimeError):
    """The coverage engine cannot be imported (a broken installation)."""


def coverage_frames(session: Session, actor: Actor, county: str | None = None,
                    as_of: dt.date | None = None) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """``({level: metrics frame}, lagging)`` from :func:`greening.coverage.coverage_for`, for the
    actor's area (and one county when given)."""
    require(actor, "export.run", _area_for(actor, county))
    try:
        from greening.coverage import coverage_for
    except ImportError as exc:  # pragma: no cover - the coverage engine ships with the app
        raise CoverageUnavailable.of("coverage_engine_unavailable") from exc
    result = coverage_for(session.connection(), actor, as_of)
    levels = {"city": result.city, "county": result.counties, "town": result.towns, "village": result.villages}
    lagging = result.lagging
    if county:
        levels = {k: (v if k == "city" else v[v["code"].astype(str).str.startswith(county)])
                  for k, v in levels.items()}
        lagging = lagging[lagging["code"].astype(str).str.startswith(county)]
    return levels, lagging


def coverage_report_xlsx(session: Session, actor: Actor, county: str | None = None,
                         as_of: dt.date | None = None) -> bytes:
    """The Excel report (市/县区/镇街/村 + 滞后村) for the actor's area."""
    levels, lagging = coverage_frames(session, actor, county, as_of)
    return coverage_workbook(levels, lagging, as_of=as_of)


def export_layers(session: Session, actor: Actor, fmt: str, county: str | None = None,
                  as_of: dt.date | None = None, what: str = "villages") -> bytes:
    """Villages (with their coverage) and plantings as ``gpkg`` or ``shp`` (zip, both layers), or
    ``geojson`` (one layer: ``what`` is ``"villages"`` or ``"plantings"``)."""
    if fmt == "geojson" and what == "plantings":
        return to_geojson_bytes(plantings_frame(session, actor, county))
    levels, lagging = coverage_frames(session, actor, county, as_of)
    villages = gpd.GeoDataFrame(_with_lagging(levels["village"], lagging), crs=4326)
    if fmt == "geojson":
        return to_geojson_bytes(villages)
    layers = {"villages": villages, "plantings": plantings_frame(session, actor, county)}
    if fmt == "gpkg":
        return to_geopackage_bytes(layers)
    if fmt == "shp":
        return to_shapefile_zip(layers)
    raise Refusal.of("export_format_unknown", fmt=fmt)


def export_csv(session: Session, actor: Actor, what: str = "villages", county: str | None = None,
               as_of: dt.date | None = None) -> bytes:
    """CSV (UTF-8 with BOM, Chinese headers) of ``villages`` (coverage) or ``plantings``."""
    if what == "plantings":
        return to_csv_bytes(pd.DataFrame(plantings_frame(session, actor, county).drop(columns="geometry")),
                            chinese_headers=True)
    levels, lagging = coverage_frames(session, actor, county, as_of)
    frame = _with_lagging(levels["village"], lagging)
    columns = [c for c in _REPORT_COLUMNS if c in frame.columns]
    return to_csv_bytes(pd.DataFrame(frame[columns]), chinese_headers=True)
