"""Keys, publishing into a folder registry, and listing its versions."""

from __future__ import annotations

import json
import os
import shutil
import stat

import pytest
from click.testing import CliRunner

from newsclaims.cli import cli
from newsclaims.registry import publish
from release_fixtures import listing, make_snapshot


def invoke(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def test_keygen_writes_a_private_key_only_its_owner_reads(tmp_path):
    result = invoke("keygen", "--out", tmp_path / "release.pem")
    assert result.exit_code == 0, result.output
    private = tmp_path / "release.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert (tmp_path / "release.pem.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    again = invoke("keygen", "--out", tmp_path / "release.pem")
    assert again.exit_code == 2
    assert again.stderr.strip() == (f"Error: {private}: already exists; keys are never "
                                    "overwritten, pick another path")



def test_keygen_makes_missing_folders_only_their_owner_enters(tmp_path):
    out = tmp_path / "home" / "keys" / "newsclaims.pem"
    mode_before = stat.S_IMODE(tmp_path.stat().st_mode)
    result = invoke("keygen", "--out", out)
    assert result.exit_code == 0, result.output
    for folder in (tmp_path / "home", tmp_path / "home" / "keys"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in out.parent.iterdir()) == ["newsclaims.pem", "newsclaims.pem.pub"]
    assert stat.S_IMODE(tmp_path.stat().st_mode) == mode_before  # an existing folder is left alone
    again = invoke("keygen", "--out", out)
    assert again.exit_code == 2
    assert again.stderr.strip() == (f"Error: {out}: already exists; keys are never "
                                    "overwritten, pick another path")
    (tmp_path / "afile").write_text("not a folder\n")
    below_a_file = invoke("keygen", "--out", tmp_path / "afile" / "keys" / "k.pem")
    assert below_a_file.exit_code == 2
    assert below_a_file.stderr == f"Error: {tmp_path / 'afile'}: exists and is not a folder\n"
    assert (tmp_path / "afile").read_text() == "not a folder\n"


def test_publish_copies_and_indexes(tmp_path):
    invoke("keygen", "--out", tmp_path / "k.pem")
    releases = tmp_path / "releases"
    make_snapshot(releases, "1.0.0", key=tmp_path / "k.pem")
    make_snapshot(releases, "1.1.0", key=tmp_path / "k.pem", parent="1.0.0")
    reg = tmp_path / "registry"
    for version in ("1.0.0", "1.1.0"):
        result = invoke("publish", version, "--to", reg, "--releases", releases)
        assert result.exit_code == 0, result.output
        assert result.stdout == f"published {version} to {reg / version}\n"
    index = json.loads((reg / "index.json").read_text())
    assert index["latest"] == "1.1.0"
    assert sorted(index["versions"]) == ["1.0.0", "1.1.0"]
    entry = index["versions"]["1.1.0"]
    assert entry["parent_version"] == "1.0.0" and entry["row_counts"]["claims"] == 2
    assert (reg / "1.1.0" / "manifest.json").read_bytes() == \
        (releases / "1.1.0" / "manifest.json").read_bytes()
    # no temporary leftovers: only the (empty) lock file that serialises publish runs
    assert [p.name for p in reg.iterdir() if p.name.startswith(".")] == [".publish.lock"]
    # publishing the same release again changes nothing, and says so
    before = listing(reg)
    again = invoke("publish", "1.0.0", "--to", reg, "--releases", releases)
    assert again.exit_code == 0, again.output
    assert again.stdout == f"1.0.0 is already in {reg} (same manifest); nothing to do\n"
    assert listing(reg) == before
    same = publish("1.1.0", releases, reg)
    assert (same.folder, same.already) == (reg / "1.1.0", True)
    assert listing(reg) == before
    text = invoke("versions", "--from", reg)
    assert text.stdout.splitlines()[0] == \
        "version\tcreated_at (unsigned)\tparent (unsigned)\trows (unsigned)"
    assert [line.split("\t")[0] for line in text.stdout.splitlines()[1:]] == ["1.0.0", "1.1.0"]
    assert "parent 1.0.0\tdocuments 1, claims 2, figures 2" in text.stdout
    as_json = json.loads(invoke("versions", "--from", reg, "--format", "json").stdout)
    assert as_json[1]["version"] == "1.1.0" and as_json[1]["row_counts"]["figures"] == 2
    assert as_json[1]["unsigned_fields"] == ["created_at", "parent_version", "row_counts"]


def test_publish_refuses_another_release_under_a_published_version(tmp_path):
    releases, other = tmp_path / "a", tmp_path / "b"
    make_snapshot(releases, "1.0.0")
    make_snapshot(other, "1.0.0")  # another release (another created_at) under 1.0.0
    reg = tmp_path / "registry"
    publish("1.0.0", releases, reg)
    manifest = json.loads((other / "1.0.0" / "manifest.json").read_text())
    manifest["created_at"] = "2000-01-01T00:00:00Z"
    (other / "1.0.0" / "manifest.json").write_text(json.dumps(manifest))
    before = listing(reg)
    result = invoke("publish", "1.0.0", "--to", reg, "--releases", other)
    assert result.exit_code == 1
    assert "already holds a different release 1.0.0" in result.stderr
    assert listing(reg) == before


def test_publish_refuses_a_release_whose_error_rule_fails(tmp_path):
    releases = tmp_path / "releases"
    make_snapshot(releases, "1.0.0", failing_rule="claims.quote_in_text")
    result = invoke("publish", "1.0.0", "--to", tmp_path / "reg", "--releases", releases)
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: publish 1.0.0 refused: error-level rules fail: "
                                     "claims.quote_in_text")
    assert not (tmp_path / "reg" / "1.0.0").exists()


