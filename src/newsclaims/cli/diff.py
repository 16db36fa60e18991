"""``newsclaims diff V1 V2``: record-level differences between two releases."""

from __future__ import annotations

import json

import click


@click.command(name="diff")
@click.argument("old")
@click.argument("new")
@click.option("--releases", default=None, help="Folder of releases (e.g. releases/).")
@click.option("--cache", default=None,
              help="Cache folder of pulled versions (default: $NEWSCLAIMS_CACHE or "
                   "~/.cache/newsclaims).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def command(old: str, new: str, releases, cache, fmt: str) -> None:
    """Added, removed, updated (with fields), retracted and merged records from OLD to NEW."""
    from newsclaims.changelog import describe
    from newsclaims.release_diff import diff_versions

    changes = diff_versions(old, new, releases=releases, cache=cache)
    if fmt == "json":
        from newsclaims.changelog import to_json

        click.echo(json.dumps(to_json(changes), indent=2, ensure_ascii=False))
        return
    from newsclaims.errors import printable

    for change in changes:  # the values are data: no escape sequence reaches the terminal
        click.echo(printable(describe(change)))
    if not [c for c in changes if c.table != "rules"]:
        click.echo(f"no record differs between {old} and {new}")
