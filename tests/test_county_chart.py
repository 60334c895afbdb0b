"""The county page's chart of trees to date, one line per town, headless as 遂溪's county lead:
every town a line of its own (Vega's ten colours were shared by 15 towns) and room for the last
date label (cut to 「6月1」 at a phone's edge)."""
from __future__ import annotations

import json

from tests.test_pages_apptest import _app, _no_exception, app_db, settings  # noqa: F401


def _chart(at) -> dict:
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert charts, "the county page draws its chart"
    return charts[0]


def test_every_town_has_its_own_line_and_the_last_date_has_room(settings):  # noqa: F811
    at = _app("suixi", "pages/county.py")
    _no_exception(at)
    spec = _chart(at)
    encoding = spec["encoding"]
    towns = encoding["color"]["scale"]["domain"]
    assert len(towns) >= 11, towns  # more towns than Vega's default scheme has colours
    colours = encoding["color"]["scale"]["range"]
    dashes = [tuple(d) for d in encoding["strokeDash"]["scale"]["range"]]
    assert encoding["strokeDash"]["scale"]["domain"] == towns
    styles = list(zip(colours, dashes, strict=True))
    assert len(styles) == len(towns) and len(set(styles)) == len(towns), styles
    assert spec["padding"]["right"] >= 20, spec.get("padding")
