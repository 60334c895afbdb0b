"""Log-in, log-out, password change, single sign-on, and turning a session token into an Actor.

Bookkeeping on the users table (failure counts, locks, re-hashes, password changes) is written
with plain UPDATE statements plus an explicit audit row each (``login``, ``login_failed``,
``login_locked``, ``logout``, ``password_change``), so the audit trail says what happened in
words and never holds a password hash.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import cast, overload

from sqlalchemy import CursorResult, Table, select, update
from sqlalchemy.orm import Session, joinedload

from greening.actor import CITY_PREFIX, Actor
from greening.audit import record
from greening.auth.passwords import (
    MAX_LENGTH,
    WeakPassword,
    burn_time,
    check_password_policy,
    hash_password,
    verify_password,
)
from greening.auth.roles import AccountMisconfigured, actor_for_user
from greening.config import get_settings
from greening.models import LoginSession, User
from greening.models.enums import Role
from greening.permissions import PermissionDenied
from greening.validation.catalogue import message

__all__ = ["LOGIN_FAILED", "LoginResult", "SessionEnded", "PasswordChangeRequired",
           "authenticate", "oidc_login", "actor_from_token", "logout", "change_password",
           "revoke_sessions", "token_hash", "normalise_username"]

# One message for an unknown user, a wrong password, a locked or a disabled account: the form
# must not tell an attacker which user names exist or which accounts are locked.
LOGIN_FAILED_ZH = "用户名或密码错误"
LOGIN_FAILED_EN = "wrong username or password"
LOGIN_FAILED = f"{LOGIN_FAILED_ZH} / {LOGIN_FAILED_EN}"
#: said only to someone who gave the account's right password (anyone else is told LOGIN_FAILED,
#: so the message tells nobody else whether the name exists or is disabled)
ACCOUNT_DISABLED = "该账户已停用，请联系管理员 / this account is disabled: ask an administrator"
SSO_UNKNOWN = ("此统一身份认证账号尚未开通本系统，请联系管理员关联账户",
               "this single sign-on account has no access here; ask an administrator to link it")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,59}$")
_USERS = cast(Table, User.__table__)
_SESSIONS = cast(Table, LoginSession.__table__)


class SessionEnded(PermissionDenied):
    """The token is unknown, expired or revoked, or the user is disabled: log in again."""

    @classmethod
    def ended(cls) -> SessionEnded:
        """The usual case: the token is unknown, expired or revoked."""
        return cls.of("session_ended")


class PasswordChangeRequired(PermissionDenied):
    """The user logged in with a one-time password and must choose a new one first."""

    def __init__(self):
        zh, en = message("password_change_required")
        super().__init__(zh, en)
        self._fill("password_change_required", zh, en, None)


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a log-in attempt.

    ``message`` is what the user is shown. ``reason`` (ok, bad_credentials, locked, disabled,
    unknown_subject) is for the audit trail and tests only; never show it on the log-in form.
    """

    ok: bool
    token: str | None = None
    user_id: int | None = None
    must_change_password: bool = False
    reason: str = "ok"
    message: str = ""


