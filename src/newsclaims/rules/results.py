"""What a check run returns: one result per rule, and the gate decision over them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

LEVELS = ("error", "warn")


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

    def fails_at(self, level: str) -> bool:
        """True when this rule blocks a gate at ``level`` (error: error rules only)."""
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}")
        if self.status in ("pass", "skipped"):  # a skipped rule never blocks a gate
            return False
        return level == "warn" or self.severity == "error"


@dataclass
class CheckRun:
    db_path: str
    engine: str
    run_at: str  # ISO 8601, UTC, seconds
    results: list[RuleResult]
    timings: dict[str, float] = field(default_factory=dict, compare=False)  # statement -> s

    def failed(self, level: str = "error") -> list[RuleResult]:
        """The rules that fail a gate at ``level`` (``error`` or ``warn``)."""
        return [r for r in self.results if r.fails_at(level)]

    def result(self, rule_id: str) -> RuleResult:
        for r in self.results:
            if r.rule_id == rule_id:
                return r
        raise KeyError(rule_id)

    def summary(self) -> dict[str, int]:
        counts = {"rules": len(self.results), "pass": 0, "fail": 0, "error": 0, "skipped": 0}
        for r in self.results:
            counts[r.status] += 1
        counts["violations"] = sum(r.violation_count for r in self.results)
        counts["failing_error_rules"] = len(self.failed("error"))
        return counts

    def to_dict(self) -> dict:
        """A JSON-ready view of the run (``check --format json`` prints ``reporting.check_document``)."""
        return {
            "db": self.db_path,
            "engine": self.engine,
            "run_at": self.run_at,
            "summary": self.summary(),
            "results": [asdict(r) for r in self.results],
        }
