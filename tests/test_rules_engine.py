"""The fused engine: same violations as one query per rule, every record captured, a
broken rule isolated as status error, results stored in the database."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

import defect_matrix
from engine_api import ENGINE_MODULE, compile_each, compile_rules, plan_jobs, run_checks, size_bytes, violations
from newsclaims.defects import inject
from newsclaims.errors import InputError
from newsclaims.rules.catalogue import load_catalogue

RULES = load_catalogue()
TABLE_OF = {r.id: r.table for r in RULES}


@pytest.fixture(scope="module")
def broken_once(fixture_db, tmp_path_factory):
    """The fixture with several defects at once, made once for this module."""
    db = tmp_path_factory.mktemp("broken") / "broken.duckdb"
    shutil.copy(fixture_db, db)
    con = duckdb.connect(str(db))
    for rule_id in ("figures.stated_text_in_quote", "places.coordinates_in_range",
                    "claims.claim_date_not_after_publication", "actors.parent_acyclic",
                    "figures.cross_source_discrepancy", "claim_relays.key_unique"):
        inject(con, rule_id, 2 if rule_id.startswith("figures.stated") else 1, rules=RULES)
    con.close()
    return db


@pytest.fixture
def broken(broken_once, tmp_path):
    """A copy of ``broken_once`` of the test's own (the tests store results in it)."""
    return Path(shutil.copy(broken_once, tmp_path / "broken.duckdb"))


def test_fused_equals_one_query_per_rule(broken):
    fused = run_checks(broken, rules=RULES)
    fused_rows = violations(broken)
    single = run_checks(broken, rules=RULES, fuse=False)
    assert violations(broken) == fused_rows
    assert [(r.rule_id, r.violation_count) for r in fused.results] == [
        (r.rule_id, r.violation_count) for r in single.results]
    assert len(fused.timings) < len(single.timings) / 2


def test_one_scan_per_table_and_one_statement_per_joined_rule():
    statements = compile_rules(RULES)
    labels = [s.label for s in statements]
    plain = [s for s in statements if s.label.startswith("scan ") and "[" not in s.label]
    joined = [s for s in statements if s.label.startswith("scan ") and "[" in s.label]
    references = [s for s in statements if s.label.startswith("references ")]
    # every rule that reads no join, of one table, in one pass over the table
    assert len(plain) == len({s.table for s in plain}) == 11
    assert all(len(s.rules) == 1 for s in joined)
    # the relationship rules that reference one key share one statement; the others are alone
    targets = {}
    for rule in RULES:
        if rule.test == "relationship":
            targets.setdefault(rule.params["to"], set()).add(rule.id)
    assert {s.label.split(" ", 1)[1]: {r.id for r in s.rules} for s in references} == {
        t: ids for t, ids in targets.items() if len(ids) > 1}
    alone = {r.id for r in RULES if r.test == "row" and r.params.get("uses")} | {
        next(iter(ids)) for ids in targets.values() if len(ids) == 1}
    assert {s.rules[0].id for s in joined} == alone
    unique = sum(r.test == "unique" for r in RULES)
    assert len(labels) == len(set(labels)) == (
        11 + len(joined) + len(references) + unique + sum(r.test == "sql" for r in RULES))


def test_a_broken_rule_gets_status_error_and_the_run_continues(broken):
    bad = replace(RULES[0], id="claims.bad_sql", params={"where": "t.no_such_column = 1", "message": "'x'"},
                  test="row", table="claims", severity="error")
    run = run_checks(broken, rules=[*RULES, bad])
    assert run.result("claims.bad_sql").status == "error"
    assert "no_such_column" in run.result("claims.bad_sql").detail
    assert run.result("claims.quote_matches_text").status == "pass"
    assert run.result("figures.stated_text_in_quote").violation_count == 2
    assert {r.rule_id for r in run.failed("error")} == {
        "claims.claim_date_not_after_publication", "claim_relays.key_unique", "figures.stated_text_in_quote",
        "places.coordinates_in_range", "actors.parent_acyclic", "claims.bad_sql",
        # the cross-source defect changes a figure's value but not its words ("90")
        "figures.stated_value_matches_text",
        # the pandera models reject the out-of-range coordinates and the duplicated relay too
        "places.pandera_schema", "claim_relays.pandera_schema"}


