"""Every reader (``query``, ``connect()``, ``load()``) verifies the snapshot it opens and
refuses a damaged copy as ``diff`` does, cheaply: an unchanged, verified database is not
hashed again; any write to it is noticed (its change time moves, even when its size and
modification time are put back)."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

import newsclaims
from newsclaims import snapshot
from newsclaims.cli import cli
from newsclaims.errors import IntegrityError
from newsclaims.registry import publish
from newsclaims.signing import keygen
from release_fixtures import make_snapshot


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    for name in ("NEWSCLAIMS_TRUSTED_KEY", "NEWSCLAIMS_CACHE", "NEWSCLAIMS_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def cache(tmp_path):
    keygen(tmp_path / "k.pem")
    releases = tmp_path / "releases"
    make_snapshot(releases, "1.0.0", key=tmp_path / "k.pem")
    make_snapshot(releases, "1.1.0", key=tmp_path / "k.pem", parent="1.0.0")
    for version in ("1.0.0", "1.1.0"):
        publish(version, releases, tmp_path / "registry")
    cache = tmp_path / "cache"
    for version in ("1.0.0", "1.1.0"):
        assert invoke("pull", version, "--from", tmp_path / "registry", "--cache", cache,
                      "--trust-key", tmp_path / "k.pem.pub").exit_code == 0
    return cache


def flip_one_byte(path, keep_times: bool = False) -> None:
    """Alter one byte in the middle of ``path``, its size unchanged (and, with
    ``keep_times``, its access and modification times put back as ``touch -r`` would)."""
    st = os.stat(path)
    with open(path, "r+b") as fh:
        fh.seek(st.st_size // 2)
        byte = fh.read(1)
        fh.seek(st.st_size // 2)
        fh.write(bytes([byte[0] ^ 0x01]))
    if keep_times:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_size == st.st_size


SQL = "SELECT count(*) FROM claims"


def readers(cache):
    """Each reader's outcome: (exit code or exception text, error line)."""
    outcomes = {}
    for name, args in {"query --version": ["query", SQL, "--version", "1.0.0", "--cache", cache],
                       "query --db": ["query", SQL, "--db", cache / "1.0.0", "--cache", cache],
                       "diff": ["diff", "1.0.0", "1.1.0", "--cache", cache]}.items():
        result = invoke(*args)
        outcomes[name] = (result.exit_code, result.stderr)
    for name, read in {"connect()": lambda: newsclaims.connect("1.0.0", cache=cache).close(),
                       "load()": lambda: newsclaims.load("claims", "1.0.0", cache=cache)
                       }.items():
        try:
            read()
            outcomes[name] = (0, "")
        except IntegrityError as exc:
            outcomes[name] = (2, f"Error: {exc}\n")
    return outcomes


@pytest.mark.parametrize("keep_times", [False, True], ids=["plain", "times-put-back"])
def test_one_altered_byte_is_refused_by_every_reader_as_diff_refuses_it(cache, keep_times):
    assert set(readers(cache).values()) == {(0, "")}  # verified and recorded
    flip_one_byte(cache / "1.0.0" / "newsclaims.duckdb", keep_times)
    expected = (f"Error: {cache / '1.0.0'}: newsclaims.duckdb does not match its sha256 in the "
                "manifest\n")
    assert readers(cache) == {name: (2, expected) for name in
                              ("query --version", "query --db", "diff", "connect()", "load()")}


def test_an_unchanged_verified_database_is_not_hashed_again(cache, monkeypatch):
    hashed = []
    real = snapshot.sha256_file

    def counting(path):
        hashed.append(path.name)
        return real(path)

    monkeypatch.setattr(snapshot, "sha256_file", counting)
    assert invoke("query", SQL, "--version", "1.0.0", "--cache", cache).exit_code == 0
    assert hashed == ["newsclaims.duckdb"]  # the first read hashes once
    for _ in range(3):
        assert invoke("query", SQL, "--version", "1.0.0", "--cache", cache).exit_code == 0
        newsclaims.connect("1.0.0", cache=cache).close()
    assert hashed == ["newsclaims.duckdb"]  # later reads trust the record
    assert (cache / "verified.json").is_file()


def test_a_folder_is_read_by_the_version_its_manifest_states(cache):
    import shutil

    shutil.rmtree(cache / "1.1.0")
    shutil.copytree(cache / "1.0.0", cache / "1.1.0")
    result = invoke("query", SQL, "--version", "1.1.0", "--cache", cache)
    assert (result.exit_code, result.stderr) == (
        2, f"Error: {cache / '1.1.0'}: its manifest is for version '1.0.0', not 1.1.0\n")
    latest = invoke("query", SQL, "--cache", cache)  # latest is the folder named 1.1.0
    assert latest.exit_code == 2 and "not 1.1.0" in latest.stderr
