"""``synth --batch-of DB``: a batch for ``newsclaims ingest`` made from a database, with its
ground truth.

The batch holds new records (whole documents of the database copied under new ids, with
their claims, figures and relays), corrections (stored claims with a changed summary,
and, with ``defect_rate``, documents with an earlier publication date and incidents moved
by three days: changes that change their claims' verdicts), and retractions (stored claims set to ``retracted``); with ``defect_rate``, defects of the rules
whose recipe only changes or adds records (``newsclaims.defects``) on some of the batch's
records' neighbours. The changes are made on a copy of the database; the batch is every row
of the copy that differs from the database (one file per table, Parquet). The ground truth
(``<folder>.truth.json``) is what a full ``check`` of the copy stores: the violations after the
batch, by rule, and which of them the batch adds."""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from newsclaims import contract
from newsclaims.errors import InputError
from newsclaims.rules.sql_fragments import quote_literal, record_id_sql



def truth_path(batch: Path) -> Path:
    """The ground truth of a batch folder: ``<folder>.truth.json`` beside it."""
    return batch.parent / f"{batch.name}.truth.json"


@dataclass
class BatchResult:
    folder: Path
    rows: dict[str, int]
    kinds: dict[str, int]  # new / corrected / retracted records, defects injected
    added: dict[str, list[str]]  # rule -> records the batch adds a violation to


def _next_number(con, table: str, key: str, prefix: str) -> int:
    got = con.execute(f"SELECT max(TRY_CAST(substr({key}, {len(prefix) + 1}) AS BIGINT)) FROM {table} "
                      f"WHERE {key} LIKE '{prefix}%'").fetchone()[0]
    return (got or 0) + 1


def _flawed_documents(con) -> None:
    """``nc_flawed``: the documents whose record, claims, figures or relays have a stored
    error-level violation (their copies would carry it into the batch)."""
    have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    if "dq_violations" not in have:
        con.execute("CREATE OR REPLACE TEMP TABLE nc_flawed AS SELECT doc_id FROM documents LIMIT 0")
        return
    con.execute("""CREATE OR REPLACE TEMP TABLE nc_flawed AS
        WITH v AS (SELECT table_name, record_id FROM dq_violations WHERE severity = 'error')
        SELECT record_id AS doc_id FROM v WHERE table_name = 'documents'
        UNION SELECT c.doc_id FROM claims c JOIN v ON v.table_name = 'claims' AND v.record_id = c.claim_id
        UNION SELECT c.doc_id FROM figures f JOIN v ON v.table_name = 'figures' AND v.record_id = f.figure_id
            JOIN claims c ON c.claim_id = f.claim_id
        UNION SELECT c.doc_id FROM claim_relays r
            JOIN v ON v.table_name = 'claim_relays' AND split_part(v.record_id, '|', 1) = r.claim_id
            JOIN claims c ON c.claim_id = r.claim_id
        UNION SELECT c.doc_id FROM claims c WHERE c.claim_id IN (SELECT claim_id FROM claims GROUP BY claim_id HAVING count(*) > 1)
        UNION SELECT c.doc_id FROM claims c JOIN figures f ON f.claim_id = c.claim_id
            WHERE f.figure_id IN (SELECT figure_id FROM figures GROUP BY figure_id HAVING count(*) > 1)""")