@pytest.mark.parametrize("jobs", [2, 3])
def test_statements_run_at_a_time_store_what_one_at_a_time_stores(broken, jobs):
    bad = replace(RULES[0], id="claims.bad_sql", params={"where": "t.no_such_column = 1", "message": "'x'"},
                  test="row", table="claims", severity="error")
    serial = run_checks(broken, rules=[*RULES, bad], jobs=1)
    serial_rows = violations(broken)
    together = run_checks(broken, rules=[*RULES, bad], jobs=jobs)
    assert violations(broken) == serial_rows
    assert len(serial_rows) > 10
    assert [(r.rule_id, r.status, r.violation_count) for r in together.results] == [
        (r.rule_id, r.status, r.violation_count) for r in serial.results]
    assert together.result("claims.bad_sql").status == "error"
    assert set(together.timings) == set(serial.timings)


def test_plan_jobs(tmp_path):
    db = tmp_path / "x.duckdb"
    db.write_bytes(b"\0" * 1000)
    assert plan_jobs(3, db) == 3
    assert plan_jobs(None, db, "1GB") == (2 if (os.cpu_count() or 1) >= 2 else 1)
    assert plan_jobs(None, db, "1999B") == 1  # the file is more than half the limit
    assert plan_jobs(None, db, "2000B") == (2 if (os.cpu_count() or 1) >= 2 else 1)
    with pytest.raises(InputError, match="--jobs 0"):
        plan_jobs(0, db)
    assert size_bytes("1500MB") == 1_500_000_000
    assert size_bytes("1.5 GiB") == 3 * 2**29
    with pytest.raises(InputError, match="--memory-limit lots"):
        size_bytes("lots")


def test_results_are_stored_and_replace_the_previous_run(broken):
    run_checks(broken, rules=RULES)
    run = run_checks(broken, rules=RULES, select="family:geography")
    con = duckdb.connect(str(broken), read_only=True)
    stored = con.execute("SELECT rule_id, status, violation_count, engine FROM dq_results ORDER BY rule_id").fetchall()
    kept = con.execute("SELECT DISTINCT rule_id FROM dq_violations").fetchall()
    con.close()
    assert stored == sorted((r.rule_id, r.status, r.violation_count, "duckdb") for r in run.results)
    assert kept == [("places.coordinates_in_range",)]


def test_every_offending_record_is_captured(fixture_db, tmp_path):
    """No sampling cap: 3000 broken claims give 3000 violations."""
    db = tmp_path / "many.duckdb"
    shutil.copy(fixture_db, db)
    con = duckdb.connect(str(db))
    con.execute("""INSERT INTO claims SELECT 'clm-' || CAST(100000 + i AS VARCHAR), doc_id, incident_id,
        claimant_id, claim_date, claim_date_precision, claim_date_basis, quote || i, quote_start, quote_end,
        modality, topic, summary, status, notes, locator, claim_date_from, claim_date_to
        FROM claims, range(3000) r(i) WHERE claim_id = 'clm-0006'""")
    con.close()
    run = run_checks(db, rules=RULES, select="claims.quote_matches_text")
    assert run.result("claims.quote_matches_text").violation_count == 3000
    assert len(violations(db)) == 3000


def test_real_dataset_passes_every_error_rule(built_db):
    run = run_checks(built_db, rules=RULES)
    assert [(r.rule_id, r.violation_count, r.detail) for r in run.failed("error")] == []


