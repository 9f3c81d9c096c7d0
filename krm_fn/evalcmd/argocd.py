"""Argo CD Applications under PATH that build a root with kustomize overrides.

Argo CD runs `kustomize edit set nameprefix/namesuffix` on the root before its build when an
Application's `spec.source.kustomize` (or an entry of `spec.sources`) sets `namePrefix` or
`nameSuffix`. That renames the store files eval adds to the root, like a `namePrefix:` of the root
itself, so rootchecks.py must know about it. An Application names its directory relative to its
repository's root, and eval may run on a subdirectory: a source path names a root when it is the
root's path under PATH, or ends with it and is no directory under PATH itself (`apps/billing/
overlays/prod` is not the root `overlays/prod` of `eval apps/shop` when both exist).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .kustomizations import Rename
from .source import SourceFile

APPLICATION = ("argoproj.io", "Application")
OVERRIDES = ("namePrefix", "nameSuffix")


def application_renames(top: Path, files: list[SourceFile], root: str) -> list[Rename]:
    """The renames that Applications under PATH give the build of `root` (its path under PATH)."""
    if root in ("", "."):
        return []
    out: list[Rename] = []
    for f in files:
        for chunk in f.objects:
            for where, source in _sources(chunk.data):
                kustomize = source.get("kustomize")
                if _names(top, source.get("path"), root) and isinstance(kustomize, dict):
                    out.extend(Rename(f"{f.rel}[{chunk.index}] Application {_name(chunk.data)}",
                                      f"{where}.kustomize.{key}", str(kustomize[key]))
                               for key in OVERRIDES if isinstance(kustomize.get(key), str)
                               and kustomize[key])
    return out


def _sources(data: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    group = str(data.get("apiVersion", "")).rpartition("/")[0] if isinstance(data, dict) else ""
    if (group, data.get("kind") if isinstance(data, dict) else None) != APPLICATION:
        return
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
    if isinstance(spec.get("source"), dict):
        yield "spec.source", spec["source"]
    sources = spec.get("sources")
    for n, source in enumerate(sources if isinstance(sources, list) else []):
        if isinstance(source, dict):
            yield f"spec.sources[{n}]", source


def _names(top: Path, path: Any, root: str) -> bool:
    """Whether an Application's source `path` is the root `root` under `top` (PATH)."""
    if not isinstance(path, str) or not path.strip():
        return False
    norm = posixpath.normpath(path.strip().strip("/"))
    return norm == root or (norm.endswith("/" + root) and not (top / norm).is_dir())


def _name(data: dict[str, Any]) -> str:
    meta = data.get("metadata")
    return str(meta.get("name")) if isinstance(meta, dict) else "?"
