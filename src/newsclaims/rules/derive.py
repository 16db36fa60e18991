"""Structure rules derived from the contract (``sql/schema.sql``), with stable ids.

A catalogue file names them with one entry (``- derive: contract`` or
``- derive: pandera``), optionally with ``overrides`` per rule id (``severity``, ``title``,
``rationale``, ``fail_above``, ``core``); the derived rules take that entry's place in the
catalogue. Per table, in load order:

| constraint | rule id | kind |
|---|---|---|
| a NOT NULL column (a key's columns too) | ``<table>.<column>_not_null`` | not_null |
| an ENUM column | ``<table>.<column>_accepted`` | accepted_values |
| an id's ``CHECK (regexp_matches(...))`` | ``<table>.<column>_pattern`` | pattern |
| the primary key | ``<table>.<column>_unique`` (``key_unique`` for a composite key) | unique |
| a UNIQUE constraint | ``<table>.<column>_unique`` | unique |
| a foreign key | ``<table>.<column>_exists`` | relationship |
| (``derive: pandera``) the table's pandera model | ``<table>.pandera_schema`` | pandera |
"""

from __future__ import annotations

from newsclaims import contract

SOURCES = ("contract", "pandera")
OVERRIDABLE = ("severity", "title", "rationale", "fail_above", "core")

_PK = "The primary key identifies one record; a duplicate makes every reference to it ambiguous."
_PATTERN = "Ids are lowercase, prefixed and stable forever; the pattern keeps them citable and sortable."
_PANDERA = (
    "The pandera model newsclaims.schemas.{model} is the public, executable description of the "
    "{table} table (dtypes, nullability, enums, id patterns, unique keys, row checks). Running it "
    "on every check keeps the model and the data from drifting apart: a researcher validating a "
    "snapshot with it must get the verdict the release got."
)


def _rule(table: str, slug: str, title: str, rationale: str, test: str, **params) -> dict:
    return {"id": f"{table}.{slug}", "title": title, "family": "structure", "severity": "error",
            "rationale": rationale, "table": table, "test": test, **params}


def _unique_slug(columns: tuple[str, ...]) -> str:
    return f"{columns[0]}_unique" if len(columns) == 1 else "key_unique"


def contract_rules() -> list[dict]:
    """The declarations (as in ``checks/*.yml``) of every constraint of the contract."""
    out: list[dict] = []
    for t in contract.tables().values():
        name = t.name
        out += [_rule(name, f"{c.name}_not_null", f"{name}.{c.name} is set",
                      f"The contract declares {name}.{c.name} NOT NULL.", "not_null", column=c.name)
                for c in t.columns if not c.nullable]
        out += [_rule(name, f"{c.name}_accepted", f"{name}.{c.name} is an accepted value",
                      f"{name}.{c.name} is a closed enumeration; a value outside it has no agreed meaning.",
                      "accepted_values", column=c.name)
                for c in t.columns if c.enum]
        out += [_rule(name, f"{c.name}_pattern", f"{name}.{c.name} follows the id pattern", _PATTERN,
                      "pattern", column=c.name, regex=c.pattern)
                for c in t.columns if c.pattern]
        if t.primary_key:
            out.append(_rule(name, _unique_slug(t.primary_key),
                             f"{name} ({', '.join(t.primary_key)}) is unique", _PK, "unique",
                             columns=list(t.primary_key)))
        out += [_rule(name, _unique_slug(u), f"{name} ({', '.join(u)}) is unique",
                      f"The contract declares {name} ({', '.join(u)}) UNIQUE.", "unique", columns=list(u))
                for u in t.unique]
        out += [_rule(name, f"{fk.columns[0]}_exists",
                      f"{name}.{fk.columns[0]} references an existing {fk.ref_table} record",
                      f"Every reference must resolve: {name}.{fk.columns[0]} points to "
                      f"{fk.ref_table}.{fk.ref_columns[0]}.", "relationship",
                      column=fk.columns[0], to=f"{fk.ref_table}.{fk.ref_columns[0]}")
                for fk in t.foreign_keys if len(fk.columns) == 1]
    return out


def model_name(table: str) -> str:
    """``claim_relays`` -> ``ClaimRelays``: the table's model in ``newsclaims.schemas``."""
    return "".join(part.capitalize() for part in table.split("_"))


def pandera_rules() -> list[dict]:
    return [_rule(t, "pandera_schema",
                  f"{t} conforms to its pandera schema (newsclaims.schemas.{model_name(t)})",
                  _PANDERA.format(model=model_name(t), table=t), "pandera", model=model_name(t))
            for t in contract.tables()]


def derived(source: str, overrides: dict | None = None) -> tuple[list[dict], str | None]:
    """The declarations derived from ``source`` with ``overrides`` applied, or a problem."""
    if source not in SOURCES:
        return [], f"derive: must be one of {', '.join(SOURCES)}, not {source!r}"
    rules = contract_rules() if source == "contract" else pandera_rules()
    overrides = overrides or {}
    if not isinstance(overrides, dict):
        return [], "overrides: must map rule ids to settings"
    by_id = {r["id"]: r for r in rules}
    for rule_id, settings in overrides.items():
        if rule_id not in by_id:
            return [], f"overrides: {rule_id} is not a rule derived from the {source}"
        if not isinstance(settings, dict) or set(settings) - set(OVERRIDABLE):
            return [], f"overrides: {rule_id}: only {', '.join(OVERRIDABLE)} can be overridden"
        by_id[rule_id].update(settings)
    return rules, None
