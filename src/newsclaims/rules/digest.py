"""The one digest of the rule catalogue a run used: ``rules_digest()``.

The catalogue is more than ``checks/*.yml``: the structure rules are derived from
``sql/schema.sql``, and rules read ``sql/scans/`` and ``sql/rules/``. So the digest covers
every file of ``checks/`` and ``sql/``: a release's manifest and its report carry the same
value."""

from __future__ import annotations

import hashlib

from newsclaims import project


def rules_digest() -> str:
    """SHA-256 over every file of ``checks/`` and ``sql/`` (relative path, NUL, bytes)."""
    digest = hashlib.sha256()
    root = project.root()
    for folder in (project.checks_dir(), project.sql_dir()):
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()
