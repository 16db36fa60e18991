"""``pull``: download a release from a registry into the local cache, verified.

Order of trust: the manifest's signature is checked with the researcher's trusted key
first; then the manifest must be the requested version's; then every file is downloaded
with its sha256 from the manifest (pooch checks it as the file arrives) and its size is
checked. Every file streams under a cap (``registry.METADATA_MAX_BYTES`` for the manifest and
signature, the manifest's ``bytes`` for a data file) and an overall deadline
(``registry.METADATA_DEADLINE``; ``DATA_DEADLINE`` plus the size at ``DATA_MIN_RATE``). Everything happens in ``<cache>/.pull-<pid>-*/``, which is renamed to
``<cache>/<version>/`` only when all of it verified; on any failure the temporary folder
is removed, so the cache is left as it was (a pull killed outright leaves it; the next pull
removes it, ``newsclaims.workfolders``).

A version already in the cache is served from it without any download, once its files
match its manifest, its manifest names the version its folder is named after, and its
signature verifies with the trusted key given now (not the one of the first pull).

The newest version pulled from each registry is remembered in ``<cache>/registries.json``;
``latest`` never resolves to an older one (an index that drops versions: a freeze attack)
unless ``allow_downgrade`` is given.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path, PurePosixPath

from newsclaims import signing, snapshot, versioning, workfolders
from newsclaims.errors import InputError, IntegrityError
from newsclaims.progress import Transfer, transfer
from newsclaims.registry import (CHUNK, INDEX, Registry, RegistryFileMissing, http_download,
                                 open_registry, too_large)

CACHE_ENV = "NEWSCLAIMS_CACHE"
# a full disk, a full quota, or a file over the size limit of the process (RLIMIT_FSIZE)
NO_ROOM = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
WORK_PREFIX = ".pull-"  # the temporary folder in the cache: .pull-<pid>-<random>/
DATA_DEADLINE = 60.0  # seconds every data file may take, plus its size at DATA_MIN_RATE
DATA_MIN_RATE = 64 << 10  # bytes per second: a registry slower than this is refused


def cache_dir(explicit: str | os.PathLike | None = None) -> Path:
    """``--cache``, else ``NEWSCLAIMS_CACHE``, else the user cache folder
    (``~/.cache/newsclaims`` on Linux)."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("newsclaims"))


def cached_versions(cache: Path) -> list[str]:
    if not cache.is_dir():
        return []
    return versioning.sort_versions(
        p.name for p in cache.iterdir()
        if versioning.VERSION_RE.match(p.name) and (p / snapshot.MANIFEST).is_file()
    )


def cached(version: str, cache: Path) -> Path | None:
    folder = cache / versioning.validate_version(version)
    return folder if (folder / snapshot.MANIFEST).is_file() else None


def _damage(folder: Path, key_path: Path | None = None) -> str | None:
    """What is wrong with a cached snapshot, or ``None``: every file against its manifest
    (a file changed since it was pulled, e.g. a database a tool wrote into, or a log beside
    it), the version its manifest states against the folder's name, and, given
    ``key_path``, the manifest's signature."""
    what = str(folder)
    try:
        manifest_bytes = (folder / snapshot.MANIFEST).read_bytes()
        manifest = snapshot.parse_manifest(manifest_bytes, what)
        if manifest.get("version") != folder.name:
            raise IntegrityError(f"{what}: its manifest is for version "
                                 f"{manifest.get('version')!r}, not {folder.name}")
        snapshot.verify_folder(folder, manifest, what)
        if key_path is not None:
            try:
                signature = (folder / snapshot.SIGNATURE).read_bytes()
            except FileNotFoundError:
                raise IntegrityError(f"{what}: {snapshot.SIGNATURE} is missing") from None
            signing.verify(manifest_bytes, signature, key_path, f"{what}: manifest")
    except IntegrityError as exc:
        return str(exc)
    return None


