"""Parsing YAML bytes into a ryml tree, and reading (and setting) what the tree holds.

A ryml tree is a table of nodes addressed by integer ids; NONE is "no node". The functions here
take the tree and a node id, so the callers never touch ryml's API for the common questions.
YamlError is here too, with the path of a node inside its object that its messages show.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import ryml

from .scalars import plain_is_safe, resolve_plain
from .stderr import captured_fd2

NONE: int = ryml.NONE
# Node type bits of Tree.type(node): one call answers what several is_* calls would.
MAP: int = int(ryml.MAP)
SEQ: int = int(ryml.SEQ)
VAL: int = int(ryml.VAL)
VALREF: int = int(ryml.VALREF)
VALQUO: int = int(ryml.VALQUO)  # any non-plain style: quoted, literal or folded
KEYREF: int = int(ryml.KEYREF)
KEYQUO: int = int(ryml.KEYQUO)
KEYTAG: int = int(ryml.KEYTAG)
VALTAG: int = int(ryml.VALTAG)
KEY_PLAIN: int = int(ryml.KEY_PLAIN)

# The Tree methods used on every node, as SWIG's C functions taking the tree first: each Tree
# method is a Python wrapper around one of them, and calling it directly costs a third less. Walks
# over a big input make millions of these calls. They take the Tree or its SWIG object
# (`tree.this`); given the Tree, each call looks `this` up again, which costs three times the call,
# so functions making several calls look it up once.
_lib = ryml._ryml
node_type = _lib.Tree_type
first_child = _lib.Tree_first_child
next_sibling = _lib.Tree_next_sibling
find_child = _lib.Tree_find_child
key_of = _lib.Tree_key
val_of = _lib.Tree_val
val_is_null = _lib.Tree_val_is_null


# --- errors, and where in an object they are ----------------------------------------------------

class YamlError(Exception):
    """Input that is not YAML we can read. The message never quotes scalar values.

    `path` is where in the object the problem is (e.g. `spec.template`), and `item_node` the
    object's node (an element of `items`, or the functionConfig), when known."""

    def __init__(self, message: str, path: str | None = None, item_node: int = -1) -> None:
        super().__init__(f"{message} (at {path})" if path else message)
        self.message = message
        self.path = path
        self.item_node = item_node

    @classmethod
    def at(cls, tree: ryml.Tree, node: int, message: str) -> YamlError:
        """The error located at `node`: its path inside its item, and the item."""
        return cls(message, node_path(tree, node) or None, item_root(tree, node))


def node_path(tree: ryml.Tree, node: int, top: int = NONE) -> str:
    """A dotted path (`spec.containers[0].name`) from `top` (default: the item or document the
    node is in) down to `node`, for messages. Only called after a problem was found."""
    parts: list[str] = []
    while node != NONE and node != top and tree.has_parent(node):
        parent = tree.parent(node)
        if top == NONE and _is_item_root(tree, parent):
            top = parent
        if tree.is_seq(parent):
            parts.append(f"[{tree.child_pos(parent, node)}]")
        elif tree.has_key(node):
            parts.append("." + bytes(tree.key(node)).decode("utf-8", "replace"))
        node = parent
    parts.reverse()
    if len(parts) > 12:  # a path through 100 levels helps nobody; its ends say where
        parts = [*parts[:6], "...", *parts[-3:]]
    return "".join(parts).lstrip(".")


def item_root(tree: ryml.Tree, node: int) -> int:
    """The item (element of `items`) or functionConfig that holds `node`, or -1."""
    while node != NONE and tree.has_parent(node):
        if _is_item_root(tree, node):
            return node
        node = tree.parent(node)
    return -1


def _is_item_root(tree: ryml.Tree, node: int) -> bool:
    """An element of a ResourceList's `items`, or its `functionConfig`."""
    if not tree.has_parent(node):
        return False
    parent = tree.parent(node)
    if tree.has_key(node) and bytes(tree.key(node)) == b"functionConfig":
        return _is_document(tree, parent)
    return (tree.is_seq(parent) and tree.has_key(parent) and bytes(tree.key(parent)) == b"items"
            and _is_document(tree, tree.parent(parent)))


def _is_document(tree: ryml.Tree, node: int) -> bool:
    return not tree.has_parent(node) or tree.is_stream(tree.parent(node))


# --- parsing -------------------------------------------------------------------------------------

def parse(data: bytes) -> ryml.Tree:
    """Parse YAML bytes (already checked to be UTF-8) into a ryml tree."""
    with captured_fd2() as captured:
        try:
            return ryml.parse_in_arena(data)
        except Exception as exc:  # ryml raises its own exception types with empty messages
            detail = captured.read_text()
            raise YamlError(_parse_error_text(detail) or "not valid YAML") from exc


def _parse_error_text(detail: str) -> str:
    # ryml prints e.g. "line=14 col=5 (145B): ERROR: [parse] invalid scalar" plus a C++ source line.
    for line in detail.splitlines():
        m = re.match(r"line=(\d+) col=(\d+) \(\d+B\): ERROR: \[parse\] (.*)", line.strip())
        if m:
            return f"not valid YAML: {m.group(3)} at line {m.group(1)}, column {m.group(2)}"
    return ""


