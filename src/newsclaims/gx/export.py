"""The catalogue as Great Expectations 1.x expectation suites, one per table.

What GX expresses natively, and how (each expectation's ``meta`` carries ``rule_id``):

| rule kind | expectation |
|---|---|
| ``not_null`` | ExpectColumnValuesToNotBeNull |
| ``accepted_values`` | ExpectColumnValuesToBeInSet (the contract's enum by default) |
| ``unique`` | ExpectColumnValuesToBeUnique / ExpectCompoundColumnsToBeUnique |
| ``pattern`` | ExpectColumnValuesToMatchRegex |
| ``relationship`` | UnexpectedRowsExpectation, ``LEFT JOIN ... IS NULL`` over ``{batch}`` |
| ``row`` | UnexpectedRowsExpectation over ``{batch}`` with the scan's joins |

``sql`` rules (a whole query file of their own) and ``row`` rules whose condition holds a
subquery are not exported: GX's ``{batch}`` query did not accept ``EXISTS`` subqueries
here, and they are listed in the export's summary instead.

``target="duckdb"`` (what ``newsclaims.gx.engine`` runs) writes ``pattern`` rules as
UnexpectedRowsExpectation with DuckDB's ``regexp_matches``: GX 1.x has no regex expression
for the DuckDB dialect ("Regex is not supported for dialect duckdb") and would report no
count. ``regexp_matches`` is the same search semantics as our engine's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from newsclaims import contract
from newsclaims.errors import InputError
from newsclaims.rules.catalogue import Rule
from newsclaims.rules.compile import load_scan, quote_literal

_SUBQUERY = re.compile(r"\b(EXISTS|SELECT)\b", re.I)


@dataclass
class Export:
    """What an export holds: suites per table, and the rules GX cannot express."""

    suites: dict[str, object]  # table -> great_expectations.ExpectationSuite
    exported: dict[str, str] = field(default_factory=dict)  # rule id -> expectation type
    skipped: dict[str, str] = field(default_factory=dict)  # rule id -> why

    def summary(self) -> dict:
        return {
            "suites": sorted(self.suites),
            "exported": dict(sorted(self.exported.items())),
            "not_expressible": dict(sorted(self.skipped.items())),
        }


def not_expressible(rule: Rule) -> str | None:
    """Why GX cannot run ``rule``, or None when it can."""
    if rule.test == "sql":
        return "a sql rule runs its own query file; GX has no equivalent"
    if rule.test == "row" and _SUBQUERY.search(rule.params["where"]):
        return "its condition holds a subquery, which GX's {batch} query does not accept"
    if rule.test not in ("not_null", "accepted_values", "unique", "pattern",
                         "relationship", "row"):
        return f"no GX form for test '{rule.test}'"
    return None


def _scan_query(rule: Rule, where: str, uses=()) -> str:
    """``SELECT t.* FROM {batch} t <joins the rule uses> WHERE <where>``."""
    scan = load_scan(rule.table)
    known = {alias for alias, _, _ in scan.joins}
    source = scan.from_clause(set(uses) & known)
    lines = source.splitlines()
    lines[0] = _from_batch(has_join=len(lines) > 1)
    return "SELECT t.*\n" + "\n".join(lines) + f"\nWHERE {_braces(where)}"


def _from_batch(*, has_join: bool) -> str:
    """The FROM line over GX's ``{batch}``, aliased ``t`` as in our scans.

    GX substitutes ``{batch}`` with ``(<select>)`` when the query holds a JOIN (the query
    aliases it) and with ``(<select>) AS subselect`` when it does not."""
    return "FROM {batch} t" if has_join else "FROM (SELECT * FROM {batch}) t"


def _braces(sql: str) -> str:
    """Escape literal braces (regex ``{4,}``): GX formats the query with ``str.format``."""
    return sql.replace("{", "{{").replace("}", "}}")


def _values(rule: Rule) -> list[str]:
    values = rule.params.get("values")
    if values:
        return [str(v) for v in values]
    column = rule.params["column"]
    enum = contract.tables()[rule.table].column(column).enum
    if not enum:
        raise InputError(f"{rule.source or rule.id}: {rule.id}: {rule.table}.{column} "
                         "is no enum; give 'values'")
    return list(enum)


def expectation(rule: Rule, *, target: str = "portable"):
    """The GX expectation that checks ``rule`` (``not_expressible(rule)`` must be None)."""
    import great_expectations as gx

    p, meta = rule.params, {"rule_id": rule.id, "severity": rule.severity}
    kind = rule.test
    if kind == "not_null":
        return gx.expectations.ExpectColumnValuesToNotBeNull(column=p["column"], meta=meta)
    if kind == "accepted_values":
        return gx.expectations.ExpectColumnValuesToBeInSet(
            column=p["column"], value_set=_values(rule), meta=meta)
    if kind == "unique":
        columns = list(p["columns"])
        if len(columns) == 1:
            return gx.expectations.ExpectColumnValuesToBeUnique(column=columns[0], meta=meta)
        # our engine skips a key with any NULL part; so does this setting
        return gx.expectations.ExpectCompoundColumnsToBeUnique(
            column_list=columns, ignore_row_if="any_value_is_missing", meta=meta)
    if kind == "pattern":
        if target == "duckdb":
            col = p["column"]
            where = (f"t.{col} IS NOT NULL AND NOT regexp_matches(CAST(t.{col} AS VARCHAR), "
                     f"{quote_literal(p['regex'])})")
            return gx.expectations.UnexpectedRowsExpectation(
                unexpected_rows_query=_scan_query(rule, where), meta=meta,
                description=rule.title)
        return gx.expectations.ExpectColumnValuesToMatchRegex(
            column=p["column"], regex=p["regex"], meta=meta)
    if kind == "relationship":
        col = p["column"]
        ref_table, ref_col = p["to"].split(".", 1)
        query = (
            "SELECT t.*\n" + _from_batch(has_join=True) + "\n"
            f"LEFT JOIN (SELECT DISTINCT {ref_col} AS key FROM {ref_table}) r ON r.key = t.{col}\n"
            f"WHERE t.{col} IS NOT NULL AND r.key IS NULL"
        )
        return gx.expectations.UnexpectedRowsExpectation(
            unexpected_rows_query=query, meta=meta, description=rule.title)
    if kind == "row":
        return gx.expectations.UnexpectedRowsExpectation(
            unexpected_rows_query=_scan_query(rule, p["where"], p.get("uses") or ()),
            meta=meta, description=rule.title)
    raise ValueError(f"{rule.id}: {not_expressible(rule)}")


def build_suites(rules: list[Rule], *, target: str = "portable") -> Export:
    """One ``ExpectationSuite`` (named ``newsclaims.<table>``) per table with a GX rule."""
    import great_expectations as gx

    export = Export(suites={})
    per_table: dict[str, list] = {}
    for rule in rules:
        reason = not_expressible(rule)
        if reason:
            export.skipped[rule.id] = reason
            continue
        exp = expectation(rule, target=target)
        per_table.setdefault(rule.table, []).append(exp)
        export.exported[rule.id] = type(exp).__name__
    # built whole: adding to a suite one by one needs a live GX data context
    for table, expectations in per_table.items():
        export.suites[table] = gx.ExpectationSuite(
            name=f"newsclaims.{table}", expectations=expectations, meta={"table": table})
    return export


def suite_json(suite) -> str:
    return json.dumps(suite.to_json_dict(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def export_gx(out_dir, rules: list[Rule] | None = None) -> tuple[dict[str, Path], Export]:
    """Write ``<table>.json`` (one GX suite per table) and ``summary.json`` to ``out_dir``.

    Returns the written paths (table -> path, plus ``summary``) and the export."""
    from newsclaims.reporting import write_atomic
    from newsclaims.rules.catalogue import load_catalogue

    export = build_suites(load_catalogue() if rules is None else rules)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the output folder ({exc.strerror})") from None
    paths: dict[str, Path] = {}
    for table, suite in sorted(export.suites.items()):
        paths[table] = out / f"{table}.json"
        write_atomic(paths[table], suite_json(suite))
    paths["summary"] = out / "summary.json"
    write_atomic(paths["summary"], json.dumps(export.summary(), indent=2) + "\n")
    return paths, export
