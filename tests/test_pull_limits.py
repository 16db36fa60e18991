"""``pull`` when the disk is full (a real small tmpfs, and a real file-size limit), and when
an index or manifest gives a value that cannot be a path: one line, exit 2, the cache left
as it was, for folder and HTTP registries alike."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from newsclaims.cli import cli
from newsclaims.registry import publish
from newsclaims.signing import keygen, sign
from release_fixtures import listing, make_snapshot, serve


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    for name in ("NEWSCLAIMS_TRUSTED_KEY", "NEWSCLAIMS_CACHE", "NEWSCLAIMS_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("limits")
    keygen(root / "k.pem")
    releases = root / "releases"
    make_snapshot(releases, "1.1.0", key=root / "k.pem")
    registry = root / "registry"
    publish("1.1.0", releases, registry)
    manifest = json.loads((releases / "1.1.0" / "manifest.json").read_text())
    return {"root": root, "registry": registry, "key": root / "k.pem",
            "pub": root / "k.pem.pub",
            "needs": sum(e["bytes"] for e in manifest["files"])}


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def pull(world, source, cache):
    return invoke("pull", "1.1.0", "--from", source, "--cache", cache,
                  "--trust-key", world["pub"])


@pytest.fixture
def small_disk(tmp_path):
    """A real 2 MiB tmpfs (root only): the snapshot (~8 MiB) does not fit."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; the file-size limit test covers the rest")
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True, timeout=60)


@pytest.mark.parametrize("over", ["folder", "http"])
def test_a_full_disk_is_exit_2_naming_the_cache(world, small_disk, over):
    cache = small_disk / "cache"
    if over == "folder":
        result = pull(world, world["registry"], cache)
    else:
        with serve(world["registry"]) as url:
            result = pull(world, url, cache)
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", f"Error: {cache}: no space left on device while pulling 1.1.0 (it needs "
               f"{world['needs']} bytes); the cache is left as it was\n")
    assert not cache.exists()
    assert listing(small_disk) == []


LIMITED = """
import resource, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from newsclaims.cli import main
sys.argv = ["newsclaims", *sys.argv[2:]]
main()
"""


@pytest.mark.parametrize("over", ["folder", "http"])
def test_a_file_size_limit_is_exit_2_naming_the_cache(world, tmp_path, over):
    """A process limited to 1 MiB per file (RLIMIT_FSIZE; Python ignores SIGXFSZ, so the
    write fails with EFBIG) cannot write the ~8 MiB database."""
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "mine.txt").write_text("kept\n")
    before = listing(cache)

    def run(source):
        return subprocess.run(
            [sys.executable, "-c", LIMITED, str(1 << 20), "pull", "1.1.0", "--from",
             str(source), "--cache", str(cache), "--trust-key", str(world["pub"])],
            capture_output=True, text=True, timeout=120)

    if over == "folder":
        done = run(world["registry"])
    else:
        with serve(world["registry"]) as url:
            done = run(url)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"Error: {cache}: file too large while pulling 1.1.0 (it needs "
               f"{world['needs']} bytes); the cache is left as it was\n")
    assert listing(cache) == before


def with_index_manifest_path(registry, value):
    index = json.loads((registry / "index.json").read_text())
    index["versions"]["1.1.0"]["manifest"] = value
    (registry / "index.json").write_text(json.dumps(index))


def with_manifest_file_path(world, registry, value):
    """A manifest naming ``value`` as one of its files, signed with the trusted key (a
    publisher's mistake, not an attack: it still must not reach ``open``)."""
    path = registry / "1.1.0" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["files"][0]["path"] = value
    data = json.dumps(manifest).encode()
    path.write_bytes(data)
    (registry / "1.1.0" / "manifest.json.sig").write_bytes(sign(data, world["key"]))
    index = json.loads((registry / "index.json").read_text())
    index["versions"]["1.1.0"]["manifest_sha256"] = hashlib.sha256(data).hexdigest()
    (registry / "index.json").write_text(json.dumps(index))


