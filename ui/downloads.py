"""Download buttons for tables: CSV and Excel through greening.exports (formula-safe cells, OWASP)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.i18n_st import tr

__all__ = ["download_buttons"]


def _csv(frame: pd.DataFrame) -> bytes:
    from greening.exports import to_csv_bytes

    return to_csv_bytes(frame)


def _xlsx(frame: pd.DataFrame) -> bytes:
    from greening.exports import to_xlsx_bytes

    return to_xlsx_bytes(frame)


def download_buttons(frame: pd.DataFrame, stem: str, *, key: str) -> None:
    """CSV and Excel download buttons side by side."""
    left, right = st.columns(2)
    left.download_button(tr("common.download_csv"), _csv(frame), file_name=f"{stem}.csv", mime="text/csv",
                         key=f"{key}_csv", width="stretch")
    right.download_button(tr("common.download_xlsx"), _xlsx(frame), file_name=f"{stem}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"{key}_xlsx", width="stretch")
