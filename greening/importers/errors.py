"""Moved to :mod:`greening.validation` (shared by forms and importers); this name still imports."""
from greening.validation.catalogue import CATALOGUE, Code, Issue, catalogue_rows, issue, message
from greening.validation.errors import ImportFileError, file_error

__all__ = ["Code", "CATALOGUE", "Issue", "ImportFileError", "issue", "file_error", "message",
           "catalogue_rows"]
