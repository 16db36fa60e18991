"""``newsclaims versions --from REGISTRY``: the versions a registry holds."""

from __future__ import annotations

import json

import click


@click.command(name="versions")
@click.option("--from", "registry", required=True,
              help="Registry: a folder or an http(s):// base address.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def command(registry: str, fmt: str) -> None:
    """List version, date, parent and row counts (oldest first).

    All but the version come from the registry's index, which is not signed, and are
    marked so (a header line; `unsigned_fields` in JSON): `pull` verifies a version
    against its signed manifest."""
    from newsclaims.errors import printable
    from newsclaims.registry import list_versions

    rows = list_versions(registry)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo("version\tcreated_at (unsigned)\tparent (unsigned)\trows (unsigned)")
    for row in rows:
        counts = row["row_counts"] or {}
        main = ", ".join(f"{t} {counts[t]}" for t in ("documents", "claims", "figures")
                         if t in counts)
        click.echo(printable(f"{row['version']}\t{row['created_at']}\t"
                             f"parent {row['parent_version'] or '-'}\t{main}"))
