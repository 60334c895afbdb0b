"""Photo evidence of plantings: checked on the server, stored under generated names, compared with
the record it documents.

The browser's file-type check is only a hint (docs/reliability.md case 10): here a photo must be a real
JPEG, PNG or WebP by its magic bytes and decode completely with Pillow (HTML/SVG, truncated files
and decompression bombs are refused before anything is stored). It is stored as uploaded (the
evidence) under a UUID name in ``settings.photo_dir``, with a small JPEG thumbnail that has its
EXIF orientation applied and no metadata. Its SHA-256 and perceptual hash are kept.

What the EXIF says is compared with the planting and becomes flags, never a refusal
(docs/reliability.md case 11): ``no_gps``, ``gps_zero``, ``too_far`` (more than 500 m from the planting point,
measured in a projected CRS), ``no_time``, ``time_far`` (more than 30 days from the planting
date) and ``duplicate_photo`` (perceptual hash within 4 bits of a photo of another planting).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import struct
import uuid
import warnings
from pathlib import Path

import imagehash
import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError
from shapely.geometry import Point
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.config import get_settings
from greening.geo.crs import distance_m
from greening.models import Photo, Planting
from greening.services.plantings import load_planting
from greening.validation import Refusal, message

__all__ = ["PhotoRejected", "store_photo", "photo_path", "photos_of", "check_image", "read_exif", "FLAGS",
           "TOO_FAR_M", "TIME_FAR_DAYS", "DUPLICATE_BITS", "THUMB_SIZE"]

TOO_FAR_M = 500.0
TIME_FAR_DAYS = 30
DUPLICATE_BITS = 4
THUMB_SIZE = (480, 480)
FLAGS = ("no_gps", "gps_zero", "too_far", "no_time", "time_far", "duplicate_photo")
_TYPES = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}
_PENDING = "_photo_files_written"


class PhotoRejected(Refusal):
    """A file refused as a photo; nothing was stored. ``code`` is in the catalogue."""

    def __init__(self, code: str, **params):
        zh, en = message(code, **params)
        super().__init__(code, zh, en, params)


# -- checking the file -----------------------------------------------------------------------------
def _sniff(data: bytes) -> str | None:
    """The image format by magic bytes, or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _what_is_it(data: bytes) -> str:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower()):
        return "SVG"
    if head.startswith((b"<!doctype html", b"<html", b"<")):
        return "HTML"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        return "HEIC"
    if data[:4] == b"%PDF":
        return "PDF"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    return "unknown"


