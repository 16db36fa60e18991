"""The reports as a data steward reads them, from real ``newsclaims check`` runs of the whole
catalogue: every rule has its row and its section (threshold, share of rows, the passing
ones too) and every link of the page leads somewhere; a record with a NULL key is located;
a run of some rules (``--select``) says so and never replaces a full run's reports; the
records are complete in ``violations.jsonl`` and ``report.json`` stays small."""

from __future__ import annotations

import html.parser
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import report_fixtures as rf


def newsclaims(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsclaims", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=200)


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])


def _null_key_db(path: Path) -> Path:
    """The report fixture with a claim whose claim_id is NULL and a relay whose hop
    is NULL (a composite key with a NULL part)."""
    rf.build_fixture_db(path, results=False)
    con = duckdb.connect(str(path))
    try:
        con.execute("INSERT INTO claims SELECT * REPLACE (NULL AS claim_id) FROM claims "
                    "WHERE claim_id = 'clm-0001'")
        con.execute("INSERT INTO claim_relays (claim_id, hop, actor_id) "
                    "VALUES ('clm-0002', NULL, 'act-sohr')")
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    """``newsclaims check`` of the whole catalogue, run in a project folder of its own."""
    folder = tmp_path_factory.mktemp("steward")
    db = _null_key_db(folder / "nulls.duckdb")
    proc = newsclaims("check", "--db", db, "--no-progress", cwd=folder)
    assert proc.returncode == 1, proc.stderr
    return folder, db, folder / "reports" / "latest"


def test_every_rule_has_a_row_and_a_section_and_every_link_resolves(full_run):
    _, _, out = full_run
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    page = (out / "report.html").read_text(encoding="utf-8")
    links = _Links()
    links.feed(page)
    rule_ids = [r["id"] for r in report["rules"]]
    assert len(rule_ids) > 100  # the whole catalogue
    assert {f"rule-{i}" for i in rule_ids} <= links.ids
    inner = [h for h in links.hrefs if h.startswith("#")]
    assert len(inner) >= len(rule_ids)
    assert [h for h in inner if h[1:] not in links.ids] == []
    # the one other link: the complete list beside the page
    assert {h for h in links.hrefs if not h.startswith("#")} == {"violations.jsonl"}
    assert (out / "violations.jsonl").is_file()


def test_every_rule_states_threshold_and_share(full_run):
    _, _, out = full_run
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    page = (out / "report.html").read_text(encoding="utf-8")
    claims_rows = report["table_rows"]["claims"]
    assert claims_rows == 8  # 4 good, 3 defective, 1 with a NULL id
    by_id = {r["id"]: r for r in report["rules"]}
    passing = [r for r in report["rules"] if r["status"] == "pass"]
    assert passing, "the fixture passes some rules"
    for r in report["rules"]:
        assert r["fail_above"] is not None
        if r["status"] in ("pass", "fail") and r["rows"]:
            assert r["share"] == pytest.approx(r["violation_count"] / r["rows"])
        elif r["status"] in ("error", "skipped") or not r["rows"]:
            assert r["share"] is None
    pattern = by_id["claims.claim_id_pattern"]
    start = page.index('id="rule-claims.claim_id_pattern"')
    section = page[start:page.index("</section>", start)]
    assert (f"<b>{pattern['violation_count']}</b> offending "
            f"({pattern['violation_count'] / claims_rows * 100:.2g} % of the rows)") in section
    assert "threshold: fails above 0" in section
    # a passing rule has its section too, with its numbers
    ok = passing[0]
    start = page.index(f'id="rule-{ok["id"]}"')
    section = page[start:page.index("</section>", start)]
    assert "<b>0</b> offending (0 % of the rows)" in section and "No offending record." in section


