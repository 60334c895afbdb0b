"""Encoded boundary layers kept on disk, by the shapes' own content.

Simplifying and encoding the 1,722 village polygons (and the towns and counties) for a map costs
0.2 s of CPU every time a server process starts, for shapes that change only with an import.
:func:`stored_features` keeps each result in a file named by a hash of what it is made from: the
codes and exact geometry (as WKB) of the frame, the datum, the simplification and the encoding's
precision. Any other shapes, from this database or another, make another name, so a file is never
stale; hashing takes a few milliseconds. A file that cannot be read is made again; one that
cannot be written is skipped (the result is still returned).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

import shapely

from greening.maps.compact import PRECISION, ZOOM_DETAIL, encoded_features

__all__ = ["stored_features", "shapes_key"]

log = logging.getLogger(__name__)
#: changes whenever the encoding or simplification code changes what it makes
FORMAT = 1


def shapes_key(frame, id_column: str, *, datum: str, detail: str, coverage: bool) -> str:
    """The hash naming the encoded layer of ``frame``'s shapes."""
    h = hashlib.sha256(f"{FORMAT}|{datum}|{detail}|{ZOOM_DETAIL[detail]}|{PRECISION}|{coverage}".encode())
    h.update("\x1f".join(frame[id_column].astype(str)).encode())
    for blob in shapely.to_wkb(frame.geometry.to_numpy(), hex=False):
        h.update(b"\x00" if blob is None else blob)
    return h.hexdigest()[:32]


def stored_features(frame, id_column: str, folder: Path, *, datum: str = "wgs84", detail: str = "city",
                    coverage: bool = True) -> dict[str, list[list[str]]]:
    """:func:`greening.maps.compact.encoded_features` of ``frame``, read from ``folder`` when it
    was made before for the same shapes, else made and written there."""
    path = Path(folder) / f"shapes-{shapes_key(frame, id_column, datum=datum, detail=detail, coverage=coverage)}.json"
    try:
        with path.open(encoding="utf-8") as f:
            found = json.load(f)
        if isinstance(found, dict):
            return found
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        log.warning("encoded shapes %s unreadable (%s): made again", path, exc)
    made = encoded_features(frame, id_column, datum=datum, detail=detail, coverage=coverage)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".shapes-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(made, f, separators=(",", ":"))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)  # whole or not at all, even with several processes writing
    except OSError as exc:
        log.warning("encoded shapes not kept in %s (%s)", path.parent, exc)
    return made
