"""Render ``bench/RESULTS.md`` from the stored measurements (``bench/results/<size>.json``)
and the machine's description."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELS = {
    "core": "(a) `newsclaims check --select core`",
    "full": "(b) `newsclaims check` (full catalogue)",
    "floor": "(c) DuckDB floor, fastest found (`bench/floor.sql`)",
    "floor_one_scan": "(c') DuckDB floor, one statement per table (`bench/floor_one_scan.sql`)",
    "per_rule": "(d) DuckDB, one query per rule",
    "gx": "(e) Great Expectations, SQL datasource",
    "pandera": "(f) pandera on polars",
    "soda": "(g) Soda Core (own venv)",
}


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _soda_version() -> str:
    python = HERE / ".venv-soda" / "bin" / "python"
    if not python.exists():
        return "not installed"
    out = subprocess.run([str(python), "-c", "from importlib import metadata as m; "
                          "print(m.version('soda-core'), m.version('soda-duckdb'), m.version('duckdb'))"],
                         capture_output=True, text=True).stdout.split()
    return f"soda-core {out[0]}, soda-duckdb {out[1]} (duckdb {out[2]} in its venv)" if len(out) == 3 else "?"


def machine() -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((l.split(":", 1)[1].strip() for l in cpuinfo if l.startswith("model name")), platform.processor())
    mem = next(l.split()[1] for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
    return [
        f"- CPU: {cpu}; `nproc` = {os.cpu_count()}; memory {int(mem) // 1024} MB; {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}",
        f"- duckdb {_version('duckdb')}, great-expectations {_version('great-expectations')} "
        f"(duckdb_engine {_version('duckdb_engine')}, SQLAlchemy {_version('SQLAlchemy')}), "
        f"pandera {_version('pandera')}, polars {_version('polars')}, {_soda_version()}",
    ]


def _fmt(x: float) -> str:
    return f"{x:.2f}"


FLOOR_NAMES = {"floor": "DuckDB floor, fastest found",
               "floor_one_scan": "DuckDB floor, one statement per table"}


def round_ratios(by: dict[str, dict], size: str, tool: str, other: str) -> list[float]:
    """``tool``'s wall time over ``other``'s, round by round (the tools of one round run
    one after another, so a slower spell of the shared machine hits both alike)."""
    tools = by.get(size, {}).get("tools", {})
    a, b = tools.get(tool, {}).get("walls") or [], tools.get(other, {}).get("walls") or []
    return [x / y for x, y in zip(a, b) if y] if len(a) == len(b) else []


def ratio_target(by: dict[str, dict], size: str, tool: str, other: str, limit: float) -> tuple[str, bool]:
    """(what was measured, met) for "``tool`` within ``limit``× ``other``": met only when the
    ratio of the medians AND the median of the per-round ratios are both within the limit."""
    import statistics

    tools = by[size]["tools"]
    of_medians = tools[tool]["median_s"] / tools[other]["median_s"]
    per_round = round_ratios(by, size, tool, other)
    if not per_round:
        return f"{of_medians:.2f}×", of_medians <= limit
    paired = statistics.median(per_round)
    return (f"{of_medians:.2f}× (per round: {paired:.2f}×)",
            of_medians <= limit and paired <= limit)


def targets(by: dict[str, dict]) -> list[str]:
    """The issue's acceptance targets, each computed from the stored measurements. A ratio
    target counts as met only if both the ratio of the medians and the median of the
    per-round ratios meet it (``ratio_target``)."""
    rows = []

    def med(size: str, tool: str) -> float | None:
        return by.get(size, {}).get("tools", {}).get(tool, {}).get("median_s")

    for size in ("1M", "10M"):
        core = med(size, "core")
        if core is None:
            continue
        for peer in ("soda", "pandera", "gx"):
            other = med(size, peer)
            if other:
                measured, ok = ratio_target(by, size, "core", peer, 1.0)
                rows.append((f"core faster than {peer}", size,
                             f"{_fmt(core)} s vs {_fmt(other)} s; {measured}", ok and core < other))
        for floor in ("floor", "floor_one_scan"):
            if med(size, floor):
                measured, ok = ratio_target(by, size, "core", floor, 1.1)
                rows.append((f"core within 1.1× {FLOOR_NAMES[floor]}", size, measured, ok))
    full10, full1 = med("10M", "full"), med("1M", "full")
    for floor in ("floor", "floor_one_scan"):
        if full10 and med("10M", floor):
            measured, ok = ratio_target(by, "10M", "full", floor, 1.5)
            rows.append((f"full catalogue within 1.5× {FLOOR_NAMES[floor]}", "10M", measured, ok))
    if full10:
        peak = by["10M"]["tools"]["full"]["peak_mb"]
        rows.append(("full catalogue peak memory < 2 GB", "10M", f"{peak:.0f} MB", peak < 2048))
    if full10 and full1:
        rows.append(("full catalogue grows ≤ 11× from 1M to 10M", "1M→10M", f"{full10 / full1:.1f}×",
                     full10 / full1 <= 11))
    help_s = next((r["help_s"]["median_s"] for r in by.values() if r.get("help_s")), None)
    if help_s is not None:
        rows.append(("`newsclaims --help` under 0.5 s", "-", f"{help_s:.3f} s", help_s < 0.5))
    if not rows:
        return []
    return ["## Acceptance targets (computed from the measurements above)", "",
            "| target | size | measured | met |", "|---|---|---|---|",
            *[f"| {t} | {size} | {m} | {'yes' if ok else '**no**'} |" for t, size, m, ok in rows], ""]


def write_results_md(results_dir: Path, out: Path, argv: str, notes: list[str] | None = None) -> Path:
    sizes = sorted((json.loads(p.read_text()) for p in results_dir.glob("*.json")),
                   key=lambda r: r["rows"]["claims"])
    lines = ["# Benchmark results", "",
             "Generated by `bench/run.py` (`bench/results_md.py` renders this file from "
             "`bench/results/*.json`). Command:", "",
             f"    .venv/bin/python bench/run.py {argv}".rstrip(), "", "## Machine", "", *machine(), ""]
    notes_path = HERE / "analysis.md"
    for r in sizes:
        rows = r["rows"]
        floor = r["tools"].get("floor", {}).get("median_s")
        lines += [
            f"## {r['size']} claims ({r['db']})", "",
            f"{rows['claims']:,} claims, {rows['figures']:,} figures, {rows['documents']:,} documents, "
            f"{rows['incidents']:,} incidents, {rows['places']:,} places, {rows['claim_links']:,} links; "
            + ("with defects of every rule" if r["defects"] else "clean data (no injected defects)")
            + f". Median of {r['repeat']} whole-process runs (tools interleaved round-robin), peak RSS of "
              f"the process; DuckDB memory_limit {r['memory_limit']}; CLI run with {r['reports']}. "
              f"Measured {r['measured_at']}.", "",
            "| tool | median s | peak MB | × floor (c) | × floor (c') | runs (s) |", "|---|---|---|---|---|---|",
        ]
        one_scan = r["tools"].get("floor_one_scan", {}).get("median_s")
        for tool, t in r["tools"].items():
            ratio = _fmt(t["median_s"] / floor) if floor else "-"
            ratio2 = _fmt(t["median_s"] / one_scan) if one_scan else "-"
            lines.append(f"| {LABELS.get(tool, tool)} | {_fmt(t['median_s'])} | {t['peak_mb']:.0f} | {ratio} | "
                         f"{ratio2} | " + ", ".join(_fmt(w) for w in t["walls"]) + " |")
        for tool, why in (r.get("failed") or {}).items():
            lines.append(f"| {LABELS.get(tool, tool)} | failed: {why[:200]} | | | | |")
        tools = list(next(iter(r["parity"].values())).keys())
        lines += ["", f"Parity of the 15 core rules (offending rows per rule): "
                  f"**{'all tools agree' if r['agree'] else 'TOOLS DIFFER'}**"
                  + (f"; the tools' count differs from the synthetic ground truth for "
                     f"{', '.join(r.get('off_truth', []))} (see the analysis below)" if r.get("off_truth") else
                     "; every count equals the synthetic ground truth" if "truth" in tools else ""), "",
                  "| rule | " + " | ".join(tools) + " |", "|---|" + "---|" * len(tools)]
        lines += [f"| {rule} | " + " | ".join(str(v.get(t, "")) for t in tools) + " |"
                  for rule, v in r["parity"].items()]
        lines.append("")
        if r.get("verify"):
            lines += [f"Ground truth of the whole catalogue (`newsclaims check`, then `newsclaims synth "
                      f"--verify`): **{r['verify']}** (pandera rules skip tables above 250,000 rows by "
                      "default; `bench/TRUTH.md` forces them at 1M).", ""]
    by = {r["size"]: r for r in sizes}
    if "1M" in by and "10M" in by:
        lines += ["## Growth from 1M to 10M claims", "", "| tool | 1M s | 10M s | growth |", "|---|---|---|---|"]
        for tool in LABELS:
            a, b = by["1M"]["tools"].get(tool), by["10M"]["tools"].get(tool)
            if a and b:
                lines.append(f"| {LABELS[tool]} | {_fmt(a['median_s'])} | {_fmt(b['median_s'])} | "
                             f"{b['median_s'] / a['median_s']:.1f}× |")
        lines.append("")
    lines += targets(by)
    if notes_path.exists():
        lines += [notes_path.read_text().strip(), ""]
    tmp = out.with_suffix(".md.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    return out


if __name__ == "__main__":
    import sys

    write_results_md(HERE / "results", HERE / "RESULTS.md", " ".join(sys.argv[1:]))
