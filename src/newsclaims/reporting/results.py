"""What a report shows, read from a checked database: results, violations, quotes, run data.

``load_report_data(db_path)`` opens the database read-only and returns a ``ReportData``;
the renderers (``render``) only format it. Violations on ``claims`` and ``figures`` are
joined to their claim so that a report can show the quote and the claimant."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from newsclaims import project
from newsclaims.errors import InputError


@dataclass(frozen=True)
class RuleResult:
    rule_id: str
    title: str
    family: str
    severity: str
    table: str
    status: str  # pass | fail | error
    violation_count: int
    fail_above: int
    engine: str
    rationale: str

    @property
    def outcome(self) -> str:
        """``pass``, ``fail`` (error-level), ``warn`` (warn-level failing) or ``error``."""
        if self.status == "fail" and self.severity == "warn":
            return "warn"
        return self.status


@dataclass(frozen=True)
class Violation:
    rule_id: str
    severity: str
    table: str
    record_id: str
    message: str
    quote: str | None = None
    claimant: str | None = None  # the claimant's name, "unattributed", or None (no claim)


@dataclass
class ReportData:
    db_path: str
    engines: list[str]
    run_at: str | None
    dataset_digest: str | None
    rules_digest: str
    rules: list[RuleResult]
    violations: list[Violation]
    figures: list[dict] = field(default_factory=list)  # casualty figures for the chart

    def counts(self) -> dict[str, int]:
        outcomes = [r.outcome for r in self.rules]
        return {
            "rules": len(self.rules),
            "passed": outcomes.count("pass"),
            "failed": outcomes.count("fail"),
            "warnings": outcomes.count("warn"),
            "errored": outcomes.count("error"),
            "violations": len(self.violations),
        }

    @property
    def status(self) -> str:
        """``fail`` when an error-level rule fails or a rule's query errored, else ``pass``."""
        return "fail" if any(r.outcome in ("fail", "error") for r in self.rules) else "pass"

    def violations_of(self, rule_id: str) -> list[Violation]:
        return [v for v in self.violations if v.rule_id == rule_id]


def rules_digest(checks_dir: Path | None = None, sql_dir: Path | None = None) -> str:
    """SHA-256 over the catalogue and the rule SQL (file names and bytes, sorted)."""
    checks = Path(checks_dir) if checks_dir else project.checks_dir()
    sql = Path(sql_dir) if sql_dir else project.sql_dir()
    files = sorted(checks.glob("*.yml")) + sorted(sql.glob("rules/**/*.sql")) + sorted(
        sql.glob("scans/**/*.sql")
    )
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _rationales() -> dict[str, str]:
    from newsclaims.rules.catalogue import load_catalogue

    try:
        return {r.id: r.rationale for r in load_catalogue()}
    except InputError:
        return {}


