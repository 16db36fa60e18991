"""Shared helpers of the ingest tests: a small checked synthetic database and the state of a
database (every table's rows, the stored results) to compare."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from newsclaims import contract

RESULT_COLUMNS = "rule_id, title, family, severity, table_name, status, violation_count, fail_above, engine"


def checked_db(folder: Path, claims: int = 1500, seed: int = 7) -> Path:
    from newsclaims.check import run_checks
    from newsclaims.synth import generate

    db = folder / "base.duckdb"
    generate(db, claims, seed=seed, strict=False)
    run_checks(db, pandera="always")
    return db


def copy(db: Path, to: Path) -> Path:
    shutil.copyfile(db, to)
    return to


def tables_state(db: Path) -> dict[str, list]:
    """Every table's rows, and the stored results but their run time."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        state = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                 for t in (*contract.TABLES, "dq_violations")}
        state["dq_results"] = con.execute(f"SELECT {RESULT_COLUMNS}, detail FROM dq_results ORDER BY ALL").fetchall()
        return state
    finally:
        con.close()


def results_state(db: Path) -> tuple[list, list]:
    """(dq_results without run_at and detail, dq_violations), sorted."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return (con.execute(f"SELECT {RESULT_COLUMNS} FROM dq_results ORDER BY ALL").fetchall(),
                con.execute("SELECT * FROM dq_violations ORDER BY ALL").fetchall())
    finally:
        con.close()
