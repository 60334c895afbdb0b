"""Encoded map shapes kept on disk by their content (greening.maps.shape_cache): made once for
the same shapes, made again for any other shapes, a damaged or unwritable file never in the way."""
from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

import greening.maps.shape_cache as shape_cache
from greening.maps.compact import encoded_features


def _frame(shift: float = 0.0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": ["440823101001", "440823101002"]},
                            geometry=[box(110.0 + shift, 21.0, 110.1, 21.1), box(110.1, 21.0, 110.2, 21.1)], crs=4326)


@pytest.fixture
def made(monkeypatch) -> list[int]:
    calls: list[int] = []

    def counting(frame, id_column, **kwargs):
        calls.append(len(frame))
        return encoded_features(frame, id_column, **kwargs)

    monkeypatch.setattr(shape_cache, "encoded_features", counting)
    return calls


def test_the_same_shapes_are_encoded_once_and_read_back_the_same(tmp_path, made):
    first = shape_cache.stored_features(_frame(), "code", tmp_path, datum="gcj02", detail="county")
    again = shape_cache.stored_features(_frame(), "code", tmp_path, datum="gcj02", detail="county")
    assert first == again == encoded_features(_frame(), "code", datum="gcj02", detail="county")
    assert made == [2]
    assert len(list(tmp_path.glob("shapes-*.json"))) == 1


def test_other_shapes_datum_or_detail_are_encoded_again(tmp_path, made):
    shape_cache.stored_features(_frame(), "code", tmp_path)
    moved = shape_cache.stored_features(_frame(shift=0.01), "code", tmp_path)  # a re-imported boundary
    shape_cache.stored_features(_frame(), "code", tmp_path, datum="gcj02")
    shape_cache.stored_features(_frame(), "code", tmp_path, detail="local")
    assert made == [2, 2, 2, 2]
    assert moved == encoded_features(_frame(shift=0.01), "code")


def test_a_damaged_file_is_made_again_and_an_unwritable_folder_skipped(tmp_path, made, caplog):
    shape_cache.stored_features(_frame(), "code", tmp_path)
    (stored,) = tmp_path.glob("shapes-*.json")
    stored.write_text('{"4408', encoding="utf-8")  # cut off mid-write by another program
    assert shape_cache.stored_features(_frame(), "code", tmp_path) == encoded_features(_frame(), "code")
    assert made == [2, 2] and "unreadable" in caplog.text
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert shape_cache.stored_features(_frame(), "code", blocked) == encoded_features(_frame(), "code")
    assert "not kept" in caplog.text