def test_publish_refuses_an_altered_release(tmp_path):
    releases = tmp_path / "releases"
    folder = make_snapshot(releases, "1.0.0")
    data = bytearray((folder / "data" / "claims.parquet").read_bytes())
    data[len(data) // 2] ^= 0x01
    (folder / "data" / "claims.parquet").write_bytes(bytes(data))
    result = invoke("publish", "1.0.0", "--to", tmp_path / "reg", "--releases", releases)
    assert result.exit_code == 2
    assert result.stderr.strip() == ("Error: release 1.0.0: data/claims.parquet does not match "
                                     "its sha256 in the manifest")


@pytest.mark.parametrize("version", ["../../etc", "1.0", "01.0.0", "1.0.0-rc1", "v1.0.0"])
def test_publish_validates_the_version_first(tmp_path, version):
    result = invoke("publish", version, "--to", tmp_path / "reg", "--releases", tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: release.version_syntax: invalid version '{version}'")
    assert not (tmp_path / "reg").exists()


def _stopped_before_the_index(releases, reg, version):
    """The registry as a publish stopped between the folder's rename and the index write
    leaves it: the release's folder in place, the index without it."""
    reg.mkdir(parents=True, exist_ok=True)
    shutil.copytree(releases / version, reg / version)


def test_publish_run_again_completes_a_publish_stopped_before_the_index(tmp_path):
    invoke("keygen", "--out", tmp_path / "k.pem")
    releases, reg = tmp_path / "releases", tmp_path / "registry"
    make_snapshot(releases, "1.0.0", key=tmp_path / "k.pem")
    make_snapshot(releases, "1.1.0", key=tmp_path / "k.pem", parent="1.0.0")
    assert invoke("publish", "1.0.0", "--to", reg, "--releases", releases).exit_code == 0
    _stopped_before_the_index(releases, reg, "1.1.0")
    folder = listing(reg / "1.1.0")
    result = invoke("publish", "1.1.0", "--to", reg, "--releases", releases)
    assert result.exit_code == 0, result.output
    index = json.loads((reg / "index.json").read_text())
    assert sorted(index["versions"]) == ["1.0.0", "1.1.0"] and index["latest"] == "1.1.0"
    assert index["versions"]["1.1.0"]["signature"] == "1.1.0/manifest.json.sig"
    assert listing(reg / "1.1.0") == folder
    assert [p.name for p in reg.iterdir() if p.name.startswith(".")] == [".publish.lock"]


def test_publish_leaves_an_unindexed_folder_of_another_release_alone(tmp_path):
    releases, other, reg = tmp_path / "a", tmp_path / "b", tmp_path / "registry"
    make_snapshot(releases, "1.0.0")
    make_snapshot(other, "1.0.0")
    manifest = json.loads((other / "1.0.0" / "manifest.json").read_text())
    manifest["created_at"] = "2000-01-01T00:00:00Z"
    (other / "1.0.0" / "manifest.json").write_text(json.dumps(manifest))
    _stopped_before_the_index(other, reg, "1.0.0")
    before = listing(reg)
    result = invoke("publish", "1.0.0", "--to", reg, "--releases", releases)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: publish 1.0.0 refused: {reg / '1.0.0'} exists but is not in "
        f"{reg / 'index.json'}, and its manifest.json differs from release 1.0.0's; remove it "
        "by hand after checking")
    assert [p for p in listing(reg) if p[0] != ".publish.lock"] == before
    assert not (reg / "index.json").exists()


def test_publish_does_not_index_an_unindexed_folder_whose_files_were_altered(tmp_path):
    releases, reg = tmp_path / "releases", tmp_path / "registry"
    make_snapshot(releases, "1.0.0")
    _stopped_before_the_index(releases, reg, "1.0.0")
    data = bytearray((reg / "1.0.0" / "data" / "claims.parquet").read_bytes())
    data[len(data) // 2] ^= 0x01
    (reg / "1.0.0" / "data" / "claims.parquet").write_bytes(bytes(data))
    result = invoke("publish", "1.0.0", "--to", reg, "--releases", releases)
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"Error: {reg / '1.0.0'}: data/claims.parquet does not "
                                     "match its sha256 in the manifest")
    assert not (reg / "index.json").exists()


MALFORMED_ENTRIES = {
    "an entry that is not an object": (lambda entry: "x", "versions['1.0.0'] is not an object"),
    "row counts that are a number": (
        lambda entry: {**entry, "row_counts": 5},
        "versions['1.0.0'].row_counts is not an object of table names and row counts"),
    "a row count that is text": (
        lambda entry: {**entry, "row_counts": {"claims": "two"}},
        "versions['1.0.0'].row_counts is not an object of table names and row counts"),
    "a parent that is not text": (lambda entry: {**entry, "parent_version": 1},
                                  "versions['1.0.0'].parent_version is not a string"),
}


@pytest.mark.parametrize("malformed", list(MALFORMED_ENTRIES))
def test_a_malformed_index_entry_is_one_line_for_versions_and_publish(tmp_path, malformed):
    releases, reg = tmp_path / "releases", tmp_path / "registry"
    make_snapshot(releases, "1.0.0")
    make_snapshot(releases, "1.1.0", parent="1.0.0")
    publish("1.0.0", releases, reg)
    index = json.loads((reg / "index.json").read_text())
    change, problem = MALFORMED_ENTRIES[malformed]
    index["versions"]["1.0.0"] = change(index["versions"]["1.0.0"])
    (reg / "index.json").write_text(json.dumps(index))
    before = listing(tmp_path)
    expected = f"Error: {reg}/index.json: malformed index ({problem})\n"
    for args in (("versions", "--from", reg), ("versions", "--from", reg, "--format", "json"),
                 ("publish", "1.1.0", "--to", reg, "--releases", releases),
                 ("publish", "1.0.0", "--to", reg, "--releases", releases)):
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert (result.stdout, result.stderr) == ("", expected), args
    assert listing(tmp_path) == before


def test_publish_makes_the_registry_readable_by_a_web_server(tmp_path):
    """A web server running as another user must read the registry as publish leaves it:
    files 0644, folders 0755, even under a private umask (index.json is written through
    mkstemp, 0600, and the release through mkdtemp, 0700)."""
    releases = tmp_path / "releases"
    make_snapshot(releases, "1.0.0")
    make_snapshot(releases, "1.1.0", parent="1.0.0")
    reg = tmp_path / "srv" / "registry"
    old = os.umask(0o077)
    try:
        for version in ("1.0.0", "1.1.0"):
            result = invoke("publish", version, "--to", reg, "--releases", releases)
            assert result.exit_code == 0, result.output
    finally:
        os.umask(old)
    modes = {p.relative_to(tmp_path).as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in [tmp_path / "srv", reg, *reg.rglob("*")]}
    assert {"srv/registry/index.json", "srv/registry/1.1.0/data",
            "srv/registry/1.1.0/manifest.json"} <= set(modes)
    wrong = {path: oct(mode) for path, mode in modes.items()
             if mode != (0o755 if (tmp_path / path).is_dir() else 0o644)}
    assert wrong == {}
