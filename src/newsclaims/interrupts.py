"""Ctrl-C around the steps that must not be cut in two.

A command that replaces several outputs (``check``: the stored results, then three report
files) must not be stopped half-way through the moves, or it would leave some outputs new
and others old. ``finishing()`` holds a Ctrl-C that arrives during those moves (they take
microseconds) and lets the command end normally: its outputs are then all new, so an exit
130 always means that they were all left as they were. ``held()`` delays a Ctrl-C to the
end of a short block, e.g. creating a temporary file and recording its name for cleanup."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


@contextmanager
def _sigint_replaced(handler):
    """SIGINT handled by ``handler`` during the block (only on the main thread, and only when
    the current handler is one Python installed)."""
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        yield
        return
    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def held():
    """Run the block with Ctrl-C held back; one that arrived during it is raised as
    KeyboardInterrupt when the block ends."""
    arrived = []
    with _sigint_replaced(lambda signum, frame: arrived.append(signum)):
        yield
    if arrived:
        raise KeyboardInterrupt


@contextmanager
def finishing():
    """Run the block with Ctrl-C (SIGINT) held back; a Ctrl-C during it is dropped, as the
    command completes right after. Off the main thread (where Python cannot set signal
    handlers) the block runs as it is."""
    with _sigint_replaced(lambda signum, frame: None):
        yield
