"""``newsclaims hydrate``: a researcher fills the texts a release withholds into a local copy
of a pulled snapshot, from a folder of their own copies or from the documents' URLs (a real
local HTTP server), each checked against the SHA-256 the release records; the snapshot
itself never changes, and ``check`` on the copy runs the quote rules against the texts."""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest
from click.testing import CliRunner

from conftest import SEED_DOCUMENT, SEED_SHA256
from newsclaims.cli import cli
from release_fixtures import REPO_DATASET, file_hashes, serve


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    for name in ("NEWSCLAIMS_TRUSTED_KEY", "NEWSCLAIMS_CACHE", "NEWSCLAIMS_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def pulled(tmp_path, dataset=REPO_DATASET):
    """Release ``dataset`` (signed), publish it, and pull it over real HTTP into a cache."""
    releases, registry, cache = tmp_path / "releases", tmp_path / "registry", tmp_path / "cache"
    assert invoke("keygen", "--out", tmp_path / "k.pem").exit_code == 0
    made = invoke("release", "1.0.0", "--dataset", dataset, "--out", releases,
                  "--reports-dir", tmp_path / "project-reports", "--key", tmp_path / "k.pem")
    assert made.exit_code == 0, made.output
    assert invoke("publish", "1.0.0", "--to", registry, "--releases", releases).exit_code == 0
    with serve(registry) as url:
        got = invoke("pull", "1.0.0", "--from", url, "--cache", cache, "--trust-key", tmp_path / "k.pem.pub")
    assert got.exit_code == 0, got.output
    return cache


@pytest.fixture(scope="module")
def snapshot_cache(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pulled")
    import os

    here = os.getcwd()
    os.chdir(tmp)
    try:
        return pulled(tmp)
    finally:
        os.chdir(here)


def texts_folder(tmp_path, text: bytes | None = None):
    folder = tmp_path / "my-texts"
    folder.mkdir()
    (folder / "doc-0001.txt").write_bytes(SEED_DOCUMENT.read_bytes() if text is None else text)
    return folder


def seed_text(db) -> str | None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT text FROM documents WHERE doc_id = 'doc-0001'").fetchone()[0]
    finally:
        con.close()


def test_hydrate_restores_the_seed_text_byte_for_byte(tmp_path, snapshot_cache):
    snap = snapshot_cache / "1.0.0"
    before = file_hashes(snap)
    assert seed_text(snap / "newsclaims.duckdb") is None
    folder = texts_folder(tmp_path)
    result = invoke("hydrate", "--version", "1.0.0", "--cache", snapshot_cache, "--texts", folder)
    assert result.exit_code == 0, result.output
    out = tmp_path / "newsclaims-1.0.0-hydrated.duckdb"
    assert result.stdout == (
        f"hydrated doc-0001 from {folder / 'doc-0001.txt'}\n"
        f"wrote newsclaims-1.0.0-hydrated.duckdb: 1 of 1 withheld texts; check its quotes with: "
        f"newsclaims check --db newsclaims-1.0.0-hydrated.duckdb\n")
    assert seed_text(out).encode("utf-8") == SEED_DOCUMENT.read_bytes()
    con = duckdb.connect(str(out), read_only=True)
    assert con.execute("SELECT doc_id, text_sha256 FROM hydrated_texts").fetchall() == [("doc-0001", SEED_SHA256)]
    con.close()
    assert file_hashes(snap) == before  # the signed snapshot is never changed

    # check on the copy runs the quote rules against the text again: a quote broken in the
    # copy is caught there, and goes unseen in a copy without the text
    checked = invoke("check", "--db", out, "--no-reports", "--select", "family:provenance")
    assert checked.exit_code == 0, checked.output
    unhydrated = tmp_path / "unhydrated.duckdb"
    shutil.copyfile(snap / "newsclaims.duckdb", unhydrated)
    for db in (out, unhydrated):
        con = duckdb.connect(str(db))
        (claim,) = con.execute(
            "SELECT claim_id FROM claims c WHERE NOT EXISTS (SELECT 1 FROM figures f WHERE f.claim_id = c.claim_id) "
            "AND NOT EXISTS (SELECT 1 FROM claim_relays r WHERE r.claim_id = c.claim_id) "
            "AND NOT EXISTS (SELECT 1 FROM claim_links l WHERE c.claim_id IN (l.claim_id, l.other_claim_id)) "
            "ORDER BY claim_id LIMIT 1").fetchone()
        con.execute("UPDATE claims SET quote = quote || '#' WHERE claim_id = ?", [claim])
        con.close()
    broken = invoke("check", "--db", out, "--no-reports", "--select", "claims.quote_matches_text")
    assert broken.exit_code == 1
    assert "claims.quote_matches_text: 1 record(s)" in broken.output
    unseen = invoke("check", "--db", unhydrated, "--no-reports", "--select", "claims.quote_matches_text")
    assert unseen.exit_code == 0


def test_hydrate_refuses_a_text_altered_by_one_character(tmp_path, snapshot_cache):
    data = SEED_DOCUMENT.read_bytes()
    altered = data.replace(b"Kerry holds out hope", b"Kerry holds out hopa", 1)
    assert altered != data and len(altered) == len(data)
    folder = texts_folder(tmp_path, altered)
    import hashlib

    result = invoke("hydrate", "--db", snapshot_cache / "1.0.0", "--texts", folder, "--output", "out.duckdb")
    assert (result.exit_code, result.stderr) == (2, (
        f"Error: {folder / 'doc-0001.txt'}: doc-0001: SHA-256 {hashlib.sha256(altered).hexdigest()} "
        f"differs from the recorded {SEED_SHA256}: not the text the release quotes; nothing was hydrated\n"))
    assert not (tmp_path / "out.duckdb").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name != "my-texts"] == []  # no temporary file left


def test_hydrate_fetches_the_texts_from_their_urls(tmp_path):
    """The document's url, served by a real local HTTP server, gives the text; a server
    that serves another text is refused."""
    served = tmp_path / "site"
    served.mkdir()
    shutil.copyfile(SEED_DOCUMENT, served / "kerry.txt")
    with serve(served) as served_at:
        base = served_at.rstrip("/")
        dataset = tmp_path / "dataset"
        shutil.copytree(REPO_DATASET, dataset)
        yml = dataset / "documents" / "doc-0001.yml"
        yml.write_text(re.sub(r"(?m)^url: .*$", f"url: {base}/kerry.txt", yml.read_text(encoding="utf-8")),
                       encoding="utf-8")
        cache = pulled(tmp_path, dataset)
        result = invoke("hydrate", "--version", "1.0.0", "--cache", cache, "--urls", "--output", "h.duckdb")
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"hydrated doc-0001 from {base}/kerry.txt\n")
        assert seed_text(tmp_path / "h.duckdb").encode("utf-8") == SEED_DOCUMENT.read_bytes()

        (served / "kerry.txt").write_bytes(SEED_DOCUMENT.read_bytes() + b"\n")
        again = invoke("hydrate", "--version", "1.0.0", "--cache", cache, "--urls", "--output", "h2.duckdb")
        assert again.exit_code == 2
        assert again.stderr.startswith(f"Error: {base}/kerry.txt: doc-0001: SHA-256 ")
        assert not (tmp_path / "h2.duckdb").exists()

        (served / "kerry.txt").unlink()
        gone = invoke("hydrate", "--version", "1.0.0", "--cache", cache, "--urls", "--output", "h3.duckdb")
    assert (gone.exit_code, gone.stderr) == (2, (
        f"Error: none of the withheld texts was found: doc-0001: {base}/kerry.txt: HTTP 404\n"))


