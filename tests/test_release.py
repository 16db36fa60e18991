"""Releases of the curated dataset, end to end: release, publish, serve over real HTTP,
pull, query, correct, release again, diff, and pull the first release again byte for byte.
Also the gates: a failing error-level rule and every version-discipline refusal."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from newsclaims.cli import cli
from release_fixtures import REPO_DATASET, file_hashes, listing, make_snapshot, serve

VENV_BIN = sys.executable.rsplit("/", 1)[0]


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    for name in ("NEWSCLAIMS_TRUSTED_KEY", "NEWSCLAIMS_CACHE", "NEWSCLAIMS_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    # these releases are about the gates and the snapshot, not the source commit: they pass
    # while the project's checks/ or sql/ have uncommitted changes (test_release_source.py
    # tests the refusal)
    monkeypatch.setenv("NEWSCLAIMS_ALLOW_DIRTY", "1")

# fig-0003 of the curated dataset ("an unspecified number of people"), and a correction of
# it that its words allow (a figure value changed without its words would contradict them)
UNSPECIFIED = "  stated_value: null\n  qualifier: unspecified\n"
AT_LEAST_ONE = "  stated_value: 1\n  qualifier: at_least\n"


def invoke(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def release(version, dataset, releases, tmp_path, *extra):
    return invoke("release", version, "--dataset", dataset, "--out", releases,
                  "--reports-dir", tmp_path / "project-reports", *extra)


def test_end_to_end(tmp_path):
    dataset = tmp_path / "dataset"
    shutil.copytree(REPO_DATASET, dataset)
    releases, registry = tmp_path / "releases", tmp_path / "registry"
    assert invoke("keygen", "--out", tmp_path / "k.pem").exit_code == 0
    key, pub = tmp_path / "k.pem", tmp_path / "k.pem.pub"

    # release 1.0.0 of the curated dataset, signed
    result = release("1.0.0", dataset, releases, tmp_path, "--key", key)
    assert result.exit_code == 0, result.output
    assert "released 1.0.0" in result.stdout and "signed" in result.stdout
    snap = releases / "1.0.0"
    assert (tmp_path / "project-reports" / "1.0.0" / "report.md").read_bytes() == \
        (snap / "reports" / "report.md").read_bytes()
    report_md = (snap / "reports" / "report.md").read_text(encoding="utf-8")
    assert "Full report: `reports/report.html`" in report_md and ".tmp-" not in report_md
    assert json.loads((snap / "reports" / "report.json").read_text())["run"]["database"] == \
        "newsclaims.duckdb"
    assert not [p for p in releases.iterdir() if p.name.startswith(".")]

    # stock tools accept the snapshot
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=snap, capture_output=True,
                          text=True, timeout=60)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    listed = [line.split("  ", 1)[1] for line in (snap / "SHA256SUMS").read_text().splitlines()]
    assert "newsclaims.duckdb" in listed and "data/claims.parquet" in listed
    assert "reports/report.html" in listed and "CHANGELOG.md" in listed
    valid = subprocess.run([f"{VENV_BIN}/frictionless", "validate", "datapackage.json"],
                           cwd=snap, capture_output=True, text=True, timeout=120)
    assert valid.returncode == 0, valid.stdout[-3000:]
    package = json.loads((snap / "datapackage.json").read_text())
    figures = next(r for r in package["resources"] if r["name"] == "figures")
    assert figures["hash"].startswith("sha256:") and figures["schema"]["primaryKey"] == ["figure_id"]
    assert figures["newsclaims:bytes"] == (snap / "data" / "figures.parquet").stat().st_size
    described = {f["path"]: f for f in package["newsclaims:files"]}
    assert {"newsclaims.duckdb", "data/claims.parquet", "reports/report.html",
            "CHANGELOG.md"} <= set(described)
    for rel, entry in described.items():
        data = (snap / rel).read_bytes()
        assert entry["bytes"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert {"fields": ["claim_id"], "reference": {"resource": "claims", "fields": ["claim_id"]}} \
        in figures["schema"]["foreignKeys"]
    # the stock DuckDB command-line client (PyPI `duckdb-cli`, an older release line than the
    # library that wrote the file) opens the snapshot read-only
    opened = subprocess.run(
        [f"{VENV_BIN}/duckdb", "-readonly", "-csv", "-noheader", str(snap / "newsclaims.duckdb"),
         "-c", "SELECT (SELECT version FROM release), (SELECT count(*) FROM claims), "
               "(SELECT count(*) FROM dq_results WHERE severity = 'error' AND status <> 'pass')"],
        capture_output=True, text=True, timeout=60)
    assert opened.returncode == 0, opened.stderr
    version, claims, failing = opened.stdout.strip().split(",")
    assert (version, failing) == ("1.0.0", "0") and int(claims) > 0
    manifest = json.loads((snap / "manifest.json").read_text())
    assert manifest["version"] == "1.0.0" and manifest["parent_version"] is None
    assert manifest["row_counts"]["claims"] == int(claims)
    assert len(manifest["rules_digest"]) == 64 and manifest["contract_version"] == 1
    original = file_hashes(snap)

    # publish, serve over real HTTP, pull into an empty cache, query it
    assert invoke("publish", "1.0.0", "--to", registry, "--releases", releases).exit_code == 0
    cache = tmp_path / "cache"
    with serve(registry) as url:
        pulled = invoke("pull", "1.0.0", "--from", url, "--cache", cache, "--trust-key", pub)
        assert pulled.exit_code == 0, pulled.output
        query = invoke("query", "SELECT figure_id, stated_value FROM figures "
                       "WHERE figure_id = 'fig-0001'", "--version", "1.0.0", "--cache", cache,
                       "--format", "json")
        assert json.loads(query.stdout) == [{"figure_id": "fig-0001", "stated_value": 7}]

        # a correction with a note naming the old and the new value, released as 1.1.0 (a
        # change the figure's words allow: "an unspecified number of people" is at least 1)
        figures_yml = dataset / "figures" / "doc-0001.yml"
        edit(figures_yml, UNSPECIFIED, AT_LEAST_ONE)
        edit(figures_yml, "  notes: No number given.",
             "  notes: Corrected in 1.1.0 (qualifier unspecified -> at_least, stated_value 1). No number given.")
        second = release("1.1.0", dataset, releases, tmp_path, "--key", key)
        assert second.exit_code == 0, second.output
        assert "parent 1.0.0; 1 updated" in second.stdout
        assert invoke("publish", "1.1.0", "--to", registry, "--releases", releases).exit_code == 0
        versions = invoke("versions", "--from", url)
        assert [line.split("\t")[0] for line in versions.stdout.splitlines()[1:]] == \
            ["1.0.0", "1.1.0"]  # under the header naming the unsigned fields
        assert invoke("pull", "latest", "--from", url, "--cache", cache,
                      "--trust-key", pub).stdout.strip() == str(cache / "1.1.0")

        diff = invoke("diff", "1.0.0", "1.1.0", "--cache", cache, "--format", "json")
        assert diff.exit_code == 0, diff.output
        changes = json.loads(diff.stdout)
        assert [(c["table"], c["record_id"], c["change"], c["fields"]) for c in changes] == [
            ("figures", "fig-0003", "updated", ["stated_value", "qualifier", "value_low", "notes"])]
        assert changes[0]["before"]["stated_value"] is None and changes[0]["after"]["stated_value"] == 1
        changelog_md = (releases / "1.1.0" / "CHANGELOG.md").read_text()
        assert "| figures | 0 | 0 | 1 | 0 | 0 |" in changelog_md

        # pulling 1.0.0 again, into a fresh cache, gives the original bytes
        fresh = tmp_path / "fresh-cache"
        again = invoke("pull", "1.0.0", "--from", url, "--cache", fresh, "--trust-key", pub)
        assert again.exit_code == 0, again.output
    assert file_hashes(fresh / "1.0.0") == original
    assert file_hashes(cache / "1.0.0") == original  # queries left the cached copy untouched


def test_failing_error_rule_refuses_the_release(tmp_path):
    dataset = tmp_path / "dataset"
    shutil.copytree(REPO_DATASET, dataset)
    edit(dataset / "claims" / "doc-0001.yml", "  claim_date: '2016-09-19'\n",
         "  claim_date: '2016-12-19'\n")
    releases = tmp_path / "releases"
    result = release("1.0.0", dataset, releases, tmp_path)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: release 1.0.0 refused: error-level rules fail: ")
    assert "claims.claim_date_not_after_publication (1 violations)" in lines[0]
    assert listing(releases) == [] and not (tmp_path / "project-reports").exists()


def test_unexplained_figure_change_and_removed_id_refuse_the_release(tmp_path):
    dataset = tmp_path / "dataset"
    shutil.copytree(REPO_DATASET, dataset)
    releases = tmp_path / "releases"
    assert release("1.0.0", dataset, releases, tmp_path).exit_code == 0
    figures_yml = dataset / "figures" / "doc-0001.yml"
    edit(figures_yml, UNSPECIFIED, AT_LEAST_ONE)
    before = listing(releases)
    result = release("1.1.0", dataset, releases, tmp_path)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: release 1.1.0 refused: error-level rules fail: release.figure_change_explained: "
        "figure value changed since 1.0.0 without a 'corrects' link from a newer claim or a "
        "note naming the old and the new value: fig-0003")
    # a figure deleted instead of corrected
    edit(figures_yml, AT_LEAST_ONE, UNSPECIFIED)
    text = figures_yml.read_text()
    start = text.index("- figure_id: fig-0002")
    end = text.index("- figure_id: fig-0003")
    figures_yml.write_text(text[:start] + text[end:])
    result = release("1.1.0", dataset, releases, tmp_path)
    assert result.exit_code == 1
    assert ("release.ids_never_disappear: 1 id(s) of 1.0.0 missing (figures fig-0002)"
            in result.stderr)
    assert listing(releases) == before


@pytest.mark.parametrize("version, code, message", [
    ("1.0.0", 1, "Error: release 1.0.0 refused: release.version_exists: version 1.0.0 "
                 "already exists; releases are immutable: release the next version, 1.1.1 "
                 "(patch), 1.2.0 (minor) or 2.0.0 (major)"),
    ("1.0.9", 1, "Error: release 1.0.9 refused: release.version_not_greater: version 1.0.9 "
                 "is not greater than the latest release 1.1.0: release the next version, 1.1.1 "
                 "(patch), 1.2.0 (minor) or 2.0.0 (major)"),
    ("../../etc", 2, "Error: release.version_syntax: invalid version '../../etc': expected "
                     "MAJOR.MINOR.PATCH with digits only, e.g. 1.0.0"),
    ("1.2", 2, "Error: release.version_syntax: invalid version '1.2': expected "
               "MAJOR.MINOR.PATCH with digits only, e.g. 1.0.0"),
])
def test_version_order_is_checked_before_anything_is_built(tmp_path, version, code, message):
    releases = tmp_path / "releases"
    make_snapshot(releases, "1.0.0")
    make_snapshot(releases, "1.1.0", parent="1.0.0")
    before = listing(tmp_path)
    result = release(version, tmp_path / "no-dataset-needed", releases, tmp_path)
    assert result.exit_code == code
    assert result.stderr.strip() == message
    assert listing(tmp_path) == before



def test_a_version_whose_project_report_exists_is_refused_before_anything_is_built(
        tmp_path, built_db):
    """A fresh clone: the committed reports/1.0.0/report.md but no releases/ folder. The
    report is never overwritten; a new version is still released."""
    reports = tmp_path / "project-reports"
    committed = reports / "1.0.0" / "report.md"
    committed.parent.mkdir(parents=True)
    committed.write_text("# the report of the released 1.0.0\n", encoding="utf-8")
    before = listing(tmp_path)
    result = invoke("release", "1.0.0", "--dataset", tmp_path / "no-dataset-needed",
                    "--out", tmp_path / "releases", "--reports-dir", reports)
    assert result.exit_code == 1, result.output
    assert result.stderr == (f"Error: release 1.0.0 refused: release.version_exists: version "
                             f"1.0.0 was already released ({committed} exists); releases are "
                             "immutable: release the next version, 1.0.1 (patch), 1.1.0 (minor) "
                             "or 2.0.0 (major)\n")
    assert listing(tmp_path) == before
    assert committed.read_text(encoding="utf-8") == "# the report of the released 1.0.0\n"
    fresh = invoke("release", "1.0.1", "--db", built_db, "--out", tmp_path / "releases",
                   "--reports-dir", reports, "--parent", "none")
    assert fresh.exit_code == 0, fresh.output
    assert (reports / "1.0.1" / "report.md").is_file()
    assert committed.read_text(encoding="utf-8") == "# the report of the released 1.0.0\n"


def test_registry_versions_count_too(tmp_path):
    from newsclaims.registry import publish

    elsewhere = tmp_path / "elsewhere"
    make_snapshot(elsewhere, "2.0.0")
    publish("2.0.0", elsewhere, tmp_path / "registry")
    result = release("1.5.0", tmp_path / "unused", tmp_path / "releases", tmp_path,
                     "--registry", tmp_path / "registry")
    assert result.exit_code == 1
    assert "release.version_not_greater: version 1.5.0 is not greater than the latest release " \
           "2.0.0" in result.stderr


@pytest.fixture(scope="module")
def built_db(tmp_path_factory):
    """The curated dataset built once, for releases made with --db."""
    from newsclaims.build import build_database

    return build_database(REPO_DATASET, tmp_path_factory.mktemp("built") / "newsclaims.duckdb")


@pytest.mark.parametrize("option, value", [
    ("--reports-dir", "afile"), ("--reports-dir", "afile/sub"), ("--out", "afile")])
def test_an_output_folder_that_is_a_file_stops_the_release_before_anything_is_made(
        tmp_path, built_db, option, value):
    (tmp_path / "afile").write_text("not a folder\n")
    paths = {"--out": tmp_path / "releases", "--reports-dir": tmp_path / "project-reports"}
    paths[option] = tmp_path / value
    before = listing(tmp_path)
    result = invoke("release", "1.0.0", "--db", built_db, "--out", paths["--out"],
                    "--reports-dir", paths["--reports-dir"])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"Error: {tmp_path / 'afile'}: exists and is not a folder\n"
    assert listing(tmp_path) == before
    # nothing was released, so the same release with usable folders goes through
    fixed = invoke("release", "1.0.0", "--db", built_db, "--out", tmp_path / "releases",
                   "--reports-dir", tmp_path / "project-reports")
    assert fixed.exit_code == 0, fixed.output
    assert (tmp_path / "project-reports" / "1.0.0" / "report.md").read_bytes() == \
        (tmp_path / "releases" / "1.0.0" / "reports" / "report.md").read_bytes()


def _reports_root_made_a_file(reports):
    reports.write_text("a file where the reports folder was\n")


def _report_made_a_folder(reports):
    (reports / "1.0.0" / "report.md").mkdir(parents=True)


@pytest.mark.parametrize("block, reason", [
    (_reports_root_made_a_file, "not a directory"),  # the report cannot be staged
    (_report_made_a_folder, "is a directory"),  # the staged report cannot be renamed
])
def test_a_report_that_cannot_be_written_at_the_end_takes_the_release_back(
        tmp_path, built_db, block, reason):
    """The report location passed the check, then changed while the release was made (the
    step hook stands in for another process): the release is taken back, all of it."""
    from newsclaims.errors import InputError
    from newsclaims.release import create_release

    releases, reports = tmp_path / "releases", tmp_path / "project-reports"
    releases.mkdir()
    if block is _report_made_a_folder:
        reports.mkdir()

    def step(name):
        if name == "publish":
            block(reports)
            state.extend(listing(tmp_path))

    state: list = []
    with pytest.raises(InputError) as caught:
        create_release("1.0.0", db=built_db, releases_dir=releases, reports_root=reports,
                       step=step, allow_dirty=True)
    assert str(caught.value) == (f"{reports / '1.0.0' / 'report.md'}: cannot write the release "
                                 f"report ({reason}); nothing was released")
    after = listing(tmp_path)
    assert after == [p for p in state if not p[0].startswith("releases/")]
    assert listing(releases) == []


@pytest.mark.parametrize("content, message", [
    ("text", "not a DuckDB database file (rebuild it with `newsclaims build`)"),
    ("duckdb", "not a newsclaims database: missing table(s) countries, actors, actor_aliases, "
               "places, place_aliases, documents, incidents, claims, claim_relays, claim_links, "
               "figures"),
])
def test_a_db_that_is_not_a_newsclaims_database_is_named_as_given(tmp_path, content, message):
    import duckdb

    db = tmp_path / "mine.duckdb"
    if content == "text":
        db.write_text("not a database\n")
    else:
        con = duckdb.connect(str(db))
        con.execute("CREATE TABLE notes (x INTEGER)")
        con.close()
    before = listing(tmp_path)
    result = invoke("release", "1.0.0", "--db", db, "--out", tmp_path / "releases",
                    "--reports-dir", tmp_path / "project-reports")
    assert result.exit_code == 2, result.output
    assert result.stderr == f"Error: {db}: {message}\n"
    assert listing(tmp_path) == before


# --- text policies: what a release holds of each document's text ---------------------------


def _pulled_release(tmp_path, dataset):
    """Release ``dataset`` as 1.0.0 (signed), publish it, serve the registry over real HTTP
    and pull it into an empty cache: the folder a researcher gets."""
    releases, registry, cache = tmp_path / "releases", tmp_path / "registry", tmp_path / "cache"
    assert invoke("keygen", "--out", tmp_path / "k.pem").exit_code == 0
    made = release("1.0.0", dataset, releases, tmp_path, "--key", tmp_path / "k.pem")
    assert made.exit_code == 0, made.output
    assert invoke("publish", "1.0.0", "--to", registry, "--releases", releases).exit_code == 0
    with serve(registry) as url:
        pulled = invoke("pull", "1.0.0", "--from", url, "--cache", cache,
                        "--trust-key", tmp_path / "k.pem.pub")
    assert pulled.exit_code == 0, pulled.output
    return cache / "1.0.0"


def test_a_release_ships_no_text_its_policy_forbids(tmp_path):
    """The seed is a copyrighted article (text_policy quotes): the pulled release holds its
    quotes, offsets and SHA-256, not its text, in the database and the Parquet files; its
    licences are listed per resource; SOURCES.md names it."""
    import duckdb

    from conftest import SEED_DOCUMENT, SEED_SHA256

    dataset = tmp_path / "dataset"
    shutil.copytree(REPO_DATASET, dataset)
    snap = _pulled_release(tmp_path, dataset)
    seed_text = SEED_DOCUMENT.read_text(encoding="utf-8")

    con = duckdb.connect(str(snap / "newsclaims.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT doc_id, text, text_sha256, CAST(text_policy AS VARCHAR), licence "
                           "FROM documents WHERE doc_id = 'doc-0001'").fetchall() == [
            ("doc-0001", None, SEED_SHA256, "quotes", "LicenseRef-All-Rights-Reserved")]
        # every other document is citation-only (no text, no hash) or a shipped public-domain text
        assert con.execute("SELECT count(*) FROM documents WHERE text IS NOT NULL AND "
                           "CAST(text_policy AS VARCHAR) <> 'ship'").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM documents WHERE CAST(text_policy AS VARCHAR) = 'cite' "
                           "AND text_sha256 IS NOT NULL").fetchone() == (0,)
        quotes = con.execute("SELECT quote, quote_start, quote_end FROM claims WHERE doc_id = 'doc-0001'").fetchall()
        assert quotes and all(seed_text[s:e] == q for q, s, e in quotes)
        # the gate's own run on the snapshot, and the check before the texts were withheld
        assert con.execute("SELECT status, engine FROM dq_results WHERE rule_id = "
                           "'documents.text_policy_honoured'").fetchall() == [("pass", "release")]
        assert con.execute("SELECT status FROM dq_results WHERE rule_id = "
                           "'claims.quote_matches_text'").fetchall() == [("pass",)]
        parquet = con.execute("SELECT doc_id, text, text_sha256 FROM read_parquet(?) WHERE doc_id = 'doc-0001'",
                              [str(snap / "data" / "documents.parquet")]).fetchall()
        assert parquet == [("doc-0001", None, SEED_SHA256)]
    finally:
        con.close()
    # no sentence of the text is in any file of the snapshot, but those a record repeats
    # (a quote, a curator's note citing a caption)
    import re

    records = b"".join(p.read_bytes() for p in REPO_DATASET.rglob("*") if p.is_file() and p != SEED_DOCUMENT)
    sentences = [x for x in re.split(r"(?<=[.!?])\s+|\n", seed_text)
                 if len(x) > 30 and x.encode() not in records and not any(x in q for q, _, _ in quotes)]
    assert len(sentences) >= 3
    files = {p: p.read_bytes() for p in snap.rglob("*") if p.is_file()}
    assert [(p.name, x) for p, data in files.items() for x in sentences if x.encode() in data] == []

    package = json.loads((snap / "datapackage.json").read_text())
    by_name = {r["name"]: [lic["name"] for lic in r["licenses"]] for r in package["resources"]}
    # the claims quote the seed (all rights reserved) and the Pentagon's statement (public
    # domain, doc-0002, whose text the documents resource ships); citation-only documents
    # add nothing of their texts
    assert by_name["claims"] == ["CC-BY-4.0", "LicenseRef-All-Rights-Reserved", "CC-PDDC"]
    assert by_name["documents"] == ["CC-BY-4.0", "CC-PDDC"]
    assert by_name["figures"] == ["CC-BY-4.0"]
    assert [lic["name"] for lic in package["licenses"]] == ["CC-BY-4.0"]
    assert "SOURCES.md" in {f["path"] for f in package["newsclaims:files"]}
    sources = (snap / "SOURCES.md").read_text(encoding="utf-8")
    assert ("| doc-0001 | Kerry holds out hope for Syria truce despite violations | popherald.com | "
            "http://popherald.com/2016/10/01/kerry-holds-out-hope-for-syria-truce-despite-violations.html | "
            "2016-10-01 | 2026-12-04 | LicenseRef-All-Rights-Reserved | quotes | 48 quote(s) and the "
            f"text's SHA-256 `{SEED_SHA256}` |") in sources
    valid = subprocess.run([f"{VENV_BIN}/frictionless", "validate", "datapackage.json"],
                           cwd=snap, capture_output=True, text=True, timeout=120)
    assert valid.returncode == 0, valid.stdout[-3000:]


def test_a_ship_document_keeps_its_text_in_the_release(tmp_path):
    """The same article declared public domain and ship: the release holds its text, and
    the documents resource lists its licence."""
    import duckdb

    from conftest import SEED_DOCUMENT

    dataset = tmp_path / "dataset"
    shutil.copytree(REPO_DATASET, dataset)
    edit(dataset / "documents" / "doc-0001.yml",
         "licence: LicenseRef-All-Rights-Reserved\ntext_policy: quotes\n",
         "licence: CC-PDDC\ntext_policy: ship\n")
    snap = _pulled_release(tmp_path, dataset)
    con = duckdb.connect(str(snap / "newsclaims.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT text FROM documents WHERE doc_id = 'doc-0001'").fetchone()[0] == \
            SEED_DOCUMENT.read_text(encoding="utf-8")
    finally:
        con.close()
    package = json.loads((snap / "datapackage.json").read_text())
    documents = next(r for r in package["resources"] if r["name"] == "documents")
    assert documents["licenses"][1] == {
        "name": "CC-PDDC", "path": "https://creativecommons.org/licenses/publicdomain/",
        "title": "Creative Commons Public Domain Dedication and Certification (e.g. a work of the "
                 "US federal government)"}


def test_the_gate_refuses_a_snapshot_holding_a_forbidden_text(tmp_path):
    """The release gate runs documents.text_policy_honoured on the snapshot it made: a
    snapshot database that still holds a quotes document's text is refused, naming it."""
    from release_fixtures import base_rows

    from newsclaims.errors import GateFailure

    rows = base_rows()
    rows["documents"][0].update(licence="LicenseRef-All-Rights-Reserved", text_policy="quotes")
    with pytest.raises(GateFailure) as refused:
        make_snapshot(tmp_path / "releases", "1.0.0", rows=rows)
    assert str(refused.value) == (
        "release 1.0.0 refused: error-level rules fail: documents.text_policy_honoured (1 violations): "
        "doc-0001 holds the text of a quotes document (licence LicenseRef-All-Rights-Reserved), which a "
        "release must not ship")


