"""No test waits for something that may never come.

pytest-timeout stops a test that hangs (pyproject.toml: 240 s, thread method), but it ends
the whole run when it fires. So every wait in the tests carries its own bound, found here in
the tests' source: a subprocess run or waited for, a thread joined, an event or a barrier
waited on, a read from a pipe or a terminal. A one-shot timer is refused: a signal it sends
may land where it is held back or swallowed, and the test then waits for the end of a
statement written never to end; send it again until the waiting is over instead. A wait
that is bounded another way says so on its line: ``# bounded: <how>``."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SUBPROCESS_WAITS = {"run", "call", "check_call", "check_output"}
METHOD_WAITS = {"communicate", "wait", "join", "acquire", "get"}


def unbounded_waits(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name, owner = node.func.attr, node.func.value
        keywords = {k.arg for k in node.keywords}
        owner_name = owner.id if isinstance(owner, ast.Name) else None
        if owner_name == "subprocess" and name in SUBPROCESS_WAITS:
            bounded = "timeout" in keywords
        elif owner_name == "threading" and name == "Timer":
            bounded = False
        elif owner_name == "os" and name == "read":
            bounded = False  # blocks until the writer writes or closes
        elif name in METHOD_WAITS and owner_name not in ("os", "subprocess", "shutil") and not (
                name == "get" and (node.args or keywords - {"timeout", "block"})):
            # x.join() / x.wait() / proc.communicate() / queue.get(): a positional bound or timeout=
            bounded = bool(node.args) or "timeout" in keywords
        else:
            continue
        line = lines[node.lineno - 1]
        if not bounded and "# bounded:" not in line:
            found.append(f"{path.name}:{node.lineno}: {line.strip()}")
    return sorted(found, key=lambda hit: int(hit.split(":")[1]))


def test_every_wait_in_the_tests_is_bounded():
    found = [hit for path in sorted(TESTS.glob("*.py")) for hit in unbounded_waits(path)]
    assert found == []


def test_the_scan_finds_the_waits_it_must(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os, subprocess, threading\n"
        "subprocess.run(['x'])\n"  # 2
        "subprocess.run(['x'], timeout=5)\n"
        "threading.Timer(1.5, print).start()\n"  # 4
        "proc.communicate()\n"  # 5
        "proc.communicate(timeout=5)\n"
        "thread.join()\n"  # 7
        "thread.join(10)\n"
        "', '.join(parts)\n"
        "os.read(fd, 10)\n"  # 10
        "barrier.wait()  # bounded: Barrier(timeout=20)\n"
        "done.wait()\n"  # 12
        "mapping.get('key')\n"
        "queue.get()\n",  # 14
        encoding="utf-8")
    assert [hit.split(":")[1] for hit in unbounded_waits(sample)] == ["2", "4", "5", "7", "10", "12", "14"]
