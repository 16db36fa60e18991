"""What a run killed outright (``kill -9``) leaves, and how the next run of the same command
removes it: only its own leftovers, only when no live run holds them. Real processes, real
SIGKILL, real locks held by other live processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from newsclaims.registry import publish
from newsclaims.signing import keygen
from release_fixtures import dripping_handler, make_snapshot, serve

REPO = Path(__file__).resolve().parents[1]


def env_for(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCLAIMS_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["NEWSCLAIMS_ALLOW_DIRTY"] = "1"  # about litter, not the source commit
    return env


def command(*args) -> list[str]:
    return [sys.executable, "-m", "newsclaims", *map(str, args)]


def run(tmp_path, *args) -> subprocess.CompletedProcess:
    return subprocess.run(command(*args), capture_output=True, text=True, cwd=tmp_path,
                          env=env_for(tmp_path), timeout=300)


def kill_when(tmp_path, args, ready, tries: int = 5) -> None:
    """Start ``newsclaims args``, SIGKILL it as soon as ``ready()`` is true, reap it. A run
    that ends before (a fast machine), or cleans up in the moment between, is started
    again: on return the killed run's leftovers (what ``ready()`` sees) are there."""
    for _ in range(tries):
        proc = subprocess.Popen(command(*args), cwd=tmp_path, env=env_for(tmp_path),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while proc.poll() is None and not ready() and time.monotonic() < deadline:
            time.sleep(0.002)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
            assert proc.returncode == -signal.SIGKILL
            if ready():
                return
    pytest.fail(f"newsclaims {args[0]} always ended before it could be killed")


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


HOLD = """
import fcntl, os, sys, time
from newsclaims.workfolders import WorkFolder
parent, prefix, dead_pid = sys.argv[1], sys.argv[2], sys.argv[3]
if dead_pid == "-":
    path = WorkFolder(parent, prefix).path  # this live process, holding the lock
else:  # a folder named after a process that is gone, its lock held by this one (as a run in
    # another PID namespace sharing the folder would be seen)
    path = os.path.join(parent, f"{prefix}{dead_pid}-held")
    os.mkdir(path)
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)
print(os.path.basename(path), flush=True)
time.sleep(600)
"""


def holder(tmp_path, parent: Path, prefix: str, dead_pid: str = "-"):
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(parent), prefix, dead_pid],
                            stdout=subprocess.PIPE, text=True, env=env_for(tmp_path))
    return proc, proc.stdout.readline().strip()


def gone_pid() -> str:
    proc = subprocess.Popen(["true"])
    proc.wait(timeout=60)
    return str(proc.pid)


