"""Writing plantings (种植登记): create, edit, soft-delete, and the village a point falls in.

Every value is checked at the edge with the same rules as the ledger importer
(:mod:`greening.validation.values`); a refusal is a :class:`PlantingError` naming the bad value in
Chinese and English. Submissions are idempotent by their client-generated ``submission_id``
(docs/reliability.md case 19-20, :mod:`greening.services._idempotent`): a replay with the same content returns
the stored record, a replay with different content is a :class:`SubmissionConflict` and the
original is kept; of two concurrent inserts of one id, one row is kept.

The village is found at write time (:func:`locate_village`): the database's spatial index
(SpatiaLite R*Tree through its ``SpatialIndex`` table, PostGIS GiST) gives the candidates in the
writer's own transaction, and :class:`~greening.coverage.index.VillageIndex` applies the one
border rule. A point in another village than claimed is stored with the flag
``outside_claimed_village`` and a warning; a point in no village (the sea) is refused naming the
nearest village and county.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, NamedTuple

import shapely
from shapely.geometry import Point
from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from greening import audit
from greening.actor import Actor
from greening.area_codes import county_prefix
from greening.coverage.index import VillageIndex
from greening.geo.boundaries import COUNTIES
from greening.geo.crs import distance_m, validate_geometry
from greening.geo.gcj02 import gcj02_to_wgs84
from greening.geodb import to_db
from greening.models import AdminArea, CareCheck, Planting
from greening.models.base import utcnow
from greening.models.enums import PlantingStatus, RecordSource
from greening.permissions import require, scope_clause
from greening.services._idempotent import insert_once
from greening.validation import placement, records
from greening.validation import values as F
from greening.validation.text import split_zh_en

__all__ = [
    "PlantingInput", "PlantingError", "Conflict", "SubmissionConflict", "VersionConflict",
    "PlantingWarning", "CreateResult", "VillageHit", "OUTSIDE_FLAG", "UNLOCATED_FLAG",
    "create_planting", "update_planting", "delete_planting", "recent_plantings",
    "locate_village", "nearest_village", "content_hash", "EDITABLE", "location_flags",
    "with_location_flags", "in_no_village_params", "clean_submission_id", "load_planting",
]

# Where a record counts, and its location flags: the one rule in greening.validation.placement.
OUTSIDE_FLAG, UNLOCATED_FLAG = placement.OUTSIDE_FLAG, placement.UNLOCATED_FLAG
location_flags, with_location_flags = placement.location_flags, placement.with_location_flags
# The record's fields, limits and what an edit may change are declared in greening.validation.records.
MAX_SITE_NAME, MAX_NOTE, EDITABLE = records.MAX_SITE_NAME, records.MAX_NOTE, records.EDITABLE


@dataclass
class PlantingInput:
    """What a team submits for one planting, as typed (the service parses and checks it).

    ``species`` is a name (Chinese, Latin or English) or a species id; ``datum`` is ``"wgs84"``
    (GPS) or ``"gcj02"`` (a point picked on an Amap map), converted to WGS 84 before storage.
    """

    submission_id: str
    village_code: str
    planted_on: dt.date | str
    species: str | int
    tree_count: int | str
    site_type: str
    lon: float | str
    lat: float | str
    datum: str = "wgs84"
    site_name: str | None = None
    area_m2: float | str | None = None
    party_members: int | str | None = 0
    villagers: int | str | None = 0
    note: str | None = None
    team_id: int | None = None
    block: object | None = None  # optional shapely polygon of the planted block (WGS 84)
    source: str = RecordSource.FORM.value


class PlantingError(F.FieldError):
    """A planting refused: ``code`` (see the import catalogue), ``field``, ``zh`` and ``en``."""


class Conflict(PlantingError):
    """The write would overwrite something else; nothing was written."""


class SubmissionConflict(Conflict):
    """The submission id is already stored with different content; the original is kept."""


class VersionConflict(Conflict):
    """The record changed since the editor loaded it."""


@dataclass(frozen=True)
class PlantingWarning:
    code: str
    zh: str
    en: str


class CreateResult(tuple):
    """``(planting, created)``; also carries ``warnings`` (a list of :class:`PlantingWarning`).

    Care checks answer the same way (``(check, created)``, :func:`greening.services.care.record_check`).
    """

    warnings: list[PlantingWarning]

    def __new__(cls, planting: Planting | CareCheck, created: bool,
                warnings: list[PlantingWarning] | None = None):
        self = super().__new__(cls, (planting, created))
        self.warnings = list(warnings or [])
        return self

    @property
    def planting(self) -> Planting:
        return self[0]  # a CareCheck for care checks (they do not read this name)

    @property
    def created(self) -> bool:
        return self[1]


class VillageHit(NamedTuple):
    village_id: int
    code: str
    name: str


# -- locating ---------------------------------------------------------------------------------------
# The villages whose bounding box holds the point, from the spatial index.
_CANDIDATES_SQLITE = text(
    "SELECT id, code, name, ST_AsBinary(geom) FROM admin_areas WHERE level = 'village' "
    "AND deleted_at IS NULL AND ROWID IN (SELECT ROWID FROM SpatialIndex WHERE "
    "f_table_name = 'admin_areas' AND f_geometry_column = 'geom' "
    "AND search_frame = MakePoint(:lon, :lat, 4326))")
_CANDIDATES_POSTGIS = text(
    "SELECT id, code, name, ST_AsBinary(geom) FROM admin_areas WHERE level = 'village' "
    "AND deleted_at IS NULL AND geom && ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)")
_NEAR_SQLITE = text(
    "SELECT id, code, name, ST_AsBinary(geom) FROM admin_areas WHERE level = 'village' "
    "AND deleted_at IS NULL AND ROWID IN (SELECT ROWID FROM SpatialIndex WHERE "
    "f_table_name = 'admin_areas' AND f_geometry_column = 'geom' AND search_frame = "
    "BuildMbr(:lon - :r, :lat - :r, :lon + :r, :lat + :r, 4326)) "
    "ORDER BY ST_Distance(geom, MakePoint(:lon, :lat, 4326)) LIMIT 1")
_NEAR_POSTGIS = text(
    "SELECT id, code, name, ST_AsBinary(geom) FROM admin_areas WHERE level = 'village' "
    "AND deleted_at IS NULL AND geom IS NOT NULL "
    "ORDER BY geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) LIMIT 1")


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def locate_village(session: Session, lon: float, lat: float) -> VillageHit | None:
    """The village whose boundary holds the WGS 84 point, or None (the sea, or no boundaries).

    The spatial index (both backends, a few ms) gives the villages whose bounding box holds the
    point, read in the caller's transaction, so a boundary change is seen at once, committed or
    not, and nothing is cached; :class:`~greening.coverage.index.VillageIndex` picks among them
    with the rule every lookup uses: a point on a shared border goes to the lowest code.
    """
    stmt = _CANDIDATES_SQLITE if _is_sqlite(session) else _CANDIDATES_POSTGIS
    rows = {row[1]: row for row in session.execute(stmt, {"lon": float(lon), "lat": float(lat)})}
    if not rows:
        return None
    index = VillageIndex(list(rows), shapely.from_wkb([bytes(row[3]) for row in rows.values()]))
    code = index.locate(float(lon), float(lat))
    return None if code is None else VillageHit(int(rows[code][0]), code, rows[code][2])


def nearest_village(session: Session, lon: float, lat: float) -> tuple[VillageHit, float] | None:
    """The nearest village to a point in none, with the distance in metres (projected CRS)."""
    params = {"lon": float(lon), "lat": float(lat)}
    if _is_sqlite(session):
        row = None
        for radius in (0.02, 0.1, 0.5, 2.0):
            row = session.execute(_NEAR_SQLITE, {**params, "r": radius}).first()
            if row is not None:
                break
    else:
        row = session.execute(_NEAR_POSTGIS, params).first()
    if row is None:
        return None
    geom = shapely.from_wkb(bytes(row[3]))
    return VillageHit(int(row[0]), row[1], row[2]), float(distance_m(geom, Point(lon, lat)))


def in_no_village_params(lon: float, lat: float, near: tuple[str, str, float] | None) -> dict:
    """The parameters of the ``in_no_village`` message: the point, and the nearest village as
    ``(code, name, metres)`` with its county (None: no village at all)."""
    village, county, metres = "", ("", ""), ""
    if near is not None:
        code, village, distance = near
        county, metres = COUNTIES.get(county_prefix(code), ("", "")), f"{distance:,.0f}"
    return dict(lon=f"{lon:.6f}", lat=f"{lat:.6f}", village=village, village_en=village,
                county=county[0], county_en=county[1], distance_m=metres)


# -- the one content hash -----------------------------------------------------------------------
_HASHED = ("village_code", "planted_on", "species_id", "tree_count", "site_type", "site_name", "area_m2",
           "party_members", "villagers", "note", "datum", "block")


def content_hash(values: dict) -> str:
    """SHA-256 of a submission's content (everything but its id), as parsed.

    Coordinates are rounded to 1e-7 degree (1 cm) so a float's last digit cannot make a replay
    look different. The ledger importer hashes its rows with this same function.
    """
    parts = []
    for key in _HASHED:
        value = values.get(key)
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        parts.append("" if value is None else str(value))
    parts.append(f"{float(values['lon']):.7f}")
    parts.append(f"{float(values['lat']):.7f}")
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


# -- validation ----------------------------------------------------------------------------------
def _error(exc: F.FieldError, cls=PlantingError) -> PlantingError:
    return cls(exc.code, exc.field, **exc.params)


def _claimed_village(session: Session, code) -> AdminArea:
    code = F.clean_text(code)
    if not code or len(code) != 12 or not code.isdigit():
        raise PlantingError("village_unknown", "village_code", value=code or "")
    village = session.scalars(select(AdminArea).where(
        AdminArea.code == code, AdminArea.level == "village", AdminArea.deleted_at.is_(None))).one_or_none()
    if village is None:
        raise PlantingError("village_unknown", "village_code", value=code)
    return village


def _parse(session: Session, data: dict) -> dict:
    """Parse and check every given field of ``data``; returns the parsed values (no DB writes)."""
    out: dict[str, Any] = {}
    try:
        species = F.SpeciesLookup.from_session(session) if "species" in data else None
        ctx = records.Context(species=species)
        for f in records.VALUE_FIELDS:
            if f.name in data:
                out[f.column] = f.parse(data[f.name], ctx)
        if "lon" in data or "lat" in data:
            out["datum"] = F.parse_datum(data.get("datum"))
            out["lon_in"] = F.parse_coordinate(data.get("lon"), "lon")
            out["lat_in"] = F.parse_coordinate(data.get("lat"), "lat")
            lon, lat = out["lon_in"], out["lat_in"]
            F.check_location(lon, lat)
            if out["datum"] == "gcj02":
                lon, lat = gcj02_to_wgs84(lon, lat)
            out["lon"], out["lat"] = lon, lat
        if data.get("block") is not None:
            try:
                out["block"] = validate_geometry(data["block"])[0]
            except ValueError as exc:
                zh, en = split_zh_en(str(exc))
                raise F.FieldError("geometry_invalid", "block", reason=zh, reason_en=en) from None
    except F.FieldError as exc:
        raise _error(exc) from None
    return out


def _place(session: Session, lon: float, lat: float, claimed: AdminArea) -> tuple[VillageHit | None, list]:
    """The village holding the point and the warnings for the record (:func:`placement.place`)."""
    hit = locate_village(session, lon, lat)
    has_boundary = claimed.geom is not None
    params = None
    if hit is None and has_boundary:
        near = nearest_village(session, lon, lat)
        params = in_no_village_params(lon, lat, None if near is None else (near[0].code, near[0].name, near[1]))
    verdict = placement.place(None if hit is None else (hit.code, hit.name), (claimed.code, claimed.name),
                              claimed_has_boundary=has_boundary, in_no_village=params)
    if verdict.refused:
        raise PlantingError("in_no_village", "location", **verdict.params)
    said = verdict.text()
    if said is None or verdict.code is None:
        return hit, []
    return hit, [PlantingWarning(verdict.code, *said)]


def clean_submission_id(value) -> str:
    """A client's submission id, checked: present and at most 64 characters."""
    submission_id = F.clean_text(value)
    if not submission_id:
        raise PlantingError("submission_id_missing", "submission_id")
    if len(submission_id) > 64:
        raise PlantingError("text_too_long", "submission_id", length=len(submission_id), limit=64)
    return submission_id


