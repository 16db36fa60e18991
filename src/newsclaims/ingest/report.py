"""An ingest's report: ``ingest.json`` (every rule's change and the offending records of the
rules that block the gate) and ``ingest.md`` (the same, readable), written atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path


def document(run) -> dict:
    return {
        "db": run.db, "batch": run.batch, "published": run.published, "fail_on": run.fail_on,
        "run_at": run.run_at.isoformat(), "seconds": run.seconds, "rows": run.rows, "replaced": run.replaced,
        "note": "a batch is refused only for violations it adds; violations already there before "
                "the batch are listed as 'before' and do not refuse it",
        "rules": [{
            "rule_id": c.rule_id, "severity": c.severity, "before": c.before, "after": c.after,
            "added": c.added, "fixed": c.fixed, "blocks_gate": c.blocking, "refuses": c.refuses,
            "evaluated": c.evaluated, "footprint": c.footprint,
            "records": [{"record_id": r, "message": m, "when": w} for r, m, w in c.records],
        } for c in run.changes if c.evaluated != "untouched" or c.blocking],
        "seconds_per_family": {k: round(v, 4) for k, v in run.timings.items()},
        "seconds_per_phase": run.phases,
        "lookup_indexes_built": run.indexes_built,
    }


def markdown(doc: dict) -> str:
    verdict = "published" if doc["published"] else "REFUSED (the database is unchanged)"
    lines = [f"# Ingest of {doc['batch']}", "", f"{verdict}; gate level {doc['fail_on']}. {doc['note']}.", "",
             "| rule | severity | before | after | added | fixed | evaluated | refuses |",
             "|---|---|---|---|---|---|---|---|"]
    for r in doc["rules"]:
        lines.append(f"| {r['rule_id']} | {r['severity']} | {r['before']} | {r['after']} | {r['added']} | "
                     f"{r['fixed']} | {r['evaluated']} | {'yes' if r['refuses'] else ''} |")
    for r in doc["rules"]:
        if r["records"]:
            lines += ["", f"## {r['rule_id']}", ""]
            lines += [f"- `{x['record_id']}` ({x['when']}): {x['message']}" for x in r["records"]]
    return "\n".join(lines) + "\n"


def write_report(run, folder) -> dict[str, Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    doc = document(run)
    out = {}
    for name, text in (("ingest.json", json.dumps(doc, indent=2, ensure_ascii=False)), ("ingest.md", markdown(doc))):
        path = folder / name
        tmp = folder / f".{name}.{os.getpid()}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        out[name] = path
    return out
