"""A release snapshot explains itself: a short README (files, verify, query, cite) and the
codebook of every field, beside the data."""

from __future__ import annotations

import shutil

import duckdb
from click.testing import CliRunner

from newsclaims import docs
from newsclaims.cli import cli
from release_fixtures import REPO_DATASET


def test_a_release_carries_its_readme_and_codebook(tmp_path, monkeypatch):
    for name in ("NEWSCLAIMS_TRUSTED_KEY", "NEWSCLAIMS_CACHE", "NEWSCLAIMS_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    dataset = tmp_path / "dataset"
    shutil.copytree(REPO_DATASET, dataset)
    got = CliRunner().invoke(cli, ["release", "1.0.0", "--dataset", str(dataset), "--releases",
                                   str(tmp_path / "releases"), "--reports-dir", str(tmp_path / "r"),
                                   "--allow-dirty"])
    assert got.exit_code == 0, got.output
    snap = tmp_path / "releases" / "1.0.0"
    assert (snap / "codebook.md").read_text(encoding="utf-8") == docs.codebook()
    readme = (snap / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# newsclaims 1.0.0 (")
    assert "sha256sum -c SHA256SUMS" in readme and "CITATION.cff" in readme
    for name in ("README.md", "codebook.md"):  # checksummed like every file
        assert f"  {name}\n" in (snap / "SHA256SUMS").read_text()
    query = readme.split("```sql\n", 1)[1].split("```", 1)[0]
    con = duckdb.connect(str(snap / "newsclaims.duckdb"), read_only=True)
    try:
        statements = [s for s in query.split(";") if s.strip() and not s.strip().startswith("-- duckdb")]
        for sql in statements:
            sql = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
            assert con.execute(sql).fetchall()
    finally:
        con.close()
