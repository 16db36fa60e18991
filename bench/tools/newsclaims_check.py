"""Bench tool: ``newsclaims check`` through the library (select ``core`` or all rules);
prints {"counts": {rule_id: offending rows}} (cross-source: distinct figures)."""

from __future__ import annotations

import json
import sys

import duckdb

from newsclaims.check import run_checks


def main(select: str, db: str, memory_limit: str = "1500MB") -> None:
    run_checks(db, select=None if select == "all" else select, memory_limit=memory_limit)
    con = duckdb.connect(db, read_only=True)
    rows = con.execute(
        "SELECT rule_id, CASE WHEN rule_id = 'figures.cross_source_discrepancy' "
        "THEN count(DISTINCT record_id) ELSE count(*) END FROM dq_violations GROUP BY rule_id").fetchall()
    con.close()
    print(json.dumps({"counts": {r: int(n) for r, n in rows}}))


if __name__ == "__main__":
    main(*sys.argv[1:])
