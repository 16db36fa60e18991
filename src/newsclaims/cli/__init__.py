"""The ``newsclaims`` command: a thin layer over the library.

Each subcommand lives in its own module (``newsclaims.cli.<name>``) and is imported only
when it runs, so ``newsclaims --help`` stays fast. Errors from the library become one
``Error: ...`` line on stderr and the exit code of the exception (see ``newsclaims.errors``).
"""

from __future__ import annotations

import importlib
import sys
import warnings

import click

from newsclaims import __version__
from newsclaims.errors import (EXIT_BROKEN_PIPE, EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_TERMINATED,
                               NewsclaimsError,
                               is_interrupt, location_error, printable)

# pyspark (the spark extra; pandera imports pyspark.pandas when it is installed) warns about
# the pandas version on import: a note for its developers, not the command's user
warnings.filterwarnings("ignore", category=FutureWarning, module=r"pyspark(\.|$)")

# name -> (module, one-line help). The help is here so that --help imports nothing else.
COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("newsclaims.cli.build", "Validate dataset/ and build the DuckDB database."),
    "check": ("newsclaims.cli.check", "Run the rule catalogue on a database and write reports."),
    "rules": ("newsclaims.cli.rules", "List the rules a selection takes (id, severity, family, title)."),
    "export-gx": ("newsclaims.cli.export_gx", "Write Great Expectations suites (JSON) per table."),
    "docs": ("newsclaims.cli.docs", "Generate the codebook and the rule catalogue pages."),
    "release": ("newsclaims.cli.release", "Build, gate and write an immutable release snapshot."),
    "keygen": ("newsclaims.cli.keygen", "Make an Ed25519 key pair for signing releases."),
    "publish": ("newsclaims.cli.publish", "Copy a release into a folder registry."),
    "pull": ("newsclaims.cli.pull", "Download and verify a release into the local cache."),
    "versions": ("newsclaims.cli.versions", "List the versions a registry holds."),
    "diff": ("newsclaims.cli.diff", "Record-level differences between two releases."),
    "verify": ("newsclaims.cli.verify", "Verify a copy of a release folder (signature, files)."),
    "query": ("newsclaims.cli.query", "Run read-only SQL on a snapshot."),
    "hydrate": ("newsclaims.cli.hydrate", "Fill the texts a release withholds into a local copy of it."),
    "ingest": ("newsclaims.cli.ingest", "Audit a batch of records and publish it in one transaction, or refuse it."),
    "synth": ("newsclaims.cli.synth", "Generate a synthetic database (optionally with known defects)."),
}


# Modules of the optional extras (pyproject.toml): the base install (pull, verify, versions,
# diff, query) has none of them; a command that needs one names the extra to install.
_EXTRAS = {"polars": "curate", "pandera": "curate", "pyarrow": "curate", "yaml": "curate",
           "jinja2": "curate", "matplotlib": "curate", "packaging": "curate",
           "pandas": "frames", "great_expectations": "gx", "sqlalchemy": "gx",
           "duckdb_engine": "gx"}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module_name, _ = COMMANDS[name]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                return None
            raise
        return module.command

    def format_commands(self, ctx, formatter):
        rows = [(name, help_) for name, (_, help_) in sorted(COMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NewsclaimsError as exc:
            click.echo(f"Error: {printable(str(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:
            # the reader of the output left (`newsclaims rules | head`): end quietly, as
            # a command killed by SIGPIPE does (141), with nothing more written to the pipe
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(EXIT_BROKEN_PIPE)
        except (KeyboardInterrupt, Exception) as exc:
            if is_interrupt(exc):  # Ctrl-C: KeyboardInterrupt, or DuckDB's error for it
                from newsclaims.interrupts import Terminated, terminated

                if isinstance(exc, Terminated) or terminated():
                    click.echo("Error: terminated", err=True)
                    ctx.exit(EXIT_TERMINATED)
                click.echo("Error: interrupted", err=True)
                ctx.exit(EXIT_INTERRUPTED)
            extra = (_EXTRAS.get((exc.name or "").split(".")[0])
                     if isinstance(exc, ModuleNotFoundError) else None)
            if extra is not None:  # a base install running a curation command
                click.echo(f"Error: newsclaims {ctx.invoked_subcommand}: needs {exc.name}, "
                           "which the base install leaves out: pip install "
                           f"'newsclaims[{extra}]'", err=True)
                ctx.exit(EXIT_INPUT)
            located = location_error(exc)  # a path the user gave cannot be read or written
            if located is not None:
                click.echo(f"Error: {printable(str(located))}", err=True)
                ctx.exit(located.exit_code)
            # an internal error: still one line, exit 3
            click.echo(f"Error: internal error: {type(exc).__name__}: {printable(str(exc))}", err=True)
            if "NEWSCLAIMS_DEBUG" in __import__("os").environ:
                raise
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsclaims")
def cli() -> None:
    """newsclaims: news incidents and the claims made about them.

    Exit codes: 0 passed, 1 a gate or check failed, 2 bad usage or bad input (a path that cannot be read or written included),
    3 internal error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM), 141 the reader closed the
    output pipe (`| head`). Shared options and conventions: docs/cli.md.
    """


def main() -> None:
    from newsclaims.interrupts import record_swallowed, stop_on_sigterm

    record_swallowed()  # a Ctrl-C the garbage collector swallowed still stops the run
    stop_on_sigterm()  # SIGTERM stops a command as Ctrl-C does, cleaning up (exit 143)
    # click's own usage errors exit 2, matching the contract.
    cli(prog_name="newsclaims")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
