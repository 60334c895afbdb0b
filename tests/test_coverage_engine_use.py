"""Where the engines are used: the recomputed coverage, the ledger import, the commands' --engine.

Every engine must give the same figures; the choice comes from ``GREENING_COVERAGE_ENGINE`` or
``--engine``.
"""
from __future__ import annotations

import pandas as pd
import pytest

from greening.actor import Actor
from greening.config import override_settings
from greening.coverage import coverage_for
from greening.importers.ledger import validate_ledger
from greening.importers.template import TEMPLATE_HEADERS
from tests.fixtures import campaign
from tests.test_import_ledger import csv_bytes, template_row

A, B, C = "440802001001", "440802001002", "440802002001"


@pytest.fixture(scope="module")
def recomputed(demo_engine, demo_summary, dask_client):
    out = {}
    with demo_engine.connect() as conn:
        for engine in ("grid", "geopandas", "dask"):
            with override_settings(coverage_engine=engine):
                out[engine] = coverage_for(conn, Actor.system("tests"), demo_summary.as_of,
                                           recompute=True)
        out["stored"] = coverage_for(conn, Actor.system("tests"), demo_summary.as_of)
    return out


@pytest.mark.parametrize("engine", ["geopandas", "dask"])
def test_recomputed_coverage_is_the_same_with_every_engine(recomputed, engine):
    grid, other = recomputed["grid"], recomputed[engine]
    cols = ["code", "trees", "trees_verified", "plantings", "score"]
    pd.testing.assert_frame_equal(pd.DataFrame(other.villages[cols]), pd.DataFrame(grid.villages[cols]))
    assert other.outside["id"].tolist() == grid.outside["id"].tolist()
    assert other.unassigned["id"].tolist() == grid.unassigned["id"].tolist()
    assert len(grid.outside) > 0  # the demo has plantings outside their claimed village


def test_recomputed_join_matches_the_villages_stored_when_written(recomputed):
    stored, grid = recomputed["stored"], recomputed["grid"]
    assert grid.outside["id"].tolist() == stored.outside["id"].tolist()
    assert grid.villages["trees"].tolist() == stored.villages["trees"].tolist()


@pytest.mark.parametrize("join_engine", ["geopandas", "dask"])
def test_ledger_import_reports_the_same_rows_with_every_engine(db, join_engine, dask_client):
    campaign.build(db)
    x0, y0 = campaign.X0 + campaign.SIZE, campaign.Y0 + 0.5 * campaign.SIZE  # A|B border
    rows = [template_row("s1", A), template_row("s2", A, point=campaign.centre(B)),
            template_row("s3", B, point=(x0, y0)), template_row("s4", A, point=campaign.SEA),
            template_row("s5", C, point=campaign.centre(C))]
    data = csv_bytes(TEMPLATE_HEADERS, rows)
    reports = {}
    for name in ("grid", join_engine):
        with override_settings(coverage_engine=name):
            report = validate_ledger(db, Actor.system("tests"), data, "ledger.csv")
        reports[name] = sorted((i.row, i.code) for i in report.issues)
    assert reports[join_engine] == reports["grid"]
    codes = dict(reports["grid"])
    assert codes[3] == "outside_claimed_village" and codes[4] == "outside_claimed_village"
    assert codes[5] == "in_no_village"


def test_coverage_command_recomputes_with_the_engine_given(demo_engine, capsys):
    from greening.cli import main
    from greening.demo import calendar as cal

    url = demo_engine.url.render_as_string(hide_password=False)
    with override_settings(database_url=url):
        assert main(["coverage", "--county", "440811", "--as-of", str(cal.AS_OF), "--recompute",
                     "--engine", "geopandas"]) == 0
        first = capsys.readouterr().out
        assert main(["coverage", "--county", "440811", "--as-of", str(cal.AS_OF)]) == 0
        second = capsys.readouterr().out
    assert "440811" in first and first == second
    with pytest.raises(SystemExit):
        main(["coverage", "--engine", "spark"])
    assert "invalid choice: 'spark'" in capsys.readouterr().err
