"""The rule catalogue: the YAML declarations in ``checks/<family>.yml``, read and validated.

Each file is a YAML list of rules; see ``docs/rules-authoring.md`` for the format. Loading
checks every declaration and reports the first problem as one line naming the file and
the rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from newsclaims import contract, derived_cache, project
from newsclaims.errors import InputError
from newsclaims.rules.selection import select_rules  # noqa: F401  (re-exported)

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
# kind -> (required keys, optional keys)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "not_null": (("column",), ()),
    "accepted_values": (("column",), ("values",)),
    "unique": (("columns",), ()),
    "relationship": (("column", "to"), ()),
    "pattern": (("column", "regex"), ()),
    "row": (("where", "message"), ("uses",)),
    "sql": (("file",), ()),
    "pandera": (("model",), ()),  # the table's pandera model, newsclaims.schemas.<model>
}
COMMON_REQUIRED = ("id", "title", "family", "severity", "rationale", "table", "test")
COMMON_OPTIONAL = ("fail_above", "core")


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    family: str
    severity: str
    rationale: str
    table: str
    test: str
    params: dict = field(default_factory=dict, compare=False, hash=False)
    fail_above: int = 0
    core: bool = False
    source: str = ""  # "checks/<file>.yml"

    @property
    def slug(self) -> str:
        return self.id.split(".", 1)[1]

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


def _parse_rule(raw, source: str, index: int) -> Rule:
    if not isinstance(raw, dict):
        raise _fail(source, index, None, "each entry must be a mapping")
    rule_id = raw.get("id")
    for key in COMMON_REQUIRED:
        if raw.get(key) in (None, ""):
            raise _fail(source, index, rule_id, f"missing key '{key}'")
    test = raw["test"]
    if test not in KINDS:
        raise _fail(source, index, rule_id, f"unknown test '{test}' (one of {', '.join(KINDS)})")
    required, optional = KINDS[test]
    allowed = set(COMMON_REQUIRED) | set(COMMON_OPTIONAL) | set(required) | set(optional)
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise _fail(source, index, rule_id, f"unknown key(s) {', '.join(unknown)} for test '{test}'")
    for key in required:
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
    params = {k: raw[k] for k in (*required, *optional) if k in raw}
    if test == "sql" and not (project.sql_dir() / params["file"]).is_file():
        raise _fail(source, index, rule_id, f"query file sql/{params['file']} does not exist")
    if test == "relationship" and "." not in str(params["to"]):
        raise _fail(source, index, rule_id, "'to' must be 'table.column'")
    _check_columns(params, raw["table"], lambda what: _fail(source, index, rule_id, what))
    return Rule(
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
    if "to" in params:
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
    return [_parse_rule(raw, source, i) for i, raw in enumerate(data, start=1)]


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
