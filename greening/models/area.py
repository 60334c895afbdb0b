"""Administrative areas: the city, its 9 county-level units, towns/streets and villages.

One table for every level keeps the scope rule simple: an area's 12-digit code starts with the
code prefix of every area that contains it (city 4408, county 6 digits, town 9, village 12).
"""
from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greening.models.base import WGS84, Base, Tracked

__all__ = ["AdminArea"]


class AdminArea(Tracked, Base):
    __tablename__ = "admin_areas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True, nullable=False)
    level: Mapped[str] = mapped_column(String(8), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"), index=True)
    # Scope prefix, derived from code and level (greening.area_codes.code_prefix); indexed for LIKE 'prefix%'.
    scope_prefix: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=WGS84, spatial_index=True), nullable=True)
    area_m2: Mapped[float | None] = mapped_column(Float)
    # Representative point (inside the polygon) for labels and markers.
    label_lon: Mapped[float | None] = mapped_column(Float)
    label_lat: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(String(200))
    source_crs: Mapped[str | None] = mapped_column(String(60))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    parent: Mapped[AdminArea | None] = relationship(remote_side="AdminArea.id")

    def __repr__(self) -> str:
        return f"<AdminArea {self.level} {self.code} {self.name}>"
