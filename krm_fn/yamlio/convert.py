"""Turning a ryml subtree into plain Python data (dicts, lists, str, int, float, bool, None).

Only the items the function works on are converted; hostile input is the concern here: aliases
are followed on a node budget (alias bombs), nesting has a depth limit, duplicate keys are refused.
"""

from __future__ import annotations

import ryml

from ..records import TYPE_CHECKING
from .scalars import resolve_plain
from .tree import (
    KEY_PLAIN,
    KEYQUO,
    KEYREF,
    KEYTAG,
    MAP,
    NONE,
    SEQ,
    VALQUO,
    VALREF,
    VALTAG,
    YamlError,
    children,
    first_child,
    key_of,
    next_sibling,
    node_type,
    parse,
    val_is_null,
    val_of,
    walk,
    walk_in_order,
)

if TYPE_CHECKING:
    from typing import Any, Literal

MAX_DEPTH = 100  # deeper data is not a Kubernetes object; refusing it keeps recursion bounded
# Nodes one conversion may produce by following aliases: stops alias ("billion laughs") bombs early.
# Nodes written out in the input need no budget: there are only as many as the input holds.
DEFAULT_NODE_BUDGET = 100_000
ALIAS_BOMB = "YAML aliases expand to too many nodes (an alias bomb?)"

if TYPE_CHECKING:
    # How plain scalars are read: "typed" as kustomize reads them (YAML 1.2 core schema); "text"
    # as written (fields that are strings by definition: `key: 0009` is the remote key "0009", not
    # 9); "config" typed, but numbers with a dot kept as written.
    ScalarMode = Literal["typed", "text", "config"]


class Converter:
    """Turns a ryml subtree into plain Python data: aliases followed, merge keys applied,
    duplicate keys refused, with a budget on nodes produced through aliases and a depth limit
    so hostile input cannot blow up."""

    def __init__(self, tree: ryml.Tree, budget: int = DEFAULT_NODE_BUDGET,
                 anchors: Anchors | None = None, mode: ScalarMode = "typed") -> None:
        self.tree = tree
        self.raw = tree.this  # for ryml's C functions (see tree.py)
        self.mode = mode
        self.budget = budget
        # The anchor index of the whole tree: built once per ResourceList and shared, since
        # walking the tree for every converted item made aliases quadratic.
        self._anchors = anchors
        self._aliased = 0  # > 0 while converting the target of an alias

    def value(self, node: int, depth: int = 0, kind: int = -1) -> Any:
        """`kind`: the node's type bits when the caller has them already."""
        if self._aliased:
            self.budget -= 1
            if self.budget < 0:
                raise YamlError.at(self.tree, node, ALIAS_BOMB)
        if depth > MAX_DEPTH:
            raise YamlError.at(self.tree, node, f"YAML nested deeper than {MAX_DEPTH} levels")
        t = self.tree
        if kind < 0:
            kind = node_type(self.raw, node)  # one call answers what the Tree's is_* methods would
        if kind & VALREF or (kind & KEYREF and not kind & (MAP | SEQ)):
            target = self._anchor(bytes(t.val_ref(node)).decode())
            self._aliased += 1
            try:
                return self.value(target, depth + 1)
            finally:
                self._aliased -= 1
        if kind & MAP:
            return self._mapping(node, depth)
        if kind & SEQ:
            return [self.value(ch, depth + 1) for ch in children(t, node)]
        return self._val(node, kind)

    def _mapping(self, node: int, depth: int) -> dict[Any, Any]:
        t = self.tree
        out: dict[Any, Any] = {}
        merged: list[dict[Any, Any]] = []
        raw = self.raw
        ch = first_child(raw, node)  # (not the children() generator: this loop is the hottest)
        while ch != NONE:
            kind = node_type(raw, ch)
            key = self._key(ch, kind)
            if key == "<<" and kind & KEY_PLAIN:
                merged.extend(self._merge_sources(self.value(ch, depth + 1, kind)))
            elif key in out:
                # YAML forbids it and kubectl/kustomize refuse it; ryml would keep both silently.
                raise YamlError.at(t, ch, f"duplicate key {str(key)!r}")
            else:
                out[key] = self.value(ch, depth + 1, kind)
            ch = next_sibling(raw, ch)
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

    def _key(self, node: int, kind: int) -> Any:
        tag = bytes(self.tree.key_tag(node)).decode() if kind & KEYTAG else ""
        return self._scalar(bytes(key_of(self.raw, node)).decode(), bool(kind & KEYQUO), tag)

    def _val(self, node: int, kind: int) -> Any:
        t = self.tree
        raw = val_of(self.raw, node)
        quoted = bool(kind & VALQUO)  # quoted, literal or folded
        # val_is_null: empty, ~ or null written plain; only such short texts need the call
        if not quoted and (raw is None or (len(raw) <= 4 and val_is_null(self.raw, node))):
            return None
        tag = bytes(t.val_tag(node)).decode() if kind & VALTAG else ""
        return self._scalar(bytes(raw).decode(), quoted, tag)

    def _scalar(self, text: str, quoted: bool, tag: str) -> Any:
        if tag in ("!!str", "tag:yaml.org,2002:str", "!!binary") or quoted or self.mode == "text":
            return text
        value = resolve_plain(text)
        if self.mode == "config" and isinstance(value, float):
            return text  # the config has no float fields: `version: 2.10` means "2.10", not 2.1
        return value

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
        # aliases (references.py) visits at most the input plus `budget` nodes per object: an
        # alias bomb fails fast instead of being walked for hours. `start` resets it per object.
        self.initial_budget = budget
        self.budget = budget
        self._sizes: dict[int, int] = {}

    def start(self) -> None:
        """A new object: a fresh budget (many objects may share one anchor legitimately)."""
        self.budget = self.initial_budget

    def node(self, name: str) -> int:
        if self._nodes is None:
            t = self.tree
            self._nodes = {bytes(t.val_anchor(n)).decode(): n
                           for n in walk(t, t.root_id()) if t.has_val_anchor(n)}
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
            self._sizes[node] = sum(1 for _ in walk(self.tree, node))
        return self._sizes[node]


