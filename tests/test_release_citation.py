"""Licences and citation: the code's and the data's licences stated separately, a
CITATION.cff for the repository, and one in every release naming its version and date."""

from __future__ import annotations

import datetime
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from newsclaims.citation import DATA_LICENCE
from newsclaims.cli import cli

REPO = Path(__file__).resolve().parents[1]
CFF_REQUIRED = ("cff-version", "message", "title", "authors")


def check_cff(data: dict) -> None:
    """The Citation File Format 1.2.0 fields the files use, with their types."""
    for key in CFF_REQUIRED:
        assert key in data, key
    assert data["cff-version"] == "1.2.0"
    assert isinstance(data["message"], str) and data["message"]
    assert isinstance(data["authors"], list) and data["authors"]
    for author in data["authors"]:
        assert isinstance(author, dict) and ("name" in author or "family-names" in author)
    assert data["type"] in ("software", "dataset")
    assert isinstance(data["version"], str)


def test_code_and_data_licences_are_stated_separately():
    assert "MIT License" in (REPO / "LICENSE").read_text(encoding="utf-8")
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["license"] == "MIT"
    assert (REPO / "LICENSE-DATA.md").read_text(encoding="utf-8") == DATA_LICENCE
    assert "CC-BY-4.0" in DATA_LICENCE and "document texts are not ours" in DATA_LICENCE.lower()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Licences", 1)[1].split("\n## ", 1)[0]
    assert "**Code**: the MIT licence (`LICENSE`)" in section
    assert "CC-BY-4.0" in section and "**document texts**" in section


def test_the_repository_citation_names_the_software_version():
    data = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    check_cff(data)
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["version"] == pyproject["project"]["version"]
    assert data["license"] == "MIT" and data["type"] == "software"


@pytest.mark.timeout(300)
def test_a_release_carries_its_citation_and_the_data_licence(tmp_path, built_db, monkeypatch):
    monkeypatch.setenv("NEWSCLAIMS_ALLOW_DIRTY", "1")  # not about the source commit
    result = CliRunner().invoke(cli, ["release", "2.3.4", "--db", str(built_db), "--out",
                                      str(tmp_path / "releases"), "--reports-dir",
                                      str(tmp_path / "reports")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    snap = tmp_path / "releases" / "2.3.4"
    import json

    manifest = json.loads((snap / "manifest.json").read_text())
    data = yaml.safe_load((snap / "CITATION.cff").read_text(encoding="utf-8"))
    check_cff(data)
    assert data["version"] == "2.3.4" and data["type"] == "dataset"
    assert str(data["date-released"]) == manifest["created_at"][:10]
    datetime.date.fromisoformat(str(data["date-released"]))
    assert data["license"] == "CC-BY-4.0"
    assert data.get("commit") == manifest["source_commit"]  # None outside git
    assert (snap / "LICENSE.md").read_text(encoding="utf-8") == DATA_LICENCE
    listed = {entry["path"] for entry in manifest["files"]}
    assert {"CITATION.cff", "LICENSE.md"} <= listed
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=snap, capture_output=True,
                          text=True, timeout=120)
    assert sums.returncode == 0 and "CITATION.cff: OK" in sums.stdout
