"""Registries: a local folder or a static ``http(s)://`` base address holding releases.

Layout::

    index.json              {"format": 1, "latest": "1.1.0", "versions": {"1.0.0": {...}}}
    <version>/manifest.json (and every file the manifest lists, and manifest.json.sig)

Each entry of ``versions`` holds ``manifest`` (path of the manifest, relative to the
base), ``manifest_sha256``, ``signature``, ``created_at``, ``parent_version`` and
``row_counts``. The index is a convenience: a pull trusts only the signed manifest. Its
shape is still checked on every read (``check_index``): ``versions``, ``pull`` and
``publish`` refuse a malformed index with the same one line.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from newsclaims import snapshot, versioning
from newsclaims.errors import GateFailure, InputError, IntegrityError
from newsclaims.folders import make_folders

INDEX = "index.json"
INDEX_FORMAT = 1
HTTP_TIMEOUT = 30  # seconds for connecting and for each read
METADATA_MAX_BYTES = 16 << 20  # index.json, manifest.json and its signature: at most 16 MiB
METADATA_DEADLINE = 60.0  # seconds to receive one of those files, start to end
CHUNK = 1 << 16
FILE_MODE = 0o644  # a published registry is served by a web server running as another user
FOLDER_MODE = 0o755
LOCK = ".publish.lock"  # held by a publish across its read-modify-write of the index
LOCK_TIMEOUT = 600.0  # seconds a publish waits for another one to the same registry


class RegistryFileMissing(InputError):
    """The registry has no such file (HTTP 404, or no file in a folder registry)."""


def too_large(name: str, limit: int, whose: str) -> IntegrityError:
    return IntegrityError(f"{name}: larger than {limit} bytes ({whose}); download stopped")


def too_slow(name: str, seconds: float) -> IntegrityError:
    return IntegrityError(f"{name}: not received within {seconds:g} s (the registry is too "
                          "slow); download stopped")


class _Cut:
    """Ends the reads of one download from another thread: ``cut()`` sets ``expired`` and
    shuts down every socket registered with ``watch`` (and any registered afterwards), which
    ends a read blocked on it, whether it waits for the response's headers or its body."""

    def __init__(self) -> None:
        self.expired = threading.Event()
        self._stops: list = []

    def watch(self, stop) -> None:
        self._stops.append(stop)
        if self.expired.is_set():  # registered after the cut
            self._call(stop)

    def __call__(self) -> None:
        self.expired.set()
        for stop in list(self._stops):
            self._call(stop)

    @staticmethod
    def _call(stop) -> None:
        try:
            stop()
        except Exception:  # already closed
            pass