_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def header_size(data: bytes, kind: str) -> tuple[int, int] | None:
    """``(width, height)`` as a JPEG, PNG or WebP header states them (nothing decoded), or None."""
    try:
        if kind == "PNG" and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if kind == "JPEG":
            at = 2
            while at + 9 < len(data):
                if data[at] != 0xFF:
                    return None
                marker = data[at + 1]
                if marker == 0xFF:  # fill byte
                    at += 1
                    continue
                if marker in _JPEG_SOF:
                    height, width = struct.unpack(">HH", data[at + 5:at + 9])
                    return width, height
                if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
                    at += 2
                    continue
                at += 2 + struct.unpack(">H", data[at + 2:at + 4])[0]
            return None
        if kind == "WEBP":
            chunk = data[12:16]
            if chunk == b"VP8X":
                return (1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little"))
            if chunk == b"VP8L":
                b0, b1, b2, b3 = data[21:25]
                return 1 + (((b1 & 0x3F) << 8) | b0), 1 + (((b3 & 0x0F) << 10) | (b2 << 2) | ((b1 & 0xC0) >> 6))
            if chunk == b"VP8 ":
                w, h = struct.unpack("<HH", data[26:30])
                return w & 0x3FFF, h & 0x3FFF
    except (struct.error, ValueError):
        return None
    return None


def check_image(data: bytes, filename: str = "") -> tuple[Image.Image, str]:
    """Open ``data`` as a photo, fully decoded; return ``(image, format)`` or raise :class:`PhotoRejected`."""
    settings = get_settings()
    limit = settings.max_upload_mb * 1024 * 1024
    if len(data) > limit:
        raise PhotoRejected("photo_too_large", size_mb=f"{len(data) / 2**20:.1f}", limit_mb=settings.max_upload_mb)
    kind = _sniff(data)
    if kind is None:
        raise PhotoRejected("photo_not_image", filename=filename, detected=_what_is_it(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own, lower limit applies
        try:
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                if probe.format != kind:
                    raise PhotoRejected("photo_not_image", filename=filename, detected=str(probe.format))
                if width * height > settings.max_image_pixels:
                    raise PhotoRejected("photo_too_many_pixels", width=width, height=height,
                                        limit=settings.max_image_pixels)
                probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()  # a truncated file fails here ("image file is truncated")
        except Image.DecompressionBombError:
            # Pillow refuses before telling the size: read it from the file's header ourselves.
            told: tuple[object, object] = header_size(data, kind) or ("?", "?")
            raise PhotoRejected("photo_too_many_pixels", width=told[0], height=told[1],
                                limit=settings.max_image_pixels) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            if isinstance(exc, PhotoRejected):
                raise
            raise PhotoRejected("photo_damaged", reason=str(exc)[:120]) from None
    return image, kind


# -- what the EXIF says ---------------------------------------------------------------------------
def _degrees(value, ref) -> float | None:
    try:
        d, m, s = (float(v) for v in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = d + m / 60 + s / 3600
    if not np.isfinite(result):
        return None
    return -result if str(ref).strip().upper() in ("S", "W") else result


def read_exif(image: Image.Image) -> tuple[float | None, float | None, dt.datetime | None]:
    """``(lon, lat, time taken)`` from a photo's EXIF; each is None when absent or unreadable."""
    try:
        exif = image.getexif()
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        taken = exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal) or \
            exif.get(ExifTags.Base.DateTime)
    except Exception:  # noqa: BLE001 - broken EXIF is "no EXIF", never a crash
        return None, None, None
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef, "N"))
    lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef, "E"))
    when = None
    if isinstance(taken, bytes):
        taken = taken.decode("ascii", "ignore")
    if isinstance(taken, str):
        try:
            when = dt.datetime.strptime(taken.strip().rstrip("\x00")[:19], "%Y:%m:%d %H:%M:%S")
        except ValueError:
            when = None
    return lon, lat, when


def _flags(session: Session, planting: Planting, lon, lat, taken, phash: str) -> list[str]:
    flags = []
    if lon is None or lat is None:
        flags.append("no_gps")
    elif lon == 0 and lat == 0:
        flags.append("gps_zero")
    elif not (-180 <= lon <= 180 and -90 <= lat <= 90) or \
            distance_m(Point(lon, lat), Point(planting.lon, planting.lat)) > TOO_FAR_M:
        flags.append("too_far")
    if taken is None:
        flags.append("no_time")
    elif abs((taken.date() - planting.planted_on).days) > TIME_FAR_DAYS:
        flags.append("time_far")
    if _near_duplicate(session, planting.id, phash):
        flags.append("duplicate_photo")
    return flags


def _near_duplicate(session: Session, planting_id: int, phash: str) -> bool:
    """Is a photo of another planting within :data:`DUPLICATE_BITS` of ``phash`` (Hamming distance)?"""
    others = session.scalars(select(Photo.phash).where(
        Photo.planting_id != planting_id, Photo.deleted_at.is_(None), Photo.phash.is_not(None))
        .execution_options(skip_scope=True)).all()  # a photo reused in another county counts too
    if not others:
        return False
    hashes = np.array([int(h, 16) for h in others if h is not None], dtype=np.uint64)
    return bool((np.bitwise_count(hashes ^ np.uint64(int(phash, 16))) <= DUPLICATE_BITS).any())


# -- storing --------------------------------------------------------------------------------------
def _thumbnail(image: Image.Image) -> tuple[bytes, Image.Image]:
    upright = ImageOps.exif_transpose(image)
    if upright.mode not in ("RGB", "L"):
        background = Image.new("RGB", upright.size, "white")
        rgba = upright.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        upright = background
    thumb = upright.convert("RGB").copy()
    thumb.thumbnail(THUMB_SIZE)
    thumb.info = {}
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=82, optimize=True, exif=b"")
    return out.getvalue(), upright


def _write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    tmp = folder / (name + ".part")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


