"""Tables: user-supplied text is shown by st.dataframe as plain text (never HTML or markdown)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from greening.i18n import plan_name
from greening.models.enums import AttestationStatus, MeasureLevel
from ui.i18n_st import label, lang, tr

__all__ = ["show_table", "phone_table", "phone_cards", "phone_rows", "PHONE_PAGE", "PHONE_PX", "english_names", "town_rollup", "checklist_frame", "checklist_table"]


def show_table(frame: pd.DataFrame, names: dict[str, str], *, height: int | str = "auto", key: str | None = None,
               column_config: dict | None = None, dates: tuple[str, ...] = (), counts: tuple[str, ...] = ()) -> None:
    """``frame``'s columns ``names`` (in that order), headed by their labels; an info line when empty.
    The columns named in ``dates`` are written as every page writes a date (2024年6月8日 / 8 Jun 2024),
    those in ``counts`` with thousands separators (35,294; still numbers: they sort as numbers)."""
    if frame is None or not len(frame):
        st.info(tr("common.no_data"))
        return
    shown = _shown(frame, names, dates)
    column_config = {**{c: st.column_config.NumberColumn(format="localized") for c in counts if c in frame.columns},
                     **(column_config or {})}
    config = {names.get(k, k) or k: v for k, v in column_config.items()}
    st.dataframe(shown, hide_index=True, width="stretch", height=height, key=key, column_config=config)


def _shown(frame: pd.DataFrame, names: dict[str, str], dates: tuple[str, ...] = ()) -> pd.DataFrame:
    """The columns ``names`` of ``frame`` in that order, headed by their labels, dates written out."""
    if dates:
        from greening.i18n import fmt_date

        lg = lang()
        frame = frame.assign(**{c: frame[c].map(lambda d: fmt_date(d, lg)) for c in dates if c in frame.columns})
    cols = [c for c in names if c in frame.columns]
    return english_names(frame[cols]).rename(columns={c: names[c] or c for c in cols})


#: below this screen width a :func:`phone_table` is an HTML table (as ui.layout.PHONE_CSS styles it)
PHONE_PX = 640
_PHONE_TABLE_CSS = """<style>
@media (max-width:{px}px){{.st-key-{key}_wide{{display:none!important}}}}
@media (min-width:{wide}px){{.st-key-{key}_narrow{{display:none!important}}}}
</style>"""
_PHONE_ROWS = 8  # more rows than this: the phone's table scrolls inside a box this many rows high


def _cell(value):
    """A cell of the phone's table as text: whole numbers without ".0", nothing for a missing value."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


_NARROW_CSS = """<style>
@media (max-width:{px}px){{
  .st-key-{key}_narrow div[data-testid="stTable"] :is(th,td),
  .st-key-{key}_narrow div[data-testid="stTable"] :is(th,td) *{{white-space:normal !important;
    overflow-wrap:anywhere !important;word-break:keep-all !important}}
  .st-key-{key}_narrow div[data-testid="stTable"] :is(th,td):first-child,
  .st-key-{key}_narrow div[data-testid="stTable"] :is(th,td):first-child *{{white-space:nowrap !important}}
}}
</style>"""


def phone_table(frame: pd.DataFrame, names: dict[str, str], *, first: tuple[str, ...], key: str,
                height: int = 320, dates: tuple[str, ...] = (), wrap: tuple[str, ...] = (),
                narrow: dict[str, str] | None = None) -> None:
    """A table readable on a phone: on a wide screen :func:`show_table` (``names`` in order); on a
    phone (the browser shows one of the two by its width) a plain table with the ``first`` columns
    leading, every cell on one line and the rest scrolling sideways. ``st.dataframe`` on a phone
    showed 3 of the 督办单 list's 7 columns, without its state or days overdue, and cut 应查日期.

    ``wrap``: columns of long text (a reason) that must be read whole: the phone shows each row as a
    card instead, the ``first`` columns on its heading line, then every other column as
    「label：value」, these wrapped over as many lines as they take (a table cut 退回原因 at the
    screen's edge, and a team could not read why its record came back).

    ``narrow``: the phone's own columns (column -> label, in order) instead of ``names``: a few
    short ones, their cells wrapping (the first column's kept on one line), so the table fits the
    screen's width with nothing to scroll sideways (the 督办单 list needed it for its numbers)."""
    if frame is None or not len(frame):
        st.info(tr("common.no_data"))
        return
    st.html(_PHONE_TABLE_CSS.format(px=PHONE_PX, wide=PHONE_PX + 1, key=key))
    with st.container(key=f"{key}_wide"):
        show_table(frame, names, height=height if len(frame) > _PHONE_ROWS else "auto", key=key, dates=dates)
    ordered = narrow or ({c: names[c] for c in first if c in names} | names)
    if narrow:
        st.html(_NARROW_CSS.format(px=PHONE_PX, key=key))
    rows = phone_rows(key, len(frame))
    shown = _shown(frame.iloc[:rows], ordered, dates).astype(object).map(_cell)
    if wrap:
        heading = [names[c] or c for c in first if c in names and c in frame.columns]
        with st.container(key=f"{key}_narrow"):
            st.html(phone_cards(shown.reset_index(drop=True), heading, lang()))
            _more_rows(key, rows, len(frame))
        return
    with st.container(key=f"{key}_narrow"):
        with st.container(height=height if rows > _PHONE_ROWS else "content", border=False):
            st.table(shown.reset_index(drop=True), hide_index=True)
        _more_rows(key, rows, len(frame))


