"""One small, valid newsclaims dataset built from code, for the rule tests.

Every table has records; the data passes every rule of the catalogue with no violation at
all (no warning either), and it holds the shapes the defect recipes need: merged records,
parent chains, a region with coordinates, figures of every qualifier, claims of different
claimants about one incident whose intervals overlap or are linked as contradicting,
"safe" records nothing else refers to, a citation-only document (no text, claims located and
not quoted). ``SEED`` fixes the only random choice (the order in
which rows are inserted), so the file is the same on every run.

``copies=k`` writes k copies of every record under other ids, names and country codes (copy
1 is the fixture itself): k times the room for the defects of many rules at once, with
disjoint footprints (tests/defect_matrix.py)."""

from __future__ import annotations

import hashlib
import random
from datetime import date
from pathlib import Path

import duckdb

from newsclaims import contract
from newsclaims.periods import period

SEED = 20160917
# Copies of the fixture in the defect matrix's database (tests/defect_matrix.py): room for
# one target of every rule, footprints (document, incident, actor, place, ...) pairwise
# disjoint, in one catalogue run.
MATRIX_COPIES = 32

COUNTRIES = [
    ("SYR", "Syria", 32.3, 37.3, 35.7, 42.4),
    ("RUS", "Russia", 41.2, 81.9, 19.6, -169.0),  # crosses the antimeridian
    ("TUR", "Turkey", 35.8, 42.1, 25.6, 44.8),
]

A = ("actor_id", "name", "kind", "country", "parent_id", "role", "status", "merged_into", "notes")
ACTORS = [
    ("act-syria-gov", "Government of Syria", "government", "SYR", None, None, "active", None, None),
    ("act-syrian-army", "Syrian Arab Army", "military", "SYR", "act-syria-gov", None, "active", None, None),
    ("act-sana", "SANA", "media", "SYR", "act-syria-gov", "state news agency", "active", None, None),
    ("act-russia-mod", "Russian Ministry of Defence", "military", "RUS", None, None, "active", None, None),
    ("act-konashenkov", "Igor Konashenkov", "person", "RUS", "act-russia-mod", "spokesman", "active", None, None),
    ("act-sohr", "Syrian Observatory for Human Rights", "ngo", "GBR", None, None, "active", None, None),
    ("act-un", "United Nations", "intergovernmental", None, None, None, "active", None, None),
    ("act-us-state", "United States Department of State", "government", "USA", None, None, "active", None, None),
    ("act-reuters", "Reuters", "media", "GBR", None, None, "active", None, None),
    ("act-ap", "Associated Press", "media", "USA", None, None, "active", None, None),
    ("act-white-helmets", "Syria Civil Defence", "ngo", "SYR", None, None, "active", None, None),
    ("act-saa", "SAA (duplicate record)", "military", "SYR", None, None, "merged", "act-syrian-army",
     "Same army as act-syrian-army."),
]
ACTOR_ALIASES = [
    ("act-syrian-army", "Syrian army"),
    ("act-syrian-army", "SAA"),
    ("act-sohr", "Syrian Observatory"),
    ("act-russia-mod", "Russian Defence Ministry"),
    ("act-un", "UN"),
]

P = ("place_id", "name", "kind", "country", "parent_id", "lat", "lon", "status", "merged_into", "notes")
PLACES = [
    ("plc-syria", "Syria", "country", "SYR", None, None, None, "active", None, None),
    ("plc-deir-ezzor-governorate", "Deir ez-Zor Governorate", "region", "SYR", "plc-syria", 35.0, 40.0, "active", None, None),
    ("plc-deir-ezzor", "Deir ez-Zor", "city", "SYR", "plc-deir-ezzor-governorate", 35.336, 40.141, "active", None, None),
    ("plc-jabal-tharda", "Jabal Tharda", "site", "SYR", "plc-deir-ezzor", 35.28, 40.08, "active", None, None),
    ("plc-aleppo", "Aleppo", "city", "SYR", "plc-syria", 36.2, 37.16, "active", None, None),
    ("plc-omar-field", "Al-Omar oil field", "site", "SYR", "plc-deir-ezzor-governorate", 34.96, 40.57, "active", None, None),
    ("plc-deir-al-zor", "Deir al-Zor (duplicate record)", "city", "SYR", None, 35.336, 40.141, "merged", "plc-deir-ezzor",
     "Same city as plc-deir-ezzor."),
]
PLACE_ALIASES = [
    ("plc-deir-ezzor", "Deir el-Zour"),
    ("plc-deir-ezzor", "Dayr az Zawr"),
    ("plc-aleppo", "Halab"),
]