def test_a_duplicated_parent_does_not_double_count_its_children(fixture_db, tmp_path):
    """A claim breaking a rule whose document is stored twice: the claims scan joins the
    document twice, yet the claim is one violation; the duplicated document itself is two
    (every row carrying a duplicated key, the unique rule's counting)."""
    db = tmp_path / "dup-parent.duckdb"
    shutil.copy(fixture_db, db)
    con = duckdb.connect(str(db))
    expected = inject(con, "claims.claim_date_not_after_publication", 1, seed=3, rules=RULES)
    (claim,) = expected["claims.claim_date_not_after_publication"]
    (doc,) = con.execute("SELECT doc_id FROM claims WHERE claim_id = ?", [claim]).fetchone()
    con.execute("INSERT INTO documents SELECT * FROM documents WHERE doc_id = ?", [doc])
    con.close()
    run = run_checks(db, rules=RULES)
    assert run.result("claims.claim_date_not_after_publication").violation_count == 1
    rows = violations(db, "claims.claim_date_not_after_publication")
    assert [(r[1], r[2].count(";")) for r in rows] == [(claim, 0)]
    assert [r[1] for r in violations(db, "documents.doc_id_unique")] == [doc, doc]
    assert run.result("documents.doc_id_unique").violation_count == 2
    # the other claims of that document break nothing, however often they are joined
    assert {r.rule_id for r in run.failed("warn")} == {
        "claims.claim_date_not_after_publication", "documents.doc_id_unique",
        "documents.pandera_schema"}  # the model's unique doc_id
    # one query per rule (fuse=False) runs the very statement of each rule that reads a join:
    # its SQL and what it selects on a duplicated document are the golden case
    # tests/golden/compile/scan_joined_grouped.sql
    joined = {s.rules[0].id: (s.sql, s.group_by) for s in compile_rules(RULES) if "[" in s.label}
    each = {s.rules[0].id: (s.sql, s.group_by) for s in compile_each(RULES)}
    assert joined and all(each[rule_id] == statement for rule_id, statement in joined.items())


# --- pandera rules: one per table, the table validated by its newsclaims.schemas model ----

PANDERA = [r for r in RULES if r.test == "pandera"]


def _fired(db) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rule_id, record_id, _ in violations(db):
        found.setdefault(rule_id, set()).add(record_id)
    return found


def test_every_table_has_its_pandera_rule():
    from newsclaims import contract, schemas

    assert {r.table: r.id for r in PANDERA} == {t: f"{t}.pandera_schema" for t in contract.TABLES}
    assert all(schemas.SCHEMAS[r.table].__name__ == r.params["model"] for r in PANDERA)
    assert {(r.family, r.severity) for r in PANDERA} == {("structure", "error")}


def test_a_defect_only_the_pandera_model_rejects(fixture_db, tmp_path):
    """documents.url must be an http(s) address in the model; no SQL rule reads url."""
    db = tmp_path / "url.duckdb"
    shutil.copy(fixture_db, db)
    con = duckdb.connect(str(db))
    (doc,) = con.execute("SELECT min(doc_id) FROM documents").fetchone()
    con.execute("UPDATE documents SET url = 'see the archive' WHERE doc_id = ?", [doc])
    con.close()
    run = run_checks(db, rules=RULES)
    assert _fired(db) == {"documents.pandera_schema": {doc}}
    assert [r.rule_id for r in run.failed("error")] == ["documents.pandera_schema"]
    (message,) = [m for _, _, m in violations(db, "documents.pandera_schema")]
    assert message.startswith("url: str_matches") and "'see the archive'" in message


# One structure rule per (table, kind) the models express: the pandera rule of the table
# reports the same records as the structure rule.
_COVERED = {}
for _rule in RULES:
    if _rule.family == "structure" and _rule.test in ("not_null", "accepted_values", "pattern", "unique"):
        _COVERED.setdefault((_rule.table, _rule.test), _rule.id)


@pytest.fixture(scope="module")
def pandera_matrix(matrix_fixture_db, tmp_path_factory) -> defect_matrix.Matrix:
    """The defects of the rules of ``_COVERED``, planted together (tests/defect_matrix.py),
    checked by those rules and every table's pandera rule."""
    covered = [r for r in RULES if r.id in _COVERED.values()]
    return defect_matrix.build(matrix_fixture_db, tmp_path_factory.mktemp("pandera"), covered,
                               catalogue=covered + PANDERA)


