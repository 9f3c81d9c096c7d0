"""YAML in and out, through rapidyaml (ryml).

Why rapidyaml and not PyYAML: it parses a 10,000-item ResourceList about 40 times faster, and it
keeps every scalar as written (its text and its quoting style) instead of resolving types. Items the
function does not own are re-emitted with the same characters, so an unquoted `on`, `0009` or
`1.10` means the same under YAML 1.1 (kubectl) and YAML 1.2 (kustomize, kpt) after the function as
before it. tests/test_fidelity.py proves this on real manifests and a file of tricky scalars.

Two known gaps of ryml's emitter are closed here:
- it writes control characters of double-quoted scalars raw (and a NUL cuts the output short), so
  such scalars are swapped for tokens before emitting and restored, escaped, afterwards;
- it reports parse errors on the process's stderr, so that is captured into our own message.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator
from typing import Any

import ryml

NONE: int = ryml.NONE
# Node type bits of Tree.type(node): one call answers what several is_* calls would.
MAP: int = int(ryml.MAP)
SEQ: int = int(ryml.SEQ)
VAL: int = int(ryml.VAL)
VALREF: int = int(ryml.VALREF)
VALQUO: int = int(ryml.VALQUO)  # any non-plain style: quoted, literal or folded
MAX_DEPTH = 100  # deeper data is not a Kubernetes object; refusing it keeps recursion bounded
# ryml's emitter refuses trees deeper than this (counted from the emitted node, which is level 1).
EMIT_MAX_DEPTH = 63
# Nodes one conversion may produce by following aliases: stops alias ("billion laughs") bombs early.
# Nodes written out in the input need no budget: there are only as many as the input holds.
DEFAULT_NODE_BUDGET = 100_000
ALIAS_BOMB = "YAML aliases expand to too many nodes (an alias bomb?)"


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


# --- reading -------------------------------------------------------------------------------------

# An escape in a double-quoted scalar that yields a character ryml would emit raw (see module doc).
_RISKY_ESCAPE = re.compile(rb"\\(?:[0abevfrNLP]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})")
# Characters that must be escaped inside a double-quoted scalar to keep their meaning.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")


def parse(data: bytes) -> ryml.Tree:
    """Parse YAML bytes (already checked to be UTF-8) into a ryml tree."""
    with _captured_fd2() as captured:
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


class _Captured:
    def __init__(self) -> None:
        # An anonymous in-memory file where Linux has one (no tempfile import on the hot path).
        if hasattr(os, "memfd_create"):
            self.fd = os.memfd_create("secret-sync-stderr")
        else:  # pragma: no cover - other platforms
            import tempfile
            self.fd = os.dup(tempfile.TemporaryFile().fileno())  # noqa: SIM115

    def read_text(self) -> str:
        os.lseek(self.fd, 0, os.SEEK_SET)
        text = os.read(self.fd, 4096).decode("utf-8", "replace")
        os.close(self.fd)
        return text


class _captured_fd2:
    """Redirect file descriptor 2 (C++ writes there directly) into a temp file for a moment."""

    def __enter__(self) -> _Captured:
        self.cap = _Captured()
        self.saved = os.dup(2)
        os.dup2(self.cap.fd, 2)
        return self.cap

    def __exit__(self, *exc: object) -> None:
        os.dup2(self.saved, 2)
        os.close(self.saved)
        if exc[0] is None:
            os.close(self.cap.fd)


# An alias (`*name`) can only start after a space, a flow indicator or a line start.
_ALIAS = re.compile(rb"(?:^|[\s\[{,])\*[^\s,\[\]{}]", re.M)


def may_have_aliases(data: bytes) -> bool:
    """False when the text holds no YAML alias, so walkers need not check every node for one.
    A `*` in a plain scalar (a cron schedule) may say True: that only costs speed."""
    return b"*" in data and _ALIAS.search(data) is not None


def has_risky_escapes(data: bytes) -> bool:
    return b"\\" in data and _RISKY_ESCAPE.search(data) is not None


# --- tree access ---------------------------------------------------------------------------------

def child(tree: ryml.Tree, node: int, key: str) -> int:
    """The value node of `key` in mapping `node`, or NONE."""
    if node == NONE or not tree.is_map(node):
        return NONE
    found: int = tree.find_child(node, key.encode())
    return found


def unique_child(tree: ryml.Tree, node: int, key: str) -> int:
    """Like `child`, but a second `key` in the mapping is a YamlError naming it: for walks that
    rewrite what they find (a writer taking the first of two keys and a reader taking the last
    would disagree). Costs a scan of the siblings after the match."""
    found = child(tree, node, key)
    if found != NONE:
        wanted = key.encode()
        sibling = tree.next_sibling(found)
        while sibling != NONE:
            if bytes(tree.key(sibling)) == wanted:
                raise YamlError.at(tree, sibling, f"duplicate key {key!r}")
            sibling = tree.next_sibling(sibling)
    return found


def children(tree: ryml.Tree, node: int) -> Iterator[int]:
    ch = tree.first_child(node)
    while ch != NONE:
        yield ch
        ch = tree.next_sibling(ch)


def key_text(tree: ryml.Tree, node: int) -> str:
    return bytes(tree.key(node)).decode()


def scalar_text(tree: ryml.Tree, node: int) -> str | None:
    """The text of a scalar value node, or None when it is null, an alias or a collection."""
    if node == NONE:
        return None
    kind = tree.type(node)
    if not kind & VAL or kind & (VALREF | MAP | SEQ):
        return None
    if not kind & VALQUO and tree.val_is_null(node):  # empty, ~ or null written plain
        return None
    return bytes(tree.val(node)).decode()


def string_value(tree: ryml.Tree, node: int) -> str | None:
    """A scalar read the way kustomize reads it, as a string (None for null or a collection)."""
    value = scalar_text(tree, node)
    if value is None:
        return None
    if not tree.type(node) & VALQUO and _resolve_plain(value) is None:
        return None
    return value


def set_string(tree: ryml.Tree, node: int, value: str) -> None:
    """Replace a scalar's value by a string, quoting it when a plain scalar would read otherwise."""
    tree._set_val(node, tree.to_arena(value.encode()))
    if not plain_is_safe(value):
        tree.set_val_style(node, ryml.VAL_DQUO)


