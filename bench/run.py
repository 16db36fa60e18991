"""The benchmark: one synthetic database per size, every tool timed as a whole process.

    .venv/bin/python bench/run.py --sizes 1M,10M --repeat 3

For each size: make the database once (``newsclaims synth``, with a small defect rate so
every rule has real violations), run every tool once on it and print the parity table
(counts of the 15 core rules per tool; they must agree), then time ``--repeat`` rounds,
the tools interleaved round-robin so machine noise hits all alike. Each run is a fresh
process: wall clock of the whole process, peak RSS of that child (``os.wait4``).

Tools (see bench/README.md): core, full (the ``newsclaims check`` CLI), floor,
floor_one_scan, per_rule (plain DuckDB SQL), gx, pandera, soda (Soda Core in ``bench/.venv-soda``, made here when
missing). The measurements of each size go to ``bench/results/<size>.json``;
``bench/RESULTS.md`` is rendered from every stored size.
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

import duckdb

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
NEWSCLAIMS = str(Path(PY).parent / "newsclaims")
SODA_VENV = HERE / ".venv-soda"
SODA_PACKAGES = ["soda-core==4.28.0", "soda-duckdb==4.28.0"]
ORDER = ["core", "full", "floor", "floor_one_scan", "per_rule", "gx", "pandera", "soda"]
CORE_RULES = [
    "claims.claimant_not_null", "claims.claim_date_not_null", "figures.no_negative_values",
    "figures.low_le_high", "figures.qualifier_accepted", "claims.claim_id_unique",
    "claims.doc_id_exists", "claims.incident_id_exists", "claims.claim_date_not_after_publication",
    "claims.claim_date_not_before_incident", "claims.quote_matches_text",
    "places.coordinates_in_range", "claims.no_future_dates",
    "figures.casualty_has_source_and_date", "figures.cross_source_discrepancy",
]
# the engine stores both figures of a cross-source pair once per pair: count distinct figures
VIOLATION_COUNTS = (
    "SELECT rule_id, CASE WHEN rule_id = 'figures.cross_source_discrepancy' "
    "THEN count(DISTINCT record_id) ELSE count(*) END FROM dq_violations GROUP BY rule_id"
)


def size(text: str) -> int:
    t = text.strip().lower()
    return int(float(t[:-1]) * {"k": 1e3, "m": 1e6}[t[-1]]) if t[-1] in "km" else int(t)


def has_no_reports() -> bool:
    """Whether ``newsclaims check`` has ``--no-reports`` (else reports go to a temp dir)."""
    out = subprocess.run([NEWSCLAIMS, "check", "--help"], capture_output=True, text=True).stdout
    return "--no-reports" in out


def soda_python() -> Path | None:
    """The Python of the Soda Core venv, made on first use; None if it cannot be made."""
    python = SODA_VENV / "bin" / "python"
    if not python.exists():
        print(f"making {SODA_VENV} ({' '.join(SODA_PACKAGES)}) ...", flush=True)
        made = subprocess.run(["python3", "-m", "venv", str(SODA_VENV)], capture_output=True, text=True)
        if made.returncode == 0:
            made = subprocess.run([str(python), "-m", "pip", "install", "-q", *SODA_PACKAGES],
                                  capture_output=True, text=True)
        if made.returncode != 0:
            print(f"Soda Core could not be installed: {made.stderr.strip()[-400:]}", flush=True)
            shutil.rmtree(SODA_VENV, ignore_errors=True)
            return None
    return python


def commands(db: Path, memory_limit: str, reports: Path | None) -> dict[str, list[str]]:
    """tool -> the command of one run."""
    out = ["--no-reports"] if reports is None else ["--reports-dir", str(reports)]
    tools = HERE / "tools"
    cmds = {
        "core": [NEWSCLAIMS, "check", "--db", str(db), "--select", "core", *out],
        "full": [NEWSCLAIMS, "check", "--db", str(db), *out],
        "floor": [PY, str(tools / "duckdb_sql.py"), "floor", str(db), memory_limit],
        "floor_one_scan": [PY, str(tools / "duckdb_sql.py"), "floor_one_scan", str(db), memory_limit],
        "per_rule": [PY, str(tools / "duckdb_sql.py"), "per_rule", str(db), memory_limit],
        "gx": [PY, str(tools / "gx_core.py"), str(db), memory_limit],
        "pandera": [PY, str(tools / "pandera_core.py"), str(db), memory_limit],
    }
    soda = SODA_VENV / "bin" / "python"
    if soda.exists():
        cmds["soda"] = [str(soda), str(tools / "soda_contracts.py"), str(db), memory_limit]
    return cmds


def run_once(tool: str, cmd: list[str], db: Path) -> tuple[float, float, dict[str, int]]:
    """(wall seconds, peak RSS MB, counts of the core rules) of one fresh process."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    code = os.waitstatus_to_exitcode(status)
    # `newsclaims check` exits 1 when a rule fails the gate: the database has defects on purpose
    if code != 0 and not (tool in ("core", "full") and code == 1):
        raise RuntimeError(f"{tool} exited {code}: {stderr.strip()[-600:]}")
    if tool in ("core", "full"):
        con = duckdb.connect(str(db), read_only=True)
        counts = {r: int(n) for r, n in con.execute(VIOLATION_COUNTS).fetchall()}
        con.close()
    else:
        counts = json.loads(stdout.strip().splitlines()[-1])["counts"]
    return wall, usage.ru_maxrss / 1024, {r: counts.get(r, 0) for r in CORE_RULES}


