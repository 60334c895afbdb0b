"""Parsing and checking of single values: counts, areas, dates, species, site types, datums, points.

Shared by the planting form (:mod:`greening.services.plantings`), care checks and the ledger
importer, so a value is accepted or refused the same way wherever it was typed. Every refusal is a
:class:`~greening.validation.errors.FieldError` whose ``code`` is in
:data:`greening.validation.catalogue.CATALOGUE`. Text goes through :mod:`greening.validation.text`.
"""
from __future__ import annotations

import datetime as dt
import difflib
import functools
import math
import numbers
import re
import unicodedata
from typing import Any, cast
from zoneinfo import ZoneInfo

from greening.geo.coords import CoordinateError, check_point, parse_angle
from greening.models.enums import SiteType
from greening.validation.errors import FieldError
from greening.validation.text import clean_text, is_blank, keep_text

__all__ = [
    "FieldError", "CAMPAIGN_START", "MAX_TREES_PER_RECORD", "MAX_AREA_M2", "MAX_PEOPLE", "LOCAL_TZ",
    "today", "campaign_start", "parse_count", "parse_area", "parse_people", "parse_date",
    "check_date", "local_date_of", "parse_site_type", "parse_datum", "parse_coordinate", "check_location",
    "SpeciesLookup", "SITE_TYPE_ALIASES", "clean_text", "is_blank", "keep_text",
]

#: The earliest planting date accepted: the campaign runs under the province's 2023 programmes
#: (百千万工程, 绿美广东). The setting ``GREENING_CAMPAIGN_START`` ("YYYY-MM-DD") is the one in force.
CAMPAIGN_START = dt.date(2023, 1, 1)
#: One record is one planting event; more trees than this in one record is almost surely a typo.
MAX_TREES_PER_RECORD = 50_000
#: 500 hectares: larger than any single village planting site.
MAX_AREA_M2 = 5_000_000.0
MAX_PEOPLE = 100_000
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# Site types: the stored value, its Chinese label, and what people write in ledgers.
SITE_TYPE_ALIASES: dict[str, tuple[str, ...]] = {
    SiteType.VILLAGE_SIDE: ("村旁", "村边", "村庄周边", "村周边", "村头"),
    SiteType.HOUSE_SIDE: ("宅旁", "宅边", "屋旁", "房前屋后", "屋前屋后", "房旁"),
    SiteType.ROAD_SIDE: ("路旁", "路边", "道路", "道路两旁", "道路两侧", "路侧"),
    SiteType.WATER_SIDE: ("水旁", "水边", "河边", "河旁", "塘边", "渠边", "河岸", "池塘边"),
    SiteType.COURTYARD: ("庭院", "院子", "美丽庭院", "房前庭院"),
    SiteType.IDLE_LAND: ("闲置地", "空地", "荒地", "边角地", "闲置土地", "撂荒地"),
    SiteType.VILLAGE_PARK: ("村级公园", "公园", "村公园", "小公园", "口袋公园"),
    SiteType.THEME_FOREST: ("主题林", "党建共建林", "青年林", "纪念林", "共建林", "党员林"),
    SiteType.OTHER: ("其他", "其它"),
}

_WGS84_NAMES = {"wgs84", "wgs-84", "wgs 84", "gps", "epsg:4326", "4326", "cgcs2000", "2000",
                "epsg:4490", "4490", "北斗", "天地图", "卫星定位"}
_GCJ02_NAMES = {"gcj02", "gcj-02", "gcj 02", "高德", "高德地图", "腾讯", "腾讯地图", "火星", "火星坐标",
                "国测局", "amap", "gaode"}
_UNITS_COUNT = ("株", "棵", "颗", "棵树", "trees", "tree")
_UNITS_AREA = {"平方米": 1.0, "㎡": 1.0, "m2": 1.0, "m²": 1.0, "平米": 1.0, "亩": 2000.0 / 3.0,
               "公顷": 10_000.0, "ha": 10_000.0}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DATE_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_TIME = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})[T ]")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def today() -> dt.date:
    """Today's date in Zhanjiang (UTC+8): a planting dated today is never 'in the future'."""
    return dt.datetime.now(LOCAL_TZ).date()


def campaign_start() -> dt.date:
    from greening.config import get_settings

    return get_settings().campaign_start_date


# -- numbers ------------------------------------------------------------------------------------
def _number(value, units: dict[str, float] | tuple[str, ...] = ()) -> float:
    if type(value) is str and value.isascii() and value.isdigit():  # the common case, fast
        return float(value)
    if isinstance(value, bool):
        raise FieldError("bad_number", value=value)
    if isinstance(value, numbers.Number):
        number = float(cast(Any, value))  # every Number the readers give converts (int, float, numpy)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
        factor = 1.0
        unit_table = units if isinstance(units, dict) else dict.fromkeys(units, 1.0)
        for unit in sorted(unit_table, key=len, reverse=True):
            if text.lower().endswith(unit.lower()):
                text, factor = text[: -len(unit)], unit_table[unit]
                break
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            number = float(text) * factor
        except ValueError:
            raise FieldError("bad_number", value=value) from None
    if not math.isfinite(number):
        raise FieldError("bad_number", value=value)
    return number


