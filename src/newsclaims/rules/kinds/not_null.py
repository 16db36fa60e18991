"""``not_null``: a column is set (dbt's ``not_null``)."""

from __future__ import annotations

from newsclaims import contract
from newsclaims.rules.kinds import register
from newsclaims.rules.kinds.base import Defect, GxForm, Kind, RowFilter
from newsclaims.rules.sql_fragments import quote_literal


@register
class NotNull(Kind):
    name = "not_null"
    required = ("column",)
    summary = "`column` is set on every row"

    def select(self, rule) -> RowFilter:
        col = rule.params["column"]
        return RowFilter(f"t.{col} IS NULL", quote_literal(f"{col} is NULL"))

    def describe(self, rule) -> str:
        return f"`{rule.params['column']}`"

    def gx(self, rule) -> GxForm:
        return GxForm("ExpectColumnValuesToNotBeNull", {"column": rule.params["column"]})

    def defect(self, rule) -> Defect:
        col = rule.params["column"]
        nullable = contract.tables()[rule.table].column(col).nullable
        return Defect(f"set {col} to NULL", update=f"{col} = NULL", pandera_also=not nullable)
