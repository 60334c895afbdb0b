"""``python -m bench maps``: each map page's payload and server build time, cold and warm.

Runs against the configured database (``GREENING_DATABASE_URL`` / ``GREENING_DATA_DIR``), as
the pages do: the cached loaders of ``ui.data`` and ``ui.maps_st``, then ``build_map``, then what
``st_folium`` does before sending (render the map to its script). The payload is the bytes
``st_folium`` sends for the map (script, HTML and header). Cold is the first build in this
process (empty caches: the coverage computation and every query included); warm repeats it;
each also in CPU seconds of this process, which other work on the machine does not inflate.
The modules are imported before, as a server process has them before its first page is built
(``ui.serve.preload``, and ``streamlit_folium``, which declares its component when the first map
page imports it): cold is about empty caches, not imports.
After a write is the build after a planting in one village of one county (that village's data
version bumped, as the audit trail does; no data is changed), median of three: the county's
coverage then reads that village again (:mod:`greening.coverage.patch`) and the city's splices
the county in (:mod:`greening.coverage.splice`). Cached is what a rerun of the page costs since built maps are kept per data version
(``ui.maps_st.cached_render``: reading the data versions, a copy of the built map, and the
rendering ``st_folium`` does), the median of five.

Cold starts with nothing kept on disk for the database (:mod:`greening.kept`: removed first).
After the pages, the overview's and the county dashboard's first build in a new process, from
what this process kept (the coverage computations and the planting layers): what a restarted
server or another replica on the machine pays for its first map.

In the same run, the village layer is also built the way it was before the compact layers (one
folium ``GeoJson`` of the simplified polygons with the same tooltips), for a ratio.
"""
from __future__ import annotations

import logging
import statistics
import time
from pathlib import Path

__all__ = ["run_maps"]


def prepared_bytes(prepared) -> int:
    """The bytes ``st_folium`` sends for a prepared map: its script, HTML and header."""
    return sum(len(s.encode()) for s in (prepared.html, prepared.header, prepared.script))


def _payload(m) -> int:
    from ui.folium_draw import prepare

    return prepared_bytes(prepare(m))


def _pages():
    from ui import data
    from ui.maps_st import map_data, render

    def overview(actor):
        return render(map_data(actor, datum="wgs84", designations=True, teams=True, plantings=True),
                      basemap="none", metric="coverage").map

    def county(actor):
        area = actor.scope_prefix[:6] if len(actor.scope_prefix) >= 6 else "440823"
        return render(map_data(actor, datum="wgs84", within=area, designations=True, plantings=True),
                      basemap="none", metric="coverage").map

    def lagging(actor):
        villages = data.villages(actor)
        lag = data.lagging(actor)
        shown = villages[villages["code"].isin(lag["code"])]
        return render(map_data(actor, datum="wgs84", villages=shown, highlight=set(lag["code"])),
                      basemap="none", metric="plan_completion").map

    def designations(actor):
        return render(map_data(actor, datum="wgs84", villages=data.villages(actor).iloc[0:0], designations=True),
                      basemap="none").map

    def teams(actor):
        return render(map_data(actor, datum="wgs84", villages=data.villages(actor).iloc[0:0], teams=True),
                      basemap="none").map

    return {"overview": overview, "county": county, "lagging": lagging, "designations": designations,
            "teams": teams}


def _old_village_layer_bytes(actor) -> tuple[int, int]:
    """(bytes of the village layer as folium GeoJson, as the compact layer) for the city."""
    import folium

    from greening.maps.compact import CompactShapes
    from greening.maps.geojson import geometry_features
    from ui import data
    from ui.maps_st import map_data, render

    villages = data.villages(actor)
    feats = geometry_features(villages, "code", datum="wgs84")  # the old per-village tolerance
    props = {str(r.code): {"fill": "#78c679", "tip": f"{r.name}<br>{r.town_name} · {r.county_name}<br>x"}
             for r in villages.itertuples(index=False)}
    gj = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": k, "geometry": feats[k], "properties": p} for k, p in props.items() if k in feats]}
    layer = folium.GeoJson(gj, tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False))
    m = folium.Map()
    layer.add_to(m)
    old = len(layer._template.module.script(layer, {}).encode())
    new_map = render(map_data(actor, datum="wgs84", towns=False, counties=False), basemap="none",
                     metric="coverage").map
    m.get_root().render()
    new = sum(len(e.payload_json.encode()) for e in new_map._children.values() if isinstance(e, CompactShapes))
    return old, new


#: the county the "after a write" builds follow a write in
WRITTEN_COUNTY = "440823"


def _as_if_written(county: str) -> None:
    """Bump the data version of ``county``'s first village, as a planting saved there through
    any replica does (no data is changed): the next build reads that village again."""
    from sqlalchemy import select

    from greening.data_version import bump
    from greening.models import AdminArea
    from ui.data import engine

    with engine().begin() as conn:
        village = conn.execute(select(AdminArea.code).where(
            AdminArea.level == "village", AdminArea.code.like(county + "%"), AdminArea.deleted_at.is_(None))
            .order_by(AdminArea.code).limit(1)).scalar_one()
        bump(conn, [village])