def _table_names(con) -> set[str]:
    return {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def open_read_only(db_path: Path) -> duckdb.DuckDBPyConnection:
    path = Path(db_path)
    if not path.is_file():
        raise InputError(f"{path}: no such database (run `newsclaims build` first)")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: not a readable DuckDB database ({first})") from None


def _dataset_digest(con, tables: set[str]) -> str | None:
    if "build_info" not in tables:
        return None
    cur = con.execute("SELECT * FROM build_info LIMIT 1")
    row = cur.fetchone()
    if row is None:
        return None
    info = dict(zip([d[0] for d in cur.description], row))
    for key in ("dataset_digest", "dataset_sha256", "digest", "sha256"):
        if info.get(key):
            return str(info[key])
    for key, value in info.items():
        if value and ("digest" in key or "sha256" in key):
            return str(value)
    return None


def load_report_data(db_path: Path, *, rationales: dict[str, str] | None = None) -> ReportData:
    """Everything the reports show, from a database that ``newsclaims check`` has run on."""
    con = open_read_only(db_path)
    try:
        tables = _table_names(con)
        missing = {"dq_results", "dq_violations"} - tables
        if missing:
            raise InputError(
                f"{db_path}: no check results (table {sorted(missing)[0]} is missing); "
                "run `newsclaims check` first"
            )
        if rationales is None:
            rationales = _rationales()
        rules = [
            RuleResult(
                rule_id=r[0], title=r[1] or "", family=r[2] or "", severity=r[3],
                table=r[4] or "", status=r[5], violation_count=int(r[6] or 0),
                fail_above=int(r[7] or 0), engine=r[8] or "",
                rationale=rationales.get(r[0], ""),
            )
            for r in con.execute(
                "SELECT rule_id, title, family, severity, table_name, status, "
                "violation_count, fail_above, engine FROM dq_results ORDER BY rule_id"
            ).fetchall()
        ]
        engines = sorted({r.engine for r in rules if r.engine})
        run_at = con.execute("SELECT CAST(max(run_at) AS VARCHAR) FROM dq_results").fetchone()[0]
        violations = [Violation(*row) for row in con.execute(_violations_sql(tables)).fetchall()]
        figures = _chart_figures(con) if {"figures", "claims"} <= tables else []
        return ReportData(
            db_path=str(db_path),
            engines=engines,
            run_at=run_at,
            dataset_digest=_dataset_digest(con, tables),
            rules_digest=rules_digest(),
            rules=rules,
            violations=violations,
            figures=figures,
        )
    finally:
        con.close()


def _violations_sql(tables: set[str]) -> str:
    """Violations with the quote and claimant of the claim they concern (when any)."""
    if not {"claims", "figures", "actors"} <= tables:
        return (
            "SELECT rule_id, severity, table_name, record_id, message, NULL, NULL "
            "FROM dq_violations ORDER BY rule_id, record_id, message"
        )
    # Claims may hold duplicated ids in a broken database: take one row per id.
    return """
        WITH c AS (
            SELECT claim_id, any_value(quote) AS quote, any_value(claimant_id) AS claimant_id
            FROM claims GROUP BY claim_id),
        f AS (SELECT figure_id, any_value(claim_id) AS claim_id FROM figures GROUP BY figure_id),
        a AS (SELECT actor_id, any_value(name) AS name FROM actors GROUP BY actor_id),
        v AS (
            SELECT v.*, CASE v.table_name
                WHEN 'claims' THEN v.record_id
                WHEN 'figures' THEN (SELECT f.claim_id FROM f WHERE f.figure_id = v.record_id)
                WHEN 'claim_relays' THEN split_part(v.record_id, '|', 1)
                WHEN 'claim_links' THEN split_part(v.record_id, '|', 1)
                END AS claim_key
            FROM dq_violations v)
        SELECT v.rule_id, v.severity, v.table_name, v.record_id, v.message, c.quote,
               CASE WHEN c.claim_id IS NULL THEN NULL
                    WHEN c.claimant_id IS NULL THEN 'unattributed'
                    ELSE coalesce(a.name, c.claimant_id) END
        FROM v
        LEFT JOIN c ON c.claim_id = v.claim_key
        LEFT JOIN a ON a.actor_id = c.claimant_id
        ORDER BY v.rule_id, v.record_id, v.message
    """


def _chart_figures(con) -> list[dict]:
    """Casualty figures of active claims about an incident, with their claimant's name."""
    from newsclaims.contract import CASUALTY_MEASURES

    measures = ", ".join(f"'{m}'" for m in CASUALTY_MEASURES)
    cur = con.execute(f"""
        SELECT c.incident_id, i.title AS incident_title, CAST(f.measure AS VARCHAR),
               coalesce(CAST(f.victim_group AS VARCHAR), 'unspecified'), f.figure_id,
               f.claim_id, f.stated_text, f.stated_value, f.value_low, f.value_high,
               CAST(f.qualifier AS VARCHAR),
               CASE WHEN c.claimant_id IS NULL THEN 'unattributed'
                    ELSE coalesce(a.name, c.claimant_id) END
        FROM figures f
        JOIN (SELECT claim_id, any_value(incident_id) AS incident_id,
                     any_value(claimant_id) AS claimant_id, any_value(status) AS status
              FROM claims GROUP BY claim_id) c ON c.claim_id = f.claim_id
        LEFT JOIN (SELECT incident_id, any_value(title) AS title FROM incidents
                   GROUP BY incident_id) i ON i.incident_id = c.incident_id
        LEFT JOIN (SELECT actor_id, any_value(name) AS name FROM actors
                   GROUP BY actor_id) a ON a.actor_id = c.claimant_id
        WHERE c.incident_id IS NOT NULL AND CAST(f.measure AS VARCHAR) IN ({measures})
          AND coalesce(CAST(c.status AS VARCHAR), 'active') = 'active'
        ORDER BY c.incident_id, 3, 4, f.figure_id
    """)
    keys = ("incident_id", "incident_title", "measure", "victim_group", "figure_id",
            "claim_id", "stated_text", "stated_value", "value_low", "value_high",
            "qualifier", "claimant")
    return [dict(zip(keys, row)) for row in cur.fetchall()]
