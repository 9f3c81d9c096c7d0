"""Mapping the function's output back to files: which documents are kept (and edited), which are
removed, and where new objects go.

An output object that carries the id of an input object is that object, kept; the objects that
are not matched this way are removed, and every other output object is new. kpt does the same.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from typing import Any

from ..resourcelist import file_ref
from ..results import FileRef
from .annotate import (
    KPT_ID,
    annotations_of,
    strip_namespace,
    strip_own_annotations,
    without_own_annotations,
)
from .changes import diff
from .edit import edit_document
from .problems import fail
from .source import Chunk, Source, SourceFile

KES_GROUP = "kubernetes-client.io/"


@dataclass
class NewDoc:
    index: int
    text: str
    after: int | None = None       # the chunk it follows (an ExternalSecret next to its KES object)


@dataclass
class FilePlan:
    """What happens to one file: its chunks replaced (None: removed) and documents added."""

    source: SourceFile | None
    replaced: dict[int, str | None] = field(default_factory=dict)
    added: list[NewDoc] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.replaced or self.added)


@dataclass(frozen=True)
class Layout:
    """Where a universe's new files go and which namespaces its build sets (kustomization.py)."""

    home: str = ""                                   # directory of new files, relative to the root
    build_namespaces: frozenset[str] = frozenset()   # files whose namespace kustomize sets


def plan(source: Source, outputs: list[tuple[Any, str]],
         layout: Layout = Layout()) -> dict[str, FilePlan]:
    """Every file's plan, by kpt path, for the function's `outputs` (data and text)."""
    by_uid = {c.uid: (f, n, c) for f in source.files for n, c in enumerate(f.chunks) if c.uid}
    plans = {f.rel: FilePlan(f) for f in source.files}
    seen: set[str] = set()
    new: list[tuple[Any, str]] = []
    for data, text in outputs:
        uid = annotations_of(data).get(KPT_ID)
        hit = by_uid.get(uid) if isinstance(uid, str) else None
        if hit is None or uid in seen or not _same_kind(hit[2].data, data):
            new.append((data, text))
            continue
        seen.add(hit[2].uid)
        _plan_kept(plans[hit[0].rel], hit[1], hit[2], data)
    removed = {uid: hit for uid, hit in by_uid.items() if uid not in seen}
    for data, text in new:
        _plan_new(plans, removed, data, text, layout)
    for f, n, _ in removed.values():
        plans[f.rel].replaced[n] = None
    return plans


def _same_kind(a: Any, b: Any) -> bool:
    return bool(a.get("apiVersion") == b.get("apiVersion") and a.get("kind") == b.get("kind"))


def _identity(data: Any) -> tuple[str, str, str, str]:
    meta = data.get("metadata") or {}
    group = str(data.get("apiVersion", "")).rpartition("/")[0]
    return group, str(data.get("kind")), str(meta.get("namespace") or ""), str(meta.get("name"))


def _plan_kept(plan: FilePlan, n: int, chunk: Chunk, out: Any) -> None:
    changes = diff(without_own_annotations(chunk.sent), without_own_annotations(out))
    if changes:
        assert plan.source is not None
        plan.replaced[n] = edit_document(chunk.text, chunk.data, changes,
                                         FileRef(plan.source.rel, chunk.index or 0))


def _plan_new(plans: dict[str, FilePlan], removed: dict[str, tuple[SourceFile, int, Chunk]],
              data: Any, text: str, layout: Layout) -> None:
    """A generated object. If it replaces one a previous run wrote (the pipeline upserts its own
    objects), it is an edit of that document where it stands: re-runs change nothing."""
    ident = _identity(data)
    for uid, (f, n, chunk) in list(removed.items()):
        if _identity(chunk.sent) == ident:  # as sent: with the namespace its build sets
            del removed[uid]
            _plan_kept(plans[f.rel], n, chunk, data)
            return
    path, index = _placement(data)
    if path not in plans:  # a new file (a store): in the directory of the build that needs it
        path = posixpath.join(layout.home, path)
    text = strip_own_annotations(text)
    if path in layout.build_namespaces:  # the kustomization sets it, as for the placeholder
        text = strip_namespace(text)
    plan = plans.setdefault(path, FilePlan(None))
    plan.added.append(NewDoc(index, text, _origin(plan, removed, data)))


def _origin(plan: FilePlan, removed: dict[str, tuple[SourceFile, int, Chunk]],
            data: Any) -> int | None:
    """The kept KES object a new ExternalSecret comes from (`kes.keep: true`): the one in the
    same file whose name the new name extends (suffix and hash naming), longest first."""
    if plan.source is None or data.get("kind") != "ExternalSecret":
        return None
    gone = set(removed)
    name = str(_identity(data)[3])
    best: tuple[int, int] | None = None
    for n, chunk in enumerate(plan.source.chunks):
        if chunk.uid in gone or chunk.data is None or chunk.index is None:
            continue
        if str(chunk.data.get("apiVersion", "")).startswith(KES_GROUP):
            own = _identity(chunk.data)[3]
            if name.startswith(own) and name != own and (best is None or len(own) > best[0]):
                best = (len(own), n)
    return best[1] if best else None


def _placement(data: Any) -> tuple[str, int]:
    """The file and index kpt's annotations give a new object (the pipeline sets both on every
    object it generates), checked to lie inside the tree."""
    ref = file_ref(annotations_of(data))
    if ref is None or not ref.path:  # kyaml's default: [<namespace>/]<kind>_<name>.yaml
        _, kind, ns, name = _identity(data)
        ref = FileRef(f"{ns + '/' if ns else ''}{kind.lower()}_{name}.yaml", 0)
    norm = os.path.normpath(ref.path).replace(os.sep, "/")
    if os.path.isabs(norm) or norm == ".." or norm.startswith("../"):
        raise fail(f"the function placed {_identity(data)[1]} {_identity(data)[3]} at "
                   f"{ref.path!r}, outside the input tree")
    return norm, ref.index or 0  # file_ref always has an index (origin_ref has none)
