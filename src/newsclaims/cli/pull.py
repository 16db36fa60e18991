"""``newsclaims pull [VERSION|latest] --from REGISTRY``: download and verify a release."""

from __future__ import annotations

import click

from newsclaims.cli.options import progress_option


@click.command(name="pull")
@click.argument("version", default="latest")
@click.option("--from", "registry", default=None,
              help="Registry: a folder or an http(s):// base address.")
@click.option("--cache", default=None,
              help="Cache folder (default: $NEWSCLAIMS_CACHE or ~/.cache/newsclaims).")
@click.option("--trust-key", default=None,
              help="Trusted public key (default: $NEWSCLAIMS_TRUSTED_KEY or "
                   "~/.config/newsclaims/trusted_key.pub).")
@click.option("--allow-downgrade", is_flag=True, default=False,
              help="Let `latest` resolve to a version older than one pulled from this "
                   "registry before (refused by default: an index that drops versions).")
@progress_option("A progress bar of the download (bytes, with the file being fetched)")
def command(version: str, registry: str | None, cache: str | None, trust_key: str | None,
            allow_downgrade: bool, progress: bool | None) -> None:
    """Download VERSION, verify its signature and every sha256, then add it to the cache.

    A version already in the cache is checked again (files, version, signature with the
    trusted key given now). Exit 2 when the input is bad or anything fails verification
    (the cache is left as it was)."""
    from newsclaims.pull import pull

    folder = pull(version, registry, cache=cache, trust_key=trust_key, progress=progress,
                  allow_downgrade=allow_downgrade)
    click.echo(str(folder))
