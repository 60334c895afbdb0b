"""The demo campaign's calendar: the 2024 planting season up to the article's "early June".

The article reports figures "as of early June" (截至6月上旬) of a campaign that began in 2023;
the demo places the campaign year in 2024 and takes 10 June 2024 as the reporting date. Planting
peaks around Arbor Day (植树节, 12 March), pauses over the Spring Festival (10 February 2024)
and continues at a lower rate into the rainy season.
"""
from __future__ import annotations

import datetime as dt

import numpy as np

__all__ = ["YEAR", "AS_OF", "SEASON_START", "LAST_PLANTING", "STALE_LAST", "STALE_CHECK_LAST",
           "season_weights", "to_dates"]

YEAR = 2024
AS_OF = dt.date(2024, 6, 10)
SEASON_START = dt.date(2024, 1, 2)
LAST_PLANTING = dt.date(2024, 6, 8)
#: Villages that stopped planting did so by this day (over 100 days before AS_OF) ...
STALE_LAST = dt.date(2024, 2, 25)
#: ... and nobody has checked on their trees since this day.
STALE_CHECK_LAST = dt.date(2024, 3, 31)

_EPOCH = np.datetime64(SEASON_START, "D")


def season_weights() -> np.ndarray:
    """Relative planting activity on each day from SEASON_START to LAST_PLANTING (sums to 1)."""
    days = np.arange((LAST_PLANTING - SEASON_START).days + 1)
    date = _EPOCH + days
    doy = (date - np.datetime64("2024-01-01", "D")).astype(int)
    arbor = (dt.date(2024, 3, 12) - dt.date(2024, 1, 1)).days
    spring = (dt.date(2024, 2, 10) - dt.date(2024, 1, 1)).days
    w = (0.35 + 3.0 * np.exp(-0.5 * ((doy - arbor) / 13.0) ** 2)
         + 0.9 * np.exp(-0.5 * ((doy - arbor - 40) / 20.0) ** 2))
    w *= 1.0 - 0.75 * np.exp(-0.5 * ((doy - spring) / 4.0) ** 2)
    return w / w.sum()


def to_dates(offsets) -> np.ndarray:
    """Day offsets from SEASON_START as numpy ``datetime64[D]``."""
    return _EPOCH + np.asarray(offsets, dtype=np.int64)


def offset(day: dt.date) -> int:
    """Days from SEASON_START to ``day``."""
    return (day - SEASON_START).days
