"""``newsclaims hydrate``: fill the texts a release withholds into a local copy of it."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="hydrate")
@click.option("--version", "version", default=None, help="Snapshot version (default: latest pulled).")
@click.option("--db", "db", default=None, help="A snapshot folder or its database file instead.")
@click.option("--cache", default=None, help="Cache folder of pulled versions.")
@click.option("--releases", default=None, help="Folder of releases to look in too.")
@click.option("--texts", type=click.Path(path_type=Path), default=None,
              help="A folder of the texts you hold, one <doc_id>.txt per document.")
@click.option("--urls", is_flag=True, default=False,
              help="Fetch the texts not found in --texts from the documents' URLs.")
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="The hydrated copy [default: newsclaims-<version>-hydrated.duckdb].")
def command(version, db, cache, releases, texts: Path | None, urls: bool, output: Path | None) -> None:
    """Copy a pulled snapshot's database with the texts it withholds filled in, each checked
    against the SHA-256 the release records; then `newsclaims check --db OUTPUT` checks
    every quote against its text. The snapshot itself is never changed.

    Exit codes: 0 written (texts not found are listed), 2 bad input: a text whose SHA-256
    differs (named; nothing is written), no text found, a damaged snapshot."""
    from newsclaims.hydrate import default_output, hydrate
    from newsclaims.query import resolve

    source = resolve(version, cache=cache, path=db, releases=releases)
    result = hydrate(source, output or default_output(source), texts=texts, urls=urls)
    for doc_id, where in result.filled:
        click.echo(f"hydrated {doc_id} from {where}")
    for doc_id, why in result.missing:
        click.echo(f"not hydrated {doc_id}: {why}")
    click.echo(f"wrote {result.output}: {len(result.filled)} of "
               f"{len(result.filled) + len(result.missing)} withheld texts; check its quotes "
               f"with: newsclaims check --db {result.output}")
