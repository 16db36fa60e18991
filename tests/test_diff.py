"""Record-level differences between two snapshots: the changelog, the `changes` table and
`newsclaims diff`."""

from __future__ import annotations

import json

import duckdb
import pytest
from click.testing import CliRunner

from newsclaims import contract
from newsclaims.changelog import Change, describe, diff_databases, render_markdown
from newsclaims.cli import cli
from newsclaims.errors import InputError
from release_fixtures import base_rows, listing, make_db, make_snapshot


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
    printed = json.loads(result.stdout)
    assert [{k: c[k] for k in ("table", "record_id", "change", "fields")} for c in printed] == \
        [{"table": c.table, "record_id": c.record_id, "change": c.change, "fields": list(c.fields)}
         for c in api]
    # numbers as numbers, text as text
    figure = printed[-1]
    assert figure["before"] == {"stated_text": "at least 62", "stated_value": 62, "value_low": 62,
                                "notes": None}
    assert figure["after"] == {"stated_text": "at least 70", "stated_value": 70, "value_low": 70,
                               "notes": "Corrected: the text says 70."}
    assert printed[3]["after"] == {"status": "retracted"}
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


def _other_duckdb(path):
    path.unlink()
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE notes (x INTEGER)")
    con.close()


def _flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


DAMAGE = {
    "replaced by text": (lambda p: p.write_text("not a database\n"), "has {size} bytes"),
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[:5000]), "has {size} bytes"),
    "another DuckDB file": (_other_duckdb, "has {size} bytes"),
    "a flipped byte": (_flip_a_byte, "does not match its sha256 in the manifest"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_cli_diff_refuses_a_damaged_snapshot_naming_it(tmp_path, damage):
    releases = tmp_path / "releases"
    make_snapshot(releases, "1.0.0")
    make_snapshot(releases, "1.0.2", rows=edited_rows(), parent="1.0.0")
    db = releases / "1.0.2" / "newsclaims.duckdb"
    expected = json.loads((releases / "1.0.2" / "manifest.json").read_text())
    listed = next(f["bytes"] for f in expected["files"] if f["path"] == "newsclaims.duckdb")
    tamper, what = DAMAGE[damage]
    tamper(db)
    what = what.format(size=db.stat().st_size)
    if what.startswith("has"):
        what += f", the manifest says {listed}"
    before = listing(tmp_path)
    for old, new in (("1.0.0", "1.0.2"), ("1.0.2", "1.0.0")):
        result = CliRunner().invoke(cli, ["diff", old, new, "--releases", str(releases),
                                          "--cache", str(tmp_path / "cache")])
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        assert result.stderr == f"Error: {releases / '1.0.2'}: newsclaims.duckdb {what}\n"
    assert listing(tmp_path) == before


def test_diff_databases_names_a_file_that_is_not_a_newsclaims_database(tmp_path):
    good = make_db(tmp_path / "good.duckdb")
    text = tmp_path / "text.duckdb"
    text.write_text("not a database\n")
    other = tmp_path / "other.duckdb"
    other.touch()
    _other_duckdb(other)
    with pytest.raises(InputError) as caught:
        diff_databases(good, text)
    assert str(caught.value) == f"{text}: not a DuckDB database file"
    with pytest.raises(InputError) as caught:
        diff_databases(other, good)
    assert str(caught.value) == (f"{other}: not a newsclaims database: none of the tables "
                                 + ", ".join(contract.TABLES))


def test_a_table_only_one_database_has_is_all_added_or_all_removed(tmp_path):
    """A table removed by a major release (or added by a minor one): its records are
    removed (added), never silently left out."""
    full = make_db(tmp_path / "full.duckdb")
    less = make_db(tmp_path / "less.duckdb")
    con = duckdb.connect(str(less))
    con.execute("DROP TABLE claim_links")
    con.close()
    link = "clm-0001|clm-0002|contradicts"
    assert diff_databases(full, less) == [Change("claim_links", link, "removed")]
    assert diff_databases(less, full) == [Change("claim_links", link, "added")]
