"""``unique``: no two rows share a key (one or more columns; a key with a NULL part is not
compared, as in SQL)."""

from __future__ import annotations

from newsclaims import contract
from newsclaims.rules.kinds import register
from newsclaims.rules.kinds.base import Defect, GxForm, Kind, RepeatedKey


@register
class Unique(Kind):
    name = "unique"
    required = ("columns",)
    summary = "no two rows share the values of `columns` (a list)"

    def select(self, rule) -> RepeatedKey:
        return RepeatedKey(tuple(rule.params["columns"]))

    def describe(self, rule) -> str:
        return ", ".join(f"`{c}`" for c in rule.params["columns"])

    def gx(self, rule) -> GxForm:
        columns = list(rule.params["columns"])
        if len(columns) == 1:
            return GxForm("ExpectColumnValuesToBeUnique", {"column": columns[0]})
        # our engines skip a key with any NULL part; so does this setting
        return GxForm("ExpectCompoundColumnsToBeUnique",
                      {"column_list": columns, "ignore_row_if": "any_value_is_missing"})

    def defect(self, rule) -> Defect | None:
        if tuple(rule.params["columns"]) != contract.tables()[rule.table].primary_key:
            return None
        return Defect("insert an exact copy of the record", action="duplicate", pandera_also=True)
