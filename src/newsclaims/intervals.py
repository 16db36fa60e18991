"""A figure's interval (``value_low``, ``value_high``) from its qualifier and stated value.

``RULES`` is the single definition (``docs/curation.md`` shows the same table; rules and
generated docs cite it from here). ``None`` is an unbounded side. ``about`` bounds nothing
on purpose: "about 7,000" states a centre, not an interval.
"""

from __future__ import annotations

from collections.abc import Callable


class IntervalError(ValueError):
    """Qualifier and stated value do not go together."""


# qualifier -> (value_low, value_high) as functions of the stated value v, with the
# formula as text for docs.
RULES: dict[str, tuple[Callable[[int], int | None], Callable[[int], int | None], str, str]] = {
    "exact": (lambda v: v, lambda v: v, "v", "v"),
    "at_least": (lambda v: v, lambda v: None, "v", "NULL"),
    "more_than": (lambda v: v + 1, lambda v: None, "v + 1", "NULL"),
    "about": (lambda v: None, lambda v: None, "NULL", "NULL"),
    "at_most": (lambda v: 0, lambda v: v, "0", "v"),
    "fewer_than": (lambda v: 0, lambda v: v - 1, "0", "v - 1"),
    "unspecified": (lambda v: None, lambda v: None, "NULL", "NULL"),
}

# The qualifier that takes no stated value (and the only one).
WITHOUT_VALUE = "unspecified"


def interval(qualifier: str, stated_value: int | None) -> tuple[int | None, int | None]:
    """``(value_low, value_high)``; ``IntervalError`` for an impossible combination."""
    if qualifier not in RULES:
        raise IntervalError(f"unknown qualifier {qualifier!r}")
    if qualifier == WITHOUT_VALUE:
        if stated_value is not None:
            raise IntervalError(
                f"qualifier unspecified takes no stated_value (got {stated_value}); "
                "remove it or pick the qualifier the text uses"
            )
        return None, None
    if stated_value is None:
        raise IntervalError(f"qualifier {qualifier} needs a stated_value (or use qualifier: unspecified)")
    if qualifier == "fewer_than" and stated_value < 1:
        raise IntervalError(f"fewer_than {stated_value} allows no count")
    low, high, _, _ = RULES[qualifier]
    return low(stated_value), high(stated_value)


def rule_table() -> list[tuple[str, str, str]]:
    """``(qualifier, value_low, value_high)`` formulas, for docs."""
    return [(q, lo, hi) for q, (_, _, lo, hi) in RULES.items()]
