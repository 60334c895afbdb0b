"""Land-cover and canopy rasters (their provenance) and the green cover computed per village."""
from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from greening.models.base import Base, Tracked

__all__ = ["RasterLayer", "VillageGreenCover"]


class RasterLayer(Tracked, Base):
    """An imported raster: a land-cover map (classes) or a canopy raster (mask or height).

    The file itself lives under the data folder (``rasters/<stored_name>``); this row is its
    provenance: where it came from, the year it shows, its grid, CRS, nodata and checksum, and
    which values count as tree and shrub cover.
    """

    __tablename__ = "raster_layers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)  # landcover | canopy
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    source: Mapped[str] = mapped_column(String(300), nullable=False)
    original_name: Mapped[str] = mapped_column(String(300), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    crs: Mapped[str] = mapped_column(String(80), nullable=False)  # e.g. EPSG:4326
    crs_name: Mapped[str | None] = mapped_column(String(200))
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    res_x: Mapped[float] = mapped_column(Float, nullable=False)  # CRS units
    res_y: Mapped[float] = mapped_column(Float, nullable=False)
    res_m: Mapped[float] = mapped_column(Float, nullable=False)  # about, metres
    dtype: Mapped[str] = mapped_column(String(12), nullable=False)
    nodata: Mapped[float] = mapped_column(Float, nullable=False)
    # [west, south, east, north] in WGS 84
    bounds: Mapped[list] = mapped_column(nullable=False)
    # {"tree": [10, 95], "shrub": [20]} (landcover) or {"tree_min": 5.0} (canopy)
    classes: Mapped[dict] = mapped_column(nullable=False)
    overlay_name: Mapped[str | None] = mapped_column(String(120))
    overlay_bounds: Mapped[list | None] = mapped_column()
    villages_computed: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class VillageGreenCover(Base):
    """Green cover of one village on one raster (derived; recomputed, never edited by hand).

    Shares are of the village's area (``area_m2``, equal-area CRS): ``observed`` is the part
    the raster has valid data for (1 - missing); ``tree_m2`` / ``shrub_m2`` / ``green_m2`` the
    covered areas inside the observed part. ``shrub_m2`` is NULL for a canopy raster.
    """

    __tablename__ = "village_green_cover"
    __table_args__ = (UniqueConstraint("layer_id", "village_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    layer_id: Mapped[int] = mapped_column(ForeignKey("raster_layers.id"), nullable=False, index=True)
    village_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    area_m2: Mapped[float] = mapped_column(Float, nullable=False)
    observed_m2: Mapped[float] = mapped_column(Float, nullable=False)
    tree_m2: Mapped[float] = mapped_column(Float, nullable=False)
    shrub_m2: Mapped[float | None] = mapped_column(Float)
    green_m2: Mapped[float] = mapped_column(Float, nullable=False)
