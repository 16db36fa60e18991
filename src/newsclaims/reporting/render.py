"""``report.md`` and ``report.html``, rendered from a ``ReportData``.

``report.md`` is short, for a pull-request comment; ``report.html`` is one self-contained
page (inline CSS and SVG, a few lines of inline script for the filter, nothing fetched).
Both list only the first records of each rule, with the total and the SQL that gives
the complete list; ``report.json`` (``json_report``) holds every record."""

from __future__ import annotations

import math
from functools import cache

import jinja2
from markupsafe import Markup

from newsclaims.errors import printable
from newsclaims.markdown import md_code, md_text, shorten
from newsclaims.reporting.results import EXAMPLES_PER_RULE, ReportData
from newsclaims.reporting.rows import has_null_key

# Example records shown per rule in report.md, for its first rules needing attention (a
# pull-request comment holds at most 65,536 characters: at 1M claims, with 161 rules
# failing, 3 records of each made 87 KB).
MD_EXAMPLES = 3
MD_EXAMPLE_RULES = 20
# Offending records listed per rule in report.html before the rest are summarised.
HTML_RECORDS = EXAMPLES_PER_RULE
# Rules whose records are shown open in report.html (the first ones needing attention);
# the others' are folded (opened by a click or a link to the rule): the page's height
# follows the number of rules, not the number of offending records.
HTML_OPEN_RULES = 10
# Characters of one value (a message, a quote, a name) shown in a cell of report.html.
CELL_CHARS = 600
# Characters of a record id in report.md.
MD_ID_CHARS = 80


def violations_query(rule_id: str) -> str:
    """The SQL that lists every offending record of a rule in a checked database."""
    quoted = rule_id.replace("'", "''")
    return f"SELECT * FROM dq_violations WHERE rule_id = '{quoted}' ORDER BY record_id;"


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
    env.filters["md_cell"] = md_text  # a table cell: "|" escaped with the rest
    env.filters["md_text"] = md_text
    env.filters["md_code"] = md_code
    env.filters["shorten"] = shorten
    env.filters["thousands"] = "{:,}".format
    env.filters["share"] = share_text
    env.filters["clip"] = clip
    env.globals["violations_query"] = violations_query
    return env


_ORDER = {"error": 0, "fail": 1, "warn": 2, "pass": 3, "skipped": 4}


def _attention(data: ReportData):
    """Rules that need a reader's attention: errored, failing, then warnings."""
    return [r for r in _in_order(data) if r.outcome in ("error", "fail", "warn")]


def _in_order(data: ReportData):
    """Every rule: errored, failing, warnings, passed, skipped; by id within each."""
    return sorted(data.rules, key=lambda r: (_ORDER.get(r.outcome, 5), r.rule_id))


def share_text(share: float | None) -> str:
    """A rule's share of failing rows, in per cent with two significant digits and never
    in exponent form: ``0 %``, ``0.00010 %`` (1 row in 10 million), ``2.9 %``, ``29 %``,
    ``-`` (no rows, or the rule did not run)."""
    if share is None:
        return "-"
    if share == 0:
        return "0 %"
    percent = share * 100
    digits = max(0, 1 - math.floor(math.log10(percent)))
    return f"{percent:.{digits}f} %"


def clip(value, width: int = CELL_CHARS) -> str:
    """A value from the data in a page's cell: at most ``width`` characters (the whole
    value is in violations.jsonl), so that one huge value cannot make the page huge."""
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _record_label(data: ReportData):
    """A record as the reports name it: its id, or where it is when its key is NULL."""
    def label(v) -> str:
        if has_null_key(v.table, v.record_id) and v.table in data.null_keys:
            return data.null_keys[v.table].locator()
        return v.record_id or "(no id)"
    return label


def _origin(data: ReportData):
    """A listed record's source file and line in ``dataset/`` (``reporting.origins``), or
    ``""``."""
    return lambda v: data.origins.get((v.table, v.record_id), "")


def _selection_text(data: ReportData) -> str:
    """``selection core: 15 of 163 rules`` for a run of some rules only, else ``""``."""
    if not data.selection:
        return ""
    of = (f" of {data.selection['catalogue_rules']}"
          if data.selection.get("catalogue_rules") else "")
    return (f"selection {' '.join(data.selection['select'])}: "
            f"{data.selection['rules_run']}{of} rules")


def render_markdown(data: ReportData, generated_at: str, full_report: str) -> str:
    return _env(False).get_template("report.md.j2").render(
        data=data, counts=data.counts(), attention=_attention(data),
        examples=MD_EXAMPLES, example_rules=MD_EXAMPLE_RULES, html_records=HTML_RECORDS,
        id_chars=MD_ID_CHARS,
        generated_at=generated_at,
        full_report=full_report, record_label=_record_label(data), origin=_origin(data),
        selection=_selection_text(data),
    )


def render_html(data: ReportData, generated_at: str, panels) -> str:
    attention = _attention(data)
    return _env(True).get_template("report.html.j2").render(
        data=data, counts=data.counts(), attention=attention, rules=_in_order(data),
        opened={r.rule_id for r in attention[:HTML_OPEN_RULES]},
        max_records=HTML_RECORDS, generated_at=generated_at, panels=panels, chart=data.chart,
        record_label=_record_label(data), origin=_origin(data), selection=_selection_text(data),
        svg=Markup,  # the chart's SVG comes from our own renderer (matplotlib)
    )
