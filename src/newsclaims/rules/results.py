"""What a check run decides: one result per rule, its outcome, and the one gate over them.

Every reader of results uses this module: ``newsclaims check``, ``release``, the reports
and the pytest plugin. A result's ``status`` is what is stored in ``dq_results`` (``pass``,
``fail``, ``error``, ``skipped``); its ``outcome`` adds the severity: a failing warn-level
rule is a ``warn``. The gate (``gate``) is a pure function of the results."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum

LEVELS = ("error", "warn")
STATUSES = ("pass", "fail", "error", "skipped")


class Outcome(StrEnum):
    """What a rule's result means for its reader (dbt's pass/warn/fail/error, plus skipped)."""

    PASS = "pass"
    FAIL = "fail"  # an error-level rule above its threshold
    WARN = "warn"  # a warn-level rule above its threshold
    ERROR = "error"  # the rule could not be evaluated (its query failed)
    SKIPPED = "skipped"  # not run (see detail); never blocks a gate


@dataclass(frozen=True)
class RuleResult:
    rule_id: str
    title: str
    family: str
    severity: str
    table_name: str
    status: str  # pass | fail | error (the query itself failed) | skipped (not run; see detail)
    violation_count: int
    fail_above: int
    engine: str
    detail: str | None = None  # why: the error (status "error"), the reason ("skipped"), a caveat
    rationale: str = field(default="", compare=False)

    @property
    def outcome(self) -> Outcome:
        if self.status == "fail" and self.severity == "warn":
            return Outcome.WARN
        return Outcome(self.status)

    def fails_at(self, level: str) -> bool:
        """True when this rule blocks a gate at ``level``: at ``error``, an error-level rule
        that fails or could not run (an error-level rule that was not evaluated cannot be
        trusted to pass); at ``warn``, any rule that fails or could not run. A skipped rule
        never blocks (``detail`` says why it did not run)."""
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}")
        if self.status in ("pass", "skipped"):
            return False
        return level == "warn" or self.severity == "error"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["outcome"] = str(self.outcome)
        return data


def gate(results, level: str = "error") -> list[RuleResult]:
    """The results that block a gate at ``level`` (``error`` or ``warn``), in rule order."""
    return [r for r in results if r.fails_at(level)]


def summary(results) -> dict[str, int]:
    """Counts by status and outcome, the violations, and the error-level rules that fail."""
    results = list(results)
    counts = {"rules": len(results), **{s: 0 for s in STATUSES}}
    for r in results:
        counts[r.status] += 1
    counts["warnings"] = sum(r.outcome is Outcome.WARN for r in results)
    counts["violations"] = sum(r.violation_count for r in results)
    counts["failing_error_rules"] = len(gate(results, "error"))
    return counts


@dataclass
class CheckRun:
    db_path: str
    engine: str
    run_at: str  # ISO 8601, UTC, seconds
    results: list[RuleResult]
    timings: dict[str, float] = field(default_factory=dict, compare=False)  # statement -> s

    def failed(self, level: str = "error") -> list[RuleResult]:
        """The rules that fail a gate at ``level`` (``error`` or ``warn``)."""
        return gate(self.results, level)

    def result(self, rule_id: str) -> RuleResult:
        for r in self.results:
            if r.rule_id == rule_id:
                return r
        raise KeyError(rule_id)

    def summary(self) -> dict[str, int]:
        return summary(self.results)

    def to_dict(self) -> dict:
        """A JSON-ready view of the run (``check --format json`` prints ``reporting.check_document``)."""
        return {
            "db": self.db_path,
            "engine": self.engine,
            "run_at": self.run_at,
            "summary": self.summary(),
            "results": [r.to_dict() for r in self.results],
        }


def read_results(con) -> list[RuleResult]:
    """The stored ``dq_results`` of a database (``con``), in rule order."""
    columns = {row[0] for row in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'dq_results'").fetchall()}
    detail = "detail" if "detail" in columns else "NULL"
    return [
        RuleResult(rule_id=r[0], title=r[1] or "", family=r[2] or "", severity=str(r[3]),
                   table_name=r[4] or "", status=str(r[5]), violation_count=int(r[6] or 0),
                   fail_above=int(r[7] or 0), engine=r[8] or "", detail=r[9])
        for r in con.execute(
            "SELECT rule_id, title, family, severity, table_name, status, violation_count, "
            f"fail_above, engine, {detail} FROM dq_results ORDER BY rule_id").fetchall()
    ]