D = ("doc_id", "title", "publisher_id", "url", "published_on", "published_precision", "published_basis",
     "retrieved_on", "language", "source_kind", "text", "text_sha256", "notes", "licence", "text_policy",
     "published_on_from", "published_on_to")
TEXTS = {
    "doc-0001": (
        "Russia's Defence Ministry said at least 62 Syrian soldiers were killed and more than 100 "
        "wounded in the strike near Deir ez-Zor airport on Saturday.\n"
        "The Syrian Observatory for Human Rights said 90 soldiers were killed and about 150 people were hurt.\n"
        "The Syrian government said fewer than 20 soldiers were killed.\n"
        "A Russian spokesman said the strike was a mistake, citing the Syrian army.\n"
        "The State Department said: We regret the unintentional loss of life.\n"
    ),
    "doc-0002": (
        "The United Nations said the ceasefire was largely holding across Syria.\n"
        "Aid convoys were waiting at the Turkish border, a UN official said.\n"
        "The Observatory recorded up to 40 strikes on Monday.\n"
    ),
    "doc-0003": (
        "The truce ended on Monday, the army command said.\n"
        "20 trucks reached Aleppo on Monday, the government said.\n"
        "Aid trucks were looted near Aleppo, the UN said.\n"
        "Russia recorded 302 violations since the truce began.\n"
        "An unspecified number of civilians were wounded in Aleppo, monitors said.\n"
    ),
    "doc-0004": (
        "A local activist wrote that the convoy reached the city.\n"
        "Residents said the warehouses were full.\n"
    ),
}
DOCUMENTS = [
    ("doc-0001", "US-led strike kills Syrian soldiers", "act-reuters", "https://example.org/1",
     date(2016, 9, 18), "day", "stated", date(2016, 9, 20), "en", "wire", None),
    ("doc-0002", "UN says truce largely holding", "act-ap", "https://example.org/2",
     date(2016, 9, 19), "day", "stated", date(2016, 9, 20), "en", "news", None),
    ("doc-0003", "Army declares end of truce", "act-syria-gov", None,
     date(2016, 9, 1), "month", "inferred", None, "en", "official_statement",
     "Month worked out from the statement's reference to the truce's end."),
    ("doc-0004", "Activist posts about the convoy", None, None,
     None, None, None, date(2016, 9, 21), "en", "social_media", None),
    ("doc-0005", "Monitors' report on the convoy", "act-sohr", "https://example.org/5",
     date(2016, 9, 19), "week", "stated", date(2016, 9, 22), "en", "ngo_report", None),
]
# Citation-only documents: no text; their claims carry a locator and no quote. Its week
# precision keeps doc-0005 out of the documents' safe set (defects.safe): the recipes that
# change a document's text need one that has a text.
CITED = {"doc-0005": "LicenseRef-All-Rights-Reserved"}
LOCATORS = {"clm-0016": "para. 2", "clm-0017": "para. 5"}

I = ("incident_id", "title", "kind", "start_date", "end_date", "date_precision", "place_id",
     "geo_precision", "summary", "status", "merged_into", "notes")
