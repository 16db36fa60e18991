"""``verify``: check a copy of a release folder, wherever it came from (the cache, an
archive, a colleague's disk), as ``pull`` checks a download: the manifest's signature with
the trusted key, then every file against the manifest, and no write-ahead log beside the
database. The folder's name does not matter; the version is the one the signed manifest
states."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from newsclaims import signing, snapshot
from newsclaims.errors import InputError, IntegrityError


@dataclass(frozen=True)
class Verified:
    version: str
    key_id: str
    files: int


def verify_snapshot(folder: str | os.PathLike,
                    trust_key: str | os.PathLike | None = None) -> Verified:
    """Raise ``IntegrityError`` (one line naming the folder) unless ``folder`` is an intact
    release signed by the trusted key (``signing.trusted_key_path``)."""
    folder = Path(folder)
    what = str(folder)
    if not folder.is_dir():
        raise InputError(f"{what}: no such release folder")
    key_path = signing.trusted_key_path(trust_key)
    key = signing.load_public(key_path)
    try:
        manifest_bytes = (folder / snapshot.MANIFEST).read_bytes()
    except FileNotFoundError:
        raise IntegrityError(f"{what}: {snapshot.MANIFEST} is missing") from None
    try:
        signature = (folder / snapshot.SIGNATURE).read_bytes()
    except FileNotFoundError:
        raise IntegrityError(f"{what}: {snapshot.SIGNATURE} is missing: the release is not "
                             "signed") from None
    signing.verify(manifest_bytes, signature, key_path, f"{what}: manifest")
    manifest = snapshot.parse_manifest(manifest_bytes, what)
    snapshot.verify_folder(folder, manifest, what)
    return Verified(str(manifest.get("version")), signing.key_id(key), len(manifest["files"]))