# -- writing -------------------------------------------------------------------------------------
def create_planting(session: Session, actor: Actor, data: PlantingInput) -> CreateResult:
    """Store one planting; returns ``(planting, created)`` with ``.warnings``.

    ``created`` is False when the same submission was stored before (a replay). Raises
    :class:`PlantingError` naming the bad value, :class:`SubmissionConflict`, or
    :class:`~greening.permissions.PermissionDenied`. Flushes; the caller commits.
    """
    require(actor, "planting.create", str(data.village_code or "").strip() or None)
    submission_id = clean_submission_id(data.submission_id)
    claimed = _claimed_village(session, data.village_code)
    raw = {k: getattr(data, k) for k in (*(f.name for f in records.VALUE_FIELDS), "lon", "lat", "datum", "block")}
    values = _parse(session, raw)
    digest = content_hash({**values, "village_code": claimed.code, "lon": values["lon_in"],
                           "lat": values["lat_in"],
                           "block": None if values.get("block") is None else values["block"].wkt})
    warnings: list[PlantingWarning] = []

    def build() -> Planting:  # only for a submission not stored yet
        hit, found = _place(session, values["lon"], values["lat"], claimed)
        warnings.extend(found)
        return Planting(
            submission_id=submission_id, content_hash=digest,
            village_id=hit.village_id if hit else None, village_code=hit.code if hit else None,
            claimed_village_id=claimed.id, claimed_village_code=claimed.code,
            team_id=data.team_id if data.team_id is not None else actor.team_id,
            planted_on=values["planted_on"], species_id=values["species_id"], tree_count=values["tree_count"],
            area_m2=values.get("area_m2"), site_type=values["site_type"], site_name=values.get("site_name"),
            party_members=values.get("party_members", 0), villagers=values.get("villagers", 0),
            note=values.get("note"), source=data.source, status=PlantingStatus.SUBMITTED.value,
            flags=location_flags(hit.code if hit else None, claimed.code),
            lon=values["lon"], lat=values["lat"], location=to_db(Point(values["lon"], values["lat"])),
            block=to_db(values.get("block")))

    def check_replay(stored: Planting) -> None:
        if stored.content_hash != digest or not actor.covers(stored.claimed_village_code):
            raise SubmissionConflict("id_conflict", "submission_id", value=stored.submission_id)

    planting, created = insert_once(session, Planting, submission_id, build, check_replay)
    return CreateResult(planting, created, warnings if created else [])


