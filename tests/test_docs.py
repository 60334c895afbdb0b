"""The README documents every setting and the commands it tells users to run exist."""
from __future__ import annotations

import re

from greening.cli import build_parser
from greening.config import REPO_ROOT, SETTINGS_DOC, Settings

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    missing = [var for var, _ in SETTINGS_DOC.values() if var not in README]
    assert not missing, f"settings not documented in README.md: {missing}"


def test_settings_parse_and_reject_bad_values():
    s = Settings.from_env({"GREENING_DEMO_PLANTINGS": "1000", "GREENING_OIDC": "yes"})
    assert s.demo_plantings == 1000 and s.oidc_enabled is True
    import pytest

    with pytest.raises(ValueError, match="GREENING_LAG_MIN_COVERAGE"):
        Settings.from_env({"GREENING_LAG_MIN_COVERAGE": "half"})


def test_readme_commands_exist():
    assert "bash scripts/run.sh" in README and "bash scripts/test.sh" in README
    for script in ("scripts/run.sh", "scripts/test.sh", "scripts/setup.sh", ".ci/run"):
        assert (REPO_ROOT / script).exists(), script


def test_cli_commands_in_readme_exist():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    import re

    used = set(re.findall(r"python -m greening ([a-z][a-z-]+)", README))
    unknown = used - set(sub.choices)
    assert not unknown, f"README mentions unknown commands: {unknown}"


# -- docs/: the repository stands alone -----------------------------------------------------
DOCS = REPO_ROOT / "docs"
#: names of background files that live outside the repository; nothing in it may point to them
OUTSIDE = re.compile(r"(?<![\w/])(RELIABILITY|CAMPAIGN|DESIGN|STYLE)(\.md| [0-9])|\.\./(shared|seed)/")


def _tracked_text_files():
    import subprocess

    out = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    for name in out.stdout.splitlines():
        path = REPO_ROOT / name
        if path.suffix in {".py", ".md", ".toml", ".yaml", ".yml", ".sh", ".txt", ".cfg"} and path.is_file():
            yield name, path.read_text(encoding="utf-8", errors="replace")


def test_nothing_points_outside_the_repository():
    found = [f"{name}: {m.group(0)}" for name, text in _tracked_text_files()
             for m in OUTSIDE.finditer(text) if name != "tests/test_docs.py"]
    assert not found, found


def test_docs_the_readme_points_to_exist():
    for page in ("coverage-rules.md", "reliability.md", "campaign.md"):
        assert (DOCS / page).is_file(), page
        assert f"docs/{page}" in README, f"README does not point to docs/{page}"


def test_reliability_doc_names_real_tests():
    """Every `file.py::name` in docs/reliability.md is a test that exists (classes included)."""
    import ast

    text = (DOCS / "reliability.md").read_text(encoding="utf-8")
    cases = re.findall(r"^\| (\d+) \|", text, flags=re.M)
    assert [int(c) for c in cases] == list(range(1, 34)), "cases 1-33, once each, in order"
    refs = re.findall(r"`(?:(test_\w+\.py))?::([\w:]+)", text)
    assert len(refs) > 60
    current = None
    missing = []
    for module, name in refs:
        current = module or current
        tree = ast.parse((REPO_ROOT / "tests" / current).read_text(encoding="utf-8"))
        defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)}
        missing += [f"{current}::{name}" for part in name.split("::") if part not in defined]
    assert not missing, missing


def test_coverage_rules_doc_lists_every_rule_with_its_columns():
    from greening.coverage.rules import RULES

    text = (DOCS / "coverage-rules.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \|.*\| ([^|]*) \| [^|]* \|$", text, re.M)}
    assert set(rows) == set(RULES), set(RULES) ^ set(rows)
    for name, rule in RULES.items():
        assert rows[name].strip() == ", ".join(f"`{c}`" for c in rule.reads), name
