"""Under CI a browser test that cannot run is a failure, not a skip (as for PostGIS)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from greening.config import REPO_ROOT

pytestmark = pytest.mark.slow  # each test runs pytest in a process of its own


def _run_browser_tests(ci: bool) -> subprocess.CompletedProcess:
    env = {**os.environ, "GREENING_TEST_CHROMIUM": "/nonexistent/chromium"}
    env.pop("CI", None)
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_browser.py", "-q", "-p", "no:cacheprovider",
         "-k", "reload"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_missing_chromium_fails_under_ci():
    run = _run_browser_tests(ci=True)
    assert run.returncode == 1, run.stdout[-2000:]
    assert "browser tests are required in CI: /nonexistent/chromium is not installed" in run.stdout
    assert "1 error" in run.stdout


def test_missing_chromium_is_a_skip_outside_ci():
    run = _run_browser_tests(ci=False)
    assert run.returncode == 0, run.stdout[-2000:]
    assert "1 skipped" in run.stdout
    assert "/nonexistent/chromium is not installed" in run.stdout


@pytest.mark.parametrize("parallel", [[], ["-n", "2", "--dist", "loadfile"]], ids=["one-process", "two-processes"])
def test_any_skip_fails_the_run_under_ci(tmp_path, parallel):
    """A test skipped for any reason fails a CI run (the suite's own hooks); outside CI it is
    reported as a skip. Also when the tests run in two processes, as ``scripts/test.sh`` runs them:
    the skip is reported to the controlling process, which decides the run's exit status."""
    probe = tmp_path / "test_probe.py"
    probe.write_text("import pytest\n\ndef test_skipped():\n    pytest.skip('not here')\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = str(REPO_ROOT)
    args = [sys.executable, "-m", "pytest", str(probe), "-q", "-p", "no:cacheprovider", "-p", "tests.conftest",
            *parallel]
    outside = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert outside.returncode == 0 and "1 skipped" in outside.stdout, outside.stdout[-2000:]
    inside = subprocess.run(args, cwd=REPO_ROOT, env={**env, "CI": "true"}, capture_output=True, text=True,
                            timeout=300)
    assert inside.returncode == 1, inside.stdout[-2000:]
    assert "1 test(s) skipped, which fails the run" in inside.stdout
