"""Read a ResourceList from bytes and write one back (the KRM function wire format).

Items are kept as nodes of the parsed ryml tree: the function only reads the few fields it needs
(apiVersion, kind, metadata) of every item, converts to Python data only the items it works on,
and re-emits every other item exactly as it came in.
"""

from __future__ import annotations

import os
import re

import ryml

from . import yamlio
from .records import TYPE_CHECKING
from .results import FileRef, FunctionError, ResourceRef, Result, error
from .yamlio import NONE, YamlError

if TYPE_CHECKING:
    from typing import Any

RESOURCE_LIST_VERSIONS = ("config.kubernetes.io/v1", "config.kubernetes.io/v1beta1")
DEFAULT_MAX_INPUT_BYTES = 256 * 1024 * 1024

PATH_ANNOTATIONS = ("internal.config.kubernetes.io/path", "config.kubernetes.io/path")
INDEX_ANNOTATIONS = ("internal.config.kubernetes.io/index", "config.kubernetes.io/index")


class Item:
    """One input object: its identity, read once, and its node in the tree."""

    __slots__ = ("_data", "annotations", "api_version", "kind", "name", "namespace", "node", "position")

    def __init__(self, node: int, position: int, api_version: str, kind: str, name: str,
                 namespace: str | None, annotations: dict[str, str]) -> None:
        self.node = node
        self.position = position
        self.api_version = api_version
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.annotations = annotations
        self._data: Any = None  # the object as Python data, converted on first use

    def __repr__(self) -> str:
        return f"Item({self.position}: {self.ref.describe()})"

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def ref(self) -> ResourceRef:
        return ResourceRef(self.api_version, self.kind, self.name, self.namespace)

    @property
    def file(self) -> FileRef | None:
        """Where the object is: kpt's path/index, else the file kustomize's origin annotation names."""
        return file_ref(self.annotations) or origin_ref(self.annotations)

    def annotation(self, key: str) -> str | None:
        return self.annotations.get(key)


def file_ref(annotations: dict[str, str]) -> FileRef | None:
    path = next((annotations[k] for k in PATH_ANNOTATIONS if k in annotations), None)
    if path is None:
        return None
    index = next((annotations[k] for k in INDEX_ANNOTATIONS if k in annotations), "0")
    return FileRef(path, int(index) if index.isascii() and index.isdigit() else 0)


ORIGIN = "config.kubernetes.io/origin"


def origin_ref(annotations: dict[str, str]) -> FileRef | None:
    """The file of `config.kubernetes.io/origin` (kustomize's `buildMetadata: [originAnnotations]`),
    a small YAML mapping; its `path:` line is read without a YAML parser (hot path). The index is
    unknown: kustomize's index annotation counts the whole ResourceList, not the file."""
    text = annotations.get(ORIGIN)
    if not text:
        return None
    repo = ""
    path = None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        value = value.strip().strip("'\"")
        if key == "path":
            path = value
        elif key == "repo":
            repo = value + "//"
    return FileRef(repo + path, None) if path else None


class ResourceList:
    """The parsed input: its tree, its items and where the functionConfig is."""

    def __init__(self, source: bytes, tree: ryml.Tree, api_version: str, items: list[Item],
                 function_config_node: int, anchors: yamlio.Anchors | None = None) -> None:
        # The tree holds its own copy of the text (ryml's arena): the input bytes are not kept
        # (9 MB of a 9 MB input), only what writing needs to know about them.
        self.has_aliases = yamlio.may_have_aliases(source)
        self._escaped_source = source if yamlio.has_risky_escapes(source) else None
        self.tree = tree
        self.api_version = api_version
        self.items = items
        self.function_config_node = function_config_node
        self.anchors = anchors
        # Set up on the first emit, after every read: it swaps scalars in the tree for tokens.
        self._guard: yamlio.EscapeGuard | bool | None = False

    def data(self, item: Item) -> Any:
        """The item as plain Python data (converted once, on first use)."""
        if item._data is None:
            try:
                item._data = yamlio.to_python(self.tree, item.node, anchors=self.anchors)
            except YamlError as exc:  # alias bomb, duplicate key, too deep: name the object
                if exc.item_node < 0:
                    exc.item_node = item.node
                raise FunctionError(yaml_problem(self, exc)) from None
        return item._data

    def escape_guard(self) -> yamlio.EscapeGuard | None:
        """Guards ryml's emitter (see yamlio). Only for writing: it replaces double-quoted
        scalars holding control characters with tokens in the tree, so nothing may read the
        tree after the first emit."""
        if self._guard is False:
            self._guard = (yamlio.EscapeGuard(self.tree, self._escaped_source)
                           if self._escaped_source is not None else None)
        return self._guard if isinstance(self._guard, yamlio.EscapeGuard) else None

    def text_data(self, item: Item) -> Any:
        """The item as Python data with every scalar as written (for fields that are strings by
        definition, where YAML 1.2 typing would turn `0009` into 9 or `1.10` into 1.1)."""
        try:
            return yamlio.to_python(self.tree, item.node, anchors=self.anchors, mode="text")
        except YamlError as exc:
            if exc.item_node < 0:
                exc.item_node = item.node
            raise FunctionError(yaml_problem(self, exc)) from None

    def function_config(self) -> Any:
        if self.function_config_node == NONE:
            return None
        return yamlio.to_python(self.tree, self.function_config_node, anchors=self.anchors, mode="config")


