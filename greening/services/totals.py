"""Campaign totals (the article's headline figures, counted from the data) for the actor's area.

Every count is scoped with :func:`greening.permissions.scope_clause` on the record's area code:
a county lead gets their county's totals, the city everything. Soft-deleted rows never count.
People count once each when they serve (have an assignment) inside the area, however many
areas they serve; the count is cumulative over the campaign (ended assignments still count).
"""
from __future__ import annotations

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.models import (
    AdminArea,
    Assignment,
    CareCheck,
    Designation,
    GreeningTeam,
    Person,
    Planting,
    PlantingPlan,
)
from greening.permissions import require, scope_clause

__all__ = ["TOTAL_LINES", "campaign_totals"]

#: (key, Chinese label, English label, the article's figure or None) in display order.
TOTAL_LINES: list[tuple[str, str, str, str | None]] = [
    ("counties", "区县", "counties", "9"),
    ("towns", "镇（街道）", "towns and streets", "约120"),
    ("villages", "村（社区）", "village-level units", "约1,700"),
    ("teams", "党员护绿队", "Party-member greening teams", "1,722"),
    ("teams_active", "　其中在活动", "  of which active", None),
    ("demo_towns", "示范镇", "demonstration towns", "18"),
    ("demo_villages", "示范村", "demonstration villages", "376"),
    ("industry_models", "绿化+产业融合典型", "greening + industry models", "12"),
    ("courtyards", "美丽庭院", "beautiful courtyards", "一批"),
    ("demo_belts", "示范带", "demonstration belts", None),
    ("theme_forests", "主题林", "theme forests", None),
    ("graded_cadres", "下沉职级干部", "graded cadres sent down", "1,857"),
    ("first_secretaries_instructors", "驻村第一书记和党建指导员", "first secretaries and instructors", "514"),
    ("experts", "结对专家", "paired experts", "122"),
    ("institutions", "结对院校", "paired institutions", "28"),
    ("local_worthies", "乡贤能人（登记在册）", "local worthies (named)", "4.3万多人（动员）"),
    ("plan_total", "计划植树（株）", "trees planned", None),
    ("seedlings_secured", "落实苗木（株）", "seedlings secured", None),
    ("trees_planted", "已植树（株）", "trees planted", "150万+"),
    ("trees_verified", "　其中已核实", "  of which verified", None),
    ("completion", "计划完成率", "plan completion", None),
    ("planting_records", "植树记录（条）", "planting records", None),
    ("plantings_rejected", "　其中被驳回", "  of which rejected", None),
    ("survival_rate", "成活率", "survival rate", None),
]


def campaign_totals(session: Session, actor: Actor) -> dict:
    """The campaign's totals inside ``actor``'s area, as a dict keyed like :data:`TOTAL_LINES`.

    Also ``scope`` (the actor's code prefix) and ``is_demo`` (whether any area is demo data).
    Trees planted count every non-deleted planting that was not rejected; ``trees_verified``
    only the verified ones. ``survival_rate`` is alive / checked trees over each planting's
    latest survival check, ``completion`` trees planted / planned; both None without data.
    """
    require(actor, "village.view")
    out: dict = {"scope": actor.scope_prefix}
    out.update(_areas(session, actor))
    out.update(_teams(session, actor))
    out.update(_designations(session, actor))
    out.update(_people(session, actor))
    out.update(_plans(session, actor))
    out.update(_plantings(session, actor))
    out["survival_rate"] = _survival(session, actor)
    out["completion"] = (round(out["trees_planted"] / out["plan_total"], 4)
                         if out["plan_total"] else None)
    return out


def _areas(session, actor) -> dict:
    a = AdminArea
    rows = dict(session.execute(select(a.level, func.count()).where(
        a.deleted_at.is_(None), scope_clause(actor, a.code)).group_by(a.level)).all())
    demo = session.scalar(select(func.count()).select_from(a).where(
        a.is_demo.is_(True), a.deleted_at.is_(None), scope_clause(actor, a.code)))
    return {"counties": rows.get("county", 0), "towns": rows.get("town", 0),
            "villages": rows.get("village", 0), "is_demo": bool(demo)}


def _teams(session, actor) -> dict:
    t = GreeningTeam
    total, active = session.execute(select(func.count(), func.coalesce(func.sum(
        case((t.active.is_(True), 1), else_=0)), 0)).where(
        t.deleted_at.is_(None), scope_clause(actor, t.village_code))).one()
    return {"teams": int(total), "teams_active": int(active)}


def _designations(session, actor) -> dict:
    d = Designation
    rows = dict(session.execute(select(d.kind, func.count()).where(
        d.deleted_at.is_(None), scope_clause(actor, d.area_code)).group_by(d.kind)).all())
    keys = {"demo_towns": "demo_town", "demo_villages": "demo_village",
            "industry_models": "industry_model", "courtyards": "courtyard",
            "demo_belts": "demo_belt", "theme_forests": "theme_forest"}
    return {key: int(rows.get(kind, 0)) for key, kind in keys.items()}


def _people(session, actor) -> dict:
    p, a = Person, Assignment
    serving = (select(p.kind, func.count(distinct(p.id)), func.count(distinct(p.institution_id)))
               .join(a, a.person_id == p.id)
               .where(p.deleted_at.is_(None), a.deleted_at.is_(None), scope_clause(actor, a.area_code))
               .group_by(p.kind))
    rows = {kind: (n, inst) for kind, n, inst in session.execute(serving).all()}
    n = lambda kind: int(rows.get(kind, (0, 0))[0])  # noqa: E731
    return {"graded_cadres": n("graded_cadre"),
            "first_secretaries_instructors": n("first_secretary") + n("instructor"),
            "experts": n("expert"), "institutions": int(rows.get("expert", (0, 0))[1]),
            "local_worthies": n("local_worthy")}


def _plans(session, actor) -> dict:
    pp = PlantingPlan
    planned, secured = session.execute(select(
        func.coalesce(func.sum(pp.planned_count), 0), func.coalesce(func.sum(pp.seedlings_secured), 0))
        .where(pp.deleted_at.is_(None), scope_clause(actor, pp.village_code))).one()
    return {"plan_total": int(planned), "seedlings_secured": int(secured)}


def _plantings(session, actor) -> dict:
    pl = Planting
    counted = case((pl.status != "rejected", pl.tree_count), else_=0)
    verified = case((pl.status == "verified", pl.tree_count), else_=0)
    rejected = case((pl.status == "rejected", 1), else_=0)
    records, trees, trees_verified, n_rejected = session.execute(select(
        func.count(), func.coalesce(func.sum(counted), 0), func.coalesce(func.sum(verified), 0),
        func.coalesce(func.sum(rejected), 0))
        .where(pl.deleted_at.is_(None), scope_clause(actor, pl.claimed_village_code))).one()
    return {"planting_records": int(records), "trees_planted": int(trees),
            "trees_verified": int(trees_verified), "plantings_rejected": int(n_rejected)}


def _survival(session, actor) -> float | None:
    c, pl = CareCheck, Planting
    survival = (c.kind == "survival", c.alive_count.is_not(None), c.deleted_at.is_(None))
    latest = select(func.max(c.id)).where(*survival).group_by(c.planting_id)
    alive, checked = session.execute(select(func.sum(c.alive_count), func.sum(pl.tree_count))
                                     .join(pl, pl.id == c.planting_id)
                                     .where(c.id.in_(latest), pl.deleted_at.is_(None),
                                            pl.status != "rejected",
                                            scope_clause(actor, c.village_code))).one()
    return round(int(alive) / int(checked), 4) if checked else None