def emit(tree: ryml.Tree, node: int) -> str:
    """`node` and its subtree as YAML text. ryml's emitter stops at EMIT_MAX_DEPTH levels: that
    is a YamlError here, and the C++ diagnostic it prints is kept off stderr."""
    with _quiet_fd2() as quiet:
        try:
            text: str = ryml.emit_yaml(tree, node)
        except Exception as exc:  # ryml's exception types carry no usable message
            detail = quiet.read_text()
            if "max depth" in detail:
                raise YamlError(f"nested deeper than {EMIT_MAX_DEPTH} levels, more than the YAML "
                                "emitter writes (no Kubernetes object is that deep)") from exc
            raise YamlError("cannot be written back as YAML") from exc
    return text


class _quiet_fd2:
    """Like _captured_fd2 but cheap enough for every emitted item: one anonymous file per
    process, two dup2 calls per use. Its content is only read after a failure."""

    _fd: int = -1
    _saved: int = -1

    def __enter__(self) -> _quiet_fd2:
        cls = _quiet_fd2
        if cls._fd < 0:
            if hasattr(os, "memfd_create"):
                cls._fd = os.memfd_create("secret-sync-emit-stderr")
            else:  # pragma: no cover - other platforms
                import tempfile
                cls._fd = os.dup(tempfile.TemporaryFile().fileno())
            cls._saved = os.dup(2)
        os.ftruncate(cls._fd, 0)
        os.lseek(cls._fd, 0, os.SEEK_SET)
        os.dup2(cls._fd, 2)
        return self

    def __exit__(self, *exc: object) -> None:
        os.dup2(_quiet_fd2._saved, 2)

    def read_text(self) -> str:
        os.lseek(_quiet_fd2._fd, 0, os.SEEK_SET)
        return os.read(_quiet_fd2._fd, 4096).decode("utf-8", "replace")


# --- conversion to Python data ---------------------------------------------------------------------

_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(nan|NaN|NAN)\Z")


def _resolve_plain(text: str) -> Any:
    """YAML 1.2 core schema resolution of a plain scalar (how kustomize and kpt read it)."""
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if _INT.match(text):
        return int(text)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN.match(text):
        return float("nan")
    return text