def first_build(page: str, settings_file: str | None = None) -> dict:
    """The first build of ``page`` in this process (a new one): wall and CPU seconds, payload;
    with the settings pickled in ``settings_file`` (the parent's, which may not be its environment's)."""
    logging.disable(logging.WARNING)
    if settings_file:
        import pickle

        import greening.config

        with open(settings_file, "rb") as f:
            greening.config._current = pickle.load(f)  # noqa: S301 - written by the parent just now
    from ui.serve import preload

    preload()
    import streamlit_folium  # noqa: F401 - imported by a server's first map page

    from greening.actor import Actor
    from greening.models.enums import Role
    from ui import data

    actor = Actor(user_id=None, username="bench", role=Role.COUNTY_LEAD if page == "county" else Role.CITY,
                  scope_prefix="440823" if page == "county" else "4408")
    t0, c0 = time.perf_counter(), time.process_time()
    size = _payload(_pages()[page](actor))
    out = {"page": page, "s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, "bytes": size}
    data.kept_written()
    return out


def _kept_for_this_database():
    import hashlib

    from greening.config import get_settings

    settings = get_settings()
    db = hashlib.sha256(settings.resolved_database_url.encode()).hexdigest()[:12]
    return list(settings.kept_dir.glob(f"*-{db}-*.pickle"))


def _in_new_processes(say) -> list[dict]:
    """Each page's first build in a new process from what this one kept on disk
    (:mod:`greening.kept`): a restarted server or another replica on the machine."""
    import json
    import pickle
    import subprocess
    import sys
    import tempfile

    from greening.config import get_settings
    from ui import data

    data.kept_written()
    rows = []
    with tempfile.NamedTemporaryFile(suffix=".pickle", delete=False) as f:
        pickle.dump(get_settings(), f)
    for page in ("overview", "county"):
        for _ in range(2):
            code = (f"import json; from bench.maps import first_build; "
                    f"print(json.dumps(first_build({page!r}, {f.name!r})))")
            run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
            if run.returncode:
                raise RuntimeError(f"the first build of {page} in a new process failed:\n{run.stderr[-3000:]}")
            rows.append(json.loads(run.stdout.strip().splitlines()[-1]))
        best = min(rows[-2:], key=lambda r: r["s"])
        say(f"  {page:<12} first build in a new process, from what this one kept: {best['s']:5.2f} s "
            f"({best['cpu_s']:4.2f} CPU s; best of two), payload {best['bytes'] / 1e6:.2f} MB")
    Path(f.name).unlink(missing_ok=True)
    return rows


def run_maps(say) -> dict:
    for old in _kept_for_this_database():  # cold: nothing kept by an earlier process either
        old.unlink()
    logging.disable(logging.WARNING)
    from ui.serve import preload

    preload()
    import streamlit_folium  # noqa: F401 - imported by a server's first map page

    from greening.actor import Actor
    from greening.maps import MapResult
    from greening.models.enums import Role
    from ui.maps_st import cached_render

    city = Actor(user_id=None, username="bench", role=Role.CITY, scope_prefix="4408")
    county = Actor(user_id=None, username="bench", role=Role.COUNTY_LEAD, scope_prefix="440823")
    rows = []
    for name, build in _pages().items():
        actor = county if name == "county" else city
        times, cpu = [], []
        for _ in range(3):
            t0, c0 = time.perf_counter(), time.process_time()
            m = build(actor)
            size = _payload(m)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        cached = []
        for _ in range(6):
            t0 = time.perf_counter()
            ready = cached_render(actor, f"bench-{name}", lambda b=build, a=actor: MapResult(b(a)))
            cached_size = prepared_bytes(ready.prepared)
            cached.append(time.perf_counter() - t0)
        if cached_size != size:
            raise AssertionError(f"{name}: the kept map sends {cached_size} bytes, the built one {size}")
        cached_s = statistics.median(cached[1:])  # the first builds the entry
        after_write = []
        for _ in range(3):
            _as_if_written(WRITTEN_COUNTY)
            t0 = time.perf_counter()
            _payload(build(actor))
            after_write.append(time.perf_counter() - t0)
        whole_again = []
        if name == "overview":  # the same, computing the whole city again as before splicing
            import ui.data

            kept = ui.data.SPLICE_AT_MOST, ui.data.PATCH_AT_MOST
            ui.data.SPLICE_AT_MOST = ui.data.PATCH_AT_MOST = 0  # neither spliced nor patched
            try:
                for _ in range(3):
                    _as_if_written(WRITTEN_COUNTY)
                    t0 = time.perf_counter()
                    _payload(build(actor))
                    whole_again.append(time.perf_counter() - t0)
            finally:
                ui.data.SPLICE_AT_MOST, ui.data.PATCH_AT_MOST = kept
            say(f"  {'':<12} after a write, computing the whole city again: {statistics.median(whole_again):5.2f} s")
        rows.append({"page": name, "payload_mb": size / 1e6, "cold_s": times[0], "warm_s": min(times[1:]),
                     "cold_cpu_s": cpu[0], "warm_cpu_s": min(cpu[1:]),
                     "cached_s": cached_s, "after_write_s": statistics.median(after_write),
                     "after_write_whole_s": statistics.median(whole_again) if whole_again else None})
        say(f"  {name:<12} payload {size / 1e6:5.2f} MB   server build cold {times[0]:5.2f} s "
            f"({cpu[0]:4.2f} CPU s), "
            f"warm {min(times[1:]):5.2f} s, after a write in {WRITTEN_COUNTY} "
            f"{statistics.median(after_write):5.2f} s, rerun with the built map cached {cached_s:5.3f} s")
    old, new = _old_village_layer_bytes(city)
    say(f"  village layer of the city: folium GeoJson {old / 1e6:.2f} MB, compact {new / 1e6:.2f} MB "
        f"(ratio {old / max(new, 1):.1f}x, same run)")
    new_processes = _in_new_processes(say)
    return {"pages": rows, "new_processes": new_processes, "village_layer_geojson_bytes": old,
            "village_layer_compact_bytes": new}
