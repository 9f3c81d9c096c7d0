"""The fallback edit: ruamel.yaml loads one document, makes the changes and dumps it again, in
the document's own indentation. Comments, key order and quoting survive; layout details may not.

ruamel.yaml is imported by eval only (this module and splice.py): the KRM function path never
loads it, because its start-up time would count on every build.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML  # type: ignore[import-untyped,unused-ignore]
from ruamel.yaml.util import load_yaml_guess_indent  # type: ignore[import-untyped,unused-ignore]

from .changes import Change, apply_in_place
from .documents import DOC_END, lines

WIDE = 1 << 16  # ruamel line width: never fold a long scalar onto two lines


def ruamel_yaml() -> Any:
    y = YAML()  # round-trip mode, YAML 1.2 like kustomize and kpt
    y.preserve_quotes = True
    y.width = WIDE
    return y


def round_trip(text: str, changes: list[Change]) -> str | None:
    """`text` with `changes`, written by ruamel; None when ruamel cannot read or write it."""
    try:
        _, seq_indent, offset = load_yaml_guess_indent(text)
        y = ruamel_yaml()
        y.indent(mapping=_mapping_indent(text), sequence=seq_indent or 2, offset=offset or 0)
        y.explicit_start = text.lstrip().startswith("---")
        doc = apply_in_place(y.load(text), changes, _styled)
        out = io.StringIO()
        y.dump(doc, out)
    except Exception:  # a document ruamel cannot read or write: reported by the caller
        return None
    ended = any(DOC_END.match(line) for line in lines(text))
    return out.getvalue() + ("...\n" if ended else "")


def _styled(parent: Any, change: Change) -> Any:
    """A new string takes the quoting style of the one it replaces."""
    old, value = parent[change.path[-1]], change.value
    if change.leaf and isinstance(value, str) and isinstance(old, str) and type(old) is not str:
        return type(old)(value)
    return value


def _mapping_indent(text: str) -> int:
    """The indentation of a nested mapping key below its parent key (ruamel's guess only
    measures sequences)."""
    prev: tuple[int, bool] | None = None
    for line in lines(text):
        body = line.rstrip()
        if not body.strip() or body.lstrip().startswith("#"):
            continue
        depth = len(body) - len(body.lstrip(" "))
        if prev is not None and prev[1] and depth > prev[0] and not body.lstrip().startswith("-"):
            return depth - prev[0]
        prev = (depth, body.endswith(":") and not body.lstrip().startswith("-"))
    return 2
