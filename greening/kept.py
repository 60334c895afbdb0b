"""Results kept on disk between server processes, valid while the database's history holds them.

Some reads take seconds at 10^6 stored plantings (the coverage of the city, the city's heat map),
and every new server process (a restart, another replica on the same machine) would make them
again. :func:`write` keeps such a result in a file named by what it is of (the database's URL,
the kind of result and its key, which holds the data versions it was read at,
:mod:`greening.data_version`) and by a hash of the code and settings that make it; :func:`read`
gives it back to a process asking for the same thing.

Data versions are counters in the database: a database created again, or restored from a backup
and written to since, counts from lower values again, and a result kept under the same counters
would be another history's. So each file also holds a mark of the history it was read in: the
id and time of the database's latest audit row (:mod:`greening.audit`; the audit log is
append-only), read after the result; :func:`read` gives the result only while the database holds
that row with that time.

A file that cannot be read is ignored (the result is made again); one that cannot be written is
skipped. Files are replaced whole (written beside, then renamed), so several processes can keep
and read the same result. They live in ``GREENING_DATA_DIR``'s ``cache`` folder, readable by the
server's user alone: they hold records as the database does. Files not written for a week are
removed when another is written (a test run's databases, a database moved away).
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import os
import pickle
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

__all__ = ["audit_mark", "mark_holds", "path_of", "read", "write", "Mark", "FORMAT"]

log = logging.getLogger(__name__)

#: changes when what a kept file holds changes shape (the code's own hash is in the name too)
FORMAT = 1
#: kept files unused this long are removed
STALE_AFTER_S = 7 * 86400
#: the code whose results are kept (a change to any of it makes every name another)
_PACKAGES = ("coverage", "greencover", "supervision", "models", "services")
_FILES = ("measures.py", "area_codes.py", "config.py", "kept.py", "geodb.py", "permissions.py")

Mark = tuple[int, str]


def audit_mark(conn) -> Mark | None:
    """The id and time of the database's latest audit row (None before any)."""
    from greening.models import AuditLog

    row = conn.execute(select(AuditLog.id, AuditLog.at).order_by(AuditLog.id.desc()).limit(1)).first()
    return None if row is None else (int(row[0]), _moment(row[1]))


def mark_holds(conn, mark: Mark | None) -> bool:
    """Whether the database's history still holds ``mark`` (its audit row, with the same time)."""
    from greening.models import AuditLog

    if mark is None:
        return False
    at = conn.execute(select(AuditLog.at).where(AuditLog.id == mark[0])).scalar()
    return at is not None and _moment(at) == mark[1]


def _moment(at) -> str:
    if isinstance(at, dt.datetime) and at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return str(at)


@functools.cache
def _source_hash() -> str:
    root = Path(__file__).resolve().parent
    h = hashlib.sha256(str(FORMAT).encode())
    files = sorted(p for pkg in _PACKAGES for p in (root / pkg).rglob("*.py"))
    for path in [*files, *(root / name for name in _FILES)]:
        h.update(path.read_bytes())
    return h.hexdigest()


def _code_hash() -> str:
    from greening.config import get_settings

    return hashlib.sha256(f"{_source_hash()}|{get_settings()!r}".encode()).hexdigest()[:16]


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text)


def path_of(folder: Path, url: str, kind: str, what: str, versions: str = "") -> Path:
    """The file keeping the result ``kind`` of ``what`` (an area, say) at ``versions`` (the data
    versions it is read at) of the database at ``url``, made by this code with these settings.
    Writing it removes the files of the same result at other versions or by other code."""
    db = hashlib.sha256(url.encode()).hexdigest()[:12]
    return Path(folder) / f"{_safe(kind)}-{db}-{_safe(what)}@{_safe(versions)}-{_code_hash()}.pickle"


def read(conn, path: Path):
    """The result kept in ``path`` if there is one whose mark the database (``conn``) still holds,
    else None."""
    try:
        with path.open("rb") as f:
            found = pickle.load(f)  # noqa: S301 - written by this server, beside its database
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError,
            TypeError) as exc:
        log.warning("kept result %s unreadable (%s): made again", path, exc)
        return None
    if not (isinstance(found, tuple) and len(found) == 2):
        return None
    mark, value = found
    return value if mark_holds(conn, mark) else None


def write(path: Path, value, mark: Mark | None) -> None:
    """Keep ``value`` read at ``mark`` in ``path`` (:func:`path_of`; whole or not at all)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".kept-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump((mark, value), f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError) as exc:
        log.warning("%s not kept (%s)", path.name, exc)
        return
    replaces = path.name.split("@", 1)[0] + "@"  # the same result at other versions, by other code
    now = time.time()
    for old in path.parent.glob("*.pickle"):
        try:
            if old != path and (old.name.startswith(replaces) or now - old.stat().st_mtime > STALE_AFTER_S):
                old.unlink()
        except OSError:
            pass
