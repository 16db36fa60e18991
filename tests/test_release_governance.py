"""Governance is visible: a release records the rule catalogue it ran, diff and the
changelog show rule changes, a weakened or removed error rule needs --rule-change-note,
version discipline does not depend on the folder --out names, and publish keeps a
registry's line of releases. Releases made by real processes on a copy of the project."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from release_fixtures import listing, make_snapshot

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project's declarations and dataset (not in git)."""
    root = tmp_path / "project"
    for name in ("dataset", "checks", "sql"):
        shutil.copytree(REPO / name, root / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


def newsclaims(root: Path, *args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCLAIMS_")}
    env.update(NEWSCLAIMS_ROOT=str(root), XDG_CONFIG_HOME=str(root.parent / "config"),
               NEWSCLAIMS_CACHE=str(root.parent / "cache"))
    return subprocess.run([sys.executable, "-m", "newsclaims", *map(str, args)],
                          cwd=root.parent, capture_output=True, text=True, env=env, timeout=300)


def release(root: Path, version: str, *extra, out: str = "releases") -> subprocess.CompletedProcess:
    return newsclaims(root, "release", version, "--out", root.parent / out,
                      "--reports-dir", root.parent / "reports", *extra)


def rule_block(text: str, rule_id: str) -> str:
    match = re.search(rf"^- id: {re.escape(rule_id)}\n(?:(?!^- id: ).*\n?)*", text, re.M)
    assert match, rule_id
    return match.group(0)


def weaken(checks: Path) -> None:
    """One error rule made a warning, one given a threshold, one deleted, and one whose test
    changed (shown, but not a weakening that needs a note)."""
    path = checks / "dates.yml"
    text = path.read_text(encoding="utf-8")
    block = rule_block(text, "claims.no_future_dates")
    text = text.replace(block, block.replace("severity: error", "severity: warn"))
    block = rule_block(text, "documents.no_future_dates")
    text = text.replace(block, block.replace("severity: error\n", "severity: error\n  fail_above: 5\n"))
    text = text.replace(rule_block(text, "incidents.no_future_dates"), "")
    block = rule_block(text, "figures.no_future_dates")
    text = text.replace(block, block.replace("current_date", "current_date + 1", 1))
    path.write_text(text, encoding="utf-8")


@pytest.mark.timeout(600)
def test_a_weakened_error_rule_needs_a_note_and_shows_in_diff_and_changelog(project, tmp_path,
                                                                             built_db):
    first = release(project, "1.0.0", "--db", built_db)
    assert first.returncode == 0, first.stderr
    snap = tmp_path / "releases" / "1.0.0"
    # the catalogue it ran, signed with the rest (listed in the manifest)
    recorded = json.loads((snap / "rules.json").read_text())["rules"]
    by_id = {r["id"]: r for r in recorded}
    assert by_id["claims.no_future_dates"]["severity"] == "error"
    assert by_id["claims.no_future_dates"]["fail_above"] == 0
    assert {"id", "title", "family", "table", "severity", "fail_above", "definition"} <= \
        set(by_id["claims.no_future_dates"])
    from newsclaims.rules.catalogue import load_catalogue

    assert set(by_id) == {r.id for r in load_catalogue(project / "checks")}
    manifest = json.loads((snap / "manifest.json").read_text())
    assert "rules.json" in {f["path"] for f in manifest["files"]}
    assert manifest["rule_change_note"] is None

    weaken(project / "checks")
    before = listing(tmp_path / "releases")
    refused = release(project, "1.1.0", "--db", built_db)
    assert refused.returncode == 1, refused.stderr
    assert refused.stderr == (
        "Error: release 1.1.0 refused: error-level rules fail: release.rule_weakening_noted: "
        "error-level rules weakened since 1.0.0 (claims.no_future_dates severity error -> warn, "
        "documents.no_future_dates fail_above 0 -> 5, incidents.no_future_dates removed): "
        "release with --rule-change-note saying why\n")
    assert listing(tmp_path / "releases") == before

    note = "Future dates are checked upstream now; see the curation guide."
    noted = release(project, "1.1.0", "--db", built_db, "--rule-change-note", note)
    assert noted.returncode == 0, noted.stderr
    second = tmp_path / "releases" / "1.1.0"
    assert json.loads((second / "manifest.json").read_text())["rule_change_note"] == note
    changelog = (second / "CHANGELOG.md").read_text(encoding="utf-8")
    rules_section = changelog.split("## Rules\n", 1)[1]
    assert '- `claims.no_future_dates` updated: `severity "error" -> "warn"`' in rules_section
    assert '- `documents.no_future_dates` updated: `fail_above "0" -> "5"`' in rules_section
    assert "- `incidents.no_future_dates` removed" in rules_section
    assert "- `figures.no_future_dates` updated: `definition " in rules_section
    assert f"Note on the rule changes: {note}" in rules_section

    diff = newsclaims(project, "diff", "1.0.0", "1.1.0", "--releases", tmp_path / "releases")
    assert diff.returncode == 0, diff.stderr
    lines = diff.stdout.splitlines()
    assert 'rules claims.no_future_dates updated: severity "error" -> "warn"' in lines
    assert 'rules documents.no_future_dates updated: fail_above "0" -> "5"' in lines
    assert "rules incidents.no_future_dates removed" in lines
    as_json = newsclaims(project, "diff", "1.0.0", "1.1.0", "--releases",
                         tmp_path / "releases", "--format", "json")
    rules = [c for c in json.loads(as_json.stdout) if c["table"] == "rules"]
    assert [(c["record_id"], c["change"], c["fields"]) for c in rules] == [
        ("claims.no_future_dates", "updated", ["severity"]),
        ("documents.no_future_dates", "updated", ["fail_above"]),
        ("figures.no_future_dates", "updated", ["definition"]),
        ("incidents.no_future_dates", "removed", []),
    ]


@pytest.mark.timeout(600)
def test_version_discipline_does_not_depend_on_the_out_folder(project, tmp_path, built_db):
    """A release into an empty --out still has the project's released versions as history
    (their committed reports): its parent must be found, here through --registry, and the
    parent's id rules then apply."""
    assert release(project, "1.0.0", "--db", built_db).returncode == 0
    assert newsclaims(project, "publish", "1.0.0", "--to", tmp_path / "registry",
                      "--releases", tmp_path / "releases").returncode == 0
    # a figure deleted from the database released next
    import duckdb

    smaller = tmp_path / "smaller.duckdb"
    shutil.copyfile(built_db, smaller)
    con = duckdb.connect(str(smaller))
    con.execute("DELETE FROM figures WHERE figure_id = 'fig-0010'")
    con.close()

    empty = tmp_path / "empty"
    refused = release(project, "1.1.0", "--db", smaller, out="empty")
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr == (
        f"Error: release 1.1.0: its parent 1.0.0 (the latest release: "
        f"{tmp_path / 'reports' / '1.0.0' / 'report.md'} exists) is not in {empty} and "
        "registry.toml declares no registry; give --registry a registry holding 1.0.0 (or "
        "--releases the folder of releases holding it), or --parent none to start a new line "
        "of releases without one\n")
    assert listing(empty) == []
    with_registry = release(project, "1.1.0", "--db", smaller, "--registry",
                            tmp_path / "registry", out="empty")
    assert with_registry.returncode == 1
    assert "release.ids_never_disappear: 1 id(s) of 1.0.0 missing (figures fig-0010)" in \
        with_registry.stderr
    # a version below the committed history is refused whatever --out holds
    lower = release(project, "0.9.0", "--db", built_db, out="empty")
    assert lower.returncode == 1
    assert "version 0.9.0 is not greater than the latest release 1.0.0" in lower.stderr


def test_a_fresh_clone_is_told_which_version_to_release_and_releases_it(tmp_path, built_db,
                                                                        monkeypatch):
    """A fresh clone holds reports/1.0.0/report.md and no releases/: release 1.0.0 names the
    next versions, 1.0.1 needs its parent (from a registry) or --parent none, and then goes
    through."""
    monkeypatch.setenv("NEWSCLAIMS_ALLOW_DIRTY", "1")  # about versions, not the source commit
    from click.testing import CliRunner

    from newsclaims.cli import cli

    def invoke(*args):
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)

    reports = tmp_path / "reports"
    (reports / "1.0.0").mkdir(parents=True)
    (reports / "1.0.0" / "report.md").write_text("# 1.0.0\n", encoding="utf-8")
    out = ["--out", tmp_path / "releases", "--reports-dir", reports]
    again = invoke("release", "1.0.0", "--db", built_db, *out)
    assert again.exit_code == 1
    assert again.stderr.endswith("releases are immutable: release the next version, 1.0.1 "
                                 "(patch), 1.1.0 (minor) or 2.0.0 (major)\n")
    next_one = invoke("release", "1.0.1", "--db", built_db, *out)
    assert next_one.exit_code == 2
    assert "--parent none to start a new line of releases" in next_one.stderr
    new_line = invoke("release", "1.0.1", "--db", built_db, "--parent", "none", *out)
    assert new_line.exit_code == 0, new_line.output
    assert "released 1.0.1" in new_line.stdout and "parent none" in new_line.stdout
    assert (reports / "1.0.1" / "report.md").is_file()
    # the new line continues from it as usual
    assert invoke("release", "1.0.2", "--db", built_db, *out).exit_code == 0
    manifest = json.loads((tmp_path / "releases" / "1.0.2" / "manifest.json").read_text())
    assert manifest["parent_version"] == "1.0.1"


def test_publish_keeps_the_registry_line(tmp_path):
    from click.testing import CliRunner

    from newsclaims.cli import cli

    releases, elsewhere, registry = tmp_path / "releases", tmp_path / "elsewhere", tmp_path / "reg"
    make_snapshot(releases, "1.0.0")
    make_snapshot(releases, "1.1.0", parent="1.0.0")
    shutil.copytree(releases / "1.0.0", elsewhere / "1.0.0")
    make_snapshot(elsewhere, "1.0.5", parent="1.0.0")  # made against an older registry
    make_snapshot(elsewhere, "1.2.0")  # a release made without its parent

    def publish(version, source):
        return CliRunner().invoke(cli, ["publish", version, "--to", str(registry),
                                        "--releases", str(source)], catch_exceptions=False)

    assert publish("1.0.0", releases).exit_code == 0
    assert publish("1.1.0", releases).exit_code == 0
    index = (registry / "index.json").read_bytes()
    older = publish("1.0.5", elsewhere)
    assert older.exit_code == 1
    assert older.stderr == (f"Error: publish 1.0.5 refused: {registry} holds the newer version "
                            "1.1.0; a registry's versions only go up\n")
    orphan = publish("1.2.0", elsewhere)
    assert orphan.exit_code == 1
    assert orphan.stderr == (f"Error: publish 1.2.0 refused: its parent is none (a first "
                             f"release), but the newest version in {registry} is 1.1.0; release "
                             f"it again with --parent 1.1.0 (--registry {registry})\n")
    assert (registry / "index.json").read_bytes() == index
    assert sorted(p.name for p in registry.iterdir() if not p.name.startswith(".")) == \
        ["1.0.0", "1.1.0", "index.json"]
    make_snapshot(releases, "1.2.0", parent="1.1.0")
    assert publish("1.2.0", releases).exit_code == 0
    assert publish("1.0.0", releases).exit_code == 0  # already there: nothing to do


def test_a_changed_rules_file_is_refused_by_diff(tmp_path):
    """rules.json is part of the signed snapshot: diff believes it only when it matches the
    manifest."""
    from click.testing import CliRunner

    from newsclaims.cli import cli
    from newsclaims.governance import write_rules

    releases = tmp_path / "releases"
    make_snapshot(releases, "1.0.0")
    make_snapshot(releases, "1.1.0", parent="1.0.0")
    result = CliRunner().invoke(cli, ["diff", "1.0.0", "1.1.0", "--releases", str(releases)])
    assert result.exit_code == 0 and result.stdout == "no record differs between 1.0.0 and 1.1.0\n"
    write_rules(releases / "1.1.0", {})  # a rules.json the manifest does not list
    result = CliRunner().invoke(cli, ["diff", "1.0.0", "1.1.0", "--releases", str(releases)])
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {releases / '1.1.0'}: rules.json is not listed in its "
                             "manifest (added after the release)\n")


