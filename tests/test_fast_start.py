"""Fast start: the CLI answers --help quickly and imports no heavy library it does not use."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
HEAVY = ("great_expectations", "pandera", "polars", "pandas", "matplotlib", "pyspark")

# Runs the CLI in-process inside a fresh interpreter, then reports which heavy top-level
# packages ended up imported.
PROBE = """
import json, sys
from newsclaims.cli import cli
code = 0
try:
    cli.main(args=sys.argv[1:], prog_name="newsclaims", standalone_mode=True)
except SystemExit as exc:
    code = exc.code or 0
heavy = sorted({m.split('.')[0] for m in sys.modules} & set(%r))
print("HEAVY=" + json.dumps({"heavy": heavy, "exit": code}))
""" % (HEAVY,)


def _heavy_modules(*args: str, cwd: Path | None = None, exits=(0,)) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("HEAVY=")]
    assert lines, f"probe printed nothing: {out.stdout!r} {out.stderr!r}"
    probe = json.loads(lines[-1][len("HEAVY="):])
    assert probe["exit"] in exits, f"newsclaims {' '.join(args)} exited {probe['exit']}: {out.stderr[-500:]}"
    return probe["heavy"]


def test_help_answers_in_under_half_a_second():
    exe = str(BIN / "newsclaims")
    subprocess.run([exe, "--help"], capture_output=True, check=True, timeout=60)  # warm the disk cache
    times = []
    for _ in range(5):
        started = time.perf_counter()
        out = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)
        times.append(time.perf_counter() - started)
        assert out.returncode == 0 and "synth" in out.stdout and "check" in out.stdout
    assert statistics.median(times) < 0.5, f"newsclaims --help took {statistics.median(times):.3f} s (median)"


def test_importing_the_cli_imports_nothing_heavy():
    code = "import sys, newsclaims.cli; print(sorted({m.split('.')[0] for m in sys.modules}))"
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    imported = set(json.loads(out.stdout.strip().replace("'", '"')))
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))
    # -X importtime lists every module imported, with its cumulative time in microseconds
    slow = [line for line in out.stderr.splitlines() if any(f" {h}" in line for h in HEAVY)]
    assert slow == []


@pytest.mark.parametrize("command", ["check", "synth", "build", "release"])
def test_subcommand_help_imports_nothing_heavy(command):
    assert _heavy_modules(command, "--help") == []


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    from newsclaims.synth import generate

    return generate(tmp_path_factory.mktemp("fast") / "small.duckdb", 2000, seed=3).path


def test_check_core_without_reports_imports_nothing_heavy(small_db, tmp_path):
    """The benchmark's and a pipeline's run: no GX, pandera, polars, pandas or matplotlib."""
    heavy = _heavy_modules(
        "check", "--db", str(small_db), "--select", "core", "--no-reports", cwd=tmp_path, exits=(0, 1)
    )
    assert heavy == []
    assert not (tmp_path / "reports").exists()


def test_check_run_does_not_import_great_expectations(small_db, tmp_path):
    """A default run (pandera rules and the HTML chart included) leaves GX out, and pyspark:
    importing pandera imports pyspark.pandas whenever pyspark is installed (the spark extra),
    which ``newsclaims.schemas`` holds off."""
    heavy = _heavy_modules(
        "check", "--db", str(small_db), "--reports", str(tmp_path / "reports"), cwd=tmp_path, exits=(0, 1)
    )
    assert "great_expectations" not in heavy and "pyspark" not in heavy
    assert "pandera" in heavy  # the pandera rules ran (2,000 claims is under the limit)
    assert (tmp_path / "reports" / "report.html").is_file()


def test_check_run_without_pandera_does_not_import_pandas(small_db, tmp_path):
    """pandas arrives only with pandera: pandera 0.35's top-level package imports pandas
    whenever it is installed (it is, for GX), even for ``pandera.polars``."""
    heavy = _heavy_modules(
        "check", "--db", str(small_db), "--pandera", "never", "--reports", str(tmp_path / "reports"),
        cwd=tmp_path, exits=(0, 1)
    )
    assert not {"great_expectations", "pandera", "polars", "pandas"} & set(heavy)
