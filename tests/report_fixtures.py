"""A small database with known defects, built from code, for the report, GX and docs tests.

The data tables use the loose DDL (``contract.loose_ddl()``: the contract's columns, no
constraints, enums as VARCHAR) so that they can hold what the strict contract refuses.
``FIXTURE_RULES`` are rule declarations in the catalogue format, one or more per test kind
that Great Expectations can express, plus one it cannot; ``EXPECTED_COUNTS`` are their
violation counts worked out by hand from the rows below (our counting: one per offending
record; for ``unique``, one per record whose key is shared with another record).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from newsclaims import contract

TEXT = (
    'Russia\'s military said the strike killed at least 62 Syrian soldiers. '
    'The Syrian Observatory said 90 troops were killed. '
    'Officials said "fewer than 50" soldiers died, a figure others called "absurd". '
    'About 100 people were wounded, a local doctor said.'
)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _span(quote: str) -> tuple[int, int]:
    start = TEXT.index(quote)
    return start, start + len(quote)


def _claim(claim_id, claimant, quote, *, incident="inc-0001", modality="asserted",
           date="2016-09-18", doc="doc-0001", status="active"):
    start, end = _span(quote) if quote in TEXT else (0, len(quote))
    return {
        "claim_id": claim_id, "doc_id": doc, "incident_id": incident,
        "claimant_id": claimant, "claim_date": date, "claim_date_precision": "day",
        "claim_date_basis": "stated", "quote": quote, "quote_start": start,
        "quote_end": end, "modality": modality, "topic": "casualties",
        "summary": None, "status": status, "notes": None,
    }


def _figure(figure_id, claim_id, qualifier, value, low, high, *, measure="killed",
            group="soldiers", stated_text=None):
    return {
        "figure_id": figure_id, "claim_id": claim_id, "measure": measure,
        "victim_group": group, "party_id": "act-syrian-army",
        "stated_text": stated_text if stated_text is not None else f"{qualifier} {value}",
        "stated_value": value, "qualifier": qualifier, "value_low": low,
        "value_high": high, "unit": "people", "period_start": None, "period_end": None,
        "notes": None,
    }


def _actor(actor_id, name, kind="government"):
    return {"actor_id": actor_id, "name": name, "kind": kind, "country": "SYR",
            "parent_id": None, "role": None, "status": "active", "merged_into": None,
            "notes": None}


# The valid core: one incident, claims from three claimants and one unattributed claim.
GOOD_ROWS: dict[str, list[dict]] = {
    "countries": [{"country": "SYR", "name": "Syria", "min_lat": 32.3, "max_lat": 37.3,
                   "min_lon": 35.7, "max_lon": 42.4}],
    "actors": [
        _actor("act-russia-mod", "Russian Ministry of Defence", "military"),
        _actor("act-sohr", "Syrian Observatory for Human Rights", "ngo"),
        _actor("act-syrian-army", "Syrian Arab Army", "military"),
        _actor("act-syria-gov", "Government of Syria"),
    ],
    "actor_aliases": [{"actor_id": "act-sohr", "alias": "SOHR"}],
    "places": [{"place_id": "plc-deir-ezzor", "name": "Deir Ezzor", "kind": "city",
                "country": "SYR", "parent_id": None, "lat": 35.33, "lon": 40.14,
                "status": "active", "merged_into": None, "notes": None}],
    "place_aliases": [],
    "documents": [{
        "doc_id": "doc-0001", "title": "Strike on Deir Ezzor", "publisher_id": None,
        "url": None, "published_on": "2016-09-19", "published_precision": "day",
        "published_basis": "stated", "retrieved_on": "2016-09-20", "language": "en",
        "source_kind": "news", "text": TEXT, "text_sha256": _sha(TEXT), "notes": None,
        "licence": "CC-BY-4.0", "text_policy": "ship",
    }],
    "incidents": [{
        "incident_id": "inc-0001", "title": "Air strike on Deir Ezzor airbase",
        "kind": "airstrike", "start_date": "2016-09-17", "end_date": None,
        "date_precision": "day", "place_id": "plc-deir-ezzor", "geo_precision": "near",
        "summary": None, "status": "active", "merged_into": None, "notes": None,
    }],
    "claims": [
        _claim("clm-0001", "act-russia-mod", "the strike killed at least 62 Syrian soldiers"),
        _claim("clm-0002", "act-sohr", "90 troops were killed"),
        _claim("clm-0003", "act-syria-gov", '"fewer than 50" soldiers died'),
        _claim("clm-0004", None, "About 100 people were wounded"),
    ],
    "claim_relays": [],
    "claim_links": [],
    "figures": [
        _figure("fig-0001", "clm-0001", "at_least", 62, 62, None),
        _figure("fig-0002", "clm-0002", "exact", 90, 90, 90),
        _figure("fig-0003", "clm-0003", "fewer_than", 50, 0, 49),
        _figure("fig-0004", "clm-0004", "about", 100, None, None, measure="wounded",
                group="people"),
    ],
}

# Rows that each break one or more of FIXTURE_RULES (see EXPECTED_COUNTS).
DEFECT_ROWS: dict[str, list[dict]] = {
    "actors": [
        # duplicates the name of act-sohr: two records share the name
        _actor("act-sohr-copy", "Syrian Observatory for Human Rights", "ngo"),
        # bad id pattern (upper case)
        _actor("ACT-Bad", "Bad Actor"),
    ],
    "claims": [
        # unknown incident, unknown modality, bad id pattern
        _claim("clm-0005", "act-sohr", "a figure others called", incident="inc-9999",
               modality="maybe"),
        _claim("CLM-6", "act-sohr", "a local doctor said", modality="rumoured"),
        # duplicated claim id (the same id as clm-0002): two records share the key
        _claim("clm-0002", "act-sohr", "The Syrian Observatory said"),
    ],
    "figures": [
        # unknown claim, low above high, null stated_text
        _figure("fig-0005", "clm-9999", "exact", 7, 9, 7, stated_text=""),
        _figure("fig-0006", "clm-0002", "at_least", 5, 5, 3),
    ],
}
# fig-0005's stated_text is NULL, not empty: set after construction for clarity.
DEFECT_ROWS["figures"][0]["stated_text"] = None

# Rule declarations in the catalogue format (checks/<family>.yml).
FIXTURE_RULES: list[dict] = [
    {"id": "figures.stated_text_not_null", "title": "Every figure keeps its words",
     "family": "structure", "severity": "error", "rationale": "The words are the evidence.",
     "table": "figures", "test": "not_null", "column": "stated_text"},
    {"id": "claims.modality_valid", "title": "Modality is one of the contract's values",
     "family": "structure", "severity": "error", "rationale": "A closed set.",
     "table": "claims", "test": "accepted_values", "column": "modality"},
    {"id": "claims.claim_id_unique", "title": "Claim ids are unique",
     "family": "structure", "severity": "error", "rationale": "Ids are keys.",
     "table": "claims", "test": "unique", "columns": ["claim_id"]},
    {"id": "actors.name_unique", "title": "Actor names are unique",
     "family": "entities", "severity": "error", "rationale": "One actor, one record.",
     "table": "actors", "test": "unique", "columns": ["name"]},
    {"id": "claims.claim_id_pattern", "title": "Claim ids follow clm-NNNN",
     "family": "structure", "severity": "error", "rationale": "Stable id format.",
     "table": "claims", "test": "pattern", "column": "claim_id",
     "regex": r"^clm-[0-9]{4,}$"},
    {"id": "actors.actor_id_pattern", "title": "Actor ids follow act-<slug>",
     "family": "structure", "severity": "error", "rationale": "Stable id format.",
     "table": "actors", "test": "pattern", "column": "actor_id",
     "regex": r"^act-[a-z0-9]+(-[a-z0-9]+)*$"},
    {"id": "claims.incident_resolves", "title": "A claim's incident exists",
     "family": "structure", "severity": "error", "rationale": "References resolve.",
     "table": "claims", "test": "relationship", "column": "incident_id",
     "to": "incidents.incident_id"},
    {"id": "figures.claim_resolves", "title": "A figure's claim exists",
     "family": "structure", "severity": "error", "rationale": "References resolve.",
     "table": "figures", "test": "relationship", "column": "claim_id",
     "to": "claims.claim_id"},
    {"id": "figures.low_not_above_high", "title": "value_low is not above value_high",
     "family": "figures", "severity": "error", "rationale": "An interval runs low to high.",
     "table": "figures", "test": "row",
     "where": "t.value_low > t.value_high",
     "message": "'low ' || t.value_low || ' > high ' || t.value_high"},
    {"id": "figures.casualty_claim_dated", "title": "A casualty figure's claim has a date",
     "family": "provenance", "severity": "warn",
     "rationale": "A number without a date cannot be compared.",
     "table": "figures", "test": "row",
     "where": "c.claim_date IS NULL", "message": "'no claim date'", "uses": ["c"]},
    {"id": "claims.quote_matches_text", "title": "The quote is the text at its offsets",
     "family": "provenance", "severity": "error", "rationale": "Quotes are verbatim.",
     "table": "claims", "test": "sql", "file": "rules/claims.quote_matches_text.sql"},
]

COMMON_KEYS = ("id", "title", "family", "severity", "rationale", "table", "test")


def fixture_rules():
    """FIXTURE_RULES as catalogue ``Rule`` objects."""
    from newsclaims.rules.catalogue import Rule

    rules = []
    for decl in FIXTURE_RULES:
        params = {k: v for k, v in decl.items() if k not in COMMON_KEYS}
        rules.append(Rule(**{k: decl[k] for k in COMMON_KEYS}, params=params))
    return rules


# Hand-counted violations of FIXTURE_RULES in GOOD_ROWS + DEFECT_ROWS.
EXPECTED_COUNTS: dict[str, int] = {
    "figures.stated_text_not_null": 1,      # fig-0005
    "claims.modality_valid": 2,             # clm-0005 maybe, CLM-6 rumoured
    "claims.claim_id_unique": 2,            # both clm-0002 records
    "actors.name_unique": 2,                # act-sohr and act-sohr-copy
    "claims.claim_id_pattern": 1,           # CLM-6
    "actors.actor_id_pattern": 1,           # ACT-Bad
    "claims.incident_resolves": 1,          # clm-0005 -> inc-9999
    "figures.claim_resolves": 1,            # fig-0005 -> clm-9999
    "figures.low_not_above_high": 2,        # fig-0005 (9 > 7), fig-0006 (5 > 3)
    "figures.casualty_claim_dated": 1,      # fig-0005: its claim is missing, so no date
}

RESULTS_DDL = """
CREATE TABLE IF NOT EXISTS dq_results (
    rule_id VARCHAR, title VARCHAR, family VARCHAR, severity VARCHAR, table_name VARCHAR,
    status VARCHAR, violation_count BIGINT, fail_above BIGINT, engine VARCHAR,
    run_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS dq_violations (
    rule_id VARCHAR, severity VARCHAR, table_name VARCHAR, record_id VARCHAR,
    message VARCHAR);
"""

RUN_AT = "2024-05-01 12:00:00"

# Check results for the report tests: written as an engine would, one row per rule.
# (rule_id, title, family, severity, table, status, count, fail_above)
FIXTURE_RESULTS: list[tuple] = [
    ("claims.quote_matches_text", "The quote is the text at its offsets", "provenance",
     "error", "claims", "fail", 2, 0),
    ("figures.low_not_above_high", "value_low is not above value_high", "figures",
     "error", "figures", "fail", 2, 0),
    ("figures.cross_source_discrepancy", "Figures from different claimants disagree",
     "cross_source", "warn", "figures", "fail", 1, 0),
    ("claims.unattributed", "Unattributed claims", "coverage", "warn", "claims", "fail",
     1, 0),
    ("claims.modality_valid", "Modality is one of the contract's values", "structure",
     "error", "claims", "pass", 0, 0),
    ("places.inside_country", "Coordinates lie inside the place's country", "geography",
     "error", "places", "error", 0, 0),
]
FIXTURE_VIOLATIONS: list[tuple] = [
    ("claims.quote_matches_text", "error", "claims", "clm-0003",
     'quote "fewer than 50" soldiers died | not at offsets 120..148'),
    ("claims.quote_matches_text", "error", "claims", "clm-0001",
     "quote not at offsets 10..20"),
    ("figures.low_not_above_high", "error", "figures", "fig-0006", "low 5 > high 3"),
    ("figures.low_not_above_high", "error", "figures", "fig-0005", "low 9 > high 7"),
    ("figures.cross_source_discrepancy", "warn", "figures", "fig-0003",
     "[0, 49] does not overlap fig-0002 [90, 90] (act-sohr)"),
    ("claims.unattributed", "warn", "claims", "clm-0004", "no claimant"),
]
FIXTURE_RATIONALES: dict[str, str] = {
    "figures.cross_source_discrepancy":
        "Figures whose intervals do not overlap and are not linked by contradicts "
        "are an unreconciled discrepancy.",
    "claims.unattributed": "A claim the document does not attribute is kept but flagged.",
}


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    cols = list(rows[0])
    placeholders = ", ".join("?" for _ in cols)
    con.executemany(
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({placeholders})",
        [[row[c] for c in cols] for row in rows],
    )


def build_fixture_db(path: Path, *, defects: bool = True, results: bool = True) -> Path:
    """Write the fixture database to ``path``: data tables, and check results if asked."""
    con = duckdb.connect(str(path))
    try:
        con.execute(contract.loose_ddl())
        for table in contract.TABLES:
            insert_rows(con, table, GOOD_ROWS.get(table, []))
            if defects:
                insert_rows(con, table, DEFECT_ROWS.get(table, []))
        if results:
            write_results(con, FIXTURE_RESULTS, FIXTURE_VIOLATIONS)
    finally:
        con.close()
    return path


def write_results(con, results, violations, *, engine: str = "duckdb") -> None:
    con.execute(RESULTS_DDL)
    con.executemany(
        "INSERT INTO dq_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*r, engine, RUN_AT) for r in results],
    )
    if violations:
        con.executemany("INSERT INTO dq_violations VALUES (?, ?, ?, ?, ?)", violations)


# A database bigger than what the HTML report lists: more offending records of one rule
# than report.html shows, and more incidents with casualty figures than the chart draws.
MANY_RULE = "claims.unattributed"
MANY_COUNT = 250  # > render.HTML_RECORDS (200)
# inc-1001 has BIG_PANEL casualty figures (> results.CHART_FIGURES_PER_PANEL); each of
# inc-1002 .. inc-1015 has two. With inc-0001 that is 16 incidents with casualty figures.
BIG_PANEL = 45
SMALL_INCIDENTS = 14
# A message that JSON must escape: a newline, quotes, a backslash, non-ASCII, U+2028.
AWKWARD_MESSAGE = 'line one\nline "two" \\ é — \u2028end'


def build_big_fixture_db(path: Path) -> Path:
    """The fixture database plus ``MANY_COUNT`` violations of ``MANY_RULE`` and 15 more
    incidents with casualty figures (``BIG_PANEL`` and ``SMALL_INCIDENTS``)."""
    build_fixture_db(path, results=False)
    con = duckdb.connect(str(path))
    try:
        con.execute("""
            INSERT INTO incidents (incident_id, title, kind, status)
            SELECT printf('inc-%04d', 1000 + i), printf('Shelling %d', i), 'shelling', 'active'
            FROM range(1, 16) t(i);
            INSERT INTO claims (claim_id, doc_id, incident_id, claimant_id, claim_date, quote,
                                quote_start, quote_end, modality, topic, status)
            SELECT printf('clm-%04d', 1000 + i), 'doc-0001', printf('inc-%04d', 1000 + i),
                   'act-sohr', DATE '2016-09-18', 'x', 0, 1, 'asserted', 'casualties', 'active'
            FROM range(1, 16) t(i);
            INSERT INTO figures (figure_id, claim_id, measure, victim_group, stated_text,
                                 stated_value, qualifier, value_low, value_high, unit)
            SELECT printf('fig-%04d', 1000 + n), printf('clm-%04d', 1000 + i), 'killed',
                   'civilians', CAST(n AS VARCHAR), n, 'exact', n, n, 'people'
            FROM (SELECT i, row_number() OVER (ORDER BY i, k) AS n
                  FROM range(1, 16) t(i), range(0, 45) s(k)
                  WHERE k < CASE WHEN i = 1 THEN 45 ELSE 2 END);
        """)
        results = [*FIXTURE_RESULTS]
        results[3] = (*results[3][:6], MANY_COUNT + 1, 0)  # claims.unattributed
        violations = [*FIXTURE_VIOLATIONS] + [
            (MANY_RULE, "warn", "claims", f"clm-{2000 + i}",
             AWKWARD_MESSAGE if i == 7 else f"no claimant ({i})")
            for i in range(MANY_COUNT)
        ]
        write_results(con, results, violations)
    finally:
        con.close()
    return path
