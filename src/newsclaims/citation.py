"""The licences of newsclaims and how to cite a release.

The code is under the MIT licence (``LICENSE``). The data is licensed separately
(``LICENSE-DATA.md``, the same text as ``DATA_LICENCE`` below): the curated records under
CC-BY-4.0, the document texts under their own licences, listed per document. Every release
snapshot carries ``CITATION.cff`` (Citation File Format 1.2.0, naming the release's version
and date) and ``LICENSE.md`` (the data licence)."""

from __future__ import annotations

import yaml

TITLE = "newsclaims: news incidents and the claims made about them"
AUTHORS = [{"name": "The newsclaims contributors"}]
DATA_LICENSE_ID = "CC-BY-4.0"
DATA_LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"

DATA_LICENCE = f"""\
# Licence of the newsclaims data

The code of newsclaims (everything outside `dataset/`, and the software in a release) is
under the MIT licence: see `LICENSE` in the repository. The data is licensed separately:

- **The curated records** are under the Creative Commons Attribution 4.0 International
  licence ({DATA_LICENSE_ID}, {DATA_LICENSE_URL}): incidents, claims, figures, actors,
  places, their aliases, the identifiers, the links between records, the figures' values,
  qualifiers and intervals, the offsets, the notes and every other field a curator writes,
  and the tables and files of a release made from them. Attribute them by citing the
  release you used: each release carries a `CITATION.cff` naming its version and date.
- **The document texts are not ours.** Each text (`dataset/documents/<doc_id>.txt`, the
  `text` column of the `documents` table) stays under its own licence or terms of use, as
  listed per document in its document record; where a document lists none, no licence is
  granted for its text beyond what the law allows (for example quotation). The quoted
  words of a claim are excerpts of its document and keep the document's terms. The seed
  document `doc-0001` is a news article by a third party. CC-BY-4.0 does not cover these
  texts: whoever reuses a text checks the terms of its document.

This statement is not legal advice; where it is unclear, ask the maintainers.
"""


def release_citation(version: str, date: str, commit: str | None = None) -> str:
    """``CITATION.cff`` of release ``version`` made on ``date`` (``YYYY-MM-DD``)."""
    data = {
        "cff-version": "1.2.0",
        "message": f"If you use this data, please cite newsclaims release {version} as below.",
        "type": "dataset",
        "title": TITLE,
        "version": version,
        "date-released": date,
        "authors": AUTHORS,
        "license": DATA_LICENSE_ID,
        "abstract": ("A curated, versioned dataset of news incidents and the claims made "
                     "about them (who said which casualty figure, relayed from whom, when, in "
                     "which document, with the quoted words), checked by data-quality rules. "
                     "Document texts keep their own licences, listed per document (LICENSE.md)."),
        "keywords": ["news", "claims", "casualty figures", "data quality"],
    }
    if commit:
        data["commit"] = commit
    header = (f"# Citation of newsclaims release {version}. Document texts are not under "
              f"{DATA_LICENSE_ID}: see LICENSE.md.\n")
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=88)


def release_readme(version: str, date: str) -> str:
    """The short ``README.md`` of release ``version``: what it is, what it holds, and how to
    verify, query and cite it without newsclaims."""
    return f"""\
# newsclaims {version} ({date})

A curated dataset of news incidents and the claims made about them: every casualty figure
is a claim, kept with who said it, relayed from whom, when, in which document, the words as
written and the interval they allow. The fields are described in `codebook.md`; the rules
the release passed, with their verdicts, in `reports/` and `rules.json`.

| file | holds |
|---|---|
| `newsclaims.duckdb` | every table in one DuckDB database (with `dq_results`, `dq_violations`) |
| `data/<table>.parquet` | one Parquet file per table (the same rows) |
| `codebook.md` | every table and column, its type, keys and meaning |
| `SOURCES.md` | every document: publisher, URL, licence, what this release holds of its text |
| `CHANGELOG.md` | what changed since the parent release, record by record |
| `CITATION.cff`, `LICENSE.md` | how to cite this release; the data's licence |
| `SHA256SUMS`, `manifest.json`, `manifest.json.sig` | checksums; the signed manifest |

Verify: `sha256sum -c SHA256SUMS`, and the manifest's Ed25519 signature with the project's
public key (`openssl pkeyutl -verify -pubin -inkey newsclaims.pub -rawin -in manifest.json
-sigfile manifest.json.sig`).

Query without installing anything but DuckDB:

```sql
-- duckdb -readonly newsclaims.duckdb
SHOW TABLES;
SELECT c.incident_id, a.name AS claimant, c.claim_date, f.stated_text, f.value_low, f.value_high
FROM figures f JOIN claims c USING (claim_id) LEFT JOIN actors a ON a.actor_id = c.claimant_id
ORDER BY c.incident_id, claimant, c.claim_date;
```

Cite: `CITATION.cff` (newsclaims {version}, {date}). Licence: the curated records CC-BY-4.0;
each document's text under its own terms (`LICENSE.md`, `SOURCES.md`).
"""
