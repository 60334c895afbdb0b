"""The catalogue of refusals: stable codes with Chinese and English messages.

One catalogue for every input path: ledger and boundary imports, the planting form, care checks
and photos, so a message reads the same whether it came from a phone or a spreadsheet.
File-level problems stop an import before any row is read (:class:`~greening.validation.errors.ImportFileError`); row-level
problems are collected into a report (:class:`Issue`), one per row and column, so the user can fix
the file and try again. Severities:

- ``error``: the row (or feature) is refused;
- ``warning``: the row is imported, with a flag or a note (e.g. a point in another village);
- ``info``: nothing to fix (e.g. the row was imported before and is skipped).

The planting form uses the same codes (:class:`greening.services.plantings.PlantingError`).
"""
from __future__ import annotations

import string
from dataclasses import dataclass

from greening.validation.action_codes import ACTION_CODES

__all__ = ["Code", "CATALOGUE", "Issue", "issue", "message", "catalogue_rows"]


@dataclass(frozen=True)
class Code:
    """One kind of problem: ``zh`` and ``en`` are templates filled with named parameters."""

    code: str
    level: str  # "file" | "row" | "action" (one action refused: action_codes.py)
    severity: str  # "error" | "warning" | "info"
    zh: str
    en: str

    @property
    def params(self) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(self.zh + self.en) if name}


def _c(code, level, severity, zh, en):
    return code, Code(code, level, severity, zh, en)