#: a phone's table or cards show this many rows at first, and this many more at each press
PHONE_PAGE = 50


def phone_rows(key: str, total: int) -> int:
    """How many of ``total`` rows the phone's table ``key`` shows: :data:`PHONE_PAGE`, and as many
    more for each press of its 「再显示」 (hundreds of rows drawn at once made the phone crawl)."""
    return min(total, int(st.session_state.get(f"{key}_phone_rows", PHONE_PAGE)))


def _show_more(key: str) -> None:
    st.session_state[f"{key}_phone_rows"] = phone_rows(key, 10**9) + PHONE_PAGE


def _more_rows(key: str, rows: int, total: int) -> None:
    """Under a phone's table that does not show all: how many are left, and a button for more."""
    if rows >= total:
        return
    st.caption(tr("table.more_rows", shown=f"{rows:,}", n=f"{total - rows:,}"))
    st.button(tr("table.show_more", n=min(PHONE_PAGE, total - rows)), key=f"{key}_more",
              on_click=_show_more, args=(key,), width="stretch")  # a thumb's width on a phone


_CARDS_CSS = """<style>
.gr-cards .gr-card{border:1px solid rgba(49,51,63,.2);border-radius:.5rem;padding:.45rem .7rem;margin:0 0 .5rem}
.gr-cards .gr-card-head{font-weight:600}
.gr-cards p{margin:.15rem 0 0;white-space:normal;overflow-wrap:anywhere;word-break:normal}
.gr-cards .gr-card-label{color:rgba(49,51,63,.7)}
</style>"""


def phone_cards(shown: pd.DataFrame, heading: list[str], lg: str) -> str:
    """``shown`` (columns headed by their labels) as HTML cards, every value escaped: the
    ``heading`` columns on one line joined by 「 · 」, each other non-empty column on a line of its
    own as 「label：value」, wrapped. A bare number on the heading line is named by its label (记录 2909)."""
    from html import escape

    from greening.i18n import fmt_label

    cards = []
    for row in shown.to_dict("records"):
        head = " · ".join(escape(f"{c} {row[c]}" if isinstance(row[c], int) else str(row[c]))
                          for c in heading if str(row[c]))
        lines = "".join(f'<p>{escape(fmt_label(str(c), str(v), lg))}</p>'
                        for c, v in row.items() if c not in heading and str(v))
        cards.append(f'<div class="gr-card"><div class="gr-card-head">{head}</div>{lines}</div>')
    return f'{_CARDS_CSS}<div class="gr-cards">{"".join(cards)}</div>'


# Columns holding a county's or a species' Chinese name, shown by their English names in English.
COUNTY_COLUMNS = ("county_name", "county")
SPECIES_COLUMNS = ("species", "species_name", "name_zh")


