"""The benchmark's parity step (bench/run.py) at a tiny size: every tool available in the
main environment (the ``newsclaims check`` CLI, the two hand-fused DuckDB floors, DuckDB one
query per rule, Great Expectations, pandera on polars) counts the same offending rows for
each of the 15 core rules, and those counts are the synthetic ground truth."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOOLS = ["core", "floor", "floor_one_scan", "per_rule", "gx", "pandera"]


def _bench_run():
    spec = importlib.util.spec_from_file_location("bench_run", REPO / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def defect_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("bench") / "claims-5k.duckdb"
    newsclaims = Path(sys.executable).parent / "newsclaims"
    subprocess.run([str(newsclaims), "synth", "--claims", "5000", "--seed", "3", "--defect-rate", "0.001",
                    "--output", str(db)], check=True, capture_output=True, timeout=180)
    return db


def test_every_tool_counts_the_ground_truth(defect_db, tmp_path):
    bench = _bench_run()
    pytest.importorskip("great_expectations")
    cmds = bench.commands(defect_db, "500MB", None if bench.has_no_reports() else tmp_path / "reports")
    table, first = bench.parity(defect_db, {t: cmds[t] for t in TOOLS})
    assert not bench.FAILED, bench.FAILED
    assert sorted(first) == sorted(TOOLS)
    truth = bench.truth_counts(defect_db)
    assert truth is not None
    differ = {rule: {**counts, "truth": truth[rule]} for rule, counts in table.items()
              if set(counts.values()) != {truth[rule]}}
    assert not differ, differ
    assert sorted(table) == sorted(bench.CORE_RULES)
    # the defects reach every core rule, so agreeing on zeros proves nothing here
    assert all(truth[rule] > 0 for rule in bench.CORE_RULES), truth


def test_parity_notices_a_disagreement():
    bench = _bench_run()
    table = {"claims.claim_id_unique": {"floor": 8, "per_rule": 8, "pandera": 12}}
    assert not bench.agree(table)
    assert bench.agree({"claims.claim_id_unique": {"floor": 8, "per_rule": 8}})


def test_the_acceptance_targets_are_computed_from_the_measurements():
    spec = importlib.util.spec_from_file_location("results_md", REPO / "bench" / "results_md.py")
    results_md = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(results_md)

    def size(core, floor, one_scan, soda, full=None, peak=1000):
        tools = {"core": {"median_s": core}, "floor": {"median_s": floor},
                 "floor_one_scan": {"median_s": one_scan}, "soda": {"median_s": soda}}
        if full is not None:
            tools["full"] = {"median_s": full, "peak_mb": peak}
        return {"tools": tools}

    lines = results_md.targets({"1M": size(1.2, 1.0, 1.2, 1.5, full=3.0),
                                "10M": size(9.0, 8.0, 11.0, 8.5, full=30.0, peak=2100)})
    met = {tuple(cell.strip() for cell in line.strip("|").split("|")[:2]): line.endswith("| yes |")
           for line in lines if line.startswith("| ") and not line.startswith("| target")}
    assert met[("core faster than soda", "1M")] and not met[("core faster than soda", "10M")]
    assert not met[("core within 1.1× DuckDB floor, fastest found", "1M")]  # 1.20×
    assert met[("core within 1.1× DuckDB floor, one statement per table", "1M")]  # 1.00×
    assert not met[("core within 1.1× DuckDB floor, fastest found", "10M")]  # 1.125×
    assert met[("core within 1.1× DuckDB floor, one statement per table", "10M")]  # 0.82×
    assert not met[("full catalogue within 1.5× DuckDB floor, fastest found", "10M")]  # 3.75×
    assert not met[("full catalogue peak memory < 2 GB", "10M")]  # 2100 MB
    assert met[("full catalogue grows ≤ 11× from 1M to 10M", "1M→10M")]  # 10×

    # with the runs of each round: met only if the per-round ratios' median meets it too
    paired = size(1.05, 1.0, 1.0, 1.5)
    paired["tools"]["core"]["walls"] = [1.05, 1.3, 1.3]  # a slow spell hit core, not the floor
    paired["tools"]["floor"]["walls"] = [1.0, 1.0, 1.05]
    paired["tools"]["floor_one_scan"]["walls"] = [1.2, 1.3, 1.3]
    lines = results_md.targets({"1M": paired})
    row = next(line for line in lines if "fastest found | 1M" in line)
    assert row == "| core within 1.1× DuckDB floor, fastest found | 1M | 1.05× (per round: 1.24×) | **no** |"
    row = next(line for line in lines if "one statement per table | 1M" in line)
    assert row.endswith("| 1.05× (per round: 1.00×) | yes |")
