"""Benchmark of `newsclaims ingest` (bench/ingest.md): 1,000- and 10,000-record batches
into the synthetic database of a size, audit+publish against a full `check`.

    .venv/bin/python bench/ingest.py --sizes 1M --records 1000,10000 --repeat 3

Each timed run is a fresh process (`newsclaims ingest`, `newsclaims check --no-reports`) on a
fresh copy of the database, flushed to disk; the ingest runs once without lookup indexes
(`--lookup-indexes never`, every read a scan) and once with the indexes a first ingest
builds (their one-time cost is measured apart); beside them, the same batch written with no
audit at all (`bench/plain_load.py`, on the same indexed copy: what the ingest's audit adds is
the difference), and that write after reading only the stored keys the footprints reach (the
least an exact audit reads, `--probe`); medians are printed and stored in bench/results/ingest-<size>.json.
The cost per rule family is the ingest's own measurement (ingest.json, seconds_per_family)."""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
EXE = str(Path(sys.executable).parent / "newsclaims")


def _size(text: str) -> int:
    return int(float(text[:-1]) * {"k": 1_000, "M": 1_000_000}[text[-1]]) if text[-1] in "kM" else int(text)


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _timed(args: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall seconds, CPU seconds of the process and its threads, the result)."""
    started, cpu = time.perf_counter(), _cpu()
    done = subprocess.run(args, capture_output=True, text=True)
    return time.perf_counter() - started, _cpu() - cpu, done


def base_db(size: str) -> Path:
    db = DATA / f"ingest-{size}.duckdb"
    if not db.is_file():
        DATA.mkdir(exist_ok=True)
        subprocess.run([EXE, "synth", "--claims", size, "--defect-rate", "0.0002", "--seed", "0",
                        "--output", str(db)], check=True)
        subprocess.run([EXE, "check", "--db", str(db), "--no-reports"], capture_output=True)
    return db


def indexed_db(db: Path) -> tuple[Path, dict]:
    """A copy of ``db`` with the lookup indexes the first ingest builds (ingest/lookups.py),
    and what building them cost: the one-time cost, measured apart from the batches."""
    from newsclaims.engines.duckdb.database import open_database, table_sizes
    from newsclaims.ingest import lookups
    from newsclaims.ingest.audit import lookup_pairs
    from newsclaims.rules.catalogue import load_catalogue

    out = db.with_name(db.stem + "-indexed.duckdb")
    shutil.copyfile(db, out)
    con = open_database(out)
    started, cpu = time.perf_counter(), time.process_time()
    sizes = table_sizes(con)
    wide = lookups.wide_tables(con, sizes, lookups.INDEX_FROM)
    built = lookups.ensure(con, lookups.wanted(lookup_pairs(load_catalogue()), sizes, lookups.INDEX_FROM, wide))
    con.close()
    return out, {"indexes": built, "build_s": round(time.perf_counter() - started, 2),
                 "build_cpu_s": round(time.process_time() - cpu, 2),
                 "file_growth_mb": round((out.stat().st_size - db.stat().st_size) / 2**20, 1)}


def _fresh(db: Path, work: Path) -> None:
    """A fresh copy, flushed to disk: the copy's writeback does not land in the timed run."""
    shutil.copyfile(db, work)
    os.sync()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1M")
    parser.add_argument("--records", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=None,
                        help="a folder holding ingest-<size>.duckdb (checked) and batch-<size>-<records>/ "
                             "made earlier (default: bench/data, made when missing)")
    opts = parser.parse_args()
    global DATA
    DATA = opts.data or DATA
    for size in opts.sizes.split(","):
        db = base_db(size)
        stored = HERE / "results" / f"ingest-{size}.json"
        out = (json.loads(stored.read_text()) if stored.is_file()
               else {"size": size, "claims": _size(size), "batches": {}})
        indexed, out["lookup_indexes"] = indexed_db(db)
        print(f"{size} claims: the first ingest builds {len(out['lookup_indexes']['indexes'])} lookup indexes "
              f"in {out['lookup_indexes']['build_s']} s (once)", flush=True)
        for records in [int(r) for r in opts.records.split(",")]:
            batch = DATA / f"batch-{size}-{records}"
            if not batch.is_dir():
                subprocess.run([EXE, "synth", "--batch-of", str(db), "--records", str(records), "--seed", "1",
                                "--output", str(batch)], check=True, capture_output=True)
            ingest_s, check_s, ingest_cpu, check_cpu, families = [], [], [], [], []
            scan_s, scan_cpu, load_s, load_cpu, floor_s, floor_cpu = [], [], [], [], [], []
            work = DATA / "work.duckdb"
            for _ in range(opts.repeat):
                # side by side: the same batch without lookup indexes (every read a scan) ...
                _fresh(db, work)
                seconds, cpu, done = _timed([EXE, "ingest", str(batch), "--db", str(work), "--lookup-indexes",
                                             "never"])
                if done.returncode != 0:
                    raise SystemExit(f"ingest failed: {done.stdout}{done.stderr}")
                scan_s.append(seconds)
                scan_cpu.append(cpu)
                # ... with them (built once beforehand, as a first ingest leaves them), then a full check
                _fresh(indexed, work)
                seconds, cpu, done = _timed([EXE, "ingest", str(batch), "--db", str(work), "--report-dir",
                                             str(DATA / "ingest-report")])
                if done.returncode != 0:
                    raise SystemExit(f"ingest failed: {done.stdout}{done.stderr}")
                ingest_s.append(seconds)
                ingest_cpu.append(cpu)
                families.append(json.loads((DATA / "ingest-report" / "ingest.json").read_text())["seconds_per_family"])
                seconds, cpu, done = _timed([EXE, "check", "--db", str(work), "--no-reports"])
                check_s.append(seconds)
                check_cpu.append(cpu)
                # ... and the plain write the audit is added to (no audit, no results kept)
                _fresh(indexed, work)
                seconds, cpu, done = _timed([sys.executable, str(HERE / "plain_load.py"), str(batch), str(work)])
                if done.returncode != 0:
                    raise SystemExit(f"plain load failed: {done.stdout}{done.stderr}")
                load_s.append(seconds)
                load_cpu.append(cpu)
                # ... and the same write after reading the stored keys the footprints reach (the
                # least an exact audit reads: `plain_load.probe`)
                _fresh(indexed, work)
                seconds, cpu, done = _timed([sys.executable, str(HERE / "plain_load.py"), str(batch), str(work),
                                             "--probe"])
                if done.returncode != 0:
                    raise SystemExit(f"plain load failed: {done.stdout}{done.stderr}")
                floor_s.append(seconds)
                floor_cpu.append(cpu)
            rows = sum(json.loads((DATA / "ingest-report" / "ingest.json").read_text())["rows"].values())
            entry = {
                "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "load_average": round(__import__("os").getloadavg()[0], 1),
                "rows": rows, "ingest_s": round(statistics.median(ingest_s), 3),
                "check_s": round(statistics.median(check_s), 3), "runs": len(ingest_s),
                "ingest_cpu_s": round(statistics.median(ingest_cpu), 3),
                "ingest_without_indexes_s": round(statistics.median(scan_s), 3),
                "ingest_without_indexes_cpu_s": round(statistics.median(scan_cpu), 3),
                "check_cpu_s": round(statistics.median(check_cpu), 3),
                "plain_load_s": round(statistics.median(load_s), 3),
                "plain_load_cpu_s": round(statistics.median(load_cpu), 3),
                "load_and_key_reads_s": round(statistics.median(floor_s), 3),
                "load_and_key_reads_cpu_s": round(statistics.median(floor_cpu), 3),
                "phases_s": json.loads((DATA / "ingest-report" / "ingest.json").read_text())["seconds_per_phase"],
                "families_s": {k: round(statistics.median(f.get(k, 0.0) for f in families), 3)
                               for k in sorted({k for f in families for k in f})},
            }
            out["batches"][str(records)] = entry
            print(f"{size} claims, {records}-record batch ({rows} rows): ingest {entry['ingest_s']:.2f} s "
                  f"(without lookup indexes {entry['ingest_without_indexes_s']:.2f} s), full check "
                  f"{entry['check_s']:.2f} s; CPU {entry['ingest_cpu_s']:.2f} s (without "
                  f"{entry['ingest_without_indexes_cpu_s']:.2f} s) against {entry['check_cpu_s']:.2f} s; "
                  f"the plain load {entry['plain_load_s']:.2f} s (CPU {entry['plain_load_cpu_s']:.2f} s), "
                  f"with the key reads {entry['load_and_key_reads_s']:.2f} s; "
                  f"per family {entry['families_s']}", flush=True)
            stored.write_text(json.dumps(out, indent=2) + "\n")  # after each batch size


if __name__ == "__main__":
    main()
