"""Coarse dates read as their periods: the build derives ``<date>_from``/``<date>_to``, and
the date rules compare a claim's period with its document's and its incident's; where the
old reading (both dates truncated to the coarser precision) differs, it gave a false result."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from newsclaims import periods
from newsclaims.rules.catalogue import load_catalogue

REPO = Path(__file__).resolve().parents[1]
D = dt.date


@pytest.mark.parametrize("day, precision, expected", [
    (D(2016, 9, 12), "week", (D(2016, 9, 12), D(2016, 9, 18))),
    (D(2016, 9, 14), "week", (D(2016, 9, 12), D(2016, 9, 18))),   # not the Monday: its week all the same
    (D(2016, 2, 1), "month", (D(2016, 2, 1), D(2016, 2, 29))),
    (D(2016, 12, 1), "month", (D(2016, 12, 1), D(2016, 12, 31))),
    (D(2015, 1, 1), "year", (D(2015, 1, 1), D(2015, 12, 31))),
    (D(2016, 9, 17), "day", (D(2016, 9, 17), D(2016, 9, 17))),
    (D(2016, 9, 17), None, (D(2016, 9, 17), D(2016, 9, 17))),
    (None, "week", (None, None)),
])
def test_period(day, precision, expected):
    assert periods.period(day, precision) == expected
    first, last = periods.sql_period("d", "p")
    assert duckdb.connect().execute(f"SELECT {first}, {last} FROM (SELECT ?::DATE AS d, ?::VARCHAR AS p)",
                                    [day, precision]).fetchone() == expected


def test_the_build_gives_every_coarse_date_its_period(tmp_path):
    """The Pentagon's reaction to the strike of Saturday 2016-09-17 is dated to the week of
    Monday 2016-09-12 (the text allows Saturday or Sunday): its period ends on the 18th."""
    from newsclaims.build import build_database

    db = build_database(REPO / "dataset", tmp_path / "n.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT claim_date, claim_date_from, claim_date_to FROM claims "
                           "WHERE claim_id = 'clm-0029'").fetchone() == (D(2016, 9, 12), D(2016, 9, 12), D(2016, 9, 18))
        # a page dated to the week of Monday 2016-09-26: its period ends on Sunday 2 October
        assert con.execute("SELECT published_on_from, published_on_to FROM documents "
                           "WHERE doc_id = 'doc-0027'").fetchone() == (D(2016, 9, 26), D(2016, 10, 2))
        assert con.execute("SELECT start_date_from, start_date_to FROM incidents "
                           "WHERE incident_id = 'inc-0009'").fetchone() == (D(2015, 9, 1), D(2015, 9, 30))
        # every derived period is the one newsclaims.periods gives
        for table, pairs in periods.COARSE_DATES.items():
            for date, precision in pairs:
                for day, p, first, last in con.execute(
                        f"SELECT {date}, CAST({precision} AS VARCHAR), {date}_from, {date}_to FROM {table}").fetchall():
                    assert (first, last) == periods.period(day, p)
    finally:
        con.close()


def _flags(rule_id: str, claim: tuple, other: tuple) -> bool:
    (rule,) = [r for r in load_catalogue() if r.id == rule_id]
    alias, date, precision = (("d", "published_on", "published_precision") if "publication" in rule_id
                              else ("i", "start_date", "date_precision"))
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT ?::DATE AS claim_date, ?::VARCHAR AS claim_date_precision", list(claim))
    con.execute(f"CREATE TABLE {alias} AS SELECT ?::DATE AS {date}, ?::VARCHAR AS {precision}", list(other))
    return con.execute(f"SELECT count(*) FROM t, {alias} WHERE {rule.params['where']}").fetchone()[0] == 1


@pytest.mark.parametrize("rule_id, claim, other, flagged", [
    # a claim of October 2016 in a document of the week of Monday 2016-09-26 (26 Sep to
    # 2 Oct): the document may date from 1 or 2 October; truncated to months, Oct > Sep
    ("claims.claim_date_not_after_publication", (D(2016, 10, 1), "month"), (D(2016, 9, 26), "week"), False),
    # a claim of the week of Monday 2016-08-29 (to 4 Sep) about an incident of September
    # 2016: truncated to months, Aug < Sep
    ("claims.claim_date_not_before_incident", (D(2016, 8, 29), "week"), (D(2016, 9, 1), "month"), False),
    # a claim of the week of Monday 2015-12-28 (to 3 Jan 2016) about an incident of 2016
    ("claims.claim_date_not_before_incident", (D(2015, 12, 28), "week"), (D(2016, 1, 1), "year"), False),
    # what the periods do rule out is still refused
    ("claims.claim_date_not_after_publication", (D(2016, 10, 3), "week"), (D(2016, 9, 26), "week"), True),
    ("claims.claim_date_not_before_incident", (D(2016, 8, 22), "week"), (D(2016, 9, 1), "month"), True),
    ("claims.claim_date_not_before_incident", (D(2016, 9, 12), "week"), (D(2016, 9, 17), "day"), False),
    ("claims.claim_date_not_before_incident", (D(2016, 9, 5), "week"), (D(2016, 9, 17), "day"), True),
])
def test_the_period_reading_fixes_the_false_results_of_truncation(rule_id, claim, other, flagged):
    assert _flags(rule_id, claim, other) is flagged