# An alias (`*name`) can only start after a space, a flow indicator or a line start. The pattern
# starts with the literal `*` so the regex engine jumps from star to star (a pattern starting
# with the alternatives tried every position: 0.25 s on 9 MB); the character before is checked
# in Python.
_ALIAS = re.compile(rb"\*[^\s,\[\]{}]")
_BEFORE_ALIAS = frozenset(b" \t\n\r\x0b\x0c[{,")
# An escape in a double-quoted scalar that yields a character ryml would emit raw (see EscapeGuard).
# (Patterns kept as text are compiled by `re` on first use: most runs never need them.)
_RISKY_ESCAPE = rb"\\(?:[0abevfrNLP]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})"


def may_have_aliases(data: bytes) -> bool:
    """False when the text holds no YAML alias, so walkers need not check every node for one.
    A `*` in a plain scalar (a cron schedule) may say True: that only costs speed."""
    if b"*" not in data:
        return False
    return any(m.start() == 0 or data[m.start() - 1] in _BEFORE_ALIAS for m in _ALIAS.finditer(data))


def has_risky_escapes(data: bytes) -> bool:
    return b"\\" in data and re.search(_RISKY_ESCAPE, data) is not None


# --- tree access ---------------------------------------------------------------------------------

def child(tree: ryml.Tree, node: int, key: str) -> int:
    """The value node of `key` in mapping `node`, or NONE."""
    raw = tree.this
    if node == NONE or not node_type(raw, node) & MAP:
        return NONE
    found: int = find_child(raw, node, key.encode())
    return found


def unique_child(tree: ryml.Tree, node: int, key: str) -> int:
    """Like `child`, but a second `key` in the mapping is a YamlError naming it: for walks that
    rewrite what they find (a writer taking the first of two keys and a reader taking the last
    would disagree). Costs a scan of the siblings after the match."""
    found = child(tree, node, key)
    if found != NONE:
        wanted = key.encode()
        raw = tree.this
        sibling = next_sibling(raw, found)
        while sibling != NONE:
            if key_of(raw, sibling) == wanted:  # a memoryview: compared without a copy
                raise YamlError.at(tree, sibling, f"duplicate key {key!r}")
            sibling = next_sibling(raw, sibling)
    return found


def keyed_children(tree: ryml.Tree, node: int) -> tuple[dict[bytes, int], bytes | None]:
    """The children of mapping `node` by key (the first of each, as `child` finds them) and the
    first key written twice (merge keys `<<` may repeat), in one pass. Empty for a non-mapping."""
    raw = tree.this
    if node == NONE or not node_type(raw, node) & MAP:
        return {}, None
    found: dict[bytes, int] = {}
    duplicate = None
    ch = first_child(raw, node)
    while ch != NONE:
        key = bytes(key_of(raw, ch))
        if key not in found:
            found[key] = ch
        elif duplicate is None and key != b"<<":
            duplicate = key
        ch = next_sibling(raw, ch)
    return found, duplicate


def children(tree: ryml.Tree, node: int) -> Iterator[int]:
    raw = tree.this
    ch = first_child(raw, node)
    while ch != NONE:
        yield ch
        ch = next_sibling(raw, ch)


def key_text(tree: ryml.Tree, node: int) -> str:
    return bytes(key_of(tree, node)).decode()


def scalar_text(tree: ryml.Tree, node: int) -> str | None:
    """The text of a scalar value node, or None when it is null, an alias or a collection."""
    return _scalar(tree, node)[0]


def string_value(tree: ryml.Tree, node: int) -> str | None:
    """A scalar read the way kustomize reads it, as a string (None for null or a collection)."""
    value, plain = _scalar(tree, node)
    if plain and value is not None and resolve_plain(value) is None:
        return None
    return value


def _scalar(tree: ryml.Tree, node: int) -> tuple[str | None, bool]:
    """scalar_text, and whether the scalar is written plain (one type lookup for both)."""
    if node == NONE:
        return None, False
    raw = tree.this
    kind = node_type(raw, node)
    if not kind & VAL or kind & (VALREF | MAP | SEQ):
        return None, False
    plain = not kind & VALQUO
    if plain and val_is_null(raw, node):  # empty, ~ or null written plain
        return None, True
    return bytes(val_of(raw, node)).decode(), plain


def set_string(tree: ryml.Tree, node: int, value: str) -> None:
    """Replace a scalar's value by a string, quoting it when a plain scalar would read otherwise."""
    tree._set_val(node, tree.to_arena(value.encode()))
    if not plain_is_safe(value):
        tree.set_val_style(node, ryml.VAL_DQUO)


def walk(tree: ryml.Tree, node: int) -> Iterator[int]:
    """`node` and every node below it, last child first: the cheapest walk, where order does not
    matter."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(children(tree, n))


def walk_in_order(tree: ryml.Tree, node: int) -> Iterator[int]:
    """`node` and every node below it, in the order they are written."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(list(children(tree, n))))
