"""Values of the source files and the column types they must fit.

A curator's value fits its column strictly: YAML's ``yes``/``no`` (booleans), a number
where text is expected or text where a number is expected are mistakes to report, not
to coerce. ``describe_value`` words a value for a one-line message.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

_INT_RE = re.compile(r"^[+-]?[0-9]+$")
_FLOAT_RE = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_INT_RANGE = {pl.Int32(): (-(2**31), 2**31 - 1), pl.Int64(): (-(2**63), 2**63 - 1)}


class Misfit(ValueError):
    """A value that does not fit its column's type."""


def type_word(dtype: pl.DataType) -> str:
    if dtype == pl.String():
        return "text"
    if dtype.is_integer():
        return "an integer"
    if dtype == pl.Float64():
        return "a number"
    if dtype == pl.Date():
        return "a date (YYYY-MM-DD)"
    return str(dtype)


def fit_value(value, dtype: pl.DataType):
    """``value`` as the Python value of a ``dtype`` column, or ``Misfit``.

    Strict on purpose: YAML's ``yes``/``no`` (booleans), a number where text is expected
    or text where a number is expected are mistakes to report, not to coerce. A date may
    be written as a YAML date or as an ISO ``YYYY-MM-DD`` string."""
    if value is None:
        return None
    if dtype == pl.String():
        if isinstance(value, str):
            return value
    elif dtype.is_integer():
        if isinstance(value, int) and not isinstance(value, bool):
            low, high = _INT_RANGE[dtype]
            if low <= value <= high:
                return value
    elif dtype == pl.Float64():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif dtype == pl.Date():
        if type(value) is dt.date:
            return value
        if isinstance(value, str) and _DATE_RE.match(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
    raise Misfit(f"expected {type_word(dtype)}, got {describe_value(value)}")


def describe_value(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a YAML boolean; quote it if it is text)"
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "a mapping"
    if isinstance(value, dt.datetime):
        return f"{value.isoformat(sep=' ')} (a date with a time)"
    if isinstance(value, dt.date):
        return f"{value.isoformat()} (a date)"
    if isinstance(value, str):
        return repr(value)
    return f"{value!r} (a number)"


def from_csv_text(text: str, dtype: pl.DataType):
    """A CSV cell as a typed value where it parses; otherwise the text, left to misfit."""
    if text == "":
        return None
    if dtype.is_integer() and _INT_RE.match(text):
        return int(text)
    if dtype == pl.Float64() and _FLOAT_RE.match(text):
        return float(text)
    return text
