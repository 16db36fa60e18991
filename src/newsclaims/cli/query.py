"""``newsclaims query "SQL"``: read-only SQL on a snapshot."""

from __future__ import annotations

import click


@click.command(name="query")
@click.argument("sql")
@click.option("--version", "version", default=None, help="Snapshot version (default: latest pulled).")
@click.option("--db", "db", default=None, help="A snapshot database file or folder instead.")
@click.option("--cache", default=None, help="Cache folder of pulled versions.")
@click.option("--releases", default=None, help="Folder of releases to look in too.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
def command(sql: str, version, db, cache, releases, fmt: str) -> None:
    """Run SQL on a snapshot, read-only, with no access to files, network or extensions.

    Exit 2 when the query is refused or fails."""
    from newsclaims.query import render, run

    result = run(sql, version, path=db, cache=cache, releases=releases)
    click.echo(render(result, fmt), nl=False)