@pytest.mark.timeout(600)
def test_build_removes_what_a_killed_build_left_and_nothing_held(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    db = out / "newsclaims.duckdb"
    prefix = ".newsclaims.duckdb.build-"
    kill_when(tmp_path, ["build", "--output", db],
              lambda: any(n.startswith(prefix) for n in os.listdir(out)))
    left = hidden(out)
    assert len(left) == 1 and left[0].startswith(prefix)

    # a live build's folder, and one whose lock a live process holds, are not touched;
    # neither is anything that is not build's own
    live, live_name = holder(tmp_path, out, prefix)
    locked, locked_name = holder(tmp_path, out, prefix, gone_pid())
    (out / ".newsclaims.duckdb.abcd1234.tmp").mkdir()  # an older naming: not ours to judge
    (out / ".other.duckdb.build-1-x").mkdir()  # another output's
    try:
        built = run(tmp_path, "build", "--output", db)
        assert built.returncode == 0, built.stderr
        assert hidden(out) == sorted([live_name, locked_name, ".newsclaims.duckdb.abcd1234.tmp",
                                      ".other.duckdb.build-1-x"])
    finally:
        for proc in (live, locked):
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
    # their processes gone, the next build removes them
    assert run(tmp_path, "build", "--output", db).returncode == 0
    assert hidden(out) == [".newsclaims.duckdb.abcd1234.tmp", ".other.duckdb.build-1-x"]


@pytest.mark.timeout(600)
def test_release_removes_what_a_killed_release_left(tmp_path, built_db):
    releases, reports = tmp_path / "releases", tmp_path / "reports"
    args = ["release", "1.0.0", "--db", built_db, "--out", releases, "--reports-dir", reports]
    kill_when(tmp_path, args,
              lambda: releases.is_dir() and any(n.startswith(".release-")
                                                for n in os.listdir(releases)))
    assert [n for n in hidden(releases) if n.startswith(".release-")]
    done = run(tmp_path, *args)
    assert done.returncode == 0, done.stderr
    assert hidden(releases) == [] and sorted(os.listdir(releases)) == ["1.0.0"]


KILL_AT_REPORT = """
import os, signal, sys
real = os.replace
def replace(src, dst, *args, **kwargs):
    if str(dst).endswith("/1.0.0/report.md"):  # between the release's last two renames
        os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst, *args, **kwargs)
os.replace = replace
from newsclaims.__main__ import main
sys.argv = ["newsclaims"] + sys.argv[1:]
main()
"""


@pytest.mark.timeout(600)
def test_a_release_killed_between_its_last_two_renames_is_completed_by_running_it_again(
        tmp_path, built_db):
    releases, reports = tmp_path / "releases", tmp_path / "reports"
    args = ["release", "1.0.0", "--db", built_db, "--out", releases, "--reports-dir", reports]
    killed = subprocess.run([sys.executable, "-c", KILL_AT_REPORT, *map(str, args)],
                            cwd=tmp_path, env=env_for(tmp_path), capture_output=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL
    assert (releases / "1.0.0" / "manifest.json").is_file()
    assert not (reports / "1.0.0" / "report.md").exists()
    assert [n for n in hidden(reports / "1.0.0") if n.startswith(".report.md.")]

    again = run(tmp_path, *args)
    assert again.returncode == 0, again.stderr
    assert again.stdout == (f"completed release 1.0.0: {releases / '1.0.0'} was in place "
                            "without its report (a release killed before its last step); the "
                            "report is written now, nothing was built\n")
    assert (reports / "1.0.0" / "report.md").read_bytes() == \
        (releases / "1.0.0" / "reports" / "report.md").read_bytes()
    assert os.listdir(reports / "1.0.0") == ["report.md"]
    # complete now: the version exists, as for any release
    third = run(tmp_path, *args)
    assert third.returncode == 1
    assert "release.version_exists: version 1.0.0 already exists" in third.stderr


@pytest.mark.timeout(600)
def test_pull_removes_what_a_killed_pull_left(tmp_path):
    keygen(tmp_path / "k.pem")
    make_snapshot(tmp_path / "releases", "1.0.0", key=tmp_path / "k.pem")
    publish("1.0.0", tmp_path / "releases", tmp_path / "registry")
    cache = tmp_path / "cache"
    args = ["pull", "1.0.0", "--cache", cache, "--trust-key", tmp_path / "k.pem.pub"]
    slow = dripping_handler(tmp_path / "registry", "newsclaims.duckdb", pieces=200, pause=0.2)
    with serve(tmp_path / "registry", handler=slow) as url:
        kill_when(tmp_path, [*args, "--from", url],
                  lambda: cache.is_dir() and any(n.startswith(".pull-")
                                                 for n in os.listdir(cache)))
    assert [n for n in hidden(cache) if n.startswith(".pull-")]
    with serve(tmp_path / "registry") as url:
        pulled = run(tmp_path, *args, "--from", url)
    assert pulled.returncode == 0, pulled.stderr
    assert [n for n in os.listdir(cache) if n.startswith(".")] == []
    assert (cache / "1.0.0" / "manifest.json").is_file()


def staging_tables(db: Path) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'dq\\_%\\_next' "
            "ESCAPE '\\' ORDER BY 1").fetchall()]
    finally:
        con.close()


@pytest.mark.timeout(600)
def test_check_removes_the_staging_tables_a_killed_check_left(tmp_path, built_db):
    db = tmp_path / "db.duckdb"
    shutil.copyfile(built_db, db)
    wal = Path(f"{db}.wal")
    def staged() -> bool:  # killed once the staging tables are in the write-ahead log
        try:
            return b"dq_results_next" in wal.read_bytes()
        except FileNotFoundError:
            return False

    kill_when(tmp_path, ["check", "--db", db, "--no-reports"], staged)
    assert staging_tables(db)  # dq_results_next, and dq_violations_next if it got that far
    checked = run(tmp_path, "check", "--db", db, "--no-reports", "--format", "json")
    assert checked.returncode in (0, 1), checked.stderr  # ran: passed, or a rule failed
    assert staging_tables(db) == []
    assert json.loads(checked.stdout)