class Converter:
    """Turns a ryml subtree into plain Python data: aliases followed, merge keys applied,
    duplicate keys refused, with a budget on nodes produced through aliases and a depth limit
    so hostile input cannot blow up."""

    def __init__(self, tree: ryml.Tree, budget: int = DEFAULT_NODE_BUDGET) -> None:
        self.tree = tree
        self.budget = budget
        self._anchors: Anchors | None = None
        self._aliased = 0  # > 0 while converting the target of an alias

    def value(self, node: int, depth: int = 0) -> Any:
        if self._aliased:
            self.budget -= 1
            if self.budget < 0:
                raise YamlError.at(self.tree, node, ALIAS_BOMB)
        if depth > MAX_DEPTH:
            raise YamlError.at(self.tree, node, f"YAML nested deeper than {MAX_DEPTH} levels")
        t = self.tree
        if t.is_val_ref(node) or (t.is_ref(node) and not t.is_container(node)):
            target = self._anchor(bytes(t.val_ref(node)).decode())
            self._aliased += 1
            try:
                return self.value(target, depth + 1)
            finally:
                self._aliased -= 1
        if t.is_map(node):
            return self._mapping(node, depth)
        if t.is_seq(node):
            return [self.value(ch, depth + 1) for ch in children(t, node)]
        return self._scalar(node, is_key=False)

    def _mapping(self, node: int, depth: int) -> dict[Any, Any]:
        t = self.tree
        out: dict[Any, Any] = {}
        merged: list[dict[Any, Any]] = []
        for ch in children(t, node):
            key = self._scalar(ch, is_key=True)
            if key == "<<" and t.is_key_plain(ch):
                merged.extend(self._merge_sources(self.value(ch, depth + 1)))
                continue
            if key in out:
                # YAML forbids it and kubectl/kustomize refuse it; ryml would keep both silently.
                raise YamlError.at(t, ch, f"duplicate key {str(key)!r}")
            out[key] = self.value(ch, depth + 1)
        for source in merged:  # explicit keys win, then earlier merge sources
            for k, v in source.items():
                out.setdefault(k, v)
        return out

    @staticmethod
    def _merge_sources(value: Any) -> list[dict[Any, Any]]:
        if isinstance(value, dict):
            return [value]
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            return list(value)
        raise YamlError("a YAML merge key (<<) must refer to a mapping or a list of mappings")

    def _scalar(self, node: int, is_key: bool) -> Any:
        t = self.tree
        if is_key:
            text = bytes(t.key(node)).decode()
            quoted = t.is_key_quoted(node)
            tag = bytes(t.key_tag(node)).decode() if t.has_key_tag(node) else ""
        else:
            if t.val_is_null(node) and not t.is_val_quoted(node):
                return None
            text = bytes(t.val(node)).decode()
            quoted = t.is_val_quoted(node) or t.is_val_literal(node) or t.is_val_folded(node)
            tag = bytes(t.val_tag(node)).decode() if t.has_val_tag(node) else ""
        if tag in ("!!str", "tag:yaml.org,2002:str", "!!binary") or quoted:
            return text
        return _resolve_plain(text)

    def _anchor(self, name: str) -> int:
        if self._anchors is None:
            self._anchors = Anchors(self.tree)
        return self._anchors.node(name)


class Anchors:
    """Anchor name -> node, built on first use (most inputs have no aliases at all)."""

    def __init__(self, tree: ryml.Tree, budget: int = DEFAULT_NODE_BUDGET) -> None:
        self.tree = tree
        self._nodes: dict[str, int] | None = None
        # Every hop is charged the size of the subtree it reaches, so a walk that follows
        # aliases (references.py) visits at most the input plus `budget` nodes: an alias bomb
        # fails fast instead of being walked for hours.
        self.budget = budget
        self._sizes: dict[int, int] = {}

    def node(self, name: str) -> int:
        if self._nodes is None:
            t = self.tree
            self._nodes = {bytes(t.val_anchor(n)).decode(): n
                           for n in _walk(t, t.root_id()) if t.has_val_anchor(n)}
        if name not in self._nodes:
            raise YamlError(f"YAML alias *{name} has no anchor")
        return self._nodes[name]

    def follow(self, node: int) -> tuple[int, bool]:
        """The anchored node behind an alias node (and whether there was one)."""
        hops = 0
        alias = node
        while self.tree.is_val_ref(node) or (self.tree.is_ref(node) and not self.tree.is_container(node)):
            node = self.node(bytes(self.tree.val_ref(node)).decode())
            hops += 1
            if hops > MAX_DEPTH:
                raise YamlError.at(self.tree, alias, "YAML aliases refer to each other in a loop")
            self.budget -= self._size(node)
            if self.budget < 0:
                raise YamlError.at(self.tree, alias, ALIAS_BOMB)
        return node, hops > 0

    def _size(self, node: int) -> int:
        if node not in self._sizes:
            self._sizes[node] = sum(1 for _ in _walk(self.tree, node))
        return self._sizes[node]


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


