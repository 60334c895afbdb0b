"""The app's database: one engine per configured URL, and sessions bound to the acting user."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.config import get_settings
from greening.db import get_engine, read_session, session_scope
from greening.permissions import install_scope

__all__ = ["engine", "db_session"]


def engine():
    """The engine of the configured database (one per URL for the whole process)."""
    return get_engine(get_settings().resolved_database_url)


@contextlib.contextmanager
def db_session(actor: Actor, *, write: bool = False) -> Iterator[Session]:
    """A database session bound to ``actor``: reads scoped to its area, writes audited as it.

    ``write=True`` commits at the end (all or nothing); otherwise nothing is written.
    """
    with (session_scope if write else read_session)(engine()) as session:
        install_scope(session, actor)
        yield session