@pytest.mark.timeout(600)
def test_a_fresh_clone_takes_the_parent_from_the_declared_registry(project, tmp_path, built_db):
    """With the project's registry declared in registry.toml (address and public key), a
    fresh clone's release finds its parent there, verified with the declared key, and the
    parent's rules apply."""
    from release_fixtures import serve

    from newsclaims.signing import key_id, keygen, load_public

    key, pub = keygen(tmp_path / "k.pem")
    made = release(project, "1.0.0", "--db", built_db, "--key", key, out="maintainer")
    assert made.returncode == 0, made.stderr
    assert newsclaims(project, "publish", "1.0.0", "--to", tmp_path / "registry",
                      "--releases", tmp_path / "maintainer").returncode == 0
    import duckdb

    smaller = tmp_path / "smaller.duckdb"
    shutil.copyfile(built_db, smaller)
    con = duckdb.connect(str(smaller))
    con.execute("DELETE FROM figures WHERE figure_id = 'fig-0010'")
    con.close()
    with serve(tmp_path / "registry") as url:
        (project / "registry.toml").write_text(
            f'[registry]\nurl = "{url}"\n\n[signing]\npublic_key = """\n'
            f'{Path(pub).read_text().strip()}\n"""\nkey_id = "{key_id(load_public(pub))}"\n',
            encoding="utf-8")
        refused = release(project, "1.1.0", "--db", smaller, out="clone")
        assert refused.returncode == 1, refused.stderr
        assert "release.ids_never_disappear: 1 id(s) of 1.0.0 missing (figures fig-0010)" in \
            refused.stderr
        made = release(project, "1.1.0", "--db", built_db, out="clone")
        assert made.returncode == 0, made.stderr
    assert "parent 1.0.0" in made.stdout
    manifest = json.loads((tmp_path / "clone" / "1.1.0" / "manifest.json").read_text())
    assert manifest["parent_version"] == "1.0.0"
