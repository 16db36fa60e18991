"""A DuckDB database's write-ahead log (``<db>.wal``) is part of the database: DuckDB
replays it on every open, read-only too. A log planted beside a snapshot's database is
refused by every reader; a copy of a working database takes its log along."""

from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb
import pytest
from click.testing import CliRunner

import newsclaims
from newsclaims.cli import cli
from newsclaims.errors import IntegrityError
from newsclaims.registry import publish
from newsclaims.signing import keygen
from release_fixtures import file_hashes, make_snapshot


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    for name in ("NEWSCLAIMS_TRUSTED_KEY", "NEWSCLAIMS_CACHE", "NEWSCLAIMS_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def uncheckpointed_change(db, sql: str) -> None:
    """Run ``sql`` on ``db`` and leave the committed change in its write-ahead log only."""
    con = duckdb.connect(str(db))
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("SET checkpoint_threshold = '1TB'")
    con.execute(sql)
    con.close()
    assert (db.parent / (db.name + ".wal")).is_file()


def plant_wal(snapshot_folder, tmp_path) -> None:
    """A log made on a copy of the snapshot's database (so DuckDB accepts it as this
    database's), then placed beside the snapshot's database."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(snapshot_folder / "newsclaims.duckdb", copy)
    uncheckpointed_change(copy, "UPDATE figures SET stated_value = 999")
    shutil.move(tmp_path / "copy.duckdb.wal", snapshot_folder / "newsclaims.duckdb.wal")


@pytest.fixture
def pulled(tmp_path):
    keygen(tmp_path / "k.pem")
    releases = tmp_path / "releases"
    make_snapshot(releases, "1.0.0", key=tmp_path / "k.pem")
    make_snapshot(releases, "1.1.0", key=tmp_path / "k.pem", parent="1.0.0")
    registry = tmp_path / "registry"
    for version in ("1.0.0", "1.1.0"):
        publish(version, releases, registry)
    cache = tmp_path / "cache"
    for version in ("1.0.0", "1.1.0"):
        result = invoke("pull", version, "--from", registry, "--cache", cache,
                        "--trust-key", tmp_path / "k.pem.pub")
        assert result.exit_code == 0, result.output
    plant_wal(cache / "1.0.0", tmp_path)
    return {"cache": cache, "registry": registry, "releases": releases,
            "pub": tmp_path / "k.pem.pub"}


def refusal(cache) -> str:
    return (f"{cache / '1.0.0'}: newsclaims.duckdb.wal lies beside the database: a "
            "write-ahead log is no part of a release (its manifest lists none) and would "
            "change what the database says; remove it")


def test_every_reader_refuses_a_log_planted_beside_a_snapshot(pulled):
    cache = pulled["cache"]
    expected = f"Error: {refusal(cache)}\n"
    for args in (["query", "SELECT max(stated_value) FROM figures", "--version", "1.0.0"],
                 ["query", "SELECT max(stated_value) FROM figures", "--db",
                  cache / "1.0.0" / "newsclaims.duckdb"],
                 ["diff", "1.0.0", "1.1.0"],
                 ["pull", "1.0.0"]):
        result = invoke(*args, "--cache", cache) if args[0] != "query" or "--db" not in args \
            else invoke(*args)
        wanted = expected if args[0] != "pull" else (
            f"Error: {refusal(cache)} (the cached copy of 1.0.0 was changed after it was "
            "pulled); pull it again with --from REGISTRY\n")
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", wanted), args
    for read in (lambda: newsclaims.connect("1.0.0", cache=cache),
                 lambda: newsclaims.load("figures", "1.0.0", cache=cache)):
        with pytest.raises(IntegrityError) as caught:
            read()
        assert str(caught.value) == refusal(cache)


def test_pull_from_the_registry_replaces_a_copy_with_a_planted_log(pulled):
    cache = pulled["cache"]
    result = invoke("pull", "1.0.0", "--from", pulled["registry"], "--cache", cache,
                    "--trust-key", pulled["pub"])
    assert result.exit_code == 0, result.output
    assert file_hashes(cache / "1.0.0") == file_hashes(pulled["releases"] / "1.0.0")
    query = invoke("query", "SELECT max(stated_value) FROM figures", "--version", "1.0.0",
                   "--cache", cache, "--format", "csv")
    assert query.stdout == "max(stated_value)\n62\n"


@pytest.mark.timeout(600)
def test_release_from_a_working_database_takes_its_log_along(built_db, tmp_path):
    db = tmp_path / "work.duckdb"
    shutil.copyfile(built_db, db)
    uncheckpointed_change(db, "UPDATE figures SET notes = 'Committed, not checkpointed.' "
                              "WHERE figure_id = (SELECT min(figure_id) FROM figures)")
    result = invoke("release", "1.0.0", "--db", db, "--out", tmp_path / "releases",
                    "--reports-dir", tmp_path / "project-reports")
    assert result.exit_code == 0, result.output
    snap = tmp_path / "releases" / "1.0.0"
    assert not (snap / "newsclaims.duckdb.wal").exists()
    con = duckdb.connect(str(snap / "newsclaims.duckdb"), read_only=True)
    try:
        renamed = con.execute("SELECT count(*) FROM figures "
                              "WHERE notes = 'Committed, not checkpointed.'").fetchone()[0]
    finally:
        con.close()
    assert renamed == 1  # the committed change that lived in the log is released
    assert (db.parent / "work.duckdb.wal").is_file()  # the working database is left as it was


@pytest.mark.timeout(600)
def test_the_pytest_gate_checks_the_changes_in_the_log(fixture_db, tmp_path, repo):
    from newsclaims.defects import inject

    db = tmp_path / "gate.duckdb"
    shutil.copyfile(fixture_db, db)
    con = duckdb.connect(str(db))
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("SET checkpoint_threshold = '1TB'")
    (claim,) = inject(con, "claims.quote_matches_text", 1)["claims.quote_matches_text"]
    con.close()
    assert (tmp_path / "gate.duckdb.wal").is_file()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(repo / "checks" / "provenance.yml"), "-q",
         "-p", "no:cacheprovider", f"--newsclaims-db={db}", "-W", "error::UserWarning"],
        capture_output=True, text=True, cwd=repo, timeout=500)
    assert proc.returncode == 1, proc.stdout
    assert f"{claim}: quote " in proc.stdout
