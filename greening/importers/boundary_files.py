"""Reading boundary layers as users have them: Shapefile (loose or zipped), GeoPackage, GeoJSON.

The result is always WGS 84. The coordinate system comes from the user (``crs="EPSG:4546"`` or
``"gcj02"``), else from the file (``.prj``), else it is recognised from the coordinates
(:func:`greening.geo.crs.guess_crs`: CGCS2000 zone 37 with or without the zone prefix, or
longitude/latitude). Whatever its source, the layer must land in Zhanjiang
(:func:`greening.geo.crs.check_in_zhanjiang`), so a mislabelled file (zone 38 for zone 37, metres
labelled as degrees) is refused naming the probable right system instead of being misplaced by
hundreds of kilometres. Shapefile attributes are decoded with the ``.cpg`` encoding when it fits
the bytes, else with the encoding detected from the ``.dbf`` (GBK or UTF-8).
"""
from __future__ import annotations

import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from greening.geo.crs import STORAGE_CRS, CRSMismatchError, check_in_zhanjiang, guess_crs
from greening.geo.gcj02 import frame_gcj02_to_wgs84
from greening.importers.encoding import detect_dbf_encoding, normalise_encoding_name
from greening.validation import file_error

__all__ = ["BoundaryLayer", "read_boundary_file", "SUPPORTED"]

SUPPORTED = (".shp", ".zip", ".gpkg", ".geojson", ".json")
_ACCEPTED = "Shapefile（.shp 或打包的 .zip）、GeoPackage（.gpkg）、GeoJSON"
_ACCEPTED_EN = "a Shapefile (.shp or a zipped one), GeoPackage (.gpkg) or GeoJSON"
_MAX_UNZIPPED = 2 * 1024**3


@dataclass
class BoundaryLayer:
    """A boundary layer read into WGS 84, with how it was read."""

    frame: gpd.GeoDataFrame
    filename: str
    crs: str  # the system the coordinates were in ("EPSG:4546", "GCJ-02", ...)
    crs_source: str  # user | file | guessed
    encoding: str | None
    fields: list[str] = field(default_factory=list)


def _safe_extract(archive: Path, target: Path) -> None:
    with zipfile.ZipFile(archive) as z:
        total = 0
        for info in z.infolist():
            name = Path(info.filename)
            if name.is_absolute() or ".." in name.parts:
                raise file_error("file_unreadable", filename=archive.name, reason=f"unsafe path {info.filename!r}")
            total += info.file_size
            if total > _MAX_UNZIPPED:
                raise file_error("file_unreadable", filename=archive.name, reason="archive too large")
        z.extractall(target)


def _find_dataset(folder: Path, filename: str, layer: str | None) -> Path:
    found = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".shp", ".gpkg", ".geojson", ".json")
                   and not p.name.startswith(("._", "__MACOSX")) and "__MACOSX" not in p.parts)
    if layer:
        named = [p for p in found if p.stem == layer]
        found = named or found
    if not found:
        raise file_error("no_layer", filename=filename)
    if len(found) > 1 and not layer:
        raise file_error("many_layers", layers="、".join(p.stem for p in found))
    return found[0]


def _shapefile_encoding(path: Path, filename: str, encoding: str | None) -> str:
    siblings = {p.suffix.lower(): p for p in path.parent.glob(path.stem + ".*")}
    missing = [ext for ext in (".shx", ".dbf") if ext not in siblings]
    if missing:
        raise file_error("shapefile_incomplete", missing="、".join(missing))
    if encoding:
        return normalise_encoding_name(encoding)
    cpg = siblings.get(".cpg")
    cpg_text = cpg.read_text(encoding="ascii", errors="ignore").strip() if cpg else None
    return detect_dbf_encoding(siblings[".dbf"].read_bytes(), cpg_text, filename)


def _read(path: Path, filename: str, encoding: str | None, layer: str | None):
    used = None
    kwargs = {}
    if path.suffix.lower() == ".shp":
        used = _shapefile_encoding(path, filename, encoding)
        kwargs["encoding"] = used
    elif path.suffix.lower() == ".gpkg":
        layers = pyogrio.list_layers(path)
        if layer is None and len(layers) > 1:
            polygonal = [n for n, kind in layers if kind and "polygon" in str(kind).lower()]
            if len(polygonal) != 1:
                raise file_error("many_layers", layers="、".join(str(n) for n, _ in layers))
            layer = polygonal[0]
        if layer:
            kwargs["layer"] = layer
    try:
        frame = pyogrio.read_dataframe(path, **kwargs)
    except Exception as exc:  # noqa: BLE001 - GDAL raises many kinds; all mean "cannot read"
        raise file_error("file_unreadable", filename=filename, reason=str(exc)[:300]) from None
    return frame, used


