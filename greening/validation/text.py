"""Text as users type and files carry it: one cleaning rule for forms, care checks and imports.

:func:`clean_text` folds full-width forms (NFKC: ``（示例）`` becomes ``(示例)``, ``１２`` becomes
``12``), trims surrounding space, enforces a length limit and refuses characters no database
should store: NUL (``\\x00``, which PostgreSQL refuses outright and SQLite would keep, so the two
backends would disagree) and lone UTF-16 surrogates (which cannot be encoded). Refusing, not
stripping: nothing is stored that is not what was typed. The same function runs on both
databases and behind every form and importer, so a value is refused the same way everywhere.

:func:`keep_text` is the same rule without the folding, for what must stay as typed: a person's name
(``李四（队长）``, where full-width brackets and punctuation are part of how it is written).

:func:`name_key` is the form in which two names are compared (a file's ``甲村（示例）`` is the
database's ``甲村(示例)``).
"""
from __future__ import annotations

import math
import re
import unicodedata

from greening.validation.errors import FieldError

__all__ = ["clean_text", "keep_text", "check_text", "is_blank", "name_key", "same_name", "bad_character",
           "split_zh_en"]

_BAD = re.compile("[\x00\ud800-\udfff]")


def is_blank(value) -> bool:
    """None, NaN, or text that is only white space."""
    if value is None:
        return True
    kind = type(value)
    if kind is str:
        return not value or value.isspace()
    if kind is float:
        return value != value
    return isinstance(value, float) and math.isnan(value)


def bad_character(text: str) -> tuple[int, str] | None:
    """``(1-based position, name)`` of the first character that cannot be stored, else None."""
    if text.isascii() and "\x00" not in text:
        return None
    match = _BAD.search(text)
    if match is None:
        return None
    char = match.group()
    return match.start() + 1, "NUL" if char == "\x00" else f"U+{ord(char):04X}"


def check_text(text: str, field: str | None = None) -> str:
    """``text`` unchanged, or :class:`FieldError` ``text_bad_character`` naming the character and where."""
    found = bad_character(text)
    if found is not None:
        raise FieldError("text_bad_character", field, position=found[0], character=found[1])
    return text


def clean_text(value, limit: int | None = None, field: str | None = None) -> str | None:
    """Text with full-width forms folded and surrounding space removed; blank gives None.

    Refuses (:class:`FieldError`) text longer than ``limit`` and characters that cannot be stored.
    """
    if is_blank(value):
        return None
    if type(value) is str and value.isascii():
        text = value.strip()
    else:
        text = str(value)
        check_text(text, field)  # before NFKC, which could hide where the character was
        text = unicodedata.normalize("NFKC", text).strip()
    check_text(text, field)
    if limit is not None and len(text) > limit:
        raise FieldError("text_too_long", field, length=len(text), limit=limit)
    return text


def keep_text(value, limit: int | None = None, field: str | None = None) -> str | None:
    """Text as typed, surrounding space (also full-width) removed; blank gives None.

    Refuses like :func:`clean_text` (characters that cannot be stored, text longer than ``limit``),
    but folds nothing: ``李四（队长）`` stays ``李四（队长）``.
    """
    if is_blank(value):
        return None
    text = check_text(str(value), field).strip()
    if limit is not None and len(text) > limit:
        raise FieldError("text_too_long", field, length=len(text), limit=limit)
    return text


def split_zh_en(text: str) -> tuple[str, str]:
    """``("中文", "English")`` from a ``"中文 / English"`` message (the whole text twice if it has no " / ")."""
    zh, sep, en = str(text).partition(" / ")
    return (zh, en) if sep else (str(text), str(text))


def name_key(value) -> str | None:
    """A name as it is compared: NFKC-folded, without white space; blank gives None."""
    if is_blank(value):
        return None
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def same_name(a, b) -> bool:
    """Whether two names are the same once full-width forms and spaces are folded."""
    return name_key(a) == name_key(b)