def _copy_documents(con, wanted_claims: int, seed: int) -> int:
    """Copy whole documents (with their claims, figures and relays) under new ids until
    ``wanted_claims`` claims are new; documents with a stored error-level violation of their
    own or of their records are not copied. Returns the claims added."""
    if wanted_claims <= 0:
        con.execute("CREATE OR REPLACE TEMP TABLE nc_claim_map (old VARCHAR, doc VARCHAR, new VARCHAR)")
        return 0
    _flawed_documents(con)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE nc_pick AS
        SELECT doc_id, n, sum(n) OVER (ORDER BY hash(doc_id, {seed}) ROWS UNBOUNDED PRECEDING) AS upto
        FROM (SELECT doc_id, count(*) AS n FROM claims GROUP BY doc_id)
        WHERE doc_id NOT IN (SELECT doc_id FROM nc_flawed WHERE doc_id IS NOT NULL)""")
    con.execute(f"DELETE FROM nc_pick WHERE upto - n >= {wanted_claims}")
    width = 7
    doc0, clm0, fig0 = (_next_number(con, t, k, p) for t, k, p in
                        (("documents", "doc_id", "doc-"), ("claims", "claim_id", "clm-"), ("figures", "figure_id", "fig-")))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE nc_doc_map AS SELECT doc_id AS old,
        'doc-' || format('{{:0{width}d}}', {doc0} + row_number() OVER (ORDER BY doc_id) - 1) AS new
        FROM nc_pick""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE nc_claim_map AS SELECT c.claim_id AS old, m.new AS doc,
        'clm-' || format('{{:0{width}d}}', {clm0} + row_number() OVER (ORDER BY c.claim_id) - 1) AS new
        FROM claims c JOIN nc_doc_map m ON m.old = c.doc_id""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE nc_figure_map AS SELECT f.figure_id AS old, m.new AS claim,
        'fig-' || format('{{:0{width}d}}', {fig0} + row_number() OVER (ORDER BY f.figure_id) - 1) AS new
        FROM figures f JOIN nc_claim_map m ON m.old = f.claim_id""")
    con.execute("""INSERT INTO documents SELECT d.* REPLACE (m.new AS doc_id, replace(d.url, d.doc_id, m.new) AS url)
        FROM documents d JOIN nc_doc_map m ON m.old = d.doc_id""")
    con.execute("""INSERT INTO claims SELECT c.* REPLACE (m.new AS claim_id, m.doc AS doc_id)
        FROM claims c JOIN nc_claim_map m ON m.old = c.claim_id""")
    con.execute("""INSERT INTO figures SELECT f.* REPLACE (m.new AS figure_id, m.claim AS claim_id)
        FROM figures f JOIN nc_figure_map m ON m.old = f.figure_id""")
    con.execute("""INSERT INTO claim_relays SELECT r.* REPLACE (m.new AS claim_id)
        FROM claim_relays r JOIN nc_claim_map m ON m.old = r.claim_id""")
    return con.execute("SELECT count(*) FROM nc_claim_map").fetchone()[0]


def _stored_claims(con, k: int, seed: int, salt: int) -> str:
    # a claim id stored twice (a defect) is left alone: a correction names one record
    return (f"SELECT claim_id FROM claims WHERE claim_id NOT IN (SELECT new FROM nc_claim_map) "
            f"GROUP BY claim_id HAVING count(*) = 1 ORDER BY hash(claim_id, {seed}, {salt}) LIMIT {k}")


def _defects(con, rate: float, seed: int, rnd: random.Random) -> int:
    """Break some rules whose recipes only change or add records; a recipe that renames or
    deletes a key is rolled back."""
    from newsclaims import defects
    from newsclaims.rules.catalogue import load_catalogue

    rules = [r for r in load_catalogue() if r.test != "pandera"]
    rnd.shuffle(rules)
    keys = {t: f"SELECT {record_id_sql(t)} FROM {t} t" for t in contract.TABLES}
    nulls = " + ".join(f"(SELECT count(*) FROM {t} WHERE " + " OR ".join(f"{k} IS NULL" for k in spec.primary_key) + ")"
                       for t, spec in contract.tables().items())
    null_keys = con.execute(f"SELECT {nulls}").fetchone()[0]
    before = {t: set(r[0] for r in con.execute(keys[t]).fetchall()) for t in contract.TABLES}
    wanted = max(1, round(rate * len(rules)))
    injected = 0
    for rule in rules:
        if injected >= wanted:
            break
        con.execute("BEGIN TRANSACTION")
        try:
            defects.inject(con, rule.id, 1, seed=seed, rules=None)
            now = {t: set(r[0] for r in con.execute(keys[t]).fetchall()) for t in contract.TABLES}
            # a batch cannot delete, rename or add a record without its id
            kept = (all(before[t] <= now[t] for t in contract.TABLES)
                    and con.execute(f"SELECT {nulls}").fetchone()[0] == null_keys)
            unique = all(con.execute(f"SELECT count(*) = count(DISTINCT {record_id_sql(t)}) FROM {t} t")
                         .fetchone()[0] for t in contract.TABLES)
        except (ValueError, duckdb.Error):
            kept = unique = False
        if kept and unique:
            con.execute("COMMIT")
            before = now
            injected += 1
        else:
            con.execute("ROLLBACK")
        defects.cleanup(con)
    return injected


