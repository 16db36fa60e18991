"""Concurrent ``publish`` runs to one registry: real processes started together, every
version ends up in the index (writers are serialised by a lock held across the index's
read-modify-write)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from release_fixtures import make_snapshot

VERSIONS = [f"1.{minor}.0" for minor in range(8)]

STARTER = """
import os, sys, time
from newsclaims.cli import cli  # imported before the start, so that all run the publish at once
import newsclaims.registry
go = sys.argv[1]
while not os.path.exists(go):
    time.sleep(0.002)
cli(sys.argv[2:], prog_name="newsclaims")
"""


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    folder = tmp_path_factory.mktemp("concurrent") / "releases"
    for version in VERSIONS:
        make_snapshot(folder, version)
    return folder


@pytest.mark.timeout(300)
@pytest.mark.parametrize("attempt", range(2))
def test_concurrent_publishes_lose_no_index_entry(releases, tmp_path, attempt):
    registry = tmp_path / "registry"
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", STARTER, str(go), "publish", version,
                               "--to", str(registry), "--releases", str(releases)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for version in VERSIONS]
    time.sleep(1.5)  # every process has imported the CLI and waits for the start
    go.write_text("go\n")
    outputs = [proc.communicate(timeout=240) for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * len(VERSIONS), outputs
    assert [out for out, _ in outputs] == [f"published {v} to {registry / v}\n"
                                           for v in VERSIONS]
    index = json.loads((registry / "index.json").read_text())
    assert sorted(index["versions"]) == VERSIONS
    assert index["latest"] == VERSIONS[-1]
    assert sorted(p.name for p in registry.iterdir() if not p.name.startswith(".")) == \
        sorted(VERSIONS + ["index.json"])
