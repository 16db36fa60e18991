"""What the cache trusts: a cached version is checked again (files, the version its signed
manifest states, its signature with the key given now); ``latest`` never goes back to an
older version than one pulled before from the registry (a freeze attack) without
``--allow-downgrade``; an index with duplicate keys is refused."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from newsclaims.cli import cli
from newsclaims.registry import publish
from newsclaims.signing import keygen
from release_fixtures import file_hashes, listing, make_snapshot, serve


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    for name in ("NEWSCLAIMS_TRUSTED_KEY", "NEWSCLAIMS_CACHE", "NEWSCLAIMS_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("trust")
    keygen(root / "k.pem")
    keygen(root / "other.pem")
    releases = root / "releases"
    make_snapshot(releases, "1.0.0", key=root / "k.pem")
    make_snapshot(releases, "1.1.0", key=root / "k.pem", parent="1.0.0")
    registry = root / "registry"
    for version in ("1.0.0", "1.1.0"):
        publish(version, releases, registry)
    return {"root": root, "releases": releases, "registry": registry,
            "pub": root / "k.pem.pub", "other": root / "other.pem.pub"}


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def pull(world, version, source, cache, *extra, key=None):
    args = ["pull", version, "--cache", cache, "--trust-key", key or world["pub"], *extra]
    if source is not None:
        args += ["--from", source]
    return invoke(*args)


def error(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    return result.stderr.removeprefix("Error: ").rstrip("\n")


def test_a_cached_version_is_checked_with_the_key_given_now(world, tmp_path):
    cache = tmp_path / "cache"
    assert pull(world, "1.0.0", world["registry"], cache).exit_code == 0
    before = listing(cache)
    for source, where in ((None, cache / "1.0.0"),
                          (world["registry"], f"pull 1.0.0 from {world['registry']}")):
        result = pull(world, "1.0.0", source, cache, key=world["other"])
        assert error(result).startswith(
            f"{where}: manifest: signature does not verify with the trusted key "), \
            result.stderr
    assert listing(cache) == before
    assert pull(world, "1.0.0", None, cache).exit_code == 0  # the right key: served


def test_a_cached_version_whose_signature_was_replaced_is_refused_or_replaced(world, tmp_path):
    from newsclaims.signing import sign

    cache = tmp_path / "cache"
    assert pull(world, "1.0.0", world["registry"], cache).exit_code == 0
    folder = cache / "1.0.0"
    (folder / "manifest.json.sig").write_bytes(
        sign((folder / "manifest.json").read_bytes(), world["root"] / "other.pem"))
    assert "signature does not verify" in error(pull(world, "1.0.0", None, cache))
    again = pull(world, "1.0.0", world["registry"], cache)
    assert again.exit_code == 0, again.output
    assert file_hashes(folder) == file_hashes(world["releases"] / "1.0.0")


def test_a_cached_folder_is_trusted_by_its_signed_version_not_its_name(world, tmp_path):
    """1.0.0's intact, signed snapshot renamed to 1.1.0 is not 1.1.0."""
    cache = tmp_path / "cache"
    assert pull(world, "1.0.0", world["registry"], cache).exit_code == 0
    shutil.copytree(cache / "1.0.0", cache / "1.1.0")
    assert error(pull(world, "1.1.0", None, cache)) == (
        f"{cache / '1.1.0'}: its manifest is for version '1.0.0', not 1.1.0 (the cached copy "
        "of 1.1.0 was changed after it was pulled); pull it again with --from REGISTRY")
    again = pull(world, "1.1.0", world["registry"], cache)
    assert again.exit_code == 0, again.output
    assert file_hashes(cache / "1.1.0") == file_hashes(world["releases"] / "1.1.0")


def drop_newest(registry, *, keep_latest: bool):
    index = json.loads((registry / "index.json").read_text())
    del index["versions"]["1.1.0"]
    if not keep_latest:
        index["latest"] = "1.0.0"
    (registry / "index.json").write_text(json.dumps(index))


def test_latest_never_goes_back_without_allow_downgrade(world, tmp_path):
    registry = tmp_path / "registry"
    shutil.copytree(world["registry"], registry)
    cache = tmp_path / "cache"
    with serve(registry) as url:
        first = pull(world, "latest", url, cache)
        assert first.stdout == f"{cache / '1.1.0'}\n", first.output
        drop_newest(registry, keep_latest=False)  # a consistent index, one version short
        before = listing(cache)
        assert error(pull(world, "latest", url, cache)) == (
            f"registry {url} offers 1.0.0 as its latest version, but 1.1.0 was pulled from it "
            "before (an index that drops versions: a freeze attack?); pass --allow-downgrade "
            "to pull 1.0.0 anyway")
        assert listing(cache) == before
        # an explicit older version is no downgrade: a paper may cite it
        assert pull(world, "1.0.0", url, cache).stdout == f"{cache / '1.0.0'}\n"
        allowed = pull(world, "latest", url, cache, "--allow-downgrade")
        assert allowed.stdout == f"{cache / '1.0.0'}\n", allowed.output
    # another registry has its own memory
    assert pull(world, "latest", registry, cache).stdout == f"{cache / '1.0.0'}\n"


def test_an_index_whose_latest_contradicts_its_versions_is_refused(world, tmp_path):
    registry = tmp_path / "registry"
    shutil.copytree(world["registry"], registry)
    drop_newest(registry, keep_latest=True)
    cache = tmp_path / "cache"
    assert error(pull(world, "latest", registry, cache)) == (
        f"{registry}/index.json: its 'latest' is '1.1.0' but the newest version it lists is "
        "1.0.0 (versions dropped from the index?); pass --allow-downgrade to pull 1.0.0 anyway")
    assert not cache.exists()
    assert pull(world, "latest", registry, cache, "--allow-downgrade").exit_code == 0


@pytest.mark.parametrize("where", ["top", "versions", "entry"])
def test_an_index_with_duplicate_keys_is_refused(world, tmp_path, where):
    registry = tmp_path / "registry"
    shutil.copytree(world["registry"], registry)
    text = (registry / "index.json").read_text()
    if where == "top":
        text = text.replace('"latest": "1.1.0"', '"latest": "1.1.0", "latest": "1.0.0"')
        key = "latest"
    elif where == "versions":
        entry = json.dumps(json.loads(text)["versions"]["1.0.0"])
        text = text.replace('"versions": {', f'"versions": {{"1.1.0": {entry}, ', 1)
        key = "1.1.0"
    else:
        text = text.replace('"manifest": "1.1.0/manifest.json"',
                            '"manifest": "1.1.0/manifest.json", "manifest": "1.0.0/manifest.json"')
        key = "manifest"
    (registry / "index.json").write_text(text)
    expected = f"{registry}/index.json: malformed index (duplicate key {key!r})"
    assert error(pull(world, "1.1.0", registry, tmp_path / "cache")) == expected
    assert error(invoke("versions", "--from", registry)) == expected
