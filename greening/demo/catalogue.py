"""The species catalogue (``data/species.csv``): real species, so never marked as demo data.

The twelve species the campaign names as common (小叶榄仁 ... 沉香) come first, then other trees,
fruit trees, shrubs and bamboo planted in Zhanjiang's villages. Latin names follow Flora of
China / POWO; ``native`` means native to South China. An administrator may extend the file.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from greening.config import REPO_ROOT
from greening.models.enums import SpeciesCategory
from greening.validation.errors import Refusal

__all__ = ["SPECIES_FILE", "load_species_catalogue"]

SPECIES_FILE = REPO_ROOT / "data" / "species.csv"
_COLUMNS = ["name_zh", "name_latin", "name_en", "category", "native"]


def load_species_catalogue(path: str | Path | None = None) -> pd.DataFrame:
    """The catalogue as a DataFrame with columns name_zh, name_latin, name_en, category, native.

    Raises ValueError naming the file and the bad row when a column is missing, a category is
    not one of :class:`~greening.models.enums.SpeciesCategory`, ``native`` is not true/false,
    or a Chinese name repeats.
    """
    path = Path(path) if path is not None else SPECIES_FILE
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        raise Refusal.of("species_file_columns", path=path, missing=missing)
    frame = frame[_COLUMNS].apply(lambda col: col.str.strip())
    valid = {c.value for c in SpeciesCategory}
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        if not row.name_zh:
            raise Refusal.of("species_row_no_name", path=path, row=i)
        if row.category not in valid:
            raise Refusal.of("species_row_category", path=path, row=i, value=row.category, choices=sorted(valid))
        if row.native.lower() not in {"true", "false"}:
            raise Refusal.of("species_row_native", path=path, row=i, value=row.native)
    dupes = frame["name_zh"][frame["name_zh"].duplicated()].tolist()
    if dupes:
        raise Refusal.of("species_repeated", path=path, names=dupes)
    frame["native"] = frame["native"].str.lower() == "true"
    for col in ("name_latin", "name_en"):
        frame[col] = frame[col].where(frame[col] != "", None)
    return frame.reset_index(drop=True)