def _fail(message: str) -> FunctionError:
    return FunctionError(error(message))


def max_input_bytes() -> int:
    """The input size limit: SECRET_SYNC_MAX_INPUT_BYTES, default 256 MiB."""
    value = os.environ.get("SECRET_SYNC_MAX_INPUT_BYTES", "").strip()
    if not value:
        return DEFAULT_MAX_INPUT_BYTES
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise _fail("SECRET_SYNC_MAX_INPUT_BYTES must be a positive number of bytes")
    return int(value)


# C0 controls other than tab, LF and CR, and DEL: never allowed raw in a YAML stream. UTF-8 uses
# these bytes for nothing else, so the check runs on the bytes: deleting them all is one fast C
# pass (a regex search took 40 ms on 9 MB); the regex then only says which one and where.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# JSON writes characters beyond U+FFFF as surrogate pairs (\ud83d\ude00); YAML has no such pairs,
# and the parser would hand back bytes that are not UTF-8. (A literal backslash before it, `\\u`,
# is caught too: refusing is safe, and no manifest needs one.)
_SURROGATE_ESCAPE = r"\\(?:u[dD][89a-fA-F][0-9a-fA-F]{2}|U0000[dD][89a-fA-F][0-9a-fA-F]{2})"  # compiled on first use


def decode_input(data: bytes) -> bytes:
    """Check the bytes are UTF-8 text a YAML parser may see; strip a UTF-8 byte order mark.

    The caller reads at most max_input_bytes() + 1 bytes, so more than the limit means "too big"."""
    limit = max_input_bytes()
    if len(data) > limit:
        raise _fail(f"input is larger than the limit of {limit} bytes "
                    "(set SECRET_SYNC_MAX_INPUT_BYTES to raise it)")
    if not data.strip():
        raise _fail("no input: expected a ResourceList (YAML) on stdin")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail("input is UTF-16; a ResourceList must be UTF-8")
    if b"\x00" in data[:4]:  # YAML text never starts with NUL; UTF-16/32 without a BOM does
        raise _fail("input looks like UTF-16 or UTF-32 (NUL bytes at the start); "
                    "a ResourceList must be UTF-8")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(f"input is not UTF-8 text (invalid byte at offset {exc.start})") from exc
    surrogate = re.search(_SURROGATE_ESCAPE, text) if "\\u" in text or "\\U" in text else None
    if surrogate is not None:
        line = text.count("\n", 0, surrogate.start()) + 1
        raise _fail(f"input has the escape {surrogate.group()} at line {line}: a UTF-16 surrogate is "
                    "not a character in YAML; write the character itself or a \\U00XXXXXX escape")
    found = _CONTROL.search(text) if len(data.translate(None, _CONTROL_BYTES)) != len(data) else None
    if found is not None:
        line = text.count("\n", 0, found.start()) + 1
        raise _fail(f"input contains the control character U+{ord(found.group()):04X} at line {line}; "
                    "YAML allows it only as an escape in a double-quoted string")
    return data


