"""The progress bar of build, check and synth (``newsclaims.progress``): shown on a terminal
once the work outlasts a moment, never for a quick run, never when stderr is not a terminal."""

from __future__ import annotations

import io
import re
import time

from newsclaims.progress import steps


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_long_run_on_a_terminal_shows_each_step():
    out = Terminal()
    with steps("check", 3, file=out, delay=0.1) as advance:
        for name in ("scan claims", "unique claims.claim_id_unique", "scan figures"):
            time.sleep(0.08)
            advance(name)
    text = out.getvalue()
    # tqdm redraws at most every 0.1 s: a step's name shows, not necessarily the last
    assert re.search(r"check: (scan claims|unique claims\.claim_id_unique|scan figures): .* [123]/3", text)
    assert text.endswith("\r")  # the bar is cleared at the end (leave=False)


def test_a_quick_run_prints_nothing():
    out = Terminal()
    with steps("build", 5, file=out, delay=5) as advance:
        for n in range(5):
            advance(f"step {n}")
    assert out.getvalue() == ""


def test_no_bar_when_stderr_is_not_a_terminal():
    out = io.StringIO()
    with steps("synth", 2, file=out, delay=0) as advance:
        time.sleep(0.05)
        advance("documents and claims")
        advance("figures")
    assert out.getvalue() == ""
