"""Which rules a run takes: ``--select`` and ``--exclude`` of ``check`` and ``rules``.

A selector is a rule id, a glob over ids (``claims.*``), ``family:<name>``,
``severity:<level>``, ``table:<name>`` or ``core``. Several selectors may be given in one
value, separated by commas or spaces (``--select "core, family:dates"``), or by repeating
the option. A rule is selected when any ``--select`` selector matches it (every rule when
none is given) and no ``--exclude`` selector does. A selector that matches no rule of the
catalogue is refused, with the nearest selectors as suggestions: a typo must not pass
silently as an empty or a full selection."""

from __future__ import annotations

import difflib
import fnmatch
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from newsclaims.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from newsclaims.rules.catalogue import Rule

FIELDS = ("family", "severity", "table")


def split_selectors(values) -> tuple[str, ...]:
    """The selectors of one value or several (``"a,b c"``, ``["a", "b,c"]``), in order,
    without repeats or empty ones."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    found: list[str] = []
    for value in values:
        for part in re.split(r"[\s,]+", str(value)):
            if part and part not in found:
                found.append(part)
    return tuple(found)


@dataclass(frozen=True)
class Selection:
    """A selection as given: the ``--select`` and ``--exclude`` selectors."""

    select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @classmethod
    def of(cls, select=None, exclude=None) -> "Selection":
        if isinstance(select, Selection):
            return cls(select.select, select.exclude + split_selectors(exclude))
        return cls(split_selectors(select), split_selectors(exclude))

    def __bool__(self) -> bool:
        return bool(self.select or self.exclude)

    def __str__(self) -> str:
        """``core, family:dates excluding claims.x`` (``all rules`` when empty)."""
        text = ", ".join(self.select) if self.select else "all rules"
        if self.exclude:
            text += " excluding " + ", ".join(self.exclude)
        return text


def matches(rule: "Rule", selector: str) -> bool:
    if selector == "core":
        return rule.core
    key, sep, value = selector.partition(":")
    if sep and key in FIELDS:
        return getattr(rule, key) == value
    return fnmatch.fnmatchcase(rule.id, selector)


def suggestions(rules: Iterable["Rule"], selector: str, n: int = 3) -> list[str]:
    """The selectors nearest to ``selector`` (``difflib``) that do match a rule."""
    rules = list(rules)
    candidates: list[str] = [r.id for r in rules]
    candidates += sorted({f"{key}:{getattr(r, key)}" for r in rules for key in FIELDS})
    candidates += sorted({f"{r.table}.*" for r in rules})
    if any(r.core for r in rules):
        candidates.append("core")
    return difflib.get_close_matches(selector, candidates, n=n, cutoff=0.8)


def _matched(rules: list["Rule"], selectors: tuple[str, ...], option: str) -> set[str]:
    chosen: set[str] = set()
    for selector in selectors:
        matched = [r.id for r in rules if matches(r, selector)]
        if not matched:
            near = suggestions(rules, selector)
            hint = f"; did you mean {' or '.join(near)}?" if near else ""
            raise InputError(f"{option} {selector}: matches no rule of the catalogue{hint}")
        chosen.update(matched)
    return chosen


def select_rules(rules: list["Rule"], select=None, exclude=None) -> list["Rule"]:
    """The rules of ``rules`` (in their order) that a selector of ``select`` matches (every
    rule when there is none) and no selector of ``exclude`` does. ``select`` may be a
    ``Selection``, a string of selectors separated by commas or spaces, or a list of such
    strings. A selector that matches nothing is an ``InputError`` naming the nearest
    selectors; so is a selection that ``exclude`` leaves empty."""
    selection = Selection.of(select, exclude)
    if not selection:
        return list(rules)
    chosen = _matched(rules, selection.select, "--select") if selection.select else {r.id for r in rules}
    dropped = _matched(rules, selection.exclude, "--exclude")
    kept = [r for r in rules if r.id in chosen and r.id not in dropped]
    if not kept:
        raise InputError(f"--exclude {' '.join(selection.exclude)}: leaves no rule of the selection "
                         f"{', '.join(selection.select) or 'all rules'}")
    return kept
