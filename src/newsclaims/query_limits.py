"""The limits of a read-only query: time and memory, their defaults and ceilings, the
watchdog that enforces the time limit, and the one-line messages when a limit is hit.

| limit | default | lowest | ceiling |
|---|---|---|---|
| time (``--time-limit``, ``time_limit=``) | 300 s | 0.1 s | 3600 s |
| memory (``--memory-limit``, ``memory_limit=``) | 2 GiB | 64 MiB | 80 % of the machine's memory (DuckDB's own default) |

The time limit is wall time from the start of a statement to its last row (the rows a
caller fetches included). DuckDB has no statement timeout, so a timer thread calls
``connection.interrupt()`` when it passes. The memory limit is DuckDB's ``memory_limit``,
fixed when the connection opens (the configuration is locked); there is no spill folder,
so a query that needs more stops with an out-of-memory error, reported as such.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import threading
from dataclasses import dataclass

from newsclaims.errors import InputError

DEFAULT_SECONDS = 300.0
MIN_SECONDS = 0.1
MAX_SECONDS = 3600.0
DEFAULT_MEMORY = 2 * 1024**3
MIN_MEMORY = 64 * 1024**2

_UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4,
          "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}
_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*")


class LimitExceeded(InputError):
    """A query stopped at its time or memory limit (the query's doing: exit 2)."""


def max_memory() -> int:
    """The memory ceiling: 80 % of the machine's physical memory."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        total = 8 * 1024**3
    return max(MIN_MEMORY, int(total * 0.8))


def show_size(n: int) -> str:
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}".replace(".0 ", " ")
    return f"{n} bytes"


def parse_size(text: str | int) -> int:
    """Bytes from ``2GiB``, ``512MB``, ``1.5 GB`` or a number of bytes."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    match = _SIZE.fullmatch(str(text))
    if not match or match.group(2).lower() not in _UNITS:
        raise InputError(f"memory limit {text!r} is not a size; write e.g. 512MiB or 2GB")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


@dataclass(frozen=True)
class Limits:
    """The limits of one connection; ``Limits.of(time_limit, memory_limit)`` validates."""

    seconds: float = DEFAULT_SECONDS
    memory: int = DEFAULT_MEMORY

    @classmethod
    def of(cls, time_limit: float | str | None = None, memory_limit: str | int | None = None) -> "Limits":
        seconds = DEFAULT_SECONDS if time_limit is None else _seconds(time_limit)
        if not MIN_SECONDS <= seconds <= MAX_SECONDS:
            raise InputError(f"time limit {seconds:g} s is outside {MIN_SECONDS:g} to {MAX_SECONDS:g} s")
        memory = DEFAULT_MEMORY if memory_limit is None else parse_size(memory_limit)
        ceiling = max_memory()
        if not MIN_MEMORY <= memory <= ceiling:
            raise InputError(f"memory limit {show_size(memory)} is outside {show_size(MIN_MEMORY)} to "
                             f"{show_size(ceiling)} (80 % of this machine's memory)")
        return cls(seconds, memory)

    def config(self) -> dict[str, object]:
        """The DuckDB settings of these limits."""
        return {"memory_limit": f"{self.memory}B"}


def _seconds(value) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise InputError(f"time limit {value!r} is not a number of seconds") from None
    if seconds != seconds:  # NaN
        raise InputError("time limit nan is not a number of seconds")
    return seconds


class Deadline:
    """``with Deadline(con, seconds):`` interrupts ``con`` when ``seconds`` pass; ``fired``
    says whether it did (so that the error is told apart from a Ctrl-C)."""

    def __init__(self, con, seconds: float):
        self._con = con
        self.seconds = seconds
        self.fired = False
        self._lock = threading.Lock()
        self._armed = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        with self._lock:
            if self._armed:
                self.fired = True
                self._con.interrupt()

    def __enter__(self) -> "Deadline":
        self._armed = True
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._armed = False
        self._timer.cancel()


class SignalWatch:
    """``with SignalWatch(con):`` interrupts ``con`` when SIGINT or SIGTERM arrives.

    Python runs a signal's handler only when the main thread runs Python code again, and
    DuckDB, busy in a long statement, may not let it for minutes (a SIGTERM to an endless
    query was lost about one time in three). The signal's number also reaches a wake-up
    socket (``signal.set_wakeup_fd``) at once; a thread waiting on it interrupts the query,
    DuckDB returns, and the handler runs: Ctrl-C is still exit 130, SIGTERM 143. Only on
    the main thread (elsewhere it does nothing)."""

    def __init__(self, con):
        self._con = con
        self._previous: int | None = None
        self._thread: threading.Thread | None = None
        self._closing = False

    def __enter__(self) -> "SignalWatch":
        if threading.current_thread() is not threading.main_thread():
            return self
        self._read, self._write = socket.socketpair()
        self._write.setblocking(False)
        try:
            self._previous = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        except ValueError:  # pragma: no cover - not the main thread after all
            self._read.close()
            self._write.close()
            return self
        self._thread = threading.Thread(target=self._watch, name="newsclaims-signals", daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        stops = {signal.SIGINT, signal.SIGTERM}
        while True:
            try:
                data = self._read.recv(64)
            except OSError:
                return
            if self._closing or not data:
                return
            if any(byte in stops for byte in data):
                self._con.interrupt()

    def __exit__(self, *exc) -> None:
        if self._thread is None:
            return
        signal.set_wakeup_fd(self._previous if self._previous is not None else -1)
        self._closing = True
        try:
            self._write.send(b"\xff")
        except OSError:  # pragma: no cover - the buffer is full: the thread is awake anyway
            pass
        self._thread.join(timeout=5)
        self._read.close()
        self._write.close()


def time_message(limits: Limits) -> str:
    return (f"query stopped at its time limit of {limits.seconds:g} s; make it cheaper (filter, "
            f"aggregate or LIMIT it) or raise the limit (--time-limit, up to {MAX_SECONDS:g} s)")


def memory_message(limits: Limits) -> str:
    """DuckDB's out-of-memory message suggests ``SET memory_limit`` and ``SET
    temp_directory``, which a locked snapshot connection refuses: this says what works."""
    return (f"query ran out of memory: it needs more than its memory limit of "
            f"{show_size(limits.memory)}; make it hold less (aggregate, filter or LIMIT it, "
            f"select fewer columns) or raise the limit (--memory-limit, up to {show_size(max_memory())})")


def limit_error(exc: BaseException, deadline: Deadline | None, limits: Limits) -> LimitExceeded | None:
    """The ``LimitExceeded`` a DuckDB error stands for, or ``None`` when it is another
    error (an interrupt not caused by ``deadline`` is a Ctrl-C and stays one)."""
    import duckdb

    if deadline is not None and deadline.fired and isinstance(exc, (duckdb.InterruptException, RuntimeError)):
        return LimitExceeded(time_message(limits))
    if isinstance(exc, duckdb.OutOfMemoryException):
        return LimitExceeded(memory_message(limits))
    return None


def _abandon(con) -> None:
    """Drop the unfinished result a stopped ``execute()`` leaves on ``con``."""
    abort = getattr(con, "abort", None)  # DuckDB >= 2.0
    if abort is not None:
        try:
            abort()
        except Exception:  # noqa: BLE001 - nothing was pending
            pass


class _Limited:
    """Calls on the wrapped DuckDB object run under the time limit; what they return is
    wrapped in turn when it is the connection or a relation."""

    def __init__(self, target, con, limits: Limits):
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_con", con)
        object.__setattr__(self, "_limits", limits)

    def _call(self, method, *args, **kwargs):
        import duckdb

        with Deadline(self._con, self._limits.seconds) as deadline:
            try:
                result = method(*args, **kwargs)
            except (duckdb.Error, RuntimeError) as exc:
                error = limit_error(exc, deadline, self._limits)
                if error is not None:
                    _abandon(self._con)  # the connection stays usable
                    raise error from None
                raise
        if result is self._con:
            return self if self._target is self._con else LimitedConnection(self._con, self._limits)
        if isinstance(result, duckdb.DuckDBPyRelation):
            return _Limited(result, self._con, self._limits)
        return result

    def __getattr__(self, name):
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr
        return lambda *args, **kwargs: self._call(attr, *args, **kwargs)

    def __repr__(self) -> str:
        return self._call(repr, self._target)

    def __str__(self) -> str:
        return self._call(str, self._target)

    def __len__(self) -> int:
        return self._call(len, self._target)


class LimitedConnection(_Limited):
    """A read-only DuckDB connection whose every call, and every call on the relations
    it returns (``con.sql(...).df()``), runs under the connection's time limit; a limit
    that is hit raises ``LimitExceeded``. Use it as the DuckDB connection it wraps;
    ``limits`` says what they are."""

    def __init__(self, con, limits: Limits):
        super().__init__(con, con, limits)

    @property
    def limits(self) -> Limits:
        return self._limits

    def __enter__(self) -> "LimitedConnection":
        return self

    def __exit__(self, *exc) -> None:
        self._con.close()
