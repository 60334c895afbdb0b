"""Chinese/English strings of the interface, labels of the campaign's vocabularies, number and date formats.

Chinese comes first: every string is a ``(zh, en)`` pair, looked up with :func:`t`. Numbers are
written the way Chinese readers expect (thousands separators, 万 for large counts: 150.3万株) and
dates as 2024年3月12日. Nothing here imports streamlit; the pages reach it through ``ui.i18n_st``.
"""
from __future__ import annotations

import datetime as dt
import math
from enum import StrEnum

from greening.models.enums import (
    AreaLevel,
    AttestationStatus,
    CheckKind,
    DesignationKind,
    MeasureLevel,
    PersonKind,
    PlantingStatus,
    RecordSource,
    Role,
    SiteType,
    SpeciesCategory,
)
from greening.strings import collect

__all__ = ["LANGS", "STRINGS", "ENUM_LABELS", "PLAN_NAMES", "t", "label", "labels", "plan_name",
           "position", "person", "fmt_people", "error_text", "fmt_int", "fmt_count", "fmt_pct", "fmt_num", "fmt_date", "fmt_weekday_date",
           "fmt_label", "fmt_list",
           "list_sep", "split_list", "normalise_lang"]

LANGS = ("zh", "en")

STRINGS: dict[str, tuple[str, str]] = {
    # --- app, navigation, session ------------------------------------------------------------
    "app.title": ("湛江乡村绿化", "Zhanjiang village greening"),
    "app.subtitle": ("党建引领乡村绿化 · 进度地图", "Party-led village greening · progress map"),
    "nav.section.overview": ("全市与辖区", "City and area"),
    "nav.section.work": ("护绿队工作", "Team work"),
    "nav.section.admin": ("管理", "Administration"),
    "nav.overview": ("全市总览", "City overview"),  # a lead's own area: nav.overview_area
    "nav.county": ("县区看板", "County dashboard"),
    "nav.village": ("村详情", "Village detail"),
    "nav.log_planting": ("种植登记", "Log a planting"),
    "nav.teams": ("党员护绿队", "Party-member greening teams"),
    "nav.designations": ("示范创建", "Demonstration sites"),
    "nav.lagging": ("落后村预警", "Lagging villages"),
    "nav.measures": ("56条措施", "The 56 measures"),
    "nav.review": ("核查审核", "Review"),
    "nav.admin_users": ("用户管理", "Users"),
    "nav.admin_audit": ("审计日志", "Audit log"),
    "lang.label": ("语言 / Language", "语言 / Language"),
    "demo.banner": ("示例数据 / demo data：当前数据库含系统生成的示例记录，非真实统计。",
                    "示例数据 / demo data: this database holds generated demonstration records, not real figures."),
    "common.none": ("无", "none"),
    "common.all": ("全部", "All"),
    "common.unknown": ("未知", "unknown"),
    "common.download_csv": ("下载 CSV", "Download CSV"),
    "common.download_xlsx": ("下载 Excel", "Download Excel"),
    "common.no_data": ("暂无数据。", "No data yet."),
    "common.search": ("搜索", "Search"),
    "common.county": ("县（市、区）", "County"),
    "common.town": ("镇（街道）", "Town"),
    "common.village": ("村（社区）", "Village"),
    "common.name": ("名称", "Name"),
    "common.code": ("代码", "Code"),
    "common.year": ("年度", "Year"),
    "common.status": ("状态", "Status"),
    "common.date": ("日期", "Date"),
    "common.trees": ("株数", "Trees"),
    "common.species": ("树种", "Species"),
    "common.site_type": ("种植地点类型", "Site type"),
    "common.site_name": ("地点名称", "Place name"),
    "common.count_of": ("{n} 个", "{n}"),
    "common.open_village": ("打开村详情", "Open village detail"),
    "common.selected_village": ("已选：{name}", "Selected: {name}"),
    "common.outside_scope": ("该村不在您的管辖范围内。", "That village is outside your area."),
    "common.no_village_here": ("该位置不在任何村界内。", "That point is not inside any village."),
    "common.refresh": ("刷新", "Refresh"),
    "common.as_of": ("数据截至 {date}", "Figures as of {date}"),
    # --- metrics ------------------------------------------------------------------------------
    "metric.trees": ("乡村植树", "Trees planted"),
    "metric.trees.help": ("目标：{target}", "Target: {target}"),
    "metric.teams": ("党员护绿队", "Greening teams"),
    "metric.demo_towns": ("示范镇", "Demonstration towns"),
    "metric.demo_villages": ("示范村", "Demonstration villages"),
    "metric.models": ("产业融合典型", "Industry models"),
    "metric.avg_coverage": ("平均措施覆盖率", "Average measure coverage"),
    "metric.lagging": ("落后村", "Lagging villages"),
    "metric.villages": ("村（社区）", "Villages"),
    "metric.plan_completion": ("计划完成率", "Plan completion"),
    "metric.survival": ("成活率", "Survival"),
    "metric.coverage": ("措施覆盖率", "Measure coverage"),
    "metric.trees_per_km2": ("每平方公里株数", "Trees per km²"),
    "metric.planned": ("计划株数", "Planned"),
    "metric.planted": ("已种株数", "Planted"),
    "metric.secured": ("已落实苗木", "Seedlings secured"),
    "metric.of_target": ("{value} / {target}", "{value} / {target}"),
    "metric.with_target": ("{label}（目标 {target}）", "{label} (target {target})"),
    # --- maps ---------------------------------------------------------------------------------
    "map.basemap": ("底图", "Basemap"),
    "map.basemap.osm": ("OpenStreetMap", "OpenStreetMap"),
    "map.basemap.tianditu": ("天地图", "Tianditu"),
    "map.basemap.amap": ("高德地图", "Amap (Gaode)"),
    "map.basemap.none": ("无底图", "No basemap"),
    "map.metric": ("村着色指标", "Colour villages by"),
    "map.heat": ("热力图", "Heat map"),
    "map.layer.counties": ("县区界", "County boundaries"),
    "map.layer.towns": ("镇界", "Town boundaries"),
    "map.layer.villages": ("村界", "Villages"),
    "map.layer.demo_towns": ("示范镇", "Demonstration towns"),
    "map.layer.demo_villages": ("示范村", "Demonstration villages"),
    "map.layer.industry_models": ("产业融合典型", "Industry models"),
    "map.layer.courtyards": ("美丽庭院", "Beautiful courtyards"),
    "map.layer.other_designations": ("其他示范", "Other designations"),
    "map.layer.teams": ("护绿队", "Greening teams"),
    "map.layer.plantings": ("种植记录", "Plantings"),
    "map.layer.heat": ("种植热力", "Planting heat"),
    "map.layer.lagging": ("落后村", "Lagging villages"),
    "map.layer.picked": ("所选位置", "Picked point"),
    "map.no_value": ("无数据", "no data"),
    "map.capped": ("地图仅显示最近 {shown} 条种植记录（共 {total} 条）；热力图包含全部。",
                   "The map shows the latest {shown} of {total} plantings; the heat map includes all."),
    "map.tap_hint": ("点击村庄查看详情。", "Tap a village to open its detail."),
    # --- overview -----------------------------------------------------------------------------
    "overview.title": ("全市总览", "City overview"),
    "overview.title_area": ("辖区总览", "Overview of your area"),
    "overview.headline": ("对照工作目标", "Against the campaign's figures"),
    # --- county -------------------------------------------------------------------------------
    "county.title": ("县区看板：{name}", "County dashboard: {name}"),
    "county.pick": ("选择县（市、区）", "Choose a county"),
    "county.weekly": ("累计种植进度（按周）", "Trees planted to date, week by week"),
    "county.towns": ("各镇进度", "Towns"),
    "county.villages": ("各村进度", "Villages"),
    "county.designations": ("示范创建进度", "Demonstration sites"),
    # --- village ------------------------------------------------------------------------------
    "village.title": ("村详情：{name}", "Village detail: {name}"),
    "village.pick": ("选择村", "Choose a village"),
    "village.team": ("护绿队", "Greening team"),
    "village.no_team": ("尚未建立护绿队。", "No greening team yet."),
    "village.team_line": ("{name}，队长 {leader}，队员 {members} 人（党员 {party} 人）",
                          "{name}, leader {leader}, {members} members ({party} Party members)"),
    "village.people": ("驻村干部与专家", "Cadres and experts"),
    "village.plan_vs_planted": ("计划与已种（按树种）", "Plan vs planted, by species"),
    "village.checklist": ("56条措施落实情况", "The 56-measure checklist"),
    "village.survival": ("成活率核查", "Survival checks"),
    "village.recent": ("最近种植记录", "Recent plantings"),
    "village.measure_done": ("已落实", "done"),
    "village.measure_open": ("未落实", "open"),
    "village.evidence": ("佐证", "Evidence"),
    # --- log a planting -----------------------------------------------------------------------
    "log.title": ("种植登记", "Log a planting"),
    "log.where": ("1. 种植地点", "1. Where"),
    "log.how": ("选点方式", "How to pick the place"),
    "log.how.map": ("在地图上点选", "Tap the map"),
    "log.how.gps": ("手机定位", "Phone GPS"),
    "log.how.typed": ("输入坐标", "Type coordinates"),
    "log.map_hint": ("在地图上点击种植位置；也可点地图左上角的定位按钮，用手机定位取点。",
                     "Tap where the trees were planted; or press the locate button (top left) to use the phone's GPS."),
    "log.gps_hint": ("点击地图左上角的 ◎ 定位按钮，允许浏览器获取位置后即自动取点（需 HTTPS 或本机访问）。",
                     "Press the ◎ locate button at the map's top left and allow location access; the point is taken at once (needs HTTPS or localhost)."),
    "log.gps_failed": ("定位失败：", "Could not get the location:"),
    "log.coords": ("坐标（经度, 纬度）", "Coordinates (longitude, latitude)"),
    "log.datum": ("坐标系", "Datum"),
    "log.datum.wgs84": ("WGS 84（GPS、天地图）", "WGS 84 (GPS, Tianditu)"),
    "log.datum.gcj02": ("GCJ-02（高德、腾讯）", "GCJ-02 (Amap, Tencent)"),
    "log.point": ("位置：经度 {lon:.6f}，纬度 {lat:.6f}", "Point: lon {lon:.6f}, lat {lat:.6f}"),
    "log.in_village": ("该点位于：{name}（{town}，{county}）", "This point is in {name} ({town}, {county})"),
    "log.not_team_village": ("注意：该点不在本队所在村（{team_village}）内。",
                             "Note: this point is outside your team's village ({team_village})."),
    "log.no_point": ("请先选择种植地点。", "Pick the place first."),
    "log.what": ("2. 种植内容", "2. What"),
    "log.date": ("种植日期", "Date planted"),
    "log.count": ("株数", "Number of trees"),
    "log.site_name": ("地点名称（可选）", "Place name (optional)"),
    "log.party_members": ("参与党员人数", "Party members taking part"),
    "log.villagers": ("参与群众人数", "Villagers taking part"),
    "log.note": ("备注（可选）", "Note (optional)"),
    "log.photos": ("照片（可多张）", "Photos (several allowed)"),
    "log.camera": ("拍照", "Take a photo"),
    "log.submit": ("提交登记", "Submit"),
    # the date as saved, with its weekday: the team checks it on the spot (the calendar's names
    # are the browser's language's)
    "log.saved": ("已登记：{species} {count} 株，种植日期 {date}（记录号 {id}）。",
                  "Saved: {count} × {species}, planted on {date} (record {id})."),
    "log.duplicate": ("该登记此前已提交，未重复保存（记录号 {id}）。",
                      "This submission was already saved; nothing was stored twice (record {id})."),
    "log.photo_saved": ("照片已保存 {n} 张。", "{n} photo(s) saved."),
    "log.photo_failed": ("照片未保存：{reason}", "Photo not saved: {reason}"),
    "log.flags": ("提示：{flags}", "Flags: {flags}"),
    "log.recent": ("本队最近登记", "Your team's recent records"),
    "log.no_species": ("树种目录为空，请联系管理员。", "The species catalogue is empty; ask an administrator."),
    "log.service_missing": ("种植登记服务尚未安装。", "The planting service is not installed."),
    "log.village_for": ("登记到村", "Record for village"),
    "log.another": ("登记下一条", "Log another"),
    # --- teams --------------------------------------------------------------------------------
    "teams.title": ("党员护绿队", "Party-member greening teams"),
    "teams.search": ("按队名、村名或队长搜索", "Search by team, village or leader"),
    "teams.leader": ("队长", "Leader"),
    "teams.members": ("队员", "Members"),
    "teams.party_members": ("党员", "Party members"),
    "teams.plantings": ("登记次数", "Records"),
    "teams.trees": ("植树株数", "Trees"),
    "teams.last_activity": ("最近活动", "Last activity"),
    "teams.active": ("在册", "Active"),
    "teams.activity": ("近期活动", "Recent activity"),
    # --- designations -------------------------------------------------------------------------
    "designations.title": ("示范创建", "Demonstration sites"),
    "designations.kind": ("类型", "Kind"),
    "designations.progress": ("进度", "Progress"),
    "designations.target": ("目标 {target} 个", "target {target}"),
    # --- lagging ------------------------------------------------------------------------------
    "lagging.title": ("落后村预警", "Lagging villages"),
    "lagging.reasons": ("原因", "Reasons"),
    "lagging.responsible": ("责任人", "Responsible people"),
    "lagging.rank": ("排名", "Rank"),
    "lagging.filter_reason": ("按原因筛选", "Filter by reason"),
    "lagging.none": ("当前没有落后村。", "No lagging villages right now."),
    "lagging.count": ("共 {n} 个落后村", "{n} lagging villages"),
    # --- measures -----------------------------------------------------------------------------
    "measures.title": ("56条措施", "The 56 measures"),
    "measures.catalogue": ("措施目录", "Catalogue"),
    "measures.matrix": ("覆盖矩阵", "Coverage matrix"),
    "measures.attest": ("申报落实", "Attest a measure"),
    "measures.plan": ("计划", "Plan"),
    "measures.level": ("适用层级", "Level"),
    "measures.evaluation": ("评价方式", "Evaluated by"),
    "measures.evaluation.rule": ("数据自动计算", "computed from data"),
    "measures.evaluation.attestation": ("佐证申报", "attested with evidence"),
    "measures.rows": ("按", "Rows"),
    "measures.measure": ("措施", "Measure"),
    "measures.area": ("区域", "Area"),
    "measures.evidence": ("佐证说明", "Evidence"),
    "measures.evidence_photo": ("佐证照片（可选）", "Evidence photo (optional)"),
    "measures.submit": ("提交申报", "Submit"),
    "measures.saved": ("已申报：{measure}（{area}），待审核。", "Attested: {measure} ({area}), awaiting review."),
    "measures.already": ("该措施已申报过（{status}）。", "Already attested ({status})."),
    "measures.evidence_required": ("请填写佐证说明。", "Please describe the evidence."),
    "measures.catalogue_missing": ("措施目录尚未载入。", "The measure catalogue is not loaded."),
    # --- errors -------------------------------------------------------------------------------
    "error.generic": ("出错了：{msg}", "Something went wrong: {msg}"),
    "error.not_allowed": ("您无权查看此页面。", "You may not open this page."),
    "error.unavailable": ("该功能暂不可用：{what}", "Not available yet: {what}"),
}

