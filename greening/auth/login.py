"""Logging in under load: read, check the password, write, each step as short as it can be.

A password check (Argon2id) takes a sizeable fraction of a second and tens of MB on purpose.
:func:`log_in` therefore

1. reads the account in a read-only session (no write lock; the connection goes back at once),
2. checks the password holding no connection at all, at most ``settings.login_hash_slots`` at
   once (0: one per processor core) so fifty people logging in together queue for the CPU
   instead of all hashing at the same time,
3. writes the outcome (failure count, lock, log-in session, audit row) in a short transaction
   that reads the user again, so a lock or a password change made meanwhile wins.

When the system is overloaded (no password-check slot within ``settings.login_wait_seconds``, no
database connection within ``settings.db_pool_timeout``, or the database stays locked) the
answer is :data:`BUSY`, "busy, try again", and nothing is written: never an error page.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from collections.abc import Iterator

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine

from greening.auth.sessions import LoginResult, check_attempt, read_account, record_attempt
from greening.config import get_settings
from greening.db import read_session, session_scope

__all__ = ["log_in", "BUSY", "BUSY_ZH", "BUSY_EN", "Busy", "hash_slot"]

BUSY_ZH = "系统繁忙，请稍后再试。"
BUSY_EN = "The system is busy; please try again in a moment."
BUSY = f"{BUSY_ZH} / {BUSY_EN}"

_slots_lock = threading.Lock()
_slots: tuple[int, threading.BoundedSemaphore] | None = None


class Busy(Exception):
    """No password-check slot came free in time."""


def _semaphore() -> threading.BoundedSemaphore:
    global _slots
    wanted = get_settings().login_hash_slots or os.cpu_count() or 1
    with _slots_lock:
        if _slots is None or _slots[0] != wanted:
            _slots = (wanted, threading.BoundedSemaphore(wanted))
        return _slots[1]


@contextlib.contextmanager
def hash_slot() -> Iterator[None]:
    """Hold one of the password-check slots; raise :class:`Busy` if none frees up in time."""
    semaphore = _semaphore()
    if not semaphore.acquire(timeout=max(0.0, float(get_settings().login_wait_seconds))):
        raise Busy()
    try:
        yield
    finally:
        semaphore.release()


def _overloaded(error: BaseException) -> bool:
    if isinstance(error, (Busy, sa_exc.TimeoutError)):
        return True
    text = str(getattr(error, "orig", error)).lower()
    return isinstance(error, sa_exc.OperationalError) and ("locked" in text or "timeout" in text)


def log_in(engine: Engine, username: str, password: str, *, now: dt.datetime | None = None) -> LoginResult:
    """Log in with a user name and password (see the module text); never raises for overload."""
    now = now or dt.datetime.now(dt.UTC)
    try:
        with read_session(engine) as session:
            account = read_account(session, username, password)
        with hash_slot():
            attempt = check_attempt(account, username, password, now)
        with session_scope(engine) as session:
            return record_attempt(session, attempt, now)
    except (Busy, sa_exc.TimeoutError, sa_exc.OperationalError) as error:
        if not _overloaded(error):
            raise
        return LoginResult(ok=False, reason="busy", message=BUSY)
