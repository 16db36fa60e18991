"""Index-backed lookups: the stored rows of a large table whose key is one of a few values.

An ingest reads, from each large table, the rows a batch touches: the rows it replaces,
the rows of its footprints, the partner rows its statements join. Without an index each
such read is a scan of the table's key column and, for every row, of the columns it
keeps (about a second per read at 10M claims). With an ART index on the key column and
the values written into the statement as constants, DuckDB fetches the matching rows
alone (``Index Scan``). It uses the index only for constants (``col IN ('a', 'b')``),
never for a subquery, so the values are read first from the small staged tables and then
written into the statement.

The indexes (``nc_lookup_<table>_<column>``) are built by the first ingest into a
database whose table has at least ``INDEX_FROM`` rows (2M), in a transaction of their own and
before the batch is staged; later ingests keep them up to date as DuckDB does for any
index. They hold no data of their own: a full ``check`` never reads them, and a refused
batch leaves them as they were (they are rebuilt by nothing else). An index is never
UNIQUE: the rules must still find a duplicated id.

DuckDB decides per statement whether the index pays: past 2,048 matching rows and a share
of the table's rows it scans the table as before (``SCAN_MAX``, ``SCAN_SHARE``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from newsclaims import contract
from newsclaims.rules.sql_fragments import quote_literal

# DuckDB reads through an index while the matching rows are at most max(index_scan_max_count,
# index_scan_percentage x the table's rows), and scans past that. Its defaults, 2,048 rows and
# 1 in 1,000, are set explicitly (a user's configuration does not change what ingest reads) and
# used for the choice between a constant list and a join below. A stricter share (1 in 2,000,
# no fixed floor) made a 10,000-record batch at 10M claims 1.4 s slower (bench/ingest.md).
SCAN_MAX = 2048
SCAN_SHARE = 0.001
# A table gets lookup indexes from 2M rows, or from 500,000 rows (INDEX_FROM / 4) when its stored
# columns take at least WIDE_BYTES, as documents do with their texts: a scan costs by the bytes it
# reads. At 1M claims, the 7 indexes a 50,000-row threshold gave saved nothing on a 1,000-record
# batch (2.74 s against 2.71 s) and cost 0.3 s on a 10,000-record one (3.42 s against 3.10 s);
# claims there take 60 MB. At 10M claims the index on documents (1M rows, 660 MB) took a
# 1,000-record batch from 5.03 s to 4.11 s (bench/ingest.md).
INDEX_FROM = 2_000_000
WIDE_BYTES = 256 * 2**20
# Past this many rows, whole rows picked by their record ids cost less as one scan of the key
# column than fetched one by one through the index: in a fresh process at 10M claims, 20 figures
# took 0.05 s by index against 0.27 s by scan, 300 scattered figures 0.24 s against 0.27 s,
# 1,000 0.39 s against 0.27 s (each fetched row decompresses its columns' vectors).
ROW_FETCH_MAX = 256
FANOUT = 16  # a foreign key column is indexed when its values repeat at most this often (on average)


def configure(con) -> None:
    """When DuckDB reads through an index rather than scanning (``SCAN_MAX``, ``SCAN_SHARE``)."""
    con.execute(f"SET index_scan_max_count = {SCAN_MAX}")
    con.execute(f"SET index_scan_percentage = {SCAN_SHARE}")


def index_name(table: str, column: str) -> str:
    return f"nc_lookup_{table}_{column}"


def wide_tables(con, sizes: dict[str, int], large: int, wide_bytes: int = WIDE_BYTES) -> set[str]:
    """The tables of ``large / 4`` to ``large`` rows whose stored columns take at least
    ``wide_bytes`` (DuckDB's storage blocks), or that already hold a lookup index: their scans
    cost as much as a table of ``large`` narrow rows."""
    have = {t for t, _ in indexed(con)}
    out = set()
    for table in contract.tables():
        if not large // 4 <= sizes.get(table, 0) < large:
            continue
        if table in have:
            out.add(table)
            continue
        blocks = con.execute("SELECT count(DISTINCT block_id) FROM pragma_storage_info(?) WHERE persistent",
                             [table]).fetchone()[0]
        if blocks * con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0] >= wide_bytes:
            out.add(table)
    return out


def wanted(rules_columns: set[tuple[str, str]], sizes: dict[str, int], large: int,
           wide: set[str] = frozenset()) -> list[tuple[str, str]]:
    """The (table, column) lookups worth an index, on tables of ``large`` rows or more and on
    the ``wide`` ones: every table's first key column, and each foreign key column the
    footprints and partner copies look up whose values repeat at most ``FANOUT`` times on
    average (judged from the two tables' sizes). An index on a column of few distinct values
    costs more than it saves: at 10M claims, the one on ``claims.incident_id`` (20 claims per
    incident) made each ingest's checkpoint 1.7 s longer, more than the scan it spared."""
    out = set()
    for table, spec in contract.tables().items():
        rows = sizes.get(table, 0)
        if rows < max(large, 1) and table not in wide:
            continue
        out.add((table, spec.primary_key[0]))
        for fk in spec.foreign_keys:
            if (table, fk.columns[0]) in rules_columns and sizes.get(fk.ref_table, 0) * FANOUT >= rows:
                out.add((table, fk.columns[0]))
    return sorted(out)


def ensure(con, pairs: list[tuple[str, str]]) -> list[str]:
    """Build the missing indexes of ``pairs`` and drop the lookup indexes no longer wanted
    (each kept index costs every write), each change committed on its own (an interrupted
    build leaves the ones already built). Returns the names built."""
    have = {r[0] for r in con.execute("SELECT index_name FROM duckdb_indexes() WHERE schema_name = 'main'").fetchall()}
    keep = {index_name(t, c) for t, c in pairs}
    for name in sorted(have):
        if name.startswith("nc_lookup_") and name not in keep:
            con.execute(f"DROP INDEX main.{name}")
    built = []
    for table, column in pairs:
        name = index_name(table, column)
        if name not in have:
            con.execute(f"CREATE INDEX {name} ON main.{table} ({column})")
            built.append(name)
    return built


def indexed(con) -> set[tuple[str, str]]:
    """The (table, column) pairs with a lookup index."""
    names = {r[0] for r in con.execute("SELECT index_name FROM duckdb_indexes() WHERE schema_name = 'main'").fetchall()}
    return {(t, c) for t, spec in contract.tables().items() for c in spec.column_names if index_name(t, c) in names}


def _literal(value) -> str | None:
    if isinstance(value, str):
        return quote_literal(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


@dataclass
class Lookups:
    """How this ingest reads ``table.column IN (values)``: through the index where there is
    one, with the values written as constants; as a subquery otherwise."""

    con: object
    pairs: set[tuple[str, str]]
    sizes: dict[str, int] = field(default_factory=dict)

    def condition(self, table: str, column: str, values: str, alias: str = "t") -> str:
        """SQL over ``alias`` for ``alias.column IN (values)``; ``values``: a query over
        small tables."""
        return self.by_index(table, column, values, alias) or f"{alias}.{column} IN ({values})"

    def by_index(self, table: str, column: str, values: str, alias: str = "t",
                 most: int | None = None) -> str | None:
        """``condition`` with the values as constants, which DuckDB reads through the index;
        None where the column has no index or there are so many keys that DuckDB would scan
        anyway (a join with them then costs less than a long constant list), or more than
        ``most`` of them."""
        if (table, column) not in self.pairs:
            return None
        found = self.con.execute(f"SELECT DISTINCT v FROM ({values}) nc_v(v) WHERE v IS NOT NULL").fetchall()
        literals = [_literal(r[0]) for r in found]
        limit = max(SCAN_MAX, SCAN_SHARE * self.sizes.get(table, 0)) if most is None else most
        if len(literals) > limit or any(lit is None for lit in literals):
            return None
        if not literals:
            return "FALSE"
        return f"{alias}.{column} IN ({', '.join(sorted(literals))})"

    def rows(self, table: str, column: str, values: str, columns: str = "t.*") -> str:
        """A query of the rows of ``main.table`` whose ``column`` is one of ``values``
        (``columns``: what it selects of them, over ``t``)."""
        return f"SELECT {columns} FROM main.{table} t WHERE {self.condition(table, column, values)}"


def plain(con=None) -> Lookups:
    """Lookups with no index: every read is the subquery form."""
    return Lookups(con, set())
