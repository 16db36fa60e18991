"""``newsclaims rules``: list the rules a selection takes, before running them."""

from __future__ import annotations

import json

import click

COLUMNS = ("id", "severity", "family", "table", "title")


@click.command(name="rules")
@click.option("--select", "select", multiple=True,
              help="Rules to list: ids, globs (claims.*), family:<name>, severity:<level>, "
                   "table:<name>, core; several separated by commas or spaces, or repeated.")
@click.option("--exclude", "exclude", multiple=True,
              help="Rules to leave out, in the same form as --select.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def command(select, exclude, fmt: str) -> None:
    """List the rules of a selection: id, severity, family, table and title.

    `newsclaims check` takes the same --select and --exclude. Exit 2 when a selector
    matches no rule (the nearest selectors are suggested)."""
    from newsclaims.rules.catalogue import load_catalogue
    from newsclaims.rules.selection import select_rules

    catalogue = load_catalogue()
    chosen = select_rules(catalogue, select, exclude)
    rows = [{"id": r.id, "severity": r.severity, "family": r.family, "table": r.table,
             "title": r.title, "core": r.core} for r in chosen]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    widths = {c: max([len(c)] + [len(str(row[c])) for row in rows]) for c in COLUMNS[:-1]}
    click.echo("  ".join(c.ljust(widths.get(c, 0)) for c in COLUMNS).rstrip())
    for row in rows:
        click.echo("  ".join(str(row[c]).ljust(widths.get(c, 0)) for c in COLUMNS).rstrip())
    click.echo(f"{len(rows)} of {len(catalogue)} rules")
