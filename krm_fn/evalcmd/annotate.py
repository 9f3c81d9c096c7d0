"""kpt's bookkeeping annotations: eval adds them to every object it sends to the function, reads
them back to map the output to files, and makes sure none of them reaches a file.

Like kpt, every object gets its file (path), its position in that file (index) and an id; the id
is what ties an output object to the document it came from.
"""

from __future__ import annotations

import copy
from typing import Any

import ryml

from .. import yamlio
from ..metadata import KPT_INDEX, KPT_PATH
from ..yamlio import NONE
from .documents import document_nodes, emit_document
from .problems import fail

KPT_ID = "internal.config.kubernetes.io/id"
OWN_KEYS = (KPT_PATH, KPT_INDEX, KPT_ID)


def annotate(tree: ryml.Tree, node: int, text: str, rel: str, index: int,
             uid: str) -> tuple[str, Any]:
    """The document with kpt's path, index and id annotations, as a ResourceList item text,
    and that item as Python data (the baseline the function's output is compared with)."""
    meta = yamlio.child(tree, node, "metadata")
    annotations = yamlio.child(tree, meta, "annotations")
    if annotations == NONE:
        annotations = tree.append_child(meta)
        tree.to_map(annotations, tree.to_arena(b"annotations"))
    elif tree.is_val_ref(annotations) or tree.is_ref(annotations):
        raise fail(f"{rel}[{index}]: metadata.annotations is a YAML alias; eval cannot "
                   "annotate it (expand the alias)")
    elif not tree.is_map(annotations):
        tree.to_map(annotations, tree.key(annotations))
    for key, value in ((KPT_PATH, rel), (KPT_INDEX, str(index)), (KPT_ID, uid)):
        _set_annotation(tree, annotations, key, value)
    return emit_document(tree, node, text), yamlio.to_python(tree, node)


def _set_annotation(tree: ryml.Tree, annotations: int, key: str, value: str) -> None:
    node = yamlio.child(tree, annotations, key)
    if node == NONE:
        node = tree.append_child(annotations)
        tree.to_keyval(node, tree.to_arena(key.encode()), tree.to_arena(value.encode()))
    else:
        tree._set_val(node, tree.to_arena(value.encode()))
    tree.set_val_style(node, ryml.VAL_DQUO)


def annotations_of(data: Any) -> dict[str, Any]:
    """An object's annotations as Python data ({} when it has none or they are malformed)."""
    meta = data.get("metadata") if isinstance(data, dict) else None
    ann = meta.get("annotations") if isinstance(meta, dict) else None
    return ann if isinstance(ann, dict) else {}


def without_own_annotations(data: Any) -> Any:
    """`data` without the annotations eval adds (and without `annotations` if that empties it),
    so that they never count as a change."""
    data = copy.deepcopy(data)
    ann = annotations_of(data)
    if any(k in ann for k in OWN_KEYS):
        for k in OWN_KEYS:
            ann.pop(k, None)
        if not ann:
            del data["metadata"]["annotations"]
    return data


def strip_own_annotations(text: str) -> str:
    """A generated object's text without kpt's internal annotations (kpt strips them too)."""
    tree = yamlio.parse(text.encode("utf-8"))
    node = document_nodes(tree)[0]
    annotations = yamlio.child(tree, yamlio.child(tree, node, "metadata"), "annotations")
    if annotations == NONE or not tree.is_map(annotations):
        return text
    for key in OWN_KEYS:
        child = yamlio.child(tree, annotations, key)
        if child != NONE:
            tree.remove(child)
    if tree.num_children(annotations) == 0:
        tree.remove(annotations)
    return emit_document(tree, node, text)


def strip_namespace(text: str) -> str:
    """A generated object's text without `metadata.namespace`, for a file whose kustomization
    sets the namespace (the object it replaces had none either)."""
    tree = yamlio.parse(text.encode("utf-8"))
    node = document_nodes(tree)[0]
    child = yamlio.child(tree, yamlio.child(tree, node, "metadata"), "namespace")
    if child == NONE:
        return text
    tree.remove(child)
    return emit_document(tree, node, text)


def with_namespace(item: str, namespace: str) -> tuple[str, Any]:
    """An annotated item with `metadata.namespace` set, as kustomize's namespace transformer
    sets it, and the result as Python data."""
    tree = yamlio.parse(item.encode("utf-8"))
    node = document_nodes(tree)[0]
    meta = yamlio.child(tree, node, "metadata")
    child = yamlio.child(tree, meta, "namespace")
    if child == NONE:
        child = tree.append_child(meta)
        tree.to_keyval(child, tree.to_arena(b"namespace"), tree.to_arena(namespace.encode()))
    else:
        tree._set_val(child, tree.to_arena(namespace.encode()))
    tree.set_val_style(child, ryml.VAL_DQUO)
    return emit_document(tree, node, item), yamlio.to_python(tree, node)
