"""The rules' SQL (DuckDB's dialect: ``checks/*.yml``, ``sql/scans/``, ``sql/rules/``)
translated to Spark SQL with sqlglot, so that a rule is written once.

sqlglot covers what the catalogue uses (``regexp_matches`` -> ``RLIKE``; DuckDB's
NULL-skipping ``concat`` -> ``CONCAT(COALESCE(..., ''))``; ``list``/``list_distinct``/
``list_sort``/``array_to_string`` -> ``COLLECT_LIST``/``ARRAY_DISTINCT``/``ARRAY_SORT``/
``ARRAY_JOIN``). What it translates wrongly or not at all, it is taught here (``teach``):
a regular expression is rewritten so that Java reads it as RE2 does (``regex``), with its
DuckDB options (``'i'``; a ``regexp_replace`` without ``'g'``, which replaces the first match
alone, has no Spark form and is refused); ``regexp_full_match`` is an anchored ``RLIKE``;
``list_position`` is NULL where the value is missing (Spark's ``array_position`` says 0);
``chr(n)`` is the character itself (Spark's ``chr`` takes ``n`` modulo 256); DuckDB's
catalogue ``duckdb_tables()`` is the lake's (``lake.CATALOG``). Where a rule
needed more, it was rewritten in portable SQL at its root (the date-precision rules of
``checks/dates.yml``, the ``parent_acyclic`` walks and the stated-text parser of ``sql/``);
no rule has a Spark-only copy."""

from __future__ import annotations

from functools import lru_cache

from newsclaims.engines.spark.lake import CATALOG


class TranslationError(ValueError):
    """A rule's SQL that sqlglot cannot translate: that rule is ``error``."""


@lru_cache(maxsize=None)
def _spark_dialect():
    """sqlglot's Spark dialect, taught what it writes wrong for Spark 4: DuckDB's
    ``list_has_any(a, b)`` (sqlglot's ``ArrayOverlaps``) as Spark's ``ARRAYS_OVERLAP(a, b)``,
    not the ``a && b`` of other dialects, which Spark does not parse."""
    from sqlglot import exp
    from sqlglot.dialects.spark import Spark

    class NewsclaimsSpark(Spark):
        class Generator(Spark.Generator):
            TRANSFORMS = {
                **Spark.Generator.TRANSFORMS,
                exp.ArrayOverlaps: lambda self, e: self.func("ARRAYS_OVERLAP", e.this, e.expression),
            }

    return NewsclaimsSpark


# where each regular-expression function of sqlglot keeps its pattern's DuckDB options
_OPTIONS = {"RegexpLike": "flag", "RegexpExtract": "parameters", "RegexpExtractAll": "parameters",
            "RegexpReplace": "modifiers", "RegexpFullMatch": "options", "RegexpILike": "flag"}


def _literal_text(node, what: str) -> str:
    from sqlglot import exp

    if not isinstance(node, exp.Literal) or not node.is_string:
        raise TranslationError(f"cannot translate to Spark SQL: {what} {node.sql('duckdb')} is "
                               "not a string literal (its regular expression must be rewritten for Java)")
    return node.this


def teach(node):
    """One node of the parsed DuckDB SQL as Spark must read it (changed in place, or a new
    node in its place)."""
    from sqlglot import exp

    from newsclaims.engines.spark import regex

    name = type(node).__name__
    if name in _OPTIONS:
        options = node.args.get(_OPTIONS[name])
        flags = _literal_text(options, "the options") if options is not None else ""
        unknown = set(flags) - set("gics")
        if unknown or (name == "RegexpReplace" and "g" not in flags):
            why = (f"the option(s) {''.join(sorted(unknown))} have no Spark form" if unknown else
                   "without 'g' DuckDB replaces the first match alone, Spark every match")
            raise TranslationError(f"cannot translate to Spark SQL: {node.sql('duckdb')}: {why}")
        re2 = ("(?i)" if "i" in flags else "") + _literal_text(node.expression, "the pattern")
        if name == "RegexpFullMatch":
            return exp.RegexpLike(this=node.this, expression=exp.Literal.string(regex.pattern(f"\\A(?:{re2})\\z")))
        node.set(_OPTIONS[name], None)
        node.set("expression", exp.Literal.string(regex.pattern(re2)))
        if name == "RegexpReplace":
            node.set("replacement", exp.Literal.string(
                regex.replacement(_literal_text(node.args["replacement"], "the replacement"))))
        return node
    if isinstance(node, exp.Anonymous) and node.name.lower() == "list_position" and len(node.expressions) == 2:
        return exp.Nullif(this=exp.ArrayPosition(this=node.expressions[0], expression=node.expressions[1]),
                          expression=exp.Literal.number(0))
    if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous) \
            and node.this.name.lower() == "duckdb_tables" and not node.this.expressions:
        node.set("this", exp.to_identifier(CATALOG))  # the lake's catalogue (``lake``)
        return node
    if isinstance(node, exp.Chr) and len(node.expressions) == 1 and node.expressions[0].is_int:
        return exp.Literal.string(chr(int(node.expressions[0].this)))
    return node


@lru_cache(maxsize=None)
def to_spark(sql: str) -> str:
    """One statement or expression, from DuckDB's dialect to Spark SQL."""
    import sqlglot

    try:
        parsed = sqlglot.parse(sql, read="duckdb")
        if len(parsed) != 1:
            raise TranslationError(f"cannot translate to Spark SQL: {len(parsed)} statements")
        tree = parsed[0]
        for node in reversed(list(tree.walk(bfs=False))):  # a node's arguments before the node
            taught = teach(node)
            if taught is not node:
                tree = taught if node is tree else tree
                node.replace(taught)
        return tree.sql(dialect=_spark_dialect(), unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.SqlglotError as exc:
        first = " ".join(str(exc).split())[:200]
        raise TranslationError(f"cannot translate to Spark SQL: {first}") from None
