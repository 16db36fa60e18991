"""``build_database``: validate ``dataset/``, derive what is never typed, load DuckDB.

Steps, each refusing bad input with one ``InputError`` line (``file:line: record: ...``,
plus "(and N more problems)") before anything is written:

1. read the source files (``newsclaims.sources``);
2. validate every source frame with its pandera schema (``newsclaims.schemas``);
3. check references (every foreign key of the DDL, in the frames), that records sit in
   the file of their document, and that self-references (``parent_id``, ``merged_into``)
   have no cycle;
4. derive ``documents.text_sha256``, the quote offsets (``newsclaims.offsets``) and the
   figure intervals (``newsclaims.intervals``);
5. create the strict contract schema in a temporary file beside the output, load the
   tables in ``contract.TABLES`` order (rows in key order; a self-referencing table in
   layers, parents first, as DuckDB checks a foreign key against rows already inserted),
   add ``build_info``, close, and ``os.replace`` it onto the output.

Same inputs give the same database content (no clock time anywhere). The files are not
byte-identical between builds: DuckDB's file layout varies.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import polars as pl

from newsclaims import __version__, contract, intervals, offsets, schemas, sources, workfolders
from newsclaims.schema_failures import RECORD_NAMES, first_problem, record_label
from newsclaims.errors import InputError, NewsclaimsError, NoRoom, disk_full

CONTRACT_VERSION = "1"

# Progress steps, reported to the optional ``progress`` callback as they start.
STEPS: tuple[str, ...] = ("read", "validate", "references", "derive", *contract.TABLES, "finish")

Progress = Callable[[str], None]


def _raise_first(problems: list[str]) -> None:
    if problems:
        raise first_problem(problems)


def _at(frame: pl.DataFrame, table: str, i: int) -> str:
    """``file:line: claim clm-0003``: where a record is, for messages."""
    return f"{frame[i, '_file']}:{frame[i, '_line']}: {record_label(table, frame, i)}"


def _check_output(output: Path) -> None:
    """Refuse an output path that exists and is not a regular file: ``os.replace`` would
    put the database in place of a device, a FIFO or a socket (``--output /dev/null`` as
    root). A symbolic link is judged by what it points to."""
    try:
        mode = output.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputError(f"{output}: cannot be used as the output ({exc.strerror or exc})") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"{output}: is a folder; --output takes the path of the database file")
    if not stat.S_ISREG(mode):
        kind = (
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
            else "a socket" if stat.S_ISSOCK(mode)
            else "a special file"
        )
        raise InputError(f"{output}: is {kind}, not a file; --output takes the path of the database file")


# --- references -----------------------------------------------------------------------


def _reference_problems(frames: dict[str, pl.DataFrame], dataset_dir: Path) -> list[str]:
    problems: list[str] = []
    for table in contract.TABLES:
        frame = frames[table]
        for fk in contract.tables()[table].foreign_keys:
            (column,), (ref_column,) = fk.columns, fk.ref_columns
            known = set(frames[fk.ref_table][ref_column].to_list())
            where = sources.shown_path(dataset_dir / sources.LAYOUT[fk.ref_table][1])
            for i, value in enumerate(frame[column].to_list()):
                if value is not None and value not in known:
                    problems.append(
                        f"{_at(frame, table, i)}: {column}: unknown {RECORD_NAMES[fk.ref_table]} "
                        f"{value!r} (no such {ref_column} in {where})"
                    )
    return problems


def _placement_problems(frames: dict[str, pl.DataFrame]) -> list[str]:
    """Claims and figures live in the file named after their document (a document's own
    file is checked as it is read, ``newsclaims.sources``)."""
    problems: list[str] = []
    claim_doc = dict(zip(frames["claims"]["claim_id"].to_list(), frames["claims"]["doc_id"].to_list()))
    checks = (
        ("claims", lambda row: row["doc_id"]),
        ("figures", lambda row: claim_doc.get(row["claim_id"])),
    )
    for table, doc_of in checks:
        frame = frames[table]
        for i, row in enumerate(frame.iter_rows(named=True)):
            stem = Path(row["_file"]).stem
            doc = doc_of(row)
            if doc is not None and doc != stem:
                what = "doc_id" if table == "claims" else f"its claim {row['claim_id']} is in"
                problems.append(
                    f"{_at(frame, table, i)}: {what} {doc} does not match the file name {stem}; "
                    f"move the record to {doc}.yml"
                )
    return problems


def _self_reference_columns(table: str) -> tuple[str, ...]:
    return tuple(fk.columns[0] for fk in contract.tables()[table].foreign_keys if fk.ref_table == table)


def _layers(frames: dict[str, pl.DataFrame], table: str) -> tuple[list[int], list[str]]:
    """Depth of every row along its self-references (0 = none), and cycle problems."""
    frame = frames[table]
    cols = _self_reference_columns(table)
    key = contract.tables()[table].primary_key[0]
    ids = frame[key].to_list()
    index = {v: i for i, v in enumerate(ids)}
    refs = [[frame[i, c] for c in cols if frame[i, c] is not None] for i in range(len(ids))]
    depth: dict[int, int] = {}
    problems: list[str] = []
    for start in range(len(ids)):
        path: list[int] = []
        on_path: set[int] = set()

        def visit(i: int) -> int:
            if i in depth:
                return depth[i]
            if i in on_path:
                raise _Cycle(path[path.index(i) :] + [i])
            on_path.add(i)
            path.append(i)
            d = 1 + max((visit(index[r]) for r in refs[i] if r in index), default=-1)
            path.pop()
            on_path.discard(i)
            depth[i] = d
            return d

        try:
            visit(start)
        except _Cycle as cycle:
            chain = " -> ".join(ids[i] for i in cycle.rows)
            problems.append(f"{_at(frame, table, cycle.rows[0])}: {'/'.join(cols)} form a cycle: {chain}")
            for i in cycle.rows:
                depth[i] = 0
    return [depth[i] for i in range(len(ids))], problems


class _Cycle(Exception):
    def __init__(self, rows: list[int]):
        self.rows = rows


# --- derived columns ------------------------------------------------------------------


def _derive(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    docs = frames["documents"]
    texts = dict(zip(docs["doc_id"].to_list(), docs["text"].to_list()))
    txt_of = {d: Path(f).with_suffix(".txt").as_posix() for d, f in zip(docs["doc_id"], docs["_file"])}
    problems: list[str] = []

    claims = frames["claims"]
    starts, ends = [], []
    for i, row in enumerate(claims.iter_rows(named=True)):
        try:
            start, end = offsets.locate(
                texts[row["doc_id"]], row["quote"], row["occurrence"], where=txt_of[row["doc_id"]]
            )
        except offsets.QuoteError as exc:
            problems.append(f"{_at(claims, 'claims', i)}: {exc}")
            start = end = 0
        starts.append(start)
        ends.append(end)

    figures = frames["figures"]
    lows, highs = [], []
    for i, row in enumerate(figures.iter_rows(named=True)):
        try:
            low, high = intervals.interval(row["qualifier"], row["stated_value"])
        except intervals.IntervalError as exc:
            problems.append(f"{_at(figures, 'figures', i)}: {exc}")
            low = high = None
        lows.append(low)
        highs.append(high)
    _raise_first(problems)

    derived = dict(frames)
    derived["documents"] = docs.with_columns(
        pl.Series("text_sha256", [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in docs["text"]])
    )
    derived["claims"] = claims.with_columns(
        pl.Series("quote_start", starts, dtype=pl.Int32), pl.Series("quote_end", ends, dtype=pl.Int32)
    )
    derived["figures"] = figures.with_columns(
        pl.Series("value_low", lows, dtype=pl.Int64), pl.Series("value_high", highs, dtype=pl.Int64)
    )
    return derived


# --- loading --------------------------------------------------------------------------


def _ordered_rows(frames: dict[str, pl.DataFrame], table: str, depth: list[int] | None) -> list[pl.DataFrame]:
    """The table's rows in contract column order and key order, as one frame per layer."""
    spec = contract.tables()[table]
    frame = frames[table]
    if depth is not None:
        frame = frame.with_columns(pl.Series("_depth", depth))
    frame = frame.sort(list(spec.primary_key))
    if depth is None:
        return [frame.select(spec.column_names)]
    return [
        frame.filter(pl.col("_depth") == d).select(spec.column_names)
        for d in sorted(set(depth))
    ]


