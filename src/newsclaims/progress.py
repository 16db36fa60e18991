"""One progress bar for the long commands (``build``, ``check``, ``synth``).

``steps(label, total)`` is a context manager that yields ``advance(name)``: call it after each
step. The bar is tqdm's, on stderr, and only when stderr is a terminal (or ``enabled=True``);
it appears only once the work has run longer than ``delay`` seconds (tqdm's ``delay``), so a
quick run on the curated dataset prints nothing, and it is removed when the work ends.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator, TextIO

DELAY_SECONDS = 0.5


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


@contextmanager
def steps(label: str, total: int, *, enabled: bool | None = None, file: TextIO | None = None,
          delay: float | None = None) -> Iterator[Callable[[str], None]]:
    """Yield ``advance(name)``; ``name`` is the step that just finished (or starts next).
    ``delay``: seconds before the bar appears (``DELAY_SECONDS``)."""
    out = file if file is not None else sys.stderr
    delay = DELAY_SECONDS if delay is None else delay
    if enabled is None:
        enabled = out.isatty()
    if not enabled:
        yield lambda name: None
        return
    from tqdm import tqdm

    columns, lines = _screen(out)
    with tqdm(total=total, desc=label, file=out, delay=delay, leave=False, unit="step",
              bar_format="{desc}: {bar} {n_fmt}/{total_fmt} [{elapsed}]", ncols=columns, nrows=lines) as bar:

        def advance(name: str) -> None:
            bar.set_description_str(f"{label}: {name}", refresh=False)
            bar.update(1)

        yield advance
