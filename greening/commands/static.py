"""``python -m greening fetch-static``: the map's JavaScript and CSS, pinned, served by the app itself.

Government intranets (and this project's machines) cannot reach a public CDN; a folium map whose
Leaflet fails to load renders at height 0. So the set-up fetches pinned copies of Leaflet and the
plugins the maps use from the npm registry into ``static/vendor/`` (served by Streamlit at
``/app/static/vendor`` with ``server.enableStaticServing``), checking each tarball against its
published sha512 integrity. The patched Leaflet.heat that folium ships in its own wheel is copied
from the installed folium package (it fixes point weights; npm's leaflet.heat 0.2.0 does not).

Running it again does nothing when the pinned files are already there (``static/vendor/manifest.json``).
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import tempfile
import urllib.request
from pathlib import Path

from greening.config import REPO_ROOT
from greening.validation.errors import OperationRefused

__all__ = ["PACKAGES", "VENDOR_DIR", "fetch_static", "missing_files", "register"]

VENDOR_DIR = REPO_ROOT / "static" / "vendor"
DEFAULT_REGISTRY = "https://registry.npmjs.org"

#: npm package -> (version, sha512 integrity, {file in the tarball: file under static/vendor/})
PACKAGES: dict[str, tuple[str, str, dict[str, str]]] = {
    "leaflet": ("1.9.4", "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==", {
        "package/dist/leaflet.js": "leaflet/leaflet.js",
        "package/dist/leaflet.css": "leaflet/leaflet.css",
        # Leaflet finds its default marker icon relative to leaflet.css: images/ must sit beside it.
        "package/dist/images/marker-icon.png": "leaflet/images/marker-icon.png",
        "package/dist/images/marker-icon-2x.png": "leaflet/images/marker-icon-2x.png",
        "package/dist/images/marker-shadow.png": "leaflet/images/marker-shadow.png",
        "package/dist/images/layers.png": "leaflet/images/layers.png",
        "package/dist/images/layers-2x.png": "leaflet/images/layers-2x.png",
        "package/LICENSE": "leaflet/LICENSE",
    }),
    "leaflet.markercluster": ("1.5.3", "sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA==", {
        "package/dist/leaflet.markercluster.js": "leaflet.markercluster/leaflet.markercluster.js",
        "package/dist/MarkerCluster.css": "leaflet.markercluster/MarkerCluster.css",
        "package/dist/MarkerCluster.Default.css": "leaflet.markercluster/MarkerCluster.Default.css",
        "package/MIT-LICENCE.txt": "leaflet.markercluster/MIT-LICENCE.txt",
    }),
    "leaflet.locatecontrol": ("0.66.2", "sha512-33xCfRydyjLfh9nGvf4kSTM0tA1EFFgM0z4uj75QkUwIc9cz0vJqWABsyDirLm1GBKeEr8/krcnc10X1YuK7oA==", {
        "package/dist/L.Control.Locate.min.js": "leaflet.locatecontrol/L.Control.Locate.min.js",
        "package/dist/L.Control.Locate.min.css": "leaflet.locatecontrol/L.Control.Locate.min.css",
        "package/LICENSE": "leaflet.locatecontrol/LICENSE",
    }),
}

#: Files copied from the installed folium package: (path inside folium, file under static/vendor/)
FOLIUM_FILES = [("templates/leaflet_heat.min.js", "leaflet.heat/leaflet-heat.min.js")]



class StaticFetchFailed(OperationRefused, RuntimeError):
    """A pinned package could not be downloaded, or its checksum differs."""


class StaticFilesMissing(OperationRefused, FileNotFoundError):
    """static/vendor still lacks files after fetching."""

def missing_files(vendor_dir: Path = VENDOR_DIR) -> list[str]:
    """The vendored files the maps need that are not (yet) in ``vendor_dir``."""
    wanted = [dest for _v, _i, files in PACKAGES.values() for dest in files.values()]
    wanted += [dest for _src, dest in FOLIUM_FILES]
    return [w for w in wanted if not (vendor_dir / w).is_file()]


def fetch_static(vendor_dir: Path = VENDOR_DIR, *, registry: str = DEFAULT_REGISTRY,
                 force: bool = False, say=print) -> list[str]:
    """Put the pinned files into ``vendor_dir``; return the packages fetched (empty: all present)."""
    manifest_path = vendor_dir / "manifest.json"
    pinned = {name: version for name, (version, _i, _f) in PACKAGES.items()}
    manifest = _read_manifest(manifest_path)
    fetched = []
    for name, (version, integrity, files) in PACKAGES.items():
        present = all((vendor_dir / dest).is_file() for dest in files.values())
        if present and manifest.get(name) == version and not force:
            continue
        say(f"获取 / fetching {name}@{version}")
        data = _download(name, version, registry)
        _check_integrity(name, version, data, integrity)
        _extract(data, files, vendor_dir)
        fetched.append(f"{name}@{version}")
    _copy_folium_files(vendor_dir)
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(pinned, indent=1, sort_keys=True), encoding="utf-8")
    return fetched


def _read_manifest(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _download(name: str, version: str, registry: str) -> bytes:
    """The package tarball, through ``npm pack`` when npm is installed (it honours the user's npm
    configuration: mirrors, proxies, certificates), else straight from the registry."""
    npm = shutil.which("npm")
    if npm:
        with tempfile.TemporaryDirectory() as tmp:
            proc = subprocess.run([npm, "pack", f"{name}@{version}", "--json", "--pack-destination", tmp],
                                  capture_output=True, text=True, timeout=300)
            if proc.returncode == 0:
                filename = json.loads(proc.stdout)[0]["filename"]
                return (Path(tmp) / filename).read_bytes()
    base = name.rsplit("/", 1)[-1]
    url = f"{registry.rstrip('/')}/{name}/-/{base}-{version}.tgz"
    try:
        with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - fixed https URL
            return response.read()
    except OSError as exc:
        raise StaticFetchFailed.of("static_download_failed", package=f"{name}@{version}", url=url,
                                   reason=exc) from exc


def _check_integrity(name: str, version: str, data: bytes, integrity: str) -> None:
    algo, _, expected = integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if actual != expected:
        raise StaticFetchFailed.of("static_integrity_failed", package=f"{name}@{version}", expected=integrity,
                                   actual=f"{algo}-{actual}")


def _extract(data: bytes, files: dict[str, str], vendor_dir: Path) -> None:
    # Only the named members are read: nothing in the tarball chooses where a file is written.
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member_name, dest in files.items():
            member = tar.getmember(member_name)
            stream = tar.extractfile(member)
            if stream is None:
                raise RuntimeError(f"{member_name} is not a regular file")
            target = vendor_dir / dest
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(stream.read())


def _copy_folium_files(vendor_dir: Path) -> None:
    import folium

    root = Path(folium.__file__).resolve().parent
    for src, dest in FOLIUM_FILES:
        target = vendor_dir / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / src, target)


def register(sub) -> None:
    p = sub.add_parser("fetch-static", help="fetch the pinned Leaflet and plugin files into static/vendor/")
    p.add_argument("--quiet", action="store_true", help="print nothing when everything is present")
    p.add_argument("--force", action="store_true", help="fetch again even when present")
    p.add_argument("--registry", default=DEFAULT_REGISTRY, help="npm registry URL (without npm installed)")
    p.set_defaults(func=_run)


def _run(args) -> int:
    say = (lambda _m: None) if args.quiet else print
    fetched = fetch_static(registry=args.registry, force=args.force, say=say)
    missing = missing_files()
    if missing:
        raise StaticFilesMissing.of("static_files_missing", missing=missing)
    if fetched or not args.quiet:
        print(f"地图脚本已就绪 / map assets ready in {VENDOR_DIR}" + (f": {', '.join(fetched)}" if fetched else ""))
    return 0
