"""Version discipline: every cross-version rule has a case that triggers it and one that
passes, on small databases built from code."""

from __future__ import annotations

import pytest

from newsclaims import contract
from newsclaims.errors import InputError
from newsclaims.versioning import (check_against_parent, check_version_order, validate_version)
from release_fixtures import base_rows, make_db


def ids(violations):
    return [v.rule_id for v in violations]


@pytest.fixture
def parent_db(tmp_path):
    return make_db(tmp_path / "parent.duckdb")


def new_db(tmp_path, rows=None, ddl=None):
    return make_db(tmp_path / "new.duckdb", rows, ddl=ddl)


@pytest.mark.parametrize("text", ["1.0.0", "0.1.0", "10.20.30"])
def test_valid_versions(text):
    assert validate_version(text) == text


@pytest.mark.parametrize("text", ["../../etc", "1.0", "1.0.0.0", "01.0.0", "1.0.0-rc1",
                                  "v1.0.0", " 1.0.0", "1.0.0\n", "", "1..0"])
def test_invalid_versions(text):
    with pytest.raises(InputError, match=r"^release.version_syntax: invalid version"):
        validate_version(text)


def test_version_order():
    assert ids(check_version_order("1.1.0", ["1.0.0"])) == []
    assert ids(check_version_order("1.0.0", ["1.0.0", "1.1.0"])) == ["release.version_exists"]
    found = check_version_order("1.0.5", ["1.0.0", "1.1.0"])
    assert ids(found) == ["release.version_not_greater"]
    assert str(found[0]) == ("release.version_not_greater: version 1.0.5 is not greater than "
                             "the latest release 1.1.0: release the next version, 1.1.1 (patch), "
                             "1.2.0 (minor) or 2.0.0 (major)")
    assert ids(check_version_order("1.10.0", ["1.9.0"])) == []  # numeric, not text, order



def test_a_version_with_a_project_report_exists(tmp_path):
    report = tmp_path / "reports" / "1.0.0" / "report.md"
    assert check_version_order("1.0.0", [], report=report) == []  # no report yet
    report.parent.mkdir(parents=True)
    report.write_text("# 1.0.0\n", encoding="utf-8")
    found = check_version_order("1.0.0", [], report=report)
    assert ids(found) == ["release.version_exists"]
    assert str(found[0]) == (f"release.version_exists: version 1.0.0 was already released "
                             f"({report} exists); releases are immutable: release the next "
                             "version, 1.0.1 (patch), 1.1.0 (minor) or 2.0.0 (major)")
    # a released version is reported as such, whatever its report
    assert "already exists" in str(check_version_order("1.0.0", ["1.0.0"], report=report)[0])


def test_unchanged_release_passes(tmp_path, parent_db):
    assert check_against_parent(new_db(tmp_path), parent_db, "1.0.1", "1.0.0") == []


def ddl_replacing(old: str, new: str) -> str:
    """The contract DDL with one piece of text replaced."""
    ddl = contract.schema_sql()
    assert old in ddl
    return ddl.replace(old, new)


def test_removed_column_needs_a_major_bump(tmp_path, parent_db):
    rows = base_rows()
    for fig in rows["figures"]:
        fig.pop("value_high", None)
    ddl = ddl_replacing("    value_high BIGINT, ", "    -- value_high removed ")
    new = new_db(tmp_path, rows, ddl=ddl)
    found = check_against_parent(new, parent_db, "1.1.0", "1.0.0")
    assert [str(v) for v in found] == [
        "release.contract_major_bump: contract changed since 1.0.0 (column "
        "figures.value_high removed or renamed): needs a major version bump"]
    assert check_against_parent(new, parent_db, "2.0.0", "1.0.0") == []


def test_retyped_column_and_removed_enum_value_need_a_major_bump(tmp_path, parent_db):
    ddl = ddl_replacing("    stated_value BIGINT,", "    stated_value DOUBLE,").replace(
        "'corrects', 'responds_to'", "'corrects'")
    rows = base_rows()
    rows["claim_links"] = []
    found = check_against_parent(new_db(tmp_path, rows, ddl=ddl), parent_db, "1.0.1", "1.0.0")
    assert ids(found)[0] == "release.contract_major_bump"
    assert "column figures.stated_value retyped BIGINT -> DOUBLE" in str(found[0])
    assert "column claim_links.relation retyped ENUM(" in str(found[0])