@pytest.mark.parametrize("rule_id", sorted(_COVERED.values()))
def test_pandera_catches_the_structure_defects_of_its_table(rule_id, pandera_matrix):
    """The table's pandera rule reports the records the structure rule's recipe broke, and
    nothing else anywhere (the recipes of many rules share one database)."""
    pandera_rule = f"{rule_id.split('.')[0]}.pandera_schema"
    declared = pandera_matrix.group_of[rule_id].declared[rule_id]
    assert declared.get(pandera_rule) == declared[rule_id]  # the model rejects that change too
    defect_matrix.check_rule(pandera_matrix, rule_id, TABLE_OF)
    defect_matrix.check_exact(pandera_matrix, pandera_rule, TABLE_OF)


def test_pandera_skipped_above_the_row_limit_and_on_request(fixture_db, tmp_path):
    db = tmp_path / "limit.duckdb"
    shutil.copy(fixture_db, db)
    con = duckdb.connect(str(db))
    con.execute("UPDATE claims SET modality = 'rumoured' WHERE claim_id = (SELECT min(claim_id) FROM claims)")
    sizes = {r.table: con.execute(f"SELECT count(*) FROM {r.table}").fetchone()[0] for r in PANDERA}
    con.close()
    limit = sizes["countries"]  # countries fits, claims does not
    assert sizes["claims"] > limit
    run = run_checks(db, rules=RULES, select="*.pandera_schema", pandera_max_rows=limit)
    skipped = {r.rule_id: r.detail for r in run.results if r.status == "skipped"}
    assert set(skipped) == {r.id for r in PANDERA if sizes[r.table] > limit}
    assert skipped["claims.pandera_schema"] == (
        f"skipped: claims has {sizes['claims']:,} rows, more than the {limit:,} that pandera "
        "validates in memory by default; force it with --pandera always")
    assert run.result("countries.pandera_schema").status == "pass"
    assert run.failed("warn") == []  # skipped never fails a gate, not even the broken claims
    assert run.summary()["skipped"] == len(skipped)
    forced = run_checks(db, rules=RULES, select="*.pandera_schema", pandera="always", pandera_max_rows=limit)
    assert [r.rule_id for r in forced.failed("error")] == ["claims.pandera_schema"]
    off = run_checks(db, rules=RULES, select="*.pandera_schema", pandera="never")
    assert {r.status for r in off.results} == {"skipped"}
    assert off.result("claims.pandera_schema").detail == "skipped: pandera rules are off (--pandera never)"
    con = duckdb.connect(str(db), read_only=True)
    stored = con.execute("SELECT DISTINCT status, detail FROM dq_results").fetchall()
    con.close()
    assert stored == [("skipped", "skipped: pandera rules are off (--pandera never)")]