def load_planting(session: Session, actor: Actor, planting_id: int, action: str,
                  field: str = "id") -> Planting:
    """The live planting ``planting_id`` for ``action``, fresh from the database, if the actor may.

    Refused with ``PermissionDenied`` or, for a planting missing or outside the actor's area, a
    :class:`PlantingError` ``record_not_found`` on ``field``.
    """
    require(actor, action)
    planting = session.scalars(select(Planting).where(
        Planting.id == planting_id, Planting.deleted_at.is_(None),
        scope_clause(actor, Planting.claimed_village_code)).execution_options(populate_existing=True)
    ).one_or_none()
    if planting is None:
        raise PlantingError("record_not_found", field, value=planting_id)
    require(actor, action, planting.claimed_village_code)
    return planting


def _check_version(planting: Planting, expected_version) -> None:
    if expected_version is not None and int(expected_version) != planting.version:
        raise VersionConflict("version_conflict", "version", value=planting.id, current=planting.version,
                              expected=expected_version)


def update_planting(session: Session, actor: Actor, planting_id: int, expected_version: int,
                    changes: dict) -> CreateResult:
    """Edit a planting the editor loaded at ``expected_version``; returns ``(planting, False)`` with warnings.

    A stale version raises :class:`VersionConflict` and writes nothing. Moving the point
    re-locates the village and recomputes the location flags. An edited record goes back to
    review (status ``submitted``). The submission's content hash is kept, so a late replay of the
    original submission is still recognised.
    """
    planting = load_planting(session, actor, planting_id, "planting.edit")
    _check_version(planting, expected_version)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise PlantingError("field_not_editable", sorted(unknown)[0], value=sorted(unknown)[0])
    claimed = planting.claimed_village
    if "village_code" in changes:
        require(actor, "planting.edit", str(changes["village_code"]).strip())
        claimed = _claimed_village(session, changes["village_code"])
    raw = dict(changes)
    if ("lon" in raw or "lat" in raw) or "village_code" in changes:
        raw.setdefault("lon", planting.lon)
        raw.setdefault("lat", planting.lat)
    values = _parse(session, raw)
    columns = [f.column for f in records.VALUE_FIELDS]
    before = {k: getattr(planting, k) for k in (*columns, "lon", "lat", "claimed_village_code")}
    for key in columns:
        if key in values:
            setattr(planting, key, values[key])
    if "block" in changes:
        planting.block = to_db(values.get("block"))
    warnings: list[PlantingWarning] = []
    if "lon" in values:
        hit, warnings = _place(session, values["lon"], values["lat"], claimed)
        planting.claimed_village_id, planting.claimed_village_code = claimed.id, claimed.code
        planting.village_id, planting.village_code = (hit.village_id, hit.code) if hit else (None, None)
        planting.lon, planting.lat = values["lon"], values["lat"]
        planting.location = to_db(Point(values["lon"], values["lat"]))
        planting.flags = with_location_flags(planting.flags, planting.village_code, claimed.code)
    if "block" in changes or any(getattr(planting, k) != v for k, v in before.items()):
        planting.status = PlantingStatus.SUBMITTED.value
    _flush(session, planting, expected_version)
    return CreateResult(planting, False, warnings)


