"""Read-only access to a snapshot: ``connect``, ``load`` and ``run``.

The connection is opened read-only with DuckDB's access to the outside shut and locked:
``enable_external_access=false`` (no ``read_csv``/``read_parquet`` of other files, no
``COPY``, ``ATTACH``, ``INSTALL``), no extension autoloading or autoinstalling, no
community extensions, no spill folder (DuckDB allows files under it), and
``lock_configuration=true`` so that no ``SET`` can undo it. ``run`` takes exactly one
statement. Every connection has a time and a memory limit (``newsclaims.query_limits``:
300 s and 2 GiB by default, lower or higher within documented ceilings), without spilling;
a limit that is hit raises ``LimitExceeded`` (an ``InputError``: exit 2) with one line.
``stream`` hands the rows over in batches (DuckDB's ``fetchmany``), so ``newsclaims query``
writes a result of any size without holding it in memory; ``run`` collects them.

Before a snapshot's database is opened it is verified against its manifest
(``verified.check_database``): a damaged copy is refused as ``diff`` refuses it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from newsclaims import snapshot, versioning
from newsclaims.dbfiles import connect_waiting
from newsclaims.errors import InputError
from newsclaims.query_limits import Deadline, LimitedConnection, Limits, SignalWatch, limit_error

LOCKED_CONFIG: dict[str, object] = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    # no spilling: DuckDB would allow reading and writing its spill folder (<db>.tmp/ by
    # default), and a symbolic link planted there would reach any file
    "temp_directory": "",
    "lock_configuration": True,
}


def resolve(version: str | None = None, *, cache: str | os.PathLike | None = None,
            path: str | os.PathLike | None = None,
            releases: str | os.PathLike | None = None) -> Path:
    """The database file to open: ``path``, else ``version`` (or the latest) from
    ``releases`` (a folder of releases) or the cache."""
    from newsclaims import pull

    if path is not None:
        db = Path(path)
        if db.is_dir():
            db = db / snapshot.DB_NAME
        if not db.is_file():
            raise InputError(f"{db}: no such database")
        return db
    places = [Path(releases)] if releases is not None else []
    places.append(pull.cache_dir(cache))
    if version in (None, "latest"):
        found = [(v, place) for place in places for v in pull.cached_versions(place)]
        if not found:
            raise InputError("no snapshot to query: pass --db PATH, or pull one first "
                             "(newsclaims pull latest --from REGISTRY)")
        top = versioning.latest(v for v, _ in found)
        place = next(p for v, p in found if v == top)
        return place / top / snapshot.DB_NAME
    versioning.validate_version(version)
    for place in places:
        db = place / version / snapshot.DB_NAME
        if (place / version / snapshot.MANIFEST).is_file() and db.is_file():
            return db
    raise InputError(f"version {version} is not in {' or '.join(str(p) for p in places)}; "
                     f"pull it first (newsclaims pull {version} --from REGISTRY)")


def check_snapshot(db: Path, cache=None, version: str | None = None) -> None:
    """Verify a snapshot's database before it is opened (``verified.check_database``:
    size and sha256 against its manifest, recorded so that an unchanged file is not hashed
    again; no write-ahead log beside it; the version its manifest states when it was looked
    up by ``version``). A database with no ``manifest.json`` beside it is a working database
    (``build/newsclaims.duckdb``), whose log is its own."""
    from newsclaims import pull, verified

    folder = db.parent
    if db.name == snapshot.DB_NAME and (folder / snapshot.MANIFEST).is_file():
        verified.check_database(folder, pull.cache_dir(cache), version)


def connect(version: str | None = None, *, cache: str | os.PathLike | None = None,
            path: str | os.PathLike | None = None,
            releases: str | os.PathLike | None = None,
            time_limit: float | None = None, memory_limit: str | int | None = None) -> LimitedConnection:
    """A read-only, locked-down DuckDB connection to a snapshot's database, with a time
    limit on every call (``time_limit`` seconds) and a memory limit (``memory_limit``, e.g.
    ``"512MiB"``); see ``newsclaims.query_limits`` for the defaults and ceilings."""
    limits = Limits.of(time_limit, memory_limit)
    return LimitedConnection(_open(version, limits, cache=cache, path=path, releases=releases), limits)


def _open(version, limits: Limits, *, cache=None, path=None, releases=None) -> duckdb.DuckDBPyConnection:
    db = resolve(version, cache=cache, path=path, releases=releases)
    check_snapshot(db, cache, db.parent.name if path is None else None)
    try:
        # a writer (``newsclaims ingest``, ``check``) holds the file: wait for it to end,
        # then read the state it left, the old one or the new one
        return connect_waiting(db, read_only=True, config={**LOCKED_CONFIG, **limits.config()})
    except duckdb.Error as exc:
        raise InputError(f"{db}: cannot open ({_first_line(exc)})") from None


def load(table: str, version: str | None = None, **kwargs):
    """One table of a snapshot as a polars DataFrame.

    A contract table is read as its pandera model in ``newsclaims.schemas`` expects it
    (``schemas.read_table``: ENUM columns as text, as in the snapshot's Parquet files), so
    ``schemas.SCHEMAS[table].validate(load(table))`` holds for a valid snapshot. Any other
    table, or a contract table whose columns differ from this package's contract (a
    snapshot of another contract version), is read as DuckDB returns it."""
    import re

    if not re.fullmatch(r"[a-z_][a-z0-9_]*", table or ""):
        raise InputError(f"{table!r} is not a table name")
    con = connect(version, **kwargs)
    try:
        names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if table not in names:
            raise InputError(f"no table {table!r} in the snapshot (tables: "
                             f"{', '.join(sorted(names))})")
        try:
            import polars as pl
        except ImportError:
            raise InputError("load() returns a polars DataFrame: install polars with "
                             "pip install 'newsclaims[frames]', or read with "
                             "newsclaims.connect()") from None
        if _matches_contract(con, table):
            from newsclaims import contract

            # as newsclaims.schemas.read_table reads it (ENUM columns as text), without
            # importing pandera: a researcher's install has no curation stack
            cols = [f'"{c.name}"::VARCHAR AS "{c.name}"' if c.enum else f'"{c.name}"'
                    for c in contract.tables()[table].columns]
            return con.sql(f"SELECT {', '.join(cols)} FROM {table}").pl()
        return pl.from_arrow(con.sql(f"SELECT * FROM {table}").to_arrow_table())
    finally:
        con.close()


def _matches_contract(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether ``table`` is a contract table with exactly the contract's columns."""
    from newsclaims import contract

    expected = contract.tables().get(table)
    if expected is None:
        return False
    found = [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
        "AND schema_name = 'main' ORDER BY column_index", [table]).fetchall()]
    return found == [c.name for c in expected.columns]


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple]

    def records(self) -> list[dict]:
        return [dict(zip(self.columns, row)) for row in self.rows]


