"""From "I read a paper citing 1.0.0" to a query, as a researcher would go: a real release
made here (signed), published and served over HTTP; then

- a fresh virtual environment with only the base install (``pip install newsclaims``: no
  polars, pandera, matplotlib, ...) pulls it, verifies it and queries it, with the registry
  and the public key taken from the project's ``registry.toml``;
- the snapshot is verified with stock tools only (``sha256sum -c``, ``openssl pkeyutl
  -verify`` on the Ed25519 signature) and queried without newsclaims (the DuckDB CLI,
  polars)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsclaims.cli import cli
from release_fixtures import REPO_DATASET, serve

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
HEAVY = ("polars", "pandera", "matplotlib", "yaml", "jinja2", "pyarrow", "pandas")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("researcher")
    env = {"NEWSCLAIMS_TRUSTED_KEY": None, "NEWSCLAIMS_SIGNING_KEY": None,
           "NEWSCLAIMS_CACHE": None}
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    run("keygen", "--out", root / "k.pem")
    dataset = root / "dataset"
    shutil.copytree(REPO_DATASET, dataset)
    run("release", "1.0.0", "--dataset", dataset, "--out", root / "releases",
        "--reports-dir", root / "project-reports", "--key", root / "k.pem")
    run("publish", "1.0.0", "--to", root / "registry", "--releases", root / "releases")
    manifest = json.loads((root / "releases" / "1.0.0" / "manifest.json").read_text())
    return {"root": root, "registry": root / "registry", "pub": root / "k.pem.pub",
            "snapshot": root / "releases" / "1.0.0", "manifest": manifest}


def declaring_root(published, url: str, folder: Path) -> Path:
    """A project root whose registry.toml declares ``url`` and the release's public key
    (the repository's own registry.toml, filled as the maintainers fill it)."""
    from newsclaims.signing import key_id, load_public

    folder.mkdir()
    shutil.copytree(REPO / "sql", folder / "sql")
    text = (REPO / "registry.toml").read_text(encoding="utf-8")
    pem = published["pub"].read_text(encoding="ascii")
    text = text.replace('url = ""', f'url = "{url}"', 1)
    text = text.replace('public_key = ""', f'public_key = """\n{pem}"""', 1)
    text = text.replace('key_id = ""', f'key_id = "{key_id(load_public(published["pub"]))}"', 1)
    (folder / "registry.toml").write_text(text, encoding="utf-8")
    return folder


def sh(args, cwd=None, env=None, timeout=120):
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_the_researcher_modules_import_no_curation_stack():
    """What pull, verify, versions, diff and query import, and connect(): none of the
    curation stack (checked in this full environment, so it holds before any install)."""
    code = ("import sys, newsclaims\n"
            "import newsclaims.cli, newsclaims.pull, newsclaims.query, newsclaims.registry\n"
            "import newsclaims.cli.pull, newsclaims.cli.versions, newsclaims.cli.query\n"
            "import newsclaims.cli.diff, newsclaims.changelog, newsclaims.verified\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    done = sh([sys.executable, "-c", code])
    assert (done.returncode, done.stdout) == (0, "[]\n"), done.stderr


@pytest.mark.timeout(900)
def test_a_base_install_pulls_verifies_and_queries(published, tmp_path):
    venv = tmp_path / "venv"
    base_python = Path(sys.base_prefix) / "bin" / "python3"
    made = sh([base_python, "-m", "venv", venv])
    assert made.returncode == 0, made.stderr
    installed = sh([venv / "bin" / "python", "-m", "pip", "install", "--quiet", REPO],
                   timeout=800)
    assert installed.returncode == 0, installed.stderr[-3000:]
    listed = sh([venv / "bin" / "python", "-m", "pip", "list", "--format", "json"])
    names = {p["name"].lower() for p in json.loads(listed.stdout)}
    assert not names & {"polars", "pandera", "matplotlib", "pyyaml", "jinja2", "pyarrow",
                        "pandas"}, names

    cache = tmp_path / "cache"
    with serve(published["registry"]) as url:
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path / "home"),
               "XDG_CONFIG_HOME": str(tmp_path / "config"), "NEWSCLAIMS_CACHE": str(cache),
               "NEWSCLAIMS_ROOT": str(declaring_root(published, url, tmp_path / "project"))}
        exe = venv / "bin" / "newsclaims"
        pulled = sh([exe, "pull", "1.0.0"], env=env)  # registry and key from registry.toml
        assert (pulled.returncode, pulled.stdout, pulled.stderr) == (
            0, f"{cache / '1.0.0'}\n", "")
        versions = sh([exe, "versions", "--from", url], env=env)
        assert versions.returncode == 0 and versions.stdout.splitlines()[1].startswith("1.0.0\t")
    counts = published["manifest"]["row_counts"]
    query = sh([exe, "query", "SELECT count(*) AS n FROM claims", "--version", "1.0.0",
                "--format", "csv"], env=env)
    assert (query.returncode, query.stdout) == (0, f"n\n{counts['claims']}\n"), query.stderr
    code = ("import sys, newsclaims\n"
            "con = newsclaims.connect('1.0.0')\n"
            "print(con.execute('SELECT count(*) FROM figures').fetchone()[0])\n"
            "try:\n"
            "    newsclaims.load('claims', '1.0.0')\n"
            "except Exception as exc:\n"
            "    print(type(exc).__name__, exc)\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    api = sh([venv / "bin" / "python", "-c", code], env=env)
    assert api.returncode == 0, api.stderr
    assert api.stdout.splitlines() == [
        str(counts["figures"]),
        "InputError load() returns a polars DataFrame: install polars with pip install "
        "'newsclaims[frames]', or read with newsclaims.connect()",
        "[]"]
    build = sh([exe, "build"], env=env, cwd=tmp_path)
    assert build.returncode == 2 and build.stdout == ""
    assert re.fullmatch(r"Error: newsclaims build: needs \w+, which the base install leaves "
                        r"out: pip install 'newsclaims\[curate\]'\n", build.stderr), build.stderr


def test_stock_tools_verify_the_snapshot(published, tmp_path):
    folder = tmp_path / "1.0.0"
    shutil.copytree(published["snapshot"], folder)
    # 1. the signature over the manifest's exact bytes (Ed25519, raw input)
    verify = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", published["pub"],
              "-rawin", "-in", "manifest.json", "-sigfile", "manifest.json.sig"]
    done = sh(verify, cwd=folder)
    assert (done.returncode, done.stdout.strip()) == (0, "Signature Verified Successfully"), \
        done.stderr
    # 2. the signed manifest names SHA256SUMS's digest
    listed = sh(["grep", "-A1", '"path": "SHA256SUMS"', "manifest.json"], cwd=folder)
    digest = sh(["sha256sum", "SHA256SUMS"], cwd=folder).stdout.split()[0]
    assert f'"sha256": "{digest}"' in listed.stdout
    # 3. SHA256SUMS checks every other file
    checked = sh(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=folder)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "newsclaims.duckdb: OK" in checked.stdout
    assert "data/claims.parquet: OK" in checked.stdout
    # and each catches an altered file
    parquet = folder / "data" / "figures.parquet"
    data = bytearray(parquet.read_bytes())
    data[len(data) // 2] ^= 1
    parquet.write_bytes(bytes(data))
    assert "data/figures.parquet: FAILED" in sh(["sha256sum", "-c", "SHA256SUMS"],
                                                 cwd=folder).stdout
    manifest = folder / "manifest.json"
    manifest.write_bytes(manifest.read_bytes().replace(b'"1.0.0"', b'"1.0.1"', 1))
    refused = sh(verify, cwd=folder)
    assert refused.returncode != 0 and "Signature Verification Failure" in refused.stdout


def test_query_without_newsclaims(published, tmp_path):
    folder = published["snapshot"]
    counts = published["manifest"]["row_counts"]
    # the DuckDB CLI over the Parquet files (any DuckDB release reads them)
    duck = sh([VENV_BIN / "duckdb", "-csv", "-c",
               "SELECT (SELECT count(*) FROM 'data/claims.parquet') AS claims, "
               "(SELECT count(*) FROM 'data/figures.parquet' f JOIN 'data/claims.parquet' c "
               "USING (claim_id)) AS figures"], cwd=folder)
    assert (duck.returncode, duck.stdout) == (
        0, f"claims,figures\n{counts['claims']},{counts['figures']}\n"), duck.stderr
    # polars, in a process that never imports newsclaims
    code = ("import sys, polars as pl\n"
            "claims = pl.read_parquet('data/claims.parquet')\n"
            "figures = pl.read_parquet('data/figures.parquet')\n"
            "print(claims.height, figures.join(claims, on='claim_id').height)\n"
            "assert 'newsclaims' not in sys.modules\n")
    done = sh([sys.executable, "-I", "-c", code], cwd=folder)
    assert (done.returncode, done.stdout) == (0, f"{counts['claims']} {counts['figures']}\n"), \
        done.stderr
