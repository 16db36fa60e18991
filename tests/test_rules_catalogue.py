"""The catalogue cannot drift from the DDL, its declarations are validated, and the rule
fixture conforms to the strict contract."""

from __future__ import annotations

import datetime

import duckdb
import pytest

from newsclaims import contract
from newsclaims.errors import InputError
from newsclaims.rules.catalogue import FAMILIES, load_catalogue, load_file
from newsclaims.rules.selection import select_rules

RULES = load_catalogue()


def _kinds(test: str) -> set[tuple]:
    out = set()
    for r in RULES:
        if r.test != test:
            continue
        if test == "unique":
            out.add((r.table, tuple(r.params["columns"])))
        elif test == "relationship":
            out.add((r.table, r.params["column"], r.params["to"]))
        else:
            out.add((r.table, r.params["column"]))
    return out


def test_every_not_null_enum_key_and_reference_has_its_rule():
    not_null, accepted, unique, refs, patterns = (
        _kinds("not_null"), _kinds("accepted_values"), _kinds("unique"), _kinds("relationship"), _kinds("pattern"))
    missing = []
    for table in contract.tables().values():
        for col in table.columns:
            if not col.nullable and (table.name, col.name) not in not_null:
                missing.append(f"not_null {table.name}.{col.name}")
            if col.enum and (table.name, col.name) not in accepted:
                missing.append(f"accepted_values {table.name}.{col.name}")
        for key in (table.primary_key, *table.unique):
            if (table.name, tuple(key)) not in unique:
                missing.append(f"unique {table.name}{key}")
        for fk in table.foreign_keys:
            if (table.name, fk.columns[0], f"{fk.ref_table}.{fk.ref_columns[0]}") not in refs:
                missing.append(f"relationship {table.name}.{fk.columns[0]}")
    for table, (col, _) in contract.ID_PATTERNS.items():
        if (table, col) not in patterns:
            missing.append(f"pattern {table}.{col}")
    assert missing == []


def test_catalogue_shape():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert {r.family for r in RULES} == set(FAMILIES)
    assert sorted(r.id for r in RULES if r.core) == sorted([
        "claims.claimant_not_null", "claims.claim_date_not_null", "figures.no_negative_values",
        "figures.low_le_high", "figures.qualifier_accepted", "claims.claim_id_unique",
        "claims.doc_id_exists", "claims.incident_id_exists", "claims.claim_date_not_after_publication",
        "claims.claim_date_not_before_incident", "claims.quote_matches_text", "places.coordinates_in_range",
        "claims.no_future_dates", "figures.casualty_has_source_and_date", "figures.cross_source_discrepancy",
    ])
    assert {r.severity for r in RULES if r.family in ("coverage", "cross_source")} == {"warn"}


@pytest.mark.parametrize("text, message", [
    ("- id: claims.x\n  title: t\n", "checks/bad.yml: rule #1 (claims.x): missing key 'family'"),
    ("- {id: claims.x, title: t, family: dates, severity: fatal, rationale: r, table: claims, test: row,"
     " where: 'TRUE', message: 'm'}", "checks/bad.yml: rule #1 (claims.x): severity must be error or warn, not 'fatal'"),
    ("- {id: figures.x, title: t, family: dates, severity: warn, rationale: r, table: claims, test: row,"
     " where: 'TRUE', message: 'm'}", "checks/bad.yml: rule #1 (figures.x): id must be '<table>.<slug>' with table 'claims'"),
    ("- {id: claims.x, title: t, family: dates, severity: warn, rationale: r, table: claims, test: row}",
     "checks/bad.yml: rule #1 (claims.x): test 'row' needs 'where'"),
    ("- {id: claims.x, title: t, family: dates, severity: warn, rationale: r, table: claims, test: sql,"
     " file: rules/none.sql}", "checks/bad.yml: rule #1 (claims.x): query file sql/rules/none.sql does not exist"),
    ("- id: [unclosed\n", "checks/bad.yml:2: not valid YAML"),
])
def test_bad_declarations_get_one_line(tmp_path, text, message):
    path = tmp_path / "bad.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_file(path)
    assert str(exc.value).startswith(message)


def test_selectors():
    assert {r.family for r in select_rules(RULES, "family:dates")} == {"dates"}
    assert all(r.id.startswith("claims.") for r in select_rules(RULES, ["claims.*"]))
    assert [r.id for r in select_rules(RULES, "claims.quote_matches_text,figures.low_le_high")] == [
        r.id for r in RULES if r.id in ("claims.quote_matches_text", "figures.low_le_high")]
    with pytest.raises(InputError, match="--select family:nope: matches no rule"):
        select_rules(RULES, "family:nope")


def test_fixture_rows_conform_to_the_strict_contract(tmp_path):
    from rule_fixtures import rows, write_strict

    db = write_strict(tmp_path / "strict.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in contract.TABLES}
    con.close()
    assert counts == {t: len(r) for t, r in rows().items()}


def _truncated(day, precision):
    """DuckDB's date_trunc, written out: a week starts on Monday."""
    if precision == "week":
        return day - datetime.timedelta(days=day.weekday())
    if precision == "month":
        return day.replace(day=1)
    if precision == "year":
        return day.replace(month=1, day=1)
    return day


@pytest.mark.parametrize("rule_id, alias, other_date, other_precision, later", [
    ("claims.claim_date_not_after_publication", "d", "published_on", "published_precision", True),
    ("claims.claim_date_not_before_incident", "i", "start_date", "date_precision", False),
])
def test_date_rules_compare_at_the_coarser_precision(rule_id, alias, other_date, other_precision, later):
    """The date rules' SQL (a plain comparison first, then the truncated one) flags exactly the
    pairs a direct reading of "compared at the coarser precision" flags, on dates around
    week, month and year boundaries and every precision (NULL reads as day)."""
    (rule,) = [r for r in load_catalogue() if r.id == rule_id]
    start = datetime.date(2015, 12, 24)
    days = [start + datetime.timedelta(days=n) for n in range(60)]
    precisions = [None, "day", "week", "month", "year"]
    order = ["day", "week", "month", "year"]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (k INTEGER, claim_date DATE, claim_date_precision VARCHAR)")
    con.execute(f"CREATE TABLE {alias} (k INTEGER, {other_date} DATE, {other_precision} VARCHAR)")
    rows = [(n, day, p) for n, (day, p) in enumerate((d, p) for d in days for p in precisions)]
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    con.executemany(f"INSERT INTO {alias} VALUES (?, ?, ?)", rows)
    flagged = set(con.execute(
        f"SELECT t.k, {alias}.k FROM t, {alias} WHERE {rule.params['where']}").fetchall())
    expected = set()
    for a, a_day, a_p in rows:
        for b, b_day, b_p in rows:
            level = order[max(order.index(a_p or "day"), order.index(b_p or "day"))]
            x, y = _truncated(a_day, level), _truncated(b_day, level)
            if (x > y) if later else (x < y):
                expected.add((a, b))
    assert len(expected) > 10_000 and flagged == expected