def _session_watched_by(cut: _Cut):
    """A ``requests`` session that registers the socket of every connection it opens with
    ``cut`` (through the connection class of urllib3's pools, ``ConnectionCls``), directly
    or through an HTTP proxy. (Through a SOCKS proxy only the response's body can be cut.)"""
    import socket

    import requests
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    def watched(base):
        class Watched(base):
            def connect(self):
                super().connect()
                sock = self.sock
                cut.watch(lambda: sock.shutdown(socket.SHUT_RDWR))
        return Watched

    class Pool(HTTPConnectionPool):
        ConnectionCls = watched(HTTPConnection)

    class TLSPool(HTTPSConnectionPool):
        ConnectionCls = watched(HTTPSConnection)

    pools = {"http": Pool, "https": TLSPool}

    class Adapter(requests.adapters.HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

        def proxy_manager_for(self, proxy, **kwargs):
            manager = super().proxy_manager_for(proxy, **kwargs)
            if not proxy.lower().startswith("socks"):
                manager.pool_classes_by_scheme = pools
            return manager

    session = requests.Session()
    session.mount("http://", Adapter())
    session.mount("https://", Adapter())
    return session


def http_download(url: str, sink, *, limit: int, seconds: float, name: str, whose: str,
                  progress=None) -> None:
    """GET ``url`` and write its body to the binary file ``sink``, refused with one line
    naming ``name`` as soon as more than ``limit`` bytes arrive (``whose`` limit it is) or
    when the whole response has not arrived ``seconds`` after the request started: the
    ``HTTP_TIMEOUT`` of ``requests`` bounds each read only, and a registry that sends a
    byte now and then, of its headers or of its body, would otherwise hold a download
    forever. At the deadline a watchdog shuts the connection (``_Cut``), which ends a
    blocked read.
    HTTP errors and connection failures are raised as ``requests`` exceptions."""
    import requests

    cut = _Cut()
    watchdog = threading.Timer(seconds, cut)
    watchdog.daemon = True
    watchdog.start()
    try:
        with _session_watched_by(cut) as session, \
                session.get(url, timeout=HTTP_TIMEOUT, stream=True) as response:
            cut.watch(response.raw.shutdown)  # the body, whatever the connection
            response.raise_for_status()
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise too_large(name, limit, whose)
            received = 0
            for chunk in response.iter_content(chunk_size=CHUNK):
                if cut.expired.is_set():
                    raise too_slow(name, seconds)
                received += len(chunk)
                if received > limit:
                    raise too_large(name, limit, whose)
                sink.write(chunk)
                if progress is not None:
                    progress.update(len(chunk))
    except requests.RequestException:
        if cut.expired.is_set():  # the watchdog cut the connection
            raise too_slow(name, seconds) from None
        raise
    finally:
        watchdog.cancel()
    if cut.expired.is_set():  # a body without Content-Length ends quietly at the cut
        raise too_slow(name, seconds)


@dataclass(frozen=True)
class Registry:
    """A registry: ``folder`` for a local one, else ``base_url`` (ending with ``/``)."""

    spec: str
    folder: Path | None = None
    base_url: str | None = None

    def url(self, rel: str) -> str:
        """The address of ``rel`` (a checked relative path): percent-encoded, so that a
        ``?``, ``#`` or ``%`` in a name is part of the name over HTTP as in a folder."""
        from urllib.parse import quote

        return self.base_url + quote(rel, safe="/")

    def read_bytes(self, rel: str, what: str) -> bytes:
        """The bytes of one small file of the registry (the index, a manifest, its
        signature), read as a stream and refused beyond ``METADATA_MAX_BYTES`` or after
        ``METADATA_DEADLINE`` seconds, before anything parses or verifies it."""
        limit = METADATA_MAX_BYTES
        whose = "the limit for a registry's metadata file"
        if self.folder is not None:
            path = self.folder / rel
            try:
                with open(path, "rb") as fh:
                    data = fh.read(limit + 1)
            except (FileNotFoundError, NotADirectoryError):
                raise RegistryFileMissing(f"{path}: not found (is {self.spec} a registry?)"
                                          ) from None
            if len(data) > limit:
                raise too_large(str(path), limit, whose)
            return data
        import io

        import requests

        url = self.url(rel)
        sink = io.BytesIO()
        try:
            http_download(url, sink, limit=limit, seconds=METADATA_DEADLINE, name=url,
                          whose=whose)
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else "?"
            kind = RegistryFileMissing if status == 404 else InputError
            raise kind(f"{url}: HTTP {status} ({what})") from None
        except requests.RequestException as exc:
            raise InputError(f"cannot reach registry {self.spec}: {_reason(exc)}") from None
        return sink.getvalue()

    def index(self) -> dict:
        """The registry's ``index.json``, its shape checked (``check_index``)."""
        data = self.read_bytes(INDEX, "the registry index")
        try:
            index = json.loads(data, object_pairs_hook=snapshot.no_duplicate_keys)
        except ValueError as exc:
            raise IntegrityError(f"{self.spec}/{INDEX}: malformed index ({exc})") from None
        problem = check_index(index)
        if problem:
            raise IntegrityError(f"{self.spec}/{INDEX}: malformed index ({problem})")
        return index

    def versions(self) -> list[str]:
        return versioning.sort_versions(self.index()["versions"])


_ENTRY_TEXT_FIELDS = ("manifest", "manifest_sha256", "signature", "created_at",
                      "parent_version")


def check_index(index) -> str | None:
    """What is wrong with the shape of a parsed ``index.json`` (``None`` when nothing is):
    an object whose ``versions`` maps each version to an object, whose text fields are
    strings (or null) and whose ``row_counts`` maps table names to counts."""
    if not isinstance(index, dict):
        return "not a JSON object"
    if "versions" not in index:
        return "no 'versions'"
    versions = index["versions"]
    if not isinstance(versions, dict):
        return "'versions' is not an object"
    latest = index.get("latest")
    if latest is not None and not isinstance(latest, str):
        return "'latest' is not a string"
    for version, entry in versions.items():
        where = f"versions[{version!r}]"
        if not isinstance(entry, dict):
            return f"{where} is not an object"
        for name in _ENTRY_TEXT_FIELDS:
            value = entry.get(name)
            if value is not None and not isinstance(value, str):
                return f"{where}.{name} is not a string"
        counts = entry.get("row_counts")
        if counts is not None and not (
                isinstance(counts, dict)
                and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                        for n in counts.values())):
            return f"{where}.row_counts is not an object of table names and row counts"
    return None


