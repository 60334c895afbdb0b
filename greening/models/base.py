"""Declarative base, naming convention and the mixins shared by campaign records."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Integer, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

__all__ = ["Base", "Tracked", "utcnow", "WGS84"]

WGS84 = 4326

# Stable constraint names: Alembic batch migrations on SQLite need them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict: JSON, list: JSON}


class Tracked:
    """Who created and last changed a record, when, a soft-delete mark and a version counter.

    The version counter makes a stale edit fail (StaleDataError) instead of silently
    overwriting someone else's change.
    """

    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.current_timestamp())
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), onupdate=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    # User ids without a foreign key: users themselves live in an area, and the cycle
    # (areas -> users -> areas) would make the schema impossible to create in one pass.
    # The audit log is the authoritative record of who changed what.
    created_by_id: Mapped[int | None] = mapped_column(Integer, index=True)
    updated_by_id: Mapped[int | None] = mapped_column(Integer)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}
