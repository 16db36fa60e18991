"""The introspected contract and the parsed catalogue are cached per version of their file,
and the cache never changes a result: a new text, a corrupt or foreign entry, or a folder
that cannot be written all fall back to deriving afresh."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from newsclaims import contract, derived_cache
from newsclaims.errors import InputError
from newsclaims.rules import catalogue


@pytest.fixture
def cache(tmp_path, monkeypatch):
    where = tmp_path / "derived"
    monkeypatch.setenv(derived_cache.ENV, str(where))
    contract.tables.cache_clear()
    yield where
    contract.tables.cache_clear()


def test_cached_contract_equals_introspection(cache):
    first = contract.tables()  # introspects and writes the entry
    assert [p.name.split("-")[0] for p in cache.glob("*.json")] == ["contract"]
    contract.tables.cache_clear()
    assert contract.tables() == first == contract.introspect()


def test_cached_catalogue_equals_a_fresh_parse(cache, monkeypatch):
    fresh = catalogue.load_catalogue()  # parses and writes one entry per file
    files = sorted(catalogue.project.checks_dir().glob("*.yml"))
    assert len(list(cache.glob("catalogue-*.json"))) == len(files)
    cached = catalogue.load_catalogue()
    assert [r.to_dict() for r in cached] == [r.to_dict() for r in fresh]
    monkeypatch.setenv(derived_cache.ENV, "off")
    assert [r.to_dict() for r in catalogue.load_catalogue()] == [r.to_dict() for r in fresh]


def test_an_edited_file_is_parsed_again(cache, tmp_path):
    checks = tmp_path / "checks"
    checks.mkdir()
    rule = ("- id: claims.x\n  title: t\n  family: coverage\n  severity: {sev}\n  rationale: r\n"
            "  table: claims\n  test: not_null\n  column: claim_date\n")
    (checks / "a.yml").write_text(rule.format(sev="warn"), encoding="utf-8")
    assert catalogue.load_catalogue(checks)[0].severity == "warn"
    (checks / "a.yml").write_text(rule.format(sev="error"), encoding="utf-8")
    assert catalogue.load_catalogue(checks)[0].severity == "error"
    (checks / "a.yml").write_text(rule.format(sev="warn") + "  : [\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^checks/a.yml:9: not valid YAML"):
        catalogue.load_catalogue(checks)
    assert len(list(cache.glob("catalogue-*.json"))) == 2  # a file that does not parse is not cached


def test_entries_are_keyed_by_kind_and_text(cache):
    sql = contract.schema_sql()
    assert derived_cache.entry_path("contract", sql) != derived_cache.entry_path("contract", sql + " ")
    assert derived_cache.entry_path("contract", sql) != derived_cache.entry_path("catalogue", sql)
    assert derived_cache.entry_path("contract", sql).parent == cache


def test_a_corrupt_or_foreign_entry_is_ignored_and_replaced(cache):
    path = derived_cache.entry_path("contract", contract.schema_sql())
    path.parent.mkdir(parents=True)
    truth = contract.introspect()
    for bad in ("{not json", json.dumps({"claims": {}}), json.dumps([1, 2]), ""):
        path.write_text(bad, encoding="utf-8")
        contract.tables.cache_clear()
        assert contract.tables() == truth
        assert json.loads(path.read_text(encoding="utf-8"))["claims"]["primary_key"] == ["claim_id"]


def test_a_cache_folder_that_cannot_be_made_still_gives_the_result(cache):
    cache.write_text("a file, not a folder", encoding="utf-8")  # mkdir fails: OSError, ignored
    assert contract.tables() == contract.introspect()
    assert cache.read_text(encoding="utf-8") == "a file, not a folder"


def test_a_value_json_would_change_is_not_cached(cache):
    assert derived_cache.derived("t", "x", lambda: {"when": (1, 2)}) == {"when": (1, 2)}
    assert derived_cache.derived("t", "y", lambda: {1: "a"}) == {1: "a"}
    assert not cache.exists() or not list(cache.iterdir())
    assert derived_cache.derived("t", "z", lambda: {"a": [1]}) == {"a": [1]}
    assert [p.name.startswith("t-") for p in cache.iterdir()] == [True]


def test_off_disables_the_cache(monkeypatch):
    monkeypatch.setenv(derived_cache.ENV, "off")
    assert derived_cache.entry_path("contract", "x") is None


def test_a_warm_cache_starts_no_duckdb_and_imports_no_yaml(cache):
    """With warm entries, the contract and the catalogue come from JSON: no in-memory
    database is opened and PyYAML is not imported."""
    contract.tables()
    catalogue.load_catalogue()
    code = (
        "import sys, duckdb\n"
        "calls = []\n"
        "real = duckdb.connect\n"
        "duckdb.connect = lambda *a, **k: calls.append(a) or real(*a, **k)\n"
        "from newsclaims import contract\n"
        "from newsclaims.rules.catalogue import load_catalogue\n"
        "assert contract.tables()['claims'].primary_key == ('claim_id',)\n"
        "assert len(load_catalogue()) > 100\n"
        "print(len(calls), 'yaml' in sys.modules)\n"
    )
    env = {**os.environ, derived_cache.ENV: str(cache)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                         timeout=120)
    assert out.stdout.split() == ["0", "False"]


def test_the_cache_keeps_the_newest_entries(cache, monkeypatch):
    monkeypatch.setattr(derived_cache, "KEEP", 3)
    for n in range(5):
        derived_cache.derived("t", f"text {n}", lambda n=n: [n])
        path = derived_cache.entry_path("t", f"text {n}")
        os.utime(path, ns=(n * 10**9, n * 10**9))  # distinct write times
    kept = sorted(json.loads(p.read_text()) for p in cache.glob("*.json"))
    assert kept == [[2], [3], [4]]
