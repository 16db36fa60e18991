"""Rule selection on the command line: ``--select`` lists separated by commas or spaces,
``--exclude``, suggestions for a selector that matches nothing, and ``newsclaims rules``,
which lists a selection before it runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from newsclaims.cli import cli
from newsclaims.errors import InputError
from newsclaims.rules.catalogue import load_catalogue
from newsclaims.rules.selection import select_rules

RULES = load_catalogue()
CORE = [r.id for r in RULES if r.core]
DATES = [r.id for r in RULES if r.family == "dates"]


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)), catch_exceptions=False)


def ids(*args) -> list[str]:
    result = run("rules", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return [row["id"] for row in json.loads(result.stdout)]


def test_a_selection_is_a_list_separated_by_commas_or_spaces():
    expected = [r.id for r in RULES if r.core or r.family == "dates"]
    assert ids("--select", "core,family:dates") == expected
    assert ids("--select", "core family:dates") == expected
    assert ids("--select", " core,  family:dates ") == expected
    assert ids("--select", "core", "--select", "family:dates") == expected
    assert [r.id for r in select_rules(RULES, "core family:dates")] == expected


def test_exclude_leaves_rules_out():
    assert ids("--select", "core", "--exclude", "claims.quote_matches_text") == \
        [i for i in CORE if i != "claims.quote_matches_text"]
    assert ids("--exclude", "family:dates, severity:warn") == \
        [r.id for r in RULES if r.family != "dates" and r.severity != "warn"]


def test_a_selector_that_matches_nothing_names_the_nearest():
    cases = {
        ("--select", "claims.quote_matchs_text"):
            "Error: --select claims.quote_matchs_text: matches no rule of the catalogue; "
            "did you mean claims.quote_matches_text?\n",
        ("--select", "family:date"):
            "Error: --select family:date: matches no rule of the catalogue; did you mean family:dates?\n",
        ("--select", "claim.*"):
            "Error: --select claim.*: matches no rule of the catalogue; did you mean claims.*?\n",
        ("--select", "severity:warning"):
            "Error: --select severity:warning: matches no rule of the catalogue; did you mean "
            "severity:warn?\n",
        ("--exclude", "cor"):
            "Error: --exclude cor: matches no rule of the catalogue; did you mean core?\n",
        ("--select", "nosuch.*"): "Error: --select nosuch.*: matches no rule of the catalogue\n",
    }
    for args, message in cases.items():
        result = run("rules", *args)
        assert (result.exit_code, result.stderr, result.stdout) == (2, message, ""), args


def test_an_exclusion_that_leaves_nothing_is_refused():
    with pytest.raises(InputError, match=r"^--exclude core: leaves no rule of the selection core$"):
        select_rules(RULES, "core", "core")


def test_rules_lists_id_severity_family_table_and_title():
    result = run("rules", "--select", "family:dates")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "severity", "family", "table", "title"]
    assert lines[-1] == f"{len(DATES)} of {len(RULES)} rules"
    rule = next(r for r in RULES if r.id == "claims.no_future_dates")
    row = next(line for line in lines if line.startswith(rule.id + " "))
    assert row.split()[:4] == [rule.id, rule.severity, rule.family, rule.table]
    assert row.endswith(rule.title)
    rows = json.loads(run("rules", "--select", "claims.no_future_dates", "--format", "json").stdout)
    assert rows == [{"id": rule.id, "severity": rule.severity, "family": rule.family,
                     "table": rule.table, "title": rule.title, "core": rule.core}]


def test_check_runs_what_rules_lists(fixture_db, tmp_path):
    db = tmp_path / "check.duckdb"
    shutil.copy(fixture_db, db)
    args = ("--select", "core, family:dates", "--exclude", "claims.quote_matches_text")
    result = run("check", "--db", db, "--no-reports", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in json.loads(result.stdout)["rules"]] == sorted(ids(*args))
    typo = run("check", "--db", db, "--no-reports", "--exclude", "claims.quote_matchs_text")
    assert typo.exit_code == 2
    assert typo.stderr == ("Error: --exclude claims.quote_matchs_text: matches no rule of the "
                           "catalogue; did you mean claims.quote_matches_text?\n")


def test_a_reader_that_closes_the_pipe_ends_the_listing_quietly():
    # the listing outgrows a closed pipe: no traceback, no "internal error"
    proc = subprocess.Popen([sys.executable, "-m", "newsclaims", "rules", "--format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ)
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 141
    assert err == b""
