"""Annotator pseudonyms: keyed hashes of Label Studio user ids, never e-mails."""

from __future__ import annotations

import hashlib
import hmac

ANNOTATOR_PREFIX = "ls-"


def pseudonym(user_id: int, salt: bytes) -> str:
    """Stable keyed hash of a Label Studio user id (never the e-mail): 12 hex digits."""
    return hmac.new(salt, f"labelstudio-user:{user_id}".encode(), hashlib.sha256).hexdigest()[:12]


def annotator_id(user_id: int, salt: bytes) -> str:
    """The annotation layer of one Label Studio annotator: ``ls-<pseudonym>``."""
    return ANNOTATOR_PREFIX + pseudonym(user_id, salt)


def salt_fingerprint(salt: bytes) -> str:
    """A keyed hash that tells salts apart without revealing one: 16 hex digits."""
    message = b"geoevent-toolkit:pseudonym-salt-fingerprint"
    return hmac.new(salt, message, hashlib.sha256).hexdigest()[:16]
