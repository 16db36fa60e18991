"""The ``newsclaims`` command's entry point (also ``python -m newsclaims``).

It imports the CLI inside a handler, so that a Ctrl-C while Python is still importing it
(click and the command table, the first few tens of milliseconds) ends as any other
Ctrl-C does, with one line and exit code 130, not with Python's traceback."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from newsclaims.cli import main as run
    except KeyboardInterrupt:
        from newsclaims.errors import EXIT_INTERRUPTED

        sys.stderr.write("Error: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    run()


if __name__ == "__main__":
    main()
