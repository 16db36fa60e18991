"""Documents' licences: SPDX licence expressions (or ``LicenseRef-<id>``), what each one
named in them is called and where its text is, for ``datapackage.json`` and ``SOURCES.md``.

The records of the dataset (ids, codes, summaries, figures: the curation) are the project's,
under ``DATASET_LICENCE``. A document's ``licence`` is its text's: it governs the text where
a release ships it (``text_policy: ship``) and the quotations of it (``ship``, ``quotes``).
``KNOWN`` names the licences the dataset uses or is likely to; an id it does not know is
listed under its own id, without a title or link. The ``LicenseRef-`` ids are the project's
own, defined in ``docs/curation.md``.
"""

from __future__ import annotations

import re

DATASET_LICENCE = "CC-BY-4.0"

# id -> (title, URL or None)
KNOWN: dict[str, tuple[str, str | None]] = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": ("Creative Commons Attribution-ShareAlike 4.0",
                     "https://creativecommons.org/licenses/by-sa/4.0/"),
    "CC-BY-3.0": ("Creative Commons Attribution 3.0", "https://creativecommons.org/licenses/by/3.0/"),
    "CC-BY-SA-3.0": ("Creative Commons Attribution-ShareAlike 3.0",
                     "https://creativecommons.org/licenses/by-sa/3.0/"),
    "CC0-1.0": ("Creative Commons Zero 1.0 (public domain dedication)",
                "https://creativecommons.org/publicdomain/zero/1.0/"),
    "CC-PDDC": ("Creative Commons Public Domain Dedication and Certification (e.g. a work of the "
                "US federal government)", "https://creativecommons.org/licenses/publicdomain/"),
    "ODC-By-1.0": ("Open Data Commons Attribution 1.0", "https://opendatacommons.org/licenses/by/1-0/"),
    "OGL-UK-3.0": ("Open Government Licence v3.0",
                   "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"),
    "LicenseRef-All-Rights-Reserved": (
        "Copyright of its publisher, all rights reserved: the dataset holds only short quotations "
        "of the text, or none", None),
    "LicenseRef-UN-Terms": ("United Nations terms of use: quotation with attribution",
                            "https://www.un.org/en/about-us/terms-of-use"),
}

_TOKEN = re.compile(r"\(|\)|[^\s()]+")
_OPERATORS = {"AND", "OR", "WITH"}


def ids(expression: str) -> list[str]:
    """The licence ids an SPDX expression names, in order, without repeats (the exception
    after ``WITH`` is not a licence; a trailing ``+`` is dropped)."""
    out: list[str] = []
    tokens = _TOKEN.findall(expression or "")
    for i, token in enumerate(tokens):
        if token in ("(", ")") or token in _OPERATORS or (i > 0 and tokens[i - 1] == "WITH"):
            continue
        token = token.rstrip("+")
        if token not in out:
            out.append(token)
    return out


def title(licence_id: str) -> str | None:
    return KNOWN.get(licence_id, (None, None))[0]


def url(licence_id: str) -> str | None:
    return KNOWN.get(licence_id, (None, None))[1]


def frictionless(licence_id: str) -> dict:
    """A Frictionless licence object: ``name`` (the SPDX id, or LicenseRef-…), with its
    ``path`` and ``title`` where known."""
    entry: dict = {"name": licence_id}
    if url(licence_id):
        entry["path"] = url(licence_id)
    if title(licence_id):
        entry["title"] = title(licence_id)
    return entry
