"""Coverage commands: ``measures check|load FILE``, ``coverage`` and ``lagging``."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pandas as pd

from greening.actor import Actor
from greening.cli import add_engine_option
from greening.validation.errors import Refusal

__all__ = ["register"]


def register(sub) -> None:
    measures = sub.add_parser("measures", help="措施目录 / the 56-measure catalogue: check or load a file")
    msub = measures.add_subparsers(dest="measures_action", metavar="ACTION")
    c = msub.add_parser("check", help="validate a catalogue file and say what is wrong, by line")
    c.add_argument("file")
    c.set_defaults(func=_measures_check)
    c = msub.add_parser("load", help="validate, then replace the catalogue in force and sync it")
    c.add_argument("file")
    c.set_defaults(func=_measures_load)
    measures.set_defaults(func=lambda args: (measures.print_help(), 2)[1])

    p = sub.add_parser("coverage", help="覆盖情况 / coverage by county (or by town with --county)")
    _common(p)
    p.add_argument("--geojson", metavar="F", help="write villages with their metrics as GeoJSON")
    p.add_argument("--recompute", action="store_true",
                   help="join every planting point to its village again (default: the village "
                        "stored when it was written) with the --engine chosen")
    add_engine_option(p)
    p.set_defaults(func=_coverage)

    p = sub.add_parser("keep-coverage", help="算好并保存全市与各县区的覆盖情况 / compute the coverage "
                       "of the city and of every county now and keep it on disk for the app's processes "
                       "(each starts from it: run daily after midnight, when the report date moves)")
    p.set_defaults(func=_keep_coverage)

    p = sub.add_parser("lagging", help="落后村 / lagging villages with reasons and people in charge")
    _common(p)
    p.add_argument("--limit", type=int, default=30, help="rows to print (default 30)")
    p.set_defaults(func=_lagging)


def _common(p) -> None:
    p.add_argument("--county", metavar="ADCODE", help="one county (6-digit adcode, e.g. 440823)")
    p.add_argument("--csv", metavar="F", help="write the village rows as CSV (UTF-8 with BOM)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="date of the figures (default: GREENING_AS_OF, the demo snapshot date with demo data, else today)")


def _measures_check(args) -> int:
    from greening.measures import read_catalogue

    cat = read_catalogue(Path(args.file))
    rules = sum(m.is_rule for m in cat.measures)
    print(f"措施目录有效 / catalogue valid: {len(cat.measures)} measures "
          f"({rules} computed, {len(cat.measures) - rules} attested), "
          f"status={cat.meta.get('status', '?')}")
    return 0


def _measures_load(args) -> int:
    from greening.db import get_engine, session_scope
    from greening.measures import catalogue_path, replace_catalogue
    from greening.permissions import install_scope, require

    actor = Actor.system("measures-load")
    require(actor, "measures.replace")
    with session_scope(get_engine()) as session:
        install_scope(session, actor)
        counts = replace_catalogue(session, Path(args.file))
    print(f"措施目录已替换 / catalogue replaced ({catalogue_path()}): "
          + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def _actor(args) -> Actor:
    actor = Actor.system("coverage")
    if args.county:
        if not re.fullmatch(r"4408\d\d", args.county):
            raise Refusal.of("county_option_bad", county=args.county)
        actor = dataclasses.replace(actor, scope_prefix=args.county)
    return actor


def _as_of(args) -> dt.date | None:
    if not args.as_of:
        return None
    try:
        return dt.date.fromisoformat(args.as_of)
    except ValueError:
        raise Refusal.of("as_of_bad", value=args.as_of) from None


def _result(args):
    from greening.coverage import coverage_for
    from greening.db import get_engine

    with get_engine().connect() as conn:
        return coverage_for(conn, _actor(args), _as_of(args),
                            recompute=getattr(args, "recompute", False))


def _keep_coverage(args) -> int:
    """Compute the city's and every county's coverage and keep each (:mod:`greening.coverage.kept`)."""
    import time

    from sqlalchemy import select

    from greening.actor import CITY_PREFIX
    from greening.config import get_settings
    from greening.coverage.kept import computed, keep
    from greening.coverage.load import report_date
    from greening.db import get_engine
    from greening.models import AdminArea
    from greening.models.enums import AreaLevel, Role

    settings = get_settings()
    with get_engine().connect() as conn:
        as_of = report_date(conn)
        counties = conn.execute(select(AdminArea.code).where(
            AdminArea.level == AreaLevel.COUNTY, AdminArea.deleted_at.is_(None)).order_by(AdminArea.code)).scalars().all()
        areas = [(Role.CITY, CITY_PREFIX)] + [(Role.COUNTY_LEAD, str(c)[:6]) for c in counties]
        for role, prefix in areas:
            t0 = time.perf_counter()
            made = computed(conn, Actor(user_id=None, username="keep-coverage", role=role, scope_prefix=prefix), as_of)
            keep(settings.kept_dir, settings.resolved_database_url, made)
            print(f"已保存 / kept {made.context} as of {as_of}: {len(made.inputs.villages)} villages, "
                  f"{len(made.inputs.plantings)} plantings ({time.perf_counter() - t0:.1f} s)")
    return 0


def _write_csv(df: pd.DataFrame, path: str) -> None:
    from greening.exports import to_csv_bytes  # the project's formula-safe CSV

    Path(path).write_bytes(to_csv_bytes(pd.DataFrame(df)))
    print(f"已写出 / wrote {path} ({len(df)} rows)")


def _fmt(x) -> str:
    return "—" if pd.isna(x) else f"{100 * float(x):.0f}%"


def _pad(text: str, width: int) -> str:
    """Left-align ``text`` in ``width`` terminal columns (Chinese characters take two)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 1)