def _verified_hit(version: str, cache: Path, registry, key_path: Path | None
                  ) -> Path | None:
    """The cached copy of ``version`` when it is intact and its signature verifies with
    ``key_path``; ``None`` when there is none, or a damaged one that the registry can
    replace; an error for a damaged one it cannot."""
    hit = cached(version, cache)
    if hit is None:
        return None
    damage = _damage(hit)
    if damage is None:
        if key_path is None:
            key_path = signing.trusted_key_path(None)
        damage = _damage(hit, key_path)
        if damage is None:
            return hit
    if registry is None:
        raise IntegrityError(f"{damage} (the cached copy of {version} was changed after it was "
                             "pulled); pull it again with --from REGISTRY")
    return None


SEEN = "registries.json"  # in the cache: the newest version pulled from each registry


def _registry_id(reg: Registry) -> str:
    return reg.base_url if reg.base_url is not None else str(reg.folder.resolve())


def _newest_seen(cache: Path, reg: Registry) -> str | None:
    try:
        seen = json.loads((cache / SEEN).read_bytes())
        newest = seen[_registry_id(reg)]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return newest if isinstance(newest, str) and versioning.VERSION_RE.match(newest) else None


def _remember(cache: Path, reg: Registry, version: str) -> None:
    """Record ``version`` as pulled from ``reg`` when it is the newest so far (written to a
    temporary file and renamed, so a reader never sees half of it)."""
    path = cache / SEEN
    try:
        seen = json.loads(path.read_bytes())
        if not isinstance(seen, dict):
            seen = {}
    except (OSError, ValueError):
        seen = {}
    key = _registry_id(reg)
    old = seen.get(key)
    if isinstance(old, str) and versioning.VERSION_RE.match(old) and \
            versioning.version_key(old) >= versioning.version_key(version):
        return
    seen[key] = version
    fd, tmp = tempfile.mkstemp(dir=cache, prefix=f".{SEEN}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(seen, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _resolve_latest(index: dict, reg: Registry, cache: Path, allow_downgrade: bool) -> str:
    """The version ``latest`` means: the newest the index lists, refused when the index's
    own ``latest`` names another one, or when a newer one was pulled from this registry
    before (both signs of an index that drops versions), unless ``allow_downgrade``."""
    version = versioning.latest(index["versions"])
    if version is None:
        raise InputError(f"registry {reg.spec} holds no version")
    stated = index.get("latest")
    if stated is not None and stated != version and not allow_downgrade:
        raise IntegrityError(
            f"{reg.spec}/{INDEX}: its 'latest' is {stated!r} but the newest version it lists "
            f"is {version} (versions dropped from the index?); pass --allow-downgrade to pull "
            f"{version} anyway")
    newest = _newest_seen(cache, reg)
    if newest is not None and versioning.version_key(version) < versioning.version_key(newest) \
            and not allow_downgrade:
        raise IntegrityError(
            f"registry {reg.spec} offers {version} as its latest version, but {newest} was "
            f"pulled from it before (an index that drops versions: a freeze attack?); pass "
            f"--allow-downgrade to pull {version} anyway")
    return version


def _data_deadline(size: int) -> float:
    """Seconds one data file of ``size`` bytes may take, start to end."""
    return DATA_DEADLINE + size / DATA_MIN_RATE


def _capped_downloader(limit: int, seconds: float, name: str, progress: Transfer):
    """A pooch downloader (``downloader(url, output_file, pooch)``) that streams with
    ``requests`` and stops as soon as more than ``limit`` bytes (the size the signed manifest
    gives) arrive or ``seconds`` pass; pooch still checks the sha256 of what arrived. The
    bytes are counted on ``progress``, the one bar of the whole pull."""

    def download(url, output_file, pooch) -> None:
        with open(output_file, "wb") as sink:
            http_download(url, sink, limit=limit, seconds=seconds, name=name,
                          whose="the size its signed manifest gives", progress=progress)

    return download


def _copy_capped(source: Path, dest: Path, limit: int, name: str, progress: Transfer) -> None:
    with open(source, "rb") as src, open(dest, "wb") as dst:
        copied = 0
        while chunk := src.read(CHUNK):
            copied += len(chunk)
            if copied > limit:
                raise too_large(name, limit, "the size its signed manifest gives")
            dst.write(chunk)
            progress.update(len(chunk))


def _fetch(reg: Registry, rel: str, dest: Path, sha256: str, size: int, what: str,
           progress: Transfer) -> None:
    """Copy or download one data file of the registry to ``dest``: refused as soon as it
    passes ``size`` bytes (from the signed manifest) or its deadline; its sha256 checked."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    name = f"{what}: {rel}"
    if reg.folder is not None:
        source = reg.folder / rel
        if not source.is_file():
            raise IntegrityError(f"{what}: {source} is missing from the registry")
        _copy_capped(source, dest, size, name, progress)
        if snapshot.sha256_file(dest) != sha256:
            raise IntegrityError(f"{what}: {rel} does not match its sha256 in the manifest")
        return
    import pooch
    import requests

    pooch.get_logger().setLevel(logging.WARNING)
    downloader = _capped_downloader(size, _data_deadline(size), name, progress)
    try:
        pooch.retrieve(reg.url(rel), known_hash=f"sha256:{sha256}",
                       fname=dest.name, path=dest.parent, downloader=downloader)
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise IntegrityError(f"{what}: {reg.url(rel)}: HTTP {status}"
                             + (" (file missing from the registry)" if status == 404 else "")
                             ) from None
    except requests.ConnectionError as exc:
        text = str(exc)
        if "Connection refused" in text or "Failed to establish" in text:
            raise InputError(f"cannot reach registry {reg.spec}: connection refused") from None
        raise IntegrityError(f"{what}: download of {rel} was cut off ({type(exc).__name__})"
                             ) from None
    except requests.RequestException as exc:
        raise IntegrityError(f"{what}: download of {rel} failed ({type(exc).__name__})") from None
    except ValueError as exc:  # pooch: the hash does not match
        if "hash" in str(exc).lower():
            raise IntegrityError(f"{what}: {rel} does not match its sha256 in the manifest "
                                 "(altered or truncated download)") from None
        raise


def _read_metadata(reg: Registry, rel: str, what: str) -> bytes:
    """A manifest or signature: read capped (``Registry.read_bytes``), errors worded as
    a pull's."""
    try:
        return reg.read_bytes(rel, what)
    except RegistryFileMissing:
        where = reg.folder / rel if reg.folder is not None else f"{reg.url(rel)}: HTTP 404"
        raise RegistryFileMissing(f"{what}: {where} (file missing from the registry)"
                                  ) from None


def _place(work: Path, target: Path, version: str, key_path: Path | None = None) -> Path:
    """Rename the verified download ``work`` to ``target``. Another pull of the same
    version may have put its copy there first (the rename then fails: the folder is not
    empty): an intact copy is kept and ``work`` removed; a damaged one is set aside and
    replaced; a folder that is no pulled release is refused in one line."""
    for _ in range(3):
        try:
            os.replace(work, target)
            return target
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR):
                raise
        if not (target / snapshot.MANIFEST).is_file():
            raise IntegrityError(f"{target} exists but holds no {snapshot.MANIFEST}: it is not "
                                 f"a pulled release; remove it, then pull {version} again")
        if _damage(target, key_path) is None:  # pulled meanwhile by another process
            shutil.rmtree(work)
            return target
        # a damaged cached copy: set it aside, put the verified download in its place
        damaged = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".damaged-{version}-"))
        try:
            os.replace(target, damaged / version)
        except FileNotFoundError:  # another pull set it aside first
            pass
        shutil.rmtree(damaged, ignore_errors=True)
    raise IntegrityError(f"{target}: other processes keep replacing it; pull {version} again")


