"""What a report shows, read from a checked database: results, first violations, chart data.

``load_report_data(con, db_path)`` reads a ``ReportData`` over a read-only connection
(``open_read_only``); the renderers (``render``) only format it. Everything here is
bounded whatever the size of the database: the first ``EXAMPLES_PER_RULE`` records of
each rule (``violations.first_violations``), the counts of all of them, and the casualty
figures of at most ``CHART_INCIDENTS`` incidents. ``report.json`` gets every record
straight from DuckDB (``violations.copy_violations``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from newsclaims.errors import InputError
from newsclaims.reporting.violations import Violation, first_violations
from newsclaims.rules.digest import rules_digest
from newsclaims.rules.results import RuleResult, gate, read_results

# Records of each rule that the HTML report lists (the Markdown report shows fewer).
EXAMPLES_PER_RULE = 200
# The chart shows the incidents with the most casualty figures, at most this many, and
# at most this many figures per panel (incident, measure, victim group).
CHART_INCIDENTS = 12
CHART_FIGURES_PER_PANEL = 40
# DuckDB's memory while reading for a report (it spills to a temporary folder beyond it),
# and its threads: one thread writes every violation in order within 300 MB at 10M claims,
# where two threads need more than 512 MB (their sort buffers) and are no faster.
REPORT_MEMORY_LIMIT = "512MB"
REPORT_THREADS = 1

__all__ = ["ChartData", "ReportData", "RuleResult", "Violation", "load_report_data",
           "open_read_only", "rules_digest"]


@dataclass(frozen=True)
class ChartData:
    """Casualty figures of the charted incidents, and how many incidents have any."""

    figures: list[dict]
    incidents_total: int  # incidents with casualty figures, charted or not
    panel_totals: dict[tuple[str, str, str], int] = field(default_factory=dict)

    @property
    def incidents_shown(self) -> int:
        return len({f["incident_id"] for f in self.figures})


@dataclass
class ReportData:
    """What the reports show. ``examples`` holds only the first records of each rule;
    ``totals`` counts every record of ``dq_violations`` (report.json streams them all)."""

    db_path: str
    engines: list[str]
    run_at: str | None
    dataset_digest: str | None
    rules_digest: str
    rules: list[RuleResult]
    examples: dict[str, list[Violation]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    chart: ChartData = field(default_factory=lambda: ChartData([], 0))
    tables: set[str] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        outcomes = [r.outcome for r in self.rules]
        return {
            "rules": len(self.rules),
            "passed": outcomes.count("pass"),
            "failed": outcomes.count("fail"),
            "warnings": outcomes.count("warn"),
            "errored": outcomes.count("error"),
            "skipped": outcomes.count("skipped"),
            "violations": sum(self.totals.values()),
        }

    @property
    def status(self) -> str:
        """``fail`` when the error-level gate fails (``rules.results.gate``), else ``pass``."""
        return "fail" if gate(self.rules, "error") else "pass"

    def violations_of(self, rule_id: str) -> list[Violation]:
        """The first records of a rule (at most ``EXAMPLES_PER_RULE``)."""
        return self.examples.get(rule_id, [])

    def total_of(self, rule_id: str) -> int:
        """How many records of ``dq_violations`` the rule has."""
        return self.totals.get(rule_id, 0)


def _rationales() -> dict[str, str]:
    from newsclaims.rules.catalogue import load_catalogue

    try:
        return {r.id: r.rationale for r in load_catalogue()}
    except InputError:
        return {}


def _table_names(con) -> set[str]:
    """Tables and views (``check`` renders its reports from views on the staged results)."""
    return {row[0] for row in con.execute(
        "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views() "
        "WHERE NOT internal").fetchall()}


def open_read_only(db_path: Path, *, memory_limit: str | None = None,
                   threads: int | None = None,
                   temp_directory: str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection, or one ``InputError`` line for a missing or bad file.

    ``memory_limit``, ``threads`` and ``temp_directory`` bound DuckDB's memory (it spills
    to ``temp_directory`` beyond the limit)."""
    path = Path(db_path)
    if not path.is_file():
        raise InputError(f"{path}: no such database (run `newsclaims build` first)")
    config: dict[str, str | int] = {}
    if memory_limit:
        config["memory_limit"] = memory_limit
    if threads:
        config["threads"] = threads
    if temp_directory:
        config["temp_directory"] = temp_directory
    try:
        return duckdb.connect(str(path), read_only=True, config=config)
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


