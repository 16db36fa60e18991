"""Finds a curator's quote in its document's text, so nobody counts characters by hand.

Offsets are Python ``str`` indices: Unicode code points, 0-based, end exclusive, so
``text[start:end] == quote``. DuckDB's ``substr`` counts code points too, so in SQL the
quote is ``substr(text, quote_start + 1, quote_end - quote_start)``.

A quote found once needs nothing more. A quote found several times needs the curator's
``occurrence: N`` (1-based, counting every match, overlapping ones included).
"""

from __future__ import annotations

import unicodedata


class QuoteError(ValueError):
    """The quote cannot be placed; the message says why and what to do."""


def find_all(text: str, quote: str) -> list[int]:
    """Every start index of ``quote`` in ``text`` (overlapping matches included)."""
    starts = []
    i = text.find(quote)
    while i != -1:
        starts.append(i)
        i = text.find(quote, i + 1)
    return starts


def short(quote: str, limit: int = 40) -> str:
    """The first ``limit`` characters of a quote, for messages."""
    return repr(quote if len(quote) <= limit else quote[:limit] + "…")


def locate(
    text: str, quote: str, occurrence: int | None = None, *, where: str = "the document text"
) -> tuple[int, int]:
    """``(start, end)`` of the quote in ``text``; ``QuoteError`` when it is not one place.

    ``where`` names the text in messages (the ``.txt`` file)."""
    if not quote:
        raise QuoteError("quote is empty")
    starts = find_all(text, quote)
    if not starts:
        raise QuoteError(f"quote {short(quote)} not found in {where} ({_why_not_found(text, quote)})")
    if occurrence is None:
        if len(starts) > 1:
            raise QuoteError(
                f"quote {short(quote)} occurs {len(starts)} times in {where}; "
                f"add occurrence: N (1 to {len(starts)}) to say which"
            )
        occurrence = 1
    if not 1 <= occurrence <= len(starts):
        times = "once" if len(starts) == 1 else f"{len(starts)} times"
        raise QuoteError(
            f"occurrence {occurrence} is out of range: quote {short(quote)} occurs {times} in {where}"
        )
    start = starts[occurrence - 1]
    return start, start + len(quote)


def _why_not_found(text: str, quote: str) -> str:
    """What to do about a quote not found: copy it verbatim, or, when it matches once both
    are normalised, which normalisation that is (texts are stored in NFC)."""
    for form, what in (("NFC", "Unicode normalisation (NFC)"),
                       ("NFKC", "compatibility normalisation (NFKC)")):
        if unicodedata.normalize(form, quote) in unicodedata.normalize(form, text):
            return (f"it matches only after {what}: the quote writes some characters "
                    "differently from the text, which is stored in NFC; copy the quote from the text")
    return "copy it verbatim"
