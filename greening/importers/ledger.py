"""Planting ledger import (种植台账导入): verify a CSV or Excel file, then write its valid rows.

:func:`validate_ledger` reads the file (UTF-8, UTF-8 with BOM or GBK CSV; ``.xlsx``), recognises
the project's template and the exports of KoboToolbox and ODK Central
(:mod:`greening.importers.columns`), and checks every row with the same rules as the planting
form. It writes nothing: the :class:`LedgerReport` lists the rows that are fine and, for the
others, the row number as Excel shows it, the column, a code and a message in Chinese and English.

:func:`apply_ledger` writes the valid rows in one transaction with one bulk statement per chunk.
Each row's submission id is the file's id column (``提交编号``, Kobo ``_uuid``, ODK ``KEY``) or a
hash of the row's content, and inserts skip ids already stored, so importing the same file
again adds nothing.
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from greening import audit
from greening.actor import Actor
from greening.config import get_settings
from greening.coverage.engines import assign_villages
from greening.coverage.index import VillageIndex
from greening.coverage.join import village_index
from greening.geo.coords import CoordinateError, parse_point
from greening.geo.gcj02 import gcj02_to_wgs84
from greening.importers.columns import ColumnMap, match_columns
from greening.importers.encoding import decode_text
from greening.models import AdminArea, GreeningTeam, Planting
from greening.permissions import PermissionDenied, require
from greening.services.plantings import content_hash, in_no_village_params
from greening.validation import Issue, file_error, issue, records
from greening.validation import values as F
from greening.validation.placement import place
from greening.validation.records import INSERT_COLUMNS
from greening.validation.text import check_text, same_name

__all__ = ["LedgerReport", "LedgerApplyResult", "validate_ledger", "apply_ledger", "read_table",
           "MAX_ROWS", "INSERT_COLUMNS"]

MAX_ROWS = 200_000
_CHUNK = 5_000
Progress = Callable[[str, int, int], None]



@dataclass
class LedgerReport:
    """The verdict on one ledger file; nothing has been written yet.

    ``rows`` are the rows ready to write (tuples in :data:`INSERT_COLUMNS` order) and ``row_numbers``
    their Excel row numbers; ``issues`` are every problem found, by row.
    """

    filename: str
    sha256: str
    file_format: str  # csv | xlsx
    source: str  # template | kobo | odk | generic
    encoding: str | None
    sheet: str | None
    total_rows: int
    columns: dict[str, str]
    ignored_columns: list[str]
    issues: list[Issue] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    already_imported: int = 0
    actor_key: tuple = ()
    date_source: str = "column"  # which column gave the planting date (columns.DATE_SOURCE_LABELS)
    date_note: tuple[str, str] | None = None  # (zh, en) naming that column, when it is not 种植日期

    @property
    def valid_rows(self) -> int:
        return len(self.rows)

    @property
    def error_rows(self) -> int:
        return len({i.row for i in self.issues if i.severity == "error"})

    @property
    def warning_rows(self) -> int:
        return len({i.row for i in self.issues if i.severity == "warning"})

    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    def issues_frame(self) -> pd.DataFrame:
        """Issues as a table (行号, 列, 代码, 级别, 说明, message) sorted by row, for display or download."""
        frame = pd.DataFrame([i.as_dict() for i in self.issues],
                             columns=["row", "column", "code", "severity", "zh", "en", "value"])
        return frame.sort_values(["row", "column"], kind="stable", na_position="first").reset_index(drop=True)

    def preview(self, n: int = 20) -> pd.DataFrame:
        """The first ``n`` rows that will be written, with their Excel row numbers."""
        frame = pd.DataFrame(self.rows[:n], columns=list(INSERT_COLUMNS))
        frame.insert(0, "row", self.row_numbers[:n])
        return frame

    def summary(self) -> dict:
        return {"filename": self.filename, "source": self.source, "total_rows": self.total_rows,
                "valid_rows": self.valid_rows, "error_rows": self.error_rows,
                "warning_rows": self.warning_rows, "already_imported": self.already_imported,
                "date_column": self.columns.get("planted_on"), "date_source": self.date_source}


@dataclass
class LedgerApplyResult:
    inserted: int
    skipped: int  # valid rows whose id appeared in the database meanwhile
    refused_rows: int  # rows with errors, not written


# -- reading -----------------------------------------------------------------------------------------
def _csv_rows(text: str) -> list[list[str]]:
    first = text[:10_000].split("\n", 1)[0]
    delimiter = max((",", ";", "\t", "|"), key=first.count)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _xlsx_rows(data: bytes, filename: str) -> tuple[str, list[list]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise file_error("file_unreadable", filename=filename, reason=str(exc)[:200]) from None
    try:
        best = None
        for ws in wb.worksheets:
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            header_at = _header_row(rows)
            if header_at is not None:
                return ws.title, rows
            best = best or (ws.title, rows)
        return best or ("", [])
    finally:
        wb.close()


def _header_row(rows: list[list]) -> int | None:
    """Index of the header row: the first of the top 10 rows naming at least two known fields."""
    for i, row in enumerate(rows[:10]):
        if len(match_columns(row).fields) >= 2:
            return i
    return None


def read_table(data: bytes, filename: str) -> tuple[str, str | None, str | None, list[list]]:
    """``(file_format, encoding, sheet, rows)`` of a CSV or ``.xlsx`` file, rows as lists of cells."""
    name = filename.lower()
    if not data:
        raise file_error("file_empty", filename=filename)
    if name.endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
        sheet, rows = _xlsx_rows(data, filename)
        return "xlsx", None, sheet, rows
    if name.endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise file_error("file_type_unsupported", filename=filename, accepted="CSV 或 Excel .xlsx（请另存为 .xlsx）",
                         accepted_en="CSV or Excel .xlsx (save the .xls file as .xlsx)")
    if not name.endswith((".csv", ".txt", ".tsv")):
        raise file_error("file_type_unsupported", filename=filename, accepted="CSV、Excel .xlsx",
                         accepted_en="CSV or Excel .xlsx")
    text, encoding = decode_text(data, filename)
    return "csv", encoding, None, _csv_rows(text)


# -- reference data ---------------------------------------------------------------------------------
@dataclass
class _Reference:
    villages: dict[str, tuple[int, str]]  # code -> (id, name)
    by_name: dict[str, list[str]]  # name -> codes
    species: F.SpeciesLookup
    teams: dict[str, int]  # village code -> team id
    index: VillageIndex  # the villages with a boundary


def _reference(session: Session) -> _Reference:
    rows = session.execute(select(AdminArea.id, AdminArea.code, AdminArea.name)
                           .where(AdminArea.level == "village", AdminArea.deleted_at.is_(None))).all()
    villages: dict[str, tuple[int, str]] = {}
    by_name: dict[str, list[str]] = {}
    for vid, code, name in rows:
        villages[code] = (vid, name)
        key = F.clean_text(name)
        if key is not None:  # a village named by blanks only is found by its code
            by_name.setdefault(key, []).append(code)
    teams = dict(session.execute(select(GreeningTeam.village_code, GreeningTeam.id).where(
        GreeningTeam.deleted_at.is_(None), GreeningTeam.active.is_(True))).all())
    return _Reference(villages, by_name, F.SpeciesLookup.from_session(session), teams,
                      village_index(session.connection()))


# -- checking rows -------------------------------------------------------------------------------------
class _RowCheck:
    """Checks one row's cells; keeps small caches because ledgers repeat the same values."""

    def __init__(self, cols: ColumnMap, ref: _Reference, actor: Actor, default_datum: str):
        self.cols, self.ref, self.actor, self.default_datum = cols, ref, actor, default_datum
        self.get = {name: index for name, index in cols.fields.items()}
        self.today = F.today()
        ctx = records.Context(species=ref.species, today=self.today, site_type_default="other")
        utc = cols.date_utc  # Kobo's _submission_time: UTC without an offset
        # Dates and species repeat down a ledger: their parses are cached per distinct cell.
        cached = {"planted_on", "species"}
        self.checks = tuple((f.name, f.column, self._caching(f, ctx, utc and f.name == "planted_on")
                             if f.name in cached else (lambda v, f=f: f.parse(v, ctx))) for f in records.VALUE_FIELDS)

    def _caching(self, f: records.ValueField, ctx: records.Context, utc: bool = False):
        cache: dict = {}

        def parse(value):
            local = F.local_date_of(value, utc=True) if utc and isinstance(value, str) else None
            return f.parse(value if local is None else local, ctx)

        return lambda v: self._cached(cache, v, parse)

    def cells_by_field(self, cells: list) -> dict:
        n = len(cells)
        return {name: cells[i] if i < n else None for name, i in self.get.items()}

    def _cached(self, cache: dict, key, fn):
        try:
            hit = cache[key]
        except (KeyError, TypeError):
            try:
                hit = fn(key)
            except F.FieldError as exc:
                hit = exc
            with contextlib.suppress(TypeError):
                cache[key] = hit
        if isinstance(hit, F.FieldError):
            raise hit
        return hit

    def _bad_characters(self, raw: dict, row, issues) -> bool:
        """Refuse cells holding characters no database stores (NUL), as the form does."""
        found = False
        for name, value in raw.items():
            if type(value) is str:
                try:
                    check_text(value, name)
                except F.FieldError as exc:
                    issues.append(_issue(exc, row, self.cols.header(name)))
                    found = True
        return found

    def village(self, raw: dict, row, issues) -> str | None:
        code = F.clean_text(raw.get("village_code"))
        name = F.clean_text(raw.get("village_name"))
        column = self.cols.header("village_code")
        if code:
            code = code[:-2] if code.endswith(".0") else code
            if code not in self.ref.villages:
                issues.append(issue("village_unknown", row=row, column=column, value=code))
                return None
            expected = self.ref.villages[code][1]
            if name and not same_name(name, expected):  # 甲村（示例） in the file is 甲村(示例) here
                issues.append(issue("village_name_mismatch", row=row, column=self.cols.header("village_name"),
                                    value=name, code=code, expected=expected))
        elif name:
            column = self.cols.header("village_name")
            codes = [c for c in self.ref.by_name.get(name, []) if self.actor.covers(c)] or \
                self.ref.by_name.get(name, [])
            if not codes:
                issues.append(issue("village_unknown", row=row, column=column, value=name))
                return None
            if len(codes) > 1:
                issues.append(issue("village_ambiguous", row=row, column=column, value=name,
                                    codes="、".join(codes[:5])))
                return None
            code = codes[0]
        elif len(self.actor.scope_prefix) == 12:
            code = self.actor.scope_prefix  # a team's own export: its own village
        else:
            issues.append(issue("village_missing", row=row))
            return None
        if not self.actor.covers(code):
            issues.append(issue("village_out_of_scope", row=row, column=column, value=code))
            return None
        return code

    def location(self, raw: dict, row, issues) -> tuple[float, float, float, float, str] | None:
        """``(lon, lat, lon as given, lat as given, datum)``, WGS 84 first."""
        try:
            datum = F.parse_datum(raw.get("datum"), default=self.default_datum)
        except F.FieldError as exc:
            issues.append(_issue(exc, row, self.cols.header("datum")))
            return None
        lon_cell, lat_cell = raw.get("lon"), raw.get("lat")
        column = self.cols.header("lon")
        try:
            if "lon" in self.get and not (F.is_blank(lon_cell) and F.is_blank(lat_cell)):
                lon = F.parse_coordinate(lon_cell, "lon")
                lat = F.parse_coordinate(lat_cell, "lat")
            else:
                column = self.cols.header("point") or column
                lon, lat = self._point(raw.get("point"))
            F.check_location(lon, lat)
        except F.FieldError as exc:
            issues.append(_issue(exc, row, column))
            return None
        given = (lon, lat)
        if datum == "gcj02":
            lon, lat = gcj02_to_wgs84(lon, lat)
        return lon, lat, given[0], given[1], datum

    def _point(self, text) -> tuple[float, float]:
        if F.is_blank(text):
            raise F.FieldError("location_missing", "point")
        parts = str(text).split()
        if len(parts) in (3, 4) or (self.cols.latlon_point and len(parts) == 2):
            try:  # Kobo/ODK raw geopoint: "lat lon [altitude accuracy]"
                return float(parts[1]), float(parts[0])
            except ValueError:
                pass
        try:
            parsed = parse_point(str(text))
        except CoordinateError as exc:
            raise F.FieldError("location_unparsable", "point", value=text, reason=exc.zh, reason_en=exc.en) from None
        return parsed.lon, parsed.lat

    def values(self, cells, row, issues) -> dict | None:
        """The parsed values of a row, or None if any error was found (issues appended)."""
        before = len(issues)
        out = {}
        raw = self.cells_by_field(cells)
        if self._bad_characters(raw, row, issues):
            return None
        code = self.village(raw, row, issues)
        place = self.location(raw, row, issues)
        for name, column, check in self.checks:
            try:
                out[column] = check(raw.get(name))
            except F.FieldError as exc:
                issues.append(_issue(exc, row, self.cols.header(name)))
        if len(issues) > before and any(i.severity == "error" for i in issues[before:]):
            return None
        out["village_code"] = code
        assert place is not None, "location() gave None only after adding an error"
        out["lon"], out["lat"], out["lon_in"], out["lat_in"], out["datum"] = place
        return out


