"""Ed25519 keys and signatures over a release's ``manifest.json``.

The signature file ``manifest.json.sig`` holds the 64 raw signature bytes over the
manifest's exact bytes; ``openssl pkeyutl -verify -rawin -pubin`` can check it too.

The public key a researcher trusts is configured on their side, never read from a
registry: ``--trust-key PUBFILE``, else ``NEWSCLAIMS_TRUSTED_KEY`` (a path), else
``trusted_key.pub`` in the user's config folder (``~/.config/newsclaims`` on Linux), else
the key the project declares in its ``registry.toml`` (shipped with the repository and the
package).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from newsclaims.errors import InputError, IntegrityError
from newsclaims.folders import make_folders

SIGNING_KEY_ENV = "NEWSCLAIMS_SIGNING_KEY"
TRUSTED_KEY_ENV = "NEWSCLAIMS_TRUSTED_KEY"
TRUSTED_KEY_FILE = "trusted_key.pub"
DECLARATION = "registry.toml"  # the project's declared registry and public key


def config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("newsclaims"))


def keygen(out: Path) -> tuple[Path, Path]:
    """Write a new Ed25519 private key (PEM, mode 0600) to ``out`` and its public key to
    ``out.pub``. Refuses to overwrite either file. Missing parent folders are made with
    mode 0700 (the key is secret); a parent path that is a file is refused."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    out = Path(out)
    if not out.name or out.is_dir():
        raise InputError(f"{out}: give the path of a key file to create, not a folder")
    pub = out.with_name(out.name + ".pub")
    for path in (out, pub):
        if os.path.lexists(path):  # a dangling symbolic link too
            raise InputError(f"{path}: already exists; keys are never overwritten, pick another path")
    make_folders(out.parent, mode=0o700)  # keys are secret
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private_pem)
    os.chmod(out, 0o600)
    pub.write_bytes(public_pem)
    return out, pub


def _load_private(path: Path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except FileNotFoundError:
        raise InputError(f"{path}: signing key not found (make one with `newsclaims keygen`)") from None
    except (ValueError, TypeError) as exc:
        raise InputError(f"{path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{path}: not an Ed25519 private key")
    return key


def load_public(path: Path):
    """The Ed25519 public key in the PEM file ``path``, or declared in ``path`` when it is
    the project's ``registry.toml`` (``[signing] public_key``, checked against its
    ``key_id``)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    path = Path(path)
    declared_id = None
    try:
        if path.name == DECLARATION:
            from newsclaims.declaration import read

            declared = read(path)
            pem, declared_id = declared.public_key.encode(), declared.key_id
            path = Path(f"{path} [signing] public_key")
        else:
            pem = path.read_bytes()
        key = serialization.load_pem_public_key(pem)
    except FileNotFoundError:
        raise InputError(f"{path}: trusted public key not found") from None
    except ValueError as exc:
        raise InputError(f"{path}: not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"{path}: not an Ed25519 public key")
    if declared_id and key_id(key) != declared_id:
        raise InputError(f"{path}: its key id is {key_id(key)}, the declared key_id is "
                         f"{declared_id}; one of them was copied wrong")
    return key


def key_id(public_key) -> str:
    """A short fingerprint: the first 16 hex digits of SHA-256 over the raw public key."""
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def signing_key_path(explicit: str | os.PathLike | None) -> Path | None:
    """``--key``, else ``NEWSCLAIMS_SIGNING_KEY``, else None (an unsigned release)."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(SIGNING_KEY_ENV)
    return Path(env) if env else None


def signer_id(private_key_path: Path) -> str:
    return key_id(_load_private(private_key_path).public_key())


def sign(data: bytes, private_key_path: Path) -> bytes:
    return _load_private(private_key_path).sign(data)


def trusted_key_path(explicit: str | os.PathLike | None = None) -> Path:
    """The configured trusted public key; ``InputError`` when none is configured."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(TRUSTED_KEY_ENV)
    if env:
        return Path(env)
    configured = config_dir() / TRUSTED_KEY_FILE
    if configured.is_file():
        return configured
    from newsclaims.declaration import declaration_path, read

    declared = declaration_path()
    if declared is not None and read(declared).public_key:
        return declared
    raise InputError(
        "no trusted public key: pass --trust-key PUBFILE, set "
        f"{TRUSTED_KEY_ENV}, or copy the publisher's key to {configured}"
    )


def verify(data: bytes, signature: bytes, public_key_path: Path, what: str) -> None:
    """Raise ``IntegrityError`` unless ``signature`` is the trusted key's over ``data``."""
    from cryptography.exceptions import InvalidSignature

    key = load_public(public_key_path)
    try:
        key.verify(signature, data)
    except InvalidSignature:
        raise IntegrityError(
            f"{what}: signature does not verify with the trusted key {key_id(key)} "
            f"({public_key_path}); the release was altered or signed by another key"
        ) from None