def _apply_crs(frame: gpd.GeoDataFrame, crs: str | None, filename: str) -> tuple[gpd.GeoDataFrame, str, str]:
    """Label the frame with its true CRS, check it lands in Zhanjiang, return it in WGS 84."""
    gcj = crs is not None and crs.strip().lower().replace("-", "") in ("gcj02", "gcj")
    if gcj:
        frame, shown, source = frame.set_crs(STORAGE_CRS, allow_override=True), "GCJ-02", "user"
    elif crs:
        try:
            declared = CRS.from_user_input(crs.strip())
        except CRSError:
            raise file_error("crs_invalid", crs=crs) from None
        frame, source = frame.set_crs(declared, allow_override=True), "user"
        shown = declared.to_string()
    elif frame.crs is not None:
        source = "file"
        shown = frame.crs.to_string()
    else:
        xy = shapely.get_coordinates(frame.geometry.array)
        try:
            guessed = guess_crs(xy[:, 0], xy[:, 1])
        except ValueError as exc:
            raise file_error("crs_unknown", reason=str(exc)) from None
        frame, shown, source = frame.set_crs(guessed), guessed, "guessed"
    try:
        check_in_zhanjiang(frame)
    except CRSMismatchError as exc:
        hint = hint_en = ""
        if exc.probable_crs:
            hint = f"；坐标数值符合 {exc.probable_crs}，声明的坐标系可能有误，请用该坐标系重新导入"
            hint_en = f"; the numbers fit {exc.probable_crs}: the declared system is probably wrong, import again with it"
        raise file_error("crs_mismatch", declared=shown, hint=hint, hint_en=hint_en) from None
    frame = frame.to_crs(STORAGE_CRS)
    if gcj:
        frame = frame_gcj02_to_wgs84(frame)
    return frame, shown, source


def read_boundary_file(source, *, filename: str | None = None, crs: str | None = None,
                       encoding: str | None = None, layer: str | None = None) -> BoundaryLayer:
    """Read a boundary file (a path, or the bytes of an upload with its ``filename``) into WGS 84.

    ``crs`` overrides the file's coordinate system (``"EPSG:4546"``, ``"gcj02"`` for data taken
    from Amap); ``encoding`` overrides the attribute encoding of a shapefile. Raises
    :class:`~greening.validation.errors.ImportFileError`.
    """
    tmp = Path(tempfile.mkdtemp(prefix="greening-boundary-"))
    try:
        if isinstance(source, (bytes, bytearray)):
            filename = filename or "upload"
            if not source:
                raise file_error("file_empty", filename=filename)
            path = tmp / Path(filename).name
            path.write_bytes(bytes(source))
        else:
            path = Path(source)
            filename = filename or path.name
            if not path.exists():
                raise file_error("file_unreadable", filename=filename, reason="file not found")
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED and not path.is_dir():
            raise file_error("file_type_unsupported", filename=filename, accepted=_ACCEPTED, accepted_en=_ACCEPTED_EN)
        if suffix == ".zip":
            unzipped = tmp / "unzipped"
            _safe_extract(path, unzipped)
            path = _find_dataset(unzipped, filename, layer)
        elif path.is_dir():
            path = _find_dataset(path, filename, layer)
        frame, used_encoding = _read(path, filename, encoding, layer)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if frame.empty:
        raise file_error("no_rows", filename=filename)
    kinds = set(frame.geometry.dropna().geom_type.unique())
    if kinds and not kinds <= {"Polygon", "MultiPolygon"}:
        raise file_error("not_polygons", geom_type="、".join(sorted(kinds)))
    frame, shown, crs_source = _apply_crs(frame, crs, filename)
    fields = [c for c in frame.columns if c != frame.geometry.name]
    return BoundaryLayer(frame=frame, filename=filename, crs=shown, crs_source=crs_source,
                         encoding=used_encoding, fields=fields)