def _issue(exc: F.FieldError, row: int, column: str | None) -> Issue:
    return issue(exc.code, row=row, column=column, **exc.params)


def _submission_id(raw, values: dict, digest: str) -> str:
    sid = F.clean_text(raw)
    if sid and sid.endswith(".0") and sid[:-2].isdigit():
        sid = sid[:-2]  # an Excel number
    if not sid:
        return "ledger:" + digest[:57]
    if len(sid) > 64:
        return "ledger-id:" + hashlib.sha256(sid.encode()).hexdigest()[:54]
    return sid


# -- the public steps ------------------------------------------------------------------------------------
def validate_ledger(session: Session, actor: Actor, file_bytes: bytes, filename: str,
                    progress: Progress | None = None, *, datum: str = "wgs84") -> LedgerReport:
    """Check every row of a ledger file; write nothing (call it in a read session: on SpatiaLite
    a write session would hold the write lock while checking).

    ``datum`` is the coordinate system of rows that do not say (``"wgs84"`` or ``"gcj02"``).
    ``progress(stage, done, total)`` is called while working. Raises
    :class:`~greening.validation.errors.ImportFileError` when the file as a whole cannot be used.
    """
    require(actor, "import.ledger")
    say = progress or (lambda *_: None)
    limit_mb = get_settings().max_upload_mb
    if len(file_bytes) > limit_mb * 1024 * 1024:
        raise file_error("file_too_large", filename=filename, size_mb=f"{len(file_bytes) / 2**20:.1f}",
                         limit_mb=limit_mb)
    say("read", 0, 1)
    file_format, encoding, sheet, table = read_table(file_bytes, filename)
    header_at = _header_row(table)
    if header_at is None:
        raise file_error("no_header", filename=filename)
    cols = match_columns(table[header_at])
    missing = cols.missing()
    if missing:
        found = "、".join(f"{cols.headers[i]}→{k}" for k, i in cols.fields.items()) or "无"
        raise file_error("missing_columns", columns="、".join(missing), found=found)
    body = [(header_at + 2 + i, r) for i, r in enumerate(table[header_at + 1:])
            if any(not F.is_blank(c) for c in r)]
    if not body:
        raise file_error("no_rows", filename=filename)
    if len(body) > MAX_ROWS:
        raise file_error("too_many_rows", rows=len(body), limit=MAX_ROWS)
    report = LedgerReport(
        filename=filename, sha256=hashlib.sha256(file_bytes).hexdigest(), file_format=file_format,
        source=cols.source, encoding=encoding, sheet=sheet, total_rows=len(body),
        columns={k: cols.headers[i] for k, i in cols.fields.items()}, ignored_columns=cols.ignored,
        actor_key=(actor.username, actor.scope_prefix), date_source=cols.date_source, date_note=cols.date_note())
    ref = _reference(session)
    checker = _RowCheck(cols, ref, actor, F.parse_datum(datum))
    parsed = []
    for n, (row, cells) in enumerate(body):
        values = checker.values(cells, row, report.issues)
        if values is not None:
            parsed.append((row, cells, values))
        if n % _CHUNK == 0:
            say("check", n, len(body))
    say("locate", 0, len(parsed))
    parsed = _locate(parsed, ref, report)
    say("compare", 0, len(parsed))
    _identify(session, parsed, cols, ref, actor, report)
    report.issues.sort(key=lambda i: (i.row or 0))  # stable: a row's problems stay in column order
    say("done", len(body), len(body))
    return report


