"""Concurrent ``publish`` runs to one registry: real processes started together. Writers
are serialised by a lock held across the index's read-modify-write, so no run that says
"published" loses its index entry. A registry keeps one line of releases (each new version's
parent is its newest one): of siblings published at once onto one parent exactly one goes
in, the others are refused because the registry moved on; without the lock several would
read the same index, pass, and overwrite each other's entry.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from release_fixtures import make_snapshot

PARENT = "1.0.0"
VERSIONS = [f"1.{minor}.0" for minor in range(1, 9)]  # siblings: each one's parent is 1.0.0

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
    make_snapshot(folder, PARENT)
    for version in VERSIONS:
        make_snapshot(folder, version, parent=PARENT)
    return folder


@pytest.mark.timeout(300)
@pytest.mark.parametrize("attempt", range(2))
def test_concurrent_publishes_lose_no_index_entry(releases, tmp_path, attempt):
    registry = tmp_path / "registry"
    from newsclaims.registry import publish

    publish(PARENT, releases, registry)
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", STARTER, str(go), "publish", version,
                               "--to", str(registry), "--releases", str(releases)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for version in VERSIONS]
    time.sleep(1.5)  # every process has imported the CLI and waits for the start
    go.write_text("go\n")
    outputs = [proc.communicate(timeout=240) for proc in procs]
    published = [v for v, proc in zip(VERSIONS, procs) if proc.returncode == 0]
    assert len(published) == 1, outputs
    winner = published[0]
    for version, proc, (out, err) in zip(VERSIONS, procs, outputs):
        if version == winner:
            assert out == f"published {version} to {registry / version}\n"
            continue
        assert proc.returncode == 1, (out, err)
        newest = max(winner, version, key=lambda v: tuple(map(int, v.split("."))))
        if newest == winner:  # refused as older than the registry's newest, or as a sibling
            assert err in (
                f"Error: publish {version} refused: {registry} holds the newer version "
                f"{winner}; a registry's versions only go up\n",
                f"Error: publish {version} refused: its parent is {PARENT}, but the newest "
                f"version in {registry} is {winner}; release it again with --parent {winner} "
                f"(--registry {registry})\n")
        else:
            assert err == (f"Error: publish {version} refused: its parent is {PARENT}, but the "
                           f"newest version in {registry} is {winner}; release it again with "
                           f"--parent {winner} (--registry {registry})\n")
    index = json.loads((registry / "index.json").read_text())
    assert sorted(index["versions"]) == [PARENT, winner]  # every "published" is listed
    assert index["latest"] == winner
    assert sorted(p.name for p in registry.iterdir() if not p.name.startswith(".")) == \
        sorted([PARENT, winner, "index.json"])
