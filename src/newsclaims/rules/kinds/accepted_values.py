"""``accepted_values``: a column holds one of a closed set of values (the contract's ENUM by
default, or ``values``; dbt's ``accepted_values``)."""

from __future__ import annotations

from newsclaims import contract
from newsclaims.rules.kinds import register
from newsclaims.rules.kinds.base import Defect, GxForm, Kind, RowFilter
from newsclaims.rules.sql_fragments import quote_literal, record_id_sql


def accepted(rule) -> list[str]:
    values = rule.params.get("values")
    if values:
        return [str(v) for v in values]
    return list(contract.tables()[rule.table].column(rule.params["column"]).enum or ())


@register
class AcceptedValues(Kind):
    name = "accepted_values"
    required = ("column",)
    optional = ("values",)
    summary = "`column` is NULL or one of `values` (default: the column's ENUM in the contract)"

    def validate(self, rule) -> str | None:
        if not accepted(rule):
            return f"column {rule.table}.{rule.params['column']} is no enum; give 'values'"
        return None

    def select(self, rule) -> RowFilter:
        col = rule.params["column"]
        value = f"CAST(t.{col} AS VARCHAR)"
        listed = ", ".join(quote_literal(v) for v in accepted(rule))
        return RowFilter(f"t.{col} IS NOT NULL AND {value} NOT IN ({listed})",
                         f"concat('{col} ', {value}, ' is not an accepted value')")

    def describe(self, rule) -> str:
        text = f"`{rule.params['column']}`"
        if rule.params.get("values"):
            text += " in " + ", ".join(f"`{v}`" for v in rule.params["values"])
        return text

    def gx(self, rule) -> GxForm:
        return GxForm("ExpectColumnValuesToBeInSet",
                      {"column": rule.params["column"], "value_set": accepted(rule)})

    def defect(self, rule) -> Defect:
        col = rule.params["column"]
        return Defect(f"set {col} to 'invalid-<record id>'", where=f"t.{col} IS NOT NULL",
                      update=f"{col} = concat('invalid-', {record_id_sql(rule.table, rule.table)})",
                      pandera_also=True)
