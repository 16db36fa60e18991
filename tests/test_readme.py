"""The README documents every command and the two commands CI relies on."""

from __future__ import annotations

import re

from newsclaims.cli import COMMANDS, cli


def test_every_command_is_documented(repo):
    readme = (repo / "README.md").read_text(encoding="utf-8")
    missing = [name for name in COMMANDS if f"`newsclaims {name}`" not in readme]
    assert missing == []


def test_every_registered_command_loads(repo):
    from click.testing import CliRunner

    runner = CliRunner()
    for name in COMMANDS:
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)


def test_ci_runs_the_readme_test_command(repo):
    readme = (repo / "README.md").read_text(encoding="utf-8")
    ci = (repo / ".ci" / "run").read_text(encoding="utf-8")
    commands = re.findall(r"^(make \w+)\s+#", readme, flags=re.M)
    assert commands == ["make run", "make test"]
    assert "\nmake test\n" in ci
    makefile = (repo / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run:", makefile, flags=re.M) and re.search(r"^test:", makefile, flags=re.M)