#: The six plans (六大计划), in the article's order.
PLAN_NAMES: dict[int, tuple[str, str]] = {
    1: ("能力提升兴绿", "Capability building"),
    2: ("组织领航扩绿", "Organisations lead the expansion"),
    3: ("典型引领带绿", "Models lead"),
    4: ("全员参与植绿", "Everyone plants"),
    5: ("人才赋能助绿", "Talent empowers"),
    6: ("担当作为促绿", "Accountability drives"),
}

ENUM_LABELS: dict[type[StrEnum], dict[str, tuple[str, str]]] = {
    SiteType: {
        "village_side": ("村旁", "Beside the village"),
        "house_side": ("宅旁", "Beside houses"),
        "road_side": ("路旁", "Roadside"),
        "water_side": ("水旁", "Waterside"),
        "courtyard": ("庭院", "Courtyard"),
        "idle_land": ("闲置地", "Idle land"),
        "village_park": ("村级公园", "Village park"),
        "theme_forest": ("主题林", "Theme forest"),
        "other": ("其他", "Other"),
    },
    DesignationKind: {
        "demo_town": ("示范镇", "Demonstration town"),
        "key_town": ("重点特色镇", "Key town"),
        "demo_village": ("示范村", "Demonstration village"),
        "demo_belt": ("示范带", "Demonstration belt"),
        "industry_model": ("产业融合典型", "Greening + industry model"),
        "courtyard": ("美丽庭院", "Beautiful courtyard"),
        "theme_forest": ("主题林", "Theme forest"),
    },
    Role: {
        "team": ("党员护绿队", "Greening team"),
        "town_lead": ("镇级负责人", "Town lead"),
        "county_lead": ("县级负责人", "County lead"),
        "city": ("市级部门", "City official"),
        "admin": ("系统管理员", "Administrator"),
    },
    PlantingStatus: {
        "submitted": ("已提交", "Submitted"),
        "verified": ("已核实", "Verified"),
        "rejected": ("已退回", "Rejected"),
    },
    AttestationStatus: {
        "claimed": ("待审核", "Awaiting review"),
        "confirmed": ("已确认", "Confirmed"),
        "rejected": ("未通过", "Rejected"),
    },
    PersonKind: {
        "graded_cadre": ("职级干部", "Graded cadre"),
        "first_secretary": ("驻村第一书记", "First secretary"),
        "instructor": ("党建指导员", "Party-building instructor"),
        "expert": ("院校专家", "Expert"),
        "local_worthy": ("乡贤", "Local worthy"),
        "city_leader": ("包抓市领导", "City leader in charge"),
        "county_leader": ("包抓县领导", "County leader in charge"),
        "town_leader": ("包抓镇领导", "Town leader in charge"),
    },
    AreaLevel: {
        "city": ("市", "City"),
        "county": ("县（市、区）", "County"),
        "town": ("镇（街道）", "Town"),
        "village": ("村（社区）", "Village"),
    },
    MeasureLevel: {
        "city": ("市级", "City"),
        "county": ("县级", "County"),
        "town": ("镇级", "Town"),
        "village": ("村级", "Village"),
    },
    SpeciesCategory: {
        "tree": ("乔木", "Tree"),
        "shrub": ("灌木", "Shrub"),
        "fruit": ("果树", "Fruit tree"),
        "bamboo": ("竹类", "Bamboo"),
    },
    RecordSource: {
        "form": ("在线登记", "Form"),
        "import": ("台账导入", "Ledger import"),
        "demo": ("示例", "Demo"),
    },
    CheckKind: {
        "care": ("管护", "Care"),
        "survival": ("成活率核查", "Survival check"),
    },
}


