"""Download the official Odoo 18.0 Community source once, when no tree is given.

The archive is checked (SHA-256 when one is given, else the tree must be Odoo
18.0 with its `account` addon), cleared of any module under an Odoo Enterprise
licence (OEEL-1, OPL-1), unpacked into a temporary folder of the cache and
renamed into place: the cache holds a complete tree or nothing.
"""

import ast
import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from .progress import Progress

DEFAULT_URL = "https://github.com/odoo/odoo/archive/refs/heads/18.0.tar.gz"
URL_VARIABLE = "DUNNING_ODOO_URL"
SHA256_VARIABLE = "DUNNING_ODOO_SHA256"
# Licences of Odoo's proprietary modules: never unpacked into the cache.
PROPRIETARY_LICENSES = ("OEEL-1", "OPL-1")
CHUNK = 1 << 20
TIMEOUT = 30


class FetchError(Exception):
    """The source could not be downloaded or is not Odoo 18.0 Community."""


def cached_tree(cache_dir, url):
    """The tree fetched earlier from `url`, or None."""
    root = _tree_dir(cache_dir, url)
    return root if (root / "odoo" / "release.py").is_file() else None


def fetch_odoo(cache_dir, url=None, sha256=None):
    """Return the Odoo source root for `url`, downloading it on first use."""
    url = url or DEFAULT_URL
    found = cached_tree(cache_dir, url)
    if found:
        return found
    target = _tree_dir(cache_dir, url)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=target.parent) as tmp:
        archive = Path(tmp) / "odoo.tar.gz"
        digest = _download(url, archive)
        if sha256 and digest != sha256.strip().lower():
            raise FetchError(f"the archive's SHA-256 is {digest}, not the expected {sha256.strip().lower()}")
        unpacked = Path(tmp) / "tree"
        root = _unpack(archive, unpacked)
        check_tree(root)
        removed = strip_proprietary(root)
        if removed:
            print(f"[dunning] left out {len(removed)} module(s) under a proprietary licence: {', '.join(removed)}")
        try:
            root.rename(target)
        except OSError:
            # Another run finished first: use its tree.
            if not cached_tree(cache_dir, url):
                raise
    return target


def check_tree(root):
    """Raise FetchError unless `root` is an Odoo 18.0 source with `account`."""
    release = root / "odoo" / "release.py"
    if not release.is_file():
        raise FetchError("the archive holds no odoo/release.py: it is not an Odoo source tree")
    if "version_info = (18, 0," not in release.read_text(encoding="utf-8", errors="replace"):
        raise FetchError("the archive is not Odoo 18.0 (odoo/release.py has another version)")
    if not any((folder / "account" / "__manifest__.py").is_file() for folder in addons_folders(root)):
        raise FetchError("the archive has no `account` addon: it is not Odoo's full Community source")


def addons_folders(root):
    """Addons folders of a source tree: `addons/` in a git checkout or the
    GitHub archive, `odoo/addons/` in both and alone in the nightly tarball."""
    return [folder for folder in (root / "addons", root / "odoo" / "addons") if folder.is_dir()]


def strip_proprietary(root):
    """Delete the modules whose manifest declares a proprietary licence."""
    removed = []
    for folder in addons_folders(root):
        for manifest in sorted(folder.glob("*/__manifest__.py")):
            if _license(manifest) in PROPRIETARY_LICENSES:
                shutil.rmtree(manifest.parent)
                removed.append(manifest.parent.name)
    return removed


# ---- helpers ----
def _tree_dir(cache_dir, url):
    key = hashlib.sha256(url.encode()).hexdigest()[:12]
    return Path(cache_dir) / f"odoo-18.0-{key}"


def _download(url, path):
    """Stream `url` into `path`; return the SHA-256 of what was received."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response, open(path, "wb") as out:  # noqa: S310
            size = int(response.headers.get("Content-Length") or 0) or None
            with Progress("downloading Odoo 18.0", total=size and size // CHUNK, text="MiB") as bar:
                received = 0
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(done=received // CHUNK)
                if size and received < size:
                    raise FetchError(f"the download stopped after {received} of {size} bytes")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise FetchError(f"downloading {url} failed: {reason}") from exc
    return digest.hexdigest()


def _unpack(archive, folder):
    """Extract the archive in one pass (refusing links or paths leaving it)
    and return the folder that holds odoo/release.py (the archive's top folder).
    A truncated or corrupt archive raises: the compressed stream is read to
    its end, where gzip checks its CRC."""
    folder.mkdir()
    size = archive.stat().st_size
    try:
        with (
            open(archive, "rb") as raw,
            tarfile.open(fileobj=raw, mode="r:*") as tar,
            Progress("unpacking Odoo 18.0", total=size // CHUNK or None, text="MiB read") as bar,
        ):
            for index, member in enumerate(tar, 1):  # members are read as they come
                _extract(tar, member, folder)
                if index % 500 == 0:
                    bar.update(done=raw.tell() // CHUNK)
            while tar.fileobj.read(CHUNK):
                pass
            bar.update(done=size // CHUNK)
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise FetchError(f"the archive is damaged, unsafe or not a tar archive ({exc})") from exc
    candidates = [folder, *sorted(p for p in folder.iterdir() if p.is_dir())]
    for candidate in candidates:
        if (candidate / "odoo" / "release.py").is_file():
            return candidate
    raise FetchError("the archive holds no odoo/release.py: it is not an Odoo source tree")


def _extract(tar, member, folder):
    """Extract one member, refusing what would leave `folder` (tarfile's
    "data" filter; checked by hand on Pythons older than 3.10.12/3.11.4)."""
    if hasattr(tarfile, "data_filter"):
        tar.extract(member, folder, filter="data")
        return
    parts = Path(member.name).parts
    link_parts = Path(member.linkname).parts if member.issym() or member.islnk() else ()
    if member.name.startswith("/") or ".." in parts or ".." in link_parts or member.linkname.startswith("/"):
        raise ValueError(f"unsafe path in the archive: {member.name}")
    if member.isdev():
        raise ValueError(f"device file in the archive: {member.name}")
    tar.extract(member, folder)


def _license(manifest):
    try:
        values = ast.literal_eval(manifest.read_text(encoding="utf-8", errors="replace"))
    except (ValueError, SyntaxError):
        return None
    return values.get("license") if isinstance(values, dict) else None


def configured():
    """(url, sha256) from the environment, with the default URL."""
    return os.environ.get(URL_VARIABLE) or DEFAULT_URL, os.environ.get(SHA256_VARIABLE) or None
