"""figures.stated_value_matches_text and figures.qualifier_matches_text: a figure's number,
qualifier and interval agree with the words of its stated_text.

Table-driven: each case is a stated text with the figure's stated_value and qualifier (its
interval derived as the build derives it, unless given) and the rules it must fire. The
rules run as the catalogue runs them, on a real DuckDB file."""

from __future__ import annotations


import duckdb
import pytest
from click.testing import CliRunner

from build_fixtures import edit
from newsclaims import contract, project
from newsclaims.cli import cli
from newsclaims.intervals import interval
from newsclaims.rules.catalogue import load_catalogue
from engine_api import run_checks, violations

VALUE, QUALIFIER = "figures.stated_value_matches_text", "figures.qualifier_matches_text"
V, Q = {VALUE}, {QUALIFIER}

CASES = [
    # (stated_text, stated_value, qualifier, rules that fire[, (value_low, value_high)])
    ("90 troops", 91, "exact", V),  # the case of issue 17
    ("90 troops", 90, "exact", set()),
    ("ninety troops", 90, "exact", set()),
    ("ninety", 91, "exact", V),
    ("two hundred", 200, "exact", set()),
    ("two hundred and five", 205, "exact", set()),
    ("three thousand five hundred", 3500, "exact", set()),
    ("twenty-five", 25, "exact", set()),
    ("Twenty five", 52, "exact", V),
    ("a dozen", 12, "exact", set()),
    ("two dozen", 24, "exact", set()),
    ("a hundred", 100, "exact", set()),
    ("1,200,000 people", 1_200_000, "exact", set()),
    ("1.5 million", 1_500_000, "exact", set()),
    ("7,000", 700, "exact", V),
    ("7\u202f000 parcels", 7000, "exact", set()),  # a narrow no-break space between thousands
    ("at least 62", 62, "at_least", set()),
    ("at least 62", 62, "exact", Q),
    ("At least 62 Syrian soldiers", 63, "at_least", V),
    ("no fewer than 30", 30, "at_least", set()),
    ("more than 100", 100, "more_than", set()),
    ("over 100", 100, "at_least", Q),
    ("just over 100", 100, "more_than", set()),
    ("about 7,000 food parcels", 7000, "about", set()),
    ("around 50", 50, "about", set()),
    ("some 300", 300, "exact", Q),
    ("up to 40", 40, "at_most", set()),
    ("as many as 40", 40, "at_most", set()),
    ("at most 3", 3, "fewer_than", Q),
    ("fewer than 20", 20, "fewer_than", set()),
    ("under 20", 20, "at_most", Q),
    ("less than twenty", 20, "fewer_than", set()),
    ("90 or more", 90, "at_least", set()),
    ("90 or more", 90, "exact", Q),
    ("90 troops", 90, "about", Q),
    ("dozens", None, "unspecified", set()),
    ("dozens", 24, "at_least", set()),
    ("dozens of civilians", 36, "exact", Q),
    ("hundreds", 999, "at_most", Q),
    ("several hundred", 200, "more_than", set()),
    ("an unknown number", None, "unspecified", set()),
    ("An unspecified number of people", None, "unspecified", set()),
    ("between 60 and 80", 60, "at_least", set()),
    ("between 60 and 80", 70, "about", set()),
    ("between 60 and 80", 70, "exact", Q),  # [70, 70] does not cover 60 to 80
    ("between 60 and 80", 90, "about", V),
    ("60-80", 80, "at_most", set()),
    ("60\u201380 people", 65, "at_least", Q),  # an en dash; [65, inf) leaves out 60 to 64
    ("from sixty to eighty", 60, "at_least", set()),
    ("between 60 and 80", None, "unspecified", V),
    ("90 troops", None, "unspecified", V),
    # what the parser cannot read judges nothing
    ("nearly 90", 90, "exact", set()),
    ("nearly 90", 91, "about", V),  # the qualifier is unread, the number is read
    ("5 of 12 children", 7, "exact", set()),
    # the parser reads English: a text with letters of another script judges nothing
    ("\u0623\u0643\u062b\u0631 \u0645\u0646 90 \u0639\u0633\u0643\u0631\u064a\u0627", 90, "more_than", set()),
    ("could only confirm 15", 15, "at_least", set()),  # words it does not know
    ("15", 15, "at_least", {"figures.qualifier_matches_text"}),
    ("7.000", 7000, "exact", set()),
    ("90+", 90, "at_least", set()),
    ("80-60", 70, "exact", set()),
    ("casualties", 5, "exact", set()),
    ("90 (sic)", 90, "exact", set()),
    ("-5", -5, "exact", set()),  # a negative value is figures.no_negative_values' finding
    ("90", 90, "invalid-qualifier", set(), (90, 90)),  # an unknown qualifier is accepted_values'
]


