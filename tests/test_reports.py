"""report.json / report.md / report.html from a database with known check results."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import duckdb
import pytest

import report_fixtures as rf
from newsclaims.errors import InputError
from newsclaims.reporting import write_reports

GOLDEN = Path(__file__).parent / "golden" / "report_fixture.md"


def violations_of(paths) -> list[dict]:
    """Every record of violations.jsonl, one JSON object a line."""
    lines = paths["jsonl"].read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""  # every record ends with a newline
    return [json.loads(line) for line in lines[:-1]]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports")
    db = rf.build_fixture_db(folder / "fixture.duckdb")
    paths = write_reports(db, folder / "out", rationales=rf.FIXTURE_RATIONALES,
                          generated_at="2024-05-01T12:30:00Z")
    return db, paths


def test_json_holds_every_rule_and_every_violation(reports):
    _, paths = reports
    report = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert list(report) == ["report_version", "status", "run", "summary", "violations_file",
                            "table_rows", "null_keys", "rules"]
    assert report["status"] == "fail"
    assert {r["id"] for r in report["rules"]} == {r[0] for r in rf.FIXTURE_RESULTS}
    assert report["violations_file"]["path"] == "violations.jsonl"
    assert report["violations_file"]["records"] == 6
    got = sorted((v["rule_id"], v["record_id"], v["message"]) for v in violations_of(paths))
    want = sorted((v[0], v[3], v[4]) for v in rf.FIXTURE_VIOLATIONS)
    assert got == want
    assert report["summary"] == {"rules": 6, "passed": 1, "failed": 2, "warnings": 2,
                                 "errored": 1, "skipped": 0, "violations": 6}
    by_id = {r["id"]: r for r in report["rules"]}
    assert by_id["claims.unattributed"]["outcome"] == "warn"
    assert by_id["claims.unattributed"]["rationale"] == rf.FIXTURE_RATIONALES["claims.unattributed"]
    assert re.fullmatch(r"[0-9a-f]{64}", report["run"]["rules_digest"])
    assert report["run"]["engines"] == ["duckdb"]


def test_json_joins_quotes_and_claimants(reports):
    _, paths = reports
    by_record = {(v["rule_id"], v["record_id"]): v for v in violations_of(paths)}
    fig = by_record[("figures.low_not_above_high", "fig-0006")]  # fig-0006 -> clm-0002
    assert fig["claimant"] == "Syrian Observatory for Human Rights"
    assert fig["quote"] in {"90 troops were killed", "The Syrian Observatory said"}
    assert by_record[("claims.unattributed", "clm-0004")]["claimant"] == "unattributed"
    # fig-0005's claim does not exist: no quote, no claimant rather than a wrong one
    assert by_record[("figures.low_not_above_high", "fig-0005")]["quote"] is None


def test_json_is_stable_across_runs(reports, tmp_path):
    db, paths = reports
    again = write_reports(db, tmp_path, rationales=rf.FIXTURE_RATIONALES,
                          generated_at="2024-05-01T12:30:00Z")
    assert again["json"].read_bytes() == paths["json"].read_bytes()
    assert again["html"].read_bytes() == paths["html"].read_bytes()
    assert again["jsonl"].read_bytes() == paths["jsonl"].read_bytes()


def scrub(text: str) -> str:
    return re.sub(r"`[^`]*/(report\.html|report\.json|violations\.jsonl)`", r"`<out>/\1`", text)


def test_markdown_matches_golden(reports):
    _, paths = reports
    text = scrub(paths["md"].read_text(encoding="utf-8"))
    if os.environ.get("NEWSCLAIMS_UPDATE_GOLDEN"):  # regenerate, review, commit
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_markdown_truncates_examples(tmp_path):
    db = rf.build_fixture_db(tmp_path / "many.duckdb", results=False)
    con = duckdb.connect(str(db))
    results = [("figures.low_not_above_high", "t", "figures", "error", "figures", "fail",
                7, 0)]
    violations = [("figures.low_not_above_high", "error", "figures", f"fig-9{i:03d}", "bad")
                  for i in range(7)]
    rf.write_results(con, results, violations)
    con.close()
    md = write_reports(db, tmp_path / "out", rationales={})["md"].read_text(encoding="utf-8")
    assert md.count("`fig-9") == 3
    assert "… 4 more (truncated" in md


def test_html_escapes_quotes_and_inlines_svg(reports):
    _, paths = reports
    html = paths["html"].read_text(encoding="utf-8")
    assert "&#34;fewer than 50&#34; soldiers died" in html  # autoescaped quote
    assert html.count("<svg") == 2  # killed/soldiers and wounded/people panels
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<?xml" not in html


def test_every_passing_run_says_pass(tmp_path):
    db = rf.build_fixture_db(tmp_path / "ok.duckdb", defects=False, results=False)
    con = duckdb.connect(str(db))
    rf.write_results(con, [("claims.modality_valid", "t", "structure", "error", "claims",
                            "pass", 0, 0)], [])
    con.close()
    paths = write_reports(db, tmp_path / "out", rationales={})
    assert paths["md"].read_text(encoding="utf-8").startswith("## newsclaims check: PASS")
    assert json.loads(paths["json"].read_text())["status"] == "pass"


def test_missing_database_is_one_line(tmp_path):
    with pytest.raises(InputError, match=r"no such database \(run `newsclaims build` first\)"):
        write_reports(tmp_path / "absent.duckdb", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_unchecked_database_is_one_line(tmp_path):
    db = rf.build_fixture_db(tmp_path / "raw.duckdb", results=False)
    with pytest.raises(InputError, match="no check results .* run `newsclaims check` first"):
        write_reports(db, tmp_path / "out")


def test_corrupt_database_is_one_line(tmp_path):
    bad = tmp_path / "corrupt.duckdb"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(InputError, match="not a readable DuckDB database") as info:
        write_reports(bad, tmp_path / "out")
    assert "\n" not in str(info.value)


def test_a_failed_render_leaves_previous_reports_whole(reports, tmp_path):
    db, paths = reports
    out = tmp_path / "out"
    write_reports(db, out, rationales={})
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(InputError):
        write_reports(tmp_path / "absent.duckdb", out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


# --- a database bigger than the pages show -------------------------------------------

@pytest.fixture(scope="module")
def big_reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    db = rf.build_big_fixture_db(folder / "big.duckdb")
    paths = write_reports(db, folder / "out", rationales=rf.FIXTURE_RATIONALES,
                          generated_at="2024-05-01T12:30:00Z")
    return db, paths


def _rule_section(html: str, rule_id: str) -> str:
    start = html.index(f'id="rule-{rule_id}"')
    return html[start:html.index("</section>", start)]


def test_json_holds_every_record_of_a_big_rule_in_order(big_reports):
    db, paths = big_reports
    report = json.loads(paths["json"].read_text(encoding="utf-8"))
    violations = violations_of(paths)
    many = [v for v in violations if v["rule_id"] == rf.MANY_RULE]
    assert len(many) == rf.MANY_COUNT + 1  # clm-0004 of the small fixture, and the rest
    assert report["summary"]["violations"] == rf.MANY_COUNT + 6
    con = duckdb.connect(str(db), read_only=True)
    want = con.execute("SELECT rule_id, record_id, message FROM dq_violations "
                       "ORDER BY rule_id, record_id, message").fetchall()
    con.close()
    assert [(v["rule_id"], v["record_id"], v["message"]) for v in violations] == \
        [tuple(row) for row in want]
    assert [list(v) for v in violations[:1]] == [[
        "rule_id", "severity", "table", "record_id", "message", "quote", "claimant"]]


def test_json_escapes_what_json_must(big_reports):
    _, paths = big_reports
    violations = violations_of(paths)  # one record a line: JSON escapes every newline
    messages = {v["record_id"]: v["message"] for v in violations}
    assert messages["clm-2007"] == rf.AWKWARD_MESSAGE
    assert len(violations) == rf.MANY_COUNT + 6


def test_html_lists_the_first_records_and_says_where_the_rest_are(big_reports):
    from newsclaims.reporting.render import HTML_RECORDS

    _, paths = big_reports
    section = _rule_section(paths["html"].read_text(encoding="utf-8"), rf.MANY_RULE)
    assert section.count("<tr><td><code>") == HTML_RECORDS
    assert f"Showing the first {HTML_RECORDS} of <b>{rf.MANY_COUNT + 1}</b>" in section
    assert '<a href="violations.jsonl">' in section
    assert ("SELECT * FROM dq_violations WHERE rule_id = &#39;claims.unattributed&#39; "
            "ORDER BY record_id;") in section
    # the records shown are the first in report order
    assert "clm-0004" in section and "clm-2000" in section and "clm-2019" not in section
    # a rule with few records has no such note
    assert "Showing the first" not in _rule_section(
        paths["html"].read_text(encoding="utf-8"), "figures.low_not_above_high")


def test_markdown_truncates_with_the_total_and_the_sql(big_reports):
    _, paths = big_reports
    md = paths["md"].read_text(encoding="utf-8")
    assert f"… {rf.MANY_COUNT + 1 - 3} more (truncated)" in md
    assert ("`SELECT * FROM dq_violations WHERE rule_id = 'claims.unattributed' "
            "ORDER BY record_id;`") in md


def test_chart_draws_the_incidents_with_most_figures(big_reports):
    from newsclaims.reporting.results import CHART_FIGURES_PER_PANEL, CHART_INCIDENTS

    _, paths = big_reports
    html = paths["html"].read_text(encoding="utf-8")
    charted = re.findall(r'<figure class="chart" data-incident="([^"]+)"', html)
    # inc-1001 (45 figures) and inc-0001 first, then the two-figure incidents by id
    assert sorted(set(charted)) == sorted(
        ["inc-0001", "inc-1001"] + [f"inc-{1000 + i}" for i in range(2, CHART_INCIDENTS)])
    assert f"Showing the {CHART_INCIDENTS} incidents with the most casualty figures, of " \
           f"{rf.SMALL_INCIDENTS + 2} incidents" in html
    assert f"(the first {CHART_FIGURES_PER_PANEL} of {rf.BIG_PANEL} figures" in html


def test_a_small_report_has_no_truncation_notes(reports):
    _, paths = reports
    html = paths["html"].read_text(encoding="utf-8")
    assert "Showing the" not in html and 'id="more-' not in html
    assert "<summary>the first" not in html


def test_no_temporary_files_are_left(big_reports):
    _, paths = big_reports
    assert sorted(p.name for p in paths["json"].parent.iterdir()) == [
        "report.html", "report.json", "report.md", "violations.jsonl"]


def test_importing_reporting_does_not_import_matplotlib():
    import subprocess
    import sys

    code = ("import sys, newsclaims.reporting, newsclaims.reporting.chart, "
            "newsclaims.reporting.render, newsclaims.reporting.json_report; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('matplotlib', 'numpy', 'polars', 'pandas', 'great_expectations')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    assert out.strip() == "[]"


def test_a_skipped_rule_is_counted_and_explained_but_never_fails(tmp_path):
    db = rf.build_fixture_db(tmp_path / "skip.duckdb", results=False)
    con = duckdb.connect(str(db))
    rf.write_results(con, [
        ("claims.modality_valid", "t", "structure", "error", "claims", "pass", 0, 0),
        ("claims.pandera", "pandera model", "structure", "error", "claims", "skipped", 0, 0),
    ], [])
    con.execute("ALTER TABLE dq_results ADD COLUMN detail VARCHAR")
    con.execute("UPDATE dq_results SET detail = 'claims has 2,000,000 rows' "
                "WHERE rule_id = 'claims.pandera'")
    con.close()
    paths = write_reports(db, tmp_path / "out", rationales={})
    report = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert report["status"] == "pass"
    assert report["summary"]["skipped"] == 1
    assert {r["id"]: r["detail"] for r in report["rules"]} == {
        "claims.modality_valid": None, "claims.pandera": "claims has 2,000,000 rows"}
    html = paths["html"].read_text(encoding="utf-8")
    assert '<b id="n-skipped">1</b>' in html
    assert "(skipped: claims has 2,000,000 rows)" in html
    section = _rule_section(html, "claims.pandera")  # every rule has its section
    assert 'data-outcome="skipped"' in section and "not checked" in section
    assert "Not run: claims has 2,000,000 rows." in section
    md = paths["md"].read_text(encoding="utf-8")
    assert "1 skipped" in md and "Every rule that ran passed." in md


def test_the_first_records_of_many_rules_fit_in_little_memory(tmp_path):
    """163 rules with 300 records each, read within 64 MB: one window, not one sort buffer
    per rule (a UNION ALL of 163 ORDER BY ... LIMIT branches ran out of 128 MB here, and of
    the report's 512 MB at 1M claims)."""
    from newsclaims.reporting.results import _table_names, open_read_only
    from newsclaims.reporting.violations import first_violations

    db = rf.build_fixture_db(tmp_path / "many.duckdb")
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO dq_violations SELECT 'rule.r' || lpad(r::VARCHAR, 3, '0'), 'error', "
                "'claims', 'clm-' || lpad((299 - i)::VARCHAR, 5, '0'), 'bad' "
                "FROM range(163) a(r), range(300) b(i)")
    con.close()
    con = open_read_only(db, memory_limit="64MB", threads=1, temp_directory=str(tmp_path))
    try:
        ids = [r[0] for r in con.execute("SELECT DISTINCT rule_id FROM dq_violations").fetchall()]
        found = first_violations(con, _table_names(con), 20, ids)
    finally:
        con.close()
    assert len(found) == len(ids) == 163 + 4
    assert [v.record_id for v in found["rule.r007"]] == [f"clm-{i:05d}" for i in range(20)]
    assert [v.record_id for v in found["figures.low_not_above_high"]] == ["fig-0005", "fig-0006"]
