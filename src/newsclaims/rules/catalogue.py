"""The rule catalogue: the YAML declarations in ``checks/<family>.yml``, read and validated.

Each file is a YAML list of rules; see ``docs/rules-authoring.md`` for the format. An entry
``- derive: contract`` stands for the structure rules derived from ``sql/schema.sql``
(``rules.derive``). Each rule's ``test`` names its kind (``rules.kinds``), which says what
its parameters are and what it selects. Loading checks every declaration and reports the
first problem as one line naming the file and the rule."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from newsclaims import contract, derived_cache, project
from newsclaims.errors import InputError
from newsclaims.rules import derive, kinds
from newsclaims.rules.sql_fragments import sql_list

FAMILIES = (
    "structure",
    "provenance",
    "sourcing",
    "dates",
    "figures",
    "geography",
    "entities",
    "cross_source",
    "coverage",
)
SEVERITIES = ("error", "warn")
COMMON_REQUIRED = ("id", "title", "family", "severity", "rationale", "table", "test")
COMMON_OPTIONAL = ("fail_above", "core")
# ``{{measures.<group>}}`` in a rule's SQL: the group's values (contract.MEASURE_GROUPS)
_MEASURES = re.compile(r"\{\{\s*measures\.(\w+)\s*\}\}")


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    family: str
    severity: str
    rationale: str
    table: str
    test: str  # the kind's name (``kinds.KINDS``)
    params: dict = field(default_factory=dict, compare=False, hash=False)
    fail_above: int = 0
    core: bool = False
    source: str = ""  # "checks/<file>.yml"

    @property
    def slug(self) -> str:
        return self.id.split(".", 1)[1]

    @property
    def kind(self) -> kinds.Kind:
        return kinds.get(self.test)

    @property
    def selection(self) -> kinds.Selection:
        """What the rule selects, engine-neutral (``kinds.base``)."""
        return self.kind.select(self)

    def sql_path(self) -> Path:
        """The query file of a ``sql`` rule (``sql/rules/<id>.sql``)."""
        return project.sql_dir() / self.params["file"]

    def to_dict(self) -> dict:
        data = {
            "id": self.id,
            "title": self.title,
            "family": self.family,
            "severity": self.severity,
            "rationale": self.rationale,
            "table": self.table,
            "test": self.test,
            **self.params,
            "fail_above": self.fail_above,
            "core": self.core,
        }
        return data


def _fail(source: str, index: int, rule_id: str | None, what: str) -> InputError:
    name = f" ({rule_id})" if rule_id else ""
    return InputError(f"{source}: rule #{index}{name}: {what}")


def _expand_measures(text: str, fail) -> str:
    def group(match: re.Match) -> str:
        values = contract.MEASURE_GROUPS.get(match.group(1))
        if values is None:
            raise fail(f"unknown measure group '{match.group(1)}' (one of {', '.join(contract.MEASURE_GROUPS)})")
        return sql_list(values)

    return _MEASURES.sub(group, text)


def _parse_rule(raw, source: str, index: int) -> Rule:
    if not isinstance(raw, dict):
        raise _fail(source, index, None, "each entry must be a mapping")
    rule_id = raw.get("id")
    for key in COMMON_REQUIRED:
        if raw.get(key) in (None, ""):
            raise _fail(source, index, rule_id, f"missing key '{key}'")
    test = raw["test"]
    if test not in kinds.KINDS:
        raise _fail(source, index, rule_id, f"unknown test '{test}' (one of {', '.join(kinds.KINDS)})")
    kind = kinds.KINDS[test]
    allowed = set(COMMON_REQUIRED) | set(COMMON_OPTIONAL) | set(kind.required) | set(kind.optional)
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise _fail(source, index, rule_id, f"unknown key(s) {', '.join(unknown)} for test '{test}'")
    for key in kind.required:
        if raw.get(key) in (None, "", []):
            raise _fail(source, index, rule_id, f"test '{test}' needs '{key}'")
    table, _, slug = str(rule_id).partition(".")
    if not slug or table != raw["table"]:
        raise _fail(source, index, rule_id, f"id must be '<table>.<slug>' with table '{raw['table']}'")
    if raw["table"] not in contract.TABLES:
        raise _fail(source, index, rule_id, f"unknown table '{raw['table']}'")
    if raw["family"] not in FAMILIES:
        raise _fail(source, index, rule_id, f"unknown family '{raw['family']}'")
    if raw["severity"] not in SEVERITIES:
        raise _fail(source, index, rule_id, f"severity must be error or warn, not '{raw['severity']}'")
    fail_above = raw.get("fail_above", 0)
    if not isinstance(fail_above, int) or fail_above < 0:
        raise _fail(source, index, rule_id, "fail_above must be a non-negative integer")
    params = {k: raw[k] for k in (*kind.required, *kind.optional) if k in raw}
    for key in ("where", "message"):
        if isinstance(params.get(key), str):
            params[key] = _expand_measures(params[key], lambda what: _fail(source, index, rule_id, what))
    _check_columns(params, raw["table"], lambda what: _fail(source, index, rule_id, what))
    rule = Rule(
        id=rule_id,
        title=raw["title"],
        family=raw["family"],
        severity=raw["severity"],
        rationale=" ".join(str(raw["rationale"]).split()),
        table=raw["table"],
        test=test,
        params=params,
        fail_above=fail_above,
        core=bool(raw.get("core", False)),
        source=source,
    )
    problem = kind.validate(rule)
    if problem:
        raise _fail(source, index, rule_id, problem)
    return rule


def _entries(data: list, source: str):
    """The catalogue file's entries, each ``- derive: ...`` replaced by the rules derived
    from the contract (``rules.derive``), numbered as the file's entries are."""
    for index, raw in enumerate(data, start=1):
        if isinstance(raw, dict) and "derive" in raw:
            extra = sorted(set(raw) - {"derive", "overrides"})
            if extra:
                raise _fail(source, index, None, f"unknown key(s) {', '.join(extra)} beside 'derive'")
            rules, problem = derive.derived(raw["derive"], raw.get("overrides"))
            if problem:
                raise _fail(source, index, None, problem)
            for rule in rules:
                yield rule, index
        else:
            yield raw, index


