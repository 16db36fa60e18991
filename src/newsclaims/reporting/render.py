"""``report.md`` and ``report.html``, rendered from a ``ReportData``.

``report.md`` is short, for a pull-request comment; ``report.html`` is one self-contained
page (inline CSS and SVG, a few lines of inline script for the filter, nothing fetched).
Both list only the first records of each rule, with the total and the SQL that gives
the complete list; ``report.json`` (``json_report``) holds every record."""

from __future__ import annotations

import re
from functools import cache

import jinja2
from markupsafe import Markup

from newsclaims.errors import printable
from newsclaims.reporting.results import EXAMPLES_PER_RULE, ReportData

# Example records shown per rule in report.md.
MD_EXAMPLES = 3
# Offending records listed per rule in report.html before the rest are summarised.
HTML_RECORDS = EXAMPLES_PER_RULE


def violations_query(rule_id: str) -> str:
    """The SQL that lists every offending record of a rule in a checked database."""
    quoted = rule_id.replace("'", "''")
    return f"SELECT * FROM dq_violations WHERE rule_id = '{quoted}' ORDER BY record_id;"


def _one_line(value) -> str:
    """A value on one line: whitespace runs (newlines too) as one space, control and
    bidirectional characters as ``?`` (``errors.printable``)."""
    return printable(" ".join(("" if value is None else str(value)).split()))


# What CommonMark (and GitHub: ``$`` math, ``~`` strike-through) reads as markup inside a
# line; each is shown as itself when preceded by a backslash.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~&$])")


def _md_text(value) -> str:
    """A value as plain Markdown text: one line, every markup character escaped (no
    heading, list, link, emphasis, HTML or comment can start inside it)."""
    return _MD_SPECIAL.sub(r"\\\1", _one_line(value))


def _md_cell(value) -> str:
    """A value in a Markdown table cell (``|`` escaped with the rest)."""
    return _md_text(value)


def md_code(value, width: int | None = None, in_table: bool = False) -> str:
    """A value from the data as a Markdown code span: shown literally (no markup, HTML,
    math, mention or link inside a code span), on one line, shortened to ``width``
    characters. The fence is one backtick longer than any run of backticks inside. In a
    table cell (``in_table``) ``|`` is escaped: GitHub splits a table row at a ``|`` even
    inside a code span, and reads ``\\|`` there as ``|``."""
    text = _one_line(value)
    if width is not None:
        text = _shorten(text, width)
    if not text:
        return "(empty)"
    fence = "`" * (1 + max((len(run) for run in re.findall("`+", text)), default=0))
    pad = " " if text.startswith("`") or text.endswith("`") or fence != "`" else ""
    if in_table:
        text = text.replace("|", "\\|")
    return fence + pad + text + pad + fence


def _shorten(value, width: int = 90) -> str:
    text = " ".join(str(value or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _shown(value):
    """Every value a template prints, before it is escaped for HTML: no control or
    bidirectional character of the data reaches the page (``errors.printable``); the
    chart's SVG (``Markup``, from our own renderer) is left as it is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value, newlines=True)
    return value


@cache
def _env(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("newsclaims.reporting", "templates"),
        autoescape=autoescape,
        finalize=_shown,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md_cell"] = _md_cell
    env.filters["md_text"] = _md_text
    env.filters["md_code"] = md_code
    env.filters["shorten"] = _shorten
    env.filters["thousands"] = "{:,}".format
    env.globals["violations_query"] = violations_query
    return env


def _attention(data: ReportData):
    """Rules that need a reader's attention: errored, failing, then warnings."""
    order = {"error": 0, "fail": 1, "warn": 2}
    return sorted((r for r in data.rules if r.outcome in order),
                  key=lambda r: (order[r.outcome], r.rule_id))


def render_markdown(data: ReportData, generated_at: str, full_report: str) -> str:
    return _env(False).get_template("report.md.j2").render(
        data=data, counts=data.counts(), attention=_attention(data),
        examples=MD_EXAMPLES, html_records=HTML_RECORDS, generated_at=generated_at,
        full_report=full_report,
    )


def render_html(data: ReportData, generated_at: str, panels) -> str:
    return _env(True).get_template("report.html.j2").render(
        data=data, counts=data.counts(), attention=_attention(data),
        max_records=HTML_RECORDS, generated_at=generated_at, panels=panels, chart=data.chart,
        svg=Markup,  # the chart's SVG comes from our own renderer (matplotlib)
    )
