"""Designations, greening teams, people sent to serve and their assignments."""
from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greening.models.area import AdminArea
from greening.models.base import WGS84, Base, Tracked

__all__ = ["Designation", "GreeningTeam", "Institution", "Person", "Assignment"]


class Designation(Tracked, Base):
    """A demonstration town/village/belt, industry model, beautiful courtyard or theme forest."""

    __tablename__ = "designations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"), index=True)
    area_code: Mapped[str | None] = mapped_column(String(12), index=True)
    # A point (a model site, a courtyard) or a polygon/line (a belt, a theme forest).
    geom = mapped_column(Geometry("GEOMETRY", srid=WGS84, spatial_index=True), nullable=True)
    description: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    area: Mapped[AdminArea | None] = relationship()


class GreeningTeam(Tracked, Base):
    """A village Party-member greening team (村级党员护绿队); one per village-level unit."""

    __tablename__ = "greening_teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("admin_areas.id"), nullable=False, index=True)
    village_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    leader_name: Mapped[str | None] = mapped_column(String(60))
    leader_phone: Mapped[str | None] = mapped_column(String(30))
    members: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    party_members: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    founded_on: Mapped[dt.date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    village: Mapped[AdminArea] = relationship()


class Institution(Tracked, Base):
    """A college or institute whose experts pair with towns (院校)."""

    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    kind: Mapped[str | None] = mapped_column(String(40))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class Person(Tracked, Base):
    """Someone serving the campaign: cadre, first secretary, instructor, expert, worthy, leader."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    title: Mapped[str | None] = mapped_column(String(120))  # rank or post, e.g. 副处级 / 副市长
    phone: Mapped[str | None] = mapped_column(String(30))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    institution: Mapped[Institution | None] = relationship()
    assignments: Mapped[list[Assignment]] = relationship(back_populates="person")


class Assignment(Tracked, Base):
    """A person serving an area (village, town or county) for a period."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), nullable=False, index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("admin_areas.id"), nullable=False, index=True)
    area_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False)  # a PersonKind value
    start_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_on: Mapped[dt.date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship(back_populates="assignments")
    area: Mapped[AdminArea] = relationship()
