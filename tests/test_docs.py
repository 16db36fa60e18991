"""The generated pages: committed copies are fresh, and they cover every column and rule."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from newsclaims import contract, docs, project
from newsclaims.errors import GateFailure
from newsclaims.rules.catalogue import load_catalogue


@pytest.mark.parametrize("name", ["codebook.md", "rules.md"])
def test_committed_page_is_fresh(name):
    path = project.root() / "docs" / name
    fresh = docs.generated_pages()[path]
    assert path.is_file(), f"docs/{name} is missing: run `newsclaims docs`"
    assert path.read_text(encoding="utf-8") == fresh, \
        f"docs/{name} is stale: run `newsclaims docs`"


def test_codebook_lists_every_column_with_its_type():
    text = docs.codebook()
    for table in contract.tables().values():
        assert f"\n## {table.name}\n" in text
        section = text.split(f"\n## {table.name}\n", 1)[1].split("\n## ", 1)[0]
        for col in table.columns:
            row = next((line for line in section.splitlines()
                        if line.startswith(f"| `{col.name}` |")), None)
            assert row, f"{table.name}.{col.name} missing from the codebook"
            assert ("NOT NULL" in row) == (not col.nullable)
            for value in col.enum or ():
                assert f"`{value}`" in row


def test_codebook_shows_keys_and_comments():
    text = docs.codebook()
    assert "| `claimant_id` | VARCHAR | NULL | FK → actors.actor_id |  | NULL = unattributed |" in text
    assert "| `name` | VARCHAR | NOT NULL | UQ |" in text  # actors.name UNIQUE


def test_rules_page_lists_every_rule():
    text = docs.rules_page()
    for rule in load_catalogue():
        assert f"| `{rule.id}` | {rule.severity} |" in text


def test_check_names_a_stale_page(tmp_path, monkeypatch):
    root = tmp_path / "checkout"
    (root / "docs").mkdir(parents=True)
    for folder in ("sql", "checks"):
        (root / folder).symlink_to(project.root() / folder)
    monkeypatch.setenv("NEWSCLAIMS_ROOT", str(root))
    project.root.cache_clear()
    try:
        with pytest.raises(GateFailure, match=r"docs/codebook\.md, docs/rules\.md out of date: "
                                              r"run `newsclaims docs`"):
            docs.write_docs(check=True)
        runner = CliRunner()
        from newsclaims.cli import cli

        assert runner.invoke(cli, ["docs"]).exit_code == 0
        assert runner.invoke(cli, ["docs", "--check"]).exit_code == 0
        (root / "docs" / "rules.md").write_text("edited by hand\n")
        result = runner.invoke(cli, ["docs", "--check"])
        assert result.exit_code == 1
        assert "Error: docs/rules.md out of date: run `newsclaims docs`" in result.output
    finally:
        project.root.cache_clear()


def test_codebook_names_each_enum_column_its_own_type():
    """The type the codebook names for an ENUM column holds exactly that column's values
    (the same column name, e.g. ``kind``, has a different type in each table)."""
    import duckdb

    con = duckdb.connect()
    con.execute(contract.schema_sql())
    named = 0
    for table in contract.tables().values():
        for col in table.columns:
            if col.enum:
                type_name = docs._enum_name(table.name, col.name)
                values = tuple(con.execute(f"SELECT enum_range(NULL::{type_name})").fetchone()[0])
                assert values == col.enum, (table.name, col.name, type_name)
                named += 1
    assert named >= 20


def test_every_option_of_every_command_is_documented(repo):
    """Each visible long option of each command is named in the README or a page of docs/
    (hidden ones are the old spellings of renamed options, listed in docs/cli.md)."""
    import re

    import click

    from newsclaims.cli import COMMANDS, cli

    text = (repo / "README.md").read_text(encoding="utf-8") + "".join(
        page.read_text(encoding="utf-8") for page in sorted((repo / "docs").glob("*.md")))
    ctx = click.Context(cli)
    missing, hidden = [], []
    for name in COMMANDS:
        for param in cli.get_command(ctx, name).params:
            if not isinstance(param, click.Option):
                continue
            for opt in param.opts + param.secondary_opts:
                if not opt.startswith("--") or opt == "--help":
                    continue
                (hidden if param.hidden else missing).append((name, opt))
                if not param.hidden and re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", text):
                    missing.pop()
    assert missing == []
    cli_page = (repo / "docs" / "cli.md").read_text(encoding="utf-8")
    for name, opt in hidden:
        assert f"`{name} {opt}`" in cli_page, (name, opt)