INCIDENTS = [
    ("inc-0001", "Strike on Syrian army positions near Deir ez-Zor", "airstrike", date(2016, 9, 17), None,
     "day", "plc-jabal-tharda", "near", None, "active", None, None),
    ("inc-0002", "September 2016 nationwide truce", "ceasefire", date(2016, 9, 12), date(2016, 9, 19),
     "day", "plc-syria", "country", None, "active", None, None),
    ("inc-0003", "Aid convoy to Aleppo", "aid_delivery", date(2016, 9, 19), None,
     "day", "plc-aleppo", "city", None, "active", None, None),
    ("inc-0004", "Deir ez-Zor strike (duplicate)", "airstrike", date(2016, 9, 17), None,
     "day", None, None, None, "merged", "inc-0001", "Same incident as inc-0001."),
]

# (claim_id, doc_id, incident_id, claimant_id, claim_date, precision, basis, quote, modality, topic)
CLAIMS = [
    ("clm-0001", "doc-0001", "inc-0001", "act-russia-mod", date(2016, 9, 17), "day", "relative",
     "at least 62 Syrian soldiers were killed and more than 100 wounded", "asserted", "casualties"),
    ("clm-0002", "doc-0001", "inc-0001", "act-sohr", date(2016, 9, 17), "day", "relative",
     "90 soldiers were killed and about 150 people were hurt", "asserted", "casualties"),
    ("clm-0003", "doc-0001", "inc-0001", "act-syria-gov", date(2016, 9, 17), "day", "publication",
     "fewer than 20 soldiers were killed", "asserted", "casualties"),
    ("clm-0004", "doc-0001", "inc-0001", "act-konashenkov", date(2016, 9, 18), "day", "publication",
     "the strike was a mistake", "probable", "responsibility"),
    ("clm-0005", "doc-0001", "inc-0001", "act-us-state", date(2016, 9, 18), "day", "publication",
     "We regret the unintentional loss of life", "asserted", "position"),
    ("clm-0006", "doc-0002", "inc-0002", "act-un", date(2016, 9, 19), "day", "publication",
     "the ceasefire was largely holding across Syria", "asserted", "situation"),
    ("clm-0007", "doc-0002", "inc-0002", "act-un", date(2016, 9, 19), "day", "publication",
     "Aid convoys were waiting at the Turkish border", "asserted", "aid"),
    ("clm-0012", "doc-0002", "inc-0002", "act-sohr", date(2016, 9, 19), "day", "relative",
     "recorded up to 40 strikes on Monday", "asserted", "violations"),
    ("clm-0008", "doc-0003", "inc-0002", "act-syrian-army", date(2016, 9, 19), "day", "relative",
     "The truce ended on Monday", "asserted", "position"),
    ("clm-0009", "doc-0003", "inc-0003", "act-syria-gov", date(2016, 9, 19), "day", "relative",
     "20 trucks reached Aleppo on Monday", "asserted", "aid"),
    ("clm-0010", "doc-0003", "inc-0003", "act-un", date(2016, 9, 20), "day", "inferred",
     "Aid trucks were looted near Aleppo", "asserted", "aid"),
    ("clm-0011", "doc-0003", "inc-0002", "act-russia-mod", date(2016, 9, 19), "week", "publication",
     "recorded 302 violations since the truce began", "asserted", "violations"),
    ("clm-0013", "doc-0003", "inc-0003", "act-sohr", date(2016, 9, 20), "day", "publication",
     "An unspecified number of civilians were wounded in Aleppo", "asserted", "casualties"),
    ("clm-0014", "doc-0004", "inc-0003", "act-sohr", date(2016, 9, 21), "day", "publication",
     "the convoy reached the city", "asserted", "aid"),
    ("clm-0015", "doc-0004", "inc-0003", "act-un", date(2016, 9, 21), "day", "publication",
     "the warehouses were full", "possible", "aid"),
    ("clm-0016", "doc-0005", "inc-0003", "act-sohr", date(2016, 9, 20), "day", "publication",
     None, "asserted", "aid"),
    ("clm-0017", "doc-0005", "inc-0002", "act-sohr", date(2016, 9, 19), "day", "relative",
     None, "asserted", "violations"),
]
CLAIM_NOTES = {"clm-0010": "Date from the UN's later statement on the convoy."}