def token_hash(token: str) -> str:
    """What the database keeps of a session token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normalise_username(username: str | None) -> str | None:
    """User names are compared lower-case and trimmed; None when it cannot be a user name."""
    if not isinstance(username, str):
        return None
    name = username.strip().lower()
    return name if _USERNAME.match(name) else None


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


@overload
def _aware(value: dt.datetime) -> dt.datetime: ...
@overload
def _aware(value: None) -> None: ...
def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _audit_actor(user: User | None, attempted: str | None = None) -> Actor:
    if user is None:
        return Actor(user_id=None, username="anonymous", role=Role.TEAM, scope_prefix=CITY_PREFIX)
    try:
        role = Role(user.role)
    except ValueError:
        role = Role.TEAM
    return Actor(user_id=user.id, username=user.username, role=role, scope_prefix=user.scope_prefix)


def _audit(session: Session, user: User | None, action: str, note: str) -> None:
    scope = user.area.code if user is not None and user.area is not None else None
    record(session, _audit_actor(user), action, "users", None if user is None else user.id,
           note=note, scope_code=scope)


def _failure(reason: str, message: str = LOGIN_FAILED) -> LoginResult:
    return LoginResult(ok=False, reason=reason, message=message)


def _find_user(session: Session, column, value) -> User | None:
    return session.scalars(select(User).where(column == value)
                           .execution_options(populate_existing=True)).one_or_none()


def _open_session(session: Session, user: User, now: dt.datetime) -> str:
    token = secrets.token_urlsafe(32)
    hours = get_settings().session_hours
    session.add(LoginSession(token_hash=token_hash(token), user_id=user.id, created_at=now,
                             expires_at=now + dt.timedelta(hours=hours)))
    session.flush()
    return token


def _count_failure(session: Session, user: User, now: dt.datetime) -> int:
    """Add one failure atomically (concurrent attempts all count); a lapsed lock starts afresh."""
    lapsed = user.locked_until is not None and _aware(user.locked_until) <= now
    new_count = 1 if lapsed else _USERS.c.failed_logins + 1
    stmt = (update(_USERS).where(_USERS.c.id == user.id)
            .values(failed_logins=new_count, **({"locked_until": None} if lapsed else {}))
            .returning(_USERS.c.failed_logins))
    return session.execute(stmt).scalar_one()


def authenticate(session: Session, username: str, password: str, *,
                 now: dt.datetime | None = None) -> LoginResult:
    """Check a user name and password; on success open a log-in session and return its token.

    Unknown user, wrong password, locked and disabled accounts all answer :data:`LOGIN_FAILED`
    and cost one Argon2 check each. After ``settings.login_max_failures`` wrong passwords in a
    row the account is locked for ``settings.login_lock_minutes`` (kept in the database). A
    hash made with old parameters is replaced. The caller commits.

    This runs the password check inside ``session``'s transaction; the app logs in with
    :func:`greening.auth.login.log_in`, which reads, checks and writes in three steps so that no
    connection or write lock is held while the password is hashed.
    """
    now = _now(now)
    return record_attempt(session, check_attempt(read_account(session, username, password),
                                                 username, password, now), now)


@dataclass(frozen=True)
class Account:
    """What a log-in needs to know about a user before checking the password (read, no lock)."""

    user_id: int
    password_hash: str | None
    active: bool
    locked_until: dt.datetime | None


@dataclass(frozen=True)
class Attempt:
    """The outcome of the password check (no database): unknown, locked, disabled, wrong or right."""

    verdict: str
    shown_name: str = ""
    user_id: int | None = None
    hash_checked: str | None = None
    new_hash: str | None = None
    locked_until: dt.datetime | None = None


def read_account(session: Session, username: str, password: str) -> Account | None:
    """The account ``username`` names (None: no such user, or input that cannot log in)."""
    name = normalise_username(username)
    if name is None or not isinstance(password, str) or len(password) > MAX_LENGTH:
        return None
    user = _find_user(session, User.username, name)
    if user is None:
        return None
    return Account(user.id, user.password_hash, bool(user.active), _aware(user.locked_until))


def check_attempt(account: Account | None, username: str, password: str, now: dt.datetime) -> Attempt:
    """Check the password against ``account`` (the expensive Argon2 step; touches no database)."""
    if account is None:
        burn_time(password if isinstance(password, str) else None)
        shown = (username or "")[:40] if isinstance(username, str) else ""
        return Attempt("unknown", shown_name=shown)
    def outcome(verdict: str, **more) -> Attempt:
        return Attempt(verdict, user_id=account.user_id, hash_checked=account.password_hash, **more)

    if account.locked_until is not None and account.locked_until > now:
        burn_time(password)
        return outcome("locked", locked_until=account.locked_until)
    if not account.active or not account.password_hash:
        if not account.password_hash:
            burn_time(password)
            return outcome("disabled")
        # The same Argon2 cost as any check: a disabled user with the right password is told the
        # account is disabled (not "wrong password", which sent them to reset it in vain).
        right, _ = verify_password(account.password_hash, password)
        return outcome("disabled_right" if right else "disabled")
    ok, needs_rehash = verify_password(account.password_hash, password)
    if not ok:
        return outcome("wrong")
    return outcome("right", new_hash=hash_password(password) if needs_rehash else None)


def record_attempt(session: Session, attempt: Attempt, now: dt.datetime) -> LoginResult:
    """Write what ``attempt`` means (failure count, lock, re-hash, log-in session, audit row).

    The user is read again inside this transaction: a lock, a disabling or a password change
    that happened while the password was being checked wins over the check.
    """
    settings = get_settings()
    user = None if attempt.user_id is None else _find_user(session, User.id, attempt.user_id)
    if user is None:
        _audit(session, None, "login_failed", f"unknown user {attempt.shown_name!r}")
        return _failure("bad_credentials")
    locked_until = _aware(user.locked_until)
    if locked_until is not None and locked_until > now:
        _audit(session, user, "login_failed", f"locked until {locked_until.isoformat()}")
        return _failure("locked")
    if not user.active or not user.password_hash:
        _audit(session, user, "login_failed", "account disabled" if not user.active else "no password set")
        told = ACCOUNT_DISABLED if attempt.verdict == "disabled_right" and not user.active else LOGIN_FAILED
        return _failure("disabled", told)
    if user.password_hash != attempt.hash_checked:
        _audit(session, user, "login_failed", "password changed during the log-in")
        return _failure("bad_credentials")
    if attempt.verdict != "right":
        failures = _count_failure(session, user, now)
        if failures >= settings.login_max_failures:
            until = now + dt.timedelta(minutes=settings.login_lock_minutes)
            session.execute(update(_USERS).where(_USERS.c.id == user.id).values(locked_until=until))
            _audit(session, user, "login_locked", f"{failures} failures; locked until {until.isoformat()}")
            return _failure("locked")
        _audit(session, user, "login_failed", f"wrong password ({failures} in a row)")
        return _failure("bad_credentials")
    values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
    if attempt.new_hash:
        values["password_hash"] = attempt.new_hash
    session.execute(update(_USERS).where(_USERS.c.id == user.id).values(**values))
    token = _open_session(session, user, now)
    _audit(session, user, "login", "password" + (" (hash upgraded)" if attempt.new_hash else ""))
    return LoginResult(ok=True, token=token, user_id=user.id,
                       must_change_password=user.must_change_password, message="")


def oidc_login(session: Session, *, subject: str | None, email: str | None = None,
               email_verified: bool = False, now: dt.datetime | None = None) -> LoginResult:
    """Map an identity from the single sign-on provider to a user and open a log-in session.

    An administrator links a user beforehand by setting ``users.oidc_subject`` either to the
    provider's subject (``sub``) or to ``email:<address>``; the e-mail form is only honoured when
    the provider says the address is verified. Anyone else is refused with a message saying so.
    """
    now = _now(now)
    user = _find_user(session, User.oidc_subject, subject) if subject else None
    if user is None and email and email_verified:
        user = _find_user(session, User.oidc_subject, "email:" + email.strip().lower())
    if user is None:
        _audit(session, None, "login_failed", f"single sign-on: unknown subject {str(subject)[:60]!r}")
        return _failure("unknown_subject", " / ".join(SSO_UNKNOWN))
    if not user.active:
        _audit(session, user, "login_failed", "single sign-on: account disabled")
        return _failure("disabled", "账户已停用 / this account is disabled")
    note = "single sign-on"
    if user.must_change_password:
        # The one-time password was never used and is not needed: withdraw it.
        session.execute(update(_USERS).where(_USERS.c.id == user.id).values(
            password_hash=None, must_change_password=False))
        note += "; unused one-time password withdrawn"
    token = _open_session(session, user, now)
    _audit(session, user, "login", note)
    return LoginResult(ok=True, token=token, user_id=user.id, must_change_password=False)


def _live_login(session: Session, token: str | None, now: dt.datetime) -> tuple[LoginSession, User]:
    if not isinstance(token, str) or not token or len(token) > 128:
        raise SessionEnded.ended()
    row = session.execute(
        select(LoginSession, User).join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == token_hash(token))
        # the user's area in the same query: every page run asks (one round trip, not two)
        .options(joinedload(User.area))
        .execution_options(populate_existing=True)).one_or_none()
    if row is None:
        raise SessionEnded.ended()
    login, user = row
    if not user.active:
        raise SessionEnded.of("account_disabled")
    if login.revoked_at is not None or _aware(login.expires_at) <= now:
        raise SessionEnded.ended()
    return login, user


def actor_from_token(session: Session, token: str | None, *, now: dt.datetime | None = None) -> Actor:
    """The Actor behind a session token, read afresh from the database.

    Raises :class:`SessionEnded` when the token is unknown, expired or revoked or the user is
    disabled or misconfigured, and :class:`PasswordChangeRequired` while a one-time password is
    still in use. Both are :class:`~greening.permissions.PermissionDenied`.
    """
    login, user = _live_login(session, token, _now(now))
    if user.must_change_password:
        raise PasswordChangeRequired()
    try:
        return actor_for_user(user, login.token_hash)
    except (AccountMisconfigured, ValueError):
        raise SessionEnded.of("account_set_up_wrongly") from None


def revoke_sessions(session: Session, user_id: int, *, now: dt.datetime | None = None,
                    keep_token_hash: str | None = None) -> int:
    """End every open log-in session of a user (except ``keep_token_hash``); returns how many."""
    stmt = update(_SESSIONS).where(_SESSIONS.c.user_id == user_id, _SESSIONS.c.revoked_at.is_(None))
    if keep_token_hash is not None:
        stmt = stmt.where(_SESSIONS.c.token_hash != keep_token_hash)
    result = cast(CursorResult, session.execute(stmt.values(revoked_at=_now(now))))
    return result.rowcount


def logout(session: Session, token: str | None, *, now: dt.datetime | None = None) -> bool:
    """Log out: revoke all of the user's sessions, so every other tab is refused on its next action."""
    if not isinstance(token, str) or not token:
        return False
    login = session.scalars(select(LoginSession).where(LoginSession.token_hash == token_hash(token))).one_or_none()
    if login is None:
        return False
    n = revoke_sessions(session, login.user_id, now=now)
    _audit(session, login.user, "logout", f"{n} session(s) ended")
    return True


def change_password(session: Session, token: str, new_password: str, *,
                    current_password: str | None = None, now: dt.datetime | None = None) -> None:
    """Set a new password for the user of ``token``.

    The current password is required, except right after a log-in with a one-time password
    (``must_change_password``), when the new one must differ from it. Other sessions of the
    user are ended. Raises :class:`WeakPassword` or :class:`SessionEnded`.
    """
    now = _now(now)
    login, user = _live_login(session, token, now)
    check_password_policy(new_password, username=user.username)
    if not user.must_change_password and not verify_password(user.password_hash, current_password)[0]:
        raise WeakPassword.of("password_current_wrong")
    if verify_password(user.password_hash, new_password)[0]:
        raise WeakPassword.of("password_unchanged")
    session.execute(update(_USERS).where(_USERS.c.id == user.id).values(
        password_hash=hash_password(new_password), must_change_password=False,
        failed_logins=0, locked_until=None))
    revoke_sessions(session, user.id, now=now, keep_token_hash=login.token_hash)
    _audit(session, user, "password_change", "one-time password replaced" if user.must_change_password else "changed by user")
