"""``sql``: a query file of its own (``sql/rules/<id>.sql``) returns the offending
records as ``record_id, message``: for what no row condition says (a cycle, a grouped
comparison across sources)."""

from __future__ import annotations

from newsclaims import project
from newsclaims.rules.kinds import register
from newsclaims.rules.kinds.base import BatchRows, Footprint, GroupedQuery, Kind, Scoped
from newsclaims.rules.sql_fragments import missing_fragment

ROWS = "rows"  # scope: the query reads each record of its table alone


@register
class Sql(Kind):
    name = "sql"
    required = ("file",)
    optional = ("scope",)
    summary = ("the query `sql/<file>` returns no row (columns `record_id`, `message`); `scope`: a query "
               "file returning the records a batch can change the verdict of (`newsclaims ingest`), or "
               "`rows` for a query that reads each record of its table alone")

    def validate(self, rule) -> str | None:
        for key in ("file", "scope"):
            if key == "scope" and rule.params.get(key) == ROWS:
                continue
            if key in rule.params and not (project.sql_dir() / rule.params[key]).is_file():
                return f"query file sql/{rule.params[key]} does not exist"
            if key in rule.params:
                problem = missing_fragment(rule.params[key])
                if problem:
                    return problem
        return None

    def footprint(self, rule) -> Footprint:
        """``scope: rows``: the batch's rows of the table (the query reads each record
        alone); a scope file: the records it returns; none: the rule runs in full."""
        scope = rule.params.get("scope")
        if scope == ROWS:
            return BatchRows(())
        if scope:
            return Scoped(scope)
        return super().footprint(rule)

    def select(self, rule) -> GroupedQuery:
        return GroupedQuery(rule.params["file"])

    def describe(self, rule) -> str:
        return f"`sql/{rule.params['file']}`"
