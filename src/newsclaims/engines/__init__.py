"""Engines: each turns rules' selections (``rules.kinds``) into stored violations.

| engine | runs | package |
|---|---|---|
| ``duckdb`` | ``RowFilter``, ``MissingReference``, ``RepeatedKey``, ``GroupedQuery`` as fused SQL statements | ``engines.duckdb`` |
| ``pandera`` | ``PanderaModel``: the table's model of ``newsclaims.schemas``, in memory | ``engines.pandera`` |
| ``gx`` | what Great Expectations expresses (optional extra ``gx``) | ``engines.gx`` |
| ``spark`` | the SQL selections translated to Spark SQL, the pandera models on collected tables, over a Parquet lake (optional extra ``spark``) | ``engines.spark`` |

Every engine has the same shape (``Engine``): ``unsupported(rule)`` says why it cannot run
a rule (which then is ``skipped``), ``plan(rules, job)`` decides how it runs the others (its
``steps`` count for the progress bar), ``run(plan, job)`` runs them and returns an
``EngineRun``. Where the results go is the job's sink (``engines.sink``), not the engine's
concern. ``newsclaims.check`` chooses the engines of a run and turns what they return into
one ``RuleResult`` per rule."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

ENGINES = {"duckdb": "newsclaims.engines.duckdb", "pandera": "newsclaims.engines.pandera",
           "gx": "newsclaims.engines.gx.engine", "spark": "newsclaims.engines.spark"}


@dataclass
class Job:
    """What an engine is given: the database, its options, the sink and the run's progress.

    ``con`` is the sink's connection to the database (None for an engine that opens the
    file itself and runs before the sink is opened: ``shares_connection = False``)."""

    db_path: Path
    options: object  # check.CheckOptions
    sink: object = None
    con: object = None
    sizes: dict[str, int] = field(default_factory=dict)
    advance: Callable[[str], None] = lambda label: None


@dataclass
class EngineRun:
    """What an engine reports per rule. Counts come from the violations in the sink unless
    the engine counted itself (``counts``: GX's own count, when it lists fewer records)."""

    errors: dict[str, str] = field(default_factory=dict)  # rule -> why its evaluation failed
    skipped: dict[str, str] = field(default_factory=dict)  # rule -> why it did not run
    counts: dict[str, int] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)  # rule -> a caveat on its result
    timings: dict[str, float] = field(default_factory=dict)  # statement -> seconds
    records: object = None  # an Arrow table of violations the sink takes after the run


class Engine(Protocol):
    name: str
    shares_connection: bool  # runs on the sink's connection (else before the sink is opened)

    def unsupported(self, rule) -> str | None: ...

    def plan(self, rules, job: Job): ...  # an engine's own plan, with a ``steps`` count

    def run(self, plan, job: Job) -> EngineRun: ...


def get(name: str) -> Engine:
    """The engine registered as ``name`` (its package imported on first use)."""
    if name not in ENGINES:
        from newsclaims.errors import InputError

        raise InputError(f"unknown engine '{name}' ({' or '.join(n for n in ENGINES if n not in ('pandera', 'spark'))})")
    return importlib.import_module(ENGINES[name]).ENGINE