CLAIM_RELAYS = [
    ("clm-0004", 2, "act-syrian-army", "citing"),
    ("clm-0004", 3, "act-syria-gov", None),
]
CLAIM_LINKS = [
    ("clm-0003", "clm-0001", "contradicts"),
    ("clm-0002", "clm-0003", "contradicts"),
    ("clm-0002", "clm-0001", "corroborates"),
    ("clm-0005", "clm-0004", "responds_to"),
]

F = ("figure_id", "claim_id", "measure", "victim_group", "party_id", "stated_text", "stated_value",
     "qualifier", "value_low", "value_high", "unit", "period_start", "period_end", "notes")
FIGURES = [
    ("fig-0001", "clm-0001", "killed", "soldiers", "act-syrian-army", "at least 62", 62, "at_least", 62, None, "people", None, None, None),
    ("fig-0002", "clm-0002", "killed", "soldiers", "act-syrian-army", "90", 90, "exact", 90, 90, "people", None, None, None),
    ("fig-0003", "clm-0003", "killed", "soldiers", "act-syrian-army", "fewer than 20", 20, "fewer_than", 0, 19, "people", None, None, None),
    ("fig-0004", "clm-0001", "wounded", "soldiers", "act-syrian-army", "more than 100", 100, "more_than", 101, None, "people", None, None, None),
    ("fig-0005", "clm-0002", "casualties", "people", None, "about 150", 150, "about", None, None, "people", None, None, None),
    ("fig-0006", "clm-0012", "strikes", None, None, "up to 40", 40, "at_most", 0, 40, "strikes", date(2016, 9, 19), date(2016, 9, 19), None),
    ("fig-0007", "clm-0009", "aid_units", None, None, "20 trucks", 20, "exact", 20, 20, "trucks", None, None, None),
    ("fig-0008", "clm-0011", "violations", None, None, "302 violations", 302, "exact", 302, 302, "violations", date(2016, 9, 12), date(2016, 9, 19), None),
    ("fig-0009", "clm-0013", "wounded", "civilians", None, "An unspecified number", None, "unspecified", None, None, "people", None, None, None),
]


def rows() -> dict[str, list[tuple]]:
    """Every table's rows, in the contract's column order."""
    documents = []
    for doc_id, title, publisher, url, pub, prec, basis, retrieved, lang, kind, notes in DOCUMENTS:
        text = TEXTS.get(doc_id)
        sha = None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()
        licence, policy = (CITED[doc_id], "cite") if doc_id in CITED else ("CC-BY-4.0", "ship")
        documents.append((doc_id, title, publisher, url, pub, prec, basis, retrieved, lang, kind, text, sha, notes,
                          licence, policy, *period(pub, prec)))
    claims = []
    for claim_id, doc_id, inc, claimant, when, prec, basis, quote, modality, topic in CLAIMS:
        start = end = None
        if quote is not None:
            start = TEXTS[doc_id].index(quote)
            end = start + len(quote)
            assert TEXTS[doc_id].count(quote) == 1, quote
        claims.append((claim_id, doc_id, inc, claimant, when, prec, basis, quote, start, end,
                       modality, topic, None, "active", CLAIM_NOTES.get(claim_id), LOCATORS.get(claim_id),
                       *period(when, prec)))
    incidents = [(*row, *period(row[3], row[5]), *period(row[4], row[5])) for row in INCIDENTS]
    return {
        "countries": COUNTRIES,
        "actors": ACTORS,
        "actor_aliases": ACTOR_ALIASES,
        "places": PLACES,
        "place_aliases": PLACE_ALIASES,
        "documents": documents,
        "incidents": incidents,
        "claims": claims,
        "claim_relays": CLAIM_RELAYS,
        "claim_links": CLAIM_LINKS,
        "figures": FIGURES,
    }


