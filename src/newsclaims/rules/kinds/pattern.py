"""``pattern``: a column's text matches a regular expression (a search: anchor it with
``^...$``). The contract's id patterns are derived into such rules (``rules.derive``)."""

from __future__ import annotations

from newsclaims.rules.kinds import register
from newsclaims.rules.kinds.base import Defect, GxForm, Kind, RowFilter
from newsclaims.rules.sql_fragments import quote_literal


@register
class Pattern(Kind):
    name = "pattern"
    required = ("column", "regex")
    summary = "`column` is NULL or matches `regex`"

    def select(self, rule) -> RowFilter:
        col = rule.params["column"]
        value = f"CAST(t.{col} AS VARCHAR)"
        regex = quote_literal(rule.params["regex"])
        return RowFilter(f"t.{col} IS NOT NULL AND NOT regexp_matches({value}, {regex})",
                         f"concat('{col} ', {value}, ' does not match ', {regex})")

    def describe(self, rule) -> str:
        return f"`{rule.params['column']}` ~ `{rule.params['regex']}`"

    def gx(self, rule) -> GxForm:
        # GX 1.x has no regex for the DuckDB dialect: on DuckDB the export runs the selection
        # (gx.export, target "duckdb")
        return GxForm("ExpectColumnValuesToMatchRegex",
                      {"column": rule.params["column"], "regex": rule.params["regex"]}, on_duckdb=False)

    def defect(self, rule) -> Defect:
        return Defect(f"upper-case {rule.params['column']} (and every reference to it)",
                      action="rename_id", pandera_also=True)
