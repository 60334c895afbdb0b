"""Green cover seen from above: land-cover and canopy rasters, village 绿化覆盖率, change between
years, and the cross-check of reported plantings.

Modules: ``rasters`` (checks on import, class specs, the overlay picture), ``zonal`` (green
cover per village, exact fractional pixel coverage) with ``scanline`` (its default engine),
``worker`` (every rasterio call in a clean child process), ``layers`` (the database side:
import, remove, recompute, list), ``change`` (current and earlier figures, change, the flag
"reported plantings not visible", roll-up columns), ``blocks`` (the planting-block figure),
``demo`` (the demo campaign's two generated rasters, 示例). See docs/green-cover.md.
"""
