"""pandera's failure cases as one-line messages a curator can act on.

Each message names the file and line, the record (``claim clm-0003``; a composite key
joined by ``|``), the column and the bad value: ``dataset/claims/doc-0001.yml:20: claim
clm-0003: topic: 'intents' is not one of: ...``. ``first_problem`` makes the one
``InputError`` line the build raises, with "(and N more problems)".
"""

from __future__ import annotations

import polars as pl

from newsclaims import contract
from newsclaims.errors import InputError
from newsclaims.source_values import Misfit, describe_value, fit_value

# Singular record names, for messages ("claim clm-0003").
RECORD_NAMES: dict[str, str] = {
    "countries": "country",
    "actors": "actor",
    "actor_aliases": "actor alias",
    "places": "place",
    "place_aliases": "place alias",
    "documents": "document",
    "incidents": "incident",
    "claims": "claim",
    "claim_relays": "relay",
    "claim_links": "link",
    "figures": "figure",
}



def record_label(table: str, frame: pl.DataFrame, index: int) -> str:
    """``claim clm-0003``: the record name and its key (composite keys joined by ``|``)."""
    values = [frame[index, c] for c in contract.tables()[table].primary_key]
    # a key of the wrong type (``true``, a list) is reported on its own; the label shows "?"
    key = "|".join("?" if v is None or isinstance(v, (bool, list, dict)) else str(v) for v in values)
    return f"{RECORD_NAMES[table]} {key}"


def _where(frame: pl.DataFrame, index: int) -> tuple[str, int]:
    return frame[index, "_file"], frame[index, "_line"]


def _value(frame: pl.DataFrame, index: int, column: str):
    return frame[index, column] if column in frame.columns else None


_BOUNDS = {
    "greater_than_or_equal_to": ">=",
    "less_than_or_equal_to": "<=",
    "greater_than": ">",
    "less_than": "<",
}


# Patterns with a name for messages (``schemas`` registers them): "is not <words>".
PATTERN_WORDS: dict[str, str] = {}


def _explain_check(check: str, value) -> str:
    shown = describe_value(value) if value is not None else "null"
    if check == "not_nullable":
        return "is required but missing (or null)"
    if check.startswith("isin("):
        allowed = check[len("isin(") : -1].strip("[]").replace("'", "")
        return f"{shown} is not one of: {allowed}"
    if check.startswith("str_matches("):
        pattern = check[len("str_matches(") : -1]
        if pattern.strip("'\"") in PATTERN_WORDS:
            return f"{shown} is not {PATTERN_WORDS[pattern.strip(chr(39) + chr(34))]}"
        return f"{shown} does not match the pattern {check[len('str_matches(') : -1]}"
    if check.startswith("str_length("):
        return f"{shown} is empty"
    for name, word in _BOUNDS.items():
        if check.startswith(name + "("):
            return f"must be {word} {check[len(name) + 1 : -1]}, got {value}"
    return f"{shown} fails {check}"


def describe_failures(
    table: str,
    frame: pl.DataFrame,
    cases: pl.DataFrame,
    *,
    column_types: dict[str, pl.DataType],
    unique_key: list[str],
    check_messages: dict[str, str],
) -> list[str]:
    """One line per distinct problem in pandera's failure cases (``lazy=True``), in file
    order, type problems first (a column of the wrong type breaks the checks on it).

    ``column_types`` are the dtypes the frame's columns should have, ``unique_key`` the
    model's composite unique key, ``check_messages`` the meaning of dataframe checks."""
    problems: list[tuple[tuple, str]] = []
    bad_dtype = set()
    for case in cases.filter(pl.col("check").str.starts_with("dtype(")).iter_rows(named=True):
        column = case["column"]
        bad_dtype.add(column)
        dtype = column_types.get(column)
        if dtype is None or column not in frame.columns:
            problems.append(((0, 0), f"{RECORD_NAMES[table]} records: {column}: {case['check']}"))
            continue
        for i, value in enumerate(frame[column].to_list()):
            try:
                fit_value(value, dtype)
            except Misfit as exc:
                file, line = _where(frame, i)
                problems.append(((0, i), f"{file}:{line}: {record_label(table, frame, i)}: {column}: {exc}"))
    seen_dups: dict[tuple, int] = {}
    others = cases.filter(~pl.col("check").str.starts_with("dtype(")).sort("index", nulls_last=True, maintain_order=True)
    for case in others.iter_rows(named=True):
        column, check, index = case["column"], case["check"], case["index"]
        if index is None:
            if column in bad_dtype or case["schema_context"] == "DataFrameSchema" and bad_dtype:
                continue  # a consequence of a column of the wrong type
            problems.append(((1, 0), f"{RECORD_NAMES[table]} records: {column}: {check}: {case['failure_case']}"))
            continue
        file, line = _where(frame, index)
        label = record_label(table, frame, index)
        if check in ("field_uniqueness", "multiple_fields_uniqueness"):
            key_cols = [column] if check == "field_uniqueness" else unique_key
            key = (check, column, tuple(frame[index, c] for c in key_cols))
            if key not in seen_dups:
                seen_dups[key] = index
                continue
            first_file, first_line = _where(frame, seen_dups[key])
            what = f"duplicate {column}" if check == "field_uniqueness" else f"duplicate ({', '.join(key_cols)})"
            problems.append(((2, index), f"{file}:{line}: {label}: {what}, first at {first_file}:{first_line}"))
        elif case["schema_context"] == "DataFrameSchema":
            problems.append(((2, index), f"{file}:{line}: {label}: {check_messages.get(check, check)}"))
        else:
            value = _value(frame, index, column)
            problems.append(((2, index), f"{file}:{line}: {label}: {column}: {_explain_check(check, value)}"))
    problems.sort(key=lambda p: p[0])
    return [message for _, message in problems]


def first_problem(messages: list[str]) -> InputError:
    """One ``InputError`` line: the first message, and how many more there are."""
    more = len(messages) - 1
    return InputError(messages[0] + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""))