def store_photo(session: Session, actor: Actor, planting_id: int, data: bytes, filename: str | None = None) -> Photo:
    """Check, store and describe a photo of a planting; returns the :class:`~greening.models.Photo`.

    ``planting_id`` may also be the :class:`~greening.models.Planting` itself, and ``data`` an
    uploaded file object (anything with ``getvalue()`` or ``read()`` and a ``name``, such as
    Streamlit's ``UploadedFile``); ``filename`` is only used in messages, never for storage.

    Raises :class:`PhotoRejected` (nothing stored) or
    :class:`~greening.permissions.PermissionDenied`. Uploading the same bytes for the same
    planting again returns the stored photo. Flushes; the caller commits. If the transaction rolls
    back, the files written are removed.
    """
    if isinstance(planting_id, Planting):
        planting_id = planting_id.id
    planting = load_planting(session, actor, planting_id, "photo.upload", "planting_id")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        filename = filename or getattr(data, "name", "")
        data = data.getvalue() if hasattr(data, "getvalue") else data.read()
    data, filename = bytes(data), filename or ""
    digest = hashlib.sha256(data).hexdigest()
    same = session.scalars(select(Photo).where(Photo.planting_id == planting.id, Photo.sha256 == digest,
                                               Photo.deleted_at.is_(None))).first()
    if same is not None:
        return same
    image, kind = check_image(data, filename)
    content_type, ext = _TYPES[kind]
    lon, lat, taken = read_exif(image)
    thumb_bytes, upright = _thumbnail(image)
    phash = str(imagehash.phash(upright))
    flags = _flags(session, planting, lon, lat, taken, phash)
    folder = get_settings().photo_dir
    stem = uuid.uuid4().hex
    names = (stem + ext, stem + "_t.jpg")
    written = [_write(folder, names[0], data), _write(folder, names[1], thumb_bytes)]
    session.info.setdefault(_PENDING, []).extend(written)
    photo = Photo(planting_id=planting.id, stored_name=names[0], thumb_name=names[1], content_type=content_type,
                  size_bytes=len(data), width=image.width, height=image.height, sha256=digest, phash=phash,
                  exif_lon=lon, exif_lat=lat, exif_time=taken, flags=flags)
    try:
        with session.begin_nested():
            session.add(photo)
    except Exception:
        _remove(written)
        raise
    return photo


def photos_of(session: Session, actor: Actor, planting_ids) -> list[dict]:
    """The live photos of the plantings ``planting_ids`` inside the actor's area, oldest first:
    dicts with ``id``, ``planting_id``, ``thumb`` (the thumbnail's path, or the photo's when it
    has none), ``flags`` (codes of :data:`FLAGS`), ``exif_lon``, ``exif_lat``, ``exif_time``.
    Photos of records outside the area are simply not listed."""
    from greening.permissions import require, scope_clause

    require(actor, "village.view")
    ids = sorted({int(i) for i in planting_ids})
    if not ids:
        return []
    rows = session.execute(
        select(Photo).join(Planting, Planting.id == Photo.planting_id)
        .where(Photo.planting_id.in_(ids), Photo.deleted_at.is_(None), Planting.deleted_at.is_(None),
               scope_clause(actor, Planting.claimed_village_code))
        .order_by(Photo.planting_id, Photo.id)).scalars().all()
    return [{"id": p.id, "planting_id": p.planting_id, "thumb": photo_path(p, thumbnail=bool(p.thumb_name)),
             "flags": list(p.flags or []), "exif_lon": p.exif_lon, "exif_lat": p.exif_lat,
             "exif_time": p.exif_time} for p in rows]


def photo_path(photo: Photo, thumbnail: bool = False) -> Path:
    """Where a stored photo (or its thumbnail) is on disk, for serving it to an authorised user."""
    name = photo.thumb_name if thumbnail else photo.stored_name
    if not name or Path(name).name != name:
        raise ValueError(f"not a stored photo name: {name!r}")
    return get_settings().photo_dir / name


def _remove(paths) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            Path(path).unlink()


@event.listens_for(Session, "after_commit")
def _forget_written(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_rollback")
def _remove_written(session: Session) -> None:
    """The transaction that would have recorded the photos failed: their files must go too."""
    _remove(session.info.pop(_PENDING, []))
