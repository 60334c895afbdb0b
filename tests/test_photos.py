"""Photo evidence (docs/reliability.md case 10-11): only real images are stored, under generated names, and what
their EXIF says becomes flags, never a crash. Images are made in memory with Pillow."""
from __future__ import annotations

import datetime as dt
import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image, ImageDraw
from sqlalchemy import func, select

from greening.actor import Actor
from greening.config import override_settings
from greening.models import Photo
from greening.models.enums import Role
from greening.permissions import PermissionDenied
from greening.photos import PhotoRejected, photo_path, store_photo
from greening.services.plantings import PlantingInput, create_planting
from tests.fixtures import campaign

A, B = "440802001001", "440802001002"
DAY = dt.date(2024, 3, 12)


def team(code=A):
    return Actor(user_id=None, username=f"team-{code}", role=Role.TEAM, scope_prefix=code)


def dms(value: float):
    d = int(value)
    m = int((value - d) * 60)
    return (float(d), float(m), round((value - d - m / 60) * 3600, 3))


def jpeg(lon=None, lat=None, taken="2024:03:12 09:30:00", orientation=None, size=(320, 200), seed=0,
         fmt="JPEG") -> bytes:
    img = Image.new("RGB", size, (40 + seed * 50 % 200, 140, 60))
    draw = ImageDraw.Draw(img)
    for i in range(6):  # some structure, so perceptual hashes differ between seeds
        draw.rectangle([(i * 37 + seed * 13) % size[0], (i * 23 + seed * 7) % size[1],
                        (i * 37 + seed * 13) % size[0] + 40, (i * 23 + seed * 7) % size[1] + 30],
                       fill=((seed * 70 + i * 40) % 255, (i * 90) % 255, (seed * 30) % 255))
    exif = Image.Exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if lon is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        gps[ExifTags.GPS.GPSLatitude] = dms(abs(lat))
        gps[ExifTags.GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
        gps[ExifTags.GPS.GPSLongitude] = dms(abs(lon))
    if taken:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken
    out = io.BytesIO()
    img.save(out, fmt, exif=exif)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions (a decompression bomb's header) with almost no data."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.fixture
def photos_dir(tmp_path):
    with override_settings(data_dir=tmp_path):
        yield tmp_path / "photos"


@pytest.fixture
def planting(db, photos_dir):
    campaign.build(db)
    lon, lat = campaign.centre(A)
    p, _ = create_planting(db, team(), PlantingInput("ph-1", A, DAY, "榕树", 10, "路旁", lon, lat))
    return p


def other_planting(db):
    lon, lat = campaign.centre(B)
    p, _ = create_planting(db, team(B), PlantingInput("ph-2", B, DAY, "榕树", 10, "路旁", lon, lat))
    return p


class TestStored:
    def test_good_photo_without_flags(self, db, planting, photos_dir):
        lon, lat = campaign.centre(A)
        data = jpeg(lon + 0.0005, lat)  # about 50 m east
        photo = store_photo(db, team(), planting.id, data, "../../etc/passwd.jpg")
        assert photo.flags == [] and photo.content_type == "image/jpeg"
        assert photo.stored_name.endswith(".jpg") and "passwd" not in photo.stored_name
        path = photo_path(photo)
        assert path.parent == photos_dir and path.read_bytes() == data
        assert abs(photo.exif_lon - (lon + 0.0005)) < 1e-5 and photo.exif_time == dt.datetime(2024, 3, 12, 9, 30)
        assert len(photo.sha256) == 64 and len(photo.phash) == 16
        thumb = Image.open(photo_path(photo, thumbnail=True))
        assert thumb.format == "JPEG" and len(thumb.getexif()) == 0

    def test_orientation_applied_to_thumbnail(self, db, planting):
        lon, lat = campaign.centre(A)
        photo = store_photo(db, team(), planting.id, jpeg(lon, lat, orientation=6, size=(400, 200)), "r.jpg")
        thumb = Image.open(photo_path(photo, thumbnail=True))
        assert thumb.height > thumb.width  # rotated upright

    def test_same_bytes_twice_is_one_photo(self, db, planting):
        lon, lat = campaign.centre(A)
        data = jpeg(lon, lat)
        first = store_photo(db, team(), planting.id, data, "a.jpg")
        again = store_photo(db, team(), planting.id, data, "a.jpg")
        assert again.id == first.id
        assert db.scalar(select(func.count()).select_from(Photo)) == 1

    @pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
    def test_png_and_webp(self, db, planting, fmt):
        lon, lat = campaign.centre(A)
        photo = store_photo(db, team(), planting.id, jpeg(lon, lat, fmt=fmt), "x")
        assert photo.content_type == f"image/{fmt.lower()}"


class TestFlags:
    @pytest.mark.parametrize("kwargs, flags", [
        ({"lon": None, "taken": None}, ["no_gps", "no_time"]),
        ({"lon": 0.0, "lat": 0.0}, ["gps_zero"]),
        ({"dx": 0.02}, ["too_far"]),  # about 2 km
        ({"taken": "2021:01:05 10:00:00"}, ["time_far"]),
        ({"taken": "garbage"}, ["no_time"]),
    ])
    def test_exif_against_the_record(self, db, planting, kwargs, flags):
        lon, lat = campaign.centre(A)
        kwargs = dict(kwargs)  # parameters are shared between the two backends' runs
        dx = kwargs.pop("dx", 0.0)
        args = {"lon": lon + dx, "lat": lat, **kwargs}
        photo = store_photo(db, team(), planting.id, jpeg(**args), "x.jpg")
        assert photo.flags == flags

    def test_same_picture_for_another_planting_is_a_duplicate(self, db, planting):
        other = other_planting(db)
        lon, lat = campaign.centre(A)
        store_photo(db, team(), planting.id, jpeg(lon, lat, seed=1), "a.jpg")
        olon, olat = campaign.centre(B)
        reused = jpeg(olon, olat, seed=1, taken="2024:03:13 08:00:00")  # same picture, other EXIF
        assert store_photo(db, team(B), other.id, reused, "b.jpg").flags == ["duplicate_photo"]
        different = jpeg(olon, olat, seed=3)
        assert store_photo(db, team(B), other.id, different, "c.jpg").flags == []


class TestRefused:
    def refused(self, db, planting, data, name="photo.jpg"):
        with pytest.raises(PhotoRejected) as err:
            store_photo(db, team(), planting.id, data, name)
        assert db.scalar(select(func.count()).select_from(Photo)) == 0
        return err.value

    def test_svg_renamed_jpg(self, db, planting, photos_dir):
        svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
        err = self.refused(db, planting, svg)
        assert err.code == "photo_not_image" and "SVG" in err.zh
        assert not photos_dir.exists() or not any(photos_dir.iterdir())

    def test_html_renamed_jpg(self, db, planting):
        err = self.refused(db, planting, b"<!DOCTYPE html><html><script>alert(1)</script></html>")
        assert err.code == "photo_not_image" and "HTML" in err.en

    def test_truncated_jpeg(self, db, planting):
        lon, lat = campaign.centre(A)
        data = jpeg(lon, lat, size=(640, 480))
        err = self.refused(db, planting, data[: len(data) // 2])
        assert err.code == "photo_damaged"

    def test_decompression_bomb_header(self, db, planting):
        err = self.refused(db, planting, png_header_only(100_000, 100_000), "bomb.png")
        assert err.code == "photo_too_many_pixels"

    def test_pixel_limit_from_settings(self, db, planting):
        lon, lat = campaign.centre(A)
        with override_settings(max_image_pixels=10_000):
            err = self.refused(db, planting, jpeg(lon, lat, size=(200, 200)))
        assert err.code == "photo_too_many_pixels" and "200×200" in err.zh

    def test_oversized_file(self, db, planting):
        with override_settings(max_upload_mb=1):
            err = self.refused(db, planting, b"\xff\xd8\xff" + b"\0" * (2 * 1024 * 1024))
        assert err.code == "photo_too_large"

    def test_other_village_cannot_upload(self, db, planting):
        lon, lat = campaign.centre(A)
        with pytest.raises((PermissionDenied, ValueError)):
            store_photo(db, team(B), planting.id, jpeg(lon, lat), "x.jpg")
        with pytest.raises(PermissionDenied):
            store_photo(db, Actor(None, "city", Role.CITY), planting.id, jpeg(lon, lat), "x.jpg")