def _check_columns(params: dict, table: str, fail) -> None:
    """The columns a declaration names (``column``, ``columns``, ``to``) exist in the
    contract: a misspelt column is refused here, not left to fail as SQL at run time."""
    names = params["columns"] if "columns" in params else [params["column"]] if "column" in params else []
    if "columns" in params and not isinstance(names, list):
        raise fail(f"'columns' must be a list of column names, not {names!r}")
    tables = contract.tables()
    for name in names:
        if not isinstance(name, str) or name not in {c.name for c in tables[table].columns}:
            raise fail(f"unknown column {name!r} of table '{table}'")
    if "." in str(params.get("to", "")):  # a 'to' without one: the kind says so
        ref_table, _, ref_column = str(params["to"]).partition(".")
        if ref_table not in tables or ref_column not in {c.name for c in tables[ref_table].columns}:
            raise fail(f"'to' names no column of the contract: '{params['to']}'")


def load_catalogue(checks_dir: Path | None = None) -> list[Rule]:
    """Every rule of ``checks/*.yml``, in file then declaration order."""
    folder = Path(checks_dir) if checks_dir else project.checks_dir()
    rules: list[Rule] = []
    for path in sorted(folder.glob("*.yml")):
        rules.extend(load_file(path))
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise InputError(f"{rule.source}: rule id {rule.id} is also declared in {seen[rule.id]}")
        seen[rule.id] = rule.source
    return rules


def load_file(path: Path) -> list[Rule]:
    """The rules of one catalogue file."""
    source = f"checks/{path.name}"
    text = project.read_text(path)
    data = derived_cache.derived("catalogue", text, lambda: _parse_yaml(text, source),
                                 lambda value: value is None or isinstance(value, list))
    if data is None:
        raise InputError(f"{source}: empty; a catalogue file is a YAML list of rules (delete the "
                         "file to drop its rules)")
    if not isinstance(data, list):
        raise InputError(f"{source}: a catalogue file must be a YAML list of rules")
    return [_parse_rule(raw, source, i) for raw, i in _entries(data, source)]


def _parse_yaml(text: str, source: str):
    """The YAML of a catalogue file (parsed once per version of the file: ``derived_cache``)."""
    import yaml

    try:
        # libyaml's C loader when present (5x faster than the pure-Python one)
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise InputError(f"{source}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