def english_names(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with county and species names in English when the tab is in English (the data
    has both: the shipped county boundaries and the species catalogue); other text untouched."""
    if lang() != "en":
        return frame
    from greening.geo.boundaries import COUNTIES
    from ui import data

    out = frame
    counties = {zh: en for zh, en in COUNTIES.values() if en}
    for col in (c for c in COUNTY_COLUMNS if c in frame.columns):
        out = out.assign(**{col: out[col].map(lambda v: counties.get(v, v))})
    species_cols = [c for c in SPECIES_COLUMNS if c in frame.columns]
    if species_cols:
        catalogue = data.species()
        english = {zh: en for zh, en in zip(catalogue["name_zh"], catalogue["name_en"], strict=False)
                   if isinstance(en, str) and en}
        for col in species_cols:
            out = out.assign(**{col: out[col].map(lambda v: english.get(v, v))})
    return out


def town_rollup(actor, area: str) -> pd.DataFrame:
    """The towns of ``area`` as the coverage roll-up computes them (the same figures as the export):
    coverage is measures met / applicable over all the town's villages and survival is trees alive /
    trees checked, both weighted, never a plain mean of village ratios."""
    from ui import data

    towns = data.coverage(actor).get("towns")
    if towns is None or not len(towns):
        return pd.DataFrame()
    towns = towns[towns["code"].astype(str).str.startswith(area)]
    return pd.DataFrame({
        "code": towns["code"].astype(str), "town_name": towns["name"], "villages": towns["villages"],
        "planned": towns["planned"], "planted": towns["trees"],
        "plan_completion": pd.to_numeric(towns["completion"], errors="coerce"),
        "coverage": pd.to_numeric(towns["coverage"], errors="coerce"),
        "survival": pd.to_numeric(towns["survival_rate"], errors="coerce"),
    }).reset_index(drop=True)


def checklist_frame(measures: pd.DataFrame, attestations: pd.DataFrame, rule_results=None,
                    area_code: str | None = None) -> pd.DataFrame:
    """One row per measure: plan, title, level, how evaluated, status and evidence for the area.

    ``rule_results`` (from the coverage module, when it gives one) maps measure ids to True/False
    for the area; attested measures take the attestation's status.
    """
    if measures is None or not len(measures):
        return pd.DataFrame()
    lg = lang()
    out = measures.copy()
    out["title"] = out["title_en"].fillna(out["title_zh"]) if lg == "en" else out["title_zh"]
    out["plan_name"] = out["plan"].map(lambda p: plan_name(p, lg))
    out["level_name"] = out["level"].map(lambda x: label(MeasureLevel, x))
    out["evaluation_name"] = out["evaluation"].map(lambda e: tr(f"measures.evaluation.{e}")
                                                   if e in ("rule", "attestation") else e)
    latest = (attestations.sort_values("attested_on").drop_duplicates("measure_id", keep="last")
              .set_index("measure_id") if attestations is not None and len(attestations) else pd.DataFrame())
    done = {}
    if isinstance(rule_results, pd.DataFrame) and area_code is not None and len(rule_results):
        sub = rule_results[rule_results.get("area_code", pd.Series(dtype=str)) == area_code]
        done = dict(zip(sub.get("measure_id", []), sub.get("done", []), strict=False))
    elif isinstance(rule_results, dict):
        done = rule_results

    def status(mid):
        if mid in latest.index:
            return label(AttestationStatus, latest.loc[mid, "status"])
        value = done.get(mid)
        if value is None:
            return "—"
        return tr("village.measure_done") if value else tr("village.measure_open")

    out["status_name"] = out["id"].map(status)
    out["evidence"] = out["id"].map(lambda m: latest.loc[m, "evidence"] if m in latest.index else "")
    return out


def checklist_table(measures, attestations, rule_results=None, area_code=None) -> None:
    frame = checklist_frame(measures, attestations, rule_results, area_code)
    if not len(frame):
        st.info(tr("measures.catalogue_missing"))
        return
    show_table(frame, {"id": "#", "plan_name": tr("measures.plan"), "title": tr("measures.measure"),
                       "level_name": tr("measures.level"), "evaluation_name": tr("measures.evaluation"),
                       "status_name": tr("common.status"), "evidence": tr("village.evidence")}, height=400)


def recent_table(frame: pd.DataFrame) -> None:
    """A few recent planting records as a plain HTML table (readable on a phone, text only)."""
    from greening.i18n import fmt_date
    from greening.models.enums import PlantingStatus, SiteType

    if frame is None or not len(frame):
        st.info(tr("common.no_data"))
        return
    lg = lang()
    frame = english_names(frame)  # the species in English on an English page (it stayed Chinese)
    # The state first after the date: on a phone the table scrolls sideways, and what a team
    # looks for is whether its records were checked.
    shown = pd.DataFrame({
        tr("common.date"): frame["planted_on"].map(lambda d: fmt_date(d, lg)),
        tr("common.status"): frame["status"].map(lambda x: label(PlantingStatus, x)),
        tr("common.species"): frame["species"],
        tr("common.trees"): frame["tree_count"],
        tr("common.village"): frame.get("village_name", pd.Series("", index=frame.index)),
        tr("common.site_type"): frame["site_type"].map(lambda x: label(SiteType, x)),
        tr("common.site_name"): frame["site_name"].fillna(""),
    })
    if "reject_reason" in frame and (frame["status"] == PlantingStatus.REJECTED.value).any():
        # A rejected record says why, so the team can put it right.
        shown[tr("team.reject_reason")] = frame["reject_reason"].where(
            frame["status"] == PlantingStatus.REJECTED.value).fillna("")
    st.table(shown.reset_index(drop=True))
