"""The files every engine of ``python -m bench engines`` reads: one GeoParquet folder in the
layout of :mod:`greening.coverage.engines.dataset` (villages and plantings by county, county
hulls), written once per size.

- :func:`write_city_or_province`: :mod:`bench.synth` villages (Voronoi cells, 100-300 vertices)
  and points (97 % on land); each point claimed for its true village, 2 % for a random one.
- :func:`write_national` (:mod:`bench.national`): 500,000 villages in about 2,800 counties and
  10^8 points, counties as transformed copies of a few village-partition templates, written
  county by county (never held in memory at once).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.national import _claims, write_national

__all__ = ["write_city_or_province", "write_national", "folder_bytes"]

_CHUNK = 2_000_000


def folder_bytes(folder) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def write_city_or_province(folder, n_villages: int, n_points: int, box, seed: int) -> dict:
    import shapely

    from bench.synth import make_points, make_villages
    from greening.coverage.engines import dataset
    from greening.coverage.index import VillageIndex

    folder = Path(folder)
    villages = make_villages(n_villages, box, seed=seed)
    dataset.write_villages(folder, villages)
    index = VillageIndex.from_frame(villages)
    codes = index.codes.astype(str)
    # villages are in code order, so each county's villages are one slice of ``codes``
    counties, vcounty = np.unique([c[:6] for c in codes], return_inverse=True)
    first = np.searchsorted(vcounty, np.arange(len(counties) + 1))
    lon, lat = make_points(n_points, box, seed=seed + 1)
    rng = np.random.default_rng(seed + 2)
    for part, lo in enumerate(range(0, n_points, _CHUNK)):
        x, y = lon[lo:lo + _CHUNK], lat[lo:lo + _CHUNK]
        pos = index.positions(x, y)
        claim = np.where(pos >= 0, pos, rng.integers(0, len(codes), len(x)))
        swap = rng.random(len(x)) < 0.02
        claim[swap] = rng.integers(0, len(codes), int(swap.sum()))
        county = vcounty[claim]
        order = np.argsort(county, kind="stable")  # integers: fast
        county, x, y, claim = county[order], x[order], y[order], claim[order]
        cuts = np.r_[0, np.flatnonzero(county[1:] != county[:-1]) + 1, len(county)]
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            c = int(county[a])
            claimed = _claims(codes[first[c]:first[c + 1]].tolist(), claim[a:b] - first[c])
            dataset.write_points(folder, str(counties[c]), x[a:b], y[a:b], claimed, part=part)
    vertices = float(shapely.get_num_coordinates(villages.geometry.to_numpy()).mean())
    dataset.write_manifest(folder, villages=len(villages), points=n_points, vertices=vertices)
    return {"villages": len(villages), "points": n_points, "vertices": vertices,
            "counties": int(len(set(c[:6] for c in codes))), "bytes": folder_bytes(folder)}
