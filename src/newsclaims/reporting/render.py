"""The three report formats, rendered from a ``ReportData``.

``report.json`` is complete (every rule, every violation, stable key order);
``report.md`` is short, for a pull-request comment; ``report.html`` is one self-contained
page (inline CSS and SVG, a few lines of inline script for the filter, nothing fetched)."""

from __future__ import annotations

import json
from functools import cache

import jinja2
from markupsafe import Markup

from newsclaims.reporting.results import ReportData

REPORT_VERSION = 1
# Example records shown per rule in report.md.
MD_EXAMPLES = 3
# Offending records listed per rule in report.html before the rest are summarised.
HTML_RECORDS = 200


def report_dict(data: ReportData, generated_at: str) -> dict:
    """The JSON report as a dict whose key order is fixed by construction."""
    return {
        "report_version": REPORT_VERSION,
        "status": data.status,
        "run": {
            "database": data.db_path,
            "engines": data.engines,
            "run_at": data.run_at,
            "generated_at": generated_at,
            "dataset_digest": data.dataset_digest,
            "rules_digest": data.rules_digest,
        },
        "summary": data.counts(),
        "rules": [
            {
                "id": r.rule_id,
                "title": r.title,
                "family": r.family,
                "severity": r.severity,
                "table": r.table,
                "status": r.status,
                "outcome": r.outcome,
                "violation_count": r.violation_count,
                "fail_above": r.fail_above,
                "engine": r.engine,
                "rationale": r.rationale,
            }
            for r in data.rules
        ],
        "violations": [
            {
                "rule_id": v.rule_id,
                "severity": v.severity,
                "table": v.table,
                "record_id": v.record_id,
                "message": v.message,
                "quote": v.quote,
                "claimant": v.claimant,
            }
            for v in data.violations
        ],
    }


def render_json(data: ReportData, generated_at: str) -> str:
    return json.dumps(report_dict(data, generated_at), indent=2, ensure_ascii=False) + "\n"


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
    return env


def _attention(data: ReportData):
    """Rules that need a reader's attention: errored, failing, then warnings."""
    order = {"error": 0, "fail": 1, "warn": 2}
    return sorted((r for r in data.rules if r.outcome != "pass"),
                  key=lambda r: (order[r.outcome], r.rule_id))


def render_markdown(data: ReportData, generated_at: str, full_report: str) -> str:
    return _env(False).get_template("report.md.j2").render(
        data=data, counts=data.counts(), attention=_attention(data),
        examples=MD_EXAMPLES, generated_at=generated_at, full_report=full_report,
    )


def render_html(data: ReportData, generated_at: str, panels) -> str:
    return _env(True).get_template("report.html.j2").render(
        data=data, counts=data.counts(), attention=_attention(data),
        max_records=HTML_RECORDS, generated_at=generated_at, panels=panels,
        svg=Markup,  # the chart's SVG comes from our own renderer (matplotlib)
    )