CATALOGUE: dict[str, Code] = dict([
    # -- file level: the file as a whole cannot be read --------------------------------------
    _c("file_empty", "file", "error", "文件“{filename}”是空的", "file {filename!r} is empty"),
    _c("file_too_large", "file", "error", "文件“{filename}”有 {size_mb} MB，超过上限 {limit_mb} MB",
       "file {filename!r} is {size_mb} MB, above the {limit_mb} MB limit"),
    _c("file_type_unsupported", "file", "error",
       "不支持的文件类型“{filename}”；请上传 {accepted}",
       "unsupported file type {filename!r}; upload {accepted_en}"),
    _c("file_unreadable", "file", "error", "无法读取文件“{filename}”：{reason}",
       "cannot read file {filename!r}: {reason}"),
    _c("encoding_unknown", "file", "error",
       "无法识别文件“{filename}”的文字编码；请另存为 UTF-8 或 GBK",
       "cannot recognise the text encoding of {filename!r}; save it as UTF-8 or GBK"),
    _c("no_header", "file", "error", "文件“{filename}”中找不到表头行", "no header row found in {filename!r}"),
    _c("missing_columns", "file", "error",
       "缺少必填列：{columns}。已识别的列：{found}",
       "required columns missing: {columns}. Columns recognised: {found}"),
    _c("no_rows", "file", "error", "文件“{filename}”中没有数据行", "no data rows in {filename!r}"),
    _c("rows_have_errors", "file", "error",
       "有 {error_rows} 行存在错误，未导入任何数据；请修改后重新上传，或选择只导入无误的 {valid_rows} 行",
       "{error_rows} rows have errors and nothing was written; fix them and upload again, or import only "
       "the {valid_rows} valid rows"),
    _c("features_refused", "file", "error",
       "有 {refused} 个区域无法导入，未写入任何数据；请修改文件，或选择只导入无误的 {valid} 个区域",
       "{refused} areas were refused and nothing was written; fix the file, or import only the {valid} "
       "valid areas"),
    _c("too_many_rows", "file", "error", "文件有 {rows} 行，超过上限 {limit} 行；请分批导入",
       "the file has {rows} rows, above the limit of {limit}; import it in parts"),
    _c("shapefile_incomplete", "file", "error",
       "Shapefile 不完整：缺少 {missing}（需要 .shp、.shx、.dbf，最好还有 .prj）",
       "incomplete shapefile: {missing} missing (.shp, .shx and .dbf are needed, .prj advised)"),
    _c("no_layer", "file", "error", "文件“{filename}”中没有可读取的图层", "no readable layer in {filename!r}"),
    _c("many_layers", "file", "error", "文件中有多个图层（{layers}）；请指定要导入的图层",
       "the file holds several layers ({layers}); say which one to import"),
    _c("crs_unknown", "file", "error",
       "无法判断坐标系（文件缺少 .prj）：{reason}；请指定坐标系，如 EPSG:4546",
       "cannot tell the coordinate system (no .prj): {reason}; give it, e.g. EPSG:4546"),
    _c("crs_invalid", "file", "error", "无法识别坐标系“{crs}”", "unknown coordinate system {crs!r}"),
    _c("crs_mismatch", "file", "error",
       "按声明的坐标系 {declared} 读取，图形不在湛江市范围内{hint}",
       "read as its declared {declared}, the shapes fall outside Zhanjiang{hint_en}"),
    _c("no_code_field", "file", "error",
       "找不到区划代码字段（如 CJQYDM、XZQDM、ZLDWDM、村代码）；字段有：{fields}",
       "no area code field found (e.g. CJQYDM, XZQDM, ZLDWDM, code); fields: {fields}"),
    _c("no_name_field", "file", "error",
       "找不到名称字段（如 CJQYMC、XZQMC、ZLDWMC、村名称）；字段有：{fields}",
       "no name field found (e.g. CJQYMC, XZQMC, ZLDWMC, name); fields: {fields}"),
    _c("field_not_found", "file", "error", "字段“{field}”不在文件中；字段有：{fields}",
       "field {field!r} is not in the file; fields: {fields}"),
    _c("not_polygons", "file", "error", "图层几何类型为 {geom_type}，边界需要面（Polygon）",
       "the layer holds {geom_type} geometries; boundaries need polygons"),

    # -- ledger rows ---------------------------------------------------------------------------
    _c("location_missing", "row", "error", "未填写坐标（经度、纬度）", "no location (longitude, latitude)"),
    _c("location_unparsable", "row", "error", "坐标“{value}”无法识别：{reason}",
       "cannot read the location {value!r}: {reason_en}"),
    _c("location_swapped", "row", "error",
       "坐标（经度 {lon}，纬度 {lat}）不在湛江市范围内；经纬度是否填反了？",
       "point (lon {lon}, lat {lat}) is outside Zhanjiang; are longitude and latitude swapped?"),
    _c("outside_zhanjiang", "row", "error", "坐标（经度 {lon}，纬度 {lat}）不在湛江市范围内",
       "point (lon {lon}, lat {lat}) is outside Zhanjiang"),
    _c("in_no_village", "row", "error",
       "坐标（经度 {lon}，纬度 {lat}）不在任何村的范围内（海上或边界外）；最近的是{county}{village}，相距约 {distance_m} 米",
       "point (lon {lon}, lat {lat}) is in no village (sea or outside the boundaries); the nearest is "
       "{village_en} in {county_en}, about {distance_m} m away"),
    _c("outside_claimed_village", "row", "warning",
       "坐标落在{actual}（{actual_code}），不在填报的{claimed}（{claimed_code}）内：记录计入坐标所在的{actual}，"
       "仍归{claimed}管理，已标记待核查",
       "the point falls in {actual} ({actual_code}), not in the claimed {claimed} ({claimed_code}): the "
       "record counts for {actual}, where the point is, stays with {claimed} for editing, and is flagged "
       "for checking"),
    _c("bad_number", "row", "error", "“{value}”不是有效的数字", "{value!r} is not a valid number"),
    _c("not_whole_number", "row", "error", "“{value}”应为整数", "{value!r} should be a whole number"),
    _c("count_not_positive", "row", "error", "数量 {value} 应大于 0", "count {value} must be above 0"),
    _c("count_too_large", "row", "error", "数量 {value} 超过单条记录上限 {limit}，请核对或拆分",
       "count {value} is above the per-record limit of {limit}; check it or split the record"),
    _c("negative_number", "row", "error", "{value} 不能为负数", "{value} cannot be negative"),
    _c("area_too_large", "row", "error", "面积 {value} 平方米超过上限 {limit} 平方米",
       "area {value} m² is above the limit of {limit} m²"),
    _c("date_missing", "row", "error", "未填写种植日期", "no planting date"),
    _c("date_unparsable", "row", "error", "日期“{value}”无法识别，请写成 2024-03-12",
       "cannot read the date {value!r}; write it as 2024-03-12"),
    _c("date_future", "row", "error", "日期 {value} 晚于今天（{today}）", "date {value} is after today ({today})"),
    _c("date_before_campaign", "row", "error", "日期 {value} 早于活动开始日期 {start}",
       "date {value} is before the campaign began ({start})"),
    _c("species_missing", "row", "error", "未填写树种", "no species"),
    _c("species_unknown", "row", "error", "未知树种“{value}”{suggestion}",
       "unknown species {value!r}{suggestion_en}"),
    _c("site_type_unknown", "row", "error", "未知地点类型“{value}”；可选：{choices}",
       "unknown site type {value!r}; choose one of: {choices}"),
    _c("datum_unknown", "row", "error", "未知坐标系“{value}”；请填 WGS84 或 GCJ02",
       "unknown datum {value!r}; use WGS84 or GCJ02"),
    _c("village_missing", "row", "error", "未填写村代码或村名称", "no village code or name"),
    _c("village_unknown", "row", "error", "找不到村“{value}”", "no village {value!r}"),
    _c("village_ambiguous", "row", "error", "村名“{value}”有重名（{codes}），请填写村代码",
       "village name {value!r} is ambiguous ({codes}); give the village code"),
    _c("village_name_mismatch", "row", "warning",
       "村代码 {code} 对应“{expected}”，与填写的“{value}”不一致；填报村按村代码认定为“{expected}”",
       "village code {code} is {expected!r}, not {value!r}; the claimed village is taken from the code"),
    _c("village_out_of_scope", "row", "error", "村 {value} 不在您的管辖范围内", "village {value} is outside your area"),
    _c("village_no_boundary", "row", "warning", "{village}尚无边界数据，无法核对坐标是否在村内",
       "{village} has no boundary yet; the point could not be checked against it"),
    _c("duplicate_id_in_file", "row", "error", "提交编号“{value}”与第 {first_row} 行重复",
       "submission id {value!r} repeats row {first_row}"),
    _c("duplicate_row_in_file", "row", "error", "与第 {first_row} 行内容完全相同", "same content as row {first_row}"),
    _c("already_imported", "row", "info", "此记录已导入过（提交编号“{value}”），将跳过",
       "already imported (submission id {value!r}); skipped"),
    _c("id_conflict", "row", "error",
       "提交编号“{value}”已存在但内容不同；原记录保留，请核对",
       "submission id {value!r} exists with different content; the original is kept"),
    _c("text_too_long", "row", "error", "内容过长（{length} 字，上限 {limit} 字）",
       "text too long ({length} characters, limit {limit})"),
    _c("text_bad_character", "row", "error",
       "内容含有无法保存的不可见字符（第 {position} 个字符，{character}），请删除后重新填写",
       "the text holds a character that cannot be stored (character {position}, {character}); remove it "
       "and try again"),
    _c("participants_bad", "row", "error", "人数“{value}”无效", "invalid number of people {value!r}"),

    # -- single records (the planting form, care checks) ---------------------------------------
    _c("record_not_found", "row", "error", "记录 {value} 不存在或不在您的管辖范围内",
       "record {value} does not exist or is outside your area"),
    _c("version_conflict", "row", "error",
       "记录 {value} 已被他人修改（当前第 {current} 版，您修改的是第 {expected} 版），请刷新后再改",
       "record {value} changed since you opened it (now version {current}, you edited version "
       "{expected}); reload and edit again"),
    _c("field_not_editable", "row", "error", "字段“{value}”不能修改", "field {value!r} cannot be changed"),
    _c("submission_id_missing", "row", "error", "缺少提交编号", "no submission id"),
    _c("check_kind_unknown", "row", "error", "未知核查类型“{value}”；可选：{choices}",
       "unknown check kind {value!r}; choose one of: {choices_en}"),
    _c("check_before_planting", "row", "error", "核查日期 {value} 早于种植日期 {planted_on}",
       "check date {value} is before the planting date {planted_on}"),
    _c("alive_exceeds_count", "row", "error", "成活数 {value} 超过种植数量 {count}",
       "{value} alive is more than the {count} planted"),
    _c("alive_required", "row", "error", "成活率核查必须填写成活数", "a survival check needs the number alive"),
    _c("survival_check_same_day", "row", "error",
       "植树记录 #{planting} 在 {date} 已有成活率核查（核查编号 {id}，成活 {alive} 株）；同一天不再记第二次，原核查保留",
       "planting #{planting} already has a survival check on {date} (check {id}, {alive} alive); a second one "
       "on the same day is not recorded, the first is kept"),

    # -- photos ----------------------------------------------------------------------------------
    _c("photo_too_large", "file", "error", "照片有 {size_mb} MB，超过上限 {limit_mb} MB",
       "the photo is {size_mb} MB, above the {limit_mb} MB limit"),
    _c("photo_not_image", "file", "error", "文件“{filename}”不是照片（{detected}）；只接受 JPEG、PNG、WebP",
       "{filename!r} is not a photo ({detected}); only JPEG, PNG and WebP are accepted"),
    _c("photo_too_many_pixels", "file", "error",
       "照片尺寸 {width}×{height} 像素过大（上限 {limit} 像素）",
       "the photo is {width}×{height} pixels, above the limit of {limit} pixels"),
    _c("photo_damaged", "file", "error", "照片文件已损坏或不完整（{reason}）",
       "the photo is damaged or incomplete ({reason})"),

    # -- boundary features ---------------------------------------------------------------------
    _c("code_missing", "row", "error", "区划代码为空", "the area code is empty"),
    _c("code_bad_format", "row", "error", "区划代码“{value}”不是12位数字", "area code {value!r} is not 12 digits"),
    _c("code_not_zhanjiang", "row", "error", "区划代码 {value} 不属于湛江市的9个县（市、区）",
       "area code {value} is not in one of Zhanjiang's nine counties"),
    _c("code_wrong_level", "row", "error", "区划代码 {value} 是{actual}级代码，不是{expected}级",
       "area code {value} is a {actual_en} code, not a {expected_en} code"),
    _c("town_missing", "row", "error",
       "上级镇街 {town} 既不在数据库中，也不在本文件中；请先导入镇街边界，或选择由本文件的村界合并生成该镇街"
       "（命令行加 --create-towns）",
       "parent town {town} is neither in the database nor in this file; import the towns first, or have the "
       "town made from this file's villages, dissolved (--create-towns on the command line)"),
    _c("town_from_villages", "row", "info", "镇街 {town} 由本文件中的 {villages} 个村合并生成（边界为各村之和）",
       "town {town} made from {villages} villages of this file (its boundary is their union)"),
    _c("name_missing", "row", "error", "名称为空", "the name is empty"),
    _c("geometry_missing", "row", "error", "图形为空或缺失", "the shape is empty or missing"),
    _c("geometry_invalid", "row", "error", "图形无效，无法自动修复：{reason}", "invalid shape, not repaired: {reason_en}"),
    _c("geometry_too_complex", "row", "error",
       "图形有 {vertices} 个顶点，超过上限 {limit} 个；请在源数据中简化（如 0.5 米容差）后重新导入",
       "the shape has {vertices} vertices, above the limit of {limit}; simplify it at its source (e.g. 0.5 m "
       "tolerance) and import again"),
    _c("geometry_not_stored", "file", "error",
       "{name}（{code}）的图形未能完整写入数据库（应有 {vertices} 个顶点，实际为 {stored}），已全部撤销，未写入任何数据",
       "the shape of {name} ({code}) was not stored whole ({vertices} vertices expected, the database holds "
       "{stored}); everything was rolled back and nothing was written"),
    _c("geometry_repaired", "row", "warning", "图形已自动修复：{reason}", "shape repaired: {reason}"),
    _c("parts_dissolved", "row", "info", "同一代码的 {parts} 个图斑已合并为一个", "{parts} parts with the same code merged into one"),
    _c("names_differ", "row", "warning", "同一代码的图斑名称不一致（{names}），采用“{name}”",
       "parts with the same code have different names ({names}); {name!r} is used"),
])
CATALOGUE.update(_c(code, "action", "error", zh, en) for code, zh, en in ACTION_CODES)


