"""Create or upgrade the database schema with Alembic (both backends)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from greening.db import get_engine

__all__ = ["upgrade", "alembic_config", "current_revision"]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine | None = None, revision: str = "head") -> None:
    """Bring the database to ``revision`` (default the newest). Safe to run repeatedly."""
    engine = engine or get_engine()
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def current_revision(engine: Engine | None = None) -> str | None:
    engine = engine or get_engine()
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
