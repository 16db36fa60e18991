"""figures.cross_source_discrepancy in its linear form (no pair join) flags exactly the
figures the pair join flagged: on random small groups with every exception (NULL bounds,
one claimant, retracted claims, contradicts links, a figure_id or claim_id repeated, no
group), on the curated dataset, and at a size where the pair join would be quadratic.

The pair join the rule was written as, until the rule became linear, is kept here as the
oracle (``PAIR_JOIN``); the rule itself is ``sql/rules/figures.cross_source_discrepancy.sql``."""

from __future__ import annotations

import random
import re

import duckdb
import pytest

from newsclaims import contract, project

RULE = "figures.cross_source_discrepancy"

# The rule as a pair join (newsclaims 2026-12 and before): every pair of figures of a group
# with different claimants, not overlapping, the claims not linked by contradicts.
PAIR_JOIN = """
WITH f AS (
    SELECT t.figure_id, t.measure, t.victim_group, c.claim_id, c.claimant_id, c.incident_id,
           coalesce(t.value_low, -9223372036854775807) AS lo,
           coalesce(t.value_high, 9223372036854775807) AS hi
    FROM figures t
    JOIN claims c ON c.claim_id = t.claim_id
    WHERE c.incident_id IS NOT NULL AND c.claimant_id IS NOT NULL
      AND CAST(c.status AS VARCHAR) = 'active'
      AND t.victim_group IS NOT NULL
      AND (t.value_low IS NOT NULL OR t.value_high IS NOT NULL)
),
contradicts AS (
    SELECT claim_id AS a, other_claim_id AS b FROM claim_links WHERE CAST(relation AS VARCHAR) = 'contradicts'
    UNION
    SELECT other_claim_id, claim_id FROM claim_links WHERE CAST(relation AS VARCHAR) = 'contradicts'
)
SELECT x.figure_id AS fx, y.figure_id AS fy
FROM f x
JOIN f y ON x.incident_id = y.incident_id AND x.measure = y.measure
        AND x.victim_group = y.victim_group AND x.claimant_id <> y.claimant_id
        AND x.figure_id < y.figure_id
LEFT JOIN contradicts k ON k.a = x.claim_id AND k.b = y.claim_id
WHERE (x.hi < y.lo OR y.hi < x.lo) AND k.a IS NULL
"""


def rule_sql() -> str:
    return project.read_text(project.sql_dir() / "rules" / f"{RULE}.sql")


def oracle(con) -> dict[str, set[str]]:
    """Each flagged figure and its partners, by the pair join."""
    partners: dict[str, set[str]] = {}
    for fx, fy in con.execute(PAIR_JOIN).fetchall():
        partners.setdefault(fx, set()).add(fy)
        partners.setdefault(fy, set()).add(fx)
    return partners


def loose() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(contract.loose_ddl())
    return con


def add_case(tables: dict[str, list[tuple]], rng: random.Random, n: int, dense: bool) -> None:
    """One small world of its own (ids prefixed ``c<n>-``): one or two incidents, a few
    claimants, claims (some retracted, unattributed or about no incident, a claim_id
    repeated), figures with small intervals (NULL bounds, inverted, no interval, a
    figure_id repeated, no measure or victim group), links (contradicts or not, either
    direction, to itself). ``dense``: one group, more claimants, figures and links."""
    p = f"c{n}-"
    incidents = [f"{p}inc{i}" for i in range(1 if dense else rng.randint(1, 2))]
    claimants = [f"{p}act{i}" for i in range(rng.randint(1, 6 if dense else 4))]
    claims = []
    for i in range(rng.randint(1, 12 if dense else 8)):
        claims.append((f"{p}clm{i}", rng.choice(incidents + [None] * (rng.random() < 0.1)),
                       rng.choice(claimants + [None] * (rng.random() < 0.1)),
                       rng.choice(["active"] * 5 + ["retracted"])))
    if rng.random() < 0.15:
        claims.append((rng.choice(claims)[0], rng.choice(incidents), rng.choice(claimants), "active"))
    figures = []
    values = [None, 0, 1, 2, 3, 5, 8, 10]
    common = 20 if dense else 4
    for i in range(rng.randint(0, 20 if dense else 12)):
        figure_id = f"{p}fig{i}"
        if figures and rng.random() < 0.12:
            figure_id = rng.choice(figures)[0]
        if rng.random() < 0.03:
            figure_id = None
        lo, hi = rng.choice(values), rng.choice(values)
        if lo is not None and hi is not None and lo > hi and rng.random() < 0.8:
            lo, hi = hi, lo
        figures.append((figure_id, rng.choice(claims)[0],
                        rng.choice(["killed"] * common + ["wounded"] + [None] * (rng.random() < 0.05)),
                        rng.choice(["civilians"] * common + ["soldiers"] + [None] * (rng.random() < 0.1)),
                        f"words {i}", lo, hi))
    links = [(rng.choice(claims)[0], rng.choice(claims)[0], rng.choice(["contradicts"] * 4 + ["corroborates", None]))
             for _ in range(rng.randint(0, 25 if dense else 6))]
    tables["claims"] += claims
    tables["figures"] += figures
    tables["claim_links"] += links