def read(data: bytes) -> ResourceList:
    data = decode_input(data)
    try:
        tree = yamlio.parse(data)
    except YamlError as exc:
        raise _fail(f"stdin: {exc}") from exc
    root = _document(tree)
    _unique_keys(tree, root, "stdin: the ResourceList")
    api_version = yamlio.string_value(tree, yamlio.child(tree, root, "apiVersion")) or ""
    kind = yamlio.string_value(tree, yamlio.child(tree, root, "kind")) or ""
    if kind != "ResourceList" or api_version not in RESOURCE_LIST_VERSIONS:
        raise _fail("stdin is not a ResourceList: expected apiVersion config.kubernetes.io/v1 "
                    f"and kind ResourceList (got apiVersion {api_version or '(none)'!r}, "
                    f"kind {kind or '(none)'!r})")
    items_node = yamlio.child(tree, root, "items")
    fc = yamlio.child(tree, root, "functionConfig")
    if fc != NONE and not tree.is_container(fc) and tree.val_is_null(fc):
        fc = NONE  # `functionConfig:` with nothing after it
    rl = ResourceList(data, tree, api_version, [], fc)
    # Identity fields given through YAML aliases are read through them (rare: only hand-written
    # lists have aliases, so the check is skipped when the text holds none).
    rl.anchors = yamlio.Anchors(tree) if rl.has_aliases else None
    rl.items = _read_items(tree, items_node, rl.anchors)
    return rl


def _document(tree: ryml.Tree) -> int:
    root: int = tree.root_id()
    if tree.is_stream(root):
        docs = [d for d in yamlio.children(tree, root) if tree.is_container(d) or tree.has_val(d)]
        if len(docs) != 1:
            raise _fail(f"stdin holds {len(docs)} YAML documents; expected one ResourceList")
        root = docs[0]
    if not tree.is_map(root):
        raise _fail("stdin is not a ResourceList: the document is not a mapping")
    return root


def _read_items(tree: ryml.Tree, items_node: int, anchors: yamlio.Anchors | None = None) -> list[Item]:
    if items_node == NONE or (not tree.is_container(items_node) and tree.val_is_null(items_node)):
        return []
    if not tree.is_seq(items_node):
        raise _fail("ResourceList field items must be a list")
    if anchors is None:
        return [_read_item(tree, node, pos) for pos, node in enumerate(yamlio.children(tree, items_node))]
    out: list[Item] = []
    for pos, node in enumerate(yamlio.children(tree, items_node)):
        try:
            out.append(_read_item(tree, node, pos, anchors))
        except YamlError as exc:  # an alias without anchor, or an alias bomb
            raise _fail(f"items[{pos}]: {exc}") from None
    return out


def _read_item(tree: ryml.Tree, node: int, pos: int, anchors: yamlio.Anchors | None = None) -> Item:
    where = f"items[{pos}]"
    if not tree.is_map(node):
        raise _fail(f"{where} is not a mapping (a Kubernetes object)")

    def at(found: int) -> int:
        return anchors.follow(found)[0] if anchors is not None and found != NONE else found

    # Each mapping's keys are read once: the fields below and the duplicate-key checks use them.
    top, top_twice = yamlio.keyed_children(tree, node)
    meta = at(top.get(b"metadata", NONE))
    fields, meta_twice = yamlio.keyed_children(tree, meta)
    annotations_node = at(fields.get(b"annotations", NONE))
    annotations = _string_map(tree, annotations_node, anchors)
    fref = file_ref(annotations) or origin_ref(annotations)
    if fref is not None:
        where = f"{fref.path if fref.index is None else f'{fref.path}[{fref.index}]'} ({where})"
    # The fields that decide what an object is must be unambiguous; deeper fields of objects the
    # function does not read pass through as written (checked where an object is converted).
    _no_duplicate(top_twice, where)
    _no_duplicate(meta_twice, f"{where} metadata")
    _unique_keys(tree, annotations_node, f"{where} metadata.annotations")
    api_version = yamlio.string_value(tree, at(top.get(b"apiVersion", NONE)))
    kind = yamlio.string_value(tree, at(top.get(b"kind", NONE)))
    name = yamlio.string_value(tree, at(fields.get(b"name", NONE)))
    for value, path in ((kind, "kind"), (api_version, "apiVersion"), (name, "metadata.name")):
        if not value:
            raise _fail(f"{where}: the object has no {path}")
    assert api_version and kind and name
    namespace = yamlio.string_value(tree, at(fields.get(b"namespace", NONE))) or None
    return Item(node, pos, api_version, kind, name, namespace, annotations)


