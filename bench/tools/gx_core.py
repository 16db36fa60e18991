"""Bench tool: the 15 core rules as Great Expectations 1.x expectations, run by GX's SQL
datasource on the same DuckDB file (``duckdb:///path`` through duckdb_engine).

Expectations: the project's own export (``newsclaims.engines.gx.export.build_suites``, target
duckdb): native ``ExpectColumnValuesToNotBeNull`` (claim date), ``ExpectColumnValuesToBeInSet``
(qualifier), ``ExpectColumnValuesToBeUnique`` (claim id), and ``UnexpectedRowsExpectation``
with the ``LEFT JOIN ... IS NULL`` form for references and the rule's condition over
``{batch}`` for row rules. The cross-source rule (a SQL rule, not in the export) is added
here as an ``UnexpectedRowsExpectation`` selecting the distinct offending figures.

GX on DuckDB needs one persistent connection (``newsclaims.engines.gx.engine.
persisted_duckdb_connection``, see there); without it every expectation fails with "list
index out of range". Every count is GX's own ``unexpected_count``/``observed_value``: a
result without a number makes this tool exit 3, never a silent zero.

Prints one JSON line: {"counts": {rule_id: n}}.

    python bench/tools/gx_core.py <db> [memory_limit]
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

# The shared query, with GX's batch in place of the figures table.
CROSS_SOURCE = (Path(__file__).resolve().parents[1] / "cross_source_ids.sql").read_text(
    encoding="utf-8").replace("FROM figures t JOIN claims", "FROM {batch} t JOIN claims")


def main(db: str, memory_limit: str = "1500MB") -> None:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from newsclaims.engines.gx.engine import _close, _count, _error_text, persisted_duckdb_connection
    from newsclaims.engines.gx.export import build_suites
    from newsclaims.rules.catalogue import load_catalogue
    from newsclaims.rules.selection import select_rules

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    rules = select_rules(load_catalogue(), ["core"])
    export = build_suites(rules, target="duckdb")
    figures = export.suites.setdefault("figures", gx.ExpectationSuite(name="newsclaims.figures"))
    figures.expectations.append(gx.expectations.UnexpectedRowsExpectation(
        unexpected_rows_query=CROSS_SOURCE, meta={"rule_id": "figures.cross_source_discrepancy"},
        description="cross-source discrepancy"))
    counts: dict[str, int] = {}
    errors: list[str] = []
    path = Path(db).resolve()
    with persisted_duckdb_connection():
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = context.data_sources.add_sql(
            name="newsclaims", connection_string=f"duckdb:///{path}",
            kwargs={"connect_args": {"read_only": True, "config": {"memory_limit": memory_limit}}})
        for table, suite in sorted(export.suites.items()):
            asset = source.add_table_asset(name=table, table_name=table)
            try:
                batch = asset.add_batch_definition_whole_table(f"{table}-all").get_batch()
                outcome = batch.validate(context.suites.add(suite), result_format="SUMMARY")
            finally:
                _close(source)
            for item in outcome.results:
                rule_id = item.expectation_config.meta["rule_id"]
                n = _count(item)
                if n is None:
                    errors.append(f"{rule_id}: {_error_text(item)}")
                else:
                    counts[rule_id] = n
    if errors:
        print("GX returned no count for: " + "; ".join(errors), file=sys.stderr)
        raise SystemExit(3)
    print(json.dumps({"counts": counts}))


if __name__ == "__main__":
    main(*sys.argv[1:])
