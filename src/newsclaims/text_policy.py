"""What a release holds of each document's text, by its ``text_policy``:

| policy | a release holds |
|---|---|
| ``ship`` | the text |
| ``quotes`` | the quotes with their offsets and the text's ``text_sha256``; not the text |
| ``cite`` | nothing of the text (the dataset never holds it) |

``withhold_texts`` writes the release's database from the checked build: a new file made
table by table (``copy_database``), the texts of documents that are not ``ship`` left out
as they are copied, so that a withheld text never enters the file (an UPDATE of a copy would
leave its bytes in the file's free blocks; DuckDB cannot update a row other tables refer to
anyway). ``newsclaims.hydrate`` fills texts in the same way. ``forbidden_texts`` runs the catalogue rule
``documents.text_policy_honoured`` on a database: the release gate runs it on the snapshot
it made. ``sources_markdown`` is the snapshot's ``SOURCES.md``; ``resource_licences`` the
licences of each Parquet resource of ``datapackage.json``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from newsclaims import contract, licences

POLICIES: tuple[str, ...] = ("ship", "quotes", "cite")
RULE_ID = "documents.text_policy_honoured"
SOURCES = "SOURCES.md"


def _self_references(table: str) -> list[str]:
    return [fk.columns[0] for fk in contract.tables()[table].foreign_keys if fk.ref_table == table]


def withhold_texts(source: Path, target: Path) -> int:
    """Write ``target``: every table of the database ``source`` (types, keys, contents) with
    ``documents.text`` NULL where ``text_policy`` is not ``ship``. Returns the number of
    texts withheld. ``target`` must not exist."""
    return copy_database(source, target,
                         "CASE WHEN CAST(d.text_policy AS VARCHAR) = 'ship' THEN d.text END")


def copy_database(source: Path, target: Path, text_sql: str, texts: dict[str, str] | None = None) -> int:
    """Write ``target``, a new database file: every table of ``source`` (types, keys,
    contents), ``documents.text`` being ``text_sql`` (an expression over ``d``, the source's
    document, and ``h.text``, its text in ``texts``: doc_id -> text). Returns the number of
    documents whose text differs from the source's."""
    con = duckdb.connect(str(target), config=contract.STORAGE_CONFIG)
    try:
        con.execute("ATTACH ? AS src (READ_ONLY)", [str(source)])
        (dst,) = con.execute("SELECT current_database()").fetchone()
        con.execute(f'COPY FROM DATABASE src TO "{dst}" (SCHEMA)')
        # the lookup indexes of `ingest` (ingest/lookups.py) serve that database's writes only
        for (name,) in con.execute("SELECT index_name FROM duckdb_indexes() WHERE database_name = ? "
                                   "AND index_name LIKE 'nc\\_lookup\\_%' ESCAPE '\\'", [dst]).fetchall():
            con.execute(f'DROP INDEX "{dst}".main."{name}"')
        con.execute("CREATE TEMP TABLE nc_texts (doc_id VARCHAR PRIMARY KEY, text VARCHAR)")
        if texts:
            con.executemany("INSERT INTO nc_texts VALUES (?, ?)", list(texts.items()))
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'src' AND schema_name = 'main'"
        ).fetchall()]
        order = [t for t in contract.TABLES if t in tables] + sorted(set(tables) - set(contract.TABLES))
        changed = 0
        for table in order:
            select = f"SELECT * FROM src.main.{table}"
            if table == "documents":
                cols = ", ".join(f"{text_sql} AS text" if c == "text" else f'd."{c}"'
                                 for c in contract.tables()[table].column_names)
                select = f"SELECT {cols} FROM src.main.documents d LEFT JOIN nc_texts h USING (doc_id)"
                (changed,) = con.execute(
                    f"SELECT count(*) FROM src.main.documents d LEFT JOIN nc_texts h USING (doc_id) "
                    f"WHERE d.text IS DISTINCT FROM {text_sql}").fetchone()
            refs = _self_references(table) if table in contract.TABLES else []
            if not refs:
                con.execute(f'INSERT INTO "{dst}".main.{table} {select}')
                continue
            # a row's parent must be there before it (DuckDB checks a foreign key against the
            # rows already inserted): in layers, parents first, as the build loads them
            (key,) = contract.tables()[table].primary_key
            while True:
                ready = " AND ".join(
                    f"(s.{c} IS NULL OR s.{c} IN (SELECT {key} FROM \"{dst}\".main.{table}))" for c in refs)
                (added,) = con.execute(
                    f'INSERT INTO "{dst}".main.{table} SELECT * FROM ({select}) s WHERE s.{key} NOT IN '
                    f'(SELECT {key} FROM "{dst}".main.{table}) AND {ready}').fetchone()
                if not added:
                    break
        con.execute("DETACH src")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return changed


