"""``newsclaims build``: validate dataset/ and write the DuckDB database."""

from __future__ import annotations

from pathlib import Path

import click

from newsclaims.cli.options import progress_option

from newsclaims import project


@click.command(name="build")
@click.option(
    "--dataset", "dataset_dir", type=click.Path(path_type=Path), default=None,
    help="The dataset folder to build [default: the project's dataset/].",
)
@click.option(
    "--output", "-o", type=click.Path(path_type=Path), default=None,
    help="Where to write the database [default: build/newsclaims.duckdb].",
)
@progress_option("A progress bar (one step per stage)")
def command(dataset_dir: Path | None, output: Path | None, progress: bool | None) -> None:
    """Validate dataset/ and build the DuckDB database.

    Exit codes: 0 built, 2 bad input (one line naming the file, line and record; nothing
    is written at the output path), 3 internal error, 130 interrupted (nothing written)."""
    from newsclaims.build import STEPS, build_database
    from newsclaims.snapshot import row_counts

    dataset_dir = dataset_dir or project.dataset_dir()
    output = output or project.default_db_path()
    from newsclaims.progress import steps

    with steps("build", len(STEPS), enabled=progress) as advance:
        build_database(dataset_dir, output, progress=advance.begin)
    counts = row_counts(output)
    summary = ", ".join(f"{n} {table}" for table, n in counts.items())
    click.echo(f"Built {output}: {summary}")
