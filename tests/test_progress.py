"""The progress bar of build, check and synth (``newsclaims.progress``): shown on a terminal
once the work outlasts a moment, never for a quick run, never when stderr is not a terminal."""

from __future__ import annotations

import io
import re
import select
import time

import pytest

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


# --- real runs on a pseudo-terminal ------------------------------------------------------

RUN_ON_TERMINAL = (
    "import sys\n"
    "from newsclaims import progress\n"
    "progress.DELAY_SECONDS = 0  # the bar from the first moment, however short the run\n"
    "from newsclaims.cli import main\n"
    "sys.argv = ['newsclaims'] + sys.argv[1:]\n"
    "main()\n"
)


def run_on_terminal(*args, cwd=None, env=None) -> tuple[int, list[tuple[float, str]]]:
    """Run ``newsclaims ARGS`` with stderr on a pseudo-terminal; return its exit code and
    every redraw of the bar (what lies between two carriage returns) with the second it
    arrived at."""
    import os
    import pty
    import subprocess
    import sys

    main, child = pty.openpty()
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", RUN_ON_TERMINAL, *map(str, args)], stderr=child,
                            stdout=subprocess.DEVNULL, cwd=cwd, env=env)
    os.close(child)
    frames: list[tuple[float, str]] = []
    deadline = time.monotonic() + 240
    while True:
        ready, _, _ = select.select([main], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:  # the run outlived its bound: stop it, keep what it drew
            proc.kill()
            break
        try:
            data = os.read(main, 65536)  # bounded: select above
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        at = time.perf_counter() - started
        frames += [(at, part.decode("utf-8", "replace")) for part in re.split(rb"[\r\n]", data)
                   if part.strip(b" \x1b[A")]
    os.close(main)
    return proc.wait(timeout=60), frames


def test_synth_names_the_running_step_and_its_clock_keeps_running(tmp_path):
    code, frames = run_on_terminal("synth", "--claims", "200k", "--output", tmp_path / "s.duckdb")
    assert code == 0, frames
    # "documents and claims" is the 7th of 10 steps and the longest: while it runs, the bar
    # names it with 6 steps done (the old bar named a step once it had finished)
    running = [(at, text) for at, text in frames
               if re.match(r"synth: documents and claims: .* 6/10 \[", text)]
    assert running, frames
    # and the clock goes on while the one statement runs: more than one elapsed second shows
    seconds = {re.search(r"\[(\d\d:\d\d)\]", text).group(1) for _, text in running}
    assert len(seconds) >= 2, running
    assert not any(re.match(r"synth: dates: .* 6/10", text) for _, text in frames)


def test_the_clock_of_a_bar_that_does_not_advance_keeps_running():
    out = Terminal()
    with steps("synth", 2, file=out, delay=0, tick=0.1) as advance:
        advance.start("one long statement")
        time.sleep(1.25)
        advance.done()
    drawn = re.findall(r"synth: one long statement: [^\r]* 0/2 \[(\d\d:\d\d)\]", out.getvalue())
    assert len(drawn) >= 8 and drawn[0] == "00:00" and drawn[-1] == "00:01"


def test_pull_shows_one_bar_for_the_download_naming_each_file(tmp_path):
    from newsclaims import snapshot
    from newsclaims.registry import publish
    from newsclaims.signing import keygen
    from release_fixtures import make_snapshot, serve

    keygen(tmp_path / "k.pem")
    make_snapshot(tmp_path / "releases", "1.0.0", key=tmp_path / "k.pem")
    publish("1.0.0", tmp_path / "releases", tmp_path / "registry")
    manifest = snapshot.parse_manifest(
        (tmp_path / "releases" / "1.0.0" / snapshot.MANIFEST).read_bytes(), "test")
    with serve(tmp_path / "registry") as url:
        code, frames = run_on_terminal("pull", "1.0.0", "--from", url, "--cache", tmp_path / "cache",
                                       "--trust-key", tmp_path / "k.pem.pub")
    assert code == 0, frames
    assert frames and all(text.startswith("pull 1.0.0: ") for _, text in frames), frames
    named = {text.split(": ")[1] for _, text in frames[1:]}  # the first: before any file
    assert snapshot.DB_NAME in named and named <= {f["path"] for f in manifest["files"]}
    # one bar: its total is the whole download (tqdm's units of 1024 bytes)
    total = sum(f["bytes"] for f in manifest["files"])
    shown = {re.search(r" [0-9.]+[kMG]?/([0-9.]+)([kMG]?) \[", text).groups() for _, text in frames}
    assert len(shown) == 1, shown
    number, unit = shown.pop()
    assert float(number) * 1024 ** " kMG".index(unit or " ") == pytest.approx(total, rel=0.01)


@pytest.mark.timeout(400)
def test_no_progress_on_every_command_that_shows_a_bar(tmp_path, built_db):
    """``--no-progress`` is on every command that draws a bar, and draws none."""
    import shutil

    from click.testing import CliRunner

    from newsclaims.cli import cli

    shutil.copy(built_db, tmp_path / "check.duckdb")
    runs = {
        "build": ["build", "--output", tmp_path / "b.duckdb"],
        "check": ["check", "--db", tmp_path / "check.duckdb", "--no-reports"],
        "synth": ["synth", "--claims", "2k", "--output", tmp_path / "s.duckdb"],
        "release": ["release", "1.0.0", "--db", built_db, "--releases", tmp_path / "releases",
                    "--reports-dir", tmp_path / "reports"],
    }
    for name, args in runs.items():
        assert "--no-progress" in CliRunner().invoke(cli, [name, "--help"]).output, name
        code, frames = run_on_terminal(*args, "--no-progress")
        assert (name, code, frames) == (name, 0, []), frames
    code, frames = run_on_terminal(*runs["release"][:-4], "--releases", tmp_path / "again",
                                   "--reports-dir", tmp_path / "reports2")
    assert code == 0 and any(text.startswith("release: ") for _, text in frames), frames
    assert "--no-progress" in CliRunner().invoke(cli, ["pull", "--help"]).output
