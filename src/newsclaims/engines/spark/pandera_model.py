"""The pyspark form of a table's pandera model, derived from its one declaration: the polars
DataFrameModel of ``newsclaims.schemas`` (``SCHEMAS[table].to_schema()``).

- each column keeps its name, nullability and its check objects themselves (pandera's
  built-in checks, ``str_matches``, ``isin``, ``ge``, ``str_length``..., dispatch on the frame
  they are given: the same ``Check`` runs pandera's polars function on DuckDB and its pyspark
  function here); its polars type becomes the Spark type of the same contract column;
- a column's ``unique=True`` (a polars column option that pandera's pyspark ``Column`` does
  not have) becomes a dataframe check ``field_uniqueness(<column>)``; the model's composite
  ``unique`` stays the schema's ``unique``;
- a row check (``@pa.dataframe_check(sql=...)``) is declared as a SQL condition that polars
  and Spark both read: here a pyspark check function over ``F.expr(sql)``;
- ``strict`` stays ``strict``.

``failing_rows(check)`` is the condition of the rows a check rejects, read from the check's
own pyspark function: it is called on a stand-in frame (``_Recorder``) that keeps the
condition the function filters the frame with (every pyspark check of pandera's is written
``frame.filter(~condition).limit(1).count() == 0``). Uniqueness has no row condition: its rows
are those whose key occurs more than once (``duplicates``)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache

UNIQUE_CHECK = "field_uniqueness"


def spark_type(dtype):
    """The Spark type of a polars dtype of the models."""
    import pyspark.sql.types as T

    types = {"String": T.StringType(), "Float64": T.DoubleType(), "Date": T.DateType(),
             "Int32": T.IntegerType(), "Int64": T.LongType()}
    name = str(dtype)
    if name not in types:  # pragma: no cover - a model with a type this mapping lacks
        raise TypeError(f"no Spark type for the pandera dtype {name}")
    return types[name]


def _condition_holds(frame, sql: str) -> bool:
    from pyspark.sql import functions as F

    return frame.filter(~F.expr(sql)).limit(1).count() == 0


def _no_duplicates(frame, columns: tuple[str, ...]) -> bool:
    from pyspark.sql import functions as F

    return frame.groupBy(*columns).count().filter(F.col("count") > 1).limit(1).count() == 0


@dataclass(frozen=True)
class Spec:
    """What a failure reported by pandera's pyspark backend means for the rows: ``column``
    (or ``row`` for a dataframe check) and ``check`` as the failure names them; ``check_obj``
    the check whose function gives the rows' condition; ``duplicates`` the key columns of a
    uniqueness check; ``nulls`` the column of a not-null check. Anything else (a missing
    column, a wrong type) concerns no single row."""
    column: str
    check: str
    check_obj: object | None = None
    duplicates: tuple[str, ...] = ()
    nulls: str | None = None


def _registered(check):
    """The model's check bound to pandera's registry of that built-in check (the one its
    pyspark function is registered on): a check of the polars model may hold a copy of the
    registry made before pandera's pyspark functions were (pandera registers them when its
    pyspark backend first loads)."""
    from pandera.api.checks import Check

    live = Check.CHECK_FUNCTION_REGISTRY.get(check.name)
    if live is None or check._check_fn is live:
        return check
    check = copy.copy(check)
    check._check_fn = live
    return check


def import_pandera_pyspark():
    """``pandera.pyspark``, with its pyspark functions of the built-in checks registered."""
    import pandera.backends.pyspark.builtin_checks  # noqa: F401
    import pandera.pyspark as psa

    return psa


@cache
def spark_schema(table: str):
    """(the pyspark ``DataFrameSchema`` of ``table``, (column or schema name, check) -> Spec)."""
    from newsclaims import schemas

    psa = import_pandera_pyspark()

    model = schemas.SCHEMAS[table].to_schema()
    columns, checks, specs = {}, [], {}
    for name, column in model.columns.items():
        column_checks = [_registered(c) for c in column.checks]
        columns[name] = psa.Column(spark_type(column.dtype), checks=column_checks,
                                   nullable=column.nullable, name=name)
        for check in column_checks:
            specs[(name, check.error or check.name)] = Spec(name, check.error or check.name, check)
        specs[(name, "not_nullable")] = Spec(name, "not_nullable", nulls=name)
        if column.unique:
            label = f"{UNIQUE_CHECK}({name})"
            checks.append(psa.Check(_no_duplicates, name=UNIQUE_CHECK, error=label, columns=(name,)))
            specs[(model.name, label)] = Spec(name, UNIQUE_CHECK, duplicates=(name,))
    for check in model.checks:
        sql = check.statistics["sql"]  # every row check of the models is a SQL condition
        checks.append(psa.Check(_condition_holds, name=check.name, sql=sql))
        specs[(model.name, check.name)] = Spec("row", check.name, checks[-1])
    unique = model.unique
    if unique:
        key = tuple([unique] if isinstance(unique, str) else unique)
        specs[(model.name, "unique")] = Spec("row", f"{UNIQUE_CHECK}({', '.join(key)})", duplicates=key)
    schema = psa.DataFrameSchema(columns, checks=checks, strict=model.strict, name=model.name,
                                 unique=list(unique) if unique else None)
    return schema, specs


class _Recorder:
    """Stands for the frame a pyspark check function of pandera's is given: keeps the
    condition it filters with (the rows it rejects) and reports none, so no job runs."""

    def __init__(self) -> None:
        self.condition = None

    def filter(self, condition):
        self.condition = condition
        return self

    def limit(self, n: int):
        return self

    def count(self) -> int:
        return 0


def failing_rows(check, column: str | None = None):
    """The Spark condition of the rows that ``check`` (a pandera ``Check``, of ``column`` or
    of the whole frame) rejects, taken from the very function pandera's pyspark backend runs
    for it."""
    from pandera.api.pyspark.types import PysparkDataframeColumnObject

    recorder = _Recorder()
    function = check._check_fn
    if column is not None:  # a built-in check: its pyspark function
        function = function._function_registry[PysparkDataframeColumnObject]
        function = getattr(function, "__wrapped__", function)  # past the dtype guard
        function(PysparkDataframeColumnObject(recorder, column), **check._check_kwargs)
    else:
        function(recorder, **check._check_kwargs)
    if recorder.condition is None:  # pragma: no cover - a check written otherwise
        raise TypeError(f"the pyspark check {check.name} filters no rows")
    return recorder.condition
