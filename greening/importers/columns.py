"""Which column of a ledger holds which field: the project's template, KoboToolbox and ODK Central.

Headers are compared after folding full-width forms (NFKC), case, spaces, a trailing ``*`` and a
trailing unit in brackets, so ``数量（株）``, ``数量(株)`` and ``数量`` all match. Group prefixes
are dropped.

Export formats (checked against the exporters' source):

- KoboToolbox (formpack): metadata ``_id``, ``_uuid``, ``_submission_time``, ``_index``,
  ``_validation_status``, ``_submitted_by``; a geopoint ``location`` is exported as the raw
  ``location`` column (``"lat lon alt precision"``) plus ``_location_latitude``,
  ``_location_longitude``, ``_location_altitude``, ``_location_precision``; groups appear as
  ``group/field`` (the separator is ``/`` by default); the CSV separator is ``;`` by default.
- ODK Central: ``SubmissionDate`` first and ``KEY`` (the instance id, ``uuid:...``) last, plus
  ``SubmitterID``, ``SubmitterName``, ``Status``...; groups are joined with ``-``
  (``meta-instanceID``); a geopoint ``location`` is split into ``location-Latitude``,
  ``location-Longitude``, ``location-Altitude``, ``location-Accuracy``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

__all__ = ["FIELDS", "REQUIRED", "ColumnMap", "normalise_header", "match_columns", "FIELD_LABELS",
           "DATE_SOURCES", "DATE_SOURCE_LABELS"]

# canonical field -> aliases (normalised), best first
FIELDS: dict[str, tuple[str, ...]] = {
    "submission_id": ("提交编号", "记录编号", "submission_id", "submissionid", "_uuid", "instanceid",
                      "key", "uuid", "_id", "编号", "id"),
    "village_code": ("村代码", "村级代码", "行政村代码", "村编码", "村级区域代码", "village_code", "villagecode",
                     "cjqydm", "村委会代码"),
    "village_name": ("村名称", "村名", "行政村", "村", "村委会", "village_name", "villagename", "village",
                     "cjqymc"),
    "planted_on": ("种植日期", "植树日期", "栽种日期", "日期", "planted_on", "plantedon", "planting_date",
                   "date_planted", "date"),
    "species": ("树种", "树种名称", "品种", "species", "species_name", "tree_species"),
    "tree_count": ("数量", "株数", "种植数量", "棵数", "tree_count", "treecount", "count", "number_of_trees",
                   "trees"),
    "area_m2": ("面积", "种植面积", "area_m2", "area"),
    "site_type": ("地点类型", "种植地点类型", "地类", "site_type", "sitetype"),
    "site_name": ("地点名称", "种植地点", "地点", "site_name", "sitename", "place"),
    "lon": ("经度", "lon", "lng", "long", "longitude", "x"),
    "lat": ("纬度", "lat", "latitude", "y"),
    "point": ("坐标", "经纬度", "位置", "定位", "location", "gps", "geopoint", "point", "coordinates"),
    "datum": ("坐标系", "坐标系统", "datum", "crs"),
    "party_members": ("党员人数", "参与党员", "党员", "party_members", "partymembers"),
    "villagers": ("群众人数", "参与群众", "群众", "villagers"),
    "note": ("备注", "说明", "note", "notes", "remarks", "comment"),
}

#: Fields a ledger must have (the location as lon+lat or as one point column).
REQUIRED = ("planted_on", "species", "tree_count")

FIELD_LABELS = {"submission_id": "提交编号", "village_code": "村代码", "village_name": "村名称",
                "planted_on": "种植日期", "species": "树种", "tree_count": "数量（株）",
                "area_m2": "面积（平方米）", "site_type": "地点类型", "site_name": "地点名称", "lon": "经度",
                "lat": "纬度", "point": "坐标", "datum": "坐标系", "party_members": "党员人数",
                "villagers": "群众人数", "note": "备注"}

_KOBO_META = {"_id", "_uuid", "_submission_time", "_index", "_validation_status", "_submitted_by", "_status",
              "__version__", "_tags", "_notes", "_attachments", "_geolocation", "_parent_index",
              "_submission__id", "_submission__uuid", "instanceid", "rootuuid", "deprecatedid"}
_ODK_META = {"submissiondate", "key", "submitterid", "submittername", "reviewstate", "meta-instanceid", "status",
             "attachmentspresent", "attachmentsexpected", "deviceid", "edits", "formversion", "updatedat",
             "parent_key", "meta-instancename", "meta-deprecatedid"}
#: Where a ledger without a planting-date column takes its date, best first: the form's own date
#: question (found by its name), then Kobo/ODK's automatic ``today`` (the day the form was filled),
#: ``start`` and ``end`` (when it was opened and saved, on the phone's clock), and last the day the
#: server received it (``_submission_time`` in UTC for Kobo, ``SubmissionDate`` for ODK).
DATE_SOURCES = ("question", "today", "start", "end", "submission")
DATE_SOURCE_LABELS = {
    "column": ("种植日期列", "the planting-date column"),
    "question": ("表单中的日期题", "the form's date question"),
    "today": ("填表日期（today）", "the day the form was filled (today)"),
    "start": ("开始填表时间（start）", "when the form was opened (start)"),
    "end": ("完成填表时间（end）", "when the form was saved (end)"),
    "submission": ("服务器收到的时间", "when the server received it"),
}
_DATE_WORDS = ("date", "日期", "plantingday", "plant_day")
_TIME_WORDS = ("时间", "time", "day")
_KOBO_GEO = re.compile(r"^_(.+)_(latitude|longitude|altitude|precision)$")
_ODK_GEO = re.compile(r"^(.+)-(latitude|longitude|altitude|accuracy)$")
_BRACKETS = re.compile(r"\([^()]*\)$")
_PREFERRED_POINTS = ("location", "位置", "坐标", "gps", "geopoint", "point", "定位")


def normalise_header(header) -> str:
    """A header folded for matching: NFKC, lower case, no spaces, no trailing ``*`` or ``(unit)``."""
    text = unicodedata.normalize("NFKC", "" if header is None else str(header)).strip().casefold()
    text = re.sub(r"\s+", "", text).rstrip("*").lstrip("*")
    previous = None
    while previous != text:
        previous, text = text, _BRACKETS.sub("", text)
    return text


@dataclass
class ColumnMap:
    """Field -> column index, the export format recognised, and the columns left unused."""

    fields: dict[str, int] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)
    source: str = "generic"  # template | kobo | odk | generic
    latlon_point: bool = False  # the point column holds "lat lon [alt acc]" (Kobo raw geopoint)
    ignored: list[str] = field(default_factory=list)
    date_source: str = "column"  # which column gave the planting date: a DATE_SOURCE_LABELS key
    date_utc: bool = False  # the date column holds UTC times without an offset (Kobo _submission_time)

    def date_note(self) -> tuple[str, str] | None:
        """``(zh, en)`` saying which column gave the planting date, when it was not a 种植日期 column."""
        header = self.header("planted_on")
        if header is None or self.date_source == "column":
            return None
        zh, en = DATE_SOURCE_LABELS[self.date_source]
        return (f"种植日期取自“{header}”列：{zh}", f"the planting date is taken from column {header!r}: {en}")

    def header(self, name: str) -> str | None:
        index = self.fields.get(name)
        return None if index is None else self.headers[index]

    @property
    def has_location(self) -> bool:
        return ("lon" in self.fields and "lat" in self.fields) or "point" in self.fields

    def missing(self) -> list[str]:
        out = [FIELD_LABELS[f] for f in REQUIRED if f not in self.fields]
        if not self.has_location:
            out.append("经度/纬度")
        return out


def _alias_rank() -> dict[str, tuple[str, int]]:
    table: dict[str, tuple[str, int]] = {}
    for name, aliases in FIELDS.items():
        for rank, alias in enumerate(aliases):
            table.setdefault(normalise_header(alias), (name, rank))
    return table


_ALIASES = _alias_rank()


def _source(normalised: list[str]) -> str:
    last = {h.rsplit("/", 1)[-1] for h in normalised}
    if last & _KOBO_META and ({"_uuid", "_submission_time"} & last):
        return "kobo"
    if "submissiondate" in normalised and ("key" in normalised or "meta-instanceid" in normalised):
        return "odk"
    if "提交编号" in normalised or ("村代码" in normalised and "数量" in normalised):
        return "template"
    return "generic"


def _geopoint(header: str, source: str) -> tuple[str, str] | None:
    """``(geopoint name, axis)`` when ``header`` is one part of a split geopoint."""
    last = header.rsplit("/", 1)[-1]
    match = _KOBO_GEO.match(last)
    if match:
        return match.group(1), match.group(2)
    if source != "kobo":
        match = _ODK_GEO.match(header)
        if match:
            return match.group(1).rsplit("-", 1)[-1], match.group(2)
    return None


def _candidates(header: str, source: str):
    yield header
    if "/" in header:
        yield header.rsplit("/", 1)[-1]
    if source == "odk" and "-" in header:
        yield header.rsplit("-", 1)[-1]


def match_columns(headers: list) -> ColumnMap:
    """Map the fields a ledger can hold to the columns of ``headers``."""
    shown = ["" if h is None else str(h).strip() for h in headers]
    normalised = [normalise_header(h) for h in shown]
    source = _source(normalised)
    best: dict[str, tuple[int, int]] = {}  # field -> (rank, index)
    geopoints: dict[str, dict[str, int]] = {}
    for index, header in enumerate(normalised):
        if not header:
            continue
        geo = _geopoint(header, source)
        if geo is not None:
            geopoints.setdefault(geo[0], {})[geo[1]] = index
            continue
        for candidate in _candidates(header, source):
            hit = _ALIASES.get(candidate)
            if hit is not None:
                name, rank = hit
                if name not in best or rank < best[name][0]:
                    best[name] = (rank, index)
                break
    fields = {name: index for name, (_, index) in best.items()}
    date_source, date_utc = "column", False
    if "planted_on" not in fields:
        found = _date_column(normalised, source, set(fields.values()))
        if found is not None:
            fields["planted_on"], date_source = found
            date_utc = source == "kobo" and date_source == "submission"
    if not ("lon" in fields and "lat" in fields):
        split = [g for g in geopoints.values() if "latitude" in g and "longitude" in g]
        if split:
            names = [n for n, g in geopoints.items() if "latitude" in g and "longitude" in g]
            chosen = next((n for p in _PREFERRED_POINTS for n in names if n == p), names[0])
            fields["lon"], fields["lat"] = geopoints[chosen]["longitude"], geopoints[chosen]["latitude"]
    used = set(fields.values()) | {i for g in geopoints.values() for i in g.values()}
    ignored = [shown[i] for i in range(len(shown)) if i not in used and shown[i]]
    return ColumnMap(fields=fields, headers=shown, source=source,
                     latlon_point=source in ("kobo", "odk") and "point" in fields, ignored=ignored,
                     date_source=date_source, date_utc=date_utc)


def _last_segment(header: str, source: str) -> str:
    last = header.rsplit("/", 1)[-1]
    return last.rsplit("-", 1)[-1] if source == "odk" else last


def _is_meta(header: str, source: str) -> bool:
    last = header.rsplit("/", 1)[-1]
    return last in _KOBO_META or header in _ODK_META or (source == "odk" and last in _ODK_META) \
        or last.startswith("_")


def _date_column(normalised: list[str], source: str, used: set[int]) -> tuple[int, str] | None:
    """``(index, date source)`` of the column to take the planting date from, when none is named so."""
    free = [(i, h) for i, h in enumerate(normalised) if h and i not in used]
    questions = [(i, _last_segment(h, source)) for i, h in free
                 if not _is_meta(h, source) and _last_segment(h, source) not in ("today", "start", "end")]
    if source not in ("kobo", "odk"):
        return None
    for words in (_DATE_WORDS, _TIME_WORDS):
        for i, last in questions:
            tokens = set(re.split(r"[_\-.\s]+", last))
            if any(w in tokens or (not w.isascii() and w in last) for w in words):
                return i, "question"
    by_last: dict[str, int] = {}
    for i, h in free:
        by_last.setdefault(h.rsplit("/", 1)[-1] if source == "kobo" else _last_segment(h, source), i)
    for name in ("today", "start", "end"):
        if name in by_last:
            return by_last[name], name
    for name in ("_submission_time", "submissiondate"):
        if name in by_last:
            return by_last[name], "submission"
    return None
