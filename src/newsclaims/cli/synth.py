"""``newsclaims synth``: generate a synthetic database, optionally with known defects."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def _count(value: str) -> int:
    """``20000``, ``20_000``, ``20k``, ``1M``, ``10M``."""
    text = value.strip().replace("_", "").replace(",", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    number = text[:-1] if scale > 1 else text
    try:
        return int(float(number) * scale)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a count (e.g. 20000, 20k, 1M)") from None


@click.command(help="Generate a synthetic database (optionally with known defects).")
@click.option("--claims", "claims", required=True, metavar="N", help="Number of claims (20000, 20k, 1M).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed: the same seed gives the same data.")
@click.option("--defect-rate", type=float, default=None, metavar="R",
              help="Fraction of records broken per rule, e.g. 0.001; writes <output>.truth.json.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The DuckDB file to write (replaced atomically).")
@click.option("--loose", is_flag=True, help="Use the loose DDL (no constraints) even for clean data.")
@click.option("--memory-limit", default="1500MB", show_default=True, help="DuckDB memory limit.")
def command(claims: str, seed: int, defect_rate: float | None, output: Path, loose: bool, memory_limit: str) -> None:
    from newsclaims.synth import generate

    result = generate(
        output, _count(claims), seed=seed, defect_rate=defect_rate,
        strict=False if loose else None, memory_limit=memory_limit, progress=sys.stderr.isatty(),
    )
    total = sum(result.step_seconds.values())
    click.echo(
        f"wrote {result.path} ({result.counts['claims']:,} claims, {result.counts['documents']:,} documents, "
        f"{result.counts['figures']:,} figures; {'strict' if result.strict else 'loose'} schema) "
        f"and {result.truth_path} in {total:.1f} s"
    )