def _locate(parsed: list, ref: _Reference, report: LedgerReport) -> list:
    if not parsed:
        return parsed
    lons = np.fromiter((v["lon"] for _, _, v in parsed), float, len(parsed))
    lats = np.fromiter((v["lat"] for _, _, v in parsed), float, len(parsed))
    index = ref.index
    with_boundary = set(index.codes)
    kept = []
    claimed_codes = [v["village_code"] for _, _, v in parsed]
    located = assign_villages(lons, lats, index, claimed=claimed_codes)  # GREENING_COVERAGE_ENGINE
    for (row, cells, values), code in zip(parsed, located, strict=False):
        claimed = values["village_code"]
        has_boundary = claimed in with_boundary
        params = None
        if code is None and has_boundary:  # the claimed village has a boundary: the point is nowhere
            nearest = index.nearest(values["lon"], values["lat"])
            near = None
            if nearest is not None:
                near_code = index.codes[nearest[0]]
                near = (near_code, ref.villages[near_code][1], nearest[1])
            params = in_no_village_params(values["lon"], values["lat"], near)
        verdict = place(None if code is None else (code, ref.villages[code][1]), (claimed, ref.villages[claimed][1]),
                        claimed_has_boundary=has_boundary, in_no_village=params)
        if verdict.code is not None:
            report.issues.append(issue(verdict.code, row=row, **verdict.params))
        if verdict.refused:
            continue
        values.update(actual_id=None if code is None else ref.villages[code][0], actual_code=verdict.counts_for,
                      flags=verdict.flags)
        kept.append((row, cells, values))
    return kept


