"""The catalogues the forms and pages show: species and the 56 measures. Read-only."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from greening.geodb import read_df
from greening.models import (
    Species,
)
from greening.services.area_views import live as _live

__all__ = ["species_frame", "measures_frame"]


def species_frame(conn) -> pd.DataFrame:
    """The species catalogue: ``id``, ``name_zh``, ``name_en``, ``name_latin``, ``category``."""
    return read_df(conn, select(Species.id, Species.name_zh, Species.name_en, Species.name_latin,
                                Species.category).where(_live(Species)).order_by(Species.name_zh))


def measures_frame(conn) -> pd.DataFrame:
    """The measure catalogue as stored (synchronised from the catalogue file by the set-up)."""
    from greening.models import Measure

    return read_df(conn, select(Measure.id, Measure.plan, Measure.title_zh, Measure.title_en, Measure.level,
                                Measure.evaluation, Measure.rule).order_by(Measure.plan, Measure.id))