def test_a_cited_document_holding_a_text_refuses_the_release(tmp_path):
    """``release --db``: a database whose citation-only document holds a text fails the
    catalogue's run of the rule, before anything is released."""
    from release_fixtures import base_rows, make_db

    rows = base_rows()
    rows["documents"][0].update(licence="LicenseRef-All-Rights-Reserved", text_policy="cite",
                                url="https://news.example/1", publisher_id="act-sohr",
                                retrieved_on="2016-09-20", published_precision="day")
    for claim in rows["claims"]:
        claim.update(quote=None, quote_start=None, quote_end=None, locator="para. 1",
                     claim_date_precision="day")
    db = make_db(tmp_path / "cited.duckdb", rows)
    result = invoke("release", "1.0.0", "--db", db, "--out", tmp_path / "releases",
                    "--reports-dir", tmp_path / "project-reports")
    assert (result.exit_code, result.stderr) == (1, (
        "Error: release 1.0.0 refused: error-level rules fail: "
        "documents.text_policy_honoured (1 violations)\n"))
    assert not (tmp_path / "releases").exists() or list((tmp_path / "releases").iterdir()) == []


def test_a_withheld_text_is_not_carried_along_as_the_parents_value(tmp_path):
    """1.0.0 shipped a text; 1.1.0 withholds it (its policy became quotes): the changes of
    1.1.0 (its changes table, CHANGELOG.md, diff) show the text by its SHA-256 only."""
    import duckdb

    from release_fixtures import TEXT, base_rows

    releases = tmp_path / "releases"
    make_snapshot(releases, "1.0.0")
    rows = base_rows()
    rows["documents"][0].update(text=None, licence="LicenseRef-All-Rights-Reserved", text_policy="quotes")
    snap = make_snapshot(releases, "1.1.0", rows=rows, parent="1.0.0")
    sha = hashlib.sha256(TEXT.encode()).hexdigest()
    diff = invoke("diff", "1.0.0", "1.1.0", "--releases", releases, "--format", "json")
    assert diff.exit_code == 0, diff.output
    (change,) = [c for c in json.loads(diff.stdout) if c["table"] == "documents"]
    assert change["before"]["text"] == f"sha256:{sha}" and change["after"]["text"] is None
    files = [p for p in snap.rglob("*") if p.is_file()]
    assert [p.name for p in files if TEXT.strip().encode() in p.read_bytes()] == []
    con = duckdb.connect(str(snap / "newsclaims.duckdb"), read_only=True)
    assert f"sha256:{sha}" in str(con.execute("SELECT * FROM changes").fetchall())
    con.close()