def _unique_keys(tree: ryml.Tree, node: int, where: str) -> None:
    _no_duplicate(yamlio.keyed_children(tree, node)[1], where)


def _no_duplicate(key: bytes | None, where: str) -> None:
    if key is not None:
        # YAML forbids it and kubectl/kustomize refuse it; ryml would keep both silently.
        raise _fail(f"{where}: duplicate key {key.decode('utf-8', 'replace')!r}")


def _string_map(tree: ryml.Tree, node: int, anchors: yamlio.Anchors | None = None) -> dict[str, str]:
    if node == NONE or not tree.is_map(node):
        return {}
    out: dict[str, str] = {}
    for ch in yamlio.children(tree, node):
        value = yamlio.scalar_text(tree, ch)
        if value is None and anchors is not None and tree.is_val_ref(ch):
            value = yamlio.scalar_text(tree, anchors.follow(ch)[0])
        key = yamlio.key_text(tree, ch)
        if value is not None:
            out[key] = value
        elif key.startswith(OWN_PREFIX):
            # null, a list or a mapping: kustomize hands the function "" for these, so a direct
            # run must too, or `secret-sync.dev/store: [x]` would silently mean the default store
            out[key] = ""
    return out


OWN_PREFIX = "secret-sync.dev/"  # our annotations (metadata.py re-exports it)
KUSTOMIZE_ID = "kustomize.config.k8s.io/id"  # set on every item kustomize hands a function


def from_kustomize(rl: ResourceList) -> bool:
    return any(KUSTOMIZE_ID in item.annotations for item in rl.items)


# --- writing -------------------------------------------------------------------------------------

def render(rl: ResourceList, items: list[str], results: list[Result]) -> list[bytes]:
    """The output ResourceList as UTF-8 chunks to write in order (joined, they are the document).

    `items` are YAML texts of whole objects, in output order. Each is dropped from the list once
    its entry is made: on a big input the output is then held once, not three times (texts,
    joined text, encoded text)."""
    head = f"apiVersion: {rl.api_version}\nkind: ResourceList\n{'items:' if items else 'items: []'}\n"
    out = [head.encode()]
    for i, text in enumerate(items):
        out.append((_seq_entry(text) + "\n").encode())
        items[i] = ""
    tail = []
    if rl.function_config_node != NONE:
        tail.append(emit_item(rl, rl.function_config_node).rstrip("\n"))
    if results:
        tail.append(yamlio.dump({"results": [r.to_dict() for r in results]}).rstrip("\n"))
    out.extend((t + "\n").encode() for t in tail)
    if rl.has_aliases:
        # An alias whose anchor sat in an object that was replaced (a placeholder) would make the
        # whole output unreadable downstream: refuse, naming the alias.
        missing = yamlio.dangling_aliases(b"".join(out))
        if missing:
            raise FunctionError(error(
                f"YAML alias *{missing[0]} refers to an anchor in an object secret-sync replaces "
                "(a placeholder); write the value out instead of the alias"))
    return out


def emit_item(rl: ResourceList, node: int) -> str:
    guard = rl.escape_guard()  # before emitting: it swaps the scalars ryml would write wrongly
    try:
        text = yamlio.emit(rl.tree, node)
    except YamlError as exc:
        exc.item_node = node
        raise FunctionError(yaml_problem(rl, exc)) from None
    return guard.restore(text) if guard is not None else text


def yaml_problem(rl: ResourceList, exc: YamlError) -> Result:
    """A YamlError met while working on the input (alias bomb, duplicate key, depth) as an
    error result naming the object and field, like every other input error."""
    item = next((i for i in rl.items if i.node == exc.item_node), None) if exc.item_node >= 0 else None
    if item is not None:
        return error(exc.message, resource=item.ref, field=exc.path, file=item.file)
    if exc.item_node >= 0 and exc.item_node == rl.function_config_node:
        return error(f"functionConfig: {exc}")
    return error(str(exc))


def render_error(rl_api_version: str, results: list[Result]) -> str:
    """On failure kpt still reads results from stdout; items stay empty (no partial output)."""
    return yamlio.dump({"apiVersion": rl_api_version, "kind": "ResourceList", "items": [],
                        "results": [r.to_dict() for r in results]})


def _seq_entry(text: str) -> str:
    lines = text.rstrip("\n").split("\n")
    rest = ["  " + line if line else "" for line in lines[1:]]
    return "\n".join(["- " + lines[0], *rest])
