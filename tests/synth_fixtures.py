"""Helpers for the synthetic databases of the ``synthetic`` fixture (tests/conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path


def copy_synthetic(result, folder: Path) -> Path:
    """A copy of a synthetic database (with its ground-truth file) in ``folder``."""
    db = folder / result.path.name
    shutil.copy(result.path, db)
    if result.truth_path.exists():
        shutil.copy(result.truth_path, Path(str(db) + ".truth.json"))
    return db
