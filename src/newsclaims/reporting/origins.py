"""Where a listed record was curated: its source file and line in ``dataset/``.

A database built by ``newsclaims build`` records the digest of the dataset it was built
from (``build_info``). When the project's ``dataset/`` still has that digest, its files are
read again (``newsclaims.sources`` tags every row with its file and line: well under a
second for the curated dataset) and each record the reports list is given the place to
correct it: ``dataset/claims/doc-0001.yml:19``. A synthetic or hand-made database, or a
dataset edited since the build, gets none: a line that may no longer hold the record would
mislead."""

from __future__ import annotations

import os
from pathlib import Path

from newsclaims import contract


def source_lines(dataset_digest: str | None, listed: set[tuple[str, str]],
                 dataset_dir: Path | None = None) -> dict[tuple[str, str], str]:
    """``(table, record_id) -> "dataset/<file>:<line>"`` for the ``listed`` records, when
    the project's dataset is the one the database was built from; else ``{}``."""
    if not dataset_digest or not listed:
        return {}
    from newsclaims import project, sources
    from newsclaims.errors import InputError

    folder = Path(dataset_dir) if dataset_dir is not None else project.dataset_dir()
    if not folder.is_dir():
        return {}
    try:
        read = sources.read_dataset(folder)
    except (InputError, OSError):
        return {}
    if read.digest != dataset_digest:
        return {}
    base = folder.resolve().parent
    found: dict[tuple[str, str], str] = {}
    wanted: dict[str, set[str]] = {}
    for table, record_id in listed:
        wanted.setdefault(table, set()).add(record_id)
    for table, ids in wanted.items():
        frame = read.frames.get(table)
        if frame is None or table not in contract.tables():
            continue
        keys = contract.tables()[table].primary_key
        columns = [frame[k].to_list() for k in keys]
        for i, (file, line) in enumerate(zip(frame["_file"].to_list(), frame["_line"].to_list())):
            record_id = "|".join("" if col[i] is None else str(col[i]) for col in columns)
            if record_id in ids:
                found[(table, record_id)] = f"{_relative(file, base)}:{line}"
    return found


def _relative(file: str, base: Path) -> str:
    """A source file's path from the project's folder (``dataset/claims/doc-0001.yml``)."""
    path = Path(file).resolve()
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return os.fspath(file)
