"""``newsclaims export-gx``: one Great Expectations suite (JSON) per table."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("export-gx")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path),
              default=Path("build/gx"), show_default=True,
              help="Folder for <table>.json suites and summary.json.")
def command(output: Path) -> None:
    """Write Great Expectations suites (JSON) for the rules GX can express."""
    import newsclaims.engines.gx  # noqa: F401  (says how to install the extra when missing)
    from newsclaims.gx_suites import export_gx

    paths, export = export_gx(output)
    click.echo(f"{len(export.exported)} rules in {len(export.suites)} suites written to {output}")
    if export.skipped:
        click.echo(f"{len(export.skipped)} rules GX cannot express (see summary.json):")
        for rule_id, why in sorted(export.skipped.items()):
            click.echo(f"  {rule_id}: {why}")
