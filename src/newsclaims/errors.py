"""The exception hierarchy and the one exit-code contract.

The library raises these; only the CLI turns them into one ``Error: ...`` line and an
exit code. Exit codes: 0 passed, 1 a gate or check failed, 2 bad usage or bad input
(including a path that cannot be read or written), 3 internal error, 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import os
import re

EXIT_OK = 0
EXIT_GATE = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a process stopped by Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader of the output closed it (`| head`)


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


def is_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB reporting a query stopped by Ctrl-C or ``interrupt()``.

    DuckDB's Python client turns a SIGINT during a query into ``RuntimeError: Query
    interrupted`` (not KeyboardInterrupt), and ``connection.interrupt()`` into
    ``duckdb.InterruptException``. Recognised by name, so that this module (imported by
    ``newsclaims --help``) does not import DuckDB."""
    if isinstance(exc, KeyboardInterrupt):
        return True
    kind = type(exc)
    if kind.__name__ == "InterruptException" and kind.__module__.split(".")[0] in ("duckdb", "_duckdb"):
        return True
    return kind is RuntimeError and str(exc).startswith("Query interrupted")


_FULL = {28: "no space left on device", 27: "file too large", 122: "disk quota exceeded"}
_FULL_TEXT = ("No space left on device", "File too large", "Disk quota exceeded")


class NoRoom(InputError):
    """A write failed for want of room (a full disk, a quota, a file-size limit); nothing
    was left half-written. ``reason`` says which (``disk_full``)."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def disk_full(exc: BaseException) -> str | None:
    """The reason, when ``exc`` is a write that failed for want of room: an ``OSError``
    ENOSPC, EFBIG (a file-size limit) or EDQUOT, or DuckDB's error for one (which carries
    the system's message, e.g. ``Could not write file "x": No space left on device``);
    ``None`` for anything else."""
    if isinstance(exc, NoRoom):
        return exc.reason
    if isinstance(exc, NewsclaimsError):
        return None
    if isinstance(exc, OSError) and exc.errno in _FULL:
        return _FULL[exc.errno]
    text = str(exc)
    for phrase in _FULL_TEXT:
        if phrase in text and not isinstance(exc, OSError):
            return phrase[0].lower() + phrase[1:]
    return None


def location_error(exc: BaseException) -> InputError | None:
    """An ``InputError`` for an operating-system error on a path the user named (an output
    folder that is a file, a read-only file system, a full disk, a key path that is a
    folder, ...): ``<path>: <reason>``. ``None`` for anything else, which stays internal."""
    reason = disk_full(exc)
    if reason is not None and not isinstance(exc, OSError):  # DuckDB: the path is quoted
        match = re.search(r'file "([^"]+)"', str(exc))
        if match:
            return InputError(f"{match.group(1)}: cannot write ({reason})")
    if not (isinstance(exc, OSError) and exc.filename is not None and exc.strerror):
        return None
    path = exc.filename2 or exc.filename  # os.replace(temporary, path): name the user's path
    if isinstance(exc, FileExistsError) or (  # mkdir on a path that is a file
            isinstance(exc, NotADirectoryError) and os.path.isfile(path)):
        return InputError(f"{path}: exists and is not a folder")
    return InputError(f"{path}: {exc.strerror[0].lower()}{exc.strerror[1:]}")


def printable(text: str) -> str:
    """``text`` with control characters other than tabs shown as ``?``: what a registry or a
    file says (an unsigned index, a path in it) must not send escape sequences to the
    terminal."""
    return "".join("?" if (ord(c) < 32 and c != "\t") or 127 <= ord(c) < 160 else c for c in text)
