"""Read-only access to a snapshot: ``connect``, ``load`` and ``run``.

The connection is opened read-only with DuckDB's access to the outside shut and locked:
``enable_external_access=false`` (no ``read_csv``/``read_parquet`` of other files, no
``COPY``, ``ATTACH``, ``INSTALL``), no extension autoloading or autoinstalling, no
community extensions, no spill folder (DuckDB allows files under it), and
``lock_configuration=true`` so that no ``SET`` can undo it. ``run`` takes exactly one
statement. There is no time limit; memory is DuckDB's default (80 % of RAM), without
spilling, and the result is collected whole.

Before a snapshot's database is opened it is verified against its manifest
(``verified.check_database``): a damaged copy is refused as ``diff`` refuses it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from newsclaims import snapshot, versioning
from newsclaims.errors import InputError

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
            releases: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only, locked-down DuckDB connection to a snapshot's database."""
    db = resolve(version, cache=cache, path=path, releases=releases)
    check_snapshot(db, cache, db.parent.name if path is None else None)
    waited_until = time.monotonic() + _lock_wait()
    while True:
        try:
            return duckdb.connect(str(db), read_only=True, config=dict(LOCKED_CONFIG))
        except duckdb.Error as exc:
            # a writer (``newsclaims ingest``, ``check``) holds the file: wait for it to end,
            # then read the state it left, the old one or the new one
            if "Conflicting lock" not in str(exc) or time.monotonic() > waited_until:
                raise InputError(f"{db}: cannot open ({_first_line(exc)})") from None
            time.sleep(0.05)


def _lock_wait() -> float:
    """Seconds to wait for a writer's lock (``NEWSCLAIMS_LOCK_WAIT``, default 30)."""
    try:
        return max(0.0, float(os.environ.get("NEWSCLAIMS_LOCK_WAIT", "30")))
    except ValueError:
        return 30.0


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


def run(sql: str, version: str | None = None, **kwargs) -> QueryResult:
    """Run one SQL statement on a snapshot; a refused or failing query raises ``InputError``."""
    if not sql.strip():
        raise InputError("query: the SQL is empty; give one statement, e.g. 'SELECT count(*) FROM claims'")
    con = connect(version, **kwargs)
    try:
        try:
            statements = con.extract_statements(sql)
            if len(statements) != 1:
                raise InputError(f"query: give one statement, not {len(statements)}")
            cursor = con.execute(sql)
        except duckdb.PermissionException as exc:
            raise InputError(f"query refused: {_first_line(exc)} (snapshots are read-only and "
                             "cannot reach files, the network or extensions)") from None
        except duckdb.Error as exc:
            message = _first_line(exc)
            if "configuration has been locked" in message or "read-only mode" in message:
                raise InputError(f"query refused: {message} (snapshots are read-only and "
                                 "cannot reach files, the network or extensions)") from None
            raise InputError(f"query failed: {message}") from None
        if cursor.description is None:
            return QueryResult([], [])
        columns = [d[0] for d in cursor.description]
        return QueryResult(columns, cursor.fetchall())
    finally:
        con.close()


def _text(value) -> str:
    return "NULL" if value is None else str(value)


def render(result: QueryResult, fmt: str) -> str:
    """The result as an aligned text ``table``, ``csv`` or ``json`` (a list of objects)."""
    if fmt == "json":
        import json

        return json.dumps(result.records(), indent=2, ensure_ascii=False, default=str) + "\n"
    if fmt == "csv":
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows(["" if v is None else v for v in row] for row in result.rows)
        return out.getvalue()
    if not result.columns:
        return ""
    cells = [[_text(v) for v in row] for row in result.rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(result.columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(result.columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines) + "\n"
