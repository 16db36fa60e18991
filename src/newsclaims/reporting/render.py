"""``report.md`` and ``report.html``, rendered from a ``ReportData``.

``report.md`` is short, for a pull-request comment; ``report.html`` is one self-contained
page (inline CSS and SVG, a few lines of inline script for the filter, nothing fetched).
Both list only the first records of each rule, with the total and the SQL that gives
the complete list; ``report.json`` (``json_report``) holds every record."""

from __future__ import annotations

from functools import cache

import jinja2
from markupsafe import Markup

from newsclaims.reporting.results import EXAMPLES_PER_RULE, ReportData

# Example records shown per rule in report.md.
MD_EXAMPLES = 3
# Offending records listed per rule in report.html before the rest are summarised.
HTML_RECORDS = EXAMPLES_PER_RULE


def violations_query(rule_id: str) -> str:
    """The SQL that lists every offending record of a rule in a checked database."""
    quoted = rule_id.replace("'", "''")
    return f"SELECT * FROM dq_violations WHERE rule_id = '{quoted}' ORDER BY record_id;"


def _md_cell(value) -> str:
    text = "" if value is None else str(value)
    return " ".join(text.replace("|", "\\|").split())


def _shorten(value, width: int = 90) -> str:
    text = " ".join(str(value or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


@cache
def _env(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("newsclaims.reporting", "templates"),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md_cell"] = _md_cell
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