def forbidden_texts(con) -> list[tuple[str, str]]:
    """``(doc_id, message)`` of every document whose text ``con``'s database holds against
    its policy: the catalogue rule ``documents.text_policy_honoured``, run as declared."""
    from newsclaims.rules.catalogue import load_catalogue

    (rule,) = [r for r in load_catalogue() if r.id == RULE_ID]
    return con.execute(
        f"SELECT t.doc_id, {rule.params['message']} FROM documents t WHERE {rule.params['where']} "
        "ORDER BY t.doc_id").fetchall()


def gate(con, version: str) -> str | None:
    """The release gate's run of ``documents.text_policy_honoured`` on the snapshot's
    database ``con`` (its ``release`` table made): its result replaces the one of the check
    before the texts were withheld in ``dq_results``/``dq_violations``. Returns the refusal
    (one line naming the documents) or None."""
    forbidden = forbidden_texts(con)
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    if "dq_results" in tables:
        con.execute("UPDATE dq_results SET status = ?, violation_count = ?, engine = 'release', "
                    "detail = 'run again on the snapshot by newsclaims release' WHERE rule_id = ?",
                    ["fail" if forbidden else "pass", len(forbidden), RULE_ID])
    if "dq_violations" in tables:
        con.execute("DELETE FROM dq_violations WHERE rule_id = ?", [RULE_ID])
        for doc_id, message in forbidden:
            con.execute("INSERT INTO dq_violations (rule_id, severity, table_name, record_id, message) "
                        "VALUES (?, 'error', 'documents', ?, ?)", [RULE_ID, doc_id, message])
    if not forbidden:
        return None
    shown = "; ".join(f"{doc_id} {message}" for doc_id, message in forbidden)
    return (f"release {version} refused: error-level rules fail: {RULE_ID} "
            f"({len(forbidden)} violations): {shown}")


def _documents(con) -> list[dict]:
    cur = con.execute(
        "SELECT d.doc_id, d.title, a.name AS publisher, d.url, d.published_on, "
        "CAST(d.published_precision AS VARCHAR) AS published_precision, d.retrieved_on, d.licence, "
        "CAST(d.text_policy AS VARCHAR) AS text_policy, d.text IS NOT NULL AS has_text, d.text_sha256, "
        "(SELECT count(*) FROM claims c WHERE c.doc_id = d.doc_id AND c.quote IS NOT NULL) AS quotes "
        "FROM documents d LEFT JOIN actors a ON a.actor_id = d.publisher_id ORDER BY d.doc_id")
    names = [c[0] for c in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def resource_licences(con) -> dict[str, list[str]]:
    """The licence ids that apply to each contract table of a release: the dataset's own
    everywhere; in ``documents`` also those of the texts it holds; in ``claims`` also those
    of the documents it quotes."""
    out = {t: [licences.DATASET_LICENCE] for t in contract.TABLES}
    for doc in _documents(con):
        for table, applies in (("documents", doc["has_text"]), ("claims", doc["quotes"] > 0)):
            if applies:
                out[table] += [i for i in licences.ids(doc["licence"]) if i not in out[table]]
    return out


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _held(doc: dict) -> str:
    if doc["has_text"]:
        return "the text"
    if doc["text_policy"] == "cite":
        return "nothing of the text (citation only)"
    return f"{doc['quotes']} quote(s) and the text's SHA-256 `{doc['text_sha256']}`"


def sources_markdown(con, version: str) -> str:
    """``SOURCES.md``: every document of the release with its publisher, URL, dates, licence
    and what the release holds of it: the attribution licences such as CC BY require."""
    docs = _documents(con)
    lines = [
        f"# Sources of newsclaims {version}",
        "",
        f"The records of this dataset (ids, codes, summaries, figures) are licensed under "
        f"{licences.DATASET_LICENCE} ({licences.url(licences.DATASET_LICENCE)}). The documents they "
        "come from remain their publishers'; each is listed below with the licence of its text and "
        "what this release holds of it (its `text_policy`): the text (`ship`), the quoted spans "
        "with their offsets and the text's SHA-256 (`quotes`), or nothing (`cite`: find the "
        "document at its URL, as retrieved on the date given). `newsclaims hydrate` fills texts "
        "you hold into a copy of this release, checked against their SHA-256.",
        "",
        "| document | title | publisher | URL | published | retrieved | licence | text policy | this release holds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for d in docs:
        published = "" if d["published_on"] is None else (
            f"{d['published_on']}" + ("" if d["published_precision"] in (None, "day")
                                      else f" ({d['published_precision']})"))
        lines.append("| " + " | ".join(_cell(v) for v in (
            d["doc_id"], d["title"], d["publisher"] or "unknown", d["url"] or "", published,
            d["retrieved_on"], d["licence"], d["text_policy"], _held(d))) + " |")
    used = []
    for d in docs:
        used += [i for i in licences.ids(d["licence"]) if i not in used]
    lines += ["", "## Licences", ""]
    for licence_id in [licences.DATASET_LICENCE] + [i for i in used if i != licences.DATASET_LICENCE]:
        title, link = licences.title(licence_id), licences.url(licence_id)
        lines.append(f"- `{licence_id}`" + (f": {title}" if title else "") + (f" <{link}>" if link else ""))
    return "\n".join(lines) + "\n"
