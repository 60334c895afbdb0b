"""Validation shared by the forms and the importers: one catalogue, one error style, one text rule.

- :mod:`greening.validation.catalogue`: the stable codes and their Chinese/English messages, and
  :class:`~greening.validation.catalogue.Issue` (one problem in one row of a file); the codes for
  refusing one action (accounts, review, areas, shapes, exports) come from
  :mod:`greening.validation.action_codes`;
- :mod:`greening.validation.errors`: the refusal classes (:class:`Refusal`, :class:`FieldError`,
  :class:`ImportFileError`), all with ``code``, ``zh``, ``en`` and ``params``;
- :mod:`greening.validation.text`: cleaning and checking text (full-width forms, NUL, length);
- :mod:`greening.validation.values`: counts, areas, dates, species, site types, datums, points;
- :mod:`greening.validation.records`: the planting record's fields, declared once (limits, order
  of the ledger's bulk insert, the fields an edit may change).
"""
from greening.validation.catalogue import CATALOGUE, Code, Issue, catalogue_rows, issue, message
from greening.validation.errors import FieldError, ImportFileError, Refusal, Refused, file_error, refusal
from greening.validation.text import check_text, clean_text, is_blank, name_key, same_name

__all__ = ["CATALOGUE", "Code", "Issue", "catalogue_rows", "issue", "message", "FieldError", "ImportFileError",
           "Refusal", "Refused", "file_error", "refusal", "check_text", "clean_text", "is_blank", "name_key",
           "same_name"]
