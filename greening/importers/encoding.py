"""Text encodings of the files users have: UTF-8 (with or without BOM), GBK/GB18030, and the
attribute encoding of shapefiles (``.cpg``, or detected from the raw ``.dbf`` bytes).

Chinese Windows tools (Excel "CSV", ArcGIS, older land-survey software) write GBK; phones, Kobo
and ODK write UTF-8. Strict UTF-8 decoding almost never succeeds on GBK text with Chinese in it,
so UTF-8 is tried first, then GB18030 (a superset of GBK and GB2312); charset-normalizer decides
only when neither decodes.
"""
from __future__ import annotations

import codecs
import struct

from charset_normalizer import from_bytes

from greening.validation import file_error

__all__ = ["detect_text_encoding", "decode_text", "dbf_text_bytes", "detect_dbf_encoding",
           "normalise_encoding_name"]

_CHINESE = {"gb2312", "gbk", "gb18030", "hz", "cp936", "euc_cn"}
_SAMPLE = 2_000_000


def normalise_encoding_name(name: str) -> str:
    """A Python codec name for ``name`` as found in a ``.cpg`` file or given by a user."""
    raw = name.strip().strip('"').lower().replace("_", "-")
    aliases = {"utf8": "utf-8", "utf-8": "utf-8", "65001": "utf-8", "gbk": "gb18030", "936": "gb18030",
               "cp936": "gb18030", "gb2312": "gb18030", "gb18030": "gb18030", "54936": "gb18030",
               "big5": "big5", "950": "big5", "latin1": "latin-1", "iso-8859-1": "latin-1",
               "88591": "latin-1", "1252": "cp1252", "ansi": "gb18030"}
    if raw in aliases:
        return aliases[raw]
    codecs.lookup(raw)  # raises LookupError for a name Python does not know
    return raw


def detect_text_encoding(data: bytes, filename: str = "") -> str:
    """The encoding of ``data``: ``utf-8-sig`` (BOM), ``utf-16``, ``utf-8``, ``gb18030`` or a guess.

    Raises :class:`~greening.validation.errors.ImportFileError` (``encoding_unknown``).
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = data[:_SAMPLE]
    if len(data) > _SAMPLE:  # do not judge by a character cut in half at the end of the sample
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    for candidate in ("utf-8", "gb18030"):
        try:
            sample.decode(candidate)
            return candidate
        except UnicodeDecodeError:
            continue
    best = from_bytes(sample).best()
    if best is None:
        raise file_error("encoding_unknown", filename=filename)
    return "gb18030" if best.encoding.lower() in _CHINESE else best.encoding


def decode_text(data: bytes, filename: str = "") -> tuple[str, str]:
    """``(text, encoding)`` of a text file (CSV)."""
    encoding = detect_text_encoding(data, filename)
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        raise file_error("encoding_unknown", filename=filename) from None


def dbf_text_bytes(dbf: bytes) -> bytes:
    """The bytes of a ``.dbf`` that hold text: field names and the records (not the binary header)."""
    if len(dbf) < 32:
        return b""
    header_len, record_len = struct.unpack("<HH", dbf[8:12])
    names = []
    for offset in range(32, max(32, header_len - 1), 32):
        descriptor = dbf[offset:offset + 32]
        if not descriptor or descriptor[0] == 0x0D:
            break
        names.append(descriptor[:11].split(b"\x00", 1)[0])
    body = dbf[header_len:]
    if body.endswith(b"\x1a"):
        body = body[:-1]
    return b" ".join(names) + b"\n" + body


def detect_dbf_encoding(dbf: bytes, cpg: str | None = None, filename: str = "") -> str:
    """The attribute encoding of a shapefile: the ``.cpg``'s if its text decodes with it, else detected.

    A ``.cpg`` that lies (says UTF-8 over GBK text, which happens when files are copied between
    tools) is overruled by what the bytes say.
    """
    text = dbf_text_bytes(dbf)
    if cpg:
        try:
            declared = normalise_encoding_name(cpg)
            text.decode(declared)
            return declared
        except (LookupError, UnicodeDecodeError):
            pass
    if not text.strip() or text.isascii():
        return "utf-8"
    encoding = detect_text_encoding(text, filename)
    return "utf-8" if encoding == "utf-8-sig" else encoding