COLUMNS = {"claims": ("claim_id", "incident_id", "claimant_id", "status"),
           "figures": ("figure_id", "claim_id", "measure", "victim_group", "stated_text", "value_low", "value_high"),
           "claim_links": ("claim_id", "other_claim_id", "relation")}


def world(seed: int, dense: bool, cases: int = 700):
    """``cases`` small worlds in one database (inserted at once, through Arrow)."""
    import pyarrow as pa

    rng = random.Random(seed)
    tables: dict[str, list[tuple]] = {t: [] for t in COLUMNS}
    for n in range(cases):
        add_case(tables, rng, n, dense)
    con = loose()
    for table, columns in COLUMNS.items():
        rows = pa.table({c: [r[i] for r in tables[table]] for i, c in enumerate(columns)})
        con.register("nc_rows", rows)
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM nc_rows")
        con.unregister("nc_rows")
    return con


_NAMED = re.compile(r" is (?:below|above) (\S+) ")


def assert_same_as_pair_join(con) -> dict[str, str]:
    expected = oracle(con)
    got = dict(con.execute(rule_sql()).fetchall())
    assert len(got) == len(con.execute(rule_sql()).fetchall())  # one row per figure
    assert set(got) == set(expected)
    for figure_id, message in got.items():
        named = set(_NAMED.findall(message))
        # the partners named are partners by the pair join
        assert named and named <= expected[figure_id], (figure_id, message, expected[figure_id])
    return got


@pytest.mark.parametrize("dense", [False, True], ids=["groups", "dense"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_groups_flag_what_the_pair_join_flags(seed, dense):
    got = assert_same_as_pair_join(world(seed, dense))
    assert len(got) > 100  # the cases disagree often enough to say something


def test_curated_dataset_flags_what_the_pair_join_flags(built_db):
    con = duckdb.connect(str(built_db), read_only=True)
    got = assert_same_as_pair_join(con)
    assert len(got) == 15


def test_a_large_group_is_linear_and_names_the_extreme_partners():
    """20,000 figures of one group, each of its own claimant and value: the pair join forms
    2·10^8 pairs and lists every partner of each figure; the rule names two."""
    n = 20_000
    con = loose()
    con.execute("INSERT INTO claims (claim_id, incident_id, claimant_id, status) "
                "SELECT 'clm-' || i, 'inc-1', 'act-' || i, 'active' FROM range(?) r(i)", [n])
    con.execute("INSERT INTO figures (figure_id, claim_id, measure, victim_group, stated_text, value_low, value_high) "
                "SELECT 'fig-' || lpad(i::VARCHAR, 6, '0'), 'clm-' || i, 'killed', 'civilians', i::VARCHAR, i, i "
                "FROM range(?) r(i)", [n])
    got = dict(con.execute(rule_sql()).fetchall())
    assert len(got) == n
    assert got["fig-000005"] == (
        'killed civilians in inc-1: fig-000005 "5" [5, 5] by act-5 is above fig-000000 "0" [0, 0] by act-0 '
        "(the lowest upper bound of another claimant whose claim is not linked to it by contradicts); "
        'killed civilians in inc-1: fig-000005 "5" [5, 5] by act-5 is below fig-019999 "19999" [19999, 19999] '
        "by act-19999 (the highest lower bound of another claimant whose claim is not linked to it by contradicts)")
