"""Field paths for results: `spec.data[2].key`, `spec.template.data[tls.crt]`."""

from __future__ import annotations

import re

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def child(path: str, key: str) -> str:
    """Path of map entry `key` under `path`; keys with dots or slashes go in brackets."""
    return f"{path}.{key}" if _PLAIN_KEY.match(key) else f"{path}[{key}]"
