"""The catalogue as Great Expectations 1.x expectation suites, one per table.

What GX expresses natively (each kind's ``gx`` form), and how (each expectation's ``meta``
carries ``rule_id``); a kind without a native form runs from its selection:

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

``target="duckdb"`` (what ``engines.gx.engine`` runs) writes ``pattern`` rules as
UnexpectedRowsExpectation with DuckDB's ``regexp_matches``: GX 1.x has no regex expression
for the DuckDB dialect ("Regex is not supported for dialect duckdb") and would report no
count. ``regexp_matches`` is the same search semantics as our engine's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from newsclaims.engines.duckdb.scan import load_scan
from newsclaims.rules.catalogue import Rule
from newsclaims.rules.kinds import GroupedQuery, MissingReference, RowFilter

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
    sel = rule.selection
    if isinstance(sel, GroupedQuery):
        return "a sql rule runs its own query file; GX has no equivalent"
    if rule.kind.gx(rule) is not None:
        return None
    if isinstance(sel, RowFilter) and _SUBQUERY.search(sel.where):
        return "its condition holds a subquery, which GX's {batch} query does not accept"
    if not isinstance(sel, (RowFilter, MissingReference)):
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


def expectation(rule: Rule, *, target: str = "portable"):
    """The GX expectation that checks ``rule`` (``not_expressible(rule)`` must be None): the
    kind's native form (``Kind.gx``) where GX runs it on the target, else an
    ``UnexpectedRowsExpectation`` over the rule's selection."""
    import great_expectations as gx

    meta = {"rule_id": rule.id, "severity": rule.severity}
    form = rule.kind.gx(rule)
    if form is not None and (target != "duckdb" or form.on_duckdb):
        return getattr(gx.expectations, form.expectation)(**form.kwargs, meta=meta)
    sel = rule.selection
    if isinstance(sel, RowFilter):
        query = _scan_query(rule, sel.where, sel.uses)
    elif isinstance(sel, MissingReference):
        col = sel.column
        query = (
            "SELECT t.*\n" + _from_batch(has_join=True) + "\n"
            f"LEFT JOIN (SELECT DISTINCT {sel.ref_column} AS key FROM {sel.ref_table}) r ON r.key = t.{col}\n"
            f"WHERE t.{col} IS NOT NULL AND r.key IS NULL"
        )
    else:
        raise ValueError(f"{rule.id}: {not_expressible(rule)}")
    return gx.expectations.UnexpectedRowsExpectation(unexpected_rows_query=query, meta=meta,
                                                     description=rule.title)


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
