"""A synthetic lake: ``generate``'s database written as one folder of Parquet part files per
table (``<DIR>/<table>/part-*.parquet``), what ``check --engine spark --lake DIR`` reads, with
its ground truth in ``<DIR>.truth.json`` (beside the folder, as ``<db>.truth.json`` is
beside a database; ``synth --verify DIR`` compares a Spark run's results with it).

The database is generated in a temporary file beside the folder, exported table by table
(parts of at most 128 MB, so that Spark reads a large table in parallel), and the
finished folder replaces a previous one at the end: an interrupted or failed run leaves the
previous lake and ground truth as they were."""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

import duckdb

from newsclaims import contract
from newsclaims.errors import InputError
from newsclaims.interrupts import finishing
from newsclaims.synth.generator import SynthResult, generate, truth_path_for

def generate_lake(output: Path | str, claims: int, **options) -> SynthResult:
    """Like ``generate``, into the lake folder ``output`` (replaced if it is one already)."""
    output = Path(output)
    if output.exists() and not output.is_dir():
        raise InputError(f"{output}: exists and is not a folder; give a lake folder path")
    if output.is_dir() and any(output.iterdir()) and not _is_lake(output):
        raise InputError(f"{output}: a folder that is not a lake (no {contract.TABLES[0]}/); "
                         "give a new or a lake folder")
    if not output.parent.is_dir():
        raise InputError(f"{output.parent}: folder does not exist")
    stem = f".{output.name}.{os.getpid()}-{secrets.token_hex(4)}"
    db = output.with_name(stem + ".duckdb")
    staging = output.with_name(stem + ".lake")
    try:
        result = generate(db, claims, **options)
        con = duckdb.connect(str(db), read_only=True)
        try:
            os.mkdir(staging)
            export_lake(con, staging)
        finally:
            con.close()
        truth = truth_path_for(output)
        with finishing():
            aside = output.with_name(stem + ".previous")
            if output.exists():
                os.replace(output, aside)
            os.replace(staging, output)
            os.replace(result.truth_path, truth)
            shutil.rmtree(aside, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for leftover in (db, truth_path_for(db), db.with_name(db.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return SynthResult(path=output, truth_path=truth, plan=result.plan, strict=result.strict,
                       defect_rate=result.defect_rate, counts=result.counts, truth=result.truth,
                       skipped=result.skipped, step_seconds=result.step_seconds)


def export_lake(con, folder: Path) -> None:
    """Every contract table of the DuckDB database behind ``con`` as ``<folder>/<table>/`` of
    Parquet part files (of at most 128 MB each; ENUM columns as text)."""
    for table in contract.TABLES:
        target = str(Path(folder) / table).replace("'", "''")
        con.execute(f"COPY (SELECT * FROM {table}) TO '{target}' (FORMAT parquet, "
                    f"PER_THREAD_OUTPUT true, FILENAME_PATTERN 'part-{{i}}', "
                    f"ROW_GROUP_SIZE 122880, FILE_SIZE_BYTES '128MB')")


def _is_lake(folder: Path) -> bool:
    return (folder / contract.TABLES[0]).is_dir() or (folder / f"{contract.TABLES[0]}.parquet").exists()
