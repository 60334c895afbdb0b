"""Account commands: ``create-admin`` and ``team-accounts`` (one-time passwords as an Excel sheet)."""
from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from greening.actor import Actor
from greening.config import get_settings
from greening.db import get_engine, session_scope
from greening.permissions import install_scope
from greening.validation.errors import Refusal


def _engine():
    # By URL: get_engine() without one would keep the first database it ever saw.
    return get_engine(get_settings().resolved_database_url)


def register(sub) -> None:
    p = sub.add_parser("create-admin", help="create an administrator account")
    p.add_argument("username")
    p.add_argument("--display-name", default=None, help="name shown in the interface")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input instead of prompting")
    p.set_defaults(func=_create_admin)
    p = sub.add_parser("team-accounts",
                       help="create accounts with one-time passwords for every greening team that has none")
    p.add_argument("--county", default=None, help="only this county (6-digit code, e.g. 440823)")
    p.add_argument("--out", required=True, type=Path, help="Excel file (.xlsx) to hand out")
    p.set_defaults(func=_team_accounts)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码 / password: ")
    if first != getpass.getpass("再次输入 / repeat: "):
        raise Refusal.of("passwords_differ")
    return first


def _create_admin(args) -> int:
    from greening.services.users import create_user

    password = _read_password(args.password_stdin)
    with session_scope(_engine()) as session:
        actor = Actor.system("create-admin")
        install_scope(session, actor)
        user, _ = create_user(session, actor, username=args.username, role="admin",
                              display_name=args.display_name or args.username, password=password)
        name = user.username
    print(f"已创建管理员 / administrator created: {name}")
    return 0


def _write_private(path: Path, data: bytes) -> None:
    """Create ``path`` readable by its owner only (it holds passwords); never overwrite."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Refusal.of("file_exists", path=path) from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _team_accounts(args) -> int:
    from greening.services.users import create_team_accounts, team_accounts_xlsx

    out: Path = args.out
    if out.suffix.lower() != ".xlsx":
        raise Refusal.of("output_not_xlsx", path=out)
    if out.exists():
        raise Refusal.of("file_exists", path=out)
    with session_scope(_engine()) as session:
        actor = Actor.system("team-accounts")
        install_scope(session, actor)
        accounts = create_team_accounts(session, actor, county=args.county)
        data = team_accounts_xlsx(accounts)
        # Written before the commit: if the file cannot be written, no account is created
        # whose password nobody would ever see.
        out.parent.mkdir(parents=True, exist_ok=True)
        _write_private(out, data)
    print(f"新建 {len(accounts)} 个护绿队账户，已写入 {out}（内含初始密码，请妥善保管）/ "
          f"{len(accounts)} team accounts created, written to {out} (it holds one-time passwords: keep it safe)")
    return 0
