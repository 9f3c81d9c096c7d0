"""Find every place that names a replaced Secret and plan its rewrite to the generated name.

Where Secret names live is a table (kind -> paths, kustomize fieldSpec style: slash separated, lists
traversed), extended by `spec.references` for custom kinds. A reference matches when it names a
request's source by its current name or one of kustomize's previous names, in the same namespace.
"""

from __future__ import annotations

from collections.abc import Iterator

import ryml

from . import yamlio
from .metadata import PREVIOUS_NAMESPACES, namespace_key
from .model import SecretRequest
from .records import TYPE_CHECKING, NamedTuple
from .resourcelist import Item, ResourceList
from .results import Result, warning
from .yamlio import NONE

if TYPE_CHECKING:
    from typing import Any

    from .config import References

Path = tuple[str | int, ...]
Trie = dict[str, "Trie"]
LEAF = ""  # marks the end of a path in a Trie

# Where a PodSpec lives, per (API group, kind).
POD_SPECS: dict[tuple[str, str], str] = {
    ("", "Pod"): "spec",
    ("", "PodTemplate"): "template/spec",
    ("", "ReplicationController"): "spec/template/spec",
    ("apps", "Deployment"): "spec/template/spec",
    ("apps", "StatefulSet"): "spec/template/spec",
    ("apps", "DaemonSet"): "spec/template/spec",
    ("apps", "ReplicaSet"): "spec/template/spec",
    ("extensions", "Deployment"): "spec/template/spec",
    ("extensions", "DaemonSet"): "spec/template/spec",
    ("extensions", "ReplicaSet"): "spec/template/spec",
    ("batch", "Job"): "spec/template/spec",
    ("batch", "CronJob"): "spec/jobTemplate/spec/template/spec",
}

# Secret-name fields inside a PodSpec.
_CONTAINER_FIELDS = ("env/valueFrom/secretKeyRef/name", "envFrom/secretRef/name")
POD_SPEC_FIELDS: tuple[str, ...] = (
    *(f"{c}/{f}" for c in ("containers", "initContainers", "ephemeralContainers")
      for f in _CONTAINER_FIELDS),
    "volumes/secret/secretName",
    "volumes/projected/sources/secret/name",
    "imagePullSecrets/name",
)

# Secret-name fields of other kinds.
FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "ServiceAccount"): ("secrets/name", "imagePullSecrets/name"),
    ("networking.k8s.io", "Ingress"): ("spec/tls/secretName",),
    ("extensions", "Ingress"): ("spec/tls/secretName",),
}


class Edit(NamedTuple):
    item: Item
    path: Path
    node: int          # the scalar node in the tree
    via_alias: bool    # reached through a YAML alias: rewriting changes every alias of it
    old: str
    request: SecretRequest  # the placeholder or KES object the reference names


class ReferenceTable:
    """All Secret-name field paths per (group, kind): built-in plus spec.references."""

    def __init__(self, extra: References) -> None:
        self.paths: dict[tuple[str, str], list[str]] = {}
        self._tries: dict[tuple[str, str], Trie] = {}
        for key, pod_spec in POD_SPECS.items():
            self._add(key, [f"{pod_spec}/{f}" for f in POD_SPEC_FIELDS])
        for key, fields in FIELDS.items():
            self._add(key, list(fields))
        for ps in extra.podSpecs:
            self._add((ps.group, ps.kind), [f"{ps.path.strip('/')}/{f}" for f in POD_SPEC_FIELDS])
        for fs in extra.fieldSpecs:
            self._add((fs.group, fs.kind), [fs.path.strip("/")])

    def _add(self, key: tuple[str, str], paths: list[str]) -> None:
        self.paths.setdefault(key, []).extend(paths)
        self._tries.pop(key, None)

    def for_item(self, item: Item) -> list[str]:
        return self.paths.get((item.group, item.kind), [])

    def trie(self, item: Item) -> Trie | None:
        """The item's paths merged into one tree of keys, so shared prefixes are walked once."""
        key = (item.group, item.kind)
        if key not in self.paths:
            return None
        if key not in self._tries:
            root: Trie = {}
            for path in self.paths[key]:
                node = root
                for seg in _segments(path):
                    node = node.setdefault(seg, {})
                node[LEAF] = {}
            self._tries[key] = root
        return self._tries[key]


def _segments(path: str) -> list[str]:
    # kustomize fieldSpec paths may mark lists with [] (`spec/tls[]/secretName`); lists are
    # traversed either way.
    return [s.removesuffix("[]") for s in path.split("/") if s]


