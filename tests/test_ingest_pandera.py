"""A table's pandera model is audited on its footprint: the batch's rows and the stored rows
sharing a key with them (``rules.kinds.pandera``), with the verdicts of a full check."""

from __future__ import annotations

import duckdb
import pytest
from ingest_fixtures import checked_db, copy, results_state

from newsclaims import contract
from newsclaims.check import run_checks
from newsclaims.ingest import ingest

RULE = "actors.pandera_schema"


def _model_keys(table: str) -> set[tuple[str, ...]]:
    from newsclaims import schemas

    schema = schemas.SCHEMAS[table].to_schema()
    keys = {(name,) for name, column in schema.columns.items() if column.unique}
    unique = schema.unique or []
    if unique and all(isinstance(c, str) for c in unique):
        unique = [unique]
    return keys | {tuple(u) for u in unique}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("table", contract.TABLES)
def test_a_models_uniqueness_checks_are_the_contracts_keys(table):
    """The footprint reads the keys from the contract: a model's uniqueness check on
    another column would have rows outside it change their verdict."""
    spec = contract.tables()[table]
    assert _model_keys(table) == {tuple(spec.primary_key), *spec.unique}


def _batch_of_actor(db, folder, actor_id: str, name: str | None):
    folder.mkdir()
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute(f"COPY (SELECT * REPLACE (CAST(? AS VARCHAR) AS name) FROM actors WHERE actor_id = ?) "
                    f"TO '{folder / 'actors.parquet'}' (FORMAT parquet)", [name, actor_id])
    finally:
        con.close()
    return folder


def _pandera_records(db) -> dict[str, str]:
    return {record: message for rule, _, _, record, message in results_state(db)[1] if rule == RULE}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("index_from", [0, 10**9], ids=["lookup-indexes", "scans"])
def test_a_name_a_batch_duplicates_or_frees_changes_the_stored_actors_verdict(tmp_path, index_from):
    db = copy(checked_db(tmp_path, claims=300, seed=5), tmp_path / "live.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    (a, a_name), (b, _) = con.execute(
        "SELECT actor_id, name FROM actors WHERE name IS NOT NULL ORDER BY actor_id LIMIT 2").fetchall()
    con.close()
    assert a not in _pandera_records(db)
    steps = [
        (b, a_name, lambda found: "name: field_uniqueness" in found.get(a, "")),  # b takes a's name
        (b, "A name of its own", lambda found: a not in found),  # and gives it back
        (a, None, lambda found: "name: field_uniqueness" not in found.get(a, "")),
        (b, None, lambda found: "name: field_uniqueness" in found.get(a, "")),  # NULL matches NULL
    ]
    for step, (actor, name, holds) in enumerate(steps):
        run = ingest(db, _batch_of_actor(db, tmp_path / f"batch{step}", actor, name), fail_on=None,
                     pandera="always", index_from=index_from)
        assert run.published
        assert {c.evaluated for c in run.changes if c.rule_id == RULE} == {"footprint"}
        full = copy(db, tmp_path / f"full{step}.duckdb")
        run_checks(full, pandera="always")
        assert results_state(db) == results_state(full), f"step {step}"
        assert holds(_pandera_records(db)), (step, _pandera_records(db).get(a))
