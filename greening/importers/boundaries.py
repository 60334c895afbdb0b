"""Town and village boundary import: a dry-run plan first, then one all-or-nothing apply.

:func:`plan_boundary_import` reads the file (:mod:`greening.importers.boundary_files`), finds the
code and name fields (land-survey names XZQDM/XZQMC, CJQYDM/CJQYMC, ZLDWDM/ZLDWMC, or
code/name/村代码/村名称, or the user's mapping), checks every feature and lists what would be
added, changed, left alone, retired (demo areas the file replaces) or refused, with reasons.
Features of one code are dissolved into one area; an invalid polygon is repaired only when its
type and area stay sane (:func:`greening.geo.crs.validate_geometry`); codes must be 12 digits in
one of Zhanjiang's nine counties, and a village's town must exist or come in the same file.

:func:`apply_boundary_import` writes the plan in one transaction (audited), then re-assigns every
planting to the village its point now falls in (:func:`greening.importers.relocate.reassign_plantings`).
"""
from __future__ import annotations

import collections
from dataclasses import dataclass, field

import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from greening import audit
from greening.actor import Actor
from greening.area_codes import county_of, county_prefix, level_of, town_of
from greening.county_partitions import ensure_county_partitions
from greening.coverage.index import VillageIndex
from greening.coverage.join import village_index
from greening.geo.boundaries import COUNTIES
from greening.geo.crs import area_m2, validate_geometry
from greening.geodb import from_db, stored_vertices, to_db
from greening.importers.boundary_files import read_boundary_file
from greening.importers.relocate import Reassignment, reassign_plantings
from greening.models import AdminArea
from greening.models.base import utcnow
from greening.permissions import require
from greening.validation import Issue, file_error, issue
from greening.validation.text import bad_character, split_zh_en

__all__ = ["ImportPlan", "PlanItem", "BoundaryApplyResult", "plan_boundary_import", "apply_boundary_import",
           "CODE_FIELDS", "NAME_FIELDS", "normalise_code", "MAX_VERTICES"]

#: Code and name fields recognised, best first (case-insensitive).
CODE_FIELDS = ("CJQYDM", "XZQDM", "ZLDWDM", "QHDM", "XZDM", "村代码", "村级代码", "村级区域代码", "镇代码",
               "区划代码", "行政区划代码", "统计用区划代码", "code", "adcode", "dm")
NAME_FIELDS = ("CJQYMC", "XZQMC", "ZLDWMC", "QHMC", "XZMC", "村名称", "村名", "村级区域名称", "镇名称", "镇街名称",
               "区划名称", "行政区划名称", "名称", "name", "mc")
#: Fields naming a village's town in a village file, used to name a town made from its villages.
TOWN_NAME_FIELDS = ("XZMC", "XZQMC_Z", "SSXZ", "乡镇名称", "镇名称", "镇街名称", "所属镇街", "所属乡镇", "town_name",
                    "town")
_LEVEL_ZH = {"county": ("县", "county"), "town": ("镇街", "town"), "village": ("村", "village")}
#: Vertices one area may have. Stored whole up to this (as WKB, both backends; a 500,000-vertex
#: ring takes about 3 s on SpatiaLite); above it the area is refused naming the limit, because
#: every map and lookup would have to carry it.
MAX_VERTICES = 1_000_000
_GEOMETRY_TOLERANCE = 1e-9  # relative area of the symmetric difference below which shapes are equal


@dataclass
class PlanItem:
    """One area of the file (after dissolving parts) and what applying the plan does with it."""

    action: str  # add | change | unchanged | refuse | retire
    level: str | None
    code: str | None
    name: str | None
    features: list[int] = field(default_factory=list)  # 1-based feature numbers in the file
    issues: list[Issue] = field(default_factory=list)
    geometry: object | None = None  # WGS 84 MultiPolygon
    area_m2: float | None = None
    changes: list[str] = field(default_factory=list)

    @property
    def reason_zh(self) -> str:
        return "；".join(i.zh for i in self.issues)

    @property
    def reason_en(self) -> str:
        return "; ".join(i.en for i in self.issues)


