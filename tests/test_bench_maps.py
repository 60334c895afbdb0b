"""``python -m bench maps`` runs on a small demo: every page's map is built, kept and measured,
and the kept map sends the same bytes as the one just built (the figures are the benchmark's)."""
from __future__ import annotations

import pytest

from tests.fixtures.demo_db import demo_copy_fixtures

demo_url, settings = demo_copy_fixtures("benchmapsdb")


@pytest.mark.usefixtures("settings")
def test_the_map_benchmark_measures_every_page():
    from bench.maps import run_maps

    said: list[str] = []
    result = run_maps(said.append)
    pages = {row["page"]: row for row in result["pages"]}
    assert set(pages) == {"overview", "county", "lagging", "designations", "teams"}
    for row in pages.values():
        assert 0 < row["payload_mb"] < 1.0  # the bound on a map's payload
        assert row["cold_s"] > 0 and row["warm_s"] > 0 and row["cached_s"] >= 0 and row["cold_cpu_s"] > 0
        assert row["after_write_s"] > 0
    assert result["village_layer_compact_bytes"] < result["village_layer_geojson_bytes"]
    assert any(line.strip().startswith("overview") and "MB" in line for line in said)
    assert pages["overview"]["after_write_whole_s"] > 0 and pages["county"]["after_write_whole_s"] is None
    firsts = result["new_processes"]
    assert sorted(row["page"] for row in firsts) == ["county", "county", "overview", "overview"]
    for row in firsts:  # the same map from what was kept as built afresh
        assert row["bytes"] == pages[row["page"]]["payload_mb"] * 1e6 and row["s"] > 0