BATCH_ROWS = 16384


@dataclass
class QueryStream:
    """The columns of a running query and its rows in batches (``batches()``)."""

    columns: list[str]
    _cursor: object
    _fail: object
    batch_rows: int = BATCH_ROWS

    def batches(self) -> Iterator[list[tuple]]:
        if self._cursor is None:
            return
        while True:
            try:
                rows = self._cursor.fetchmany(self.batch_rows)
            except (duckdb.Error, RuntimeError) as exc:
                raise self._fail(exc) from None
            if not rows:
                return
            yield rows


_REFUSED = "(snapshots are read-only and cannot reach files, the network or extensions)"


@contextmanager
def stream(sql: str, version: str | None = None, *, time_limit: float | None = None,
           memory_limit: str | int | None = None, batch_rows: int = BATCH_ROWS,
           **kwargs) -> Iterator[QueryStream]:
    """``with stream(sql) as result:`` one SQL statement running on a snapshot, its rows
    fetched batch by batch from ``result.batches()``. The time limit runs from the start
    of the statement to the end of the ``with`` block. A refused or failing query, at its
    start or while its rows are fetched, raises ``InputError``; a limit that is hit,
    ``LimitExceeded``."""
    if not sql.strip():
        raise InputError("query: the SQL is empty; give one statement, e.g. 'SELECT count(*) FROM claims'")
    limits = Limits.of(time_limit, memory_limit)
    con = _open(version, limits, **kwargs)
    try:
        with SignalWatch(con), Deadline(con, limits.seconds) as deadline:
            def fail(exc: BaseException) -> BaseException:
                return _query_error(exc, deadline, limits)

            try:
                statements = con.extract_statements(sql)
                if len(statements) != 1:
                    raise InputError(f"query: give one statement, not {len(statements)}")
                cursor = con.execute(sql)
            except (duckdb.Error, RuntimeError) as exc:
                raise fail(exc) from None
            if cursor.description is None:
                yield QueryStream([], None, fail, batch_rows)
            else:
                yield QueryStream([d[0] for d in cursor.description], cursor, fail, batch_rows)
    finally:
        con.close()