def _existing_hashes(session: Session, ids: list[str]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for i in range(0, len(ids), 1000):
        chunk = ids[i:i + 1000]
        found.update((sid, content_hash) for sid, content_hash in session.execute(
            select(Planting.submission_id, Planting.content_hash).where(Planting.submission_id.in_(chunk))
            .execution_options(skip_scope=True)))
    return found


def _identify(session, parsed, cols, ref, actor, report) -> None:
    """Give each row its submission id; refuse duplicates in the file and conflicts with the database."""
    id_column = cols.header("submission_id")
    first_seen: dict[str, int] = {}
    staged = []
    for row, cells, v in parsed:
        digest = content_hash({**v, "lon": v["lon_in"], "lat": v["lat_in"], "block": None})
        raw_id = cells[cols.fields["submission_id"]] if "submission_id" in cols.fields and \
            cols.fields["submission_id"] < len(cells) else None
        sid = _submission_id(raw_id, v, digest)
        if sid in first_seen:
            code = "duplicate_row_in_file" if sid.startswith("ledger:") else "duplicate_id_in_file"
            report.issues.append(issue(code, row=row, column=id_column, value=sid, first_row=first_seen[sid]))
            continue
        first_seen[sid] = row
        staged.append((row, sid, digest, v))
    existing = _existing_hashes(session, [sid for _, sid, _, _ in staged])
    for row, sid, digest, v in staged:
        if sid in existing:
            if existing[sid] == digest:
                report.already_imported += 1
                report.issues.append(issue("already_imported", row=row, column=id_column, value=sid))
            else:
                report.issues.append(issue("id_conflict", row=row, column=id_column, value=sid))
            continue
        claimed_id = ref.villages[v["village_code"]][0]
        team_id = actor.team_id if actor.team_id is not None else ref.teams.get(v["village_code"])
        report.rows.append(records.ledger_row({
            **v, "submission_id": sid, "content_hash": digest, "village_id": v["actual_id"],
            "village_code": v["actual_code"], "claimed_village_id": claimed_id,
            "claimed_village_code": v["village_code"], "team_id": team_id, "lon": float(v["lon"]),
            "lat": float(v["lat"]), "status": "submitted", "source": "import", "is_demo": False, "version": 1,
            "created_by_id": actor.user_id}))
        report.row_numbers.append(row)


def apply_ledger(session: Session, actor: Actor, report: LedgerReport, accept_valid_rows: bool = True,
                 progress: Progress | None = None) -> LedgerApplyResult:
    """Write the report's valid rows in the session's transaction (the caller commits).

    On SpatiaLite the write lock is held while the rows are written (about 20-30 s for 10^5 rows
    on one core): all or nothing needs one transaction. Refused (nothing written) when the rows
    with errors were not accepted
    (``accept_valid_rows=False`` and the report has errors), or when another user verified the file.
    Rows whose id was stored meanwhile are skipped, never duplicated. One audit row records the import.
    """
    require(actor, "import.ledger")
    if report.actor_key != (actor.username, actor.scope_prefix):
        raise PermissionDenied.of("import_verified_by_other")
    if report.error_rows and not accept_valid_rows:
        raise file_error("rows_have_errors", error_rows=report.error_rows, valid_rows=report.valid_rows)
    say = progress or (lambda *_: None)
    inserted = 0
    total = len(report.rows)
    writer = _write_sqlite if session.get_bind().dialect.name == "sqlite" else _write_postgis
    for start in range(0, total, _CHUNK):
        say("write", start, total)
        inserted += writer(session, report.rows[start:start + _CHUNK])
    say("write", total, total)
    audit.record(session, actor, "import", "plantings", None, scope_code=actor.scope_prefix,
                 note=f"ledger {report.filename}",
                 after={"filename": report.filename, "sha256": report.sha256, "source": report.source,
                        "inserted": inserted, "skipped": total - inserted, "refused_rows": report.error_rows})
    session.flush()
    return LedgerApplyResult(inserted=inserted, skipped=total - inserted, refused_rows=report.error_rows)


def _write_sqlite(session: Session, rows: list[tuple]) -> int:
    cols = ", ".join(INSERT_COLUMNS)
    marks = ", ".join("?" for _ in INSERT_COLUMNS)
    sql = (f"INSERT INTO plantings ({cols}, location) VALUES ({marks}, MakePoint(?, ?, 4326)) "
           "ON CONFLICT (submission_id) DO NOTHING")
    lon_at, lat_at = INSERT_COLUMNS.index("lon"), INSERT_COLUMNS.index("lat")
    params = [(*records.driver_row(r), r[lon_at], r[lat_at]) for r in rows]
    result = session.connection().exec_driver_sql(sql, params)
    return max(result.rowcount, 0)


def _write_postgis(session: Session, rows: list[tuple]) -> int:
    """COPY into a temporary table, then one INSERT of the rows whose id is not stored (3x faster than executemany).

    plantings is partitioned by county on PostGIS (migration 0006): the unique submission id lives
    in ``planting_submissions``, written by the table's trigger. A row whose id is stored is left
    out; when a concurrent writer stores one of the ids meanwhile, the INSERT fails on that key
    after the other transaction commits, and is run again in its SAVEPOINT, now leaving that row
    out: skipped, never duplicated.
    """
    from psycopg import errors, sql

    driver = session.connection().connection.driver_connection
    assert driver is not None, "a pooled connection always holds its driver connection"
    cursor = driver.cursor()
    # Identifiers composed by psycopg (quoted); values only ever travel through COPY.
    temp = sql.Identifier("ledger_" + uuid.uuid4().hex[:12])
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in (*INSERT_COLUMNS, "location"))
    # Column types only (no defaults, no constraints): COPY must not draw ids from the sequence.
    cursor.execute(sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM plantings WITH NO DATA")
                   .format(temp, cols))
    try:
        with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(temp, cols)) as copy:
            lon_at, lat_at = INSERT_COLUMNS.index("lon"), INSERT_COLUMNS.index("lat")
            for r in rows:
                copy.write_row((*records.driver_row(r), f"SRID=4326;POINT({r[lon_at]!r} {r[lat_at]!r})"))
        insert = sql.SQL("INSERT INTO plantings ({}) SELECT {} FROM {} AS t WHERE NOT EXISTS "
                         "(SELECT 1 FROM planting_submissions s WHERE s.submission_id = t.submission_id)"
                         ).format(cols, cols, temp)
        for attempt in range(_RACE_RETRIES):
            cursor.execute("SAVEPOINT ledger_write")
            try:
                cursor.execute(insert)
            except errors.UniqueViolation:
                cursor.execute("ROLLBACK TO SAVEPOINT ledger_write")
                if attempt == _RACE_RETRIES - 1:
                    raise
                continue
            inserted = max(cursor.rowcount, 0)
            cursor.execute("RELEASE SAVEPOINT ledger_write")
            return inserted
        raise AssertionError("unreachable: the last attempt returns or raises")
    finally:
        cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(temp))
        cursor.close()


#: how often the PostGIS write is run again after a concurrent writer stored one of its ids
_RACE_RETRIES = 5
