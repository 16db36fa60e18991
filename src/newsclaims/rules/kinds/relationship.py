"""``relationship``: a column's non-NULL values are keys of another table (dbt's
``relationships``; a foreign key)."""

from __future__ import annotations

from newsclaims.rules.kinds import register
from newsclaims.rules.kinds.base import Defect, Kind, MissingReference
from newsclaims.rules.sql_fragments import record_id_sql


@register
class Relationship(Kind):
    name = "relationship"
    required = ("column", "to")
    summary = "every non-NULL `column` value is a key of `to` (`table.column`)"

    def validate(self, rule) -> str | None:
        if "." not in str(rule.params["to"]):
            return "'to' must be 'table.column'"
        return None

    def select(self, rule) -> MissingReference:
        ref_table, ref_column = rule.params["to"].split(".", 1)
        return MissingReference(rule.params["column"], ref_table, ref_column)

    def describe(self, rule) -> str:
        return f"`{rule.params['column']}` → `{rule.params['to']}`"

    def defect(self, rule) -> Defect:
        col, table = rule.params["column"], rule.table
        ref_table = rule.params["to"].split(".")[0]
        if col == "merged_into":
            key = f"{table[:-1]}_id"
            return Defect("point merged_into of a merged record to a missing id",
                          where=f"t.{col} IS NOT NULL AND t.{key} NOT IN "
                                f"(SELECT x FROM (SELECT merged_into FROM {table}) refs(x) WHERE x IS NOT NULL)",
                          update=f"{col} = {{missing_id}}", safe=False)
        # one missing id per record, so that no two targets come to share a key (a relay's
        # claim_id and hop, a claim's doc_id and quote): the record's own id appended, not
        # its rowid, which depends on the order DuckDB's threads inserted the rows in
        return Defect(f"point {col} to a missing {ref_table} id (one per record)", where=f"t.{col} IS NOT NULL",
                      update=f"{col} = concat({{missing_id}}, '-', {record_id_sql(table, table)})")
