"""The rules' SQL (DuckDB's dialect: ``checks/*.yml``, ``sql/scans/``, ``sql/rules/``)
translated to Spark SQL with sqlglot, so that a rule is written once.

sqlglot covers what the catalogue uses (``regexp_matches`` -> ``RLIKE``; DuckDB's
NULL-skipping ``concat`` -> ``CONCAT(COALESCE(..., ''))``; ``list``/``list_distinct``/
``list_sort``/``array_to_string`` -> ``COLLECT_LIST``/``ARRAY_DISTINCT``/``ARRAY_SORT``/
``ARRAY_JOIN``). Where it did not, the rule was rewritten in portable SQL at its root (the
date-precision rules of ``checks/dates.yml``, the ``parent_acyclic`` walks of
``sql/rules/``); no rule has a Spark-only copy."""

from __future__ import annotations

from functools import lru_cache


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


@lru_cache(maxsize=None)
def to_spark(sql: str) -> str:
    """One statement or expression, from DuckDB's dialect to Spark SQL."""
    import sqlglot

    try:
        out = sqlglot.transpile(sql, read="duckdb", write=_spark_dialect(),
                                unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.SqlglotError as exc:
        first = " ".join(str(exc).split())[:200]
        raise TranslationError(f"cannot translate to Spark SQL: {first}") from None
    if len(out) != 1:
        raise TranslationError(f"cannot translate to Spark SQL: {len(out)} statements")
    return out[0]