@dataclass
class ImportPlan:
    """The dry-run report of a boundary file: nothing has been written."""

    source: str
    level: str
    crs: str
    crs_source: str
    encoding: str | None
    code_field: str
    name_field: str
    feature_count: int
    items: list[PlanItem] = field(default_factory=list)
    plantings: Reassignment | None = None  # what applying would do to plantings
    #: Towns neither in the database nor in the file -> the village codes needing them. With
    #: ``create_towns`` each becomes an "add" item dissolved from its villages; else they are refused.
    missing_towns: dict[str, list[str]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        out = collections.Counter(i.action for i in self.items)
        return {k: out.get(k, 0) for k in ("add", "change", "unchanged", "retire", "refuse")}

    @property
    def refused(self) -> list[PlanItem]:
        return [i for i in self.items if i.action == "refuse"]

    def frame(self) -> pd.DataFrame:
        """One row per area: action, level, code, name, features, area (m²), changes, reasons."""
        return pd.DataFrame([{"action": i.action, "level": i.level, "code": i.code, "name": i.name,
                              "features": ",".join(map(str, i.features)), "area_m2": i.area_m2,
                              "changes": ",".join(i.changes), "reason_zh": i.reason_zh,
                              "reason_en": i.reason_en} for i in self.items],
                            columns=["action", "level", "code", "name", "features", "area_m2", "changes",
                                     "reason_zh", "reason_en"])


@dataclass
class BoundaryApplyResult:
    added: int
    changed: int
    retired: int
    unchanged: int
    refused: int
    plantings: Reassignment


# -- codes --------------------------------------------------------------------------------------
def normalise_code(value) -> str | None:
    """A 12-digit statistical code from what files hold: text, numbers, 9-digit town codes
    (padded with 000) and 19-digit land-survey ZLDWDM (12 digits + 7 zeros)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if not text:
        return None
    if text.isdigit() and len(text) == 19 and text.endswith("0000000"):
        return text[:12]
    if text.isdigit() and len(text) == 9:
        return text + "000"
    return text


def _level_of(code: str) -> str:
    level = level_of(code)
    return "county" if level == "city" else level


def _pick_field(fields: list[str], wanted: str | None, candidates, missing_code: str) -> str:
    if wanted:
        match = next((f for f in fields if f == wanted), None) or \
            next((f for f in fields if f.casefold() == wanted.casefold()), None)
        if match is None:
            raise file_error("field_not_found", field=wanted, fields="、".join(fields))
        return match
    folded = {f.casefold(): f for f in fields}
    for name in candidates:
        if name.casefold() in folded:
            return folded[name.casefold()]
    raise file_error(missing_code, fields="、".join(fields))


# -- checking features ------------------------------------------------------------------------------
def _check_feature(number: int, code_raw, name_raw, geom, level: str, max_area_change: float):
    """``(code, level, name, geometry, issues)`` of one feature; geometry is None when refused."""
    issues: list[Issue] = []
    code = normalise_code(code_raw)
    name = None if name_raw is None or (isinstance(name_raw, float) and name_raw != name_raw) \
        else str(name_raw).strip() or None
    found_level = None
    if code is None:
        issues.append(issue("code_missing", row=number))
    elif len(code) != 12 or not code.isdigit():
        issues.append(issue("code_bad_format", row=number, value=code_raw))
    elif county_prefix(code) not in COUNTIES:
        issues.append(issue("code_not_zhanjiang", row=number, value=code))
    else:
        found_level = _level_of(code)
        if found_level == "county" or (level != "auto" and found_level != level):
            expected = "town or village" if level == "auto" else level
            actual_zh, actual_en = _LEVEL_ZH[found_level]
            issues.append(issue("code_wrong_level", row=number, value=code, actual=actual_zh, actual_en=actual_en,
                                expected=_LEVEL_ZH.get(expected, ("镇街或村", expected))[0], expected_en=expected))
    if name is None:
        issues.append(issue("name_missing", row=number))
    elif (bad := bad_character(name)) is not None:
        position, character = bad
        issues.append(issue("text_bad_character", row=number, position=position, character=character))
    fixed = None
    vertices = 0 if geom is None else int(shapely.get_num_coordinates(geom))
    if vertices > MAX_VERTICES:
        issues.append(issue("geometry_too_complex", row=number, vertices=f"{vertices:,}", limit=f"{MAX_VERTICES:,}"))
        return code, found_level, name, None, issues
    try:
        fixed, note = validate_geometry(geom, max_area_change=max_area_change)
        if note:
            issues.append(issue("geometry_repaired", row=number, reason=note))
    except ValueError as exc:
        kind = "geometry_missing" if geom is None or getattr(geom, "is_empty", False) else "geometry_invalid"
        zh, en = split_zh_en(str(exc))
        issues.append(issue(kind, row=number, reason=zh, reason_en=en))
    refused = any(i.severity == "error" for i in issues)
    return code, found_level, name, None if refused else fixed, issues


def _dissolve(parts: list) -> tuple:
    """Merge the parts of one code: ``(level, name, geometry, features, issues)``."""
    numbers = [p[0] for p in parts]
    issues = [i for p in parts for i in p[4]]
    names = collections.Counter(p[2] for p in parts)
    name = names.most_common(1)[0][0]
    if len(names) > 1:
        issues.append(issue("names_differ", row=numbers[0], names="、".join(names), name=name))
    geometry = parts[0][3]
    if len(parts) > 1:
        geometry = validate_geometry(shapely.union_all([p[3] for p in parts]))[0]
        issues.append(issue("parts_dissolved", row=numbers[0], parts=len(parts)))
    return parts[0][1], name, geometry, numbers, issues


def _same_shape(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    area = max(a.area, b.area, 1e-12)
    return shapely.symmetric_difference(a, b).area / area < _GEOMETRY_TOLERANCE


def plan_boundary_import(session: Session, source, *, filename: str | None = None, level: str = "auto",
                         crs: str | None = None, code_field: str | None = None, name_field: str | None = None,
                         encoding: str | None = None, layer: str | None = None, retire_demo: bool = True,
                         max_area_change: float = 0.01, create_towns: bool = False) -> ImportPlan:
    """Check a boundary file against the database and say what applying it would do; write nothing.

    ``source`` is a path or the bytes of an upload (give ``filename``). ``level`` is ``"town"``,
    ``"village"`` or ``"auto"`` (each feature's level from its code). ``crs`` overrides the file's
    coordinate system (``"EPSG:4546"``, ``"gcj02"``). With ``retire_demo``, demo areas of the same
    level in the counties the file covers, and not in the file, are retired (soft-deleted).
    With ``create_towns``, a town that villages of the file need and that is neither in the
    database nor in the file is added, its shape dissolved from those villages (named from a
    town-name field such as XZMC when the file has one); without it those villages are refused
    and :attr:`ImportPlan.missing_towns` lists the towns, so the user can be offered the choice.
    Raises :class:`~greening.validation.errors.ImportFileError` for a file that cannot be used.
    """
    if level not in ("auto", "town", "village"):
        raise ValueError(f"level must be auto, town or village, not {level!r}")
    layer_read = read_boundary_file(source, filename=filename, crs=crs, encoding=encoding, layer=layer)
    frame = layer_read.frame
    code_col = _pick_field(layer_read.fields, code_field, CODE_FIELDS, "no_code_field")
    name_col = _pick_field(layer_read.fields, name_field, NAME_FIELDS, "no_name_field")
    plan = ImportPlan(source=layer_read.filename, level=level, crs=layer_read.crs, crs_source=layer_read.crs_source,
                      encoding=layer_read.encoding, code_field=code_col, name_field=name_col,
                      feature_count=len(frame))
    by_code: dict[str, list] = collections.defaultdict(list)
    town_col = next((f for name in TOWN_NAME_FIELDS for f in layer_read.fields
                     if f.casefold() == name.casefold() and f not in (code_col, name_col)), None)
    town_names: dict[str, collections.Counter] = {}
    if town_col is not None:
        for code_raw, town_raw in zip(frame[code_col], frame[town_col], strict=False):
            code = normalise_code(code_raw)
            if code and isinstance(town_raw, str) and town_raw.strip():
                town_names.setdefault(town_of(code), collections.Counter())[town_raw.strip()] += 1
    for number, (code_raw, name_raw, geom) in enumerate(
            zip(frame[code_col], frame[name_col], frame.geometry, strict=False), start=1):
        checked = _check_feature(number, code_raw, name_raw, geom, level, max_area_change)
        code, found_level, name, fixed, issues = checked
        if fixed is None:
            plan.items.append(PlanItem("refuse", found_level, code, name, [number], issues))
        else:
            by_code[code].append((number, found_level, name, fixed, issues))
    dissolved = {code: _dissolve(parts) for code, parts in by_code.items()}
    _compare(session, plan, dissolved, retire_demo, create_towns, town_names)
    if any(i.level == "village" and i.action in ("add", "change", "retire") for i in plan.items):
        plan.plantings = reassign_plantings(session, _future_index(session, plan), dry_run=True)
    return plan


def _towns_from_villages(plan: ImportPlan, dissolved: dict, town_names: dict) -> list[PlanItem]:
    """An "add" item per missing town, its shape the union of its villages in the file."""
    items = []
    for town, villages in sorted(plan.missing_towns.items()):
        parts = [dissolved[v][2] for v in villages]
        numbers = sorted(n for v in villages for n in dissolved[v][3])
        geometry = validate_geometry(shapely.union_all(parts))[0]
        names = town_names.get(town)
        name = names.most_common(1)[0][0] if names else f"镇街{town[:9]}"
        note = issue("town_from_villages", row=numbers[0], town=town, villages=len(villages))
        items.append(PlanItem("add", "town", town, name, numbers, [note], geometry,
                              round(float(area_m2(geometry)), 1)))
    return items


def _compare(session: Session, plan: ImportPlan, dissolved: dict, retire_demo: bool, create_towns: bool = False,
             town_names: dict | None = None) -> None:
    existing = {a.code: a for a in session.scalars(select(AdminArea).where(
        AdminArea.code.in_(list(dissolved)), AdminArea.deleted_at.is_(None)))} if dissolved else {}
    towns_in_file = {c for c, d in dissolved.items() if d[0] == "town"}
    db_towns = set(session.scalars(select(AdminArea.code).where(
        AdminArea.level == "town", AdminArea.deleted_at.is_(None))))
    for code in sorted(dissolved):
        town = town_of(code)
        if dissolved[code][0] == "village" and town not in towns_in_file and town not in db_towns:
            plan.missing_towns.setdefault(town, []).append(code)
    if create_towns and plan.missing_towns:
        plan.items.extend(_towns_from_villages(plan, dissolved, town_names or {}))
        towns_in_file |= set(plan.missing_towns)
    for code in sorted(dissolved):
        found_level, name, geometry, numbers, issues = dissolved[code]
        item = PlanItem("add", found_level, code, name, numbers, issues, geometry,
                        round(float(area_m2(geometry)), 1))
        town = town_of(code)
        if found_level == "village" and town not in towns_in_file and town not in db_towns:
            item.action = "refuse"
            item.issues.append(issue("town_missing", row=numbers[0], town=town))
        elif code in existing:
            old = existing[code]
            if old.level != found_level:
                item.action = "refuse"
                actual_zh, actual_en = _LEVEL_ZH[old.level]
                item.issues.append(issue("code_wrong_level", row=numbers[0], value=code, actual=actual_zh,
                                         actual_en=actual_en, expected=_LEVEL_ZH[found_level][0],
                                         expected_en=found_level))
            else:
                item.changes = [k for k, same in (("name", old.name == name),
                                                  ("geometry", _same_shape(from_db(old.geom), geometry)),
                                                  ("demo", not old.is_demo)) if not same]
                item.action = "change" if item.changes else "unchanged"
        plan.items.append(item)
    if retire_demo:
        _retire_demo(session, plan, dissolved)


def _retire_demo(session: Session, plan: ImportPlan, dissolved: dict) -> None:
    """Demo areas that the file replaces: same level, a county the file covers, a code not in it."""
    for level in ("town", "village"):
        counties = {county_prefix(c) for c, d in dissolved.items() if d[0] == level}
        if not counties:
            continue
        demo = session.scalars(select(AdminArea).where(
            AdminArea.level == level, AdminArea.is_demo.is_(True), AdminArea.deleted_at.is_(None)))
        for area in demo:
            if county_prefix(area.code) in counties and area.code not in dissolved:
                plan.items.append(PlanItem("retire", level, area.code, area.name))


def _future_index(session: Session, plan: ImportPlan) -> VillageIndex:
    """The village layer as it would be after applying ``plan``."""
    changes = {i.code: i.geometry if i.action in ("add", "change") else None for i in plan.items
               if i.level == "village" and i.action in ("add", "change", "retire") and i.code is not None}
    return village_index(session.connection(), changes=changes)


# -- applying -------------------------------------------------------------------------------------
def _parent_id(session: Session, code: str, level: str) -> int | None:
    parent = county_of(code) if level == "town" else town_of(code)
    return session.scalar(select(AdminArea.id).where(AdminArea.code == parent, AdminArea.deleted_at.is_(None)))


def _write_area(session: Session, item: PlanItem, plan: ImportPlan) -> None:
    geom, code, level = item.geometry, item.code, item.level
    assert isinstance(geom, BaseGeometry) and code and level, "only a planned add or change is written"
    point = geom.representative_point()
    values = dict(name=item.name, geom=to_db(geom), area_m2=item.area_m2, label_lon=point.x,
                  label_lat=point.y, source=plan.source[:200], source_crs=plan.crs[:60], is_demo=False,
                  parent_id=_parent_id(session, code, level))
    area = session.scalars(select(AdminArea).where(AdminArea.code == code)).one_or_none()
    if area is None:
        prefix_len = {"town": 9, "village": 12}[level]
        session.add(AdminArea(code=code, level=level, scope_prefix=code[:prefix_len], **values))
    else:
        for key, value in values.items():
            setattr(area, key, value)
        area.deleted_at = None


def _check_stored(session: Session, items: list[PlanItem]) -> None:
    """Refuse (rolling back) unless the database holds every area whole: same number of vertices."""
    for start in range(0, len(items), 500):
        chunk = items[start:start + 500]
        stored = stored_vertices(session.connection(), AdminArea.geom, AdminArea.code, [i.code for i in chunk])
        for item in chunk:
            expected = int(shapely.get_num_coordinates(item.geometry))
            if stored.get(item.code) != expected:
                raise file_error("geometry_not_stored", code=item.code, name=item.name, vertices=f"{expected:,}",
                                 stored="NULL" if stored.get(item.code) is None else f"{stored[item.code]:,}")


def apply_boundary_import(session: Session, actor: Actor, plan: ImportPlan, *,
                          accept_valid: bool = False) -> BoundaryApplyResult:
    """Write ``plan`` in one transaction (a SAVEPOINT inside the caller's): all of it or nothing.

    Refused when some features were refused and ``accept_valid`` is False. Each area written is
    audited by the ORM hook; one summary audit row records the file. Plantings are re-assigned to
    the village their point now falls in. Needs the ``import.boundaries`` permission.
    """
    require(actor, "import.boundaries")
    refused = len(plan.refused)
    if refused and not accept_valid:
        raise file_error("features_refused", refused=refused,
                         valid=sum(i.action in ("add", "change") for i in plan.items))
    counts = plan.counts()
    with session.begin_nested():
        for level in ("town", "village"):  # towns first: villages need their parent
            written = [i for i in plan.items if i.level == level and i.action in ("add", "change")]
            for item in written:
                _write_area(session, item, plan)
            session.flush()
            _check_stored(session, written)
        retire = [i.code for i in plan.items if i.action == "retire"]
        if retire:
            now = utcnow()
            for area in session.scalars(select(AdminArea).where(AdminArea.code.in_(retire))):
                area.deleted_at = now
            session.flush()
        ensure_county_partitions(session)  # PostGIS: a new county's plantings get their partition
        moved = reassign_plantings(session)
        audit.record(session, actor, "import", "admin_areas", None, scope_code=actor.scope_prefix,
                     note=f"boundaries {plan.source}",
                     after={"source": plan.source, "crs": plan.crs, "crs_source": plan.crs_source,
                            **counts, "plantings_moved": moved.moved, "plantings_unlocated": moved.unlocated})
        session.flush()
    return BoundaryApplyResult(added=counts["add"], changed=counts["change"], retired=counts["retire"],
                               unchanged=counts["unchanged"], refused=refused, plantings=moved)