# The columns of each table that name another record (keys, references, parents, merges) or
# must stay unique across the copies (names, aliases, addresses): what ``copy_rows`` renames.
_RENAMED = {
    "countries": {"country": "country", "name": "text"},
    "actors": {"actor_id": "actor", "name": "text", "country": "country", "parent_id": "actor",
               "merged_into": "actor"},
    "actor_aliases": {"actor_id": "actor", "alias": "text"},
    "places": {"place_id": "place", "name": "text", "country": "country", "parent_id": "place",
               "merged_into": "place"},
    "place_aliases": {"place_id": "place", "alias": "text"},
    "documents": {"doc_id": "number", "publisher_id": "actor", "url": "url"},
    "incidents": {"incident_id": "number", "title": "text", "place_id": "place", "merged_into": "number"},
    "claims": {"claim_id": "number", "doc_id": "number", "incident_id": "number", "claimant_id": "actor"},
    "claim_relays": {"claim_id": "number", "actor_id": "actor"},
    "claim_links": {"claim_id": "number", "other_claim_id": "number"},
    "figures": {"figure_id": "number", "claim_id": "number", "party_id": "actor"},
}


def _renamer(copy: int):
    """How a value of each kind reads in copy ``copy`` (2, 3, ...): numbered ids get a
    leading copy number (doc-0001 -> doc-20001), slugs a suffix, countries another third
    letter, names and addresses a mark."""
    # two letters never R or S: no copy's code is SYR, RUS or TUR (nor GBR, USA), nor another's
    letters = "ABCDEFGHIJKLMNOPQTUVWXYZ"
    pair = letters[copy // len(letters)] + letters[copy % len(letters)]

    def rename(kind: str, value):
        if value is None or copy == 1:
            return value
        if kind == "number":
            prefix, number = value.split("-", 1)
            return f"{prefix}-{copy}{number}"
        if kind in ("actor", "place"):
            return f"{value}-c{copy}"
        if kind == "country":
            return value[0] + pair if value in {c[0] for c in COUNTRIES} else value
        if kind == "url":
            return f"{value}?copy={copy}"
        return f"{value} (copy {copy})"

    return rename


def copy_rows(table_rows: dict[str, list[tuple]], copies: int) -> dict[str, list[tuple]]:
    """``copies`` copies of every table's rows, each under its own ids, names and codes."""
    out: dict[str, list[tuple]] = {table: [] for table in table_rows}
    for copy in range(1, copies + 1):
        rename = _renamer(copy)
        for table, data in table_rows.items():
            columns = contract.tables()[table].column_names
            kinds = [_RENAMED[table].get(c) for c in columns]
            out[table].extend(tuple(rename(k, v) if k else v for k, v in zip(kinds, row)) for row in data)
    return out


def _insert(con, table_rows: dict[str, list[tuple]], shuffle: bool) -> None:
    rng = random.Random(SEED)
    for table in contract.TABLES:
        data = list(table_rows[table])
        if shuffle and table not in ("actors", "places", "incidents"):  # self-references load in order
            rng.shuffle(data)
        width = len(contract.tables()[table].columns)
        assert all(len(r) == width for r in data), table
        if not data:
            continue
        if shuffle:  # loose DDL: one statement (executemany() inserts row by row: seconds for the copies)
            values = ", ".join(f"({', '.join('?' * width)})" for _ in data)
            con.execute(f"INSERT INTO {table} VALUES {values}", [v for row in data for v in row])
        else:  # the contract's DDL checks a self-reference against the rows inserted before
            con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * width)})", data)


def write_loose(path: Path, copies: int = 1) -> Path:
    """The fixture (``copies`` copies of it) in a database made with ``contract.loose_ddl()``
    (no constraints)."""
    con = duckdb.connect(str(path))
    con.execute(contract.loose_ddl())
    _insert(con, copy_rows(rows(), copies), shuffle=True)
    con.close()
    return path


def write_strict(path: Path) -> Path:
    """The same rows under the contract's DDL, with every constraint enforced."""
    con = duckdb.connect(str(path))
    contract.create_schema(con)
    _insert(con, rows(), shuffle=False)
    con.close()
    return path