def dangling_aliases(data: bytes) -> list[str]:
    """Aliases in `data` (YAML text) whose anchor it does not define, in order of appearance."""
    tree = parse(data)
    anchors: set[str] = set()
    aliases: list[str] = []
    for node in _walk_in_order(tree, tree.root_id()):
        if tree.has_key_anchor(node):
            anchors.add(bytes(tree.key_anchor(node)).decode())
        if tree.has_val_anchor(node):
            anchors.add(bytes(tree.val_anchor(node)).decode())
        if tree.is_key_ref(node):
            aliases.append(bytes(tree.key_ref(node)).decode())
        if tree.is_val_ref(node):
            aliases.append(bytes(tree.val_ref(node)).decode())
    return [a for a in dict.fromkeys(aliases) if a not in anchors]


def _walk_in_order(tree: ryml.Tree, node: int) -> Iterator[int]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(list(children(tree, n))))


def _walk(tree: ryml.Tree, node: int) -> Iterator[int]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(children(tree, n))


def to_python(tree: ryml.Tree, node: int, budget: int = DEFAULT_NODE_BUDGET) -> Any:
    try:
        return Converter(tree, budget).value(node)
    except RecursionError as exc:  # pragma: no cover - MAX_DEPTH stops it first
        raise YamlError(f"YAML nested deeper than {MAX_DEPTH} levels") from exc


def load_text(text: str) -> Any:
    """Parse a small YAML document (a config value such as a provider block) into Python data."""
    tree = parse(text.encode())
    root = tree.root_id()
    if tree.is_stream(root):
        docs = list(children(tree, root))
        if len(docs) != 1:
            raise YamlError("expected exactly one YAML document")
        root = docs[0]
    return to_python(tree, root)


# --- writing ---------------------------------------------------------------------------------------

_PLAIN_OK = re.compile(r"[A-Za-z/][A-Za-z0-9_./:@-]*( [A-Za-z0-9_./:@()'-]+)*\Z")
# Plain scalars that YAML 1.1 (kubectl, PyYAML) or 1.2 (kustomize) would not read as a string.
_AMBIGUOUS_WORDS = {
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
}


_GO_DURATION = re.compile(r"([0-9]+(\.[0-9]+)?(h|m|s|ms|us|ns))+\Z")


@functools.lru_cache(maxsize=4096)  # generated objects repeat the same few strings
def plain_is_safe(value: str) -> bool:
    """True when `value` written plain reads back as the same string under YAML 1.1 and 1.2."""
    if _GO_DURATION.match(value) and not value.isdigit():
        return True  # "1h0m0s": no YAML 1.1 or 1.2 type starts with digits and ends in a unit
    if not _PLAIN_OK.match(value):
        return False
    if value.lower() in _AMBIGUOUS_WORDS or value.endswith(":"):
        return False
    return ": " not in value and " #" not in value


_JSON_TAB = re.compile(r"(\\\\)|\\t")  # an escaped backslash (kept) or a JSON \t escape


def quote(value: str) -> str:
    """A double-quoted YAML scalar: JSON escapes (valid in YAML) plus the characters YAML 1.1
    treats as line breaks or that are not printable."""
    out = json.dumps(value, ensure_ascii=False)
    out = _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", out)
    # A raw tab is valid inside double quotes and is how ryml writes it: same bytes either way.
    return _JSON_TAB.sub(lambda m: m.group(1) or "\t", out) if "\\t" in out else out


def _scalar_out(value: Any) -> str:
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
            if isinstance(v, (dict, list)) and v:
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


def reformat(text: str) -> str:
    """Our YAML text as ryml emits it, so a later run that re-emits it gives the same bytes."""
    data = text.encode()
    tree = parse(data)
    guard = EscapeGuard(tree, data) if has_risky_escapes(data) else None
    root = tree.root_id()
    out = emit(tree, root)
    return guard.restore(out) if guard else out


# --- guarding ryml's emitter -------------------------------------------------------------------------

class EscapeGuard:
    """Swaps double-quoted scalars holding characters ryml would emit raw for tokens; `restore`
    puts them back, properly escaped, into emitted text."""

    def __init__(self, tree: ryml.Tree, source: bytes) -> None:
        self.tokens: dict[str, str] = {}
        self._prefix = "secret-sync-escaped-"
        while self._prefix.encode() in source:
            self._prefix += "x"
        for node in _walk(tree, tree.root_id()):
            self._protect(tree, node)

    def _protect(self, tree: ryml.Tree, node: int) -> None:
        if tree.has_key(node) and tree.is_key_dquo(node):
            text = bytes(tree.key(node)).decode()
            if _UNPRINTABLE.search(text):
                tree._set_key(node, tree.to_arena(self._token(text).encode()))
        if tree.has_val(node) and tree.is_val_dquo(node):
            text = bytes(tree.val(node)).decode()
            if _UNPRINTABLE.search(text):
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
