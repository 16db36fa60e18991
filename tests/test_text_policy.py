"""Documents' licences and text policies in the build: a citation-only document (``cite``)
has no text in the dataset and its claims carry a locator, no quote and no offsets; a
document whose text is held (``ship``, ``quotes``) keeps its quotes and text_sha256."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from build_fixtures import edit, line_of, write_dataset
from newsclaims.cli import cli

DS = "dataset"
OUT = Path("out") / "newsclaims.duckdb"


@pytest.fixture
def ds(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write_dataset(tmp_path / DS)


def make_cited(ds: Path) -> None:
    """doc-0002 becomes citation-only: no text file, its claim located, not quoted."""
    (ds / "documents" / "doc-0002.txt").unlink()
    edit(ds, "documents/doc-0002.yml", "text_policy: quotes\n",
         "text_policy: cite\nurl: https://monitor.example/2016/09/19/report\nretrieved_on: 2016-09-20\n")
    edit(ds, "claims/doc-0002.yml", "  quote: 40 soldiers were killed\n", "  locator: para. 1\n")


def build():
    return CliRunner().invoke(cli, ["build", "--dataset", DS, "--output", str(OUT)])


def rows(sql: str) -> list[tuple]:
    con = duckdb.connect(str(OUT), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_cited_document_is_built_without_text_quote_or_offsets(ds):
    make_cited(ds)
    result = build()
    assert result.exit_code == 0, result.stderr
    assert rows("SELECT doc_id, text, text_sha256, licence, CAST(text_policy AS VARCHAR) FROM documents "
                "ORDER BY doc_id")[1] == (
        "doc-0002", None, None, "LicenseRef-All-Rights-Reserved", "cite")
    assert rows("SELECT quote, quote_start, quote_end, locator FROM claims WHERE claim_id = 'clm-0008'") == [
        (None, None, None, "para. 1")]
    # the held text keeps its quotes and fingerprint
    assert rows("SELECT count(*) FROM claims WHERE doc_id = 'doc-0001' AND quote_start IS NULL") == [(0,)]
    assert rows("SELECT text_sha256 IS NOT NULL FROM documents WHERE doc_id = 'doc-0001'") == [(True,)]


def test_a_text_beside_a_cited_document_is_refused(ds):
    make_cited(ds)
    (ds / "documents" / "doc-0002.txt").write_text("Monitors say 40 soldiers were killed.\n", encoding="utf-8")
    result = build()
    assert (result.exit_code, result.stderr) == (2, (
        "Error: dataset/documents/doc-0002.txt: document doc-0002 is citation-only (text_policy: cite): "
        "the dataset holds no text of it; delete doc-0002.txt, or give the document the policy its "
        "licence allows\n"))
    assert not OUT.exists()


def test_a_quote_on_a_cited_claim_is_refused(ds):
    make_cited(ds)
    edit(ds, "claims/doc-0002.yml", "  locator: para. 1\n", "  quote: 40 soldiers were killed\n")
    line = line_of(ds, "claims/doc-0002.yml", "claim_id: clm-0008")
    result = build()
    assert (result.exit_code, result.stderr) == (2, (
        f"Error: dataset/claims/doc-0002.yml:{line}: claim clm-0008: quote given, but doc-0002 is "
        "citation-only (text_policy: cite): its claims carry no quote; give the claim's place as locator\n"))


def test_a_claim_of_a_held_text_needs_its_quote(ds):
    edit(ds, "claims/doc-0002.yml", "  quote: 40 soldiers were killed\n", "  locator: para. 1\n")
    line = line_of(ds, "claims/doc-0002.yml", "claim_id: clm-0008")
    result = build()
    assert (result.exit_code, result.stderr) == (2, (
        f"Error: dataset/claims/doc-0002.yml:{line}: claim clm-0008: quote missing: a claim of doc-0002, "
        "whose text the dataset holds, carries the words it rests on\n"))


@pytest.mark.parametrize("field, value, message", [
    ("text_policy", "shipped", "text_policy: 'shipped' is not one of: ship, quotes, cite"),
    ("licence", "all rights reserved", "licence: 'all rights reserved' is not an SPDX licence expression (CC-BY-4.0, "
     "CC0-1.0 OR MIT) or LicenseRef-<id>"),
])
def test_a_bad_policy_or_licence_is_refused(ds, field, value, message):
    old = {"text_policy": "text_policy: quotes\n", "licence": "licence: LicenseRef-All-Rights-Reserved\n"}[field]
    edit(ds, "documents/doc-0002.yml", old, f"{field}: {value}\n")
    result = build()
    assert (result.exit_code, result.stderr) == (
        2, f"Error: dataset/documents/doc-0002.yml:1: document doc-0002: {message}\n")


def test_the_seed_document_states_its_licence_and_policy():
    """The seed is a copyrighted news article: quoted in releases, never shipped whole."""
    import yaml

    from conftest import SEED_DOCUMENT

    record = yaml.safe_load(SEED_DOCUMENT.with_suffix(".yml").read_text(encoding="utf-8"))
    assert record["text_policy"] == "quotes"
    assert record["licence"].startswith("LicenseRef-")
