"""An ingest stopped at any point (kill -9, SIGTERM, Ctrl-C) leaves the database as it was
or fully published; a concurrent read-only query sees the old or the new state."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ingest_fixtures import checked_db, copy, tables_state

from newsclaims.synth.batch import write_batch


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """(database, batch, state before, state after publishing, seconds an ingest takes)."""
    folder = tmp_path_factory.mktemp("ingest_signals")
    base = checked_db(folder, claims=4000, seed=11)
    batch = folder / "batch"
    write_batch(base, batch, 800, seed=2)
    done = copy(base, folder / "done.duckdb")
    started = time.monotonic()
    got = _ingest(done, batch).communicate(timeout=120)
    seconds = time.monotonic() - started
    assert "published" in got[0], got
    return base, batch, tables_state(base), tables_state(done), seconds


def _ingest(db, batch):
    return subprocess.Popen([str(Path(sys.executable).parent / "newsclaims"), "ingest", str(batch), "--db", str(db),
                             "--pandera", "never"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("sig, code", [(signal.SIGKILL, -9), (signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stopped_ingest_leaves_the_old_or_the_new_state(tmp_path, world, sig, code):
    base, batch, before, after, seconds = world
    seen = set()
    for i in range(6):
        db = copy(base, tmp_path / f"db{i}.duckdb")
        proc = _ingest(db, batch)
        time.sleep(0.3 + seconds * i / 6)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
        state = tables_state(db)
        assert state in (before, after), f"{sig.name} after {i}/6: a half-published database"
        if proc.returncode == 0 or out.startswith("published") or state == after:
            # a signal after the commit (while the process prints and exits, or before it
            # printed) stops nothing: the batch is fully published
            seen.add("published")
            assert state == after
        else:
            assert proc.returncode == code, (i, err)
            assert state == before
            seen.add("stopped")
        if sig != signal.SIGKILL and "stopped" in seen and state == before:
            assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "stopped" in seen


@pytest.mark.timeout(300)
def test_a_concurrent_query_sees_the_old_or_the_new_state(tmp_path, world):
    base, batch, before, after, _ = world
    db = copy(base, tmp_path / "db.duckdb")
    counts = {len(before["claims"]), len(after["claims"])}
    proc = _ingest(db, batch)
    seen = []
    while proc.poll() is None:
        got = subprocess.run([sys.executable, "-m", "newsclaims", "query", "--db", str(db), "--format", "csv",
                              "SELECT count(*) FROM claims"], capture_output=True, text=True, timeout=120)
        assert got.returncode == 0, got.stderr
        seen.append(int(got.stdout.splitlines()[-1]))
    assert proc.returncode == 0
    assert seen and set(seen) <= counts
