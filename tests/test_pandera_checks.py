"""The pandera models as part of a check run: one entry per offending record."""

from __future__ import annotations

import pytest

import report_fixtures as rf
from newsclaims.errors import InputError
from newsclaims.engines.pandera.validate import run_pandera


def test_clean_database_has_no_pandera_failures(tmp_path):
    db = rf.build_fixture_db(tmp_path / "clean.duckdb", defects=False, results=False)
    assert run_pandera(db) == []


def test_broken_database_names_each_offending_record(tmp_path):
    db = rf.build_fixture_db(tmp_path / "broken.duckdb", results=False)
    found = run_pandera(db)
    records = [(table, record) for table, record, _ in found]
    assert sorted(records) == sorted([
        ("actors", "act-sohr"), ("actors", "act-sohr-copy"),  # duplicated name
        ("actors", "ACT-Bad"),                                # id pattern
        ("claims", "clm-0002"),                               # duplicated id (two rows, one id)
        ("claims", "clm-0005"),                               # modality 'maybe'
        ("claims", "CLM-6"),                                  # id pattern and modality
        ("figures", "fig-0005"), ("figures", "fig-0006"),     # null text, low > high
    ])
    messages = {record: message for _, record, message in found}
    assert "modality" in messages["CLM-6"] and "claim_id" in messages["CLM-6"]
    assert "'rumoured'" in messages["CLM-6"]
    assert messages["fig-0005"].startswith("stated_text: not_nullable")


def test_missing_database(tmp_path):
    with pytest.raises(InputError, match="no such database"):
        run_pandera(tmp_path / "absent.duckdb")


def test_curated_dataset_passes_its_models(built_db):
    assert run_pandera(built_db) == []
