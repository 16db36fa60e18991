"""``newsclaims ingest``: write, audit and publish a batch of records (docs/ingest.md)."""

from __future__ import annotations

from pathlib import Path

import click

from newsclaims import project
from newsclaims.errors import GateFailure

NEVER = 2**62  # no table is this large: no lookup index is wanted


@click.command(help="Audit a batch folder (one Parquet or CSV file per table) against a database "
                    "and publish it in one transaction, or refuse it and leave the database unchanged.")
@click.argument("batch", type=click.Path(path_type=Path))
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=None,
              help="The database (default: build/newsclaims.duckdb); it holds a full check's results.")
@click.option("--fail-on", type=click.Choice(["error", "warn"]), default="error", show_default=True,
              help="Refuse the batch when it adds a violation to a rule of this level (or above) that fails.")
@click.option("--reports-dir", "--report-dir", "report_dir", type=click.Path(path_type=Path), default=None,
              help="Write ingest.json and ingest.md (every rule's change, the offending records) here.")
@click.option("--pandera", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="As in check: auto skips the pandera rule of a table of more than 250,000 rows.")
@click.option("--memory-limit", default="1500MB", show_default=True, help="DuckDB's memory limit.")
@click.option("--lookup-indexes", type=click.Choice(["auto", "never"]), default="auto", show_default=True,
              help="auto: read the rows a batch touches in a table of 2M rows or more by key, through indexes the first "
                   "ingest builds and later ones keep; never: scan, and drop the indexes an ingest built.")
def command(batch, db_path, fail_on, report_dir, pandera, memory_limit, lookup_indexes):
    from newsclaims.ingest import ingest
    from newsclaims.ingest.lookups import INDEX_FROM
    from newsclaims.ingest.report import write_report

    db = db_path or project.default_db_path()
    index_from = INDEX_FROM if lookup_indexes == "auto" else NEVER
    run = ingest(db, batch, fail_on=fail_on, pandera=pandera, memory_limit=memory_limit, index_from=index_from)
    if run.indexes_built:
        click.echo(f"built {len(run.indexes_built)} lookup index(es) on the large tables "
                   "(once: later ingests keep them up to date)")
    if report_dir is not None:
        write_report(run, report_dir)
    for change in run.refused:
        click.echo(f"REFUSE {change.severity:5} {change.rule_id}: {change.added} new record(s)"
                   + (f", {change.after - change.added} already there before the batch"
                      if change.after > change.added else ""))
    before = run.already_failing
    if before:
        shown = ", ".join(c.rule_id for c in before[:3]) + (", ..." if len(before) > 3 else "")
        click.echo(f"BEFORE {len(before)} rule(s) fail at level {fail_on} with violations that were all there "
                   f"before the batch, which do not refuse it: {shown}"
                   + (f" (every one in {report_dir / 'ingest.md'})" if report_dir is not None else ""))
    rows = sum(run.rows.values())
    replaced = sum(run.replaced.values())
    if run.published:
        click.echo(f"published {rows} row(s) ({replaced} corrected, {rows - replaced} new) into {db} "
                   f"in {run.seconds:.2f} s")
        return
    raise GateFailure(f"{batch}: refused, {len(run.refused)} rule(s) would get new violations at level "
                      f"{fail_on}; {db} is unchanged")
