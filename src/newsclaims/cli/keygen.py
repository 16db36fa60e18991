"""``newsclaims keygen --output KEYFILE``: an Ed25519 key pair for signing releases."""

from __future__ import annotations

from pathlib import Path

import click

from newsclaims.cli.options import renamed_from


@click.command(name="keygen")
@click.option("--output", "-o", "out", type=click.Path(path_type=Path), metavar="KEYFILE",
              help="Private key file to write (PEM, mode 0600); the public key goes to KEYFILE.pub. "
                   "[required]")
@renamed_from("--out", "--output", "out", type=click.Path(path_type=Path))
def command(out: Path | None) -> None:
    """Make an Ed25519 key pair for signing releases.

    Give KEYFILE.pub to researchers: they configure it as their trusted key
    (--trust-key, NEWSCLAIMS_TRUSTED_KEY or ~/.config/newsclaims/trusted_key.pub)."""
    from newsclaims.signing import key_id, keygen, load_public

    if out is None:
        raise click.UsageError("Missing option '--output'.")

    private, public = keygen(out)
    click.echo(f"wrote {private} (keep it secret) and {public} "
               f"(key id {key_id(load_public(public))})")
