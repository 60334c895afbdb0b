"""``python -m greening``: set-up, demo data, imports, exports, coverage, backups.

Each family of sub-commands lives in its own module under ``greening/commands`` and registers
itself; this file only collects them.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import greening.commands

__all__ = ["main", "build_parser", "add_engine_option"]


def add_engine_option(p) -> None:
    """``--engine`` for a command that joins points to villages (overrides the setting)."""
    from greening.coverage.engines import ENGINES

    p.add_argument("--engine", choices=ENGINES, help="空间连接引擎 / join engine (default: "
                   "GREENING_COVERAGE_ENGINE, else grid); dask uses GREENING_DASK_SCHEDULER or a "
                   "local cluster of 2 workers")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m greening",
        description="湛江党建引领乡村绿化 — Zhanjiang village greening campaign tracker",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(greening.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"greening.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        # No command: print the campaign totals, the most useful thing to see.
        args = parser.parse_args(["totals", *(argv or [])])
    try:
        engine = getattr(args, "engine", None)
        if engine:  # --engine on the commands that join points to villages
            from greening.config import override_settings
            from greening.coverage.engines import resolve_engine

            with override_settings(coverage_engine=resolve_engine(engine)):
                return int(args.func(args) or 0)
        return int(args.func(args) or 0)
    except (ValueError, PermissionError, FileNotFoundError) as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