FAILED: dict[str, str] = {}  # tool -> why it could not run


def truth_counts(db: Path) -> dict[str, int] | None:
    """The ground truth of ``synth`` in the parity's counting (rows; claim_id_unique: every
    row carrying a duplicated id; cross-source: distinct figures)."""
    path = Path(f"{db}.truth.json")
    if not path.exists():
        return None
    rules = json.loads(path.read_text())["rules"]
    out = {r: len(set(rules.get(r, []))) for r in CORE_RULES}
    ids = sorted(rules.get("claims.claim_id_unique", []))
    if ids:
        con = duckdb.connect(str(db), read_only=True)
        out["claims.claim_id_unique"] = con.execute(
            "SELECT count(*) FROM claims WHERE claim_id IN (SELECT unnest(?::VARCHAR[]))", [ids]).fetchone()[0]
        con.close()
    return out


def parity(db: Path, cmds: dict[str, list[str]]) -> tuple[dict[str, dict[str, int]], dict[str, tuple]]:
    """Run each tool once: rule -> tool -> count, and the (wall, rss) of these first runs."""
    table: dict[str, dict[str, int]] = {r: {} for r in CORE_RULES}
    first: dict[str, tuple] = {}
    for tool, cmd in cmds.items():
        try:
            wall, rss, counts = run_once(tool, cmd, db)
        except RuntimeError as exc:  # a tool that cannot run is reported, not timed
            FAILED[tool] = str(exc)
            print(f"{tool} FAILED: {exc}", flush=True)
            continue
        first[tool] = (wall, rss)
        for rule in CORE_RULES:
            table[rule][tool] = counts[rule]
    return table, first


def agree(table: dict[str, dict[str, int]]) -> bool:
    """Whether every tool counts the same for every rule (the ground truth is apart)."""
    return all(len({n for t, n in v.items() if t != "truth"}) == 1 for v in table.values())


def off_truth(table: dict[str, dict[str, int]]) -> list[str]:
    """The rules whose (agreed) count differs from the synthetic ground truth."""
    return [rule for rule, v in table.items() if "truth" in v
            and any(n != v["truth"] for t, n in v.items() if t != "truth")]


def make_database(label: str, seed: int, rate: float, clean: bool) -> Path:
    data = HERE / "data"
    data.mkdir(exist_ok=True)
    name = f"claims-{label}-s{seed}-clean.duckdb" if clean else f"claims-{label}-s{seed}-r{rate}.duckdb"
    db = data / name
    if not db.exists():
        # synth's default memory limit (1500MB) ran out of memory at 10M claims
        cmd = [NEWSCLAIMS, "synth", "--claims", str(size(label)), "--seed", str(seed), "--output", str(db),
               "--memory-limit", "5GB"]
        cmd += ["--loose"] if clean else ["--defect-rate", str(rate)]
        started = time.perf_counter()
        subprocess.run(cmd, check=True)
        print(f"[{label}] synth {time.perf_counter() - started:.1f} s", flush=True)
    return db


