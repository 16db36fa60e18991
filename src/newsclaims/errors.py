"""The exception hierarchy and the one exit-code contract.

The library raises these; only the CLI turns them into one ``Error: ...`` line and an
exit code. Exit codes: 0 passed, 1 a gate or check failed, 2 bad usage or bad input,
3 internal error.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_GATE = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3


class NewsclaimsError(Exception):
    """Base class: a failure the user can act on, reported as one line."""

    exit_code = EXIT_INTERNAL


class InputError(NewsclaimsError):
    """Bad usage or bad input: a malformed file, an unknown reference, a missing database."""

    exit_code = EXIT_INPUT


class GateFailure(NewsclaimsError):
    """A gate refused: an error-level rule failed, or a release violates version discipline."""

    exit_code = EXIT_GATE


class IntegrityError(InputError):
    """A download or snapshot failed verification (checksum, signature, missing file)."""


def source_error(path, where, what: str) -> InputError:
    """An input error that names the file and the line or record: ``file:line: what``."""
    location = f"{path}:{where}" if where is not None else f"{path}"
    return InputError(f"{location}: {what}")
