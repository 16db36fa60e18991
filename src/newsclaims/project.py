"""Where the project's data and declarations live: ``dataset/``, ``sql/``, ``checks/``.

In a source checkout (and an editable install) they are the top-level folders of the
repository; a wheel carries copies under ``newsclaims/_project``.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def root() -> Path:
    """The folder holding ``dataset/``, ``sql/`` and ``checks/``.

    ``NEWSCLAIMS_ROOT`` overrides it (for a checkout elsewhere)."""
    env = os.environ.get("NEWSCLAIMS_ROOT")
    if env:
        return Path(env).resolve()
    checkout = _PACKAGE_DIR.parents[1]
    if (checkout / "sql" / "schema.sql").is_file():
        return checkout
    return _PACKAGE_DIR / "_project"


def sql_dir() -> Path:
    return root() / "sql"


def checks_dir() -> Path:
    return root() / "checks"


def dataset_dir() -> Path:
    return root() / "dataset"


def reports_dir() -> Path:
    return root() / "reports"


def read_text(path: Path) -> str:
    """A declaration file of the project (``checks/``, ``sql/``) as text; a file that is not
    UTF-8 is one ``InputError`` line naming it (relative to the project) and the byte."""
    from newsclaims.errors import InputError

    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        try:
            shown = Path(path).resolve().relative_to(root()).as_posix()
        except ValueError:
            shown = str(path)
        raise InputError(f"{shown}: not UTF-8 text (byte {exc.start})") from None


def default_db_path() -> Path:
    """``build/newsclaims.duckdb`` under the current directory (the CLI's default)."""
    return Path("build") / "newsclaims.duckdb"
