"""Demo data and totals: ``load-demo`` and ``totals`` (the default command)."""
from __future__ import annotations

import re
import time
import unicodedata
from pathlib import Path

from greening.db import get_engine
from greening.validation.errors import Refusal


def register(sub) -> None:
    p = sub.add_parser("load-demo", help="load the demo campaign into an empty database")
    p.add_argument("--plantings", type=int, default=None,
                   help="number of planting records (default: GREENING_DEMO_PLANTINGS)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: GREENING_DEMO_SEED)")
    p.set_defaults(func=_load_demo)
    p = sub.add_parser("totals", help="print the campaign totals beside the article's figures")
    p.add_argument("--county", metavar="ADCODE", default=None,
                   help="only this county (6-digit adcode, e.g. 440882)")
    p.set_defaults(func=_totals)


def _load_demo(args) -> int:
    from greening.config import get_settings
    from greening.demo import load_demo
    from greening.demo.load import check_plantings
    from greening.schema import upgrade

    settings = get_settings()
    plantings = settings.demo_plantings if args.plantings is None else args.plantings
    seed = settings.demo_seed if args.seed is None else args.seed
    check_plantings(plantings, seed)
    engine = get_engine()
    upgrade(engine)
    _sync_measures(engine)
    started = time.perf_counter()

    def progress(msg: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {msg}", flush=True)

    summary = load_demo(engine, plantings=plantings, seed=seed, progress=progress)
    print(summary)
    return 0


def _sync_measures(engine) -> None:
    """Put the measure catalogue in first when it exists, so demo attestations can refer to it."""
    try:
        from greening.measures import sync_catalogue
    except ImportError:
        return
    from greening.actor import Actor
    from greening.db import session_scope
    from greening.permissions import install_scope

    with session_scope(engine) as session:
        install_scope(session, Actor.system("demo"))
        sync_catalogue(session)


def _totals(args) -> int:
    from greening.actor import Actor
    from greening.db import read_session
    from greening.models.enums import Role
    from greening.schema import current_revision
    from greening.services.measure_totals import measure_totals
    from greening.services.totals import campaign_totals

    engine = get_engine()
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if (path and not Path(path).exists()) or current_revision(engine) is None:
        raise Refusal.of("database_not_initialised")
    actor = Actor.system("totals")
    if args.county:
        if not re.fullmatch(r"4408\d\d", args.county):
            raise Refusal.of("county_adcode_bad", county=args.county)
        actor = Actor(user_id=None, username="system:totals", role=Role.COUNTY_LEAD,
                      scope_prefix=args.county)
    with read_session(engine) as session:
        totals = campaign_totals(session, actor)
    with engine.connect() as conn:
        measures = measure_totals(conn, actor)
    print(format_totals(totals, measures))
    return 0


def format_totals(totals: dict, measures=None) -> str:
    """The totals as a small aligned table: label, value, and the article's figure; then the
    measures and plans with how many are satisfied across the area (``measures``: MeasureTotals)."""
    from greening.i18n import plan_name
    from greening.services.totals import TOTAL_LINES

    citywide = totals.get("scope") == "4408"
    scope = "全市" if citywide else f"区县 {totals.get('scope')}"
    title = f"湛江市党建引领乡村绿化 — 汇总（{scope}）"
    if totals.get("is_demo"):
        title += "　※ 含示例数据 / includes demo data"
    # The article's figures are for the whole city: beside a county's totals they would mislead.
    rows = [(label, _value(totals.get(key)), f"(文章: {article})" if article and citywide else "")
            for key, label, _en, article in TOTAL_LINES]
    if measures is not None:
        where = "全市" if citywide else "本区县"
        rows += [("措施（条）", f"{measures.measures:,}", "(文章: 56条)" if citywide else ""),
                 ("计划（个）", f"{measures.plans:,}", "(文章: 六大计划)" if citywide else ""),
                 (f"　{where}已落实的措施", f"{measures.satisfied:,}/{measures.measures:,}",
                  "所有适用村均已落实 / met in every village it applies to"),
                 ("　村×措施落实率", _value(measures.coverage),
                  f"{measures.pairs_met:,}/{measures.pairs_applicable:,}")]
        rows += [(f"　　{plan_name(plan)}", f"{done:,}/{n:,}", "") for plan, n, done in measures.by_plan]
    w0 = max(_width(r[0]) for r in rows)
    w1 = max(_width(r[1]) for r in rows)
    lines = [title]
    lines += [f"{_pad(a, w0)}  {b.rjust(w1)}  {c}".rstrip() for a, b, c in rows]
    return "\n".join(lines)


def _value(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.1%}"
    return f"{v:,}"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
