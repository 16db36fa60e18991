"""``newsclaims synth``: generate a synthetic database, optionally with known defects."""

from __future__ import annotations

from pathlib import Path

import click

from newsclaims.cli.options import progress_option


def _count(value: str) -> int:
    """``20000``, ``20_000``, ``20k``, ``1M``, ``10M``."""
    text = value.strip().replace("_", "").replace(",", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    number = text[:-1] if scale > 1 else text
    try:
        return int(float(number) * scale)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a count (e.g. 20000, 20k, 1M)") from None


@click.command(help="Generate a synthetic database (optionally with known defects), or with --verify "
                    "compare a checked synthetic database with its ground truth.")
@click.option("--claims", "claims", metavar="N", help="Number of claims (20000, 20k, 1M).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed: the same seed gives the same records and the same ground truth (the rows may be stored in another order).")
@click.option("--defect-rate", type=float, default=None, metavar="R",
              help="Fraction of records broken per rule, e.g. 0.001; writes <output>.truth.json.")
@click.option("--output", "-o", type=click.Path(path_type=Path),
              help="The DuckDB file to write (replaced atomically); with --format parquet, the lake "
                   "folder (one folder of Parquet part files per table, replaced as a whole).")
@click.option("--format", "fmt", type=click.Choice(["duckdb", "parquet"]), default="duckdb", show_default=True,
              help="parquet: a lake for `check --engine spark --lake`; the ground truth goes to <output>.truth.json.")
@click.option("--loose", is_flag=True, help="Use the loose DDL (no constraints) even for clean data.")
@click.option("--memory-limit", default="1500MB", show_default=True, help="DuckDB memory limit.")
@click.option("--verify", "verify", type=click.Path(path_type=Path), metavar="DB",
              help="Compare the violations `newsclaims check` stored in DB with DB.truth.json, rule by "
                   "rule; exit 1 on any missing or extra record. DB may be a lake folder: the results "
                   "of `check --engine spark` in DB/_newsclaims.")
@click.option("--batch-of", "batch_of", type=click.Path(dir_okay=False, path_type=Path), metavar="DB",
              help="Write a batch for `newsclaims ingest` into the folder --output: new records, "
                   "corrections and retractions of DB's records (DB holds a check's results), with "
                   "<output>.truth.json.")
@click.option("--records", "records", metavar="N", help="With --batch-of: about N records.")
@progress_option("A progress bar naming the step that runs")
def command(claims: str | None, seed: int, defect_rate: float | None, output: Path | None, fmt: str, loose: bool,
            memory_limit: str, verify: Path | None, batch_of: Path | None, records: str | None,
            progress: bool | None) -> None:
    if batch_of is not None:
        _batch(batch_of, records, defect_rate, output, seed)
        return
    if verify is not None:
        _verify(verify)
        return
    if claims is None or output is None:
        raise click.UsageError("give --claims and --output (or --verify DB)")
    from newsclaims.synth import generate

    if fmt == "parquet":
        from newsclaims.synth.lake import generate_lake as generate
    result = generate(
        output, _count(claims), seed=seed, defect_rate=defect_rate,
        strict=False if loose else None, memory_limit=memory_limit, progress=progress,
    )
    total = sum(result.step_seconds.values())
    click.echo(
        f"wrote {result.path} ({result.counts['claims']:,} claims, {result.counts['documents']:,} documents, "
        f"{result.counts['figures']:,} figures; {'strict' if result.strict else 'loose'} schema) "
        f"and {result.truth_path} in {total:.1f} s"
        + (f" (defects {result.step_seconds['defects']:.1f} s)" if "defects" in result.step_seconds else "")
    )


def _verify(db: Path) -> None:
    from newsclaims.errors import GateFailure
    from newsclaims.synth import truth_path_for
    from newsclaims.synth.truth import compare_with_check, skipped_by_check

    compared = compare_with_check(db, truth_path_for(db))
    bad = {rule: diff for rule, diff in compared.items() if diff[0] or diff[1]}
    for rule, (missing, extra) in bad.items():
        click.echo(f"{rule}: {len(missing)} missing {missing[:3]}, {len(extra)} extra {extra[:3]}")
    skipped = skipped_by_check(db)
    click.echo(f"{len(compared)} rules compared, {len(bad)} mismatched"
               + (f", {len(skipped)} skipped by check" if skipped else ""))
    if bad:
        raise GateFailure(f"{db}: {len(bad)} rule(s) differ from the ground truth")


def _batch(db: Path, records: str | None, defect_rate: float | None, output: Path | None, seed: int) -> None:
    if records is None or output is None:
        raise click.UsageError("give --records and --output with --batch-of")
    from newsclaims.synth.batch import truth_path, write_batch

    got = write_batch(db, output, _count(records), defect_rate=defect_rate, seed=seed)
    click.echo(f"wrote {got.folder} ({', '.join(f'{n} {t}' for t, n in got.rows.items())}; "
               f"{got.kinds['new_claims']} new claims, {got.kinds['corrected']} corrected, "
               f"{got.kinds['retracted']} retracted, {got.kinds['defects']} defect(s)) and {truth_path(got.folder)}")
