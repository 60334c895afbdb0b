"""The import page's glue: a dry run shown as a report, then one apply (greening.importers)."""
from __future__ import annotations

import streamlit as st

from greening.actor import Actor
from greening.config import get_settings
from greening.i18n import fmt_label
from greening.importers.boundaries import apply_boundary_import, plan_boundary_import
from greening.importers.ledger import apply_ledger, validate_ledger
from greening.validation import ImportFileError
from ui.engine import db_session
from ui.i18n_st import lang, tr
from ui.layout import md_escape, show_error

__all__ = ["ledger_import", "boundary_import"]


def _pick(zh_en: tuple[str, str]) -> str:
    return zh_en[1] if lang() == "en" else zh_en[0]


def _issues_table(issues) -> None:
    """逐行问题 in the page's language: its columns worded, the severity a word, the message in the
    page's language (the frame's columns are row, column, code, severity, zh, en, value). A wide
    screen has the table; a phone a card per problem, 「行号 3 · 列 · 级别」 over the message
    wrapped whole (:func:`ui.tables.phone_table`): the table scrolled sideways at 390 px, the
    message cut at the screen's edge."""
    from ui.tables import phone_table

    en = lang() == "en"
    shown = issues.drop(columns=["zh" if en else "en"]).rename(columns={"en" if en else "zh": "message"})
    shown["severity"] = shown["severity"].map(lambda v: tr(f"imports.severity.{v}") if v in _SEVERITIES else v)
    # a row number as a whole number (a file-level problem has none; the column is then float)
    shown["row"] = shown["row"].astype(object).map(lambda v: None if v is None or v != v else int(v))
    names = {c: tr(f"imports.col.{c}") for c in _ISSUE_COLUMNS}
    phone_table(shown, names, first=("row", "column", "severity"), wrap=("message",), key="ledger_issues",
                narrow={c: names[c] for c in ("row", "column", "severity", "message")})


_SEVERITIES = ("error", "warning", "info")
_ISSUE_COLUMNS = ("row", "column", "code", "severity", "message", "value")  # the wide table's, in order


def ledger_import(actor: Actor) -> None:
    upload = st.file_uploader(tr("imports.ledger_file"), type=["csv", "txt", "xlsx"], key="ledger_upload",
                              max_upload_size=get_settings().max_upload_mb)
    datums = {"wgs84": "WGS 84 (GPS)", "gcj02": tr("imports.datum.gcj02")}  # fixed in this run's language
    datum = st.radio(tr("imports.datum"), list(datums), horizontal=True, key="ledger_datum", format_func=datums.get)
    if upload is None:
        return
    data = upload.getvalue()
    done = st.session_state.get("ledger_done")
    if done and done[0] == (upload.name, len(data)):
        # this file was just imported: what was imported, on every rerun. Not the file checked again,
        # whose 「已导入过 1 行」 and 「没有可导入的行」 read as if the import had failed.
        st.success(done[1])
        st.caption(tr("imports.done_hint"))
        return
    try:
        with db_session(actor) as s:  # the dry run only reads
            report = validate_ledger(s, actor, data, upload.name, datum=datum)
    except (ImportFileError, PermissionError) as exc:
        show_error(exc)
        return
    s_ = report.summary()
    st.info(md_escape(tr("imports.summary", filename=s_["filename"], source=report.source, total=s_["total_rows"],
                         valid=s_["valid_rows"], errors=s_["error_rows"], warnings=s_["warning_rows"],
                         again=s_["already_imported"])))
    if report.date_note:
        st.caption(md_escape(_pick(report.date_note)))
    with st.expander(tr("imports.columns")):
        st.dataframe([{tr("imports.col.field"): k, tr("imports.col.column"): v} for k, v in report.columns.items()],
                     hide_index=True)
        if report.ignored_columns:
            st.caption(md_escape(tr("imports.ignored", columns="、".join(report.ignored_columns))))
    issues = report.issues_frame()
    if len(issues):
        st.subheader(tr("imports.issues"))
        _issues_table(issues)
    if not report.valid_rows:
        st.warning(tr("imports.nothing"))
        return
    accept = st.checkbox(tr("imports.accept_valid"), value=not report.error_rows, key="ledger_accept")
    if st.button(tr("imports.apply"), type="primary", key="ledger_apply", width="stretch"):
        try:
            with db_session(actor, write=True) as s:
                result = apply_ledger(s, actor, report, accept_valid_rows=accept)
        except (ValueError, PermissionError) as exc:
            show_error(exc)
            return
        said = tr("imports.applied", inserted=result.inserted, skipped=result.skipped, refused=result.refused_rows)
        st.session_state["ledger_done"] = ((upload.name, len(data)), said)
        st.rerun()  # the report again, now counting the rows as imported, under the result


def boundary_import(actor: Actor) -> None:
    upload = st.file_uploader(tr("imports.boundary_file"), type=["zip", "gpkg", "geojson", "json"],
                              key="boundary_upload", max_upload_size=get_settings().max_upload_mb)
    create_towns = st.checkbox(tr("imports.create_towns"), key="boundary_create_towns")
    keep_demo = st.checkbox(tr("imports.keep_demo"), key="boundary_keep_demo")
    if upload is None:
        return
    done = st.session_state.get("boundary_done")
    if done and done[0] == (upload.name, upload.size):
        st.success(done[1])
    try:
        with db_session(actor) as s:
            plan = plan_boundary_import(s, upload.getvalue(), filename=upload.name, create_towns=create_towns,
                                        retire_demo=not keep_demo)
    except ImportFileError as exc:
        show_error(exc)
        return
    counts = plan.counts()
    st.info(md_escape(tr("imports.plan", filename=plan.source, crs=plan.crs, crs_source=plan.crs_source, **counts)))
    if plan.missing_towns and not create_towns:
        st.warning(md_escape(tr("imports.missing_towns", n=len(plan.missing_towns),
                                codes="、".join(plan.missing_towns))))
    for item in plan.refused[:50]:  # the reasons in full, not cut off in a table cell
        reason = item.reason_en if lang() == "en" else item.reason_zh
        st.error(md_escape(fmt_label(f"{item.code or '—'} {item.name or ''}".strip(), reason, lang())))
    frame = plan.frame().drop(columns=["reason_en" if lang() == "zh" else "reason_zh"])
    st.dataframe(frame, hide_index=True)
    if st.button(tr("imports.apply"), type="primary", key="boundary_apply",
                 disabled=not (counts["add"] or counts["change"] or counts["retire"]), width="stretch"):
        try:
            with db_session(actor, write=True) as s:
                result = apply_boundary_import(s, actor, plan, accept_valid=True)
        except (ValueError, PermissionError) as exc:
            show_error(exc)
            return
        said = tr("imports.boundaries_applied", added=result.added, changed=result.changed, retired=result.retired,
                  moved=result.plantings.moved)
        st.session_state["boundary_done"] = ((upload.name, upload.size), said)
        st.rerun()
