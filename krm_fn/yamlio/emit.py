"""Writing YAML text: a ryml subtree through ryml's emitter (`emit`, `reformat`, with EscapeGuard
for the characters it would write raw), and the objects the function generates through a small
block-style writer of our own (`dump`)."""

from __future__ import annotations

import re

import ryml

from ..records import TYPE_CHECKING
from .scalars import plain_is_safe, quote, unprintable
from .stderr import quiet_fd2
from .tree import YamlError, has_risky_escapes, parse, walk

if TYPE_CHECKING:
    from typing import Any

# --- a ryml tree ---------------------------------------------------------------------------------

# ryml's emitter refuses trees deeper than this (counted from the emitted node, which is level 1).
EMIT_MAX_DEPTH = 63


def emit(tree: ryml.Tree, node: int) -> str:
    """`node` and its subtree as YAML text. ryml's emitter stops at EMIT_MAX_DEPTH levels: that
    is a YamlError here, and the C++ diagnostic it prints is kept off stderr."""
    with quiet_fd2() as quiet:
        try:
            text: str = ryml.emit_yaml(tree, node)
        except Exception as exc:  # ryml's exception types carry no usable message
            detail = quiet.read_text()
            if "max depth" in detail:
                raise YamlError(f"nested deeper than {EMIT_MAX_DEPTH} levels, more than the YAML "
                                "emitter writes (no Kubernetes object is that deep)") from exc
            raise YamlError("cannot be written back as YAML") from exc
    return text


class EscapeGuard:
    """Swaps double-quoted scalars holding characters ryml would emit raw for tokens; `restore`
    puts them back, properly escaped, into emitted text.

    ryml's emitter writes control characters of double-quoted scalars raw instead of escaped (and
    a NUL cuts its output short). Callers build a guard only when `has_risky_escapes` says the
    input holds an escape that could produce such a character."""

    def __init__(self, tree: ryml.Tree, source: bytes) -> None:
        self.tokens: dict[str, str] = {}
        self._prefix = "secret-sync-escaped-"
        while self._prefix.encode() in source:
            self._prefix += "x"
        for node in walk(tree, tree.root_id()):
            self._protect(tree, node)

    def _protect(self, tree: ryml.Tree, node: int) -> None:
        if tree.has_key(node) and tree.is_key_dquo(node):
            text = bytes(tree.key(node)).decode()
            if unprintable().search(text):
                tree._set_key(node, tree.to_arena(self._token(text).encode()))
        if tree.has_val(node) and tree.is_val_dquo(node):
            text = bytes(tree.val(node)).decode()
            if unprintable().search(text):
                tree._set_val(node, tree.to_arena(self._token(text).encode()))

    def _token(self, text: str) -> str:
        token = f"{self._prefix}{len(self.tokens)}"
        self.tokens[token] = text
        return token

    def restore(self, emitted: str) -> str:
        if not self.tokens:
            return emitted
        pattern = re.compile('"(' + re.escape(self._prefix) + r'\d+)"')
        return pattern.sub(lambda m: quote(self.tokens[m.group(1)]), emitted)


def reformat(text: str) -> str:
    """Our YAML text as ryml emits it, so a later run that re-emits it gives the same bytes."""
    data = text.encode()
    tree = parse(data)
    guard = EscapeGuard(tree, data) if has_risky_escapes(data) else None
    root = tree.root_id()
    out = emit(tree, root)
    return guard.restore(out) if guard else out


# --- generated objects ---------------------------------------------------------------------------

def dump(obj: Any, indent: int = 0) -> str:
    """Block-style YAML for generated objects (dicts, lists, str, int, bool, None)."""
    lines: list[str] = []
    _dump_into(obj, indent, lines)
    return "\n".join(lines) + "\n"


def _dump_into(obj: Any, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    if isinstance(obj, dict):
        if not obj:
            lines.append(pad + "{}")
        for k, v in obj.items():
            key = _scalar_out(k)
            if type(v) is str:  # most values: written without the calls below
                lines.append(f"{pad}{key}: {v if plain_is_safe(v) else quote(v)}")
            elif isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{key}:")
                _dump_into(v, indent + 2, lines)  # sequences indented too, as ryml writes them
            else:
                lines.append(f"{pad}{key}: {_inline(v)}")
    elif isinstance(obj, list):
        if not obj:
            lines.append(pad + "[]")
        for v in obj:
            if isinstance(v, (dict, list)) and v:
                sub: list[str] = []
                _dump_into(v, indent + 2, sub)
                lines.append(pad + "- " + sub[0][indent + 2:])
                lines.extend(sub[1:])
            else:
                lines.append(f"{pad}- {_inline(v)}")
    else:
        lines.append(pad + _scalar_out(obj))


def _inline(v: Any) -> str:
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, list):
        return "[]"
    return _scalar_out(v)


def _scalar_out(value: Any) -> str:
    if type(value) is str:  # most values: checked first
        return value if plain_is_safe(value) else quote(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return quote(repr(value)) if value != value else repr(value)
    text = str(value)
    return text if plain_is_safe(text) else quote(text)
