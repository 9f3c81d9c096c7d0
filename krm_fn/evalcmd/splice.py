"""The preferred edit: each changed scalar's characters are replaced in the original text, in
their original quoting style, so every other byte of the document stays as it was.

ruamel.yaml's round-trip loader gives the line and column of each scalar; the scalar's end is
found in the text.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import (  # type: ignore[import-untyped,unused-ignore]
    CommentedMap,
    CommentedSeq,
)

from .. import yamlio
from .changes import Change, FieldPath
from .documents import lines
from .roundtrip import ruamel_yaml

# An anchor and/or a tag before a scalar: `&name`, `!!str`, `!local`.
_PROPERTIES = re.compile(r"(?:[&!][^\s,\[\]{}]*[ \t]+)*")


def splice(text: str, changes: list[Change]) -> str | None:
    """`text` with each changed scalar replaced; None when a scalar cannot be cut out on its own
    (block scalars, aliases, multi-line strings)."""
    try:
        doc = ruamel_yaml().load(text)
    except Exception:  # ruamel rejects some YAML ryml accepts; the fallback then reports it
        return None
    text_lines = lines(text)
    edits: list[tuple[int, int, int, str]] = []
    for c in changes:
        loc = _locate(doc, c.path)
        if loc is None or loc[0] >= len(text_lines):
            return None
        line, col, flow = loc
        span = _scalar_span(text_lines[line], col, flow)
        if span is None:
            return None
        start, end, style = span
        edits.append((line, start, end, _render(c.value, style)))
    for line, col, end, new in sorted(edits, reverse=True):
        old = text_lines[line]
        text_lines[line] = old[:col] + new + _keep_comment_column(old[end:], end - col, len(new))
    return "".join(text_lines)


def _keep_comment_column(rest: str, old_len: int, new_len: int) -> str:
    """Aligned end-of-line comments stay aligned: the padding before `#` absorbs the change
    of length (at least one space remains)."""
    m = re.match(r"([ \t]+)#", rest)
    if m is None or "\t" in m.group(1):
        return rest
    pad = max(1, len(m.group(1)) - (new_len - old_len))
    return " " * pad + rest[m.end(1):]


def _locate(doc: Any, path: FieldPath) -> tuple[int, int, bool] | None:
    """Line and column of the value at `path`, and whether it sits in a flow collection."""
    node = doc
    try:
        for seg in path[:-1]:
            node = node[seg]
        last = path[-1]
        if isinstance(node, CommentedMap):
            line, col = node.lc.value(last)
        elif isinstance(node, CommentedSeq):
            line, col = node.lc.item(last)
        else:
            return None
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return int(line), int(col), bool(node.fa.flow_style())


def _scalar_span(line: str, col: int, flow: bool) -> tuple[int, int, str] | None:
    """Start, end and style (plain, single, double) of the scalar at `col`; an anchor or tag
    before it is kept. None when the scalar does not end on this line or is not one."""
    body = line.rstrip("\r\n")
    m = _PROPERTIES.match(body, col)
    start = m.end() if m else col
    if start >= len(body):
        return None
    first = body[start]
    if first in "\"'":
        quoted = re.compile(r'"(?:[^"\\]|\\.)*"' if first == '"' else r"'(?:[^']|'')*'")
        q = quoted.match(body, start)
        return (start, q.end(), "double" if first == '"' else "single") if q else None
    if first in "|>&!*[]{}#,":
        return None
    stop = re.compile(r"\s+#|\s*$" + (r"|\s*[,\]}]" if flow else "")).search(body, start)
    return start, (stop.start() if stop else len(body)), "plain"


def _render(value: Any, style: str) -> str:
    """The new value in the style of the old one, as far as it reads back the same."""
    if isinstance(value, str) and style == "single" and re.fullmatch(r"[ -~]*", value):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, str) and style != "plain":
        return yamlio.quote(value)
    # As the function writes a scalar: plain when that reads back the same, else double-quoted.
    return yamlio.dump(value).removesuffix("\n")
