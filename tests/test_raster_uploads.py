"""A real land-cover tile can be uploaded in the app: one ESA WorldCover 10 m tile (3° x 3°,
36,000 x 36,000 px, DEFLATE COG) over Zhanjiang is 80-180 MB, far above the 15 MB of photos.

The server's own cap (``server.maxUploadSize``) and the proxy's must let it through, the raster
uploader must offer it, and every other uploader keeps ``GREENING_MAX_UPLOAD_MB``.
"""
from __future__ import annotations

import re
import tomllib

import pytest

from greening.config import REPO_ROOT, get_settings
from tests.test_pages_apptest import _app, app_db, settings  # noqa: F401 - fixtures

WORLDCOVER_TILE_MB = 180  # the largest tiles; planning figure of public WorldCover tooling


def _uploaders(at):
    return [e.proto for e in at.get("file_uploader")]


def test_server_and_proxy_take_a_worldcover_tile():
    cfg = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server_mb = cfg["server"]["maxUploadSize"]
    assert server_mb >= WORLDCOVER_TILE_MB
    nginx = (REPO_ROOT / "deploy" / "nginx" / "greening.conf").read_text(encoding="utf-8")
    proxy_mb = int(re.search(r"client_max_body_size\s+(\d+)m;", nginx).group(1))
    assert proxy_mb >= server_mb


def test_raster_uploader_offers_a_tile_and_photos_keep_their_limit(settings):  # noqa: F811
    at = _app("admin", "pages/admin_rasters.py")
    (raster,) = _uploaders(at)
    assert raster.max_upload_size_mb >= WORLDCOVER_TILE_MB
    assert f"{raster.max_upload_size_mb:,} MB" in " ".join(c.value for c in at.caption)
    at = _app("team-suixi", "pages/log_planting.py")
    photos = _uploaders(at)
    assert photos and all(p.max_upload_size_mb == get_settings().max_upload_mb for p in photos)


def test_the_uploaders_size_refusal_is_translated():
    """A raster over the browser limit gets Streamlit's own "Error: File must be 0.5GB or smaller."
    (a photo over 15 MB the same with 15.0MB): in Chinese mode it is shown in Chinese."""
    from ui.streamlit_texts import PATTERNS

    def zh(text):
        for pattern, repl in PATTERNS:
            if re.match(pattern, text):
                return re.sub(pattern, re.sub(r"\$(\d)", r"\\g<\1>", repl), text)
        return None

    assert zh("Error: File must be 0.5GB or smaller.") == "错误：文件不能超过 0.5GB"
    assert zh("Error: File must be 15.0MB or smaller.") == "错误：文件不能超过 15.0MB"


def test_the_import_progress_bar_goes_away_when_the_import_ends():
    """The bar showed "storing the file and the figures (95 %)" under the success message (and
    "checking the file (2 %)" under a refusal) for as long as the page stayed open."""
    from streamlit.testing.v1 import AppTest

    def page():
        from ui.greencover_st import import_progress

        progress = import_progress()
        progress("villages", 0.5)
        progress("store", 0.0)
        progress.finish()

    at = AppTest.from_function(page).run()
    assert not at.exception
    assert not at.get("progress")


def test_import_without_a_file_says_so(settings):  # noqa: F811
    """导入并计算 pressed with no file chosen did nothing and said nothing."""
    at = _app("admin", "pages/admin_rasters.py")
    next(b for b in at.button if b.label == "导入并计算").click().run()
    assert not at.exception
    assert "请先选择要导入的 GeoTIFF 文件。" in [w.value for w in at.warning]


def test_a_nodata_value_that_is_not_a_number_is_refused_by_name():
    """The form's nodata went through float(): "0x" gave Python's "could not convert string to
    float" instead of a refusal naming the value; the file's own nodata is used when it is empty."""
    from greening.greencover.layers import nodata_value
    from greening.greencover.rasters import RasterRefused

    assert nodata_value("") is None and nodata_value(" 255 ") == 255.0 and nodata_value("-9999") == -9999.0
    for bad in ("0x", "nan", "无"):
        with pytest.raises(RasterRefused) as refused:
            nodata_value(bad)
        assert refused.value.zh == f"无数据值 '{bad}' 不是数字（例如 0、255 或 -9999）"
