"""A full disk is bad input, not an internal error: ``build``, ``check`` (its reports) and
``release`` stop with exit 2 and one line naming the path, and leave nothing half-written.

Real processes: a file-size limit (``RLIMIT_FSIZE``, with SIGXFSZ ignored so that a write
past it fails with EFBIG, as a full disk fails with ENOSPC), and a real full file system (a
small tmpfs, mounted when the tests run as root)."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from release_fixtures import listing

REPO = Path(__file__).resolve().parents[1]
LIMIT = 1 << 20  # 1 MiB: the curated database is about 10 MB


def run(*args, fsize: int | None = None, cwd: Path) -> subprocess.CompletedProcess:
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCLAIMS_")}
    env["XDG_CONFIG_HOME"] = str(cwd / "config")
    env["NEWSCLAIMS_ALLOW_DIRTY"] = "1"  # about a full disk, not the source commit
    return subprocess.run([sys.executable, "-m", "newsclaims", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=300,
                          preexec_fn=limit if fsize else None)


def test_build_past_a_file_size_limit_is_exit_2_naming_the_output(tmp_path):
    out = tmp_path / "out" / "newsclaims.duckdb"
    out.parent.mkdir()
    out.write_bytes(b"the previous database\n")
    before = listing(tmp_path)
    result = run("build", "--output", out, fsize=LIMIT, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr == (f"Error: {out}: cannot write the database (file too large); "
                             "nothing was written\n")
    assert listing(tmp_path) == before
    assert out.read_bytes() == b"the previous database\n"


def test_release_past_a_file_size_limit_is_exit_2_naming_the_release(tmp_path, built_db_copy):
    built_db = built_db_copy
    before = listing(tmp_path)
    result = run("release", "1.0.0", "--db", built_db, "--out", tmp_path / "releases",
                 "--reports-dir", tmp_path / "reports", fsize=LIMIT, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr == (f"Error: {tmp_path / 'releases' / '1.0.0'}: cannot write the "
                             "release (file too large); nothing was released\n")
    assert listing(tmp_path) == before


@pytest.fixture
def small_filesystem(tmp_path, built_db):
    """A tmpfs with room for one set of reports of the curated dataset, not for a second
    set written beside it (1.5 times one set, measured first)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    db = tmp_path / "measure.duckdb"
    shutil.copyfile(built_db, db)
    assert run("check", "--db", db, "--reports", tmp_path / "measured",
               cwd=tmp_path).returncode in (0, 1)
    one_set = sum(p.stat().st_size for p in (tmp_path / "measured").rglob("*") if p.is_file())
    shutil.rmtree(tmp_path / "measured")
    db.unlink()
    mount = tmp_path / "small"
    mount.mkdir()
    size = one_set * 3 // 2 // 4096 * 4096 + 4096
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                          capture_output=True, text=True, timeout=120)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True, timeout=60)


def hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_check_reports_on_a_full_disk_are_exit_2_and_leave_the_previous_ones(
        tmp_path, built_db, small_filesystem):
    db = tmp_path / "db.duckdb"
    shutil.copyfile(built_db, db)
    reports = small_filesystem / "reports"
    first = run("check", "--db", db, "--reports", reports, cwd=tmp_path)
    assert first.returncode in (0, 1), first.stderr  # the reports of a run, passed or not
    previous = hashes(reports)
    assert {"report.html", "report.json", "report.md"} <= set(previous)
    import duckdb

    def stored():
        con = duckdb.connect(str(db), read_only=True)
        try:
            return con.execute("SELECT min(run_at), count(*) FROM dq_results").fetchall()
        finally:
            con.close()

    results = stored()
    second = run("check", "--db", db, "--reports", reports, cwd=tmp_path)
    assert second.returncode == 2, second.stderr
    assert second.stderr == (f"Error: {reports}: cannot write the reports (no space left on "
                             "device); the previous reports and results were left as they "
                             "were\n")
    assert hashes(reports) == previous  # no temporary file left, the old reports intact
    assert stored() == results
    assert json.loads((reports / "report.json").read_text())["run"]