def _stored(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = sorted(r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'dq_%'").fetchall())
        results = con.execute("SELECT * FROM dq_results ORDER BY rule_id").fetchall()
        found = con.execute("SELECT * FROM dq_violations ORDER BY ALL").fetchall()
        return tables, results, found
    finally:
        con.close()


@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_stops_the_run_and_keeps_the_previous_results(broken, tmp_path, jobs):
    """A real SIGINT to this process while a (deliberately slow) statement runs: the run
    stops at once with KeyboardInterrupt, and the stored results are the previous run's."""
    run_checks(broken, rules=RULES)
    before = _stored(broken)
    assert before[0] == ["dq_results", "dq_violations"] and before[2]
    slow = tmp_path / "slow.sql"
    slow.write_text("SELECT CAST(range AS VARCHAR) AS record_id, 'm' AS message "
                    "FROM range(100000000000) WHERE hash(range) = 0\n", encoding="utf-8")
    rule = replace(RULES[0], id="claims.slow", test="sql", params={"file": str(slow)},
                   table="claims", severity="error")
    with ctrl_c_until_stopped(first_after=1.5):
        started = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            run_checks(broken, rules=[*RULES, rule], jobs=jobs)
    assert time.perf_counter() - started < 30  # stopped, not run to the end (minutes)
    assert _stored(broken) == before  # no dq_*_next left, the previous run intact


@contextmanager
def ctrl_c_until_stopped(first_after: float, again_after: float = 20):
    """Real SIGINTs to this process's main thread while the block runs: the first after
    ``first_after`` seconds, then another whenever none has reached Python's handler, or
    ``again_after`` seconds passed since one did and the block is still running.

    One signal alone may never stop the block: it may land where the run holds Ctrl-C back
    (``interrupts.finishing``, the results' swap) or where Python swallows the
    KeyboardInterrupt (a garbage-collector callback), and a statement written to run for
    minutes then runs to its end. Once a signal has reached the handler, the next waits long
    enough not to cut into the cleanup the first one started."""
    main = threading.main_thread().ident
    finished = threading.Event()
    received: list[float] = []
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        received.append(time.monotonic())
        raise KeyboardInterrupt

    def send():
        if finished.wait(first_after):
            return
        while True:
            signal.pthread_kill(main, signal.SIGINT)
            sent = time.monotonic()
            while not finished.wait(0.5):
                if not (received and received[-1] >= sent) and time.monotonic() - sent > 2:
                    break  # not handled (held back, or not yet at a point Python checks): again
                if received and time.monotonic() - received[-1] > again_after:
                    break  # handled, yet still running (swallowed): again
            else:
                return

    signal.signal(signal.SIGINT, handler)
    sender = threading.Thread(target=send, name="ctrl-c-sender", daemon=True)
    sender.start()
    try:
        yield received
    finally:
        finished.set()
        sender.join(timeout=10)
        signal.signal(signal.SIGINT, previous)


def test_a_ctrl_c_held_back_is_sent_again():
    """The first SIGINT lands while Ctrl-C is held back (``interrupts.finishing`` drops it):
    a one-shot timer would leave the wait after it running to its end; the sender's next
    SIGINT stops it."""
    from newsclaims.interrupts import finishing

    started = time.monotonic()
    with ctrl_c_until_stopped(first_after=0.2) as received:
        with pytest.raises(KeyboardInterrupt):
            with finishing():
                time.sleep(1)
            while time.monotonic() - started < 60:  # a wait only a Ctrl-C ends early
                time.sleep(0.05)
    assert len(received) == 1 and time.monotonic() - started < 30


def test_pandera_is_imported_in_the_background_only_when_its_rules_run(fixture_db, tmp_path):
    """``preload`` imports polars, pandera and the models on a thread; a run whose pandera
    rules are all skipped (or not selected) imports none of them."""
    import subprocess
    import sys

    db = tmp_path / "f.duckdb"
    shutil.copy(fixture_db, db)
    code = (
        "import sys\n"
        "from newsclaims.engines import pandera as pandera_rules\n"
        f"from {ENGINE_MODULE} import run_checks\n"
        f"run_checks({str(db)!r}, pandera='never')\n"
        "before = 'pandera' in sys.modules or 'polars' in sys.modules\n"
        "thread = pandera_rules.preload()\n"
        "thread.join(120)\n"
        "print(before, thread.name, all(m in sys.modules for m in "
        "('polars', 'pandera.polars', 'newsclaims.schemas')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split() == ["False", "newsclaims-pandera-import", "True"]


def test_is_interrupt_recognises_duckdb_interruptions_and_nothing_else():
    """``connection.interrupt()`` from another thread stops a real query; DuckDB's error
    for it (and for Ctrl-C: ``RuntimeError: Query interrupted``) reads as an interruption,
    other DuckDB errors and other runtime errors do not."""
    import threading

    from newsclaims.errors import is_interrupt

    con = duckdb.connect()
    done = threading.Event()

    def interrupt_until_stopped():  # an interrupt() before the query starts would be lost
        while not done.wait(0.2):
            con.interrupt()

    interrupter = threading.Thread(target=interrupt_until_stopped)
    interrupter.start()
    try:
        with pytest.raises(BaseException) as stopped:
            con.execute("SELECT count(*) FROM range(10000000000000) WHERE hash(range) = 0").fetchall()
    finally:
        done.set()
        interrupter.join(timeout=30)
    assert is_interrupt(stopped.value), repr(stopped.value)
    assert is_interrupt(RuntimeError("Query interrupted"))
    assert is_interrupt(KeyboardInterrupt())
    with pytest.raises(duckdb.Error) as failed:
        con.execute("SELECT * FROM no_such_table")
    assert not is_interrupt(failed.value)
    assert not is_interrupt(RuntimeError("something else"))
    assert not is_interrupt(ValueError("Query interrupted"))
    con.close()
