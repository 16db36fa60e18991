"""``newsclaims docs``: regenerate docs/codebook.md and docs/rules.md (or check them)."""

from __future__ import annotations

import click


@click.command("docs")
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 when a generated page is out of date.")
def command(check: bool) -> None:
    """Generate the codebook and the rule catalogue pages."""
    from newsclaims import project
    from newsclaims.docs import write_docs

    written = write_docs(check=check)
    if check:
        click.echo("docs/codebook.md and docs/rules.md are up to date")
    elif written:
        for path in written:
            click.echo(f"wrote {path.relative_to(project.root())}")
    else:
        click.echo("docs/codebook.md and docs/rules.md were already up to date")
