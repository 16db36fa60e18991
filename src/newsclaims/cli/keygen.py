"""``newsclaims keygen --out KEYFILE``: an Ed25519 key pair for signing releases."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="keygen")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Private key file to write (PEM, mode 0600); the public key goes to KEYFILE.pub.")
def command(out: Path) -> None:
    """Make an Ed25519 key pair for signing releases.

    Give KEYFILE.pub to researchers: they configure it as their trusted key
    (--trust-key, NEWSCLAIMS_TRUSTED_KEY or ~/.config/newsclaims/trusted_key.pub)."""
    from newsclaims.signing import key_id, keygen, load_public

    private, public = keygen(out)
    click.echo(f"wrote {private} (keep it secret) and {public} "
               f"(key id {key_id(load_public(public))})")