def _reason(exc: Exception) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "timed out",
                   "No route to host"):
        if marker in text:
            return marker.lower()
    return type(exc).__name__


def open_registry(spec: str | os.PathLike) -> Registry:
    spec = str(spec)
    if spec.startswith(("http://", "https://")):
        return Registry(spec, base_url=spec if spec.endswith("/") else spec + "/")
    if "://" in spec:
        raise InputError(f"registry {spec!r}: expected a folder or an http(s):// address")
    return Registry(spec, folder=Path(spec))


def read_index_file(folder: Path) -> dict:
    path = folder / INDEX
    if not path.is_file():
        return {"format": INDEX_FORMAT, "latest": None, "versions": {}}
    return open_registry(folder).index()


def _failing_error_rules(db_path: Path) -> list[str]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        has = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'dq_results'"
                          ).fetchone()[0]
        if not has:
            return ["dq_results missing: the snapshot was never checked"]
        return [r[0] for r in con.execute(
            "SELECT rule_id FROM dq_results WHERE CAST(severity AS VARCHAR) = 'error' "
            "AND CAST(status AS VARCHAR) <> 'pass' ORDER BY 1").fetchall()]
    finally:
        con.close()


@dataclass(frozen=True)
class Published:
    """What ``publish`` did: ``folder`` is the release in the registry; ``already`` is true
    when the registry held this very release (the same manifest) and nothing was done."""

    folder: Path
    already: bool = False


def publish(version: str, releases_dir: Path, to: Path) -> Published:
    """Copy ``releases_dir/version`` into the folder registry ``to`` and add it to the index.

    The release is verified against its manifest first and refused (exit 1) when an
    error-level rule failed in it. Publishing the same release twice is a no-op
    (``Published.already``); a different release under a published version is refused.
    A publish stopped between the folder's rename and the index write is completed by
    running it again."""
    versioning.validate_version(version)
    if str(to).startswith(("http://", "https://")):
        raise InputError(f"{to}: publish writes to a folder registry; copy that folder to "
                         "your web server")
    source = Path(releases_dir) / version
    manifest_path = source / snapshot.MANIFEST
    if not manifest_path.is_file():
        raise InputError(f"release {version} not found in {releases_dir} (no {manifest_path})")
    manifest_bytes = manifest_path.read_bytes()
    manifest = snapshot.parse_manifest(manifest_bytes, f"release {version}")
    snapshot.verify_folder(source, manifest, f"release {version}")
    if manifest.get("version") != version:
        raise IntegrityError(f"release {version}: its manifest is for version "
                             f"{manifest.get('version')}")
    failing = _failing_error_rules(source / snapshot.DB_NAME)
    if failing:
        raise GateFailure(f"publish {version} refused: error-level rules fail: "
                          + ", ".join(failing))
    to = Path(to)
    make_folders(to, mode=FOLDER_MODE)
    digest = hashlib.sha256(manifest_bytes).hexdigest()
    with _writer_lock(to):
        index = read_index_file(to)
        known = index["versions"].get(version)
        if known is not None:
            if known.get("manifest_sha256") == digest:
                return Published(to / version, already=True)
            raise GateFailure(f"publish {version} refused: {to} already holds a different "
                              f"release {version}; published versions are immutable")
        _check_lineage(index, version, manifest, to)
        if (to / version).exists():
            _resume(source, to, version)
        else:
            _copy_in(source, manifest, to, version)
        _add_to_index(to, index, version, manifest, digest,
                      signed=(to / version / snapshot.SIGNATURE).is_file())
    return Published(to / version)


@contextmanager
def _writer_lock(to: Path):
    """One writer of the registry ``to`` at a time: an exclusive lock on ``to/.publish.lock``
    (``filelock``: ``flock``, released by the kernel when a process dies, so a killed
    publish never leaves the registry locked), held from reading the index to writing it.
    A publish that waits longer than ``LOCK_TIMEOUT`` is refused in one line."""
    from filelock import FileLock, Timeout

    lock = FileLock(to / LOCK, timeout=LOCK_TIMEOUT, mode=FILE_MODE)
    try:
        lock.acquire(poll_interval=0.05)
    except Timeout:
        raise InputError(f"{to / LOCK}: another publish to {to} has held the registry for "
                         f"{LOCK_TIMEOUT:g} s; try again when it has finished") from None
    try:
        yield
    finally:
        lock.release()