STRINGS = collect(STRINGS)


def normalise_lang(lang: str | None) -> str:
    """``"en"`` for English, otherwise Chinese (the default for every user)."""
    return "en" if (lang or "").lower().startswith("en") else "zh"


def t(key: str, lang: str = "zh", **kw) -> str:
    """The string ``key`` in ``lang``, formatted with ``kw``.

    An unknown key raises KeyError (tests/test_i18n.py catches every key the pages use).
    """
    zh, en = STRINGS[key]
    text = en if normalise_lang(lang) == "en" else zh
    return text.format(**kw) if kw else text


def label(enum_cls: type[StrEnum], value, lang: str = "zh") -> str:
    """The label of ``value`` of vocabulary ``enum_cls`` (the raw value when unknown)."""
    if value is None:
        return ""
    pair = ENUM_LABELS.get(enum_cls, {}).get(str(value))
    if pair is None:
        return str(value)
    return pair[1] if normalise_lang(lang) == "en" else pair[0]


def position(title, lang: str = "zh") -> str:
    """A person's post (``Person.title``) in ``lang``: the campaign's fixed set of posts
    (``greening/strings/positions.py``) in either language, any other title as written."""
    if _is_missing(title) or title == "":
        return ""
    key = f"position.{str(title).strip()}"
    return t(key, lang) if key in STRINGS else str(title)