def delete_planting(session: Session, actor: Actor, planting_id: int,
                    expected_version: int | None = None) -> Planting:
    """Soft-delete a planting (``deleted_at``); audited as a delete. Stale version: :class:`VersionConflict`."""
    planting = load_planting(session, actor, planting_id, "planting.delete")
    _check_version(planting, expected_version)
    planting.deleted_at = utcnow()
    _flush(session, planting, expected_version)
    return planting


def _flush(session: Session, planting: Planting, expected_version) -> None:
    planting_id = planting.id
    try:
        with session.begin_nested():
            session.flush()
    except StaleDataError:
        audit.discard_pending(session)
        current = session.scalar(select(Planting.version).where(Planting.id == planting_id)
                                 .execution_options(skip_scope=True))
        raise VersionConflict("version_conflict", "version", value=planting_id, current=current,
                              expected=expected_version) from None


def recent_plantings(session: Session, actor: Actor, village_code: str | None = None,
                     limit: int = 20) -> list[Planting]:
    """The latest plantings (newest first) in the actor's area, or in one village of it."""
    require(actor, "village.view", village_code)
    stmt = (select(Planting).options(selectinload(Planting.species), selectinload(Planting.village))
            .where(Planting.deleted_at.is_(None), scope_clause(actor, Planting.claimed_village_code))
            .order_by(Planting.created_at.desc(), Planting.id.desc()).limit(max(1, min(int(limit), 500))))
    if village_code:
        stmt = stmt.where(Planting.claimed_village_code == village_code)
    return list(session.scalars(stmt))
