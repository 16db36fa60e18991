"""docs/curation.md's query: every figure of an incident, by claimant, in date order, is one
SELECT through ``newsclaims query`` on the real curated dataset."""

from __future__ import annotations

import csv
import io
import re

import duckdb
from click.testing import CliRunner

from conftest import REPO
from newsclaims.cli import cli


def documented_query() -> str:
    guide = (REPO / "docs" / "curation.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- figures-by-claimant -->\n```sql\n(.*?)```", guide, flags=re.S)
    assert match, "docs/curation.md lost its figures-by-claimant query"
    return match.group(1).strip()


def test_the_documented_query_is_one_select():
    sql = documented_query()
    assert sql.upper().startswith("SELECT")
    assert ";" not in sql


def test_figures_of_the_air_raid_by_claimant_in_date_order(built_db):
    sql = documented_query()
    result = CliRunner().invoke(cli, ["query", sql, "--db", str(built_db), "--format", "csv"])
    assert result.exit_code == 0, result.output
    got = list(csv.DictReader(io.StringIO(result.stdout)))

    con = duckdb.connect(str(built_db), read_only=True)
    try:
        expected = con.execute(
            "SELECT count(*) FROM figures f JOIN claims c USING (claim_id) "
            "WHERE c.incident_id = 'inc-0001' AND CAST(c.status AS VARCHAR) = 'active'").fetchone()[0]
    finally:
        con.close()
    assert len(got) == expected

    keys = [(r["claimant"], r["claim_date"]) for r in got]
    assert keys == sorted(keys), "rows are not grouped by claimant in date order"

    by_claimant: dict[str, list[tuple[str, str, str]]] = {}
    for r in got:
        by_claimant.setdefault(r["claimant"], []).append((r["claim_date"], r["qualifier"], r["stated_text"]))
    # The raid's figures come from several claimants, and SOHR's revisions appear in order.
    assert {"Syrian Observatory for Human Rights", "Russian Armed Forces", "Igor Konashenkov",
            "Richard Coe", "Syrian government"} <= set(by_claimant)
    sohr_killed = [(d, q, t) for d, q, t in by_claimant["Syrian Observatory for Human Rights"]]
    assert [d for d, _, _ in sohr_killed] == sorted(d for d, _, _ in sohr_killed)
    assert ("2016-09-12", "exact", "83") in sohr_killed
    assert ("2016-09-18", "more_than", "Mais de 90 soldados") in sohr_killed
