"""Bad paths and broken project declarations: one `Error:` line and exit 2, never a traceback.

Each case runs the real `newsclaims` process (the CLI's own error mapping is under test),
on real files made here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newsclaims.errors import InputError
from newsclaims.rules.catalogue import load_file

NEWSCLAIMS = str(Path(sys.executable).parent / "newsclaims")


def run(*args, cwd, env=None):
    proc = subprocess.run([NEWSCLAIMS, *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    return proc.returncode, proc.stderr


@pytest.fixture
def afile(tmp_path) -> Path:
    """A plain file where a command expects a folder."""
    path = tmp_path / "afile"
    path.write_text("not a folder\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("args, message", [
    (("build", "--output", "afile/x.duckdb"),
     "Error: afile/x.duckdb: cannot be used as the output (Not a directory)"),
    (("synth", "--claims", "100", "-o", "afile/x.duckdb"), "Error: afile: not a folder"),
    (("synth", "--claims", "100", "--memory-limit", "lots", "-o", "s.duckdb"),
     "Error: --memory-limit lots: expected a size such as 1500MB or 4GB"),
    (("keygen", "--out", "afile/k.pem"), "Error: afile: exists and is not a folder"),
    (("keygen", "--out", ""), "Error: .: give the path of a key file to create, not a folder"),
    (("versions", "--from", "afile"), "Error: afile/index.json: not found (is afile a registry?)"),
    (("release", "9.9.9", "--out", "afile"), "Error: afile: exists and is not a folder"),
])
def test_a_path_that_cannot_be_used_is_one_line_and_exit_2(tmp_path, afile, args, message):
    code, err = run(*args, cwd=tmp_path)
    assert (code, err) == (2, message + "\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]  # nothing else was written


def test_an_empty_query_is_one_line(tmp_path, built_db):
    code, err = run("query", "  ", "--db", built_db, cwd=tmp_path)
    assert (code, err) == (2, "Error: query: the SQL is empty; give one statement, e.g. "
                              "'SELECT count(*) FROM claims'\n")


@pytest.mark.parametrize("rules, message", [
    ({"claims.x": 5}, "rule claims.x: expected a list of record ids (text), got 5"),
    ({"claims.x": ["clm-1", None]}, 'rule claims.x: expected a list of record ids (text), got ["clm-1", null]'),
])
def test_a_ground_truth_of_the_wrong_shape_is_one_line(tmp_path, built_db, rules, message):
    db = tmp_path / "db.duckdb"
    shutil.copyfile(built_db, db)
    (tmp_path / "db.duckdb.truth.json").write_text(json.dumps({"rules": rules}), encoding="utf-8")
    code, err = run("synth", "--verify", db, cwd=tmp_path)
    assert (code, err) == (2, f"Error: {db}.truth.json: {message}\n")


@pytest.fixture
def root(tmp_path, repo) -> Path:
    """A copy of the project's declarations (sql/, checks/, dataset/) for NEWSCLAIMS_ROOT."""
    copy = tmp_path / "root"
    for folder in ("sql", "checks", "dataset"):
        shutil.copytree(repo / folder, copy / folder)
    return copy


def _check(root: Path, built_db: Path, tmp_path: Path):
    db = tmp_path / "db.duckdb"
    shutil.copyfile(built_db, db)
    return run("check", "--db", db, "--no-reports",
               cwd=tmp_path, env={**os.environ, "NEWSCLAIMS_ROOT": str(root)})


def test_a_rule_query_that_is_not_utf8_is_named(root, built_db, tmp_path):
    path = root / "sql" / "rules" / "places.parent_acyclic.sql"
    path.write_bytes(b"-- caf\xe9\n" + path.read_bytes())
    assert _check(root, built_db, tmp_path) == (
        2, "Error: sql/rules/places.parent_acyclic.sql: not UTF-8 text (byte 6)\n")