def _load(db_path: Path, layers: dict[str, list[pl.DataFrame]], digest: str, step: Progress) -> None:
    import duckdb

    con = duckdb.connect(str(db_path), config=contract.STORAGE_CONFIG)
    try:
        contract.create_schema(con)
        for table in contract.TABLES:
            step(table)
            cols = ", ".join(f'"{c}"' for c in contract.tables()[table].column_names)
            for part in layers[table]:
                try:
                    con.register("_rows", part)
                    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _rows")
                    con.unregister("_rows")
                except duckdb.Error as exc:  # validation should have caught it: a bug
                    raise NewsclaimsError(f"loading {table} failed: {exc}") from exc
        con.execute(
            "CREATE TABLE build_info (contract_version VARCHAR NOT NULL, "
            "dataset_digest VARCHAR NOT NULL, newsclaims_version VARCHAR NOT NULL)"
        )
        con.execute("INSERT INTO build_info VALUES (?, ?, ?)", [CONTRACT_VERSION, digest, __version__])
        con.execute("CHECKPOINT")
    finally:
        con.close()


def build_database(dataset_dir: Path, output: Path, *, progress: Progress | None = None) -> Path:
    """Validate ``dataset_dir``, derive, and write the DuckDB database at ``output``.

    Raises ``InputError`` (one line) for bad input; nothing is then written at ``output``
    (a database already there is left as it was). Returns ``output``."""
    step = progress or (lambda name: None)
    dataset_dir, output = Path(dataset_dir), Path(output)
    _check_output(output)

    step("read")
    read = sources.read_dataset(dataset_dir)
    frames = read.frames

    step("validate")
    problems: list[str] = []
    for table in contract.TABLES:
        problems += schemas.source_problems(table, frames[table])
    _raise_first(problems)

    step("references")
    problems = _reference_problems(frames, dataset_dir) + _placement_problems(frames)
    depths: dict[str, list[int]] = {}
    for table in contract.TABLES:
        if _self_reference_columns(table):
            depths[table], cycles = _layers(frames, table)
            problems += cycles
    _raise_first(problems)

    step("derive")
    frames = _derive(frames)
    layers = {t: _ordered_rows(frames, t, depths.get(t)) for t in contract.TABLES}

    output.parent.mkdir(parents=True, exist_ok=True)
    # a build killed outright (kill -9) left its folder: the next build removes it
    prefix = f".{output.name}.build-"
    workfolders.remove_stale(output.parent, prefix)
    work = workfolders.WorkFolder(output.parent, prefix)
    workdir = work.path
    try:
        tmp_db = workdir / output.name
        try:
            _load(tmp_db, layers, read.digest, step)
        except Exception as exc:
            full = disk_full(exc.__cause__ or exc) or disk_full(exc)
            if full is None:
                raise
            raise NoRoom(f"{output}: cannot write the database ({full}); nothing was "
                         "written", full) from None
        step("finish")
        _check_output(output)  # again: it may have appeared while the database was built
        os.replace(tmp_db, output)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        work.close()
    return output

