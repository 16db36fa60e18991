"""The ingest gate: the new results of every rule, and whether the batch is refused.

A batch is refused when, after it, a rule that blocks the gate at ``fail_on`` (the gate of
``check``: ``rules.results``) fails AND the batch added to it: a (rule, record) violation
the stored results did not have, or the rule passed before. Violations that were there
before the batch are reported as such and never refuse it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from newsclaims.ingest.audit import EVAL, FP
from newsclaims.rules.results import RuleResult
from newsclaims.rules.sql_fragments import quote_literal

ALREADY_LISTED = 100  # violations already there before the batch, listed per rule in the report


@dataclass
class RuleChange:
    rule_id: str
    severity: str
    before: int
    after: int
    added: int  # records with a violation of the rule they did not have
    fixed: int  # records that had one and no longer do
    blocking: bool  # the rule fails the gate after the batch
    refuses: bool
    evaluated: str  # "footprint", "full" or "untouched"
    footprint: int = 0
    records: list[tuple[str, str, str]] = field(default_factory=list)  # (record, message, new|before), refusing rules


@dataclass
class IngestRun:
    results: list[RuleResult]
    changes: list[RuleChange]
    fail_on: str
    run_at: datetime
    timings: dict[str, float]
    db: str = ""
    batch: str = ""
    rows: dict[str, int] = field(default_factory=dict)
    replaced: dict[str, int] = field(default_factory=dict)
    published: bool = False
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # stage, merge, audit, gate, publish -> seconds
    partner_copies: list[str] = field(default_factory=list)  # the partner tables copied once (ingest.partners)
    indexes_built: list[str] = field(default_factory=list)  # lookup indexes this run built (ingest.lookups)

    @property
    def refused(self) -> list[RuleChange]:
        return [c for c in self.changes if c.refuses]

    @property
    def already_failing(self) -> list[RuleChange]:
        """Rules that block the gate, but only with violations that were there before."""
        return [c for c in self.changes if c.blocking and not c.refuses]


def decide(con, catalogue, stored: dict[str, tuple], audited, fail_on: str, run_at: datetime) -> IngestRun:
    whole = ", ".join(quote_literal(r) for r in audited.whole) or "NULL"
    kept = (f"SELECT rule_id, record_id, message FROM main.dq_violations v WHERE v.rule_id NOT IN ({whole}) "
            f"AND NOT EXISTS (SELECT 1 FROM {FP} f WHERE f.rule_id = v.rule_id AND f.record_id = v.record_id)")
    # the violations after the batch: the stored ones outside the footprints (and outside the rules that
    # ran in full) plus the audit's, counted without reading the stored messages
    counts = dict(con.execute(
        f"SELECT rule_id, sum(n) FROM (SELECT rule_id, count(*) AS n FROM main.dq_violations v "
        f"WHERE v.rule_id NOT IN ({whole}) GROUP BY rule_id "
        f"UNION ALL SELECT rule_id, -count(*) FROM main.dq_violations v WHERE v.rule_id NOT IN ({whole}) "
        f"AND EXISTS (SELECT 1 FROM {FP} f WHERE f.rule_id = v.rule_id AND f.record_id = v.record_id) GROUP BY rule_id "
        f"UNION ALL SELECT rule_id, count(*) FROM {EVAL} GROUP BY rule_id) GROUP BY rule_id HAVING sum(n) > 0").fetchall())
    added = dict(con.execute(
        f"SELECT rule_id, count(DISTINCT record_id) FROM {EVAL} e WHERE NOT EXISTS (SELECT 1 FROM "
        "main.dq_violations v WHERE v.rule_id = e.rule_id AND v.record_id = e.record_id) GROUP BY rule_id").fetchall())
    fixed = dict(con.execute(
        f"SELECT rule_id, count(DISTINCT record_id) FROM main.dq_violations v WHERE (v.rule_id IN ({whole}) "
        f"OR EXISTS (SELECT 1 FROM {FP} f WHERE f.rule_id = v.rule_id AND f.record_id = v.record_id)) "
        f"AND NOT EXISTS (SELECT 1 FROM {EVAL} e WHERE e.rule_id = v.rule_id AND e.record_id = v.record_id) "
        "GROUP BY rule_id").fetchall())
    results, changes = [], []
    for rule in catalogue:
        before_status, before_count, before_detail, _ = stored[rule.id]
        evaluated = ("full" if rule.id in audited.whole else
                     "footprint" if rule.id in audited.touched else "untouched")
        count = counts.get(rule.id, 0)
        if rule.id in audited.skipped:
            status, detail, count = "skipped", audited.skipped[rule.id], 0
        elif rule.id in audited.errors:
            status, detail = "error", audited.errors[rule.id]
        elif evaluated == "untouched" and before_status in ("error", "skipped"):
            status, detail = before_status, before_detail
        else:
            status = "fail" if count > rule.fail_above else "pass"
            detail = audited.details.get(rule.id)
        result = RuleResult(rule.id, rule.title, rule.family, rule.severity, rule.table, status, count,
                            rule.fail_above, "duckdb", detail)
        results.append(result)
        blocking = fail_on is not None and result.fails_at(fail_on)
        grew = added.get(rule.id, 0) > 0 or before_status in ("pass", "skipped")
        changes.append(RuleChange(rule.id, rule.severity, before_count, count, added.get(rule.id, 0),
                                  fixed.get(rule.id, 0), blocking, blocking and grew, evaluated,
                                  audited.footprint_rows.get(rule.id, 0)))
    for change in changes:
        if change.refuses:  # the rules that fail only with old violations: counts alone
            change.records = _records(con, change.rule_id, kept)
    return IngestRun(results, changes, fail_on, run_at, dict(audited.timings))


def _records(con, rule_id: str, kept: str) -> list[tuple[str, str, str]]:
    """The rule's offending records after the batch: every one the batch added, then up to
    ``ALREADY_LISTED`` of those that were there before."""
    rid = quote_literal(rule_id)
    new = con.execute(
        f"SELECT record_id, message FROM {EVAL} e WHERE rule_id = {rid} AND NOT EXISTS (SELECT 1 FROM "
        "main.dq_violations v WHERE v.rule_id = e.rule_id AND v.record_id = e.record_id) "
        "ORDER BY record_id, message").fetchall()
    before = con.execute(
        f"SELECT record_id, message FROM ({kept} AND v.rule_id = {rid} UNION ALL SELECT rule_id, record_id, message "
        f"FROM {EVAL} e WHERE rule_id = {rid} AND EXISTS (SELECT 1 FROM main.dq_violations v "
        f"WHERE v.rule_id = e.rule_id AND v.record_id = e.record_id)) ORDER BY record_id, message "
        f"LIMIT {ALREADY_LISTED}").fetchall()
    return [(r, m, "new") for r, m in new] + [(r, m, "before") for r, m in before]
