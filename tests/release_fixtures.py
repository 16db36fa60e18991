"""Small snapshots built from code, a real HTTP server over a folder, and helpers to list
a folder's contents. Used by the release, registry, pull, diff and query tests."""

from __future__ import annotations

import atexit
import hashlib
import http.server
import json
import os
import shutil
import socket
import ssl
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import duckdb

from newsclaims import contract, snapshot

TEXT = "Monitors said at least 62 soldiers were killed. The army said 40 died.\n"


def base_rows() -> dict[str, list[dict]]:
    """A tiny valid database's rows: one document, two claims, two figures."""
    return {
        "countries": [dict(country="SYR", name="Syria", min_lat=32.3, max_lat=37.3,
                           min_lon=35.7, max_lon=42.4)],
        "actors": [
            dict(actor_id="act-sohr", name="Syrian Observatory", kind="ngo", country="SYR",
                 status="active"),
            dict(actor_id="act-syrian-army", name="Syrian army", kind="military",
                 country="SYR", status="active"),
        ],
        "actor_aliases": [dict(actor_id="act-sohr", alias="SOHR")],
        "places": [dict(place_id="plc-aleppo", name="Aleppo", kind="city", country="SYR",
                        lat=36.2, lon=37.16, status="active")],
        "documents": [dict(doc_id="doc-0001", title="Truce", language="en", source_kind="news",
                           published_on="2016-09-19", text=TEXT, licence="CC-BY-4.0", text_policy="ship",
                           text_sha256=hashlib.sha256(TEXT.encode()).hexdigest())],
        "incidents": [dict(incident_id="inc-0001", title="Clash", kind="armed_clash",
                           place_id="plc-aleppo", status="active")],
        "claims": [
            dict(claim_id="clm-0001", doc_id="doc-0001", incident_id="inc-0001",
                 claimant_id="act-sohr", claim_date="2016-09-19", quote="at least 62 soldiers",
                 quote_start=14, quote_end=34, modality="asserted", topic="casualties",
                 status="active"),
            dict(claim_id="clm-0002", doc_id="doc-0001", incident_id="inc-0001",
                 claimant_id="act-syrian-army", claim_date="2016-09-19", quote="40 died",
                 quote_start=62, quote_end=69, modality="asserted", topic="casualties",
                 status="active"),
        ],
        "claim_links": [dict(claim_id="clm-0001", other_claim_id="clm-0002",
                             relation="contradicts")],
        "figures": [
            dict(figure_id="fig-0001", claim_id="clm-0001", measure="killed",
                 victim_group="soldiers", stated_text="at least 62", stated_value=62,
                 qualifier="at_least", value_low=62, unit="people"),
            dict(figure_id="fig-0002", claim_id="clm-0002", measure="killed",
                 victim_group="soldiers", stated_text="40", stated_value=40,
                 qualifier="exact", value_low=40, value_high=40, unit="people"),
        ],
    }


def insert(con, table: str, rows: list[dict]) -> None:
    for row in rows:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values()))


def make_db(path: Path, rows: dict[str, list[dict]] | None = None, *, ddl: str | None = None,
            failing_rule: str | None = None) -> Path:
    """A contract database with ``rows`` and passing ``dq_results``/``dq_violations``
    (or one failing error-level rule)."""
    rows = base_rows() if rows is None else rows
    con = duckdb.connect(str(path))
    if ddl is None:
        contract.create_schema(con)
    else:
        con.execute(ddl)
    for table in contract.TABLES:
        insert(con, table, rows.get(table, []))
    con.execute(
        "CREATE TABLE dq_results (rule_id VARCHAR, title VARCHAR, family VARCHAR, severity "
        "VARCHAR, table_name VARCHAR, status VARCHAR, violation_count BIGINT, fail_above BIGINT, "
        "engine VARCHAR, run_at TIMESTAMP, detail VARCHAR)")
    con.execute("CREATE TABLE dq_violations (rule_id VARCHAR, severity VARCHAR, table_name "
                "VARCHAR, record_id VARCHAR, message VARCHAR)")
    con.execute("INSERT INTO dq_results VALUES ('claims.quote_in_text', 'Quote in text', "
                "'text', 'error', 'claims', ?, ?, 0, 'duckdb', now()::TIMESTAMP, NULL)",
                ["fail" if failing_rule else "pass", 1 if failing_rule else 0])
    con.close()
    return path


# Snapshots made once per test run: a call of ``make_snapshot`` with the same arguments (the
# same rows, failing rule, signing key bytes and parent snapshot) copies the folder made the
# first time (0.04 s against about 1 s to make it). Its created_at is that of the first.
_SNAPSHOTS: dict[str, Path] = {}
_SNAPSHOT_CACHE: list[Path] = []