def find(data: Any, path: str) -> Iterator[tuple[Path, Any]]:
    """(concrete path, value) for every value at a fieldSpec path, lists traversed."""
    yield from _find(data, _segments(path), ())


def _find(node: Any, segs: list[str], at: Path) -> Iterator[tuple[Path, Any]]:
    if isinstance(node, list):
        for i, elem in enumerate(node):
            yield from _find(elem, segs, (*at, i))
        return
    if not segs:
        yield at, node
        return
    if isinstance(node, dict) and segs[0] in node:
        yield from _find(node[segs[0]], segs[1:], (*at, segs[0]))


class Index:
    """(name, namespace) -> request, for every name a reference may still use."""

    def __init__(self, requests: list[SecretRequest]) -> None:
        self.by_alias: dict[tuple[str, str], SecretRequest] = {}
        for req in requests:
            for alias in req.source.aliases:
                self.by_alias.setdefault(alias, req)

    def lookup(self, name: str, namespaces: list[str]) -> SecretRequest | None:
        for ns in namespaces:
            req = self.by_alias.get((name, ns))
            if req is not None:
                return req
        return None


def plan(rl: ResourceList, items: list[Item], requests: list[SecretRequest],
         table: ReferenceTable) -> list[Edit]:
    """Edits for every reference to a request's source. Walks the YAML tree along the table's
    paths only, so a workload is never converted to Python data as a whole."""
    index = Index(requests)
    walker = _Walker(rl.tree, rl.anchors)
    edits: list[Edit] = []
    for item in items:
        trie = table.trie(item)
        if trie is None:
            continue
        namespaces = _namespaces(item)
        if rl.anchors is not None:
            rl.anchors.start()  # each object may follow shared anchors on its own budget
        for node, at, via_alias in walker.leaves(item.node, trie):
            value = yamlio.string_value(rl.tree, node)
            req = index.lookup(value, namespaces) if value is not None else None
            if req is not None and value is not None and req.target_name != value:
                edits.append(Edit(item, at, node, via_alias, value, req))
    return edits


class _Walker:
    """Follows a Trie through the tree: lists traversed, aliases followed when the input has any."""

    def __init__(self, tree: ryml.Tree, anchors: yamlio.Anchors | None) -> None:
        self.tree = tree
        self.raw = tree.this  # for ryml's C functions (see yamlio/tree.py)
        self.anchors = anchors

    def leaves(self, node: int, trie: Trie) -> list[tuple[int, Path, bool]]:
        out: list[tuple[int, Path, bool]] = []
        self._walk(node, trie, (), False, out)
        return out

    def _walk(self, node: int, trie: Trie, at: Path, via_alias: bool,
              out: list[tuple[int, Path, bool]]) -> None:
        tree = self.tree
        if self.anchors is not None:
            node, hop = self.anchors.follow(node)
            via_alias |= hop
        kind = yamlio.node_type(self.raw, node)
        if kind & yamlio.SEQ:
            for i, elem in enumerate(yamlio.children(tree, node)):
                self._walk(elem, trie, (*at, i), via_alias, out)
            return
        if kind & yamlio.MAP:
            for key, sub in trie.items():
                if key:
                    # a duplicate key on the path is an error: which one would kubectl read?
                    found = yamlio.unique_child(tree, node, key)
                    if found != NONE:
                        self._walk(found, sub, (*at, key), via_alias, out)
        elif LEAF in trie:
            out.append((node, at, via_alias))


def _namespaces(item: Item) -> list[str]:
    out = [namespace_key(item.namespace)]
    previous = item.annotations.get(PREVIOUS_NAMESPACES)
    for ns in previous.split(",") if previous else []:
        key = namespace_key(ns.strip())
        if key not in out:
            out.append(key)
    return out


def apply(tree: ryml.Tree, edits: list[Edit]) -> list[Result]:
    """Rewrite each reference in the tree. A name reached through a YAML alias is rewritten at
    its anchor (every alias of it changes too), which is reported as a warning."""
    notes: list[Result] = []
    for edit in edits:
        if edit.via_alias:
            notes.append(warning(
                f"{_path(edit.path)} names the Secret through a YAML alias; the anchored value "
                "was rewritten, so every alias of it changed too",
                resource=edit.item.ref, field=_path(edit.path), file=edit.item.file))
        yamlio.set_string(tree, edit.node, edit.request.target_name)
    return notes


def _path(path: Path) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[")