def cases_database(db, cases=CASES):
    """Every case as one figure (``fig-<n>``) of one loose-DDL database file ``db``."""
    con = duckdb.connect(str(db))
    try:
        con.execute(contract.loose_ddl())
        names = contract.tables()["figures"].column_names
        for n, case in enumerate(cases):
            text, value, qualifier, _ = case[:4]
            low, high = case[4] if len(case) > 4 else interval(qualifier, value)
            row = {"figure_id": f"fig-{n:04d}", "claim_id": "clm-0001", "measure": "killed",
                   "victim_group": "soldiers", "stated_text": text, "stated_value": value,
                   "qualifier": qualifier, "value_low": low, "value_high": high, "unit": "people"}
            con.execute(f"INSERT INTO figures VALUES ({', '.join('?' for _ in names)})",
                        [row.get(c) for c in names])
    finally:
        con.close()
    return db


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, set[str]]:
    """Every case as one figure of one database; the rules run once over all of them."""
    db = cases_database(tmp_path_factory.mktemp("figtext") / "cases.duckdb")
    rules = [r for r in load_catalogue() if r.id in (VALUE, QUALIFIER)]
    run = run_checks(db, rules=rules)
    assert [r.status for r in run.results if r.status == "error"] == []
    fired: dict[str, set[str]] = {}
    for rule_id, record_id, message in violations(db):
        fired.setdefault(record_id, set()).add(rule_id)
        fired.setdefault(f"{record_id}:{rule_id}", set()).add(message)
    return fired


@pytest.mark.parametrize("n, case", list(enumerate(CASES)), ids=[f"{c[0]!r}-{c[1]}-{c[2]}" for c in CASES])
def test_stated_text_table(results, n, case):
    text, value, qualifier, expected = case[:4]
    assert results.get(f"fig-{n:04d}", set()) == expected


def test_the_messages_say_what_the_words_state(results):
    n = next(i for i, c in enumerate(CASES) if c[:3] == ("90 troops", 91, "exact"))
    assert results[f"fig-{n:04d}:{VALUE}"] == {'stated_text "90 troops" states 90, stated_value is 91'}
    n = next(i for i, c in enumerate(CASES) if c[:3] == ("at least 62", 62, "exact"))
    assert results[f"fig-{n:04d}:{QUALIFIER}"] == {'stated_text "at least 62" reads as at_least 62, qualifier is exact'}
    n = next(i for i, c in enumerate(CASES) if c[:3] == ("dozens of civilians", 36, "exact"))
    assert results[f"fig-{n:04d}:{QUALIFIER}"] == {
        'stated_text "dozens of civilians" states no number, so no exact value or upper bound; qualifier is exact'}
    n = next(i for i, c in enumerate(CASES) if c[:3] == ("between 60 and 80", 70, "exact"))
    assert results[f"fig-{n:04d}:{QUALIFIER}"] == {
        'stated_text "between 60 and 80" states 60 to 80; the interval [70, 70] does not cover it'}
    n = next(i for i, c in enumerate(CASES) if c[:3] == ("between 60 and 80", 90, "about"))
    assert results[f"fig-{n:04d}:{VALUE}"] == {
        'stated_text "between 60 and 80" states 60 to 80, stated_value 90 is not in that range'}


