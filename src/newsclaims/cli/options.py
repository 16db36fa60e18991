"""Options several commands share: ``--progress/--no-progress``, and the old spellings of
renamed options.

One name per concept across commands: ``--output`` for the file or folder a command
writes, ``--releases`` for the folder of releases, ``--reports-dir`` for the folder of
reports. An option renamed to follow this keeps its old spelling as a hidden alias
(``renamed_from``), so that scripts keep working; on a terminal it says the new name."""

from __future__ import annotations

import functools
import sys

import click


def progress_option(what: str = "A progress bar"):
    """``--progress/--no-progress``: default, a bar on a terminal (stderr) for a run that
    lasts longer than half a second."""
    return click.option(
        "--progress/--no-progress", "progress", default=None,
        help=f"{what}; default: on when stderr is a terminal and the run lasts longer than half a second.")


def renamed_from(old: str, new: str, name: str, **option_kwargs):
    """A hidden option ``old`` that sets the parameter ``name`` of the option ``new``.
    Giving both is a usage error (exit 2)."""
    hidden = "renamed_" + old.lstrip("-").replace("-", "_")

    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            value = kwargs.pop(hidden, None)
            if value is not None:
                ctx = click.get_current_context()
                if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE:
                    raise click.UsageError(f"give {new} only ({old} is its old name)")
                if sys.stderr.isatty():
                    click.echo(f"Warning: {old} is deprecated; use {new}", err=True)
                kwargs[name] = value
            return function(*args, **kwargs)

        return click.option(old, hidden, hidden=True, default=None,
                            help=f"Deprecated spelling of {new}.", **option_kwargs)(wrapper)

    return decorate
