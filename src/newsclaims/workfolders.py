"""The hidden temporary folders commands work in, and the removal of those a killed run
left behind.

``build``, ``release`` and ``pull`` each make their output in a hidden folder beside it and
rename it into place at the end; a failure or a Ctrl-C removes it. A run killed outright
(``kill -9``, the out-of-memory killer, a power cut) cannot: its folder stays. So every
such folder is named ``<prefix><pid>-<random>`` (the process that made it) and the run
holds an exclusive ``flock`` on it while it lives. The next run of the same command calls
``remove_stale(parent, prefix)`` first, which removes a folder of that prefix only when

- its process is gone (``os.kill(pid, 0)`` finds no such process), and
- nobody holds its lock (a run in another PID namespace sharing the folder still does).

A folder of another prefix, of another command, or of an older naming is left alone."""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import tempfile
from pathlib import Path


class WorkFolder:
    """A hidden temporary folder held (locked) by this process until ``close()``. Renaming
    the folder keeps the lock; ``close()`` releases it (the folder itself stays)."""

    def __init__(self, parent: Path, prefix: str):
        self.path = Path(tempfile.mkdtemp(dir=parent, prefix=f"{prefix}{os.getpid()}-"))
        try:
            self._fd: int | None = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BaseException:
            self.close()
            shutil.rmtree(self.path, ignore_errors=True)
            raise

    def close(self) -> None:
        fd, self._fd = getattr(self, "_fd", None), None
        if fd is not None:
            os.close(fd)


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (a zombie, not yet reaped, still counts)."""
    if pid <= 0:
        return True  # not a pid we could have recorded: leave its folder alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def recorded_pid(name: str, prefix: str) -> int | None:
    """The pid in ``<prefix><pid>-<random>``; ``None`` for any other name."""
    if not name.startswith(prefix):
        return None
    head, sep, _ = name[len(prefix):].partition("-")
    return int(head) if sep and head.isdigit() else None


def _unheld(path: Path) -> int | None:
    """An fd holding ``path``'s lock when nobody else held it, else ``None``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return None
        raise
    return fd


def remove_stale(parent: Path, prefix: str) -> list[Path]:
    """Remove the folders ``<prefix><pid>-*`` in ``parent`` that a dead run left (see the
    module's text); return them. Nothing else is touched, and nothing fails the command."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        pid = recorded_pid(entry.name, prefix)
        if pid is None or not entry.is_dir(follow_symlinks=False) or process_alive(pid):
            continue
        fd = _unheld(Path(entry.path))
        if fd is None:
            continue
        try:
            shutil.rmtree(entry.path, ignore_errors=True)
        finally:
            os.close(fd)
        removed.append(Path(entry.path))
    return removed


def remove_stale_files(parent: Path, prefix: str) -> list[Path]:
    """Remove the files ``<prefix><pid>-*`` in ``parent`` whose process is gone (a staged
    file a killed run left before renaming it into place)."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        pid = recorded_pid(entry.name, prefix)
        if pid is None or not entry.is_file(follow_symlinks=False) or process_alive(pid):
            continue
        try:
            os.unlink(entry.path)
        except FileNotFoundError:
            continue
        removed.append(Path(entry.path))
    return removed
