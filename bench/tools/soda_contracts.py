"""Bench tool: the 15 core rules as Soda Core 4.x data contracts on the DuckDB file.

Runs in its own virtual environment (``bench/.venv-soda``, made by ``bench/run.py``: it
does not import newsclaims). One contract per table (claims, figures, places), verified
with ``soda_core.contracts.api.verify_contract_locally``; Soda fuses the column checks and
the ``failed_rows`` expressions of one contract into one aggregate query and runs each
``failed_rows`` query on its own.

Which Soda check holds which rule:
- native ``missing`` (claim date; claimant with ``filter: status = 'active'``), native
  ``invalid`` with ``valid_values`` (qualifier) and ``valid_reference_data`` (claims.doc_id,
  claims.incident_id);
- ``failed_rows`` ``expression`` for row conditions of one table, ``failed_rows`` ``query``
  for the rules that need another table (dates against documents/incidents, quote, casualty
  figure, cross-source) and for the duplicate id: Soda 4's native ``duplicate`` check counts
  the extra copies (rows minus distinct values: 4 here), while the rule counts every row
  carrying a duplicated id (8), as GX, pandera and our engine do.
Rules over another table select the DISTINCT base rows (rowid) of their join, so a
duplicated referenced key never counts a row twice (the ``EXISTS`` form is as correct but
much slower on DuckDB for the quote rule at 10M claims).

Prints one JSON line: {"counts": {rule_id: n}}.

    bench/.venv-soda/bin/python bench/tools/soda_contracts.py <db> [memory_limit]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path


PREC = ("['day', 'week', 'month', 'year'][greatest("
        "coalesce(list_position(['day', 'week', 'month', 'year'], CAST({a} AS VARCHAR)), 1), "
        "coalesce(list_position(['day', 'week', 'month', 'year'], CAST({b} AS VARCHAR)), 1))]")


def _date_rule(other: str, alias: str, key: str, date_col: str, prec_col: str, op: str) -> str:
    level = PREC.format(a="t.claim_date_precision", b=f"{alias}.{prec_col}")
    return (f"SELECT DISTINCT t.rowid AS row_id, t.claim_id FROM claims t JOIN {other} {alias} "
            f"ON {alias}.{key} = t.{key}\n"
            f"WHERE t.claim_date IS NOT NULL AND {alias}.{date_col} IS NOT NULL "
            f"AND t.claim_date {op} {alias}.{date_col} "
            f"AND date_trunc({level}, t.claim_date) {op} date_trunc({level}, {alias}.{date_col})")


CROSS_SOURCE = (Path(__file__).resolve().parents[1] / "cross_source_ids.sql").read_text(
    encoding="utf-8")


def contracts(ds: str) -> dict[str, dict]:
    """The three contracts; every check is named by its rule id."""
    def fr(rule, **kw):
        return {"failed_rows": {"name": rule, "qualifier": rule.replace(".", "_"), **kw}}

    claims = {
        "dataset": f"{ds}/main/claims",
        "columns": [
            {"name": "claim_id"},
            {"name": "doc_id", "checks": [{"invalid": {
                "name": "claims.doc_id_exists",
                "valid_reference_data": {"dataset": f"{ds}/main/documents", "column": "doc_id"}}}]},
            {"name": "incident_id", "checks": [{"invalid": {
                "name": "claims.incident_id_exists",
                "valid_reference_data": {"dataset": f"{ds}/main/incidents", "column": "incident_id"}}}]},
            {"name": "claimant_id", "checks": [{"missing": {
                "name": "claims.claimant_not_null", "filter": "CAST(status AS VARCHAR) = 'active'"}}]},
            {"name": "claim_date", "checks": [{"missing": {"name": "claims.claim_date_not_null"}}]},
        ],
        "checks": [
            fr("claims.no_future_dates", expression="claim_date > current_date"),
            fr("claims.claim_id_unique", query=(
                "SELECT claim_id FROM claims WHERE claim_id IN "
                "(SELECT claim_id FROM claims WHERE claim_id IS NOT NULL GROUP BY claim_id HAVING count(*) > 1)")),
            fr("claims.claim_date_not_after_publication",
               query=_date_rule("documents", "d", "doc_id", "published_on", "published_precision", ">")),
            fr("claims.claim_date_not_before_incident",
               query=_date_rule("incidents", "i", "incident_id", "start_date", "date_precision", "<")),
            fr("claims.quote_matches_text", query=(
                "SELECT DISTINCT t.rowid AS row_id, t.claim_id FROM claims t JOIN documents d ON d.doc_id = t.doc_id\n"
                "WHERE t.quote IS NOT NULL AND d.text IS NOT NULL AND t.quote_start >= 0 "
                "AND t.quote_end >= t.quote_start AND t.quote_end <= length(d.text) "
                "AND substr(d.text, t.quote_start + 1, t.quote_end - t.quote_start) <> t.quote")),
        ],
    }
    figures = {
        "dataset": f"{ds}/main/figures",
        "columns": [
            {"name": "qualifier", "checks": [{"invalid": {
                "name": "figures.qualifier_accepted",
                "valid_values": ["exact", "at_least", "more_than", "about", "at_most", "fewer_than", "unspecified"]}}]},
        ],
        "checks": [
            fr("figures.no_negative_values", expression="stated_value < 0 OR value_low < 0 OR value_high < 0"),
            fr("figures.low_le_high", expression="value_low > value_high"),
            fr("figures.casualty_has_source_and_date", query=(
                "SELECT DISTINCT t.rowid AS row_id, t.figure_id FROM figures t JOIN claims c ON c.claim_id = t.claim_id\n"
                "WHERE CAST(t.measure AS VARCHAR) IN ('killed', 'wounded', 'injured', 'casualties') "
                "AND (c.claimant_id IS NULL OR c.claim_date IS NULL)")),
            fr("figures.cross_source_discrepancy", query=CROSS_SOURCE.strip()),
        ],
    }
    places = {
        "dataset": f"{ds}/main/places",
        "columns": [{"name": "lat"}, {"name": "lon"}],
        "checks": [fr("places.coordinates_in_range",
                      expression="lat NOT BETWEEN -90 AND 90 OR lon NOT BETWEEN -180 AND 180")],
    }
    return {"claims": claims, "figures": figures, "places": places}


def _count(check_result) -> int | None:
    """The measured number of a check result: its threshold metric (Soda 4 keeps the
    others, e.g. the missing count of an invalid check, in the same diagnostics)."""
    kind = getattr(check_result.check, "type", None) or ""
    values = getattr(check_result, "diagnostic_metric_values", None) or {}
    key = {"missing": "missing_count", "invalid": "invalid_count", "failed_rows": "failed_rows_count"}.get(kind)
    if key and isinstance(values.get(key), int):
        return values[key]
    print(f"soda: {check_result.check.name}: type {kind!r}, diagnostics {values}", file=sys.stderr)
    return None


def main(db: str, memory_limit: str = "1500MB") -> None:
    os.environ.setdefault("SODA_CORE_TELEMETRY_ENABLED", "false")  # no usage traces sent out
    from soda_core.contracts.api.verify_api import verify_contract_locally

    counts: dict[str, int] = {}
    missing: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        ds_file = Path(tmp) / "ds.yml"
        ds_file.write_text(json.dumps({
            "type": "duckdb", "name": "bench",
            "connection": {"database": str(Path(db).resolve()), "read_only": True,
                           "configuration": {"memory_limit": memory_limit}},
        }))
        for table, contract in contracts("bench").items():
            path = Path(tmp) / f"{table}.yml"
            path.write_text(json.dumps(contract, indent=1))  # JSON is YAML
            session = verify_contract_locally(data_source_file_path=str(ds_file), contract_file_path=str(path))
            results = session.contract_verification_results
            if not results or getattr(session, "has_errors", False) and not any(r.check_results for r in results):
                raise SystemExit(f"soda: contract {table} did not run: {session.get_errors_str() if hasattr(session, 'get_errors_str') else session}")
            for result in results:
                for check_result in result.check_results:
                    name = check_result.check.name
                    n = _count(check_result)
                    if n is None:
                        missing.append(name)
                    else:
                        counts[name] = n
    if missing:
        print("soda returned no count for: " + ", ".join(missing), file=sys.stderr)
        raise SystemExit(3)
    print(json.dumps({"counts": counts}))


if __name__ == "__main__":
    main(*sys.argv[1:])
