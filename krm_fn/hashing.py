"""SHA-256 without loading OpenSSL.

hashlib's sha256 is OpenSSL's, and importing hashlib loads libcrypto: about 2 ms of every start,
and a KRM function under Argo CD starts thousands of times an hour. CPython also builds its own
SHA-256 (module `_sha2`, `_sha256` before Python 3.12), which gives the same digests.
"""

from __future__ import annotations

try:
    from _sha2 import sha256 as _sha256  # type: ignore[import-not-found, unused-ignore]
except ImportError:
    try:
        from _sha256 import sha256 as _sha256  # type: ignore[import-not-found, no-redef, unused-ignore]
    except ImportError:  # pragma: no cover - a Python built without them
        from hashlib import sha256 as _sha256  # type: ignore[assignment, unused-ignore]


def sha256(data: bytes) -> bytes:
    """The SHA-256 digest of `data`."""
    digest: bytes = _sha256(data).digest()
    return digest
