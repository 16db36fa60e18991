"""``generate()``: the steps of a synthetic database, run inside one DuckDB connection.

The database is written to a temporary file beside the output and moved into place only
when every step succeeded (with its ground-truth file), so a failed or interrupted run
never leaves a partial database where a good one is expected.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from newsclaims import contract
from newsclaims.engines.duckdb.database import size_bytes
from newsclaims.errors import InputError
from newsclaims.progress import steps as progress_steps
from newsclaims.synth import documents, entities, events
from newsclaims.synth.expressions import Random
from newsclaims.synth.plan import Plan

DEFAULT_MEMORY_LIMIT = "1500MB"


@dataclass
class SynthResult:
    path: Path
    truth_path: Path
    plan: Plan
    strict: bool
    defect_rate: float | None
    counts: dict[str, int]
    truth: dict[str, list[str]]
    skipped: dict[str, str] = field(default_factory=dict)
    step_seconds: dict[str, float] = field(default_factory=dict)


def truth_path_for(output: Path) -> Path:
    return output.with_name(output.name + ".truth.json")


def _steps(plan: Plan, rnd: Random) -> list[tuple[str, Callable[[duckdb.DuckDBPyConnection], None]]]:
    return [
        ("countries", lambda con: entities.load_countries(con)),
        ("actors", lambda con: entities.build_actors(con, plan, rnd)),
        ("places", lambda con: entities.build_places(con, plan, rnd)),
        ("incidents", lambda con: events.build_incidents(con, plan, rnd)),
        ("claim sentences", lambda con: events.stage_claims(con, plan, rnd)),
        ("dates", lambda con: documents.date_documents_and_claims(con, plan, rnd)),
        ("documents and claims", lambda con: documents.build_documents_and_claims(con, plan, rnd)),
        ("figures", lambda con: events.build_figures(con, plan, rnd)),
        ("relays and links", lambda con: events.build_relays_and_links(con, plan, rnd)),
    ]


def generate(
    output: Path | str,
    claims: int,
    *,
    seed: int = 0,
    defect_rate: float | None = None,
    strict: bool | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int | None = None,
    progress: bool | None = False,
) -> SynthResult:
    """Write a synthetic database of ``claims`` claims to ``output`` (and its ground truth
    to ``<output>.truth.json``). Clean data conforms to the strict contract DDL; with a
    ``defect_rate`` (a fraction of each table's records, per rule) the loose DDL is used
    and defects of every rule of the catalogue are injected."""
    from newsclaims.synth import truth as truth_mod

    output = Path(output)
    plan = Plan(claims, seed)
    if defect_rate is not None and not 0 < defect_rate < 0.5:
        raise InputError(f"--defect-rate must be a fraction between 0 and 0.5, not {defect_rate}")
    if strict is None:
        strict = defect_rate is None
    if strict and defect_rate is not None:
        raise InputError("defects cannot be injected into the strict schema; drop --strict")
    if output.exists() and output.is_dir():
        raise InputError(f"{output}: is a directory; give a database file path")
    if not output.parent.exists():
        raise InputError(f"{output.parent}: folder does not exist")
    if not output.parent.is_dir():
        raise InputError(f"{output.parent}: not a folder")
    size_bytes(memory_limit)  # a malformed limit: one line, before anything is written
    rnd = Random(seed)
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    spill = output.with_name(f".{output.name}.{os.getpid()}.spill")
    tmp_truth = truth_path_for(tmp)
    for stale in (tmp, tmp.with_name(tmp.name + ".wal"), tmp_truth):
        stale.unlink(missing_ok=True)
    steps = _steps(plan, rnd)
    timings: dict[str, float] = {}
    skipped: dict[str, str] = {}
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute(f"SET memory_limit = '{memory_limit}'")
            con.execute("SET enable_progress_bar = false")
            con.execute("SET temp_directory = ?", [str(spill)])
            if threads:
                con.execute(f"SET threads = {int(threads)}")
            if strict:
                contract.create_schema(con)
            else:
                con.execute(contract.loose_ddl())
            events.define_macros(con)
            total = len(steps) + (2 if defect_rate is not None else 1)
            with progress_steps("synth", total, enabled=progress) as advance:
                # the bar names the step that runs, and its clock keeps counting meanwhile
                for name, step in steps:
                    advance.start(name)
                    started = time.perf_counter()
                    step(con)
                    timings[name] = time.perf_counter() - started
                    advance.done()
                # the ground truth by design is read in the step after the records: "defects"
                # or, without defects, "checkpoint"
                advance.start("defects" if defect_rate is not None else "checkpoint")
                started = time.perf_counter()
                truth = truth_mod.by_design(con)
                if defect_rate is not None:
                    # each recipe's UPDATE of a few rows of a large table made DuckDB write a
                    # checkpoint at its commit (3M claims: 0.55 s per UPDATE, against 0.2 s);
                    # the one at the end of synth writes them all at once
                    # (on failure the connection is closed and the file removed: nothing to reset)
                    con.execute("SET checkpoint_threshold = '1TB'")
                    injected, skipped = truth_mod.inject_all(con, plan, defect_rate, truth)
                    con.execute("RESET checkpoint_threshold")
                    truth = truth_mod.merge(truth, injected)
                    timings["defects"] = time.perf_counter() - started
                    advance.done()
                    advance.start("checkpoint")
                    started = time.perf_counter()
                for table in ("syn_part", "syn_claim", "syn_claim_date", "syn_doc"):
                    con.execute(f"DROP TABLE IF EXISTS {table}")
                counts = {
                    t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in contract.TABLES
                }
                con.execute("CHECKPOINT")
                timings["checkpoint"] = time.perf_counter() - started
                advance.done()
        finally:
            con.close()
        truth_doc = {
            "claims": plan.claims,
            "seed": plan.seed,
            "defect_rate": defect_rate,
            "schema": "strict" if strict else "loose",
            "skipped": skipped,
            "rules": {rule: sorted(ids) for rule, ids in sorted(truth.items())},
        }
        tmp_truth.write_text(json.dumps(truth_doc, indent=1) + "\n", encoding="utf-8")
        final_truth = truth_path_for(output)
        os.replace(tmp, output)
        os.replace(tmp_truth, final_truth)
    except BaseException:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal"), tmp_truth):
            leftover.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    return SynthResult(
        path=output, truth_path=final_truth, plan=plan, strict=strict, defect_rate=defect_rate,
        counts=counts, truth=truth_doc["rules"], skipped=skipped, step_seconds=timings,
    )
