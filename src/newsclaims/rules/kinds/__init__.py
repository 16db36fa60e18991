"""Rule kinds, registered by name: one module per kind (``checks/*.yml``'s ``test:``).

A new kind is one new module in this package: a ``Kind`` subclass decorated with
``@register`` (every module here is imported; see docs/rules-authoring.md, "A new kind"). Every engine runs it from its selection
(``base``), the generated catalogue describes it, GX exports it and the defect recipes
break it."""

from __future__ import annotations

import importlib
import pkgutil

from newsclaims.rules.kinds.base import (
    BatchRows, ChildrenOf, Defect, Footprint, GroupedQuery, GxForm, Kind, MissingReference, PanderaModel,
    RepeatedKey, RowFilter, Scoped, Selection, SharingKey, SharingKeys, Whole, footprint_of,
)

KINDS: dict[str, Kind] = {}


def register(cls: type[Kind]) -> type[Kind]:
    """Register a kind under its ``name`` (a class decorator)."""
    if cls.name in KINDS:
        raise ValueError(f"rule kind {cls.name!r} is registered twice")
    KINDS[cls.name] = cls()
    return cls


def get(name: str) -> Kind:
    return KINDS[name]


def _register_modules() -> None:
    """Import every module of this package: each registers its kind."""
    for info in pkgutil.iter_modules(__path__):
        if info.name != "base":
            importlib.import_module(f"{__name__}.{info.name}")


_register_modules()

__all__ = ["KINDS", "BatchRows", "ChildrenOf", "Footprint", "Scoped", "SharingKey", "SharingKeys", "Whole", "footprint_of", "Defect", "GroupedQuery", "GxForm", "Kind", "MissingReference", "PanderaModel",
           "RepeatedKey", "RowFilter", "Selection", "get", "register"]
