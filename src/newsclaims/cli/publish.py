"""``newsclaims publish VERSION --to DIR``: copy a release into a folder registry."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="publish")
@click.argument("version")
@click.option("--to", "to", required=True, type=click.Path(path_type=Path),
              help="Folder registry (created if missing); serve it over HTTP as it is.")
@click.option("--releases", type=click.Path(path_type=Path), default=Path("releases"),
              show_default=True, help="Folder of releases holding VERSION.")
def command(version: str, to: Path, releases: Path) -> None:
    """Verify release VERSION and add it to the registry's index.json (atomically)."""
    from newsclaims.registry import publish

    result = publish(version, releases, to)
    if result.already:
        click.echo(f"{version} is already in {to} (same manifest); nothing to do")
    else:
        click.echo(f"published {version} to {result.folder}")
