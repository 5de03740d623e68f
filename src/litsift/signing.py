"""Ed25519 signatures of audit events, with a reviewer's key taken from the environment.

The private key is read, when litsift records audit events, from `LITSIFT_SIGNING_KEY`
(the key itself: an OpenSSH or PKCS#8 PEM private key, or 64 hex digits of an Ed25519
seed) or from the file `LITSIFT_SIGNING_KEY_FILE` names (e.g. an unencrypted
`ssh-keygen -t ed25519` key). It is held in memory only: never written to a file, a log
or a message. What the review keeps is the public key, in the audit log's `key` event,
and its fingerprint (`ed25519:` and 16 hex digits of its SHA-256) in every signed event.

A signature covers the event's hash, and the hash covers the previous event's hash, so a
signed event vouches for the whole chain before it.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from litsift.errors import LitsiftError

KEY_ENV = "LITSIFT_SIGNING_KEY"
KEY_FILE_ENV = "LITSIFT_SIGNING_KEY_FILE"
PREFIX = "ed25519:"
DOMAIN = b"litsift audit event v2\n"  # what a signature is for, so it means nothing elsewhere


class SigningKeyError(LitsiftError):
    """The signing key in the environment cannot be used (its content is never shown)."""


def fingerprint(public_key: str) -> str:
    """'ed25519:<16 hex>' of a public key written as 'ed25519:<base64>'."""
    raw = _raw_public(public_key)
    return PREFIX + hashlib.sha256(raw).hexdigest()[:16]


def _raw_public(public_key: str) -> bytes:
    if not public_key.startswith(PREFIX):
        raise ValueError("not an ed25519 public key")
    raw = base64.b64decode(public_key[len(PREFIX) :], validate=True)
    if len(raw) != 32:
        raise ValueError("an ed25519 public key has 32 bytes")
    return raw


@dataclass(frozen=True)
class SigningKey:
    """A private key in memory; `public` is 'ed25519:<base64 of the 32 raw bytes>'."""

    _key: object  # cryptography's Ed25519PrivateKey
    public: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public)

    def sign(self, event_hash: str) -> str:
        """Base64 signature of an event hash."""
        sig = self._key.sign(DOMAIN + event_hash.encode("ascii"))  # type: ignore[attr-defined]
        return base64.b64encode(sig).decode("ascii")

    def __repr__(self) -> str:  # never show the key, even in a traceback's locals
        return f"SigningKey({self.fingerprint})"


def verify(public_key: str, event_hash: str, signature: str) -> bool:
    """Whether `signature` is the key's signature of the event hash."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = Ed25519PublicKey.from_public_bytes(_raw_public(public_key))
        key.verify(base64.b64decode(signature, validate=True), DOMAIN + event_hash.encode())
    except (InvalidSignature, ValueError):
        return False
    return True


def from_environment() -> SigningKey | None:
    """The reviewer's key from LITSIFT_SIGNING_KEY or LITSIFT_SIGNING_KEY_FILE (None when
    neither is set)."""
    text = os.environ.get(KEY_ENV)
    where = KEY_ENV
    if not text and os.environ.get(KEY_FILE_ENV):
        where = KEY_FILE_ENV
        try:
            text = Path(os.environ[KEY_FILE_ENV]).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise SigningKeyError(
                f"{KEY_FILE_ENV}: cannot read the key file ({type(e).__name__})"
            ) from None
    if not text:
        return None
    return load(text.strip(), where)


def load(text: str, where: str = KEY_ENV) -> SigningKey:
    """A signing key from its text: OpenSSH or PEM private key, or a hex seed."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key: object
    try:
        if len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text):
            key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(text))
        elif "OPENSSH PRIVATE KEY" in text:
            key = serialization.load_ssh_private_key(text.encode(), password=None)
        else:
            key = serialization.load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as e:  # never quote the key
        raise SigningKeyError(
            f"{where}: not a usable private key ({type(e).__name__}); give an unencrypted "
            "Ed25519 key (OpenSSH or PEM) or 64 hex digits"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{where}: not an Ed25519 key (audit signatures use Ed25519)")
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return SigningKey(key, PREFIX + base64.b64encode(raw).decode("ascii"))