def test_hydrate_never_writes_over_the_snapshot(tmp_path, snapshot_cache):
    snap = snapshot_cache / "1.0.0"
    before = file_hashes(snap)
    folder = texts_folder(tmp_path)
    result = invoke("hydrate", "--db", snap, "--texts", folder, "--output", snap / "newsclaims.duckdb")
    assert (result.exit_code, result.stderr) == (2, (
        f"Error: {snap / 'newsclaims.duckdb'}: the database of a release snapshot, which hydrate never "
        "changes; give another --output\n"))
    assert file_hashes(snap) == before


def test_hydrate_needs_a_source_of_texts(tmp_path, snapshot_cache):
    result = invoke("hydrate", "--db", snapshot_cache / "1.0.0")
    assert (result.exit_code, result.stderr) == (
        2, "Error: hydrate needs --texts FOLDER or --urls (or both): where the texts are\n")


def test_a_terminated_hydrate_leaves_nothing(tmp_path):
    """SIGTERM while a text is being fetched (a real process, a server that accepts and
    never answers): exit 143 with one line, no output file and no temporary file."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    accepted = threading.Event()
    held = []

    def hold():
        conn, _ = listener.accept()
        held.append(conn)
        accepted.set()

    threading.Thread(target=hold, daemon=True).start()
    port = listener.getsockname()[1]
    dataset = tmp_path / "dataset"
    shutil.copytree(REPO_DATASET, dataset)
    yml = dataset / "documents" / "doc-0001.yml"
    yml.write_text(re.sub(r"(?m)^url: .*$", f"url: http://127.0.0.1:{port}/kerry.txt",
                          yml.read_text(encoding="utf-8")), encoding="utf-8")
    cache = pulled(tmp_path, dataset)
    out = tmp_path / "out"
    out.mkdir()
    exe = os.path.join(os.path.dirname(sys.executable), "newsclaims")
    proc = subprocess.Popen([exe, "hydrate", "--version", "1.0.0", "--cache", str(cache), "--urls",
                             "--output", str(out / "h.duckdb")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert accepted.wait(60)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
        for conn in held:
            conn.close()
        listener.close()
    assert (proc.returncode, stderr, stdout) == (143, "Error: terminated\n", "")
    assert list(out.iterdir()) == []


def test_hydrate_refuses_a_damaged_snapshot(tmp_path, snapshot_cache):
    copy = tmp_path / "copy"
    shutil.copytree(snapshot_cache / "1.0.0", copy)
    db = copy / "newsclaims.duckdb"
    size = db.stat().st_size
    with open(db, "ab") as fh:
        fh.write(b"\0")
    result = invoke("hydrate", "--db", copy, "--texts", texts_folder(tmp_path))
    assert (result.exit_code, result.stderr) == (
        2, f"Error: {copy}: newsclaims.duckdb has {size + 1} bytes, the manifest says {size}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy", "my-texts"]


def test_a_snapshot_that_withholds_no_text_has_nothing_to_hydrate(tmp_path):
    from release_fixtures import make_snapshot

    snap = make_snapshot(tmp_path / "releases", "1.0.0")  # one ship document
    result = invoke("hydrate", "--db", snap, "--texts", texts_folder(tmp_path), "--output", "h.duckdb")
    assert (result.exit_code, result.stderr) == (2, (
        f"Error: {snap / 'newsclaims.duckdb'}: withholds no text that its SHA-256 can check; "
        "nothing to hydrate\n"))
    assert not (tmp_path / "h.duckdb").exists()
