"""Documents assembled from their claims' sentences plus filler, and the claims' offsets.

Each document is the concatenation, in order, of parts: an optional lead filler, its
claims' sentences (with an optional filler after some of them) and a closing filler;
parts are separated by a space or a paragraph break. A claim's ``quote_start`` is the
length of everything before its sentence plus the length of the sentence's lead-in, all
computed with one window sum per document, so ``text[quote_start:quote_end] == quote``.
"""

from __future__ import annotations

import duckdb

from newsclaims import periods
from newsclaims.synth import vocabulary as vocab
from newsclaims.synth.expressions import Random, padded_id
from newsclaims.synth.plan import CLAIMS_PER_DOCUMENT, Plan


def date_documents_and_claims(con: duckdb.DuckDBPyConnection, plan: Plan, rnd: Random) -> None:
    """``syn_doc``: each document's publication date, after every incident its claims are
    about began; ``syn_claim_date``: each claim's date, between its incident's start and
    its document's publication, truncated to its precision."""
    n_blocks = plan.actors // 10
    con.execute(
        f"""
        CREATE TEMP TABLE syn_doc AS
        WITH agg AS (
            SELECT doc, max(raw_start) AS latest_start,
                   arg_min(event || ' in ' || place_name, j) AS headline
            FROM syn_claim GROUP BY doc
        )
        SELECT doc, {padded_id('doc', 'doc', plan.width(plan.documents))} AS doc_id,
               coalesce(latest_start, DATE '2014-01-01' + {rnd.below(2000, 'doc-base', 'doc')}::INTEGER)
                   + {rnd.below(20, 'pub-lag', 'doc')}::INTEGER AS published_on,
               headline, {rnd.percent('undated-doc', 'doc')} < 2 AS undated_doc,
               CASE WHEN {rnd.percent('publisher', 'doc')} < 95 THEN {rnd.below(n_blocks, 'publisher-block', 'doc')} * 10 END AS publisher_a
        FROM agg
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE syn_claim_date AS
        WITH days AS (
            SELECT c.i, c.basis, c.undated,
                   CASE WHEN c.precision0 = 'week' AND c.inc_precision = 'month' THEN 'day' ELSE c.precision0 END AS precision,
                   CASE WHEN c.basis = 'publication' THEN d.published_on
                        WHEN c.raw_start IS NULL THEN d.published_on - {rnd.below(10, 'claim-day', 'c.i')}::INTEGER
                        ELSE c.raw_start + {rnd.below('d.published_on - c.raw_start + 1', 'claim-day', 'c.i')}::INTEGER
                   END AS day
            FROM syn_claim c JOIN syn_doc d USING (doc)
        )
        SELECT i, CASE WHEN NOT undated THEN basis END AS basis,
               CASE WHEN NOT undated THEN precision END AS precision,
               CASE WHEN undated THEN NULL
                    WHEN precision = 'month' THEN date_trunc('month', day)::DATE
                    WHEN precision = 'week' THEN date_trunc('week', day)::DATE ELSE day END AS claim_date
        FROM days
        """
    )


DOCUMENTS_PER_CHUNK = 200_000


