"""What a release records of its source: the commit of the project's git working tree, and
a refusal when checks/, sql/ or the dataset differ from it (a real git repository made in
the test, releases made by real processes)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from release_fixtures import listing

REPO = Path(__file__).resolve().parents[1]
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}


def git(root: Path, *args: str) -> str:
    out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                         env={**os.environ, **GIT_ENV}, check=True, timeout=120)
    return out.stdout.strip()


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project's declarations and dataset, committed in a new git repository."""
    root = tmp_path / "project"
    for name in ("dataset", "checks", "sql"):
        shutil.copytree(REPO / name, root / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "dataset")
    return root


def newsclaims(root: Path, *args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCLAIMS_")}
    env.update(NEWSCLAIMS_ROOT=str(root), XDG_CONFIG_HOME=str(root.parent / "config"))
    return subprocess.run([sys.executable, "-m", "newsclaims", *map(str, args)], cwd=root.parent,
                          capture_output=True, text=True, env=env, timeout=300)


def release(root: Path, version: str, *extra) -> subprocess.CompletedProcess:
    return newsclaims(root, "release", version, "--out", root.parent / "releases",
                      "--reports-dir", root.parent / "reports", *extra)


@pytest.mark.timeout(400)
def test_uncommitted_changes_refuse_the_release_unless_allowed(project, tmp_path):
    head = git(project, "rev-parse", "HEAD")
    # a changed rule file and a new document file: refused before anything is built
    with open(project / "checks" / "dates.yml", "a", encoding="utf-8") as fh:
        fh.write("# an edit not committed\n")
    (project / "dataset" / "documents" / "doc-0099.txt").write_text("new\n", encoding="utf-8")
    before = listing(tmp_path)
    refused = release(project, "1.0.0")
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr == (
        "Error: uncommitted changes to checks/dates.yml, dataset/documents/doc-0099.txt: the "
        f"checked-out commit {head[:12]} does not hold what would be released; commit them, or "
        "release with --allow-dirty (source_commit is then recorded as <commit>-dirty)\n")
    assert listing(tmp_path) == before

    # --allow-dirty releases, and says so in the manifest and the release row
    (project / "dataset" / "documents" / "doc-0099.txt").unlink()
    allowed = release(project, "1.0.0", "--allow-dirty")
    assert allowed.returncode == 0, allowed.stderr
    manifest = json.loads((tmp_path / "releases" / "1.0.0" / "manifest.json").read_text())
    assert manifest["source_commit"] == f"{head}-dirty"
    recorded = newsclaims(project, "query", "SELECT source_commit FROM release", "--db",
                          tmp_path / "releases" / "1.0.0" / "newsclaims.duckdb",
                          "--format", "json")
    assert json.loads(recorded.stdout) == [{"source_commit": f"{head}-dirty"}], recorded.stderr

    # committed: the next release records the commit itself
    git(project, "commit", "-q", "-am", "rule comment")
    clean = release(project, "1.1.0")
    assert clean.returncode == 0, clean.stderr
    manifest = json.loads((tmp_path / "releases" / "1.1.0" / "manifest.json").read_text())
    assert manifest["source_commit"] == git(project, "rev-parse", "HEAD")
