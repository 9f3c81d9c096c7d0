"""Translate a KES `property` (a lodash `get` path) into an ESO `property` (a gjson path).

Dotted paths mean the same in both (`a.b.c`), so they are kept as written. Only lodash's bracket
forms need work: `a[0]` is `a.0` in gjson, and `a["b.c"]` names one key that contains a dot,
which gjson spells with an escaped dot (`a.b\\.c`).
"""

from __future__ import annotations

import re

# One lodash bracket: an index `[3]` or a quoted key `['x']` / `["x"]` (backslash escapes inside).
_BRACKET = re.compile(r"""\[(?:(\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]""")
_PLAIN = re.compile(r"[^.\[\]]+")
_GJSON_SPECIAL = re.compile(r"([\\.*?])")


def lodash_to_gjson(path: str) -> str | None:
    """The gjson form of `path`, or None when it is not a lodash path we can read."""
    if "[" not in path and "]" not in path:
        return path
    segments: list[str] = []
    pos = 0
    while pos < len(path):
        pos = _next_segment(path, pos, segments)
        if pos < 0:
            return None
    return ".".join(segments) if segments else None


def _next_segment(path: str, pos: int, segments: list[str]) -> int:
    """Append the segment starting at `pos`; return where the next one starts, or -1."""
    if path[pos] == "." and segments:
        pos += 1  # separator between segments
        if pos >= len(path) or path[pos] in ".[":
            return -1
    if path[pos] == "[":
        m = _BRACKET.match(path, pos)
        if m is None:
            return -1
        index, single, double = m.groups()
        if index is not None:
            segments.append(index)
        else:
            raw = single if single is not None else double
            segments.append(_GJSON_SPECIAL.sub(r"\\\1", re.sub(r"\\(.)", r"\1", raw)))
        end = m.end()
        return end if end == len(path) or path[end] in ".[" else -1
    m = _PLAIN.match(path, pos)
    if m is None:
        return -1
    segments.append(m.group(0))
    return m.end()
