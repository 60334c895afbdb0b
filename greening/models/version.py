"""Data versions: one counter per county (and one for the whole city) bumped by every write.

Pages cache query results per process; several app processes share one database. A cached result
is keyed by the counters of the area it covers (:mod:`greening.data_version`), so a write made
through any process changes the key everywhere on the next rerun.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from greening.models.base import Base

__all__ = ["DataVersion"]


class DataVersion(Base):
    """``scope``: a 6-digit county code, or ``*`` for changes that are not inside one county."""

    __tablename__ = "data_versions"

    scope: Mapped[str] = mapped_column(String(12), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