def _rpad(text: str, width: int) -> str:
    """Right-align ``text`` in ``width`` terminal columns."""
    padded = _pad(text, width)
    body = padded.rstrip(" ")
    return " " * (len(padded) - len(body)) + body


def _coverage(args) -> int:
    r = _result(args)
    table = r.towns if args.county else r.counties
    print(f"覆盖情况 / coverage as of {r.as_of} ({'county ' + args.county if args.county else 'city'})")
    print(_pad("代码 code", 14) + _pad("名称 name", 22) + "".join(
        _rpad(h, w) for h, w in (("村", 5), ("植树", 12), ("计划", 12), ("完成率", 10),
                                 ("措施", 8), ("得分", 7))))
    for row in table.itertuples(index=False):
        name = row.name if isinstance(row.name, str) else ""
        print(f"{row.code:<14}{_pad(name, 22)}{int(row.villages):>5}{int(row.trees):>12}"
              f"{int(row.planned):>12}{_fmt(row.completion):>10}{_fmt(row.coverage):>8}"
              f"{row.score if not pd.isna(row.score) else '—':>7}")
    total = r.villages
    print(f"村 {len(total)} · 植树 {int(total['trees'].sum())} · 无村界点位 / outside every "
          f"village: {len(r.unassigned)} · 报错村 / outside claimed village: {len(r.outside)}")
    if args.csv:
        _write_csv(pd.DataFrame(r.villages), args.csv)
    if args.geojson:
        from greening.exports import to_geojson_bytes

        Path(args.geojson).write_bytes(to_geojson_bytes(r.villages))
        print(f"已写出 / wrote {args.geojson} ({len(r.villages)} villages)")
    return 0


def _lagging(args) -> int:
    r = _result(args)
    lag = r.lagging
    print(f"落后村 / lagging villages as of {r.as_of}: {len(lag)} of {len(r.villages)}")
    for row in lag.head(args.limit).itertuples(index=False):
        people = "；".join(f"{k}：{v}" for k, v in (
            ("护绿队长", row.team_leader), ("第一书记", row.first_secretary),
            ("镇包抓", row.town_leader), ("县分管", row.county_leader),
            ("市包抓", row.city_leader)) if isinstance(v, str) and v)
        print(f"{int(row.rank):>3}. {row.code} {row.name}  严重度 {row.severity}")
        print(f"     {row.reasons_zh}")
        if people:
            print(f"     责任人：{people}")
    if args.csv:
        _write_csv(lag, args.csv)
    return 0