def parse_count(value, field: str = "tree_count") -> int:
    """A tree count: a whole number above 0 and at most :data:`MAX_TREES_PER_RECORD`."""
    if is_blank(value):
        raise FieldError("bad_number", field, value="")
    try:
        number = _number(value, _UNITS_COUNT)
    except FieldError as exc:
        raise FieldError(exc.code, field, **exc.params) from None
    if not number.is_integer():
        raise FieldError("not_whole_number", field, value=value)
    if number <= 0:
        raise FieldError("count_not_positive", field, value=int(number))
    if number > MAX_TREES_PER_RECORD:
        raise FieldError("count_too_large", field, value=int(number), limit=MAX_TREES_PER_RECORD)
    return int(number)


def parse_area(value, field: str = "area_m2") -> float | None:
    """An optional area in m² (亩 and 公顷 are converted); blank gives None."""
    if is_blank(value):
        return None
    try:
        number = _number(value, _UNITS_AREA)
    except FieldError as exc:
        raise FieldError(exc.code, field, **exc.params) from None
    if number < 0:
        raise FieldError("negative_number", field, value=value)
    if number > MAX_AREA_M2:
        raise FieldError("area_too_large", field, value=f"{number:g}", limit=f"{MAX_AREA_M2:g}")
    return round(number, 2)


def parse_people(value, field: str) -> int:
    """A number of people (Party members, villagers): a whole number from 0; blank gives 0."""
    if type(value) is str and value.isascii() and value.isdigit() and len(value) < 7:
        return int(value)
    if is_blank(value):
        return 0
    try:
        number = _number(value, ("人", "名"))
    except FieldError:
        raise FieldError("participants_bad", field, value=value) from None
    if not number.is_integer() or number < 0 or number > MAX_PEOPLE:
        raise FieldError("participants_bad", field, value=value)
    return int(number)


# -- dates --------------------------------------------------------------------------------------
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


