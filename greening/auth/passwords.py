"""Password hashing (Argon2id), the password rules, and one-time passwords."""
from __future__ import annotations

import contextlib
import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from greening.config import get_settings
from greening.validation.errors import Refusal

__all__ = ["WeakPassword", "hash_password", "verify_password", "burn_time",
           "check_password_policy", "generate_password", "MIN_LENGTH", "MAX_LENGTH"]

MIN_LENGTH = 8
# Argon2 copes with long input, but nobody needs more; refusing it keeps a log-in cheap to serve.
MAX_LENGTH = 256
# OWASP Password Storage Cheat Sheet, Argon2id minimum: 19 MiB, 2 iterations, 1 lane. Modest
# memory matters here: dozens of people may log in at once on a small two-core server.
DEFAULTS = {"argon2_time_cost": 2, "argon2_memory_kib": 19_456, "argon2_parallelism": 1}
# No 0/O, 1/l/I: one-time passwords are read off paper and typed on a phone.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class WeakPassword(Refusal):
    """A new password breaks the rules; ``code`` and the message say which (``WeakPassword.of(code)``)."""


def _params() -> tuple[int, int, int]:
    extra = get_settings().extra
    time_cost, memory_kib, parallelism = (int(extra.get(key, default)) for key, default in DEFAULTS.items())
    return time_cost, memory_kib, parallelism


@functools.lru_cache(maxsize=4)
def _hasher(params: tuple[int, int, int]) -> PasswordHasher:
    time_cost, memory_kib, parallelism = params
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


@functools.lru_cache(maxsize=4)
def _dummy_hash(params: tuple[int, int, int]) -> str:
    return _hasher(params).hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` with the configured parameters."""
    return _hasher(_params()).hash(password)


def verify_password(stored_hash: str | None, password: str | None) -> tuple[bool, bool]:
    """(matches, needs_rehash). A missing or malformed hash simply does not match."""
    if not stored_hash or password is None or len(password) > MAX_LENGTH:
        burn_time(password)
        return False, False
    ph = _hasher(_params())
    try:
        ph.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False, False
    return True, ph.check_needs_rehash(stored_hash)


def burn_time(password: str | None) -> None:
    """Spend as long as a real check would, so an unknown user cannot be told apart by timing."""
    params = _params()
    with contextlib.suppress(VerificationError):
        _hasher(params).verify(_dummy_hash(params), (password or "")[:MAX_LENGTH])


def check_password_policy(password: str, *, username: str | None = None) -> None:
    """Raise :class:`WeakPassword` unless ``password`` may be used."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise WeakPassword.of("password_too_short", limit=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise WeakPassword.of("password_too_long", limit=MAX_LENGTH)
    if len(set(password)) < 4:
        raise WeakPassword.of("password_too_simple")
    if username and username.strip().lower() in password.lower():
        raise WeakPassword.of("password_has_username")


def generate_password() -> str:
    """A one-time password such as ``k7Qm-x3Pr-9hTz``: 12 random characters in three groups."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return "-".join(chars[i:i + 4] for i in range(0, 12, 4))