def test_a_broken_contract_ddl_is_one_line(root, built_db, tmp_path):
    path = root / "sql" / "schema.sql"
    path.write_text(path.read_text(encoding="utf-8") + "\nCREATE TABLE broken (;\n", encoding="utf-8")
    code, err = _check(root, built_db, tmp_path)
    assert code == 2
    assert err.startswith("Error: sql/schema.sql: the contract DDL does not run: Parser Error: ")
    assert err.count("\n") == 1


def test_an_empty_catalogue_file_is_refused(root, built_db, tmp_path):
    (root / "checks" / "coverage.yml").write_text("", encoding="utf-8")
    assert _check(root, built_db, tmp_path) == (
        2, "Error: checks/coverage.yml: empty; a catalogue file is a YAML list of rules (delete "
           "the file to drop its rules)\n")


HEAD = "- {id: claims.x, title: t, family: dates, severity: warn, rationale: r, table: claims, "


@pytest.mark.parametrize("text, message", [
    (HEAD + "test: not_null, column: claimant}", "unknown column 'claimant' of table 'claims'"),
    (HEAD + "test: unique, columns: claim_id}", "'columns' must be a list of column names, not 'claim_id'"),
    (HEAD + "test: unique, columns: [doc_id, quotes]}", "unknown column 'quotes' of table 'claims'"),
    (HEAD + "test: relationship, column: doc_id, to: documents.id}",
     "'to' names no column of the contract: 'documents.id'"),
    (HEAD + "test: relationship, column: doc_id, to: document.doc_id}",
     "'to' names no column of the contract: 'document.doc_id'"),
])
def test_a_declaration_naming_a_missing_column_is_refused(tmp_path, text, message):
    path = tmp_path / "bad.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_file(path)
    assert str(exc.value) == f"checks/bad.yml: rule #1 (claims.x): {message}"


def test_versions_shows_no_control_characters_from_a_registry_index(tmp_path):
    """The index is unsigned: an escape sequence in it must not reach the terminal."""
    registry = tmp_path / "reg"
    registry.mkdir()
    (registry / "index.json").write_text(json.dumps({"format": 1, "latest": "1.0.0", "versions": {
        "1.0.0": {"manifest": "1.0.0/manifest.json", "created_at": "2026\x1b]0;owned\x07",
                  "parent_version": None, "row_counts": {"claims": 3}}}}), encoding="utf-8")
    proc = subprocess.run([NEWSCLAIMS, "versions", "--from", str(registry)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ("version\tcreated_at (unsigned)\tparent (unsigned)\trows (unsigned)\n"
                           "1.0.0\t2026?]0;owned?\tparent -\tclaims 3\n")


def test_keygen_refuses_a_dangling_link_at_the_key_path(tmp_path):
    (tmp_path / "k.pem").symlink_to(tmp_path / "nowhere")
    code, err = run("keygen", "--out", "k.pem", cwd=tmp_path)
    assert (code, err) == (2, "Error: k.pem: already exists; keys are never overwritten, pick "
                              "another path\n")
    assert not (tmp_path / "nowhere").exists()


def test_an_error_line_shows_no_control_characters_from_a_registry(tmp_path):
    """An unsigned index names the manifest path that a failed pull prints: its escape
    sequences are shown as '?', on the one error line."""
    registry = tmp_path / "reg"
    registry.mkdir()
    (registry / "index.json").write_text(json.dumps({"format": 1, "latest": "1.0.0", "versions": {
        "1.0.0": {"manifest": "1.0.0\x1b[2J/manifest.json"}}}), encoding="utf-8")
    code, err = run("keygen", "--out", "k.pem", cwd=tmp_path)
    assert code == 0
    code, err = run("pull", "1.0.0", "--from", registry, "--cache", tmp_path / "cache",
                    "--trust-key", tmp_path / "k.pem.pub", cwd=tmp_path)
    assert code == 2 and "\x1b" not in err and err.count("\n") == 1
    assert err.endswith("unsafe file path '1.0.0\\x1b[2J/manifest.json' in the index: a NUL "
                        "or control character\n")