def write_batch(db_path, output: Path, records: int, *, defect_rate: float | None = None,
                seed: int = 0) -> BatchResult:
    """Write a batch of about ``records`` records for ``db_path`` into the folder ``output``
    (replaced), with ``truth.json``."""
    from newsclaims.check import run_checks

    db_path, output = Path(db_path), Path(output)
    if not db_path.is_file():
        raise InputError(f"{db_path}: no such database file")
    if records < 1:
        raise InputError(f"--records {records}: must be at least 1")
    rnd = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix=".nc-batch-", dir=output.parent if output.parent.exists() else None))
    try:
        copy = work / "copy.duckdb"
        shutil.copyfile(db_path, copy)
        con = duckdb.connect(str(copy))
        try:
            n_corr, n_retr = max(1, records * 15 // 100), max(1, records * 5 // 100)
            new = _copy_documents(con, records - n_corr - n_retr, seed)
            con.execute(f"UPDATE claims SET summary = concat(coalesce(summary, ''), ' (corrected)') "
                        f"WHERE claim_id IN ({_stored_claims(con, n_corr, seed, 1)})")
            con.execute(f"UPDATE claims SET status = 'retracted' WHERE status = 'active' AND "
                        f"claim_id IN ({_stored_claims(con, n_retr, seed, 2)})")
            # with defects: corrections of parent records that change their children's
            # verdicts (a document's publication date, an incident's dates)
            k = max(1, n_corr // 3) if defect_rate else 0
            con.execute(f"UPDATE documents SET published_on = published_on - INTERVAL 400 DAY WHERE doc_id IN "
                        f"(SELECT doc_id FROM documents WHERE published_on IS NOT NULL GROUP BY doc_id HAVING count(*) = 1 "
                        f"ORDER BY hash(doc_id, {seed}) LIMIT {k})")
            con.execute(f"UPDATE incidents SET start_date = start_date + INTERVAL 3 DAY, "
                        f"end_date = end_date + INTERVAL 3 DAY WHERE incident_id IN "
                        f"(SELECT incident_id FROM incidents GROUP BY incident_id HAVING count(*) = 1 "
                        f"ORDER BY hash(incident_id, {seed}) LIMIT {k})")
            injected = _defects(con, defect_rate, seed, rnd) if defect_rate else 0
            con.execute(f"ATTACH {quote_literal(str(db_path))} AS base (READ_ONLY)")
            folder = work / "batch"
            folder.mkdir()
            rows = {}
            for table in contract.TABLES:
                diff = f"SELECT * FROM main.{table} EXCEPT ALL SELECT * FROM base.main.{table}"
                n = con.execute(f"SELECT count(*) FROM ({diff})").fetchone()[0]
                if n:
                    con.execute(f"COPY ({diff}) TO {quote_literal(str(folder / (table + '.parquet')))} (FORMAT parquet)")
                    rows[table] = n
            con.execute("DETACH base")
        finally:
            con.close()
        run_checks(copy)  # as `check` runs by default (pandera: auto)
        after = duckdb.connect(str(copy), read_only=True)
        try:
            after.execute(f"ATTACH {quote_literal(str(db_path))} AS base (READ_ONLY)")
            added: dict[str, list[str]] = {}
            for rule_id, record_id in after.execute(
                    "SELECT DISTINCT rule_id, record_id FROM main.dq_violations EXCEPT "
                    "SELECT rule_id, record_id FROM base.main.dq_violations ORDER BY 1, 2").fetchall():
                added.setdefault(rule_id, []).append(record_id)
        finally:
            after.close()
        kinds = {"new_claims": new, "corrected": n_corr, "retracted": n_retr, "defects": injected}
        truth = truth_path(output)
        truth.write_text(json.dumps({"rows": rows, "kinds": kinds, "added": added}, indent=2))
        if output.exists():
            shutil.rmtree(output)
        folder.rename(output)
        return BatchResult(output, rows, kinds, added)
    finally:
        shutil.rmtree(work, ignore_errors=True)