@dataclass(frozen=True)
class Issue:
    """One problem found in one row (or feature) of an imported file.

    ``row`` is the row number as the user sees it in Excel (the header is row 1 in a ledger file),
    or the feature number in a boundary file; ``column`` is the header as written in the file.
    """

    code: str
    severity: str
    zh: str
    en: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "code": self.code, "severity": self.severity,
                "zh": self.zh, "en": self.en, "value": self.value}


class _Blank(dict):
    def __missing__(self, key):
        return ""


def message(code: str, /, **params) -> tuple[str, str]:
    """The Chinese and English messages of ``code`` filled with ``params``."""
    entry = CATALOGUE[code]
    values = _Blank({k: ("" if v is None else v) for k, v in params.items()})
    return (string.Formatter().vformat(entry.zh, (), values),
            string.Formatter().vformat(entry.en, (), values))


def issue(code: str, /, *, row: int | None = None, column: str | None = None, value=None, **params) -> Issue:
    """An :class:`Issue` of ``code``; ``value`` is also available to the message as ``{value}``."""
    entry = CATALOGUE[code]
    shown = None if value is None else str(value)
    zh, en = message(code, value=shown, **params)
    return Issue(code=code, severity=entry.severity, zh=zh, en=en, row=row, column=column, value=shown)


def catalogue_rows() -> list[dict]:
    """The catalogue as rows (code, level, severity, zh, en) for documentation and the help page."""
    return [{"code": c.code, "level": c.level, "severity": c.severity, "zh": c.zh, "en": c.en}
            for c in CATALOGUE.values()]
