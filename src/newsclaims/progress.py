"""Progress bars: one per long command (``build``, ``check``, ``synth``, ``release``; ``pull``).

``steps(label, total)`` is a context manager that yields a ``Steps``: call it,
``advance(name)``, after each step (``name``: the step that just finished), or call
``advance.start(name)`` before each step and ``advance.done()`` after it (or only
``advance.begin(name)`` as each starts), so that the bar names the step that is running. The bar is tqdm's, on stderr, and only when stderr is a
terminal (or ``enabled=True``); it appears only once the work has run longer than
``delay`` seconds (tqdm's ``delay``), so a quick run on the curated dataset prints nothing,
and it is removed when the work ends.

A step can be one DuckDB statement that runs for many seconds: tqdm redraws only when
the bar advances, and its clock would stand still meanwhile. A background thread redraws
the bar every ``TICK_SECONDS`` (under tqdm's lock), so the elapsed time keeps counting.
DuckDB releases the GIL while a statement runs, so the thread is not held up by it.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from typing import Iterator, TextIO

DELAY_SECONDS = 0.5
TICK_SECONDS = 1.0


def _screen(out: TextIO) -> tuple[int, int]:
    """(columns, lines) of the terminal, (80, 24) where it reports none: a pseudo-terminal
    without a size reports 0, and tqdm then hides its bar as "outside the screen"."""
    import os

    try:
        size = os.get_terminal_size(out.fileno())
        columns, lines = size.columns, size.lines
    except (AttributeError, OSError, ValueError):
        columns = lines = 0
    return columns or 80, lines or 24


def _redraw(bar) -> None:
    """Redraw ``bar`` now, once its delay has passed (before it, the bar stays hidden)."""
    with bar.get_lock():
        if bar.disable:
            return
        now = bar._time()
        if now >= bar.start_t + bar.delay:
            bar.refresh(nolock=True)
            bar.last_print_t = now  # close() then knows the bar was drawn, and clears it


@contextmanager
def _bar(out: TextIO, *, tick: float | None, **options) -> Iterator:
    """A tqdm bar on ``out`` (never left on the screen), redrawn every ``tick`` seconds by a
    background thread while it does not advance."""
    from tqdm import tqdm

    tick = TICK_SECONDS if tick is None else tick
    columns, lines = _screen(out)
    with tqdm(file=out, leave=False, ncols=columns, nrows=lines, **options) as bar:
        stop = threading.Event()

        def redraw_until_stopped() -> None:
            while not stop.wait(tick):
                _redraw(bar)

        ticker = threading.Thread(target=redraw_until_stopped, name="progress-tick", daemon=True)
        ticker.start()
        try:
            yield bar
        finally:
            stop.set()
            ticker.join()


def _enabled(out: TextIO, enabled: bool | None) -> bool:
    return out.isatty() if enabled is None else enabled


class Steps:
    """What ``steps`` yields: ``start(name)`` names the step that begins, ``done()`` counts
    one finished; calling it, ``advance(name)``, counts one finished and shows ``name``."""

    def __init__(self, label: str, bar=None):
        self.label, self.bar = label, bar
        self._running = False

    def begin(self, name: str) -> None:
        """For a callback told of each step as it starts (``build``, ``release``): the step
        before it is done, ``name`` runs."""
        if self._running:
            self.done()
        self._running = True
        self.start(name)

    def start(self, name: str) -> None:
        if self.bar is not None:
            self.bar.set_description_str(f"{self.label}: {name}", refresh=False)
            _redraw(self.bar)

    def done(self) -> None:
        """Count the step: shown with the next step's name (``start``) or the next redraw,
        never with the finished step's name."""
        if self.bar is not None:
            with self.bar.get_lock():
                self.bar.n += 1

    def __call__(self, name: str) -> None:
        if self.bar is not None:
            self.bar.set_description_str(f"{self.label}: {name}", refresh=False)
            self.bar.update(1)


@contextmanager
def steps(label: str, total: int, *, enabled: bool | None = None, file: TextIO | None = None,
          delay: float | None = None, tick: float | None = None) -> Iterator[Steps]:
    """Yield a ``Steps`` for ``total`` steps. ``delay``: seconds before the bar appears
    (``DELAY_SECONDS``); ``tick``: seconds between redraws of a bar that does not advance
    (``TICK_SECONDS``)."""
    out = file if file is not None else sys.stderr
    if not _enabled(out, enabled):
        yield Steps(label)
        return
    with _bar(out, tick=tick, total=total, desc=label, unit="step",
              delay=DELAY_SECONDS if delay is None else delay,
              bar_format="{desc}: {bar} {n_fmt}/{total_fmt} [{elapsed}]") as bar:
        yield Steps(label, bar)


class Transfer:
    """What ``transfer`` yields: ``file(name)`` names the file being fetched, ``update(n)``
    counts ``n`` bytes of it."""

    def __init__(self, label: str, bar=None):
        self.label, self.bar = label, bar

    def file(self, name: str) -> None:
        if self.bar is not None:
            self.bar.set_description_str(f"{self.label}: {name}", refresh=False)
            _redraw(self.bar)

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)


@contextmanager
def transfer(label: str, total: int, *, enabled: bool | None = None, file: TextIO | None = None,
             delay: float | None = None, tick: float | None = None) -> Iterator[Transfer]:
    """One bar for ``total`` bytes fetched as several files (``pull``): the bytes so far,
    the rate, and the name of the file being fetched."""
    out = file if file is not None else sys.stderr
    if not _enabled(out, enabled):
        yield Transfer(label)
        return
    with _bar(out, tick=tick, total=total, desc=label, unit="B", unit_scale=True,
              unit_divisor=1024, delay=DELAY_SECONDS if delay is None else delay,
              bar_format="{desc}: {percentage:3.0f}% {bar} {n_fmt}/{total_fmt} "
                         "[{elapsed}<{remaining}, {rate_fmt}]") as bar:
        yield Transfer(label, bar)
