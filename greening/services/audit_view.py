"""The audit trail as people read it: each change's fields as 「field: value」 lines in the reader's
language, and 「—」 where the trail holds nothing (the page showed ``None`` and raw JSON).

The values stay text: the page shows them in a table that never reads HTML or markdown.
"""
from __future__ import annotations

import json

import pandas as pd

from greening.i18n import STRINGS, fmt_label, normalise_lang, t

__all__ = ["MISSING", "field_lines", "readable_trail", "change_rows"]

MISSING = "—"
#: the columns of :func:`greening.services.audit_trail.audit_trail` that may be empty
_MAYBE_EMPTY = ("username", "user_id", "record_id", "scope_code", "note")


def _sep(lang: str) -> str:
    """Between two 「field: value」 parts on one line: 「；」 in Chinese, "; " in English."""
    return "; " if normalise_lang(lang) == "en" else "；"


def _field(name: str, lang: str) -> str:
    key = f"audit.field.{name}"
    return t(key, lang) if key in STRINGS else name


def _value(value, lang: str) -> str:
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool):
        return t(f"audit.value.{str(value).lower()}", lang)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def _fields(stored) -> dict | str | None:
    """The JSON text a trail stores for before or after: its fields, other text as it is, or None."""
    if not isinstance(stored, str) or stored in ("", "null"):  # None, or pandas' NaN for it
        return None
    try:
        data = json.loads(stored)
    except (TypeError, ValueError):
        return stored
    return data if isinstance(data, dict) or data is None else stored


def field_lines(stored: str | None, lang: str = "zh", *, skip_empty: bool = False, sep: str = "\n") -> str:
    """A trail's before or after (the JSON text it stores) as one 「field: value」 line per field,
    in field order, joined by ``sep``; ``skip_empty``: fields without a value left out (a new
    record's unset ones). Nothing stored, or no fields: 「—」. Other text is shown as it is."""
    data = _fields(stored)
    if data is None:
        return MISSING
    if not isinstance(data, dict):
        return data
    lines = [fmt_label(_field(k, lang), _value(v, lang), lang) for k, v in data.items()
             if not (skip_empty and (v is None or v == ""))]
    return sep.join(lines) or MISSING


def change_rows(before: str | None, after: str | None, lang: str = "zh") -> pd.DataFrame:
    """One entry's change as rows ``field, before, after``: every field it touched (an update
    stores only those; a new record's empty fields left out), named in ``lang``, 「—」 for none."""
    old, new = _fields(before), _fields(after)
    old = old if isinstance(old, dict) else {}
    new = new if isinstance(new, dict) else {}
    names = list(old) + [k for k in new if k not in old]
    rows = [(_field(k, lang), _value(old.get(k), lang), _value(new.get(k), lang)) for k in names
            if k in old or new.get(k) not in (None, "")]
    return pd.DataFrame(rows, columns=["field", "before", "after"])


def readable_trail(df: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """``df`` (audit rows as :func:`audit_trail` gives them) with before and after as
    「field: value」 parts on one line (a table's cell shows one; a new record's empty fields left
    out) and 「—」 in every empty cell of the columns that may be empty."""
    out = df.copy()
    created = out["action"].eq("create") if "action" in out else pd.Series(False, index=out.index)
    for col in ("before", "after"):
        if col in out:
            out[col] = [field_lines(v, lang, skip_empty=bool(c), sep=_sep(lang))
                        for v, c in zip(out[col], created, strict=True)]
    for col in (c for c in _MAYBE_EMPTY if c in out):
        out[col] = [MISSING if v is None or v is pd.NA or (isinstance(v, float) and v != v) or v == ""
                    else str(v) for v in out[col]]
    return out
