"""The planting ledger template (种植台账模板) users download, fill in and upload again.

The first sheet holds only the header row (so no example row is ever imported by mistake), with
drop-down lists for 地点类型, 坐标系 and, when given, 树种; the second sheet explains each column.
The CSV version is UTF-8 with a BOM so Excel opens the Chinese headers correctly.
"""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from greening.validation.values import SITE_TYPE_ALIASES

__all__ = ["TEMPLATE_COLUMNS", "TEMPLATE_HEADERS", "ledger_template_xlsx", "ledger_template_csv",
           "LEDGER_SHEET"]

LEDGER_SHEET = "种植台账"

# (header, field, required, explanation, example)
TEMPLATE_COLUMNS: list[tuple[str, str, bool, str, str]] = [
    ("提交编号", "submission_id", False, "每条记录唯一的编号；留空则按内容自动生成。同一编号重复导入不会重复入库。", "ZJ-2024-0001"),
    ("村代码", "village_code", True, "12位统计用区划代码，如 440802001001（与村名称至少填一项）。", "440802001001"),
    ("村名称", "village_name", False, "行政村或社区名称；有重名时必须填村代码。", "甲村"),
    ("种植日期", "planted_on", True, "如 2024-03-12 或 2024/3/12；不能晚于今天。", "2024-03-12"),
    ("树种", "species", True, "树种中文名，如 小叶榄仁、黄花风铃木、荔枝。", "小叶榄仁"),
    ("数量（株）", "tree_count", True, "种植株数，正整数。", "120"),
    ("面积（平方米）", "area_m2", False, "可选；也可写“3亩”“0.5公顷”。", "800"),
    ("地点类型", "site_type", False, "村旁、宅旁、路旁、水旁、庭院、闲置地、村级公园、主题林、其他；留空为“其他”。", "路旁"),
    ("地点名称", "site_name", False, "可选，如“村口至小学道路”。", "村口道路"),
    ("经度", "lon", True, "十进制度，如 110.3612；也可写 110°21′40″E。", "110.3612"),
    ("纬度", "lat", True, "十进制度，如 21.2718。", "21.2718"),
    ("坐标系(WGS84/GCJ02)", "datum", False, "手机GPS、天地图为 WGS84（默认）；在高德/腾讯地图上取的点填 GCJ02。", "WGS84"),
    ("党员人数", "party_members", False, "参加种植的党员人数。", "8"),
    ("群众人数", "villagers", False, "参加种植的群众人数。", "25"),
    ("备注", "note", False, "可选。", ""),
]
TEMPLATE_HEADERS = [c[0] for c in TEMPLATE_COLUMNS]


def ledger_template_xlsx(species: list[str] | None = None) -> bytes:
    """The Excel template: header row with drop-downs, and an instructions sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = LEDGER_SHEET
    ws.append(TEMPLATE_HEADERS)
    head_fill = PatternFill("solid", fgColor="DDEBD8")
    for col, (header, _field, required, _, _) in enumerate(TEMPLATE_COLUMNS, start=1):
        cell = ws.cell(row=1, column=col)
        cell.font = Font(bold=True, color="C00000" if required else "000000")
        cell.fill = head_fill
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(col)].width = max(10, len(header) * 2 + 2)
    ws.freeze_panes = "A2"
    _dropdown(ws, "site_type", [aliases[0] for aliases in SITE_TYPE_ALIASES.values()])
    _dropdown(ws, "datum", ["WGS84", "GCJ02"])
    if species:
        lists = wb.create_sheet("树种列表")
        for name in species:
            lists.append([name])
        _dropdown(ws, "species", None, f"'树种列表'!$A$1:$A${len(species)}")
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "说明", "示例"])
    for header, _field, required, explanation, example in TEMPLATE_COLUMNS:
        notes.append([header, "必填" if required else "选填", explanation, example])
    notes.append([])
    notes.append(["说明", "", "红色列名为必填。请勿修改表头；可以删除不用的选填列。数字请勿带公式。", ""])
    for letter, width in zip("ABCD", (20, 10, 70, 18), strict=False):
        notes.column_dimensions[letter].width = width
    for cell in notes[1]:
        cell.font = Font(bold=True)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _dropdown(ws, field_name: str, values: list[str] | None, formula: str | None = None) -> None:
    col = next(i for i, c in enumerate(TEMPLATE_COLUMNS, start=1) if c[1] == field_name)
    letter = get_column_letter(col)
    source = formula or '"' + ",".join(values or []) + '"'
    validation = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=False)
    ws.add_data_validation(validation)
    validation.add(f"{letter}2:{letter}100000")


def ledger_template_csv() -> bytes:
    """The CSV template: the header row only, UTF-8 with BOM (Excel reads the Chinese correctly)."""
    return (",".join(TEMPLATE_HEADERS) + "\r\n").encode("utf-8-sig")
