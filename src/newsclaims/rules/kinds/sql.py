"""``sql``: a query file of its own (``sql/rules/<id>.sql``) returns the offending
records as ``record_id, message``: for what no row condition says (a cycle, a grouped
comparison across sources)."""

from __future__ import annotations

from newsclaims import project
from newsclaims.rules.kinds import register
from newsclaims.rules.kinds.base import GroupedQuery, Kind


@register
class Sql(Kind):
    name = "sql"
    required = ("file",)
    summary = "the query `sql/<file>` returns no row (columns `record_id`, `message`)"

    def validate(self, rule) -> str | None:
        if not (project.sql_dir() / rule.params["file"]).is_file():
            return f"query file sql/{rule.params['file']} does not exist"
        return None

    def select(self, rule) -> GroupedQuery:
        return GroupedQuery(rule.params["file"])

    def describe(self, rule) -> str:
        return f"`sql/{rule.params['file']}`"