def _query_error(exc: BaseException, deadline: Deadline, limits: Limits) -> BaseException:
    """What a DuckDB error of a query is: a limit, a refusal, a failure (all ``InputError``),
    or a Ctrl-C (returned as it is, for the CLI's exit 130)."""
    from newsclaims.errors import is_interrupt

    limited = limit_error(exc, deadline, limits)
    if limited is not None:
        return limited
    if is_interrupt(exc):
        return exc
    message = _first_line(exc)
    if isinstance(exc, duckdb.PermissionException) or (
            "configuration has been locked" in message or "read-only mode" in message):
        return InputError(f"query refused: {message} {_REFUSED}")
    if not isinstance(exc, duckdb.Error):
        return exc
    return InputError(f"query failed: {message}")


def run(sql: str, version: str | None = None, **kwargs) -> QueryResult:
    """Run one SQL statement on a snapshot and collect its rows; a refused or failing query
    raises ``InputError``, a limit that is hit ``LimitExceeded`` (see ``stream``)."""
    with stream(sql, version, **kwargs) as result:
        rows = [row for batch in result.batches() for row in batch]
        return QueryResult(result.columns, rows)


# What a table cell must not send to a terminal raw: control characters (an escape
# sequence, a newline that would break the row) and the bidirectional overrides and
# isolates that reorder what is shown.
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _text(value) -> str:
    """A value as a table cell shows it: NULL, or its text with the characters a terminal
    would act on written as escapes (``\\x1b``, ``\\n``, ``\\u202e``)."""
    if value is None:
        return "NULL"
    return _UNSHOWABLE.sub(_escape, str(value))


def _escape(match: re.Match) -> str:
    char = match.group()
    named = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(char)
    if named:
        return named
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """``value`` with a ``'`` prefixed when it is text a spreadsheet would run as a
    formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return);
    numbers and other text are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write(result: QueryStream, fmt: str, out, *, safe_csv: bool = False) -> int:
    """Write the rows of ``result`` to ``out`` (a text stream) as an aligned text
    ``table``, ``csv`` or ``json`` (a list of objects), batch by batch; returns the number
    of rows. The first batch is fetched before anything is written, so a query that fails
    at its start writes nothing. A table aligns each batch to the widest value seen so far
    and shows control and bidirectional-override characters as escapes (CSV and JSON carry
    values as they are; JSON escapes control characters itself)."""
    import csv
    import json

    batches = result.batches()
    first = next(batches, [])
    count = 0
    if fmt == "json":
        out.write("[")
        for batch in _chain(first, batches):
            for row in batch:
                text = json.dumps(dict(zip(result.columns, row)), indent=2, ensure_ascii=False, default=str)
                out.write(("," if count else "") + "\n  " + text.replace("\n", "\n  "))
                count += 1
        out.write("\n]\n" if count else "]\n")
        return count
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.columns)
        for batch in _chain(first, batches):
            rows = (["" if v is None else v for v in row] for row in batch)
            writer.writerows([csv_safe(v) for v in row] for row in rows) if safe_csv else writer.writerows(rows)
            count += len(batch)
        return count
    if not result.columns:
        return 0
    names = [_text(c) for c in result.columns]
    widths = [len(c) for c in names]
    for i, batch in enumerate(_chain(first, batches)):
        cells = [[_text(v) for v in row] for row in batch]
        widths = [max([w] + [len(r[j]) for r in cells]) for j, w in enumerate(widths)]
        lines = []
        if i == 0:
            lines += ["  ".join(c.ljust(w) for c, w in zip(names, widths)).rstrip(),
                      "  ".join("-" * w for w in widths)]
        lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
        out.write("\n".join(lines) + "\n")
        count += len(cells)
    if count == 0:
        out.write("  ".join(names).rstrip() + "\n" + "  ".join("-" * w for w in widths) + "\n")
    out.write(f"({count} row{'s' if count != 1 else ''})\n")
    return count


def _chain(first: list, rest: Iterator[list]) -> Iterator[list]:
    if first:
        yield first
    yield from rest


def render(result: QueryResult, fmt: str, *, safe_csv: bool = False) -> str:
    """The collected result as ``write`` writes it."""
    import io

    out = io.StringIO()
    rows = list(result.rows)
    write(QueryStream(result.columns, _Rows(rows), lambda exc: exc, max(1, len(rows))), fmt, out,
          safe_csv=safe_csv)
    return out.getvalue()


class _Rows:
    """A cursor over rows already fetched (``render``)."""

    def __init__(self, rows: list[tuple]):
        self._rows = rows

    def fetchmany(self, n: int) -> list[tuple]:
        batch, self._rows = self._rows[:n], self._rows[n:]
        return batch
