"""The offending records of a checked database, joined to the quote and claimant they concern.

Two readers share one query: ``first_violations`` fetches the first records of each rule
(what the HTML and Markdown reports list), ``copy_violations`` has DuckDB write every
record as JSON lines to a file (``violations.jsonl``), so that a database with millions of
offending records never becomes millions of Python objects. Both use one stable order:
rule id, record id, message."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The JSON keys of one violation in report.json, in order.
VIOLATION_KEYS = ("rule_id", "severity", "table", "record_id", "message", "quote", "claimant")


@dataclass(frozen=True)
class Violation:
    rule_id: str
    severity: str
    table: str
    record_id: str
    message: str
    quote: str | None = None
    claimant: str | None = None  # the claimant's name, "unattributed", or None (no claim)


def violations_sql(tables: set[str], *, per_rule: int | None = None,
                   rule_ids: list[str] | None = None) -> str:
    """Violations (``VIOLATION_KEYS``) in report order; with ``per_rule``, the first
    ``per_rule`` records of each of ``rule_ids``: one window over ``dq_violations``
    (numbered within each rule), which DuckDB sorts within its memory limit, spilling if
    it must. (One ``ORDER BY ... LIMIT`` per rule, 163 branches of a ``UNION ALL``, each
    held its own buffers: at 1M claims they needed more than the report's 512 MB with 20
    records a rule; the window needs less than 64 MB there, and is faster: 0.4 against
    1.4 s.)

    Violations on ``claims``, ``figures``, ``claim_relays`` and ``claim_links`` carry the
    quote and claimant of their claim. Only the claims, figures and actors that the
    violations name are aggregated and joined (semi-joins on their ids), so memory follows
    the number of violations, not the size of the tables. A broken database may hold
    duplicated ids: one row per id is taken, deterministically (``min``)."""
    columns = "rule_id, severity, table_name, record_id, message"
    if per_rule is None:
        base = f"SELECT {columns} FROM dq_violations"
    else:
        wanted = ", ".join(_literal(r) for r in rule_ids or []) or "NULL"
        base = (f"SELECT {columns} FROM dq_violations WHERE rule_id IN ({wanted}) "
                "QUALIFY row_number() OVER (PARTITION BY rule_id ORDER BY record_id, message) "
                f"<= {int(per_rule)}")
    if not {"claims", "figures", "actors"} <= tables:
        return f"""
            SELECT rule_id, severity, table_name AS "table", record_id, message,
                   CAST(NULL AS VARCHAR) AS quote, CAST(NULL AS VARCHAR) AS claimant
            FROM ({base}) v ORDER BY rule_id, record_id, message"""
    return f"""
        WITH v0 AS ({base}),
        f AS (
            SELECT figure_id, min(claim_id) AS claim_id FROM figures
            WHERE figure_id IN (SELECT record_id FROM v0 WHERE table_name = 'figures')
            GROUP BY figure_id),
        v AS (
            SELECT v0.*, CASE v0.table_name
                WHEN 'claims' THEN v0.record_id
                WHEN 'figures' THEN f.claim_id
                WHEN 'claim_relays' THEN split_part(v0.record_id, '|', 1)
                WHEN 'claim_links' THEN split_part(v0.record_id, '|', 1)
                END AS claim_key
            FROM v0 LEFT JOIN f ON v0.table_name = 'figures' AND f.figure_id = v0.record_id),
        c AS (
            SELECT claim_id, min(quote) AS quote, min(claimant_id) AS claimant_id FROM claims
            WHERE claim_id IN (SELECT claim_key FROM v WHERE claim_key IS NOT NULL)
            GROUP BY claim_id),
        a AS (
            SELECT actor_id, min(name) AS name FROM actors
            WHERE actor_id IN (SELECT claimant_id FROM c) GROUP BY actor_id)
        SELECT v.rule_id, v.severity, v.table_name AS "table", v.record_id, v.message,
               c.quote,
               CASE WHEN c.claim_id IS NULL THEN NULL
                    WHEN c.claimant_id IS NULL THEN 'unattributed'
                    ELSE coalesce(a.name, c.claimant_id) END AS claimant
        FROM v
        LEFT JOIN c ON c.claim_id = v.claim_key
        LEFT JOIN a ON a.actor_id = c.claimant_id
        ORDER BY v.rule_id, v.record_id, v.message"""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def first_violations(con, tables: set[str], per_rule: int,
                     rule_ids: list[str]) -> dict[str, list[Violation]]:
    """The first ``per_rule`` violations of each of ``rule_ids``, keyed by rule id."""
    found: dict[str, list[Violation]] = {}
    sql = violations_sql(tables, per_rule=per_rule, rule_ids=sorted(rule_ids))
    for row in con.execute(sql).fetchall():
        found.setdefault(row[0], []).append(Violation(*row))
    return found


def copy_violations(con, tables: set[str], target: Path) -> None:
    """Every violation as one JSON object per line (``VIOLATION_KEYS``, report order),
    written by DuckDB to ``target``: nothing passes through Python row by row."""
    literal = str(target).replace("'", "''")
    con.execute(f"COPY ({violations_sql(tables)}) TO '{literal}' "
                "(FORMAT json, COMPRESSION 'uncompressed')")
