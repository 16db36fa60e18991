"""Bad input through the real CLI: one exact ``Error: ...`` line, exit code 2, and nothing
written at the output path (a good database already there is left byte for byte)."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from build_fixtures import edit, line_of, write_dataset
from newsclaims.cli import cli

DS = "dataset"
OUT = Path("out") / "newsclaims.duckdb"


@pytest.fixture(scope="module")
def good_db(tmp_path_factory) -> bytes:
    """The bytes of a database built from the valid fixture dataset."""
    from newsclaims.build import build_database

    root = tmp_path_factory.mktemp("good")
    return build_database(write_dataset(root / DS), root / "good.duckdb").read_bytes()


@pytest.fixture
def ds(tmp_path, monkeypatch) -> Path:
    """The valid fixture dataset in ``tmp_path/dataset``, with ``tmp_path`` as cwd."""
    monkeypatch.chdir(tmp_path)
    return write_dataset(tmp_path / DS)


def run_build(output: Path = OUT):
    return CliRunner().invoke(cli, ["build", "--dataset", DS, "--output", str(output)])


def assert_refused(ds: Path, good_db: bytes, message: str) -> None:
    """The build refuses with exactly ``message``; no output; a good database survives."""
    fresh = run_build()
    assert (fresh.exit_code, fresh.stderr) == (2, f"Error: {message}\n")
    assert fresh.stdout == ""
    assert not OUT.exists()
    assert not OUT.parent.exists() or os.listdir(OUT.parent) == []  # no temp file lingers

    kept = Path("kept") / "newsclaims.duckdb"
    kept.parent.mkdir()
    kept.write_bytes(good_db)
    again = run_build(kept)
    assert (again.exit_code, again.stderr) == (2, f"Error: {message}\n")
    assert hashlib.sha256(kept.read_bytes()).digest() == hashlib.sha256(good_db).digest()
    assert os.listdir(kept.parent) == ["newsclaims.duckdb"]


def test_fixture_dataset_builds(ds, good_db):
    result = run_build()
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Built {OUT}: 3 countries, 6 actors,")
    assert os.listdir(OUT.parent) == [OUT.name]


def test_malformed_yaml(ds, good_db):
    edit(ds, "claims/doc-0001.yml", "  occurrence: 2\n", "   occurrence: 2\n")
    line = line_of(ds, "claims/doc-0001.yml", "occurrence: 2")
    assert_refused(ds, good_db, f"dataset/claims/doc-0001.yml:{line}: malformed YAML: mapping values are not allowed here")


def test_unclosed_quote_names_where_it_opened(ds, good_db):
    edit(ds, "claims/doc-0001.yml", "  quote: We will respond\n", '  quote: "We will respond\n')
    opened = line_of(ds, "claims/doc-0001.yml", '"We will respond')
    end = len((ds / "claims/doc-0001.yml").read_text().splitlines()) + 1
    assert_refused(
        ds, good_db,
        f"dataset/claims/doc-0001.yml:{end}: malformed YAML: found unexpected end of stream "
        f"(while scanning a quoted scalar on line {opened})",
    )


def test_malformed_csv_field_count(ds, good_db):
    edit(ds, "claim_relays.csv", "said\n", "said,extra\n")
    assert_refused(ds, good_db, "dataset/claim_relays.csv:2: malformed CSV: expected 4 fields, got 5")


def test_malformed_csv_quoting(ds, good_db):
    edit(ds, "claim_links.csv", "contradicts\n", 'contradicts,"x\n')
    assert_refused(ds, good_db, "dataset/claim_links.csv:2: malformed CSV: unexpected end of data")


def test_csv_unknown_column(ds, good_db):
    edit(ds, "actor_aliases.csv", "actor_id,alias", "actor_id,aliases")
    assert_refused(
        ds, good_db,
        "dataset/actor_aliases.csv:1: unknown column 'aliases' (did you mean 'alias'?); "
        "expected the header actor_id,alias",
    )


def test_wrong_type(ds, good_db):
    edit(ds, "figures/doc-0001.yml", "stated_value: 55", 'stated_value: "many"')
    line = line_of(ds, "figures/doc-0001.yml", "figure_id: fig-0001")
    assert_refused(
        ds, good_db,
        f"dataset/figures/doc-0001.yml:{line}: figure fig-0001: stated_value: expected an integer, got 'many'",
    )


def test_wrong_type_in_csv(ds, good_db):
    edit(ds, "claim_relays.csv", "clm-0005,2,", "clm-0005,two,")
    assert_refused(ds, good_db, "dataset/claim_relays.csv:2: relay clm-0005|two: hop: expected an integer, got 'two'")


def test_yaml_boolean_where_text_is_expected(ds, good_db):
    edit(ds, "documents/doc-0002.yml", "language: en", "language: no")
    assert_refused(
        ds, good_db,
        "dataset/documents/doc-0002.yml:1: document doc-0002: language: expected text, "
        "got false (a YAML boolean; quote it if it is text)",
    )


def test_unknown_enum_value(ds, good_db):
    edit(ds, "claims/doc-0001.yml", "topic: intent", "topic: intents")
    line = line_of(ds, "claims/doc-0001.yml", "claim_id: clm-0003")
    assert_refused(
        ds, good_db,
        f"dataset/claims/doc-0001.yml:{line}: claim clm-0003: topic: 'intents' is not one of: "
        "casualties, violations, aid, responsibility, intent, position, situation, other",
    )


def test_several_problems_are_counted(ds, good_db):
    edit(ds, "claims/doc-0001.yml", "topic: intent", "topic: intents")
    edit(ds, "claims/doc-0001.yml", "  modality: asserted\n  topic: aid", "  modality: sure\n  topic: aid")
    line = line_of(ds, "claims/doc-0001.yml", "claim_id: clm-0003")
    assert_refused(
        ds, good_db,
        f"dataset/claims/doc-0001.yml:{line}: claim clm-0003: topic: 'intents' is not one of: "
        "casualties, violations, aid, responsibility, intent, position, situation, other "
        "(and 1 more problem)",
    )


def test_missing_required_value(ds, good_db):
    edit(ds, "places.yml", "  kind: country\n", "")
    line = line_of(ds, "places.yml", "place_id: plc-syria")
    assert_refused(ds, good_db, f"dataset/places.yml:{line}: place plc-syria: kind: is required but missing (or null)")


def test_bad_id_pattern(ds, good_db):
    edit(ds, "claims/doc-0002.yml", "claim_id: clm-0008", "claim_id: claim-8")
    edit(ds, "figures/doc-0002.yml", "claim_id: clm-0008", "claim_id: claim-8")
    edit(ds, "claim_links.csv", "clm-0008", "claim-8")
    assert_refused(
        ds, good_db,
        "dataset/claims/doc-0002.yml:1: claim claim-8: claim_id: 'claim-8' does not match the pattern "
        "'^clm-[0-9]{4,}$'",
    )


def test_unknown_key(ds, good_db):
    edit(ds, "claims/doc-0001.yml", "  topic: intent\n", "  topik: intent\n")
    line = line_of(ds, "claims/doc-0001.yml", "claim_id: clm-0003")
    assert_refused(ds, good_db, f"dataset/claims/doc-0001.yml:{line}: unknown key 'topik' (did you mean 'topic'?)")


def test_duplicate_yaml_key(ds, good_db):
    edit(ds, "incidents.yml", "start_date: 2016-09-12", "start_date: 2016-09-12\n  start_date: 2016-09-13")
    line = line_of(ds, "incidents.yml", "2016-09-13")
    assert_refused(ds, good_db, f"dataset/incidents.yml:{line}: malformed YAML: duplicate key 'start_date'")


def test_impossible_date(ds, good_db):
    edit(ds, "incidents.yml", "start_date: 2016-09-12", "start_date: 2016-02-30")
    line = line_of(ds, "incidents.yml", "2016-02-30")
    assert_refused(
        ds, good_db,
        f"dataset/incidents.yml:{line}: malformed YAML: impossible date '2016-02-30' (day is out of range for month)",
    )


def test_reference_to_missing_id(ds, good_db):
    edit(ds, "claims/doc-0001.yml", "claimant_id: act-sohr", "claimant_id: act-nobody")
    line = line_of(ds, "claims/doc-0001.yml", "claim_id: clm-0002")
    assert_refused(
        ds, good_db,
        f"dataset/claims/doc-0001.yml:{line}: claim clm-0002: claimant_id: unknown actor 'act-nobody' "
        "(no such actor_id in dataset/actors.yml)",
    )


def test_reference_from_csv_to_missing_claim(ds, good_db):
    edit(ds, "claim_links.csv", "clm-0008", "clm-0099")
    assert_refused(
        ds, good_db,
        "dataset/claim_links.csv:2: link clm-0002|clm-0099|contradicts: other_claim_id: unknown claim "
        "'clm-0099' (no such claim_id in dataset/claims)",
    )


def test_duplicate_id(ds, good_db):
    first = line_of(ds, "claims/doc-0001.yml", "claim_id: clm-0002")
    second = line_of(ds, "claims/doc-0001.yml", "claim_id: clm-0004")
    edit(ds, "claims/doc-0001.yml", "claim_id: clm-0004", "claim_id: clm-0002")
    edit(ds, "figures/doc-0001.yml", "claim_id: clm-0004", "claim_id: clm-0002")
    assert_refused(
        ds, good_db,
        f"dataset/claims/doc-0001.yml:{second}: claim clm-0002: duplicate claim_id, first at "
        f"dataset/claims/doc-0001.yml:{first}",
    )


def test_duplicate_id_across_files(ds, good_db):
    edit(ds, "figures/doc-0002.yml", "figure_id: fig-0008", "figure_id: fig-0001")
    assert_refused(
        ds, good_db,
        "dataset/figures/doc-0002.yml:1: figure fig-0001: duplicate figure_id, first at dataset/figures/doc-0001.yml:1",
    )


def test_duplicate_composite_key(ds, good_db):
    edit(ds, "actor_aliases.csv", "act-isis,Daesh", "act-isis,ISIS")
    assert_refused(
        ds, good_db,
        "dataset/actor_aliases.csv:3: actor alias act-isis|ISIS: duplicate (actor_id, alias), first at "
        "dataset/actor_aliases.csv:2",
    )


def test_quote_not_found(ds, good_db):
    edit(ds, "claims/doc-0001.yml", "quote: at least 62", "quote: at least 63")
    line = line_of(ds, "claims/doc-0001.yml", "claim_id: clm-0002")
    assert_refused(
        ds, good_db,
        f"dataset/claims/doc-0001.yml:{line}: claim clm-0002: quote 'at least 63 soldiers were killed' "
        "not found in dataset/documents/doc-0001.txt (copy it verbatim)",
    )


def test_long_quote_not_found_is_cut_at_40_characters(ds, good_db):
    edit(ds, "claims/doc-0001.yml", "quote: about 7,000 as", "quote: roughly 7,000 as")
    line = line_of(ds, "claims/doc-0001.yml", "claim_id: clm-0006")
    assert_refused(
        ds, good_db,
        f"dataset/claims/doc-0001.yml:{line}: claim clm-0006: quote 'roughly 7,000 as the number of food "
        "parc…' not found in dataset/documents/doc-0001.txt (copy it verbatim)",
    )


def test_ambiguous_quote_without_occurrence(ds, good_db):
    edit(ds, "claims/doc-0001.yml", "  occurrence: 2\n", "")
    line = line_of(ds, "claims/doc-0001.yml", "claim_id: clm-0003")
    assert_refused(
        ds, good_db,
        f"dataset/claims/doc-0001.yml:{line}: claim clm-0003: quote 'We will respond' occurs 2 times in "
        "dataset/documents/doc-0001.txt; add occurrence: N (1 to 2) to say which",
    )


def test_occurrence_out_of_range(ds, good_db):
    edit(ds, "claims/doc-0001.yml", "  occurrence: 2\n", "  occurrence: 3\n")
    line = line_of(ds, "claims/doc-0001.yml", "claim_id: clm-0003")
    assert_refused(
        ds, good_db,
        f"dataset/claims/doc-0001.yml:{line}: claim clm-0003: occurrence 3 is out of range: quote "
        "'We will respond' occurs 2 times in dataset/documents/doc-0001.txt",
    )


def test_document_text_missing(ds, good_db):
    (ds / "documents" / "doc-0002.txt").unlink()
    assert_refused(
        ds, good_db,
        "dataset/documents/doc-0002.yml:1: document doc-0002: text file dataset/documents/doc-0002.txt is missing",
    )


def test_document_text_not_utf8(ds, good_db):
    data = b"Monitors say\n40 soldiers \xff were killed.\n"
    (ds / "documents" / "doc-0002.txt").write_bytes(data)
    assert_refused(
        ds, good_db, f"dataset/documents/doc-0002.txt:2: not valid UTF-8 (byte 0xff at byte offset {data.index(0xFF)})"
    )


def test_unspecified_figure_with_a_value(ds, good_db):
    edit(ds, "figures/doc-0001.yml", "  qualifier: unspecified\n", "  qualifier: unspecified\n  stated_value: 4\n")
    line = line_of(ds, "figures/doc-0001.yml", "figure_id: fig-0007")
    assert_refused(
        ds, good_db,
        f"dataset/figures/doc-0001.yml:{line}: figure fig-0007: qualifier unspecified takes no stated_value "
        "(got 4); remove it or pick the qualifier the text uses",
    )


def test_parent_cycle(ds, good_db):
    edit(ds, "actors.yml", "  role: null\n", "  parent_id: act-syrian-army\n")
    line = line_of(ds, "actors.yml", "actor_id: act-syrian-army")
    assert_refused(
        ds, good_db,
        f"dataset/actors.yml:{line}: actor act-syrian-army: parent_id/merged_into form a cycle: "
        "act-syrian-army -> act-syrian-government -> act-syrian-army",
    )


def test_claim_in_another_documents_file(ds, good_db):
    edit(ds, "claims/doc-0002.yml", "doc_id: doc-0002", "doc_id: doc-0001")
    assert_refused(
        ds, good_db,
        "dataset/claims/doc-0002.yml:1: claim clm-0008: doc_id doc-0001 does not match the file name doc-0002; "
        "move the record to doc-0001.yml (and 1 more problem)",
    )


@pytest.mark.parametrize(
    ("rel", "old", "new", "where", "message"),
    [
        ("claims/doc-0002.yml", "claim_id: clm-0008", "claim_id: 5", "claim_id: 5",
         "claim 5: claim_id: expected text, got 5 (a number)"),
        ("claims/doc-0002.yml", "claim_id: clm-0008", "claim_id: true", "claim_id: true",
         "claim ?: claim_id: expected text, got true (a YAML boolean; quote it if it is text)"),
        ("claims/doc-0002.yml", "claim_id: clm-0008", "claim_id: 1.5", "claim_id: 1.5",
         "claim 1.5: claim_id: expected text, got 1.5 (a number)"),
        ("claims/doc-0002.yml", "claim_id: clm-0008", "claim_id: [a]", "claim_id: [a]",
         "claim ?: claim_id: expected text, got a list"),
        ("actors.yml", "actor_id: act-sohr", "actor_id: 5", "actor_id: 5",
         "actor 5: actor_id: expected text, got 5 (a number)"),
        ("actors.yml", "name: Syrian army", "name: 1", "actor_id: act-syrian-army",
         "actor act-syrian-army: name: expected text, got 1 (a number)"),
        ("documents/doc-0002.yml", "doc_id: doc-0002", "doc_id: 2", "doc_id: 2",
         "document 2: doc_id: expected text, got 2 (a number)"),
        ("figures/doc-0001.yml", "figure_id: fig-0003", "figure_id: 3", "figure_id: 3",
         "figure 3: figure_id: expected text, got 3 (a number)"),
        ("incidents.yml", "incident_id: inc-0002", "incident_id: 2", "incident_id: 2",
         "incident 2: incident_id: expected text, got 2 (a number)"),
        ("places.yml", "place_id: plc-syria", "place_id: 1", "place_id: 1",
         "place 1: place_id: expected text, got 1 (a number)"),
    ],
    ids=["claim_id-int", "claim_id-bool", "claim_id-float", "claim_id-list", "actor_id", "actor-name",
         "doc_id", "figure_id", "incident_id", "place_id"],
)
def test_non_text_id_or_name(ds, good_db, rel, old, new, where, message):
    """A unique text column (an id, an actor's name) holding a YAML number, boolean or
    list is a curator's mistake reported with its record, not a crash of the validation."""
    edit(ds, rel, old, new)
    assert_refused(ds, good_db, f"dataset/{rel}:{line_of(ds, rel, where)}: {message}")


def test_document_id_differs_from_its_file_name(ds, good_db):
    """Named in the document's file, before any claim of the document is judged."""
    (ds / "documents" / "doc-0002.yml").unlink()
    (ds / "documents" / "doc-0002.txt").unlink()
    edit(ds, "documents/doc-0001.yml", "doc_id: doc-0001", "doc_id: doc-0002")
    assert_refused(
        ds, good_db,
        "dataset/documents/doc-0001.yml:1: document doc-0002: doc_id doc-0002 does not match the file name "
        "doc-0001; a document is documents/<doc_id>.yml with its text in documents/<doc_id>.txt",
    )


def test_document_id_of_another_documents_file(ds, good_db):
    """Not reported as a duplicate doc_id in the other document's file."""
    edit(ds, "documents/doc-0001.yml", "doc_id: doc-0001", "doc_id: doc-0002")
    assert_refused(
        ds, good_db,
        "dataset/documents/doc-0001.yml:1: document doc-0002: doc_id doc-0002 does not match the file name "
        "doc-0001; a document is documents/<doc_id>.yml with its text in documents/<doc_id>.txt",
    )


def test_empty_yaml_list_entry(ds, good_db):
    edit(ds, "incidents.yml", "- incident_id: inc-0002\n", "-\n- incident_id: inc-0002\n")
    line = line_of(ds, "incidents.yml", "incident_id: inc-0002") - 1
    assert_refused(
        ds, good_db,
        f"dataset/incidents.yml:{line}: expected every list entry to be a mapping, got an empty entry ('-' alone)",
    )


def test_nul_byte_in_yaml(ds, good_db):
    edit(ds, "incidents.yml", "title: Airstrike near", "title: Airstrike\0near")
    line = line_of(ds, "incidents.yml", "Airstrike")
    assert_refused(ds, good_db, f"dataset/incidents.yml:{line}: malformed YAML: special character #x0000 is not allowed")


def test_deeply_nested_yaml(ds, good_db):
    edit(ds, "claims/doc-0002.yml", "  status: active\n", "  status: active\n  notes: " + "[" * 5000 + "\n")
    line = line_of(ds, "claims/doc-0002.yml", "notes: [")
    assert_refused(ds, good_db, f"dataset/claims/doc-0002.yml:{line}: malformed YAML: nested more than 50 levels deep")


def test_lone_surrogate_escape_in_yaml(ds, good_db):
    edit(ds, "incidents.yml", "title: The truce", 'title: "The \\ud800 truce"')
    line = line_of(ds, "incidents.yml", "The \\ud800 truce")
    assert_refused(
        ds, good_db,
        f"dataset/incidents.yml:{line}: malformed YAML: '\\ud800' is not a character (a lone UTF-16 surrogate escape)",
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_output_that_is_a_fifo_is_refused(ds):
    """``os.replace`` would put the database in place of the FIFO (of a device, as root)."""
    fifo = Path("out") / "pipe"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    result = run_build(fifo)
    assert (result.exit_code, result.stderr) == (
        2, f"Error: {fifo}: is a FIFO (named pipe), not a file; --output takes the path of the database file\n"
    )
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert os.listdir(fifo.parent) == ["pipe"]  # no temp file either


def test_missing_source_file(ds, good_db):
    (ds / "places.yml").unlink()
    assert_refused(ds, good_db, "dataset/places.yml: missing; the dataset layout is in docs/curation.md")


def test_real_command_exit_code_and_single_line(ds, tmp_path):
    """The installed ``newsclaims`` entry point, as a user runs it."""
    edit(ds, "claims/doc-0001.yml", "topic: intent", "topic: intents")
    exe = Path(sys.executable).with_name("newsclaims")
    proc = subprocess.run(
        [str(exe), "build", "--dataset", DS, "--output", str(OUT)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("Error: dataset/claims/doc-0001.yml:")
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / OUT).exists()


# --- input hygiene: byte-order marks, NUL characters, Unicode normalisation ----------


def test_a_byte_order_mark_at_the_start_of_a_csv_is_dropped(ds, good_db):
    """Spreadsheets save "CSV UTF-8" with a BOM; it is a signature, not part of the first
    column's name, and the build is the same as without it."""
    path = ds / "actor_aliases.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = run_build()
    assert result.exit_code == 0, result.output
    assert OUT.read_bytes() != b""
    import duckdb

    con = duckdb.connect(str(OUT), read_only=True)
    try:
        columns = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() "
                                              "WHERE table_name = 'actor_aliases'").fetchall()]
        assert columns[0] == "actor_id"
        assert con.execute("SELECT count(*) FROM actor_aliases").fetchall() == [(3,)]
    finally:
        con.close()


def test_a_byte_order_mark_at_the_start_of_a_document_text_is_refused(ds, good_db):
    """Kept, it would shift every quote offset a tool reading the file computes by one."""
    path = ds / "documents" / "doc-0001.txt"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert_refused(ds, good_db, "dataset/documents/doc-0001.txt:1: starts with a byte-order mark (U+FEFF); "
                                "save the text as UTF-8 without a BOM (quote offsets count characters from the first)")


def test_a_nul_character_in_a_document_text_is_refused(ds, good_db):
    path = ds / "documents" / "doc-0001.txt"
    path.write_bytes(path.read_bytes().replace(b"Activists", b"Activ\x00ists"))
    assert_refused(ds, good_db, "dataset/documents/doc-0001.txt:3: a NUL character (\\0) is not allowed "
                                "in a document text; remove it")


def test_a_nul_escape_in_a_yaml_quote_is_refused(ds, good_db):
    edit(ds, "claims/doc-0001.yml", "  quote: We will respond\n", '  quote: "We will\\0 respond"\n')
    line = line_of(ds, "claims/doc-0001.yml", "We will\\0 respond")
    assert_refused(ds, good_db, f"dataset/claims/doc-0001.yml:{line}: a NUL character (\\0) is not "
                                "allowed in a value; remove it")


def test_a_nul_character_in_a_csv_name_is_refused(ds, good_db):
    edit(ds, "place_aliases.csv", "Deir el-Zour", "Deir\0el-Zour")
    assert_refused(ds, good_db, "dataset/place_aliases.csv:2: column alias: a NUL character (\\0) "
                                "is not allowed in a value; remove it")


def test_a_text_with_windows_newlines_is_refused(ds, good_db):
    path = ds / "documents" / "doc-0002.txt"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert_refused(ds, good_db, "dataset/documents/doc-0002.txt:1: \\r\\n or \\r newlines; save the text "
                                "with \\n newlines only")


def test_a_text_not_in_nfc_is_refused(ds, good_db):
    import unicodedata

    path = ds / "documents" / "doc-0001.txt"
    path.write_text(unicodedata.normalize("NFD", path.read_text(encoding="utf-8")), encoding="utf-8")
    assert_refused(ds, good_db, "dataset/documents/doc-0001.txt:1: not Unicode NFC (a character written "
                                "decomposed, e.g. e + a combining accent); save the text in NFC, the form "
                                "texts are stored in")


@pytest.mark.parametrize("quote, form", [
    ("Truce near H\u0323alab", "Unicode normalisation (NFC)"),  # Ḥ as H + combining dot below
    ("Truce near \u1e24alab \u2014 holding, say o\ufb03cials", "compatibility normalisation (NFKC)"),  # the ffi ligature
])
def test_a_quote_that_matches_only_after_normalisation_says_so(ds, good_db, quote, form):
    edit(ds, "claims/doc-0001.yml", "  quote: rebels had violated the truce 55 times\n", f'  quote: "{quote}"\n')
    line = line_of(ds, "claims/doc-0001.yml", "claim_id: clm-0001")
    shown = repr(quote if len(quote) <= 40 else quote[:40] + "…")
    assert_refused(ds, good_db, f"dataset/claims/doc-0001.yml:{line}: claim clm-0001: quote {shown} not found "
                                f"in dataset/documents/doc-0001.txt (it matches only after {form}: the quote "
                                "writes some characters differently from the text, which is stored in NFC; "
                                "copy the quote from the text)")
