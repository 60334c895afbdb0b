"""PDF documents with Chinese text: a supervision notice in the usual document layout, and the
monthly ranking (红黑榜), printable on A4.

The font: ``GREENING_PDF_FONT`` if set, else the first CJK font found among the usual places
(WenQuanYi Micro Hei from Debian's ``fonts-wqy-microhei``, which ``scripts/setup.sh`` installs,
Droid Sans Fallback, Noto CJK, macOS and Windows system fonts), else what ``fc-match :lang=zh``
names. In a font collection (``.ttc``) the Simplified Chinese face is used. The text is embedded
as a font subset with its Unicode mapping, so it can be searched and copied (and tests extract it).
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from greening.config import get_settings
from greening.i18n import fmt_date
from greening.supervision.linebreak import kinsoku
from greening.validation import Refusal, Refused, message

__all__ = ["CjkFont", "find_font", "notice_pdf", "ranking_pdf", "NoFont"]

# TrueType-outline fonts first: fpdf2 embeds them with Identity-H, which every reader (pypdf too)
# maps back to text; with Noto's CFF outlines poppler extracts the text but pypdf does not.
_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
RED = (200, 16, 16)


class NoFont(Refused, RuntimeError):
    """No Chinese font on this machine (``pdf_no_font``): a set-up problem, not bad input, so it stays a
    ``RuntimeError``, in the one error style (``code``, ``zh``, ``en``)."""

    def __init__(self):
        zh, en = message("pdf_no_font")
        super().__init__(f"{zh} / {en}")
        self._fill("pdf_no_font", zh, en, None)


@dataclass(frozen=True)
class CjkFont:
    regular: Path
    regular_index: int
    bold: Path | None
    bold_index: int


def _sc_index(path: Path) -> int:
    """The Simplified Chinese face of a collection (0 for a single font)."""
    if path.suffix.lower() != ".ttc":
        return 0
    from fontTools.ttLib import TTCollection

    names = [f["name"].getDebugName(1) or "" for f in TTCollection(str(path), lazy=True).fonts]
    for i, name in enumerate(names):
        words = name.split()
        if words and (words[-1] in ("SC", "CN", "GB") or "GB" in name):
            return i
    return 0


def _fc_match() -> Path | None:
    if not shutil.which("fc-match"):
        return None
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh"], capture_output=True, text=True,
                             timeout=10, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out) if out and Path(out).suffix.lower() in {".ttf", ".otf", ".ttc"} and Path(out).exists() else None


def find_font(settings=None) -> CjkFont:
    """The CJK font PDFs are written with (see the module docstring); raises :class:`NoFont`."""
    s = settings or get_settings()
    path: Path | None
    if s.pdf_font:
        path = Path(s.pdf_font)
        if not path.exists():
            raise Refusal.of("pdf_font_file_missing", path=str(path))
    else:
        path = next((Path(p) for p in _CANDIDATES if Path(p).exists()), None) or _fc_match()
    if path is None:
        raise NoFont()
    twin = path.with_name(path.name.replace("Regular", "Bold"))
    bold = twin if twin != path and twin.exists() else None
    return CjkFont(path, _sc_index(path), bold, _sc_index(bold) if bold else 0)


class _Doc(FPDF):
    def __init__(self, font: CjkFont, footer_text: str):
        super().__init__(format="A4")
        self.add_font("cjk", "", str(font.regular), collection_font_number=font.regular_index)
        bold = font.bold or font.regular
        self.add_font("cjk", "B", str(bold), collection_font_number=font.bold_index if font.bold else font.regular_index)
        self._footer_text = footer_text
        self.set_margins(22, 20, 22)
        self.set_auto_page_break(True, 20)

    def footer(self):
        self.set_y(-14)
        self.set_font("cjk", "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 6, f"{self._footer_text}  第 {self.page_no()} 页 / page {self.page_no()}", align="C")


def paragraph_lines(pdf: FPDF, text: str, h: float) -> list[str]:
    """``text`` broken into the lines the page's width holds in the current font, by the rules of
    Chinese line breaking (:func:`greening.supervision.linebreak.kinsoku`)."""
    lines = pdf.multi_cell(0, h, text, dry_run=True, output="LINES")
    assert isinstance(lines, list), type(lines)  # output="LINES" gives the lines alone
    return kinsoku([str(line) for line in lines])


def _paragraph(pdf: FPDF, text: str, h: float) -> None:
    for line in paragraph_lines(pdf, text, h):
        pdf.cell(0, h, line, new_x="LMARGIN", new_y="NEXT")


def _field(pdf: _Doc, label: str, text: str) -> None:
    pdf.set_font("cjk", "B", 11)
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(0, 7, label, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", "", 11)
    _paragraph(pdf, text or "—", 6.5)
    pdf.ln(2)


def notice_pdf(n: dict, *, font: CjkFont | None = None) -> bytes:
    """One notice as a document: red masthead, number, addressees, matters, deadline, handling.

    ``n``: the notice's fields as :func:`greening.supervision.inbox.notice_record` gives them.
    """
    pdf = _Doc(font or find_font(), f"{n['display_number']} · 湛江市党建引领乡村绿化")
    pdf.add_page()
    pdf.set_text_color(*RED)
    pdf.set_font("cjk", "B", 22)
    pdf.cell(0, 13, "湛江市党建引领乡村绿化工作", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", "B", 26)
    pdf.cell(0, 14, "督  办  单", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", "", 12)
    pdf.set_text_color(0, 0, 0)
    pdf.cell(0, 9, n["display_number"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.8)
    y = pdf.get_y() + 1
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.ln(6)
    if n.get("is_demo"):
        pdf.set_font("cjk", "", 9)
        pdf.set_text_color(150, 150, 150)
        pdf.cell(0, 5, "示例数据 / demo data", align="R", new_x="LMARGIN", new_y="NEXT")
    people = "、".join(f"{p.get('name')}（{p.get('role_zh')}）" if p.get("role_zh") else str(p.get("name"))
                      for p in n.get("addressees") or [])
    _field(pdf, "督办对象：", f"{n.get('county_name') or ''}{n.get('town_name') or ''}{n['village_name']}（{n['village_code']}）")
    _field(pdf, "受文责任人：", people)
    _field(pdf, "督办事由：", n["reasons"])
    _field(pdf, "整改要求：", f"请于{fmt_date(n['deadline'], 'zh')}前完成整改，并在系统中上报整改情况（附植树记录和照片）。"
                            "逾期未报的，由县（市、区）督办；逾期超过规定天数的，由市级督办。")
    state = f"{n['status_zh']}"
    if n.get("overdue_days"):
        state += f"（已逾期 {n['overdue_days']} 天，升级至{n['level_zh']}）"
    lines = [f"当前状态：{state}"]
    if n.get("acknowledged_on"):
        lines.append(f"签收：{n['acknowledged_by']}，{fmt_date(n['acknowledged_on'], 'zh')}")
    if n.get("reported_on"):
        lines.append(f"上报整改：{n['reported_by']}，{fmt_date(n['reported_on'], 'zh')}")
        lines.append(f"整改情况：{n.get('report_text') or ''}")
        if n.get("report_planting_ids"):
            lines.append(f"关联植树记录：{'、'.join('#' + str(i) for i in n['report_planting_ids'])}；"
                         f"照片 {len(n.get('report_photo_ids') or [])} 张")
    if n.get("return_reason"):
        lines.append(f"退回原因（第 {n.get('times_returned') or 1} 次）：{n['return_reason']}")
    if n.get("closed_on"):
        lines.append(f"核验办结：{n['closed_by']}，{fmt_date(n['closed_on'], 'zh')}" + ("（按期）" if n.get("on_time") else "（逾期）"))
    _field(pdf, "办理情况：", "\n".join(lines))
    pdf.ln(8)
    pdf.set_font("cjk", "", 12)
    # signed by the issuing level (湛江市, 遂溪县) and the person who issued it, not a log-in name
    office = n.get("issuer_office") or ""
    who = n.get("issuer_display") or n["issuer_name"]
    pdf.cell(0, 8, f"下发单位：{office}（经办：{who}）" if office else f"下发：{who}", align="R",
             new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, fmt_date(n["issued_on"], "zh"), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _table(pdf: _Doc, headers: list[str], widths: list[int], rows: list[list[str]], marks: list) -> None:
    pdf.set_font("cjk", "B", 9)
    pdf.set_fill_color(221, 235, 216)
    for h, w in zip(headers, widths, strict=True):
        pdf.cell(w, 7, h, border=1, align="C", fill=True)
    pdf.ln()
    pdf.set_font("cjk", "", 9)
    for row, mark in zip(rows, marks, strict=True):
        if pdf.will_page_break(6.5):
            pdf.add_page()
        fill = {"red": (253, 226, 226), "black": (225, 225, 225)}.get(mark)
        if fill:
            pdf.set_fill_color(*fill)
        for v, w in zip(row, widths, strict=True):
            pdf.cell(w, 6.5, v, border=1, align="C", fill=bool(fill))
        pdf.ln()


def ranking_pdf(month: str, levels: dict[str, list[dict]], *, frozen_at: str, is_demo: bool = False,
                font: CjkFont | None = None, top: int = 3) -> bytes:
    """The month's ranking: per level (``county``, ``town``) rows of a frozen snapshot, 红榜 the
    ``top`` best and 黑榜 the ``top`` worst by composite score."""
    year, mon = month.split("-")
    pdf = _Doc(font or find_font(), f"{year}年{int(mon)}月 乡村绿化红黑榜")
    pdf.add_page()
    pdf.set_font("cjk", "B", 18)
    pdf.set_text_color(*RED)
    pdf.cell(0, 12, f"湛江市党建引领乡村绿化 {year}年{int(mon)}月红黑榜", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", "", 9)
    pdf.set_text_color(90, 90, 90)
    note = f"按综合得分排名；督办按期办结率为本月到期督办单中按期整改并办结的比例。快照冻结于 {frozen_at}"
    pdf.multi_cell(0, 5, note + ("；示例数据" if is_demo else ""), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    titles = {"county": "县（市、区）", "town": "镇（街道）"}
    headers = ["排名", "名称", "所属", "综合得分", "到期督办", "按期办结", "逾期", "按期率", "按期排名", "榜单"]
    widths = [11, 40, 24, 17, 15, 15, 11, 15, 15, 13]
    for level in ("county", "town"):
        rows = levels.get(level) or []
        if not rows:
            continue
        pdf.set_font("cjk", "B", 13)
        pdf.set_text_color(0, 0, 0)
        pdf.cell(0, 10, titles[level], new_x="LMARGIN", new_y="NEXT")
        n = len(rows)
        marks, body = [], []
        for r in rows:
            mark = "red" if r["score_rank"] <= top else ("black" if r["score_rank"] > n - top and n > 2 * top else None)
            marks.append(mark)
            rate = "—" if _blank(r.get("on_time_rate")) else f"{100 * r['on_time_rate']:.0f}%"
            body.append([str(r["score_rank"]), str(r["area_name"])[:14], str(r.get("parent_name") or "")[:8],
                         "—" if _blank(r.get("score")) else f"{r['score']:.1f}", str(r["notices"]),
                         str(r["closed_on_time"]), str(r["overdue"]), rate, str(r["on_time_rank"]),
                         {"red": "红榜", "black": "黑榜"}.get(mark or "", "")])
        _table(pdf, headers, widths, body, marks)
        pdf.ln(4)
    return bytes(pdf.output())
