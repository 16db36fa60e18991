"""The introspected contract is cached per version of the DDL, and the cache never makes it
wrong: a stale key, a corrupt file or an unwritable folder all fall back to introspection."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from newsclaims import contract


@pytest.fixture
def cache(tmp_path, monkeypatch):
    where = tmp_path / "contract-cache"
    monkeypatch.setenv(contract.CACHE_ENV, str(where))
    contract.tables.cache_clear()
    yield where
    contract.tables.cache_clear()


def test_cached_contract_equals_introspection(cache):
    first = contract.tables()  # introspects and writes the cache
    files = list(cache.glob("*.json"))
    assert len(files) == 1
    contract.tables.cache_clear()
    assert contract.tables() == first == contract.introspect()


def test_a_different_ddl_gets_its_own_entry(cache):
    sql = contract.schema_sql()
    edited = sql.replace("CREATE TABLE claims", "CREATE TABLE claims -- edited\n", 1)
    assert contract.contract_cache_path(sql) != contract.contract_cache_path(edited)
    assert contract.contract_cache_path(sql).parent == cache


def test_a_corrupt_or_foreign_cache_file_is_ignored_and_replaced(cache):
    path = contract.contract_cache_path(contract.schema_sql())
    path.parent.mkdir(parents=True)
    truth = contract.introspect()
    for bad in ("{not json", json.dumps({"claims": {}}), json.dumps([1, 2])):
        path.write_text(bad, encoding="utf-8")
        contract.tables.cache_clear()
        assert contract.tables() == truth
        assert json.loads(path.read_text(encoding="utf-8"))["claims"]["primary_key"] == ["claim_id"]


def test_a_cache_path_that_is_a_file_still_gives_the_contract(cache):
    cache.write_text("not a folder", encoding="utf-8")  # mkdir fails: OSError, ignored
    assert contract.tables() == contract.introspect()


def test_off_disables_the_cache(monkeypatch, tmp_path):
    monkeypatch.setenv(contract.CACHE_ENV, "off")
    assert contract.contract_cache_path(contract.schema_sql()) is None


def test_a_cached_run_does_not_start_duckdb_for_the_contract(cache):
    """With a warm cache, ``contract.tables()`` reads the JSON: no in-memory database."""
    contract.tables()
    code = (
        "import duckdb\n"
        "calls = []\n"
        "real = duckdb.connect\n"
        "duckdb.connect = lambda *a, **k: calls.append(a) or real(*a, **k)\n"
        "from newsclaims import contract\n"
        "assert contract.tables()['claims'].primary_key == ('claim_id',)\n"
        "print(len(calls))\n"
    )
    env = {**os.environ, contract.CACHE_ENV: str(cache)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"
