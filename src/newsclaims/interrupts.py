"""Ctrl-C around the steps that must not be cut in two.

A command that replaces several outputs (``check``: the stored results, then three report
files) must not be stopped half-way through the moves, or it would leave some outputs new
and others old. ``finishing()`` holds a Ctrl-C that arrives during those moves (they take
microseconds) and lets the command end normally: its outputs are then all new, so an exit
130 always means that they were all left as they were. ``held()`` delays a Ctrl-C to the
end of a short block, e.g. creating a temporary file and recording its name for cleanup."""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager

# A Ctrl-C that Python could not raise where it arrived: KeyboardInterrupt inside a weakref
# callback or a ``__del__`` (run by the garbage collector at any moment) is "ignored" by the
# interpreter. ``record_swallowed`` keeps it, and the next ``finishing()`` honours it.
_swallowed = threading.Event()


def record_swallowed() -> None:
    """Install a ``sys.unraisablehook`` that records a swallowed KeyboardInterrupt (instead
    of printing "Exception ignored in ... KeyboardInterrupt") and passes everything else to
    the hook in place before. The CLI installs it once per process."""
    previous = sys.unraisablehook

    def hook(unraisable):
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            _swallowed.set()
        else:
            previous(unraisable)

    sys.unraisablehook = hook


class Terminated(KeyboardInterrupt):
    """SIGTERM (sent by ``timeout``, CI runners, systemd): the command stops as on Ctrl-C,
    cleaning up as it goes, and the CLI reports it as exit 143."""


_sigterm = threading.Event()


def _terminate(signum, frame):
    _sigterm.set()  # DuckDB may report the stop as its own "Query interrupted" error
    raise Terminated


def terminated() -> bool:
    """Whether this process got SIGTERM (``stop_on_sigterm``)."""
    return _sigterm.is_set()


def stop_on_sigterm() -> None:
    """Make SIGTERM stop the command like Ctrl-C (by default it kills the process at once,
    leaving temporary files behind). The CLI installs it once per process."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)


@contextmanager
def _stops_replaced(handler):
    """SIGINT and SIGTERM handled by ``handler`` during the block (only on the main thread,
    and only when the current handler is one Python installed)."""
    stops = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.getsignal(sig) for sig in stops}
    if threading.current_thread() is not threading.main_thread() or None in previous.values():
        yield
        return
    for sig in stops:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig in stops:
            signal.signal(sig, previous[sig])


@contextmanager
def held():
    """Run the block with Ctrl-C held back; one that arrived during it is raised as
    KeyboardInterrupt when the block ends."""
    arrived = []
    with _stops_replaced(lambda signum, frame: arrived.append(signum)):
        yield
    if signal.SIGTERM in arrived:
        raise Terminated
    if arrived:
        raise KeyboardInterrupt


@contextmanager
def finishing():
    """Run the block with Ctrl-C (SIGINT) and SIGTERM held back; a Ctrl-C during it is
    dropped, as the command completes right after (a SIGTERM too in the CLI; elsewhere it is
    delivered after the block). Off the main thread (where Python cannot set signal
    handlers) the block runs as it is. A Ctrl-C swallowed earlier (``record_swallowed``)
    is raised before the block starts."""
    if _swallowed.is_set():
        _swallowed.clear()
        raise KeyboardInterrupt
    previous = signal.getsignal(signal.SIGTERM)
    arrived = []
    with _stops_replaced(lambda signum, frame: arrived.append(signum)):
        yield
    if signal.SIGTERM in arrived and previous is not _terminate:
        # outside the CLI (a library caller, the pytest plugin) SIGTERM keeps its meaning,
        # delivered once the block is done; the CLI's own handler would only mislabel a run
        # that has just completed
        signal.raise_signal(signal.SIGTERM)
