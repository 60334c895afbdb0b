"""Importers for the files users actually have: boundary layers and planting ledgers.

Modules (import from them directly; this package imports nothing itself):

- ``errors``: the catalogue of file-level and row-level problems, each with a stable code and a
  Chinese and English message.
- ``fields``: parsing and checking of single values (counts, dates, species, site types,
  datums), shared with the planting form (:mod:`greening.services.plantings`).
- ``encoding``: text encoding detection (CSV files, shapefile ``.dbf`` attributes).
- ``columns``: header matching for the ledger template and KoboToolbox / ODK Central exports.
- ``template``: the downloadable ledger template (Excel and CSV).
- ``ledger``: verify a planting ledger (CSV/Excel), then write its valid rows in one transaction.
- ``boundary_files``: reading boundary layers (Shapefile, zipped Shapefile, GeoPackage, GeoJSON)
  with their encoding and coordinate system.
- ``boundaries``: plan a town/village boundary import (dry run), then apply it.
- ``relocate``: re-assign plantings to villages by location after a boundary change.

Every importer verifies first and writes nothing until the caller applies the verified result.
"""

__all__: list[str] = []
