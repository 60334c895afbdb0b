"""Data commands: boundary and ledger imports (dry run by default), exports, backup and restore,
and the ledger template. They act as the system administrator of this installation."""
from __future__ import annotations

import sys
from pathlib import Path

from greening.actor import Actor
from greening.cli import add_engine_option

_ACTOR = Actor.system("cli")


def register(sub) -> None:
    p = sub.add_parser("import-boundaries", help="import town/village boundaries (dry run unless --apply)")
    p.add_argument("file", help="Shapefile (.shp or .zip), GeoPackage or GeoJSON")
    p.add_argument("--crs", help="coordinate system of the file, e.g. EPSG:4546, or gcj02 (Amap)")
    p.add_argument("--code-field", help="field holding the 12-digit code (default: recognised)")
    p.add_argument("--name-field", help="field holding the name (default: recognised)")
    p.add_argument("--level", choices=["auto", "town", "village"], default="auto")
    p.add_argument("--encoding", help="attribute encoding of a shapefile (default: detected)")
    p.add_argument("--layer", help="layer to read when the file holds several")
    p.add_argument("--keep-demo", action="store_true", help="do not retire the demo areas the file replaces")
    p.add_argument("--create-towns", action="store_true",
                   help="add the towns the villages need but the database lacks, dissolved from those villages")
    p.add_argument("--apply", action="store_true", help="write the import (default: only report)")
    p.add_argument("--accept-valid", action="store_true", help="with --apply: write the valid areas even if some are refused")
    add_engine_option(p)
    p.set_defaults(func=_import_boundaries)

    p = sub.add_parser("import-ledger", help="import a planting ledger, CSV or Excel (dry run unless --apply)")
    p.add_argument("file")
    p.add_argument("--datum", choices=["wgs84", "gcj02"], default="wgs84", help="datum of rows that do not say")
    p.add_argument("--apply", action="store_true", help="write the valid rows (default: only report)")
    p.add_argument("--accept-valid", action="store_true", help="with --apply: write the valid rows even if others have errors")
    p.add_argument("--errors-csv", help="also write every problem found to this CSV file")
    add_engine_option(p)
    p.set_defaults(func=_import_ledger)

    p = sub.add_parser("export", help="export coverage and plantings")
    p.add_argument("format", choices=["excel", "geojson", "gpkg", "shp", "csv", "geoparquet"])
    p.add_argument("--out", required=True, help="file to write (geoparquet: a new or empty folder, "
                   "partitioned by county, as the dask engine reads it)")
    p.add_argument("--county", help="6-digit county code (adcode), e.g. 440802")
    p.add_argument("--what", choices=["villages", "plantings"], default="villages",
                   help="for csv and geojson: which table (gpkg and shp hold both)")
    p.set_defaults(func=_export)

    p = sub.add_parser("backup", help="back up the database and photos into a .tar.gz archive")
    p.add_argument("--out", help="archive path (default: data/backups/greening-<time>.tar.gz)")
    p.set_defaults(func=_backup)

    p = sub.add_parser("restore", help="restore a backup into a fresh database and check it")
    p.add_argument("archive")
    p.add_argument("--database-url", help="new SpatiaLite file (sqlite:///path) or empty PostGIS database")
    p.add_argument("--photo-dir", help="folder for the photos (default: the configured one)")
    p.set_defaults(func=_restore)

    p = sub.add_parser("ledger-template", help="write the planting ledger template (.xlsx or .csv)")
    p.add_argument("--out", required=True)
    p.set_defaults(func=_ledger_template)


def _session(write: bool = True):
    """A session bound to the CLI's actor; ``write=False`` does not take SQLite's write lock."""
    from greening.db import get_engine, read_session, session_scope
    from greening.permissions import install_scope

    class _Scope:
        def __enter__(self):
            self._cm = (session_scope if write else read_session)(get_engine())
            session = self._cm.__enter__()
            return install_scope(session, _ACTOR)

        def __exit__(self, *exc):
            return self._cm.__exit__(*exc)

    return _Scope()


def _import_boundaries(args) -> int:
    from greening.importers.boundaries import apply_boundary_import, plan_boundary_import

    with _session(write=False) as s:  # the dry run only reads
        plan = plan_boundary_import(s, args.file, level=args.level, crs=args.crs, code_field=args.code_field,
                                    name_field=args.name_field, encoding=args.encoding, layer=args.layer,
                                    retire_demo=not args.keep_demo, create_towns=args.create_towns)
    print(f"文件 / file: {plan.source}  坐标系 / CRS: {plan.crs} ({plan.crs_source})  编码 / encoding: "
          f"{plan.encoding or '-'}  字段 / fields: {plan.code_field}, {plan.name_field}  图斑 / features: {plan.feature_count}")
    print("新增 add {add} · 修改 change {change} · 不变 unchanged {unchanged} · 停用 retire {retire} · "
          "拒绝 refuse {refuse}".format(**plan.counts()))
    if plan.plantings is not None:
        print(f"种植记录将改变所在村 / plantings changing village: {plan.plantings.moved}")
    for item in plan.items:
        if item.action != "unchanged":
            reason = f"  {item.reason_zh}" if item.issues else ""
            print(f"  {item.action:<8} {item.level or '-':<7} {item.code or '-':<12} {item.name or ''}{reason}")
    if plan.missing_towns and not args.create_towns:
        print(f"缺少 {len(plan.missing_towns)} 个镇街（{'、'.join(plan.missing_towns)}）；加 --create-towns 可由村界合并生成 / "
              f"{len(plan.missing_towns)} towns missing; add --create-towns to make them from their villages")
    if not args.apply:
        print("（试运行，未写入；加 --apply 导入 / dry run: nothing written; add --apply to import）")
        return 0
    with _session() as s:
        result = apply_boundary_import(s, _ACTOR, plan, accept_valid=args.accept_valid)
    print(f"已导入 / imported: add {result.added}, change {result.changed}, retire {result.retired}; "
          f"plantings re-assigned {result.plantings.moved}")
    return 0


