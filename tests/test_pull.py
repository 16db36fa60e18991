"""Pulling releases over real HTTP: verified, cached, and refusing every tampering
with one line, a non-zero exit and the cache exactly as it was."""

from __future__ import annotations

import json
import shutil
import threading
import time

import pytest
from click.testing import CliRunner

from newsclaims import pull as pull_module
from newsclaims import registry as registry_module
from newsclaims.cli import cli
from newsclaims.registry import publish
from newsclaims.signing import keygen
from release_fixtures import (_file_handler, base_rows, closed_port, dripping_handler,
                              file_hashes, listing, make_snapshot, padding_handler,
                              self_signed_certificate, serve, truncating_handler)


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    for name in ("NEWSCLAIMS_TRUSTED_KEY", "NEWSCLAIMS_CACHE", "NEWSCLAIMS_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("world")
    keygen(root / "k.pem")
    keygen(root / "other.pem")
    releases = root / "releases"
    make_snapshot(releases, "1.0.0", key=root / "k.pem")
    rows = base_rows()
    rows["figures"][0].update(stated_value=70, stated_text="at least 70", value_low=70,
                              notes="Corrected: the text says 70.")
    make_snapshot(releases, "1.1.0", key=root / "k.pem", rows=rows, parent="1.0.0")
    make_snapshot(releases, "2.0.0", key=root / "other.pem", rows=rows, parent="1.1.0")
    registry = root / "registry"
    for version in ("1.0.0", "1.1.0", "2.0.0"):
        publish(version, releases, registry)
    return {"root": root, "releases": releases, "registry": registry,
            "pub": root / "k.pem.pub"}


def invoke(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def pull(world, version, source, cache, *extra):
    return invoke("pull", version, "--from", source, "--cache", cache,
                  "--trust-key", world["pub"], *extra)


def prepared_cache(tmp_path, world):
    """A cache that already holds 1.0.0 (pulled from the folder registry)."""
    cache = tmp_path / "cache"
    assert pull(world, "1.0.0", world["registry"], cache).exit_code == 0
    return cache


def test_pull_over_http_then_served_from_cache_with_server_stopped(world, tmp_path):
    cache = tmp_path / "cache"
    with serve(world["registry"]) as url:
        result = pull(world, "1.1.0", url, cache)
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == str(cache / "1.1.0")
    assert file_hashes(cache / "1.1.0") == file_hashes(world["releases"] / "1.1.0")
    before = listing(cache)
    again = pull(world, "1.1.0", url, cache)  # the server is gone: served from the cache
    assert again.exit_code == 0 and again.stdout.strip() == str(cache / "1.1.0")
    assert listing(cache) == before
    assert [p.name for p in cache.iterdir() if p.name != "registries.json"] == ["1.1.0"]


def test_latest_and_env_configured_trust(world, tmp_path):
    cache = tmp_path / "cache"
    cfg = tmp_path / "config" / "newsclaims"
    cfg.mkdir(parents=True)
    shutil.copy(world["root"] / "other.pem.pub", cfg / "trusted_key.pub")
    # latest is 2.0.0, signed by the other key: the config-dir key trusts it
    result = invoke("pull", "latest", "--from", world["registry"], "--cache", cache)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(cache / "2.0.0")
    # the environment variable wins over the config file: 1.0.0 needs the first key
    result = invoke("pull", "1.0.0", "--from", world["registry"], "--cache", cache,
                    env={"NEWSCLAIMS_TRUSTED_KEY": str(world["pub"])})
    assert result.exit_code == 0, result.output


def test_no_trusted_key_configured(world, tmp_path):
    result = invoke("pull", "1.0.0", "--from", world["registry"], "--cache", tmp_path / "c")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: no trusted public key: pass --trust-key PUBFILE")
    assert not (tmp_path / "c").exists()


def tampered_registry(world, tmp_path):
    copy = tmp_path / "registry"
    shutil.copytree(world["registry"], copy)
    return copy


def flip_parquet(reg):
    path = reg / "1.1.0" / "data" / "figures.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def swap_index_to_other_manifest(reg):
    index = json.loads((reg / "index.json").read_text())
    index["versions"]["1.1.0"] = dict(index["versions"]["1.0.0"])
    (reg / "index.json").write_text(json.dumps(index))


def tamper_index_digest(reg):
    index = json.loads((reg / "index.json").read_text())
    index["versions"]["1.1.0"]["manifest_sha256"] = "0" * 64
    (reg / "index.json").write_text(json.dumps(index))


def tamper_manifest(reg):
    path = reg / "1.1.0" / "manifest.json"
    path.write_text(path.read_text().replace('"1.0.0"', '"0.9.0"'))


def sign_with_other_key(reg):
    from newsclaims.signing import sign

    key = reg.parent.parent / "other-signer.pem"
    if not key.exists():
        keygen(key)
    manifest = (reg / "1.1.0" / "manifest.json").read_bytes()
    (reg / "1.1.0" / "manifest.json.sig").write_bytes(sign(manifest, key))


def delete_file(reg):
    (reg / "1.1.0" / "data" / "claims.parquet").unlink()


def delete_signature(reg):
    (reg / "1.1.0" / "manifest.json.sig").unlink()


def malformed_index(reg):
    (reg / "index.json").write_text("{not json")


def index_entry_not_an_object(reg):
    index = json.loads((reg / "index.json").read_text())
    index["versions"]["1.1.0"] = "1.1.0/manifest.json"
    (reg / "index.json").write_text(json.dumps(index))


def index_row_counts_not_an_object(reg):
    index = json.loads((reg / "index.json").read_text())
    index["versions"]["1.1.0"]["row_counts"] = 5
    (reg / "index.json").write_text(json.dumps(index))


ATTACKS = {
    "flipped byte in a parquet file": (
        flip_parquet, "1.1.0", 2,
        "data/figures.parquet does not match its sha256 in the manifest"),
    "index pointing at another version's manifest": (
        swap_index_to_other_manifest, "1.1.0", 2,
        "the index points at the manifest of version 1.0.0, not 1.1.0 (tampered index)"),
    "index with a wrong manifest digest": (
        tamper_index_digest, "1.1.0", 2, "manifest_sha256 does not match the signed manifest"),
    "manifest edited after signing": (
        tamper_manifest, "1.1.0", 2, "manifest: signature does not verify with the trusted key"),
    "manifest signed by another key": (
        sign_with_other_key, "1.1.0", 2, "signature does not verify with the trusted key"),
    "missing file (404)": (
        delete_file, "1.1.0", 2, "data/claims.parquet: HTTP 404 (file missing from the registry)"),
    "unsigned release": (delete_signature, "1.1.0", 2, "the release is not signed"),
    "unknown version": (lambda reg: None, "7.7.7", 2,
                        "version 7.7.7 is not in registry"),
    "malformed index": (malformed_index, "1.1.0", 2, "index.json: malformed index"),
    # the same check of the index's shape as `versions` (registry.check_index)
    "index entry that is not an object": (
        index_entry_not_an_object, "1.1.0", 2,
        "index.json: malformed index (versions['1.1.0'] is not an object)"),
    "index row counts that are not an object": (
        index_row_counts_not_an_object, "1.1.0", 2,
        "index.json: malformed index (versions['1.1.0'].row_counts is not an object of table "
        "names and row counts)"),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_attacks_fail_with_one_line_and_leave_the_cache_as_it_was(world, tmp_path, attack):
    tamper, version, code, message = ATTACKS[attack]
    reg = tampered_registry(world, tmp_path)
    tamper(reg)
    cache = prepared_cache(tmp_path, world)
    before = listing(cache)
    with serve(reg) as url:
        result = pull(world, version, url, cache)
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], lines
    assert listing(cache) == before


def test_download_cut_off_half_way(world, tmp_path):
    cache = prepared_cache(tmp_path, world)
    before = listing(cache)
    with serve(world["registry"], truncating_handler(world["registry"], "figures.parquet")) as url:
        result = pull(world, "1.1.0", url, cache)
    assert result.exit_code == 2
    assert "Error: pull 1.1.0 from " in result.stderr
    assert "figures.parquet" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert listing(cache) == before


def test_unreachable_registry(world, tmp_path):
    cache = prepared_cache(tmp_path, world)
    before = listing(cache)
    url = f"http://127.0.0.1:{closed_port()}/"
    result = pull(world, "1.1.0", url, cache)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: cannot reach registry {url}: connection refused"
    assert listing(cache) == before


@pytest.mark.parametrize("version", ["../../etc", "..", "1.1", "1.1.0/../../x"])
def test_version_strings_never_touch_a_path(world, tmp_path, version):
    cache = prepared_cache(tmp_path, world)
    before = listing(cache)
    result = pull(world, version, world["registry"], cache)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: release.version_syntax: invalid version '{version}'")
    assert listing(cache) == before


def test_index_with_a_path_escaping_the_registry(world, tmp_path):
    reg = tampered_registry(world, tmp_path)
    index = json.loads((reg / "index.json").read_text())
    index["versions"]["1.1.0"]["manifest"] = "../../etc/manifest.json"
    (reg / "index.json").write_text(json.dumps(index))
    cache = prepared_cache(tmp_path, world)
    before = listing(cache)
    result = pull(world, "1.1.0", reg, cache)
    assert result.exit_code == 2
    assert "unsafe file path '../../etc/manifest.json'" in result.stderr
    assert listing(cache) == before


def test_a_cached_copy_changed_after_the_pull_is_replaced_or_refused(world, tmp_path):
    """A tool that wrote into a cached snapshot's database (as `check` or the pytest gate on
    it once did) leaves a copy that no longer matches its manifest: `pull` with the
    registry downloads a verified copy in its place; without it, refuses in one line."""
    cache = prepared_cache(tmp_path, world)
    db = cache / "1.0.0" / "newsclaims.duckdb"
    with open(db, "ab") as fh:
        fh.write(b"\0" * 4096)
    without = invoke("pull", "1.0.0", "--cache", cache)
    assert without.exit_code == 2
    assert without.stderr == (
        f"Error: {cache / '1.0.0'}: newsclaims.duckdb has {db.stat().st_size} bytes, the manifest "
        f"says {db.stat().st_size - 4096} (the cached copy of 1.0.0 was changed after it was "
        "pulled); pull it again with --from REGISTRY\n")
    again = pull(world, "1.0.0", world["registry"], cache)
    assert again.exit_code == 0, again.output
    assert file_hashes(cache / "1.0.0") == file_hashes(world["releases"] / "1.0.0")
    assert [p.name for p in cache.iterdir() if p.name != "registries.json"] == ["1.0.0"]  # nothing set aside is left


def one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("Error: "), lines
    return lines[0]


def manifest_size(world, version, rel):
    manifest = json.loads((world["releases"] / version / "manifest.json").read_text())
    return next(e["bytes"] for e in manifest["files"] if e["path"] == rel)


METADATA_LIMIT = 8192  # the cap set for these tests; the files are ~3 KiB


@pytest.mark.parametrize("content_length", [True, False], ids=["announced", "unannounced"])
@pytest.mark.parametrize("name", ["index.json", "1.1.0/manifest.json",
                                  "1.1.0/manifest.json.sig"])
def test_oversized_metadata_is_refused_at_the_cap(world, tmp_path, monkeypatch, name,
                                                  content_length):
    """index.json, manifest.json or its signature larger than METADATA_MAX_BYTES (set small
    here; whitespace keeps the JSON valid) is refused while it streams, before any parse or
    signature check."""
    monkeypatch.setattr(registry_module, "METADATA_MAX_BYTES", METADATA_LIMIT)
    cache = prepared_cache(tmp_path, world)
    before = listing(cache)
    handler = padding_handler(world["registry"], name, b" " * (1 << 20),
                              content_length=content_length)
    with serve(world["registry"], handler) as url:
        result = pull(world, "1.1.0", url, cache)
        if name == "index.json":
            listed = invoke("versions", "--from", url)
    expected = (f"{url}{name}: larger than {METADATA_LIMIT} bytes (the limit for a registry's "
                "metadata file); download stopped")
    assert one_error_line(result).endswith(expected)
    assert listing(cache) == before
    if name == "index.json":
        assert (listed.stdout, listed.stderr) == ("", f"Error: {expected}\n")


def test_oversized_index_in_a_folder_registry_is_refused(world, tmp_path, monkeypatch):
    monkeypatch.setattr(registry_module, "METADATA_MAX_BYTES", METADATA_LIMIT)
    reg = tampered_registry(world, tmp_path)
    with open(reg / "index.json", "ab") as fh:
        fh.write(b" " * (1 << 20))
    result = invoke("versions", "--from", reg)
    assert one_error_line(result) == (
        f"Error: {reg / 'index.json'}: larger than {METADATA_LIMIT} bytes (the limit for a "
        "registry's metadata file); download stopped")


@pytest.mark.parametrize("content_length", [True, False], ids=["announced", "unannounced"])
def test_a_data_file_larger_than_its_signed_size_is_stopped(world, tmp_path, content_length):
    """A data file that goes on past the bytes its signed manifest gives is stopped there
    (not written to the end and then found to mismatch its sha256)."""
    cache = prepared_cache(tmp_path, world)
    before = listing(cache)
    size = manifest_size(world, "1.1.0", "data/figures.parquet")
    handler = padding_handler(world["registry"], "figures.parquet", b"\0" * (4 << 20),
                              content_length=content_length)
    with serve(world["registry"], handler) as url:
        result = pull(world, "1.1.0", url, cache)
    assert one_error_line(result) == (
        f"Error: pull 1.1.0 from {url}: 1.1.0/data/figures.parquet: larger than {size} bytes "
        "(the size its signed manifest gives); download stopped")
    assert listing(cache) == before


def test_a_data_file_larger_than_its_signed_size_in_a_folder_registry(world, tmp_path):
    reg = tampered_registry(world, tmp_path)
    size = manifest_size(world, "1.1.0", "data/figures.parquet")
    with open(reg / "1.1.0" / "data" / "figures.parquet", "ab") as fh:
        fh.write(b"\0" * (1 << 20))
    cache = prepared_cache(tmp_path, world)
    before = listing(cache)
    result = pull(world, "1.1.0", reg, cache)
    assert one_error_line(result) == (
        f"Error: pull 1.1.0 from {reg}: 1.1.0/data/figures.parquet: larger than {size} bytes "
        "(the size its signed manifest gives); download stopped")
    assert listing(cache) == before


DEADLINE = 0.5  # seconds, set for these tests; the dripping server needs 8 x 0.5 s


@pytest.mark.parametrize("part", ["body", "headers"])
@pytest.mark.parametrize("name", ["index.json", "1.1.0/manifest.json", "figures.parquet"])
def test_a_registry_that_drips_bytes_is_refused_at_the_deadline(world, tmp_path, monkeypatch,
                                                                 name, part):
    """Every read gets a piece within the per-read timeout, but the response as a whole (its
    body, or already its headers) does not arrive in time: refused at the deadline (the
    watchdog ends the read blocked in between), naming the file, not after the 4 s the
    server takes."""
    monkeypatch.setattr(registry_module, "METADATA_DEADLINE", DEADLINE)
    monkeypatch.setattr(pull_module, "DATA_DEADLINE", DEADLINE)
    monkeypatch.setattr(pull_module, "DATA_MIN_RATE", 1 << 40)
    cache = prepared_cache(tmp_path, world)
    before = listing(cache)
    handler = dripping_handler(world["registry"], name, pieces=8, pause=0.5, part=part)
    with serve(world["registry"], handler) as url:
        start = time.monotonic()
        result = pull(world, "1.1.0", url, cache)
        elapsed = time.monotonic() - start
        if name == "index.json":
            listed = invoke("versions", "--from", url)
    shown = f"{url}{name}" if "/" in name or name == "index.json" else \
        f"pull 1.1.0 from {url}: 1.1.0/data/{name}"
    expected = f"{shown}: not received within 0.5 s (the registry is too slow); download stopped"
    assert one_error_line(result).endswith(expected)
    assert elapsed < 2.5, elapsed
    assert listing(cache) == before
    if name == "index.json":
        assert listed.stderr == f"Error: {expected}\n"


def test_pull_over_https_and_a_dripping_https_registry(world, tmp_path, monkeypatch):
    """Over TLS (a real HTTPS server with a self-signed certificate the client is told to
    trust): a pull verifies and places the release; a registry that drips its headers is
    refused at the deadline, its TLS connection cut like a plain one."""
    key, cert = self_signed_certificate(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    cache = tmp_path / "cache"
    with serve(world["registry"], tls=(key, cert)) as url:
        assert url.startswith("https://")
        result = pull(world, "1.1.0", url, cache)
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == str(cache / "1.1.0")
    monkeypatch.setattr(registry_module, "METADATA_DEADLINE", DEADLINE)
    handler = dripping_handler(world["registry"], "index.json", pieces=8, pause=0.5, part="headers")
    with serve(world["registry"], handler, tls=(key, cert)) as url:
        start = time.monotonic()
        listed = invoke("versions", "--from", url)
        elapsed = time.monotonic() - start
    assert listed.exit_code == 2
    assert listed.stderr == (f"Error: {url}index.json: not received within 0.5 s (the registry "
                             "is too slow); download stopped\n")
    assert elapsed < 2.5, elapsed


def test_data_deadline_grows_with_the_size():
    assert pull_module._data_deadline(0) == pull_module.DATA_DEADLINE
    assert pull_module._data_deadline(64 << 20) == pull_module.DATA_DEADLINE + 1024


def test_a_version_placed_meanwhile_by_another_pull_is_kept(world, tmp_path):
    """Two pulls of one version: the second to finish finds the first one's folder where it
    renames its own (the rename fails: Directory not empty). Not a real race (its timing
    cannot be forced): the target is put in place before the step that places the
    download."""
    cache = tmp_path / "cache"
    cache.mkdir()
    work = cache / ".pull-1.1.0-test"
    shutil.copytree(world["releases"] / "1.1.0", work)
    shutil.copytree(world["releases"] / "1.1.0", cache / "1.1.0")
    inode = (cache / "1.1.0").stat().st_ino
    assert pull_module._place(work, cache / "1.1.0", "1.1.0") == cache / "1.1.0"
    assert [p.name for p in cache.iterdir() if p.name != "registries.json"] == ["1.1.0"]  # the work folder is removed
    assert (cache / "1.1.0").stat().st_ino == inode
    assert file_hashes(cache / "1.1.0") == file_hashes(world["releases"] / "1.1.0")


def test_two_concurrent_pulls_of_one_version_both_succeed(world, tmp_path):
    """A real race: the server holds the last data file until both pulls asked for it."""
    barrier = threading.Barrier(2, timeout=20)

    def send(handler, data):
        barrier.wait()  # bounded: Barrier(timeout=20)
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    cache = tmp_path / "cache"
    results, errors = [], []

    def one_pull(url):
        try:
            results.append(pull_module.pull("1.1.0", url, cache=cache, trust_key=world["pub"]))
        except BaseException as exc:  # reported below
            errors.append(exc)

    with serve(world["registry"], _file_handler(world["registry"], "places.parquet",
                                                send)) as url:
        threads = [threading.Thread(target=one_pull, args=(url,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)  # each pull has its own deadlines
        assert not any(thread.is_alive() for thread in threads)
    assert errors == [] and results == [cache / "1.1.0"] * 2
    assert [p.name for p in cache.iterdir() if p.name != "registries.json"] == ["1.1.0"]
    assert file_hashes(cache / "1.1.0") == file_hashes(world["releases"] / "1.1.0")


def test_a_cache_folder_that_is_no_pulled_release_is_refused(world, tmp_path):
    cache = tmp_path / "cache"
    (cache / "1.1.0").mkdir(parents=True)
    (cache / "1.1.0" / "notes.txt").write_text("mine\n")
    before = listing(cache)
    result = pull(world, "1.1.0", world["registry"], cache)
    assert one_error_line(result) == (
        f"Error: {cache / '1.1.0'} exists but holds no manifest.json: it is not a pulled "
        "release; remove it, then pull 1.1.0 again")
    assert listing(cache) == before
