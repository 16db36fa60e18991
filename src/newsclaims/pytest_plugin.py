"""pytest as the data test suite: ``pytest checks/`` collects one test item per rule.

Registered as a ``pytest11`` entry point. Every ``*.yml`` file in a folder named
``checks`` is read as a rule catalogue file; the catalogue runs once per session (fused)
on a copy of ``--newsclaims-db PATH`` (which is never changed; default: ``dataset/``
built into a temporary database) and
each item fails when its rule fails, printing all the offending records. A warn rule
passes and reports its records as a pytest warning; a rule the run skipped (a ``pandera``
rule on a table too big to validate in memory) is a pytest skip with the reason."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from newsclaims.rules.results import gate

_RUN = pytest.StashKey[dict]()


class NewsclaimsDataWarning(UserWarning):
    """A warn-level rule found offending records."""


class RuleFailure(Exception):
    pass


def pytest_addoption(parser):
    group = parser.getgroup("newsclaims")
    group.addoption("--newsclaims-db", default=None, metavar="PATH",
                    help="Check this database (a copy of it: the file is not changed) instead of "
                         "building dataset/ into a temporary one.")


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix == ".yml" and file_path.parent.name == "checks":
        return RuleFile.from_parent(parent, path=file_path)
    return None


class RuleFile(pytest.File):
    def collect(self):
        from newsclaims.rules.catalogue import load_file

        for rule in load_file(self.path):
            yield RuleItem.from_parent(self, name=rule.id, rule=rule)


class RuleItem(pytest.Item):
    def __init__(self, *, rule, **kwargs):
        super().__init__(**kwargs)
        self.rule = rule
        self.add_marker(pytest.mark.newsclaims_rule)

    def runtest(self):
        state = _session_run(self.config, self.path.parent)
        result = state["results"].get(self.rule.id)
        if result is None:
            raise RuleFailure(f"{self.rule.id} did not run")
        if result.outcome == "skipped":  # e.g. a pandera rule on a table too big to load
            pytest.skip(result.detail or "skipped")
        if result.outcome == "pass" and result.violation_count == 0:
            return
        records = _records(state["db"], self.rule.id)
        if result.outcome == "error":
            raise RuleFailure(f"{self.rule.id}: the rule's query failed: {result.detail}")
        text = f"{self.rule.id} ({self.rule.severity}): {result.violation_count} offending record(s)\n{records}"
        if gate([result], "error"):
            raise RuleFailure(text)
        warnings.warn(NewsclaimsDataWarning(text))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, RuleFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"rule {self.rule.id}"


def _session_run(config, checks_dir: Path) -> dict:
    """Run the whole catalogue once per session; later items read the stored results."""
    state = config.stash.get(_RUN, None)
    if state is None:
        try:
            state = _run_once(config, checks_dir)
        except Exception as exc:  # reported by every item, computed once
            state = {"error": f"{type(exc).__name__}: {exc}"}
        config.stash[_RUN] = state
    if "error" in state:
        raise RuleFailure(f"cannot run the catalogue: {state['error']}")
    return state


def _run_once(config, checks_dir: Path) -> dict:
    from newsclaims.rules.catalogue import load_catalogue
    from newsclaims.check import run_checks

    given = config.getoption("--newsclaims-db")
    tmp = config._tmp_path_factory.mktemp("newsclaims-db")  # pytest's tmp_path_factory
    if given is None:
        from newsclaims import project
        from newsclaims.build import build_database

        db = build_database(project.dataset_dir(), tmp / "newsclaims.duckdb")
    else:
        # the rules store their results in the database they run on: a copy, so that the
        # database under test (a release's, checksummed) is never changed by its gate
        from newsclaims.engines.duckdb.database import open_database

        open_database(given, read_only=True).close()  # one line for a missing or foreign file
        from newsclaims.dbfiles import copy_database

        db = copy_database(given, tmp / "newsclaims.duckdb")  # with its write-ahead log
    run = run_checks(db, rules=load_catalogue(checks_dir))
    return {"db": db, "results": {r.rule_id: r for r in run.results}}


def _records(db, rule_id: str) -> str:
    """Every offending record of the rule, with the quote of the claim it concerns."""
    from newsclaims.reporting.violations import first_violations
    from newsclaims.engines.duckdb.database import open_database

    con = open_database(db, read_only=True)
    try:
        tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        found = first_violations(con, tables, per_rule=1_000_000_000, rule_ids=[rule_id]).get(rule_id, [])
    finally:
        con.close()
    lines = []
    for v in found:
        quote = f' "{v.quote}"' if v.quote else ""
        lines.append(f"  {v.record_id}: {v.message}{quote}")
    return "\n".join(lines)


def pytest_configure(config):
    config.addinivalue_line("markers", "newsclaims_rule: one rule of the newsclaims catalogue")