def build_documents_and_claims(con: duckdb.DuckDBPyConnection, plan: Plan, rnd: Random) -> None:
    slots = CLAIMS_PER_DOCUMENT
    filler = rnd.pick(vocab.FILLERS, "filler", "doc", "pos")
    con.execute(
        f"""
        CREATE TEMP TABLE syn_part AS
        WITH parts AS (
            SELECT doc, 2 * j + 1 AS pos, i, sentence AS part FROM syn_claim
            UNION ALL
            SELECT doc, pos, NULL, {filler}
            FROM (SELECT doc, 2 * s AS pos, s FROM syn_doc, range({slots}) r(s))
            WHERE (s = 0 AND {rnd.percent('lead-filler', 'doc')} < 50)
               OR (s > 0 AND {rnd.percent('mid-filler', 'doc', 'pos')} < 20)
            UNION ALL
            SELECT doc, {2 * slots + 1}, NULL, {filler} FROM (SELECT doc, {2 * slots + 1} AS pos FROM syn_doc)
        ), pieces AS (
            SELECT doc, pos, i,
                   part || CASE WHEN pos = {2 * slots + 1} THEN ''
                                WHEN {rnd.percent('paragraph', 'doc', 'pos')} < 30 THEN chr(10) || chr(10)
                                ELSE ' ' END AS piece
            FROM parts
        )
        SELECT doc, pos, i, piece,
               coalesce(sum(length(piece)) OVER (PARTITION BY doc ORDER BY pos
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::BIGINT AS part_start
        FROM pieces
        """
    )
    titles = rnd.pick(vocab.TITLE_WORDS, "title", "d.doc")
    kinds = rnd.weighted(
        [("official_statement", 40), ("ngo_report", 30), ("social_media", 20), ("other", 10)], "source-kind-x", "d.doc"
    )
    # Texts are aggregated in chunks of documents: an ordered string_agg over all of them
    # at once does not fit in memory at 10M claims.
    for lo in range(0, plan.documents, DOCUMENTS_PER_CHUNK):
        _insert_documents(con, rnd, titles, kinds, lo, lo + DOCUMENTS_PER_CHUNK)
    claim_from, claim_to = periods.sql_period("t.claim_date", "t.precision")
    con.execute(
        f"""
        INSERT INTO claims
        SELECT c.claim_id, d.doc_id, x.incident_id, c.claimant_id, t.claim_date, t.precision, t.basis,
               c.quote, (p.part_start + length(c.lead_in))::INTEGER,
               (p.part_start + length(c.lead_in) + length(c.quote))::INTEGER,
               c.modality, c.topic,
               c.topic || ' claim about ' || c.place_name, c.status,
               CASE WHEN t.basis = 'inferred' THEN 'Date inferred from the incident report.' END,
               NULL, {claim_from}, {claim_to}
        FROM syn_claim c
        JOIN syn_doc d USING (doc)
        JOIN syn_part p ON p.i = c.i
        JOIN syn_claim_date t ON t.i = c.i
        LEFT JOIN syn_incident x ON x.k = c.inc
        """
    )


def _insert_documents(con, rnd: Random, titles: str, kinds: str, lo: int, hi: int) -> None:
    con.execute(
        f"""
        INSERT INTO documents
        WITH texts AS (
            SELECT doc, string_agg(piece, '' ORDER BY pos) AS text FROM syn_part
            WHERE doc >= {lo} AND doc < {hi} GROUP BY doc
        )
        SELECT d.doc_id, {titles} || ' ' || d.headline, a.actor_id,
               CASE WHEN a.actor_id IS NOT NULL
                    THEN 'https://' || replace(a.actor_id, 'act-', '') || '.example/'
                         || strftime(d.published_on, '%Y/%m/%d') || '/' || d.doc_id END,
               CASE WHEN NOT d.undated_doc THEN d.published_on END,
               CASE WHEN NOT d.undated_doc THEN 'day' END,
               CASE WHEN d.undated_doc THEN NULL
                    WHEN {rnd.percent('pub-basis', 'd.doc')} < 95 THEN 'stated' ELSE 'inferred' END,
               d.published_on + {rnd.below(30, 'retrieved', 'd.doc')}::INTEGER,
               'en',
               CASE WHEN a.actor_id IS NULL THEN {kinds}
                    WHEN {rnd.percent('source-kind', 'd.doc')} < 75 THEN 'news' ELSE 'wire' END,
               t.text, sha256(t.text),
               CASE WHEN NOT d.undated_doc AND {rnd.percent('pub-basis', 'd.doc')} >= 95
                    THEN 'Publication date inferred from the archive listing.' END,
               'CC0-1.0', 'ship',
               CASE WHEN NOT d.undated_doc THEN d.published_on END,
               CASE WHEN NOT d.undated_doc THEN d.published_on END
        FROM syn_doc d JOIN texts t USING (doc) LEFT JOIN syn_actor a ON a.a = d.publisher_a
        WHERE d.doc >= {lo} AND d.doc < {hi}
        ORDER BY d.doc
        """
    )