def _check_lineage(index: dict, version: str, manifest: dict, to: Path) -> None:
    """A registry holds one line of releases: a new version is greater than its newest one,
    and its parent (from its signed manifest) is that newest version. An empty registry
    takes any release."""
    newest = versioning.latest(index["versions"])
    if newest is None:
        return
    if versioning.version_key(version) < versioning.version_key(newest):
        raise GateFailure(f"publish {version} refused: {to} holds the newer version {newest}; "
                          "a registry's versions only go up")
    parent = manifest.get("parent_version")
    if parent != newest:
        raise GateFailure(f"publish {version} refused: its parent is "
                          f"{parent or 'none (a first release)'}, but the newest version in "
                          f"{to} is {newest}; release it again with --parent {newest} "
                          f"(--registry {to})")


def _copy_in(source: Path, manifest: dict, to: Path, version: str) -> None:
    """Copy the release's files into ``to/version`` through a temporary folder renamed at
    the end, so that the registry never holds half a release."""
    work = Path(tempfile.mkdtemp(dir=to, prefix=f".tmp-{version}-"))  # 0700 until ...
    try:
        names = [entry["path"] for entry in manifest["files"]]
        names += [name for name in (snapshot.MANIFEST, snapshot.SIGNATURE)
                  if (source / name).is_file()]
        for rel in names:
            dst = work / rel
            make_folders(dst.parent, mode=FOLDER_MODE)
            shutil.copyfile(source / rel, dst)
            os.chmod(dst, FILE_MODE)
        os.chmod(work, FOLDER_MODE)  # ... every file is in: readable by the web server
        os.rename(work, to / version)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _resume(source: Path, to: Path, version: str) -> None:
    """``to/version`` exists but the index does not list it: a publish stopped between
    renaming the folder into place and writing the index (Ctrl-C). When the folder holds
    this very release (the same manifest and signature bytes, every file matching its
    sha256), the index entry is all that is missing; anything else is refused and left for
    a person to look at."""
    folder = to / version
    for name in (snapshot.MANIFEST, snapshot.SIGNATURE):
        ours, theirs = source / name, folder / name
        if ours.is_file() != theirs.is_file() or (
                ours.is_file() and ours.read_bytes() != theirs.read_bytes()):
            raise GateFailure(f"publish {version} refused: {folder} exists but is not in "
                              f"{to / INDEX}, and its {name} differs from release {version}'s; "
                              "remove it by hand after checking")
    manifest = snapshot.parse_manifest((folder / snapshot.MANIFEST).read_bytes(), str(folder))
    snapshot.verify_folder(folder, manifest, str(folder))


def _add_to_index(to: Path, index: dict, version: str, manifest: dict, digest: str,
                  signed: bool) -> None:
    """Add ``version`` to the registry's index, written to a temporary file and renamed
    over the old one."""
    index["versions"][version] = {
        "manifest": f"{version}/{snapshot.MANIFEST}",
        "manifest_sha256": digest,
        "signature": f"{version}/{snapshot.SIGNATURE}" if signed else None,
        "created_at": manifest.get("created_at"),
        "parent_version": manifest.get("parent_version"),
        "row_counts": manifest.get("row_counts", {}),
    }
    index["format"] = INDEX_FORMAT
    index["latest"] = versioning.latest(index["versions"])
    data = (json.dumps(index, indent=2, sort_keys=True) + "\n").encode()
    fd, tmp = tempfile.mkstemp(dir=to, prefix=".index.json.")  # mode 0600
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, to / INDEX)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


UNSIGNED_FIELDS = ("created_at", "parent_version", "row_counts")


def list_versions(spec: str) -> list[dict]:
    """Version, date, parent and row counts of every version of a registry, oldest first.
    All but the version come from the index, which nobody signed: each row names them in
    ``unsigned_fields`` (``pull`` verifies a version against its signed manifest)."""
    index = open_registry(spec).index()
    rows = []
    for version in versioning.sort_versions(index["versions"]):
        entry = index["versions"][version]
        rows.append({"version": version, "created_at": entry.get("created_at"),
                     "parent_version": entry.get("parent_version"),
                     "row_counts": entry.get("row_counts", {}),
                     "unsigned_fields": list(UNSIGNED_FIELDS)})
    return rows
