"""``newsclaims verify FOLDER``: check a copy of a release folder."""

from __future__ import annotations

import click


@click.command(name="verify")
@click.argument("folder")
@click.option("--trust-key", default=None,
              help="Trusted public key (default: $NEWSCLAIMS_TRUSTED_KEY, else "
                   "~/.config/newsclaims/trusted_key.pub, else the key the project's "
                   "registry.toml declares).")
def command(folder: str, trust_key: str | None) -> None:
    """Verify FOLDER, a release: its manifest's signature, then every file's size and sha256.

    Exit 2, one line naming what failed, when it is not intact or not signed by the
    trusted key."""
    from newsclaims.errors import printable
    from newsclaims.verify import verify_snapshot

    result = verify_snapshot(folder, trust_key)
    click.echo(printable(f"verified {result.version}: {result.files} files, signed by key "
                         f"{result.key_id}"))
