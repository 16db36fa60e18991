"""The DuckDB engine: the SQL selections as fused statements, run inside DuckDB (every
offending record, no sampling cap, nothing pulled through Python), inserted into the
sink's violations table on the sink's own connection.

Modules: ``database`` (opening, memory, how many statements at a time), ``scan`` (a
table's joins), ``statements`` (the plan: which statements, fused how), ``runner``
(threads, Ctrl-C, the per-rule fallback)."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass

from newsclaims.engines import EngineRun, Job
from newsclaims.engines.duckdb.database import plan_jobs
from newsclaims.engines.duckdb.runner import run_statements
from newsclaims.engines.duckdb.statements import SQL_SELECTIONS, Statement, compile_each, compile_rules


@dataclass
class Plan:
    statements: list[Statement]
    workers: int

    @property
    def steps(self) -> int:
        return len(self.statements)


class DuckDBEngine:
    name = "duckdb"
    shares_connection = True

    def unsupported(self, rule) -> str | None:
        if isinstance(rule.selection, SQL_SELECTIONS):
            return None
        return f"a {type(rule.selection).__name__} is not SQL"

    def plan(self, rules, job: Job) -> Plan:
        compile_ = compile_rules if job.options.fuse else compile_each
        statements = compile_(list(rules), job.sizes)
        workers = min(plan_jobs(job.options.jobs, job.db_path, job.options.memory_limit),
                      max(len(statements), 1))
        return Plan(statements, workers)

    def run(self, plan: Plan, job: Job) -> EngineRun:
        result = EngineRun()
        # closing: an exception here (Ctrl-C) stops the statements still running
        with closing(run_statements(job.con, plan.statements, job.sizes, plan.workers,
                                    job.sink.violations_table)) as ran:
            for label, seconds, failed in ran:
                result.errors.update(failed)
                result.timings[label] = seconds
                job.advance(label)
        return result


ENGINE = DuckDBEngine()
