"""Making output folders so that a failure can take back exactly what it made."""

from __future__ import annotations

import errno
import os
from pathlib import Path


def make_folders(folder: Path, mode: int | None = None) -> list[Path]:
    """``mkdir -p folder``: the folders it creates, outermost first (for ``remove_folders``).
    With ``mode`` each created folder gets it whatever the umask (0700 for keys, 0755 for a
    registry a web server reads). A path on the way that exists and is not a folder raises
    ``NotADirectoryError`` naming it (the CLI's one line: ``<path>: exists and is not a
    folder``); a folder another process creates meanwhile is fine."""
    folder = Path(folder)
    missing = []
    probe = folder
    while not os.path.lexists(probe) and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    if not probe.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(probe))
    made: list[Path] = []
    try:
        for path in reversed(missing):
            try:
                path.mkdir(mode=0o777 if mode is None else mode)  # less the umask
            except FileExistsError:
                if not path.is_dir():
                    raise
                continue
            made.append(path)
            if mode is not None:
                os.chmod(path, mode)
    except BaseException:
        remove_folders(made)
        raise
    return made


def remove_folders(made: list[Path]) -> None:
    """Remove the folders ``make_folders`` made (innermost first), those still empty."""
    for path in reversed(made):
        try:
            path.rmdir()
        except OSError:
            pass
