"""Record-level differences between two snapshots: the changelog, the `changes` table and
`newsclaims diff`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from newsclaims.changelog import describe, diff_databases, render_markdown
from newsclaims.cli import cli
from release_fixtures import base_rows, make_db, make_snapshot


def edited_rows():
    rows = base_rows()
    rows["actors"].append(dict(actor_id="act-army-dup", name="Army (duplicate)", kind="military",
                               status="merged", merged_into="act-syrian-army"))
    rows["claims"][1]["status"] = "retracted"
    rows["figures"][0].update(stated_value=70, stated_text="at least 70", value_low=70,
                              notes="Corrected: the text says 70.")
    rows["actor_aliases"] = [dict(actor_id="act-sohr", alias="The Observatory")]
    return rows


def test_every_kind_of_change(tmp_path):
    old = make_db(tmp_path / "old.duckdb")
    new = make_db(tmp_path / "new.duckdb", edited_rows())
    changes = diff_databases(old, new)
    assert [(c.table, c.record_id, c.change, c.fields) for c in changes] == [
        ("actors", "act-army-dup", "added", ()),
        ("actor_aliases", "act-sohr|SOHR", "removed", ()),
        ("actor_aliases", "act-sohr|The Observatory", "added", ()),
        ("claims", "clm-0002", "retracted", ("status",)),
        ("figures", "fig-0001", "updated",
         ("stated_text", "stated_value", "value_low", "notes")),
    ]
    fig = changes[-1]
    assert fig.before["stated_value"] == "62" and fig.after["stated_value"] == "70"
    assert describe(fig).startswith('figures fig-0001 updated: stated_text "at least 62" -> '
                                    '"at least 70"; stated_value "62" -> "70"')
    md = render_markdown("1.1.0", "1.0.0", "2026-01-01T00:00:00Z", changes)
    assert "| claims | 0 | 0 | 0 | 1 | 0 |" in md
    assert "- `clm-0002` retracted: status \"active\" -> \"retracted\"" in md


def test_merge_is_reported_as_merged(tmp_path):
    rows = base_rows()
    rows["actors"].append(dict(actor_id="act-army-dup", name="Army (dup)", kind="military",
                               status="active"))
    old = make_db(tmp_path / "old.duckdb", rows)
    rows = base_rows()
    rows["actors"].append(dict(actor_id="act-army-dup", name="Army (dup)", kind="military",
                               status="merged", merged_into="act-syrian-army"))
    new = make_db(tmp_path / "new.duckdb", rows)
    (change,) = diff_databases(old, new)
    assert (change.table, change.record_id, change.change) == ("actors", "act-army-dup", "merged")
    assert change.fields == ("status", "merged_into")


def test_cli_diff_json_equals_the_api_and_changes_table(tmp_path):
    releases = tmp_path / "releases"
    make_snapshot(releases, "1.0.0")
    make_snapshot(releases, "1.1.0", rows=edited_rows(), parent="1.0.0")
    runner = CliRunner()
    result = runner.invoke(cli, ["diff", "1.0.0", "1.1.0", "--releases", str(releases),
                                 "--cache", str(tmp_path / "cache"), "--format", "json"])
    assert result.exit_code == 0, result.output
    api = diff_databases(releases / "1.0.0" / "newsclaims.duckdb",
                         releases / "1.1.0" / "newsclaims.duckdb")
    assert json.loads(result.stdout) == [c.to_dict() for c in api]
    text = runner.invoke(cli, ["diff", "1.0.0", "1.1.0", "--releases", str(releases),
                               "--cache", str(tmp_path / "cache")])
    assert text.stdout.splitlines() == [describe(c) for c in api]
    # the snapshot stores the same changes in its `changes` table
    import duckdb

    con = duckdb.connect(str(releases / "1.1.0" / "newsclaims.duckdb"), read_only=True)
    stored = con.execute("SELECT table_name, record_id, change, fields FROM changes").fetchall()
    con.close()
    assert stored == [(c.table, c.record_id, c.change, list(c.fields)) for c in api]
    same = runner.invoke(cli, ["diff", "1.1.0", "1.1.0", "--releases", str(releases),
                               "--cache", str(tmp_path / "cache")])
    assert same.stdout.strip() == "no record differs between 1.1.0 and 1.1.0"
    missing = runner.invoke(cli, ["diff", "1.0.0", "3.0.0", "--releases", str(releases),
                                  "--cache", str(tmp_path / "cache")])
    assert missing.exit_code == 2 and "version 3.0.0 is not in" in missing.stderr
