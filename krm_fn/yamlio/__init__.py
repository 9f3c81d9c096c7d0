"""YAML in and out, through rapidyaml (ryml).

Why rapidyaml and not PyYAML: it parses a 10,000-item ResourceList about 40 times faster, and it
keeps every scalar as written (its text and its quoting style) instead of resolving types. Items the
function does not own are re-emitted with the same characters, so an unquoted `on`, `0009` or
`1.10` means the same under YAML 1.1 (kubectl) and YAML 1.2 (kustomize, kpt) after the function as
before it. tests/test_fidelity.py proves this on real manifests and a file of tricky scalars.

Two known gaps of ryml's emitter are closed here:
- it writes control characters of double-quoted scalars raw (and a NUL cuts the output short), so
  such scalars are swapped for tokens before emitting and restored, escaped, afterwards
  (EscapeGuard in emit.py);
- it reports parse errors on the process's stderr, so that is captured into our own message
  (stderr.py).

The modules, each using only those above it (callers use the names re-exported here):
  binding   importing ryml without its `deprecation` dependency (start-up time)
  stderr    keeping ryml's C++ diagnostics off file descriptor 2
  scalars   what a plain scalar means (YAML 1.2 core schema); when a string may be written plain
  tree      parse bytes into a tree; read, set and locate its nodes; YamlError
  convert   a subtree as Python data, safe against alias bombs and deep nesting; Anchors
  emit      a subtree as YAML text (emit, reformat, EscapeGuard); generated objects as text (dump)
"""

from __future__ import annotations

from ..records import TYPE_CHECKING
from . import binding  # noqa: F401  (first: loads ryml before any module below imports it)
from .convert import (
    ALIAS_BOMB,
    DEFAULT_NODE_BUDGET,
    MAX_DEPTH,
    Anchors,
    Converter,
    dangling_aliases,
    load_text,
    to_python,
)
from .emit import EMIT_MAX_DEPTH, EscapeGuard, dump, emit, reformat
from .scalars import plain_is_safe, quote
from .tree import (
    MAP,
    NONE,
    SEQ,
    VAL,
    VALQUO,
    VALREF,
    YamlError,
    child,
    children,
    has_risky_escapes,
    item_root,
    key_text,
    keyed_children,
    may_have_aliases,
    node_path,
    node_type,
    parse,
    scalar_text,
    set_string,
    string_value,
    unique_child,
)

if TYPE_CHECKING:
    from .convert import ScalarMode

__all__ = [
    "ALIAS_BOMB", "DEFAULT_NODE_BUDGET", "EMIT_MAX_DEPTH", "MAP", "MAX_DEPTH", "NONE", "SEQ", "VAL",
    "VALQUO", "VALREF", "Anchors", "Converter", "EscapeGuard", "ScalarMode", "YamlError", "child", "children",
    "dangling_aliases", "dump", "emit", "has_risky_escapes", "item_root", "key_text", "keyed_children", "load_text",
    "may_have_aliases", "node_path", "node_type", "parse", "plain_is_safe", "quote", "reformat", "scalar_text",
    "set_string", "string_value", "to_python", "unique_child",
]
