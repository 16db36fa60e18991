"""Bench tool: the core rules in plain DuckDB SQL, hand-fused (``floor``) or one query per
rule (``per_rule``). Prints one JSON line of counts: {"counts": {rule_id: n}}.

    python bench/tools/duckdb_sql.py floor|floor_one_scan|per_rule <db> [memory_limit]"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parents[1]
FLOORS = {"floor": "floor.sql", "floor_one_scan": "floor_one_scan.sql"}


def read_sql(name: str) -> str:
    """A bench SQL file, each ``-- include: <file>`` line replaced by that file's text (one
    copy of the cross-source query for every tool: ``cross_source_ids.sql``)."""
    text = (HERE / name).read_text(encoding="utf-8")
    return re.sub(r"^-- include: (\S+)\s*$", lambda m: read_sql(m.group(1)).strip().rstrip(";"),
                  text, flags=re.M)


def per_rule_queries() -> dict[str, str]:
    text = read_sql("core_rules.sql")
    blocks = re.split(r"^-- rule: (\S+)\s*$", text, flags=re.M)
    return {blocks[i]: blocks[i + 1].strip().rstrip(";") for i in range(1, len(blocks), 2)}


def floor_parts(name: str = "floor.sql") -> dict[str, str]:
    """The statements of a floor file ("-- part: <name>" blocks), run one after another."""
    text = read_sql(name)
    blocks = re.split(r"^-- part: (\S+)\s*$", text, flags=re.M)
    return {blocks[i]: blocks[i + 1].strip().rstrip(";") for i in range(1, len(blocks), 2)}


def main(mode: str, db: str, memory_limit: str = "1500MB") -> None:
    con = duckdb.connect(db, read_only=True, config={
        "memory_limit": memory_limit, "threads": os.cpu_count() or 1, "temp_directory": db + ".tmp"})
    if mode in FLOORS:
        counts = {}
        for sql in floor_parts(FLOORS[mode]).values():
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            counts.update(zip(names, (int(v) for v in cur.fetchone())))
    else:
        counts = {rule: int(con.execute(sql).fetchone()[0]) for rule, sql in per_rule_queries().items()}
    con.close()
    print(json.dumps({"counts": counts}))


if __name__ == "__main__":
    main(*sys.argv[1:])
