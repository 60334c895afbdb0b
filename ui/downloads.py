"""Download buttons for tables: CSV and Excel through greening.exports (formula-safe cells)."""
from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from ui.i18n_st import tr

__all__ = ["download_buttons", "safe_cells"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as formulas get a leading apostrophe; numbers stay numbers."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v)
    return out


def _csv(frame: pd.DataFrame) -> bytes:
    try:
        from greening.exports import to_csv_bytes
        return to_csv_bytes(frame)
    except ImportError:
        return safe_cells(frame).to_csv(index=False).encode("utf-8-sig")  # BOM: Excel opens it as UTF-8


def _xlsx(frame: pd.DataFrame) -> bytes:
    try:
        from greening.exports import to_xlsx_bytes
        return to_xlsx_bytes(frame)
    except ImportError:
        buf = io.BytesIO()
        safe_cells(frame).to_excel(buf, index=False)
        return buf.getvalue()


def download_buttons(frame: pd.DataFrame, stem: str, *, key: str) -> None:
    """CSV and Excel download buttons side by side."""
    left, right = st.columns(2)
    left.download_button(tr("common.download_csv"), _csv(frame), file_name=f"{stem}.csv", mime="text/csv",
                         key=f"{key}_csv", width="stretch")
    right.download_button(tr("common.download_xlsx"), _xlsx(frame), file_name=f"{stem}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"{key}_xlsx", width="stretch")