def person(text, lang: str = "zh") -> str:
    """One person as the lists of responsible people write them, 张三（副处级干部）, with the post
    in ``lang`` (:func:`position`): 张三 (Deputy division-level cadre) in English. A name without
    a post in brackets, or with a post outside the campaign's set, is returned as written; the
    bracket's content is the whole post, brackets inside it included (高级工程师（林业）)."""
    if _is_missing(text):
        return ""
    text = str(text).strip()
    if normalise_lang(lang) != "en" or not text.endswith("）"):
        return text
    depth = 0
    for i in range(len(text) - 1, -1, -1):  # the bracket that the last one closes
        if text[i] in "）)":
            depth += 1
        elif text[i] in "（(":
            depth -= 1
            if depth == 0:
                name, title = text[:i].strip(), text[i + 1:-1].strip()
                post = position(title, lang) if name and title else title
                return f"{name} ({post})" if post != title else text
    return text


def fmt_people(items, lang: str = "zh") -> str:
    """People (a list, or a text joined with 、 as the lagging list's) as one list in ``lang``,
    each one's post in ``lang`` (:func:`person`)."""
    if isinstance(items, str):
        items = split_list(items)
    return list_sep(lang).join(person(i, lang) for i in items if str(i).strip())


def labels(enum_cls: type[StrEnum], lang: str = "zh") -> dict[str, str]:
    """value -> label for every member of ``enum_cls``, in the enum's order."""
    return {m.value: label(enum_cls, m.value, lang) for m in enum_cls}