def test_added_column_and_enum_value_are_minor(tmp_path, parent_db):
    ddl = contract.schema_sql().replace(
        "'corrects', 'responds_to'", "'corrects', 'responds_to', 'retracts'").replace(
        "CREATE TABLE actors (\n", "CREATE TABLE actors (\n    wikidata VARCHAR,\n", 1)
    assert "wikidata" in ddl and "'retracts'" in ddl
    new = new_db(tmp_path, ddl=ddl)
    assert check_against_parent(new, parent_db, "1.1.0", "1.0.0") == []


def test_removed_id_is_refused(tmp_path, parent_db):
    rows = base_rows()
    rows["figures"] = rows["figures"][:1]
    found = check_against_parent(new_db(tmp_path, rows), parent_db, "1.1.0", "1.0.0")
    assert ids(found) == ["release.ids_never_disappear"]
    assert "figures fig-0002" in str(found[0])


def test_retracted_instead_of_removed_passes(tmp_path, parent_db):
    rows = base_rows()
    rows["claims"][1]["status"] = "retracted"
    assert check_against_parent(new_db(tmp_path, rows), parent_db, "1.1.0", "1.0.0") == []


def changed_figure_rows():
    rows = base_rows()
    rows["figures"][1].update(stated_value=41, stated_text="41", value_low=41, value_high=41)
    return rows


def test_changed_figure_without_reason_is_refused(tmp_path, parent_db):
    found = check_against_parent(new_db(tmp_path, changed_figure_rows()), parent_db,
                                 "1.1.0", "1.0.0")
    assert ids(found) == ["release.figure_change_explained"]
    assert str(found[0]).endswith(": fig-0002")


def test_changed_figure_with_a_note_naming_the_change_passes(tmp_path, parent_db):
    rows = changed_figure_rows()
    rows["figures"][1]["notes"] = "stated_value 40 -> 41: the text says 41."
    assert check_against_parent(new_db(tmp_path, rows), parent_db, "1.1.0", "1.0.0") == []


@pytest.mark.parametrize("note", [
    "Corrected: the text says 41.",  # the new value only
    "Fixed a typo.",  # any edit of notes
    "was 140, now 41",  # 40 only inside another number
    "stated_value 40 -> 410",
])
def test_a_note_that_does_not_name_the_old_and_new_value_is_no_reason(tmp_path, parent_db, note):
    rows = changed_figure_rows()
    rows["figures"][1]["notes"] = note
    found = check_against_parent(new_db(tmp_path, rows), parent_db, "1.1.0", "1.0.0")
    assert ids(found) == ["release.figure_change_explained"]
    assert str(found[0]).endswith("without a 'corrects' link from a newer claim or a note naming "
                                  "the old and the new value: fig-0002")


def test_a_changed_qualifier_is_named_by_both_qualifiers(tmp_path, parent_db):
    rows = base_rows()
    old = dict(rows["figures"][1])
    assert (old["qualifier"], old["stated_value"]) == ("exact", 40)
    rows["figures"][1].update(qualifier="at_least", value_high=None, stated_text="at least 40")

    def found(note: str, name: str):
        rows["figures"][1]["notes"] = note
        (tmp_path / name).mkdir()
        return ids(check_against_parent(new_db(tmp_path / name, rows), parent_db, "1.1.0", "1.0.0"))

    assert found("qualifier exact -> at_least", "a") == []
    assert found("the text says at least 40", "b") == ["release.figure_change_explained"]  # exact unnamed
    assert found("Exact 40 was wrong: the text says at least 40.", "c") == []


def test_changed_figure_with_a_corrects_link_from_a_newer_claim_passes(tmp_path, parent_db):
    rows = changed_figure_rows()
    newer = dict(rows["claims"][1], claim_id="clm-0003", claim_date="2016-09-20")
    rows["claims"].append(newer)
    rows["claim_links"].append(dict(claim_id="clm-0003", other_claim_id="clm-0002",
                                    relation="corrects"))
    assert check_against_parent(new_db(tmp_path, rows), parent_db, "1.1.0", "1.0.0") == []


def test_a_corrects_link_from_an_older_claim_is_not_a_reason(tmp_path, parent_db):
    rows = changed_figure_rows()
    # clm-0001 was already published and is not newer than clm-0002 (same date)
    rows["claim_links"].append(dict(claim_id="clm-0001", other_claim_id="clm-0002",
                                    relation="corrects"))
    found = check_against_parent(new_db(tmp_path, rows), parent_db, "1.1.0", "1.0.0")
    assert ids(found) == ["release.figure_change_explained"]
