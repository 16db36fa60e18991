"""One results model and one gate: ``check``, ``release``, the reports and the pytest plugin
decide with ``rules.results.gate``; a release's manifest and report carry one rules digest."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from newsclaims.cli import cli
from newsclaims.reporting.results import ReportData
from newsclaims.rules.results import Outcome, RuleResult, gate
from release_fixtures import REPO_DATASET


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    for name in ("NEWSCLAIMS_TRUSTED_KEY", "NEWSCLAIMS_CACHE", "NEWSCLAIMS_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def result(status: str, severity: str) -> RuleResult:
    return RuleResult("claims.x", "x", "dates", severity, "claims", status, 0, 0, "duckdb")


# (status, severity) -> (outcome, blocks at error, blocks at warn)
GATE_CASES = [
    ("pass", "error", Outcome.PASS, False, False),
    ("pass", "warn", Outcome.PASS, False, False),
    ("fail", "error", Outcome.FAIL, True, True),
    ("fail", "warn", Outcome.WARN, False, True),
    ("error", "error", Outcome.ERROR, True, True),
    ("error", "warn", Outcome.ERROR, False, True),
    ("skipped", "error", Outcome.SKIPPED, False, False),
    ("skipped", "warn", Outcome.SKIPPED, False, False),
]


@pytest.mark.parametrize("status, severity, outcome, at_error, at_warn", GATE_CASES)
def test_one_gate_for_every_reader(status, severity, outcome, at_error, at_warn):
    r = result(status, severity)
    assert r.outcome is outcome
    assert bool(gate([r], "error")) is at_error
    assert bool(gate([r], "warn")) is at_warn
    report = ReportData(db_path="x", engines=["duckdb"], run_at=None, dataset_digest=None,
                        rules_digest="0" * 64, rules=[r])
    assert report.status == ("fail" if at_error else "pass")


def release(tmp_path, version, *extra):
    dataset = tmp_path / "dataset"
    if not dataset.exists():
        shutil.copytree(REPO_DATASET, dataset)
    return CliRunner().invoke(cli, ["release", version, "--dataset", str(dataset), "--out",
                                    str(tmp_path / "releases"), "--reports-dir",
                                    str(tmp_path / "project-reports"), *extra])


def test_a_skipped_rule_never_blocks_a_release(tmp_path):
    """The pandera rules skipped (as on a table above 250,000 rows) are reported as skipped,
    and the release is made: skipped never blocks a gate, in ``release`` as in ``check``."""
    got = release(tmp_path, "1.0.0", "--pandera", "never")
    assert got.exit_code == 0, got.output
    snap = tmp_path / "releases" / "1.0.0"
    rules = json.loads((snap / "reports" / "report.json").read_text())["rules"]
    skipped = [r["id"] for r in rules if r["status"] == "skipped"]
    assert len(skipped) == 11 and all(r.endswith(".pandera_schema") for r in skipped)


def test_a_release_manifest_and_its_report_carry_one_rules_digest(tmp_path):
    got = release(tmp_path, "1.0.0")
    assert got.exit_code == 0, got.output
    snap = tmp_path / "releases" / "1.0.0"
    manifest = json.loads((snap / "manifest.json").read_text())
    report = json.loads((snap / "reports" / "report.json").read_text())
    assert manifest["rules_digest"] == report["run"]["rules_digest"]
