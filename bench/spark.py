"""Spark (local) against the DuckDB engine on the same synthetic lake, and the shape of the
Spark plan per rule family.

    .venv/bin/python bench/spark.py --claims 1M --master 'local[2]'
    .venv/bin/python bench/spark.py --claims 20k --plans-only      # jobs and shuffles only

For the size: ``newsclaims synth --format parquet`` writes the lake once (defect rate
0.0002, so every rule has real violations), a DuckDB file is loaded from the same Parquet
files, then each engine is timed as a whole process (``newsclaims check``, fresh JVM for
Spark: its start-up is part of what a user waits for), the full catalogue and the core
rules (``--select core``), ``--repeat`` rounds interleaved. Then, in one Spark session, each
statement of the Spark plan runs once in a job group of its own: the Spark jobs it started
(``statusTracker``) and the shuffles (``Exchange``) and broadcasts (``BroadcastExchange``)
of its executed plan, summed per rule family. Output: ``bench/results/spark-<size>.json``
and a table on stdout (bench/spark.md reads them).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
NEWSCLAIMS = str(Path(PY).parent / "newsclaims")


def count(text: str) -> int:
    t = text.strip().replace("_", "").lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if scale > 1 else t) * scale)


def make_lake(claims: str, work: Path) -> tuple[Path, Path]:
    lake, db = work / f"lake-{claims}", work / f"lake-{claims}.duckdb"
    if not lake.is_dir():
        subprocess.run([NEWSCLAIMS, "synth", "--claims", claims, "--seed", "1", "--defect-rate", "0.0002",
                        "--format", "parquet", "--output", str(lake)], check=True)
    if not db.is_file():
        import duckdb

        from newsclaims import contract

        con = duckdb.connect(str(db))
        for table in contract.TABLES:
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet('{lake / table}/*.parquet')")
        con.close()
    return lake, db


def timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)}: exit {done.returncode}: {done.stderr[-500:]}")
    return round(time.perf_counter() - started, 2)


def wall_clock(lake: Path, db: Path, master: str, repeat: int) -> dict:
    runs = {
        "duckdb full": [NEWSCLAIMS, "check", "--db", str(db), "--no-reports"],
        "duckdb core": [NEWSCLAIMS, "check", "--db", str(db), "--no-reports", "--select", "core"],
        "spark full": [NEWSCLAIMS, "check", "--engine", "spark", "--lake", str(lake), "--spark-master", master,
                       "--no-reports"],
        "spark core": [NEWSCLAIMS, "check", "--engine", "spark", "--lake", str(lake), "--spark-master", master,
                       "--no-reports", "--select", "core"],
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, cmd in runs.items():
            times[name].append(timed(cmd))
            print(f"{name}: {times[name][-1]} s", flush=True)
    return {name: {"median_s": statistics.median(t), "runs": t} for name, t in times.items()}


def plan_shape(lake: Path, master: str, only: str | None = None) -> dict:
    """Per family: statements, Spark jobs, shuffles and broadcasts of their executed plans.
    ``only``: a glob of statement labels (``'sql figures.*'``) to measure those alone. A
    statement Spark refuses is listed with its error and counted nowhere."""
    from fnmatch import fnmatch

    from newsclaims.engines.spark.lake import register_lake
    from newsclaims.engines.spark.plan import plan_statements
    from newsclaims.engines.spark.session import add_functions, get_session
    from newsclaims.rules.catalogue import load_catalogue

    spark = get_session(master)
    add_functions(spark)
    register_lake(spark, str(lake))
    statements, errors = plan_statements(load_catalogue())
    tracker = spark.sparkContext.statusTracker()
    families: dict[str, dict] = {}
    per_statement = []
    failed = []
    for i, st in enumerate(statements):
        if only and not fnmatch(st.label, only):
            continue
        group = f"nc-{i}"
        spark.sparkContext.setJobGroup(group, st.label)
        try:
            frame = spark.sql(st.sql)
            started = time.perf_counter()
            frame.write.format("noop").mode("overwrite").save()
        except Exception as exc:  # noqa: BLE001 - the engine makes such a statement's rules `error`
            failed.append({"label": st.label, "error": " ".join(str(exc).split())[:200]})
            continue
        seconds = time.perf_counter() - started
        plan = frame._jdf.queryExecution().executedPlan().toString()
        shuffles = len(re.findall(r"\bExchange (hashpartitioning|SinglePartition|roundrobin|rangepartitioning)", plan))
        broadcasts = plan.count("BroadcastExchange")
        jobs = len(tracker.getJobIdsForGroup(group))
        row = {"label": st.label, "family": st.family, "rules": len(st.rules), "jobs": jobs,
               "shuffles": shuffles, "broadcasts": broadcasts, "seconds": round(seconds, 2)}
        per_statement.append(row)
        fam = families.setdefault(st.family, {"statements": 0, "rules": 0, "jobs": 0, "shuffles": 0,
                                              "broadcasts": 0, "seconds": 0.0})
        for key in ("rules", "jobs", "shuffles", "broadcasts", "seconds"):
            fam[key] += row[key]
        fam["statements"] += 1
    spark.sparkContext.setJobGroup("", "")
    return {"families": families, "statements": per_statement, "untranslated": errors, "failed": failed}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", default="1M")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--work", type=Path, default=HERE / "data")
    ap.add_argument("--plans-only", action="store_true")
    ap.add_argument("--no-plans", action="store_true", help="wall clock only")
    ap.add_argument("--only", default=None, help="plans of the statements whose label matches this glob")
    args = ap.parse_args()
    args.work.mkdir(exist_ok=True)
    lake, db = make_lake(args.claims, args.work)
    out: dict = {"claims": count(args.claims), "master": args.master}
    if not args.plans_only:
        out["wall_clock"] = wall_clock(lake, db, args.master, args.repeat)
    target = HERE / "results" / (f"spark-{args.claims}.json" if not args.only else
                                 f"spark-{args.claims}-{re.sub(r'[^a-z0-9]+', '-', args.only.lower()).strip('-')}.json")
    if target.is_file():  # a wall-clock run and a plans run of one size share the file
        out = {**json.loads(target.read_text()), **out}
    if args.no_plans:
        target.write_text(json.dumps(out, indent=1) + "\n")
        print(json.dumps(out["wall_clock"], indent=1))
        return
    out["plan"] = plan_shape(lake, args.master, args.only)
    target.write_text(json.dumps(out, indent=1) + "\n")
    print(f"{'family':12} {'stmts':>5} {'rules':>5} {'jobs':>5} {'shuffles':>8} {'broadcasts':>10} {'s':>7}")
    for name, fam in sorted(out["plan"]["families"].items()):
        print(f"{name:12} {fam['statements']:5} {fam['rules']:5} {fam['jobs']:5} {fam['shuffles']:8} "
              f"{fam['broadcasts']:10} {fam['seconds']:7.1f}")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