def test_91_for_90_troops_fails_check(tmp_path, monkeypatch):
    """Issue 17: in the curated dataset, ``stated_value: 91`` with ``stated_text: "90
    troops"`` passed every rule. Built and checked by the real commands, it fails the
    gate now, on this rule alone."""
    import shutil

    monkeypatch.chdir(tmp_path)
    shutil.copytree(project.dataset_dir(), tmp_path / "dataset")
    edit(tmp_path / "dataset", "figures/doc-0001.yml", "stated_text: 90 troops\n  stated_value: 90\n",
         "stated_text: 90 troops\n  stated_value: 91\n")
    runner = CliRunner()
    built = runner.invoke(cli, ["build", "--dataset", "dataset", "--output", "db.duckdb"])
    assert built.exit_code == 0, built.output
    checked = runner.invoke(cli, ["check", "--db", "db.duckdb", "--no-reports"])
    assert checked.exit_code == 1, checked.output
    assert "1 failed (error)" in checked.output  # the curated data has warnings, no other error
    assert [v for v in violations(tmp_path / "db.duckdb") if v[0] in (VALUE, QUALIFIER)] == [
        (VALUE, "fig-0004", 'stated_text "90 troops" states 90, stated_value is 91')]


def test_the_curated_figures_agree_with_their_words(tmp_path):
    from newsclaims.build import build_database

    db = build_database(project.dataset_dir(), tmp_path / "curated.duckdb")
    rules = [r for r in load_catalogue() if r.id in (VALUE, QUALIFIER)]
    run = run_checks(db, rules=rules)
    assert [(r.rule_id, r.status) for r in run.results] == [(VALUE, "pass"), (QUALIFIER, "pass")] or \
        sorted((r.rule_id, r.status) for r in run.results) == [(QUALIFIER, "pass"), (VALUE, "pass")]


def test_both_rules_read_the_one_parser_of_sql_fragments():
    """The parser of stated_text has one home, sql/fragments/stated_text.sql: each rule's
    file includes it and holds no parser of its own; the query that runs is the rule's file
    with the fragment in its place."""
    from newsclaims.rules.sql_fragments import read_query

    parser = (project.sql_dir() / "fragments" / "stated_text.sql").read_text(encoding="utf-8").strip()
    assert len(parser) > 2000
    for rule_id in (VALUE, QUALIFIER):
        text = (project.sql_dir() / "rules" / f"{rule_id}.sql").read_text(encoding="utf-8")
        assert text.count("{{fragment.stated_text}}") == 1
        assert "regexp_extract_all" not in text and "texts AS" not in text
        query = read_query(f"rules/{rule_id}.sql")
        assert parser in query and "{{" not in query


def test_a_missing_fragment_is_one_line_naming_the_query_file(tmp_path):
    """A query file that includes a fragment sql/fragments/ does not hold is refused when the
    catalogue is read (exit 2, one line naming the rule, its file and the fragment)."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = tmp_path / "root"
    for folder in ("sql", "checks"):
        shutil.copytree(project.root() / folder, root / folder)
    (root / "sql" / "fragments" / "stated_text.sql").unlink()
    done = subprocess.run([str(Path(sys.executable).parent / "newsclaims"), "rules"], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "NEWSCLAIMS_ROOT": str(root),
                                                      "NEWSCLAIMS_DERIVED_CACHE": "off"})
    assert done.returncode == 2 and done.stdout == ""
    index = [r.id for r in load_catalogue() if r.source == "checks/figures.yml"].index(VALUE) + 1
    assert done.stderr == (
        f"Error: checks/figures.yml: rule #{index} ({VALUE}): sql/rules/{VALUE}.sql includes "
        "{{fragment.stated_text}}, but sql/fragments/stated_text.sql does not exist\n")