NOT_PATHS = {
    "nul byte": ("1.1.0/manifest\x00.json", "'1.1.0/manifest\\x00.json'",
                 ": a NUL or control character"),
    "escape sequence": ("1.1.0\x1b[2J/manifest.json", "'1.1.0\\x1b[2J/manifest.json'",
                        ": a NUL or control character"),
    "lone surrogate": ("1.1.0/\udc80.json", "'1.1.0/\\udc80.json'",
                       ": not encodable as UTF-8"),
    "name too long": ("1.1.0/" + "m" * 300, "'1.1.0/" + "m" * 74 + "...'",
                      ": longer than 1024 bytes, or a name longer than 255"),
    "path too long": ("/".join(["d" * 200] * 8), "'" + "d" * 80 + "...'",
                      ": longer than 1024 bytes, or a name longer than 255"),
}


@pytest.mark.parametrize("over", ["folder", "http"])
@pytest.mark.parametrize("where", ["index", "manifest"])
@pytest.mark.parametrize("case", list(NOT_PATHS))
def test_a_value_that_cannot_be_a_path_is_refused_in_one_line(world, tmp_path, case, where,
                                                              over):
    value, shown, reason = NOT_PATHS[case]
    registry = tmp_path / "registry"
    shutil.copytree(world["registry"], registry)
    if where == "index":
        with_index_manifest_path(registry, value)
    else:
        with_manifest_file_path(world, registry, value)
    cache = tmp_path / "cache"
    if over == "folder":
        result = pull(world, registry, cache)
        source = registry
    else:
        with serve(registry) as url:
            result = pull(world, url, cache)
        source = url
    source_name = "the index" if where == "index" else "the manifest"
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", f"Error: pull 1.1.0 from {source}: unsafe file path {shown} in "
               f"{source_name}{reason}\n")
    assert not cache.exists()


def test_a_question_mark_in_a_path_is_part_of_the_name_over_http(world, tmp_path):
    """The index names ``1.1.0/manifest.json?x``: a folder registry has no such file, and
    neither has an HTTP one (the ``?`` is sent percent-encoded, not as a query that would
    fetch ``manifest.json``)."""
    registry = tmp_path / "registry"
    shutil.copytree(world["registry"], registry)
    with_index_manifest_path(registry, "1.1.0/manifest.json?x")
    with serve(registry) as url:
        result = pull(world, url, tmp_path / "cache")
    assert result.exit_code == 2
    assert result.stderr == (f"Error: pull 1.1.0 from {url}: {url}1.1.0/manifest.json%3Fx: "
                             "HTTP 404 (file missing from the registry)\n")


@pytest.mark.parametrize("paths, problem", [
    (["data/claims.parquet", "data/claims.parquet"], "'data/claims.parquet' is listed twice"),
    (["x", "x/y.parquet"], "'x' is listed as a file and as the folder of 'x/y.parquet'"),
])
@pytest.mark.parametrize("over", ["folder", "http"])
def test_manifest_paths_that_cannot_all_be_files_are_refused(world, tmp_path, paths, problem,
                                                            over):
    registry = tmp_path / "registry"
    shutil.copytree(world["registry"], registry)
    path = registry / "1.1.0" / "manifest.json"
    manifest = json.loads(path.read_text())
    for entry, value in zip(manifest["files"], paths):
        entry["path"] = value
    data = json.dumps(manifest).encode()
    path.write_bytes(data)
    (registry / "1.1.0" / "manifest.json.sig").write_bytes(sign(data, world["key"]))
    index = json.loads((registry / "index.json").read_text())
    index["versions"]["1.1.0"]["manifest_sha256"] = hashlib.sha256(data).hexdigest()
    (registry / "index.json").write_text(json.dumps(index))
    cache = tmp_path / "cache"
    if over == "folder":
        result, source = pull(world, registry, cache), registry
    else:
        with serve(registry) as url:
            result, source = pull(world, url, cache), url
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", f"Error: pull 1.1.0 from {source}: malformed manifest ({problem})\n")
    assert not cache.exists()
