"""Rule kinds are registered values: the worked example of docs/rules-authoring.md ("A new
kind") is installed as one new module in a copy of the package, and a rule of that kind runs
on the DuckDB and Great Expectations engines, appears in the generated catalogue and has a
defect recipe that it catches exactly."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newsclaims.rules import kinds
from newsclaims.rules.catalogue import load_catalogue

REPO = Path(__file__).resolve().parents[1]

PROBE = r"""
import json, shutil, sys
from pathlib import Path
import duckdb
from newsclaims.build import build_database
from newsclaims.check import run_checks, violations
from newsclaims.defects import describe, inject
from newsclaims.docs import rules_page
from newsclaims.rules.catalogue import load_catalogue

work = Path(sys.argv[1])
rules = load_catalogue()
rule = next(r for r in rules if r.id == "incidents.title_not_blank")
db = build_database(work / "root" / "dataset", work / "clean.duckdb")
out = {"module": type(rule.kind).__module__, "selection": type(rule.selection).__name__,
       "recipe": describe(rule.id, rules)}
clean = run_checks(work / "clean.duckdb", rules=[rule]).result(rule.id)
out["clean"] = [clean.status, clean.violation_count]
shutil.copy(db, work / "broken.duckdb")
con = duckdb.connect(str(work / "broken.duckdb"))
out["expected"] = sorted(inject(con, rule.id, 2, seed=3, rules=rules)[rule.id])
con.close()
shutil.copy(work / "broken.duckdb", work / "broken-gx.duckdb")
for engine, path in (("duckdb", "broken.duckdb"), ("gx", "broken-gx.duckdb")):
    got = run_checks(work / path, rules=[rule], engine=engine).result(rule.id)
    out[engine] = [got.status, got.violation_count, sorted(r for _, r, _ in violations(work / path))]
out["docs"] = rules_page(rules)
print(json.dumps(out))
"""


def _blocks(text: str, heading: str) -> tuple[str, str]:
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    python = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    yaml = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    return python, yaml


@pytest.mark.timeout(600)
def test_a_new_kind_is_one_module_and_runs_on_every_engine(tmp_path):
    pytest.importorskip("great_expectations")
    python, yaml = _blocks((REPO / "docs" / "rules-authoring.md").read_text(encoding="utf-8"), "A new kind")
    package = tmp_path / "pkg" / "newsclaims"
    shutil.copytree(REPO / "src" / "newsclaims", package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "rules" / "kinds" / "not_blank.py").write_text(python, encoding="utf-8")
    root = tmp_path / "root"
    for folder in ("sql", "checks", "dataset"):
        shutil.copytree(REPO / folder, root / folder)
    (root / "checks" / "example.yml").write_text(yaml, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "pkg"), "NEWSCLAIMS_ROOT": str(root),
           "NEWSCLAIMS_DERIVED_CACHE": "off"}
    got = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path)], env=env, capture_output=True,
                         text=True, timeout=540)
    assert got.returncode == 0, got.stderr[-3000:]
    out = json.loads(got.stdout.strip().splitlines()[-1])
    assert out["module"] == "newsclaims.rules.kinds.not_blank" and out["selection"] == "RowFilter"
    assert out["recipe"] == "set title to two blanks"
    assert out["clean"] == ["pass", 0]
    assert len(out["expected"]) == 2
    assert out["duckdb"] == ["fail", 2, out["expected"]]
    assert out["gx"] == ["fail", 2, out["expected"]]
    assert "| `not_blank` | `column` | `column` is NULL or holds more than blanks | 1 |" in out["docs"]
    assert "| `incidents.title_not_blank` | error | An incident's title is not blank | not_blank: `title` |" \
        in out["docs"]


def test_every_rule_kind_is_registered_from_its_own_module():
    assert {name: type(kind).__module__.rsplit(".", 1)[1] for name, kind in kinds.KINDS.items()} == {
        name: name for name in kinds.KINDS}
    used = {r.test for r in load_catalogue()}
    assert used == set(kinds.KINDS)


def test_a_kind_registered_twice_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        kinds.register(type(kinds.KINDS["row"]))
