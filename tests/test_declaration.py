"""The project's registry.toml: parsed from the repository, used by ``pull`` when it is
given no registry or key, and checked (a key whose id differs from the declared one is
refused)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsclaims import declaration, project
from newsclaims.cli import cli
from newsclaims.registry import publish
from newsclaims.signing import key_id, keygen, load_public
from release_fixtures import make_snapshot

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    for name in ("NEWSCLAIMS_TRUSTED_KEY", "NEWSCLAIMS_CACHE", "NEWSCLAIMS_SIGNING_KEY",
                 "NEWSCLAIMS_ROOT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_the_repository_declares_a_registry_file_that_parses():
    declared = declaration.read(REPO / "registry.toml")
    assert isinstance(declared.url, str) and isinstance(declared.public_key, str)
    if declared.public_key:  # once filled, the key and its id agree
        assert key_id(load_public(REPO / "registry.toml")) == declared.key_id


def test_an_empty_declaration_asks_for_a_registry(tmp_path):
    result = invoke("pull", "1.0.0", "--cache", tmp_path / "cache")
    assert (result.exit_code, result.stderr) == (
        2, f"Error: version 1.0.0 is not in the cache {tmp_path / 'cache'}; pass --from "
           "REGISTRY to download it (registry.toml declares none)\n")


@pytest.fixture
def declared_root(tmp_path, monkeypatch):
    """A project root whose registry.toml declares a folder registry and its key."""
    keygen(tmp_path / "k.pem")
    make_snapshot(tmp_path / "releases", "1.0.0", key=tmp_path / "k.pem")
    publish("1.0.0", tmp_path / "releases", tmp_path / "registry")
    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(REPO / "sql", root / "sql")
    pem = (tmp_path / "k.pem.pub").read_text()
    ident = key_id(load_public(tmp_path / "k.pem.pub"))
    (root / "registry.toml").write_text(
        f'[registry]\nurl = "{tmp_path / "registry"}"\n'
        f'[signing]\npublic_key = """\n{pem}"""\nkey_id = "{ident}"\n', encoding="utf-8")
    monkeypatch.setenv("NEWSCLAIMS_ROOT", str(root))
    project.root.cache_clear()
    yield root
    project.root.cache_clear()


def test_pull_uses_the_declared_registry_and_key(declared_root, tmp_path):
    result = invoke("pull", "1.0.0", "--cache", tmp_path / "cache")
    assert (result.exit_code, result.stdout) == (0, f"{tmp_path / 'cache' / '1.0.0'}\n"), \
        result.output


def test_a_declared_key_whose_id_differs_is_refused(declared_root, tmp_path):
    path = declared_root / "registry.toml"
    text = path.read_text()
    path.write_text(text.replace('key_id = "', 'key_id = "0000', 1))
    declared = declaration.read(path).key_id
    result = invoke("pull", "1.0.0", "--cache", tmp_path / "cache")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        f"Error: {path} [signing] public_key: its key id is "
        f"{key_id(load_public(tmp_path / 'k.pem.pub'))}, the declared key_id is {declared}; "
        "one of them was copied wrong\n")


def test_a_damaged_cached_copy_is_replaced_from_the_declared_registry(declared_root, tmp_path):
    cache = tmp_path / "cache"
    assert invoke("pull", "1.0.0", "--cache", cache).exit_code == 0
    with open(cache / "1.0.0" / "newsclaims.duckdb", "ab") as fh:
        fh.write(b"\0")
    again = invoke("pull", "1.0.0", "--cache", cache)
    assert (again.exit_code, again.stdout) == (0, f"{cache / '1.0.0'}\n"), again.output
    ok = invoke("verify", cache / "1.0.0", "--trust-key", tmp_path / "k.pem.pub")
    assert ok.exit_code == 0, ok.output