def plan_name(plan: int, lang: str = "zh") -> str:
    zh, en = PLAN_NAMES.get(int(plan), (f"计划{plan}", f"Plan {plan}"))
    return f"{plan}. " + (en if normalise_lang(lang) == "en" else zh)


def error_text(exc: BaseException, lang: str = "zh") -> str:
    """A user-facing message for ``exc``: its ``zh``/``en`` attribute when it has them.

    The project's errors carry both languages (``PermissionDenied``, ``CoordinateError`` and the
    services' ``ValueError`` subclasses); a plain error's text is shown as it is.
    """
    attr = "en" if normalise_lang(lang) == "en" else "zh"
    text = getattr(exc, attr, None)
    if isinstance(text, str) and text:
        return text
    return str(exc) or type(exc).__name__


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_int(value, lang: str = "zh") -> str:
    """An integer with thousands separators: 1,722."""
    if _is_missing(value):
        return "—"
    return f"{int(round(float(value))):,}"


def fmt_num(value, digits: int = 1, lang: str = "zh") -> str:
    if _is_missing(value):
        return "—"
    return f"{float(value):,.{digits}f}"


def fmt_count(value, lang: str = "zh", unit_zh: str = "", unit_en: str = "") -> str:
    """A count as a reader says it: 153.7万株 / 1.54 million; small counts in full (8,612株).

    Chinese switches to 万 from 100,000 (六位数) and to 亿 from 10^8; English to "million" from 10^6.
    """
    if _is_missing(value):
        return "—"
    n = float(value)
    if normalise_lang(lang) == "en":
        if abs(n) >= 1_000_000:
            text = f"{n / 1_000_000:.2f}".rstrip("0").rstrip(".") + " million"  # 153.7万 = 1.54 million
        else:
            text = f"{int(round(n)):,}"
        return f"{text} {unit_en}".strip() if unit_en else text
    if abs(n) >= 100_000_000:
        text = f"{n / 100_000_000:.2f}".rstrip("0").rstrip(".") + "亿"
    elif abs(n) >= 100_000:
        text = f"{n / 10_000:.1f}".rstrip("0").rstrip(".") + "万"
    else:
        text = f"{int(round(n)):,}"
    return text + unit_zh


