"""The review decisions of docs/curation.md, held against the real curated dataset: links
that say what the guide says they mean, no record without content, no figure period more
precise than the claim it comes from, the seed's provenance."""

from __future__ import annotations

import duckdb
import pytest


@pytest.fixture(scope="module")
def con(built_db):
    c = duckdb.connect(str(built_db), read_only=True)
    yield c
    c.close()


def test_contradicting_figures_do_not_overlap(con):
    """A `contradicts` link between two claims with figures of one measure and victim group
    needs a pair of those figures whose intervals do not overlap ("different" is not
    "incompatible": SOHR's 90 and Russia's at least 62 can both be true)."""
    bad = con.execute("""
        WITH pairs AS (
            SELECT l.claim_id AS a, l.other_claim_id AS b, x.measure, x.victim_group,
                   bool_or(coalesce(x.value_high, 9e18) < coalesce(y.value_low, -9e18)
                           OR coalesce(y.value_high, 9e18) < coalesce(x.value_low, -9e18)) AS disjoint
            FROM claim_links l
            JOIN figures x ON x.claim_id = l.claim_id
            JOIN figures y ON y.claim_id = l.other_claim_id
                          AND y.measure = x.measure AND y.victim_group = x.victim_group
            WHERE CAST(l.relation AS VARCHAR) = 'contradicts'
              AND (x.value_low IS NOT NULL OR x.value_high IS NOT NULL)
              AND (y.value_low IS NOT NULL OR y.value_high IS NOT NULL)
            GROUP BY ALL)
        SELECT a, b FROM pairs GROUP BY a, b HAVING NOT bool_or(disjoint) ORDER BY ALL""").fetchall()
    assert bad == []


def test_updates_and_restates_link_one_claimant(con):
    """`updates` and `restates` join a claimant to itself (an actor and its spokesman count as
    one: the claimants share their top-level actor)."""
    bad = con.execute("""
        WITH RECURSIVE up(actor_id, top) AS (
            SELECT actor_id, actor_id FROM actors WHERE parent_id IS NULL
            UNION ALL
            SELECT a.actor_id, up.top FROM actors a JOIN up ON a.parent_id = up.actor_id)
        SELECT l.claim_id, l.other_claim_id, CAST(l.relation AS VARCHAR)
        FROM claim_links l
        JOIN claims x ON x.claim_id = l.claim_id
        JOIN claims y ON y.claim_id = l.other_claim_id
        LEFT JOIN up ux ON ux.actor_id = x.claimant_id
        LEFT JOIN up uy ON uy.actor_id = y.claimant_id
        WHERE CAST(l.relation AS VARCHAR) IN ('updates', 'restates')
          AND ux.top IS DISTINCT FROM uy.top
        ORDER BY ALL""").fetchall()
    assert bad == []


def test_updates_point_from_the_later_claim(con):
    """An update is the later claim: it cannot be certainly earlier than the claim it updates
    (dates compared by their periods, so a week-dated claim may update one of a day in it)."""
    bad = con.execute("""
        SELECT l.claim_id, l.other_claim_id FROM claim_links l
        JOIN claims x ON x.claim_id = l.claim_id JOIN claims y ON y.claim_id = l.other_claim_id
        WHERE CAST(l.relation AS VARCHAR) = 'updates' AND x.claim_date_to < y.claim_date_from""").fetchall()
    assert bad == []


def test_no_active_claim_without_content(con):
    """A sentence that only says a statement was made is not a claim (docs/curation.md,
    records with no content): no active claim has modality unknown and topic other."""
    bad = con.execute("""
        SELECT claim_id FROM claims WHERE CAST(status AS VARCHAR) = 'active'
          AND CAST(modality AS VARCHAR) = 'unknown' AND CAST(topic AS VARCHAR) = 'other'""").fetchall()
    assert bad == []


def test_figure_periods_are_not_more_precise_than_their_claim(con):
    """A period that ends at the claim's date cannot end on a day when that date is known
    only to its week or month."""
    bad = con.execute("""
        SELECT f.figure_id FROM figures f JOIN claims c USING (claim_id)
        WHERE CAST(c.claim_date_precision AS VARCHAR) <> 'day'
          AND (f.period_end = c.claim_date OR f.period_start = c.claim_date)""").fetchall()
    assert bad == []


def test_the_seed_is_dated_as_a_copy(con):
    """The seed is an aggregator's copy: the copy's publication day, and its undated claims
    dated to the week its text was written, never by the copy's publication."""
    doc = con.execute("SELECT publisher_id, url, published_on, CAST(published_precision AS VARCHAR) "
                      "FROM documents WHERE doc_id = 'doc-0001'").fetchone()
    assert doc[0] == "act-popherald"
    assert doc[1].startswith("http://popherald.com/2016/10/01/")
    assert str(doc[2]) == "2016-10-01" and doc[3] == "day"
    assert con.execute("SELECT count(*) FROM claims WHERE doc_id = 'doc-0001' "
                       "AND CAST(claim_date_basis AS VARCHAR) = 'publication'").fetchone() == (0,)


def links(con, relation):
    return set(con.execute("SELECT claim_id, other_claim_id FROM claim_links "
                           "WHERE CAST(relation AS VARCHAR) = ?", [relation]).fetchall())


def test_the_seeds_statements_reported_twice_are_restated_not_corroborated(con):
    twice = {("clm-0015", "clm-0009"), ("clm-0029", "clm-0007"), ("clm-0033", "clm-0007")}
    assert twice <= links(con, "restates")
    assert not twice & links(con, "corroborates")


def test_every_deliberate_claim_contradicts_every_mistake_claim(con):
    """Assad (clm-0022), Shaaban (clm-0024) and Zakharova (clm-0034) call the strike meant or
    no mistake; the US military (clm-0007), Washington (clm-0015, clm-0033), the Pentagon
    (clm-0030, clm-0050) and Coe (clm-0059) call it a mistake."""
    contradicts = links(con, "contradicts")
    contradicts |= {(b, a) for a, b in contradicts}
    missing = [(a, b) for a in ("clm-0022", "clm-0024", "clm-0034")
               for b in ("clm-0007", "clm-0015", "clm-0030", "clm-0033", "clm-0050", "clm-0059")
               if (a, b) not in contradicts]
    assert missing == []


def test_the_narrations_stance_and_russias_blame_are_two_records(con):
    rows = dict(con.execute("SELECT claim_id, quote FROM claims WHERE claim_id IN ('clm-0011', 'clm-0048')").fetchall())
    assert rows["clm-0011"] == "blaming the rebels for violating the truce"
    assert rows["clm-0048"] == "Russian Federation took the side of the Syrian government"
    assert con.execute("SELECT claimant_id FROM claims WHERE claim_id = 'clm-0048'").fetchone() == (None,)
