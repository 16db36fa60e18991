"""The project's ``registry.toml``: where its releases are published (``[registry] url``) and
the public key that signs them (``[signing] public_key``, ``key_id``).

It ships with the repository (top level) and the package (``newsclaims/_project``), so a
researcher gets the address and the key from the project's own history rather than from
the registry the key is meant to check. ``pull`` falls back to it when given no ``--from``
and no trusted key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from newsclaims import project
from newsclaims.errors import InputError

NAME = "registry.toml"


@dataclass(frozen=True)
class Declaration:
    url: str
    public_key: str
    key_id: str


def declaration_path() -> Path | None:
    path = project.root() / NAME
    return path if path.is_file() else None


def read(path: Path) -> Declaration:
    """The declaration in ``path``; a malformed file is one line naming it."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: not a readable registry declaration ({exc})") from None
    registry, signing = data.get("registry", {}), data.get("signing", {})
    values = {"url": registry.get("url", ""), "public_key": signing.get("public_key", ""),
              "key_id": signing.get("key_id", "")}
    for name, value in values.items():
        if not isinstance(value, str):
            raise InputError(f"{path}: {name} is not a string")
    return Declaration(**{k: v.strip() for k, v in values.items()})


def declared_registry() -> str | None:
    """The declared registry address, or ``None`` when none is declared yet."""
    path = declaration_path()
    if path is None:
        return None
    return read(path).url or None