def test_a_record_with_a_null_key_is_located(full_run):
    _, db, out = full_run
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    claims = report["null_keys"]["claims"]
    assert claims["total"] == 1
    assert "claims.claim_id_not_null" in claims["rules"]
    assert "claims.claim_id_pattern" not in claims["rules"]
    (rowid,) = claims["rowids"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        located = con.execute("SELECT claim_id, quote FROM claims WHERE rowid = ?", [rowid]).fetchone()
        every = con.execute(claims["sql"]).fetchall()
    finally:
        con.close()
    assert located == (None, "the strike killed at least 62 Syrian soldiers")
    assert len(every) == 1
    relays = report["null_keys"]["claim_relays"]
    assert relays["total"] == 1 and "hop IS NULL" in relays["sql"]
    page = (out / "report.html").read_text(encoding="utf-8")
    start = page.index('id="rule-claims.claim_id_not_null"')
    section = page[start:page.index("</section>", start)]
    assert f"<code>NULL key: rowid {rowid} of claims</code>" in section
    assert "SELECT rowid, * FROM claims WHERE claim_id IS NULL ORDER BY rowid;" in section
    start = page.index('id="rule-claims.claim_id_pattern"')  # no record without its id
    assert "SELECT rowid, * FROM claims" not in page[start:page.index("</section>", start)]
    md = (out / "report.md").read_text(encoding="utf-8")
    assert f"- `NULL key: rowid {rowid} of claims`: `claim_id is NULL`" in md


def test_a_selection_is_recorded_and_keeps_the_full_runs_reports(full_run):
    folder, db, latest = full_run
    before = {p.name: p.read_bytes() for p in latest.iterdir()}
    proc = newsclaims("check", "--db", db, "--select", "core", "--no-progress", cwd=folder)
    assert proc.returncode in (0, 1), proc.stderr
    assert {p.name: p.read_bytes() for p in latest.iterdir()} == before
    out = folder / "reports" / "selection"
    assert f"json: {Path('reports') / 'selection' / 'report.json'}" in proc.stdout
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    full = json.loads(before["report.json"])
    assert report["run"]["selection"] == {"select": ["core"], "rules_run": 15,
                                          "catalogue_rules": len(full["rules"])}
    md = (out / "report.md").read_text(encoding="utf-8")
    first = md.splitlines()[0]
    assert first.endswith(f"(selection core: 15 of {len(full['rules'])} rules; "
                          "the other rules did not run)")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="selection"' in page and f"selection core: 15 of {len(full['rules'])} rules" in page
    # an explicit folder is used as told, and marked the same way
    proc = newsclaims("check", "--db", db, "--select", "core", "--no-progress",
                      "--reports", folder / "mine", cwd=folder)
    marked = json.loads((folder / "mine" / "report.json").read_text(encoding="utf-8"))
    assert marked["run"]["selection"]["select"] == ["core"]


def test_report_json_is_small_and_violations_jsonl_complete(full_run, tmp_path):
    folder, nulls, _ = full_run
    db = shutil.copy(nulls, tmp_path / "copy.duckdb")
    out = tmp_path / "out"
    assert newsclaims("check", "--db", db, "--reports", out, cwd=folder).returncode == 1
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert "violations" not in report
    lines = (out / "violations.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    con = duckdb.connect(str(db), read_only=True)
    try:
        stored = con.execute("SELECT rule_id, record_id, message FROM dq_violations "
                             "ORDER BY rule_id, record_id, message").fetchall()
    finally:
        con.close()
    assert [(r["rule_id"], r["record_id"], r["message"]) for r in records] == \
        [tuple(row) for row in stored]
    assert report["violations_file"]["records"] == len(records) == report["summary"]["violations"]


def _line_of(path: Path, text: str) -> int:
    return path.read_text(encoding="utf-8").splitlines().index(text) + 1


def test_a_record_of_a_built_database_names_its_source_file_and_line(built_db, repo, tmp_path):
    """The curated dataset's one warning (unattributed claims): each listed record names
    where to correct it in dataset/."""
    db = shutil.copy(built_db, tmp_path / "built.duckdb")
    proc = newsclaims("check", "--db", db, "--reports", tmp_path / "out", "--no-progress",
                      cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    line = _line_of(repo / "dataset" / "claims" / "doc-0001.yml", "- claim_id: clm-0001")
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert f"- `clm-0001` (`dataset/claims/doc-0001.yml:{line}`): " in md
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert (f'<code>clm-0001</code><br><span class="muted origin">'
            f"dataset/claims/doc-0001.yml:{line}</span>") in page


def test_no_source_line_for_another_dataset(repo):
    from newsclaims.reporting.origins import source_lines

    listed = {("claims", "clm-0001")}
    assert source_lines("0" * 64, listed, repo / "dataset") == {}  # edited since the build
    assert source_lines(None, listed, repo / "dataset") == {}  # not built from dataset/
