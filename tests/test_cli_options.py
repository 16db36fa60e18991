"""One name per concept across commands (``--output``, ``--releases``, ``--reports-dir``),
the old spellings kept as hidden aliases, and ``release --registry http://…`` with the
``--trust-key`` its advice names."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from newsclaims.cli import cli
from release_fixtures import serve
from test_progress import run_on_terminal


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    for name in ("NEWSCLAIMS_TRUSTED_KEY", "NEWSCLAIMS_CACHE", "NEWSCLAIMS_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("NEWSCLAIMS_CACHE", str(tmp_path / "cache"))  # a release pulls its parent


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_one_name_per_concept_in_every_help():
    helps = {name: invoke(name, "--help").output for name in
             ("build", "synth", "export-gx", "keygen", "release", "publish", "diff", "query", "check")}
    for name in ("build", "synth", "export-gx", "keygen"):  # the file or folder a command writes
        assert "--output" in helps[name] and "--out " not in helps[name], name
    for name in ("release", "publish", "diff", "query"):  # the folder of releases
        assert "--releases" in helps[name] and "--out " not in helps[name], name
    for name in ("release", "check"):  # the folder of reports
        assert "--reports-dir" in helps[name] and "--reports " not in helps[name], name


def test_keygen_output_and_its_old_spelling(tmp_path):
    new = invoke("keygen", "--output", tmp_path / "new.pem")
    assert new.exit_code == 0 and (tmp_path / "new.pem.pub").is_file()
    old = invoke("keygen", "--out", tmp_path / "old.pem")
    assert (old.exit_code, old.stderr) == (0, "")  # a script's stderr stays as it was
    assert (tmp_path / "old.pem.pub").is_file()
    both = invoke("keygen", "--out", tmp_path / "a.pem", "--output", tmp_path / "b.pem")
    assert both.exit_code == 2
    assert both.stderr.endswith("Error: give --output only (--out is its old name)\n")
    missing = invoke("keygen")
    assert missing.exit_code == 2 and missing.stderr.endswith("Error: Missing option '--output'.\n")


def test_an_old_spelling_on_a_terminal_names_the_new_one(tmp_path):
    code, frames = run_on_terminal("keygen", "--out", tmp_path / "k.pem")
    assert code == 0 and (tmp_path / "k.pem").is_file()
    assert [text for _, text in frames] == ["Warning: --out is deprecated; use --output"]


def test_check_reports_dir_and_its_old_spelling(fixture_db, tmp_path):
    db = tmp_path / "check.duckdb"
    shutil.copy(fixture_db, db)
    for option, folder in (("--reports-dir", "new"), ("--reports", "old")):
        result = invoke("check", "--db", db, "--select", "core", option, tmp_path / folder)
        assert result.exit_code == 0, result.output
        assert (tmp_path / folder / "report.json").is_file()


@pytest.mark.timeout(300)
def test_release_from_an_http_registry_takes_the_trust_key_its_advice_names(tmp_path, built_db_copy):
    built_db = built_db_copy
    from newsclaims.registry import publish

    invoke("keygen", "--output", tmp_path / "k.pem")
    first = invoke("release", "1.0.0", "--db", built_db, "--releases", tmp_path / "published",
                   "--reports-dir", tmp_path / "reports", "--key", tmp_path / "k.pem")
    assert first.exit_code == 0, first.output
    publish("1.0.0", tmp_path / "published", tmp_path / "registry")
    # a release's report.json follows the one schema of check's JSON too
    import json

    import jsonschema

    from newsclaims.reporting.check_document import schema

    report = tmp_path / "published" / "1.0.0" / "reports" / "report.json"
    jsonschema.validate(json.loads(report.read_text(encoding="utf-8")), schema())
    args = ["release", "1.0.1", "--db", built_db, "--releases", tmp_path / "releases",
            "--reports-dir", tmp_path / "reports", "--key", tmp_path / "k.pem"]
    with serve(tmp_path / "registry") as url:
        untrusted = invoke(*args, "--registry", url)
        assert untrusted.exit_code == 2
        assert untrusted.stderr.startswith("Error: no trusted public key: pass --trust-key PUBFILE")
        trusted = invoke(*args, "--registry", url, "--trust-key", tmp_path / "k.pem.pub")
    assert trusted.exit_code == 0, trusted.output
    assert "released 1.0.1" in trusted.stdout and "parent 1.0.0" in trusted.stdout
