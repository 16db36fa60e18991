"""Text from the data written into Markdown: shown literally, never read as markup.

Used wherever a data value lands in Markdown (``report.md``, a release's ``CHANGELOG.md``):
a code span on one line (``md_code``), or plain text with every markup character escaped
(``md_text``); control and bidirectional characters are shown as ``?``
(``errors.printable``)."""

from __future__ import annotations

import re

from newsclaims.errors import printable


def _one_line(value) -> str:
    """A value on one line: whitespace runs (newlines too) as one space, control and
    bidirectional characters as ``?`` (``errors.printable``)."""
    return printable(" ".join(("" if value is None else str(value)).split()))


# What CommonMark (and GitHub: ``$`` math, ``~`` strike-through) reads as markup inside a
# line; each is shown as itself when preceded by a backslash.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~&$])")


def md_text(value) -> str:
    """A value as plain Markdown text: one line, every markup character escaped (no
    heading, list, link, emphasis, HTML or comment can start inside it)."""
    return _MD_SPECIAL.sub(r"\\\1", _one_line(value))


def md_code(value, width: int | None = None, in_table: bool = False) -> str:
    """A value from the data as a Markdown code span: shown literally (no markup, HTML,
    math, mention or link inside a code span), on one line, shortened to ``width``
    characters. The fence is one backtick longer than any run of backticks inside. In a
    table cell (``in_table``) ``|`` is escaped: GitHub splits a table row at a ``|`` even
    inside a code span, and reads ``\\|`` there as ``|``."""
    text = _one_line(value)
    if width is not None:
        text = shorten(text, width)
    if not text:
        return "(empty)"
    fence = "`" * (1 + max((len(run) for run in re.findall("`+", text)), default=0))
    pad = " " if text.startswith("`") or text.endswith("`") or fence != "`" else ""
    if in_table:
        text = text.replace("|", "\\|")
    return fence + pad + text + pad + fence


def shorten(value, width: int = 90) -> str:
    text = " ".join(str(value or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"
