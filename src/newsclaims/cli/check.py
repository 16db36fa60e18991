"""``newsclaims check``: run the rule catalogue on a database, store and report the results."""

from __future__ import annotations

import json
from pathlib import Path

import click

from newsclaims import project
from newsclaims.cli.options import progress_option, renamed_from
from newsclaims.errors import GateFailure, printable


@click.command(help="Run the rule catalogue on a database and write reports.")
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=None,
              help="The database (default: build/newsclaims.duckdb).")
@click.option("--fail-on", type=click.Choice(["error", "warn"]), default="error", show_default=True,
              help="Exit 1 when a rule of this level (or above) fails.")
@click.option("--select", "select", multiple=True,
              help="Rules to run: ids, globs (claims.*), family:<name>, severity:<level>, table:<name>, "
                   "core; several separated by commas or spaces, or repeated (`newsclaims rules` lists them).")
@click.option("--exclude", "exclude", multiple=True, help="Rules to leave out, in the same form as --select.")
@click.option("--engine", type=click.Choice(["duckdb", "gx", "spark"]), default="duckdb", show_default=True)
@click.option("--lake", default=None, metavar="URI",
              help="With --engine spark: the lake, one Parquet dataset per table (<table>.parquet or "
                   "<table>/); a folder or any URI Spark reads (s3a://, abfss://, hdfs://).")
@click.option("--results", "results", default=None, metavar="DIR",
              help="With --engine spark: where dq_results/dq_violations are written as Parquet "
                   "(default: <lake>/_newsclaims).")
@click.option("--spark-master", default=None, metavar="URL",
              help="With --engine spark: the master (default: local[*], or spark-submit's).")
@click.option("--spark-remote", default=None, metavar="URL",
              help="With --engine spark: a Spark Connect server (sc://host:port; default: $SPARK_REMOTE).")
@click.option("--reports-dir", "reports_dir", type=click.Path(path_type=Path), default=None,
              help="Where to write report.json/.md/.html and violations.jsonl (default: reports/latest; "
                   "reports/selection with --select or --exclude, so that a run of some rules never "
                   "replaces a full run's reports; 'none': no reports).")
@renamed_from("--reports", "--reports-dir", "reports_dir", type=click.Path(path_type=Path))
@click.option("--no-reports", is_flag=True,
              help="Write no reports (results are still stored in the database).")
@click.option("--pandera", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Run the pandera rules: auto skips a table of more than 250,000 rows "
                   "(pandera validates in memory; on Spark, auto runs them all).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@progress_option("A progress bar (one step per statement)")
@click.option("--memory-limit", default="1500MB", show_default=True,
              help="DuckDB's memory limit; beyond it DuckDB spills to <db>.tmp/.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Statements run at a time (default: 2 when the database file is at most half "
                   "the memory limit and there are 2 cores or more, else 1).")
def command(db_path, fail_on, select, exclude, engine, lake, results, spark_master, spark_remote, reports_dir,
            no_reports, pandera, fmt, progress, memory_limit, jobs):
    from newsclaims.check import run_checks, run_lake_checks
    from newsclaims.rules.selection import Selection

    spark_only = {"--lake": lake, "--results": results, "--spark-master": spark_master,
                  "--spark-remote": spark_remote}
    if engine == "spark":
        if lake is None:
            raise click.UsageError("--engine spark needs --lake URI (one Parquet dataset per table)")
        if db_path is not None:
            raise click.UsageError("--engine spark reads --lake, not --db")
    elif any(v is not None for v in spark_only.values()):
        given = next(k for k, v in spark_only.items() if v is not None)
        raise click.UsageError(f"{given} goes with --engine spark")
    db = lake if engine == "spark" else db_path or project.default_db_path()
    selection = Selection.of(select, exclude)
    # the selectors as the reports state them: "core", "-claims.quote_matches_text"
    selectors = [*selection.select, *(f"-{x}" for x in selection.exclude)] or None
    default = Path("reports") / ("selection" if selection else "latest")
    out = None if no_reports or str(reports_dir) == "none" else reports_dir or default
    reports = None
    if out is not None:
        # rendered from the new results before they replace the stored ones, and moved into
        # place with them: an interrupted run leaves both as they were
        from newsclaims.reporting import PendingReports

        reports = PendingReports(out, db, selection=selectors)
    if engine == "spark":
        run = run_lake_checks(lake, results=results, select=selection or None, outputs=reports, spark_master=spark_master,
                              spark_remote=spark_remote, progress=progress, pandera=pandera)
    else:
        run = run_checks(db, select=selection or None, engine=engine, progress=progress, pandera=pandera,
                         memory_limit=memory_limit, jobs=jobs, outputs=reports)
    written = reports.paths if reports is not None else {}
    if fmt == "json":
        from newsclaims.reporting.check_document import check_document

        click.echo(json.dumps(check_document(run, selection=selectors), indent=2, ensure_ascii=False))
    else:
        _print_text(run, written)
    failed = run.failed(fail_on)
    if failed:
        ids = ", ".join(r.rule_id for r in failed[:5]) + (", ..." if len(failed) > 5 else "")
        raise GateFailure(f"{len(failed)} rule(s) fail at level {fail_on}: {ids}")


def _print_text(run, written: dict) -> None:
    """One line per rule that did not pass, then the counts, in the words of report.md: a
    failing warn-level rule is a warning, not a failure (it never fails the default gate)."""
    summary = run.summary()
    for r in run.results:
        if r.outcome == "skipped":
            click.echo(printable(f"SKIP  {r.severity:5} {r.rule_id}: {r.detail}"))
        elif r.outcome != "pass":
            detail = f" ({r.detail})" if r.detail else ""
            # a query's error can quote the data: no escape sequence reaches the terminal
            click.echo(printable(f"{r.outcome.upper():5} {r.severity:5} {r.rule_id}: "
                                 f"{r.violation_count} record(s){detail}"))
    skipped = f", {summary['skipped']} skipped" if summary["skipped"] else ""
    click.echo(
        f"{summary['rules']} rules: {summary['pass']} passed, {summary['fail'] - summary['warnings']} failed "
        f"(error), {summary['warnings']} warnings, {summary['error']} could not run{skipped}; "
        f"{summary['violations']} offending record(s)"
    )
    for name, path in written.items():
        click.echo(printable(f"{name}: {path}"))