def fmt_pct(value, lang: str = "zh", digits: int = 1) -> str:
    """A share (0-1) as a percentage: 95.3%."""
    if _is_missing(value):
        return "—"
    return f"{float(value) * 100:.{digits}f}%"


def fmt_label(label: str, text: str, lang: str = "zh") -> str:
    """A label and its value: 护绿队队长：张玉 in Chinese (full-width colon), Team leader: 张玉 in English."""
    return f"{label}: {text}" if normalise_lang(lang) == "en" else f"{label}：{text}"


def list_sep(lang: str = "zh") -> str:
    """What separates the items of a list in running text: 、 in Chinese, ", " in English."""
    return ", " if normalise_lang(lang) == "en" else "、"


def split_list(text: str, seps: str = "、") -> list[str]:
    """A text joined with 、 (or any of ``seps``) back into its items; a separator inside brackets
    stays in its item (张三（市委常委、宣传部部长）、李四 is two people)."""
    items, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "（(〔[":
            depth += 1
        elif ch in "）)〕]":
            depth = max(depth - 1, 0)
        elif ch in seps and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return [i.strip() for i in items if i.strip()]


def fmt_list(items, lang: str = "zh") -> str:
    """Items as one list in the language's way (王五、李四 / 王五, 李四); a text already joined with 、
    (the lagging list's people) is split first (:func:`split_list`)."""
    if isinstance(items, str):
        items = split_list(items)
    return list_sep(lang).join(str(i).strip() for i in items if str(i).strip())


def fmt_date(value, lang: str = "zh") -> str:
    """A date as 2024年3月12日 (Chinese) or 12 Mar 2024 (English)."""
    if _is_missing(value) or value == "":
        return "—"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if hasattr(value, "date") and callable(value.date):  # datetime, pandas Timestamp
        value = value.date()
    if normalise_lang(lang) == "en":
        return f"{value.day} {value:%b} {value.year}"
    return f"{value.year}年{value.month}月{value.day}日"


#: the days of the week, Monday first (named here: strftime's %A follows the machine's locale)
WEEKDAYS = {"zh": ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
            "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}


def fmt_weekday_date(value, lang: str = "zh") -> str:
    """A date with its day of the week: 2024年3月12日 星期二 (Chinese), Tuesday, 12 Mar 2024 (English)."""
    if _is_missing(value) or value == "":
        return "—"
    day = fmt_date(value, lang)
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    lg = normalise_lang(lang)
    weekday = WEEKDAYS[lg][value.weekday()]
    return f"{weekday}, {day}" if lg == "en" else f"{day} {weekday}"