def _snapshot_cache() -> Path:
    if not _SNAPSHOT_CACHE:
        folder = Path(tempfile.mkdtemp(prefix="newsclaims-test-snapshots-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _SNAPSHOT_CACHE.append(folder)
    return _SNAPSHOT_CACHE[0]


def _snapshot_key(releases: Path, version: str, key, rows, parent, failing_rule) -> str:
    parent_manifest = (releases / parent / "manifest.json").read_bytes() if parent else b""
    parts = [version, json.dumps(rows, sort_keys=True, default=str), failing_rule or "",
             hashlib.sha256(Path(key).read_bytes()).hexdigest() if key else "",
             parent or "", hashlib.sha256(parent_manifest).hexdigest()]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def make_snapshot(releases: Path, version: str, *, key: Path | None = None,
                  rows: dict | None = None, parent: str | None = None,
                  failing_rule: str | None = None) -> Path:
    """A complete snapshot folder ``releases/version`` made from ``make_db`` (no build, no
    rule run, no reports: for registry and pull tests)."""
    from newsclaims.release import assemble_snapshot

    releases.mkdir(parents=True, exist_ok=True)
    cache_key = _snapshot_key(releases, version, key, rows, parent, failing_rule)
    if cache_key in _SNAPSHOTS:
        work = Path(tempfile.mkdtemp(dir=releases, prefix=".fixture-"))
        shutil.copytree(_SNAPSHOTS[cache_key], work, dirs_exist_ok=True)
        os.rename(work, releases / version)
        return releases / version
    work = Path(tempfile.mkdtemp(dir=releases, prefix=".fixture-"))
    make_db(work / snapshot.DB_NAME, rows, failing_rule=failing_rule)
    parent_db = releases / parent / snapshot.DB_NAME if parent else None
    assemble_snapshot(work, version, parent, parent_db, signing_key=key, with_reports=False)
    shutil.copytree(work, _snapshot_cache() / cache_key)
    _SNAPSHOTS[cache_key] = _snapshot_cache() / cache_key
    os.rename(work, releases / version)
    return releases / version


def listing(folder: Path) -> list[tuple[str, int]]:
    """Every path under ``folder`` with its size (0 for folders), to compare before/after."""
    if not folder.exists():
        return []
    return sorted((p.relative_to(folder).as_posix(), p.stat().st_size if p.is_file() else 0)
                  for p in folder.rglob("*"))


def file_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A key and a self-signed certificate for 127.0.0.1 (PEM files in ``folder``), made with
    ``cryptography``: the certificate doubles as the CA bundle a client trusts."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_path, cert_path = folder / "key.pem", folder / "cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


@contextmanager
def serve(folder: Path, handler=None, tls: tuple[Path, Path] | None = None):
    """A real HTTP server on 127.0.0.1 (free port) serving ``folder``; yields its base URL.
    ``tls`` (key, certificate): HTTPS instead."""
    handler = handler or partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    report = server.handle_error

    def handle_error(request, client_address):  # a client that hung up is no server error
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            report(request, client_address)

    server.handle_error = handle_error
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certfile=tls[1], keyfile=tls[0])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=30)


def truncating_handler(folder: Path, suffix: str):
    """A handler that, for paths ending with ``suffix``, announces the full Content-Length,
    sends half of the bytes, then closes the connection (a download cut off half-way)."""

    def send(handler, data):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data[: len(data) // 2])
        handler.wfile.flush()
        handler.connection.shutdown(socket.SHUT_RDWR)

    return _file_handler(folder, suffix, send)


def _file_handler(folder: Path, suffix: str, send):
    """A handler serving ``folder`` that hands requests for paths ending with ``suffix`` to
    ``send(handler, data)``; a client that hangs up is not an error."""

    class Handler(_QuietHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def do_GET(self):
            if not self.path.endswith(suffix):
                return super().do_GET()
            data = (folder / self.path.lstrip("/")).read_bytes()
            try:
                send(self, data)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLEOFError):
                pass
            self.close_connection = True

    return Handler


def padding_handler(folder: Path, suffix: str, padding: bytes, *, content_length: bool):
    """Serves files ending with ``suffix`` followed by ``padding`` (an oversized file), with
    their whole length announced, or none (the body ends when the connection closes)."""

    def send(handler, data):
        body = data + padding
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        if content_length:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        for start in range(0, len(body), 1 << 16):
            handler.wfile.write(body[start:start + (1 << 16)])

    return _file_handler(folder, suffix, send)


def dripping_handler(folder: Path, suffix: str, pieces: int, pause: float, part: str = "body"):
    """Serves files ending with ``suffix`` slowly: one ``part`` of the response (``body`` or
    ``headers``) in ``pieces`` parts with ``pause`` seconds before each, the other at once (a
    registry that sends a little now and then, never slow enough for a per-read timeout)."""

    def drip(handler, data: bytes) -> None:
        step = -(-len(data) // pieces)
        for start in range(0, len(data), step):
            time.sleep(pause)
            handler.wfile.write(data[start:start + step])
            handler.wfile.flush()

    def send(handler, data):
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n").encode("ascii")
        if part == "headers":
            drip(handler, head)
            handler.wfile.write(data)
        else:
            handler.wfile.write(head)
            handler.wfile.flush()
            drip(handler, data)

    return _file_handler(folder, suffix, send)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def copy_registry(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


REPO_DATASET = Path(__file__).resolve().parents[1] / "dataset"
