"""Before and after: one ``newsclaims`` command timed under two checkouts of the package,
run alternately (A, B, A, B, ...) as whole processes, so that the machine's noise hits both
alike. Medians, and B's median over A's.

    .venv/bin/python bench/ab.py --a ../before --b . --rounds 7 -- check --db big.duckdb --no-reports

``--a``/``--b`` are repository checkouts: each run imports ``newsclaims`` from that
checkout's ``src/`` (``PYTHONPATH``) and reads its ``checks/`` and ``sql/``
(``NEWSCLAIMS_ROOT``), with this interpreter and its installed dependencies. The database
is copied before every run, so that both sides start from the same file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_once(checkout: Path, args: list[str], db: Path | None, work: Path) -> tuple[float, int]:
    env = {**os.environ, "PYTHONPATH": str(checkout / "src"), "NEWSCLAIMS_ROOT": str(checkout)}
    argv = list(args)
    if db is not None:
        copy = work / db.name
        shutil.copyfile(db, copy)
        argv = [str(copy) if a == str(db) else a for a in argv]
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "newsclaims", *argv], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    return seconds, proc.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", type=Path, required=True, help="checkout A (before)")
    ap.add_argument("--b", type=Path, required=True, help="checkout B (after)")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--db", type=Path, default=None, help="a database named in the command, copied per run")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- newsclaims arguments")
    ns = ap.parse_args()
    args = ns.command[1:] if ns.command[:1] == ["--"] else ns.command
    times: dict[str, list[float]] = {"a": [], "b": []}
    codes: dict[str, set[int]] = {"a": set(), "b": set()}
    with tempfile.TemporaryDirectory(dir=ns.db.parent if ns.db else None) as tmp:
        for _ in range(ns.rounds):
            for side in ("a", "b"):
                seconds, code = run_once(getattr(ns, side).resolve(), args, ns.db, Path(tmp))
                times[side].append(seconds)
                codes[side].add(code)
    result = {side: {"median_s": round(statistics.median(t), 3), "runs_s": [round(x, 3) for x in t],
                     "exit_codes": sorted(codes[side])} for side, t in times.items()}
    result["b_over_a"] = round(result["b"]["median_s"] / result["a"]["median_s"], 3)
    result["command"] = args
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
