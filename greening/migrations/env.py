"""Alembic environment: the same migrations on SpatiaLite and PostGIS."""
from __future__ import annotations

import re

from alembic import context
from geoalchemy2 import alembic_helpers

from greening.db import get_engine, is_sqlite
from greening.models import Base

# SpatiaLite's own tables are not ours to migrate.
SPATIALITE_TABLES = {
    "KNN", "KNN2", "data_licenses", "sql_statements_log", "SpatialIndex", "ElementaryGeometries",
    "spatial_ref_sys_aux", "geometry_columns_auth", "geometry_columns_statistics",
    "geometry_columns_field_infos", "geometry_columns_time", "views_geometry_columns_auth",
    "views_geometry_columns_statistics", "views_geometry_columns_field_infos",
    "virts_geometry_columns_auth", "virts_geometry_columns_statistics",
    "virts_geometry_columns_field_infos", "spatialite_history", "spatial_ref_sys",
    "sqlite_sequence", "alembic_version",
}


# PostGIS only (migration 0006, docs/database.md): the partitions of plantings and the table keeping its
# unique submission ids. They are not in the models; autogenerate must not propose dropping them.
POSTGIS_PLANTING_TABLES = re.compile(r"^(plantings_c[0-9]{6}|plantings_default|planting_submissions)$")


def include_object(obj, name, obj_type, reflected, compare_to):
    if obj_type == "table" and (name in SPATIALITE_TABLES or name.startswith("idx_")):
        return False
    if obj_type == "table" and reflected and compare_to is None and POSTGIS_PLANTING_TABLES.match(name or ""):
        return False
    return alembic_helpers.include_object(obj, name, obj_type, reflected, compare_to)


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # pragma: no cover - the alembic command line
        connection = get_engine().connect()
    sqlite = is_sqlite(connection)
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        render_as_batch=sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys = ON")


run_migrations()