def local_date_of(value, *, utc: bool = False) -> dt.date | None:
    """The Zhanjiang date of an ISO date-time with an offset or ``Z`` (ODK's ``SubmissionDate``,
    Kobo's ``start``), or of a naive one taken as UTC when ``utc`` (Kobo's ``_submission_time``)."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not _DATE_TIME.match(text) or not (utc or _OFFSET.search(text)):
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LOCAL_TZ).date()


@functools.lru_cache(maxsize=4096)
def _date_from_text(text: str) -> dt.date | None:
    text = unicodedata.normalize("NFKC", text).strip()
    local = local_date_of(text)
    if local is not None:
        return local
    m = _DATE_TIME.match(text)
    if m:
        text = m.group(1)
    m = _DATE_YMD.match(text) or _DATE_COMPACT.match(text)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    if text.isdigit() and len(text) == 5:  # an Excel day number that lost its date format
        return _EXCEL_EPOCH + dt.timedelta(days=int(text))
    return None


def parse_date(value, field: str = "planted_on") -> dt.date:
    """A date from a date, a datetime, text (2024-03-12, 2024/3/12, 2024年3月12日, 20240312, ISO
    date-time) or an Excel day number. Day-first and month-first forms are refused as ambiguous."""
    if is_blank(value):
        raise FieldError("date_missing", field)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        serial: Any = value  # an Excel date serial: int, float or numpy number
        if float(serial).is_integer() and 20_000 < float(serial) < 80_000:
            return _EXCEL_EPOCH + dt.timedelta(days=int(serial))
        raise FieldError("date_unparsable", field, value=value)
    parsed = _date_from_text(str(value))
    if parsed is None:
        raise FieldError("date_unparsable", field, value=value)
    return parsed


def check_date(day: dt.date, field: str = "planted_on", *, on: dt.date | None = None) -> dt.date:
    """Refuse a date after today (Zhanjiang time) or before the campaign began."""
    now = on or today()
    if day > now:
        raise FieldError("date_future", field, value=day.isoformat(), today=now.isoformat())
    start = campaign_start()
    if day < start:
        raise FieldError("date_before_campaign", field, value=day.isoformat(), start=start.isoformat())
    return day


# -- vocabularies ---------------------------------------------------------------------------------
@functools.cache
def _site_type_table() -> dict[str, str]:
    table = {}
    for value, aliases in SITE_TYPE_ALIASES.items():
        table[str(value)] = str(value)
        table[str(value).replace("_", " ")] = str(value)
        for alias in aliases:
            table[alias] = str(value)
    return table


def parse_site_type(value, field: str = "site_type", *, default: str | None = None) -> str:
    """A :class:`~greening.models.enums.SiteType` value from its code or a Chinese name (路旁, 路边…)."""
    if is_blank(value):
        if default is not None:
            return default
        raise FieldError("site_type_unknown", field, value="", choices=_site_choices())
    key = unicodedata.normalize("NFKC", str(value)).strip().lower()
    found = _site_type_table().get(key)
    if found is None:
        raise FieldError("site_type_unknown", field, value=value, choices=_site_choices())
    return found


def _site_choices() -> str:
    return "、".join(aliases[0] for aliases in SITE_TYPE_ALIASES.values())


def parse_datum(value, field: str = "datum", *, default: str = "wgs84") -> str:
    """``"wgs84"`` (GPS, CGCS2000, Tianditu) or ``"gcj02"`` (Amap/Gaode, Tencent); blank gives ``default``."""
    if is_blank(value):
        return default
    key = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if key in _WGS84_NAMES:
        return "wgs84"
    if key in _GCJ02_NAMES:
        return "gcj02"
    raise FieldError("datum_unknown", field, value=value)


class SpeciesLookup:
    """Species known to the campaign, found by Chinese, Latin or English name.

    An unknown name is refused with the closest known name as a suggestion (difflib).
    """

    def __init__(self, rows):
        """``rows``: ``(id, name_zh, name_latin, name_en)`` tuples."""
        self._by_key: dict[str, int] = {}
        self._names: dict[str, str] = {}
        self._ids: set[int] = set()
        for sid, zh, latin, en in rows:
            self._ids.add(sid)
            for name in (zh, latin, en):
                if name:
                    key = self._key(name)
                    self._by_key.setdefault(key, sid)
                    self._names.setdefault(key, zh)

    @classmethod
    def from_session(cls, session) -> SpeciesLookup:
        from sqlalchemy import select

        from greening.models import Species

        return cls(session.execute(select(Species.id, Species.name_zh, Species.name_latin, Species.name_en)
                                   .where(Species.deleted_at.is_(None))).all())

    @staticmethod
    def _key(name: str) -> str:
        return unicodedata.normalize("NFKC", str(name)).strip().casefold()

    def resolve(self, value, field: str = "species") -> int:
        """The species id for ``value`` (a name or an id); raise :class:`FieldError` if unknown."""
        if is_blank(value):
            raise FieldError("species_missing", field)
        if isinstance(value, int) and not isinstance(value, bool):
            if value in self._ids:
                return value
            raise FieldError("species_unknown", field, value=value, suggestion="", suggestion_en="")
        key = self._key(value)
        found = self._by_key.get(key)
        if found is not None:
            return found
        close = difflib.get_close_matches(key, list(self._by_key), n=1, cutoff=0.5)
        if close:
            name = self._names[close[0]]
            raise FieldError("species_unknown", field, value=value, suggestion=f"，是否为“{name}”？",
                             suggestion_en=f"; did you mean {name!r}?")
        raise FieldError("species_unknown", field, value=value, suggestion="", suggestion_en="")


# -- coordinates ----------------------------------------------------------------------------------
def parse_coordinate(value, field: str) -> float:
    """One longitude or latitude: a number, or an angle such as ``21°16′12″N``."""
    if isinstance(value, float) and math.isnan(value):
        raise FieldError("location_unparsable", field, value="NaN", reason="不是有效数字",
                         reason_en="not a number")
    if is_blank(value):
        raise FieldError("location_missing", field)
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        number = float(cast(Any, value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        try:
            number = float(text)
        except ValueError:
            try:
                number = parse_angle(text)
            except CoordinateError as exc:
                raise FieldError("location_unparsable", field, value=value, reason=exc.zh,
                                 reason_en=exc.en) from None
    if not math.isfinite(number):
        raise FieldError("location_unparsable", field, value=value, reason="不是有效数字",
                         reason_en="not a finite number")
    return number


def check_location(lon: float, lat: float, field: str = "location") -> None:
    """Refuse a WGS 84 point outside the number ranges or outside Zhanjiang ("swapped?" hint)."""
    problems = check_point(lon, lat)
    if not problems:
        return
    first = problems[0]
    shown = dict(lon=f"{lon:g}", lat=f"{lat:g}")
    if any(p.code == "location_swapped" for p in problems):
        raise FieldError("location_swapped", field, **shown)
    if first.code == "outside_zhanjiang":
        raise FieldError("outside_zhanjiang", field, **shown)
    raise FieldError("location_unparsable", field, value=f"{lon}, {lat}", reason=first.zh, reason_en=first.en)