def load_report_data(con, db_path: Path, *,
                     rationales: dict[str, str] | None = None) -> ReportData:
    """Everything the HTML and Markdown reports show, from a database that
    ``newsclaims check`` has run on (``con``: a read-only connection to it)."""
    tables = _table_names(con)
    missing = {"dq_results", "dq_violations"} - tables
    if missing:
        raise InputError(
            f"{db_path}: no check results (table {sorted(missing)[0]} is missing); "
            "run `newsclaims check` first"
        )
    if rationales is None:
        rationales = _rationales()
    rules = [replace(r, rationale=rationales.get(r.rule_id, "")) for r in read_results(con)]
    engines = sorted({r.engine for r in rules if r.engine})
    run_at = con.execute("SELECT CAST(max(run_at) AS VARCHAR) FROM dq_results").fetchone()[0]
    totals = dict(con.execute(
        "SELECT rule_id, count(*) FROM dq_violations GROUP BY rule_id").fetchall())
    return ReportData(
        db_path=str(db_path),
        engines=engines,
        run_at=run_at,
        dataset_digest=_dataset_digest(con, tables),
        rules_digest=rules_digest(),
        rules=rules,
        examples=first_violations(con, tables, EXAMPLES_PER_RULE, list(totals)),
        totals=totals,
        chart=_chart_data(con) if {"figures", "claims"} <= tables else ChartData([], 0),
        tables=tables,
    )


def _chart_data(con, incidents: int = CHART_INCIDENTS,
                per_panel: int = CHART_FIGURES_PER_PANEL) -> ChartData:
    """Casualty figures of active claims about the ``incidents`` incidents with the most
    such figures (ties: by incident id), at most ``per_panel`` per panel, with their
    claimant's name."""
    from newsclaims.contract import CASUALTY_MEASURES

    measures = ", ".join(f"'{m}'" for m in CASUALTY_MEASURES)
    casualty = (f"CAST(f.measure AS VARCHAR) IN ({measures}) AND c.incident_id IS NOT NULL "
                "AND coalesce(CAST(c.status AS VARCHAR), 'active') = 'active'")
    ranked = con.execute(f"""
        SELECT c.incident_id, count(*) AS n, count(*) OVER () AS incidents
        FROM figures f JOIN claims c ON c.claim_id = f.claim_id
        WHERE {casualty}
        GROUP BY c.incident_id
        ORDER BY n DESC, c.incident_id
        LIMIT {int(incidents)}
    """).fetchall()
    if not ranked:
        return ChartData([], 0)
    chosen = [row[0] for row in ranked]
    cur = con.execute(f"""
        WITH c AS (
            SELECT claim_id, min(incident_id) AS incident_id, min(claimant_id) AS claimant_id,
                   min(CAST(status AS VARCHAR)) AS status
            FROM claims WHERE incident_id IN (SELECT unnest(?::VARCHAR[]))
            GROUP BY claim_id),
        picked AS (
            SELECT c.incident_id, CAST(f.measure AS VARCHAR) AS measure,
                   coalesce(CAST(f.victim_group AS VARCHAR), 'unspecified') AS victim_group,
                   f.figure_id, f.claim_id, f.stated_text, f.stated_value, f.value_low,
                   f.value_high, CAST(f.qualifier AS VARCHAR) AS qualifier, c.claimant_id
            FROM figures f JOIN c ON c.claim_id = f.claim_id
            WHERE {casualty}),
        numbered AS (
            SELECT *, row_number() OVER w AS nth, count(*) OVER w AS panel_total
            FROM picked
            WINDOW w AS (PARTITION BY incident_id, measure, victim_group ORDER BY figure_id
                         ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))
        SELECT n.incident_id, i.title, n.measure, n.victim_group, n.figure_id, n.claim_id,
               n.stated_text, n.stated_value, n.value_low, n.value_high, n.qualifier,
               CASE WHEN n.claimant_id IS NULL THEN 'unattributed'
                    ELSE coalesce(a.name, n.claimant_id) END,
               n.panel_total
        FROM numbered n
        LEFT JOIN (SELECT incident_id, min(title) AS title FROM incidents
                   GROUP BY incident_id) i ON i.incident_id = n.incident_id
        LEFT JOIN (SELECT actor_id, min(name) AS name FROM actors
                   GROUP BY actor_id) a ON a.actor_id = n.claimant_id
        WHERE n.nth <= {int(per_panel)}
        ORDER BY n.incident_id, n.measure, n.victim_group, n.figure_id
    """, [chosen])
    keys = ("incident_id", "incident_title", "measure", "victim_group", "figure_id",
            "claim_id", "stated_text", "stated_value", "value_low", "value_high",
            "qualifier", "claimant")
    figures, panel_totals = [], {}
    for row in cur.fetchall():
        figure = dict(zip(keys, row[:-1]))
        figures.append(figure)
        panel_totals[(figure["incident_id"], figure["measure"], figure["victim_group"])] = row[-1]
    return ChartData(figures, int(ranked[0][2]), panel_totals)