def _safe_rel(rel, what: str) -> str:
    if rel is None:
        raise IntegrityError(f"{what}: the index gives no manifest path")
    return snapshot.safe_relpath(rel, what, "the index")


def pull(version: str = "latest", registry: str | os.PathLike | None = None, *,
         cache: str | os.PathLike | None = None, trust_key: str | os.PathLike | None = None,
         progress: bool | None = None, allow_downgrade: bool = False) -> Path:
    """Make ``version`` (or ``latest``) of ``registry`` available in the cache; return its folder."""
    cache_path = cache_dir(cache)
    if version != "latest":
        versioning.validate_version(version)
        key_path = signing.trusted_key_path(trust_key) if trust_key is not None else None
        hit = _verified_hit(version, cache_path, registry, key_path)
        if hit is not None:
            return hit
    if registry is None:
        from newsclaims.declaration import declared_registry

        registry = declared_registry()  # the project's registry.toml
    if registry is None:
        raise InputError(f"version {version} is not in the cache {cache_path}; "
                         "pass --from REGISTRY to download it (registry.toml declares none)")
    key_path = signing.trusted_key_path(trust_key)
    signing.load_public(key_path)  # a missing or bad key fails before any download
    reg = open_registry(registry)
    index = reg.index()
    if version == "latest":
        version = _resolve_latest(index, reg, cache_path, allow_downgrade)
    hit = _verified_hit(version, cache_path, registry, key_path)
    if hit is not None:
        _remember(cache_path, reg, version)
        return hit
    entry = index["versions"].get(version)  # an object: the index's shape was checked
    if entry is None:
        known = ", ".join(versioning.sort_versions(index["versions"])) or "none"
        raise InputError(f"version {version} is not in registry {reg.spec} (it has: {known})")
    what = f"pull {version} from {reg.spec}"
    manifest_rel = _safe_rel(entry.get("manifest"), what)
    base = str(PurePosixPath(manifest_rel).parent)
    base = "" if base == "." else base + "/"
    signature_rel = base + snapshot.SIGNATURE
    if progress is None:
        progress = sys.stderr.isatty()

    created_cache = not cache_path.exists()
    cache_path.mkdir(parents=True, exist_ok=True)
    # a pull killed outright (kill -9) left its folder: removed when no pull holds it
    workfolders.remove_stale(cache_path, WORK_PREFIX)
    held = workfolders.WorkFolder(cache_path, WORK_PREFIX)
    work = held.path
    manifest = None
    try:
        manifest_bytes = _read_metadata(reg, manifest_rel, what)
        try:
            signature = _read_metadata(reg, signature_rel, what)
        except RegistryFileMissing:
            raise IntegrityError(f"{what}: the release is not signed (no {signature_rel}); "
                                 "only signed releases can be pulled") from None
        signing.verify(manifest_bytes, signature, key_path, f"{what}: manifest")
        (work / snapshot.MANIFEST).write_bytes(manifest_bytes)
        (work / snapshot.SIGNATURE).write_bytes(signature)
        manifest = snapshot.parse_manifest(manifest_bytes, what)
        if manifest.get("version") != version:
            raise IntegrityError(f"{what}: the index points at the manifest of version "
                                 f"{manifest.get('version')}, not {version} (tampered index)")
        if entry.get("manifest_sha256") not in (None, hashlib.sha256(manifest_bytes).hexdigest()):
            raise IntegrityError(f"{what}: the index's manifest_sha256 does not match the "
                                 "signed manifest (tampered index)")
        # one bar for the whole download, naming the file being fetched
        total = sum(int(item["bytes"]) for item in manifest["files"])
        with transfer(f"pull {version}", total, enabled=progress) as bar:
            for item in manifest["files"]:
                rel = item["path"]
                bar.file(rel)
                _fetch(reg, base + rel, work / rel, item["sha256"], int(item["bytes"]), what,
                       bar)
        snapshot.verify_folder(work, manifest, what)
        placed = _place(work, cache_path / version, version, key_path)
        held.close()
    except BaseException as exc:
        shutil.rmtree(work, ignore_errors=True)
        held.close()
        if created_cache:
            try:
                cache_path.rmdir()
            except OSError:
                pass
        if isinstance(exc, OSError) and exc.errno in NO_ROOM:
            need = sum(int(e["bytes"]) for e in manifest["files"]) if manifest else None
            raise InputError(
                f"{cache_path}: {os.strerror(exc.errno).lower()} while pulling {version}"
                + (f" (it needs {need} bytes)" if need is not None else "")
                + "; the cache is left as it was") from None
        raise
    try:
        _remember(cache_path, reg, version)
    except OSError:
        pass  # the version is in place; the next pull from this registry records it
    return placed
