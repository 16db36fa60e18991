"""The benchmark: one synthetic database per size, each tool timed as a whole process.

    .venv/bin/python bench/run.py --sizes 1M,10M --repeat 3

Tools (each a fresh subprocess; wall clock and peak RSS of that child via os.wait4):
floor (bench/floor.sql, hand-fused), per_rule (bench/core_rules.sql, one query per rule),
core (newsclaims check --select core), full (the whole catalogue). Prints medians, peak
memory, ratios to the floor and a parity table of the 15 core rules' counts; writes
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
TOOLS = {
    "floor": [PY, str(HERE / "tools" / "duckdb_sql.py"), "floor"],
    "per_rule": [PY, str(HERE / "tools" / "duckdb_sql.py"), "per_rule"],
    "core": [PY, str(HERE / "tools" / "newsclaims_check.py"), "core"],
    "full": [PY, str(HERE / "tools" / "newsclaims_check.py"), "all"],
}


def size(text: str) -> int:
    t = text.strip().lower()
    return int(float(t[:-1]) * {"k": 1e3, "m": 1e6}[t[-1]]) if t[-1] in "km" else int(t)




def run_tool(cmd: list[str]) -> tuple[float, float, dict]:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    out, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {err.strip()[-400:]}")
    counts = json.loads(out.strip().splitlines()[-1])["counts"]
    return wall, usage.ru_maxrss / 1024, counts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1M")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--defect-rate", type=float, default=0.0002)
    ap.add_argument("--memory-limit", default="1500MB")
    args = ap.parse_args()
    data = HERE / "data"
    data.mkdir(exist_ok=True)
    report = []
    for label in args.sizes.split(","):
        n = size(label)
        db = data / f"claims-{label}-s{args.seed}-r{args.defect_rate}.duckdb"
        if not db.exists():
            started = time.perf_counter()
            subprocess.run([str(Path(PY).parent / "newsclaims"), "synth", "--claims", str(n), "--seed", str(args.seed),
                            "--defect-rate", str(args.defect_rate), "--output", str(db)], check=True)
            print(f"[{label}] synth {time.perf_counter() - started:.1f} s", flush=True)
        rows, counts = {}, {}
        for tool in args.tools.split(","):
            walls, rss = [], []
            for _ in range(args.repeat):
                wall, peak, c = run_tool(TOOLS[tool] + [str(db), args.memory_limit])
                walls.append(wall)
                rss.append(peak)
                counts[tool] = c
            rows[tool] = (statistics.median(walls), max(rss))
            print(f"[{label}] {tool:<9} median {rows[tool][0]:7.2f} s  peak {rows[tool][1]:7.0f} MB", flush=True)
        floor = rows.get("floor", (None,))[0]
        core_ids = sorted(counts.get("floor", counts.get("per_rule", {})))
        parity = {rule: {t: counts[t].get(rule, 0) for t in counts} for rule in core_ids}
        agree = all(len(set(v.values())) == 1 for v in parity.values())
        report.append((label, rows, floor, parity, agree))
        print(f"[{label}] parity of the 15 core rules across tools: {'AGREE' if agree else 'DIFFER'}")
        for rule, v in parity.items():
            print(f"   {rule:<45} " + " ".join(f"{t}={n}" for t, n in v.items()))
    write_results(report, args)


def write_results(report, args) -> None:
    import duckdb

    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor())
    mem = next(l.split()[1] for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
    lines = ["# Benchmark results", "",
             f"Machine: {os.cpu_count()} cores ({cpu}), {int(mem) // 1024} MB RAM, Python {platform.python_version()}, "
             f"DuckDB {duckdb.__version__}. Medians of {args.repeat} whole-process runs; peak RSS of the child.",
             "Shared machine: other jobs ran at the same time, so absolute times are noisy.", ""]
    for label, rows, floor, parity, agree in report:
        lines += [f"## {label} claims", "", "| tool | median s | peak MB | × floor |", "|---|---|---|---|"]
        for tool, (wall, peak) in rows.items():
            ratio = f"{wall / floor:.2f}" if floor else "-"
            lines.append(f"| {tool} | {wall:.2f} | {peak:.0f} | {ratio} |")
        lines += ["", f"Parity of the 15 core rules: {'all tools agree' if agree else 'TOOLS DIFFER'}", "",
                  "| rule | " + " | ".join(next(iter(parity.values())).keys()) + " |",
                  "|---|" + "---|" * len(next(iter(parity.values())))]
        lines += [f"| {r} | " + " | ".join(str(n) for n in v.values()) + " |" for r, v in parity.items()]
        lines.append("")
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
