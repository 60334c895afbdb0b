"""Accounts and log-in: Argon2id passwords, lockout, log-in sessions, and the acting user.

The browser keeps only a random session token; the database keeps its SHA-256. Every request
turns the token back into an :class:`~greening.actor.Actor` with :func:`actor_from_token`, which
re-reads the user, role and area from the database, so disabling a user, changing a role or
logging out takes effect on the user's next action in every browser tab.

Logging out revokes *all* of that user's log-in sessions (every tab and device): a user who logs
out in one tab expects the others to be closed too.

Argon2 cost parameters come from ``settings.extra`` (keys ``argon2_time_cost``,
``argon2_memory_kib``, ``argon2_parallelism``); the defaults follow OWASP's Argon2id minimum
(19 MiB, 2 iterations, 1 lane). Tests lower them; production should leave them alone or raise
them. A stored hash made with other parameters is re-hashed at the next successful log-in.
"""
from greening.auth.demo_users import DEMO_ACCOUNTS, seed_demo_users
from greening.auth.passwords import (
                                     WeakPassword,
                                     check_password_policy,
                                     generate_password,
                                     hash_password,
                                     verify_password,
)
from greening.auth.roles import ROLE_AREA_LEVEL, actor_for_user, scope_for
from greening.auth.sessions import (
                                     LOGIN_FAILED,
                                     LoginResult,
                                     PasswordChangeRequired,
                                     SessionEnded,
                                     actor_from_token,
                                     authenticate,
                                     change_password,
                                     logout,
                                     oidc_login,
                                     revoke_sessions,
                                     token_hash,
)

__all__ = [
    "DEMO_ACCOUNTS", "LOGIN_FAILED", "LoginResult", "PasswordChangeRequired", "ROLE_AREA_LEVEL",
    "SessionEnded", "WeakPassword", "actor_for_user", "actor_from_token", "authenticate",
    "change_password", "check_password_policy", "generate_password", "hash_password", "logout",
    "oidc_login", "revoke_sessions", "scope_for", "seed_demo_users", "token_hash",
    "verify_password",
]
