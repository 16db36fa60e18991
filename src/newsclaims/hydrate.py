"""``hydrate``: fill the texts a release withheld into a local copy of its database.

A release holds no text of a ``quotes`` document, only its quotes, their offsets and the
text's SHA-256 (``text_policy``). A researcher who holds the texts (their own copies, in a
folder as ``<doc_id>.txt``, or the documents' URLs where these serve the text itself) gets a
copy of the snapshot's database with them filled in:

1. the snapshot's database is checked against its manifest (a damaged or replaced file is
   refused);
2. for every document whose text the release withholds and whose SHA-256 it records, its
   text is looked for in ``--texts`` (``<doc_id>.txt``), then at its ``url`` (``--urls``);
   the bytes found must have the recorded SHA-256 (the text as UTF-8): one that differs is
   refused, naming the document and where the text came from, and nothing is written;
3. the copy is written anew, table by table (``text_policy.copy_database``), beside the
   output under a temporary name and renamed onto it; it records ``hydrated_texts(doc_id,
   source, text_sha256)``, which tells ``documents.text_policy_honoured`` that these texts
   were filled in locally.

The snapshot itself is never changed (an output that is a snapshot's database is refused).
``newsclaims check --db <copy>`` then runs the quote rules against the filled-in texts.
A text found nowhere is reported, not an error; finding none at all is.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from newsclaims import snapshot, text_policy
from newsclaims.errors import InputError

# A document's text fetched from its URL: at most this many bytes, within this many seconds.
URL_LIMIT = 20 * 1024 * 1024
URL_SECONDS = 60.0


@dataclass
class Hydration:
    output: Path
    version: str | None
    filled: list[tuple[str, str]] = field(default_factory=list)  # (doc_id, source)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (doc_id, why)


def _withheld(db: Path) -> tuple[str | None, list[tuple[str, str | None, str]]]:
    """The release's version and its withheld texts: (doc_id, url, text_sha256)."""
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        raise InputError(f"{db}: cannot open ({str(exc).strip().splitlines()[0]})") from None
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        version = con.execute("SELECT version FROM release").fetchone()[0] if "release" in tables else None
        columns = {r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'documents'").fetchall()}
        if not {"doc_id", "url", "text", "text_sha256"} <= columns:
            raise InputError(f"{db}: not a newsclaims database (no documents table with texts)")
        rows = con.execute("SELECT doc_id, url, text_sha256 FROM documents WHERE text IS NULL "
                           "AND text_sha256 IS NOT NULL ORDER BY doc_id").fetchall()
    finally:
        con.close()
    return version, rows


def _from_folder(folder: Path, doc_id: str) -> tuple[bytes, str] | None:
    path = folder / f"{doc_id}.txt"
    if not path.is_file():
        return None
    try:
        return path.read_bytes(), str(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _from_url(url: str | None) -> tuple[bytes | None, str]:
    """The body at ``url``, or None and why not."""
    import requests

    from newsclaims.registry import _reason, http_download

    if not url or not url.startswith(("http://", "https://")):
        return None, "no http(s) url"
    sink = io.BytesIO()
    try:
        http_download(url, sink, limit=URL_LIMIT, seconds=URL_SECONDS, name=url,
                      whose="a document's")
    except requests.HTTPError as exc:
        return None, f"{url}: HTTP {exc.response.status_code}"
    except requests.RequestException as exc:
        return None, f"{url}: {_reason(exc)}"
    except InputError as exc:  # too large, too slow
        return None, str(exc)
    return sink.getvalue(), url


def default_output(db: Path) -> Path:
    """``newsclaims-<version>-hydrated.duckdb`` in the current folder (the snapshot checked
    against its manifest before it is read)."""
    snapshot.verify_database(Path(db).parent)
    return Path(f"newsclaims-{_withheld(Path(db))[0] or 'snapshot'}-hydrated.duckdb")


def _refuse_a_snapshot(output: Path, source_db: Path) -> None:
    same = output.exists() and output.resolve() == source_db.resolve()
    if same or (output.name == snapshot.DB_NAME and (output.parent / snapshot.MANIFEST).is_file()):
        raise InputError(f"{output}: the database of a release snapshot, which hydrate never "
                         "changes; give another --output")
    if output.is_dir():
        raise InputError(f"{output}: is a folder; --output takes the path of the database file")


def hydrate(db: Path, output: Path, *, texts: Path | None = None, urls: bool = False) -> Hydration:
    """Write ``output``: the snapshot database ``db`` (checked against its manifest) with
    every withheld text found in ``texts`` or at its URL (``urls``) filled in, each checked
    against its recorded SHA-256. Raises ``InputError`` (exit 2), writing nothing, on a text
    that differs from its record or when no text is found."""
    db, output = Path(db), Path(output)
    if texts is None and not urls:
        raise InputError("hydrate needs --texts FOLDER or --urls (or both): where the texts are")
    if texts is not None and not Path(texts).is_dir():
        raise InputError(f"{texts}: no such folder")
    snapshot.verify_database(db.parent)
    _refuse_a_snapshot(output, db)
    version, withheld = _withheld(db)
    result = Hydration(output, version)
    if not withheld:
        raise InputError(f"{db}: withholds no text that its SHA-256 can check; nothing to hydrate")
    found: dict[str, str] = {}
    for doc_id, url, sha in withheld:
        got = _from_folder(Path(texts), doc_id) if texts is not None else None
        why = f"no {Path(texts) / (doc_id + '.txt')}" if texts is not None else ""
        if got is None and urls:
            data, where = _from_url(url)
            got = (data, where) if data is not None else None
            why = "; ".join(w for w in (why, where) if w)
        if got is None:
            result.missing.append((doc_id, why))
            continue
        data, source = got
        digest = hashlib.sha256(data).hexdigest()
        if digest != sha:
            raise InputError(f"{source}: {doc_id}: SHA-256 {digest} differs from the recorded {sha}: "
                             "not the text the release quotes; nothing was hydrated")
        found[doc_id] = data.decode("utf-8")  # its SHA-256 is that of a UTF-8 text
        result.filled.append((doc_id, source))
    if not found:
        raise InputError("none of the withheld texts was found: "
                         + "; ".join(f"{d}: {why}" for d, why in result.missing))
    _write(db, output, found, dict(result.filled))
    return result


def _write(db: Path, output: Path, texts: dict[str, str], sources: dict[str, str]) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent))
    try:
        tmp = work / output.name
        text_policy.copy_database(db, tmp, "coalesce(h.text, d.text)", texts)
        con = duckdb.connect(str(tmp))
        try:
            con.execute("CREATE TABLE hydrated_texts (doc_id VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, "
                        "text_sha256 VARCHAR NOT NULL)")
            con.executemany("INSERT INTO hydrated_texts VALUES (?, ?, ?)",
                            [(d, sources[d], hashlib.sha256(t.encode("utf-8")).hexdigest())
                             for d, t in sorted(texts.items())])
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, output)
    finally:
        shutil.rmtree(work, ignore_errors=True)