def _print_ledger(report, limit: int = 50) -> None:
    s = report.summary()
    print(f"文件 / file: {s['filename']} ({report.source}, {report.encoding or report.sheet or ''})  共 {s['total_rows']} 行 / rows")
    print(f"可导入 / valid {s['valid_rows']} · 有错误 / with errors {s['error_rows']} · 有提示 / warnings "
          f"{s['warning_rows']} · 已导入过 / already imported {s['already_imported']}")
    if report.date_note:
        print(f"{report.date_note[0]} / {report.date_note[1]}")
    if report.ignored_columns:
        print("未使用的列 / columns not used: " + "、".join(report.ignored_columns))
    shown = sorted((i for i in report.issues if i.severity != "info"), key=lambda i: i.row or 0)
    for i in shown[:limit]:
        print(f"  第 {i.row} 行 row {i.row}  [{i.column or '-'}] {i.code}: {i.zh}")
    if len(shown) > limit:
        print(f"  …… 另有 {len(shown) - limit} 条 / {len(shown) - limit} more")


def _import_ledger(args) -> int:
    from greening.importers.ledger import apply_ledger, validate_ledger

    data = Path(args.file).read_bytes()
    with _session(write=False) as s:  # checking only reads: other writers are not held up
        report = validate_ledger(s, _ACTOR, data, Path(args.file).name, datum=args.datum)
    _print_ledger(report)
    if args.errors_csv:
        from greening.exports import to_csv_bytes

        Path(args.errors_csv).write_bytes(to_csv_bytes(report.issues_frame()))
    if not args.apply:
        print("（试运行，未写入；加 --apply 导入 / dry run: nothing written; add --apply to import）")
        return 0
    with _session() as s:
        result = apply_ledger(s, _ACTOR, report, accept_valid_rows=args.accept_valid)
    print(f"已导入 / imported: {result.inserted} 行 rows; skipped {result.skipped}; refused {result.refused_rows}")
    return 0


def _export(args) -> int:
    from greening import exports

    if args.format == "geoparquet":
        from greening.geoparquet import export_geoparquet

        with _session(write=False) as s:
            done = export_geoparquet(s, _ACTOR, args.out, args.county)
        print(f"已写入 / written: {done.folder} (villages {done.villages:,}, plantings "
              f"{done.plantings:,}, counties {done.counties}, plantings files {done.files})")
        return 0
    with _session(write=False) as s:
        if args.format == "excel":
            data = exports.coverage_report_xlsx(s, _ACTOR, args.county)
        elif args.format == "csv":
            data = exports.export_csv(s, _ACTOR, args.what, args.county)
        else:
            data = exports.export_layers(s, _ACTOR, args.format, args.county, what=args.what)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_bytes(data)
    print(f"已写入 / written: {args.out} ({len(data):,} bytes)")
    return 0


def _backup(args) -> int:
    from greening.backup import backup, read_manifest
    from greening.db import get_engine

    path = backup(get_engine(), args.out)
    manifest = read_manifest(path)
    print(f"备份完成 / backup written: {path}  plantings {manifest['counts']['plantings']}, "
          f"photos {len(manifest['photos'])}, checksum {manifest['plantings_sha256'][:12]}")
    return 0


def _restore(args) -> int:
    from greening.backup import RestoreMismatch, restore

    try:
        report = restore(args.archive, database_url=args.database_url, photo_dir=args.photo_dir)
    except (RestoreMismatch, FileExistsError) as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 1
    print(f"恢复完成并已核对 / restored and verified: {report.database_url}  plantings "
          f"{report.counts.get('plantings')}, photos {report.photos}, checksum {report.plantings_sha256[:12]}")
    for warning in report.warnings[:10]:
        print(f"  pg_restore: {warning}")
    return 0


def _ledger_template(args) -> int:
    from greening.importers.template import ledger_template_csv, ledger_template_xlsx

    out = Path(args.out)
    data = ledger_template_csv() if out.suffix.lower() == ".csv" else ledger_template_xlsx(_species_names())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    print(f"已写入 / written: {out}")
    return 0


def _species_names() -> list[str] | None:
    """The campaign's species for the template's drop-down, when a database is reachable."""
    try:
        from sqlalchemy import select

        from greening.db import get_engine, read_session
        from greening.models import Species

        with read_session(get_engine()) as s:
            return list(s.scalars(select(Species.name_zh).where(Species.deleted_at.is_(None))
                                  .order_by(Species.name_zh))) or None
    except Exception:  # noqa: BLE001 - the template is useful without the list
        return None