def bench_size(label: str, db: Path, args, reports: Path | None) -> dict:
    cmds = commands(db, args.memory_limit, reports)
    wanted = [t for t in args.tools.split(",") if t in cmds]
    cmds = {t: cmds[t] for t in ORDER if t in wanted}
    table, first = parity(db, cmds)
    truth = truth_counts(db)
    if truth:
        for rule in CORE_RULES:
            table[rule]["truth"] = truth[rule]
    print(f"[{label}] parity of the 15 core rules: {'all tools agree' if agree(table) else 'TOOLS DIFFER'}"
          + (f"; differs from the ground truth: {', '.join(off_truth(table))}" if off_truth(table) else ""))
    for rule, v in table.items():
        print(f"   {rule:<42} " + " ".join(f"{t}={n}" for t, n in v.items()), flush=True)
    print(f"[{label}] first (untimed) runs: " + ", ".join(f"{t} {w:.1f} s" for t, (w, _) in first.items()), flush=True)
    if args.parity_only:
        return {}
    cmds = {t: c for t, c in cmds.items() if t not in FAILED}
    runs: dict[str, list[tuple[float, float]]] = {t: [] for t in cmds}
    for round_ in range(args.repeat):
        for tool, cmd in cmds.items():  # round-robin
            wall, rss, _ = run_once(tool, cmd, db)
            runs[tool].append((wall, rss))
            print(f"[{label}] round {round_ + 1} {tool:<9} {wall:7.2f} s {rss:7.0f} MB", flush=True)
    rows = {t: {"median_s": statistics.median(w for w, _ in r), "peak_mb": max(m for _, m in r),
                "walls": [round(w, 3) for w, _ in r]} for t, r in runs.items()}
    floor = rows.get("floor", {}).get("median_s")
    for tool, row in rows.items():
        ratio = f"{row['median_s'] / floor:5.2f}x floor" if floor else ""
        print(f"[{label}] {tool:<9} median {row['median_s']:7.2f} s  peak {row['peak_mb']:6.0f} MB  {ratio}", flush=True)
    verified = verify_truth(label, db)
    con = duckdb.connect(str(db), read_only=True)
    shape = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
             for t in ("claims", "figures", "documents", "incidents", "places", "claim_links")}
    con.close()
    return {"size": label, "db": db.name, "defects": not db.name.endswith("-clean.duckdb"),
            "rows": shape, "repeat": args.repeat, "memory_limit": args.memory_limit,
            "reports": "--no-reports" if reports is None else "--reports-dir <temp dir>",
            "parity": table, "agree": agree(table), "off_truth": off_truth(table), "tools": rows,
            "failed": dict(FAILED), "verify": verified,
            "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def verify_truth(label: str, db: Path) -> str | None:
    """Untimed: the full catalogue once more, then ``newsclaims synth --verify``: does
    ``check`` report exactly the injected defects, rule by rule? Returns its summary line."""
    if not Path(f"{db}.truth.json").exists():
        return None
    subprocess.run([NEWSCLAIMS, "check", "--db", str(db), "--no-reports"], capture_output=True, cwd=ROOT)
    done = subprocess.run([NEWSCLAIMS, "synth", "--verify", str(db)], capture_output=True, text=True, cwd=ROOT)
    summary = next((line for line in done.stdout.splitlines() if "rules compared" in line),
                   (done.stdout + done.stderr).strip()[-300:])
    print(f"[{label}] ground truth: {summary}", flush=True)
    return summary


def time_help(repeat: int) -> dict:
    """Median wall seconds of ``newsclaims --help`` as a whole process (fast-start target)."""
    walls = []
    for _ in range(max(repeat, 5)):
        started = time.perf_counter()
        subprocess.run([NEWSCLAIMS, "--help"], check=True, capture_output=True, cwd=ROOT)
        walls.append(time.perf_counter() - started)
    print(f"newsclaims --help: median {statistics.median(walls):.3f} s", flush=True)
    return {"median_s": round(statistics.median(walls), 3), "walls": [round(w, 3) for w in walls]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1M,10M", help="comma list, e.g. 20k,1M,10M")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tools", default=",".join(ORDER))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--defect-rate", type=float, default=0.0002)
    ap.add_argument("--clean", default="", help="sizes generated without defects (comma list)")
    ap.add_argument("--memory-limit", default="1500MB", help="DuckDB memory limit of the SQL tools")
    ap.add_argument("--parity-only", action="store_true", help="run each tool once, print the parity table")
    args = ap.parse_args()
    if "soda" in args.tools.split(","):
        soda_python()
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        reports = None if has_no_reports() else Path(tmp) / "reports"
        for label in args.sizes.split(","):
            db = make_database(label, args.seed, args.defect_rate, label in args.clean.split(","))
            result = bench_size(label, db, args, reports)
            if result:
                (results / f"{label}.json").write_text(json.dumps(result, indent=1) + "\n")
    if args.parity_only:
        return
    help_s = time_help(args.repeat)
    for label in args.sizes.split(","):
        path = results / f"{label}.json"
        stored = json.loads(path.read_text())
        stored["help_s"] = help_s
        path.write_text(json.dumps(stored, indent=1) + "\n")
    from results_md import write_results_md

    write_results_md(HERE / "results", HERE / "RESULTS.md", " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
