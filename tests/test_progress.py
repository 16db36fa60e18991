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


def test_a_real_pseudo_terminal_without_a_size_shows_the_bar():
    # a pty made by openpty() reports 0 columns and 0 lines, where tqdm alone draws nothing
    import os
    import pty
    import select
    import subprocess
    import sys

    main, child = pty.openpty()
    code = ("import time\nfrom newsclaims.progress import steps\n"
            "with steps('synth', 2, delay=0.05) as advance:\n"
            "    time.sleep(0.1); advance('documents and claims'); time.sleep(0.1); advance('figures')\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=child, stdout=subprocess.DEVNULL)
    os.close(child)
    chunks = []
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if not select.select([main], [], [], 1)[0]:
                continue  # nothing to read yet: look at the clock again
            try:
                data = os.read(main, 4096)  # bounded: select() said it is readable
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    assert proc.returncode == 0
    assert b"synth: documents and claims" in b"".join(chunks) or b"synth: figures" in b"".join(chunks)


def test_check_reports_its_statements(built_db, capsys, monkeypatch):
    from newsclaims import progress
    from engine_api import run_checks

    monkeypatch.setattr(progress, "DELAY_SECONDS", 0)
    run = run_checks(built_db, select="core", progress=True)
    err = capsys.readouterr().err
    # one step per statement (tqdm redraws at most every 0.1 s, so not every name shows)
    assert re.search(rf"check:.* [0-9]+/{len(run.timings)} ", err), err[-500:]
