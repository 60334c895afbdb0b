"""The lagging-village list on screen: filters by county, town and reason KIND, the villages as
cards that read on a phone (every reason in full, each responsible person with their role), and
the export with its own numeric columns and the village code."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from greening.area_codes import prefix_codes
from greening.coverage.lagging import REASON_WEIGHTS
from greening.i18n import fmt_label, fmt_people, t
from ui.i18n_st import lang, tr, translated
from ui.layout import md_escape

__all__ = ["REASON_KINDS", "ROLES", "filter_lagging", "lagging_cards", "export_frame", "responsible_lines"]

REASON_KINDS = tuple(REASON_WEIGHTS)  # behind_pace, no_plan, inactive, low_coverage, ...
ROLES = ("team_leader", "first_secretary", "town_leader", "county_leader", "city_leader")
PAGE_SIZE = 20


def _kinds_of(reason_list) -> set[str]:
    return {r[0] for r in (reason_list or [])}


def filter_lagging(lagging: pd.DataFrame) -> pd.DataFrame:
    """County, town and reason-kind pickers; the villages that pass them."""
    c1, c2, c3 = st.columns(3)
    all_ = tr("common.all")
    # The county by its code, named in the tab's language (Chinese, or the English/pinyin name).
    county_of = prefix_codes(lagging["code"], "county")
    names = _county_names(county_of, lagging["county_name"], lang())
    # An unknown value formats as itself, not as "all": after a language switch the browser sends the
    # other language's label (All / 全部), which Streamlit keeps when it formats like an option.
    county = translated(c1.selectbox, tr("common.county"), ["", *names], key="lag_county",
                          format_func=lambda c: all_ if c == "" else names.get(c, str(c)))
    shown = lagging if county not in names else lagging[county_of == county]
    town = c2.selectbox(tr("common.town"), [all_, *sorted(shown["town_name"].dropna().unique())], key="lag_town")
    shown = shown if town == all_ else shown[shown["town_name"] == town]
    present = set().union(*map(_kinds_of, lagging["reason_list"])) if len(lagging) else set()
    kinds = [k for k in REASON_KINDS if k in present] + sorted(present - set(REASON_KINDS))
    lg = lang()
    picked = translated(c3.multiselect, tr("lagging.filter_reason"), kinds, format_func=lambda k: kind_name(k, lg), key="lag_reasons",
                            placeholder=all_, select_all=False)
    if picked:
        shown = shown[shown["reason_list"].map(lambda rs: bool(_kinds_of(rs) & set(picked)))]
    return shown


def _county_names(codes: pd.Series, zh_names: pd.Series, lg: str) -> dict[str, str]:
    """County code -> name in ``lg`` for the counties present, in code order."""
    from greening.geo.boundaries import COUNTIES

    fallback = dict(zip(codes, zh_names.fillna(""), strict=True))
    out = {}
    for code in sorted(set(codes)):
        zh, en = COUNTIES.get(code, (fallback.get(code) or code, fallback.get(code) or code))
        out[code] = en if lg == "en" else zh
    return out


def kind_name(kind: str, lg: str | None = None) -> str:
    """The reason kind in words, in ``lg`` (the tab's language when not given)."""
    key = f"lagging.kind.{kind}"
    text = t(key, lg or lang())
    return kind if text == key else text


def _reasons(reason_list) -> list[str]:
    en = lang() == "en"
    return [e if en else z for _c, z, e in (reason_list or [])]


def responsible_lines(row) -> list[str]:
    """Each responsible person's text with their role: "护绿队长：张三（…）" (in English each post
    in English: "Team leader: 张三 (…)")."""
    out = []
    lg = lang()
    for role in ROLES:
        value = row.get(role)
        if isinstance(value, str) and value.strip():
            out.append(fmt_label(tr(f"lagging.role.{role}"), fmt_people(value, lg), lg))
    return out


def lagging_cards(shown: pd.DataFrame) -> None:
    """One card per village (a page at a time): rank, name, town and county, reasons, people."""
    from ui.tables import english_names

    shown = english_names(shown)
    pages = max(1, -(-len(shown) // PAGE_SIZE))
    page = 1
    if pages > 1:
        page = int(st.number_input(tr("lagging.page"), min_value=1, max_value=pages, value=1, step=1,
                                   key="lag_page"))
        st.caption(tr("lagging.pages", page=page, pages=pages, size=PAGE_SIZE))
    first = (page - 1) * PAGE_SIZE
    # numbered within the list shown (a town lead's 3 villages are 1-3, not their city ranks 8, 10, 13)
    for number, row in enumerate(shown.iloc[first: page * PAGE_SIZE].to_dict("records"), first + 1):
        with st.container(border=True):
            place = " · ".join(md_escape(v) for v in (row.get("town_name"), row.get("county_name"))
                               if isinstance(v, str) and v)
            st.markdown(f"**{number}. {md_escape(row['name'])}** · {place}")
            st.markdown("\n".join(f"- {md_escape(r)}" for r in _reasons(row.get("reason_list"))))
            people = responsible_lines(row)
            st.caption("  \n".join(md_escape(p) for p in people) if people else tr("lagging.nobody"))


def _pct(series: pd.Series) -> pd.Series:
    return (pd.to_numeric(series, errors="coerce") * 100).round(1)


def export_frame(shown: pd.DataFrame, villages: pd.DataFrame | None = None) -> pd.DataFrame:
    """The download: codes, names, numbers in their own columns (shares as %), reasons, people."""
    from ui.tables import english_names

    frame = english_names(shown.copy())
    if villages is not None and len(villages):
        extra = pd.DataFrame(villages)[["code", "planned", "planted"]]
        frame = frame.drop(columns=["planned", "planted"], errors="ignore").merge(extra, on="code", how="left")

    def col(name):
        return frame[name] if name in frame else pd.Series([None] * len(frame), index=frame.index)

    # lists are joined in the tab's language: 、 and ； in Chinese, "; " in English (people: ", ")
    lg = lang()
    kinds_sep, reasons_sep = ("; ", "; ") if lg == "en" else ("、", "；")

    out = pd.DataFrame({
        tr("lagging.rank"): col("rank"),
        tr("lagging.col.code"): col("code").astype(str),
        tr("common.village"): col("name"),
        tr("common.town"): col("town_name"),
        tr("common.county"): col("county_name"),
        tr("lagging.col.severity"): pd.to_numeric(col("severity"), errors="coerce"),
        tr("lagging.col.completion"): _pct(col("completion")),
        tr("lagging.col.expected"): _pct(col("expected_pace")),
        tr("lagging.col.planned"): pd.to_numeric(col("planned"), errors="coerce"),
        tr("lagging.col.planted"): pd.to_numeric(col("planted"), errors="coerce"),
        tr("lagging.col.coverage"): _pct(col("coverage")),
        tr("lagging.col.survival"): _pct(col("survival_rate")),
        tr("lagging.col.days_inactive"): pd.to_numeric(col("days_inactive"), errors="coerce"),
        tr("lagging.col.kinds"): col("reason_list").map(
            lambda rs: kinds_sep.join(kind_name(k) for k, _z, _e in rs or [])),
        tr("lagging.reasons"): col("reason_list").map(lambda rs: reasons_sep.join(_reasons(rs))),
        **{tr(f"lagging.role.{role}"): col(role).map(lambda v: fmt_people(v, lg) if isinstance(v, str) else v)
           for role in ROLES},
        tr("lagging.col.phone"): col("team_leader_phone"),
    })
    return out.reset_index(drop=True)
