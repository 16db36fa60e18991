"""``row``: a condition over one row of the table's scan (``sql/scans/<table>.sql``: the
table as ``t`` and the joins it declares, read when listed in ``uses``) selects the
offending rows; ``message`` is a SQL expression saying why."""

from __future__ import annotations

from newsclaims.rules.kinds import register
from newsclaims.rules.kinds.base import Kind, RowFilter


@register
class Row(Kind):
    name = "row"
    required = ("where", "message")
    optional = ("uses",)
    summary = "no row of the table's scan satisfies `where` (SQL over `t` and the joins in `uses`)"

    def select(self, rule) -> RowFilter:
        p = rule.params
        return RowFilter(p["where"], p["message"], tuple(p.get("uses") or ()))

    def describe(self, rule) -> str:
        return "`" + rule.params["where"].replace("`", "'") + "`"