def dangling_aliases(data: bytes) -> list[str]:
    """Aliases in `data` (YAML text) whose anchor it does not define, in order of appearance."""
    tree = parse(data)
    anchors: set[str] = set()
    aliases: list[str] = []
    for node in walk_in_order(tree, tree.root_id()):
        if tree.has_key_anchor(node):
            anchors.add(bytes(tree.key_anchor(node)).decode())
        if tree.has_val_anchor(node):
            anchors.add(bytes(tree.val_anchor(node)).decode())
        if tree.is_key_ref(node):
            aliases.append(bytes(tree.key_ref(node)).decode())
        if tree.is_val_ref(node):
            aliases.append(bytes(tree.val_ref(node)).decode())
    return [a for a in dict.fromkeys(aliases) if a not in anchors]


def to_python(tree: ryml.Tree, node: int, budget: int = DEFAULT_NODE_BUDGET,
              anchors: Anchors | None = None, mode: ScalarMode = "typed") -> Any:
    try:
        return Converter(tree, budget, anchors, mode).value(node)
    except RecursionError as exc:  # pragma: no cover - MAX_DEPTH stops it first
        raise YamlError(f"YAML nested deeper than {MAX_DEPTH} levels") from exc


def load_text(text: str, mode: ScalarMode = "typed") -> Any:
    """Parse a small YAML document (a config value such as a provider block) into Python data."""
    tree = parse(text.encode())
    root = tree.root_id()
    if tree.is_stream(root):
        docs = list(children(tree, root))
        if len(docs) != 1:
            raise YamlError("expected exactly one YAML document")
        root = docs[0]
    return to_python(tree, root, mode=mode)
