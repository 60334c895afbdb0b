"""The README documents every setting and the commands it tells users to run exist."""
from __future__ import annotations

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
