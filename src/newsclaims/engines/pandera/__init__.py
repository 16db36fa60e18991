"""The pandera engine: each ``PanderaModel`` selection validated by the table's pandera model.

A rule of kind ``pandera`` (``<table>.pandera_schema``) runs the table's model of
``newsclaims.schemas`` (``SCHEMAS[table]``, named in the declaration's ``model``) with
``lazy=True`` through ``engines.pandera.validate.validate_table``, on the run's own
connection, and stores one violation per rejected record (its failures joined by ``; ``;
a failure that concerns no single row, such as a column of the wrong type, has record
id ``*``).

pandera loads a whole table into memory (7.7 GB at 10M claims), so by default
(``mode="auto"``) a table with more than ``max_rows`` rows is not validated: its rule gets
status ``skipped``, with a detail saying why and how to force it (``--pandera always``).
``mode="never"`` skips every pandera rule. polars and pandera are imported only when a
pandera rule actually runs.
"""

from __future__ import annotations

import importlib
import threading
import time
from dataclasses import dataclass, field

from newsclaims.engines import EngineRun, Job
from newsclaims.rules.catalogue import Rule
from newsclaims.rules.kinds import PanderaModel

MODES = ("auto", "always", "never")
DEFAULT_MAX_ROWS = 250_000


def plan(con, rules: list[Rule], mode: str = "auto",
         max_rows: int = DEFAULT_MAX_ROWS) -> tuple[list[Rule], dict[str, str]]:
    """The pandera rules to run, and the skipped ones (rule id -> why)."""
    if mode not in MODES:
        raise ValueError(f"pandera mode must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "never":
        return [], {r.id: "skipped: pandera rules are off (--pandera never)" for r in rules}
    if mode == "always":
        return list(rules), {}
    run, skipped = [], {}
    for rule in rules:
        # fetchall: a half-read result would block the relation pandera reads the table with
        ((rows,),) = con.execute(f"SELECT count(*) FROM {rule.table}").fetchall()
        if rows > max_rows:
            skipped[rule.id] = (
                f"skipped: {rule.table} has {rows:,} rows, more than the {max_rows:,} that "
                "pandera validates in memory by default; force it with --pandera always"
            )
        else:
            run.append(rule)
    return run, skipped


def _import_models() -> None:
    # the models first: newsclaims.schemas imports pandera without pyspark (see there)
    for name in ("newsclaims.schemas", "polars", "pandera.polars"):
        importlib.import_module(name)


def preload() -> threading.Thread:
    """Import polars, pandera and the models on a background thread (0.7 s here, most of
    it pandera's own import) while the SQL statements run: DuckDB releases the GIL while it
    works, so the import costs the run little wall time. ``run`` imports the same modules,
    and Python's import lock makes it wait for a preload still in progress. A failed
    preload is harmless: ``run`` imports again and reports the error per rule."""
    def load() -> None:
        try:
            _import_models()
        except Exception:  # run() imports again and reports it
            pass

    thread = threading.Thread(target=load, name="newsclaims-pandera-import", daemon=True)
    thread.start()
    return thread


def run(con, rules: list[Rule], target: str = "dq_violations") -> dict[str, str]:
    """Validate the table of each rule and insert its violations into ``target`` (a table
    in the shape of ``dq_violations``).

    Returns rule id -> one-line error for the rules whose validation itself failed."""
    if not rules:
        return {}
    import polars as pl

    from newsclaims import schemas
    from newsclaims.engines.pandera.validate import validate_table

    errors: dict[str, str] = {}
    rows: list[tuple[str, str, str, str, str]] = []
    for rule in rules:
        model = schemas.SCHEMAS.get(rule.table)
        wanted = rule.selection.model
        if model is None or model.__name__ != wanted:
            have = model.__name__ if model is not None else "none"
            errors[rule.id] = f"newsclaims.schemas has no model {wanted} for {rule.table} (it has {have})"
            continue
        try:
            found = validate_table(con, rule.table)
        except Exception as exc:  # a model that cannot run at all: this rule errors, the run goes on
            text = " ".join(str(exc).split())[:300]
            errors[rule.id] = f"pandera could not validate {rule.table}: {type(exc).__name__}: {text}"
            continue
        rows.extend((rule.id, rule.severity, table, record, message)
                    for table, record, message in found)
    if rows:
        frame = pl.DataFrame(rows, schema=["rule_id", "severity", "table_name", "record_id", "message"],
                             orient="row")
        con.register("nc_pandera_violations", frame)
        try:
            con.execute(f"INSERT INTO {target} SELECT * FROM nc_pandera_violations")
        finally:
            con.unregister("nc_pandera_violations")
    return errors


@dataclass
class Plan:
    rules: list[Rule]
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        return 1 if self.rules else 0


class PanderaEngine:
    name = "pandera"
    shares_connection = True

    def unsupported(self, rule) -> str | None:
        return None if isinstance(rule.selection, PanderaModel) else "not a pandera model"

    def plan(self, rules, job: Job) -> Plan:
        to_validate, skipped = plan(job.con, list(rules), job.options.pandera, job.options.pandera_max_rows)
        return Plan(to_validate, skipped)

    def run(self, plan_: Plan, job: Job) -> EngineRun:
        result = EngineRun(skipped=dict(plan_.skipped))
        if plan_.rules:
            started = time.perf_counter()
            result.errors.update(run(job.con, plan_.rules, job.sink.violations_table))
            result.timings["pandera"] = round(time.perf_counter() - started, 4)
            job.advance("pandera")
        return result


ENGINE = PanderaEngine()
