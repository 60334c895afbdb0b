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

__all__ = ["main", "build_parser"]


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
        return int(args.func(args) or 0)
    except (ValueError, PermissionError, FileNotFoundError) as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
