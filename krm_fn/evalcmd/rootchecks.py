"""What eval checks about a build root beyond what the function sees: objects the build would
hold twice; store files listed in the root's `resources:` must keep the name the ExternalSecrets
use; replacements must not write over a reference eval rewrites; and the entries eval cannot
read (remote, outside PATH, Helm charts) are said.

A store file listed in the root is renamed by the root's namePrefix/nameSuffix, by those of the
components the root includes (kustomize applies a component to the resources of the
kustomization that includes it) and by kustomize's prefix/suffix transformers in its
`transformers:`. kustomize knows no ESO kind, so it rewrites an ExternalSecret's store reference
only when some `configurations:` file of the build (kustomize carries them up from bases and
components, as secret-sync's kustomize/eso-kinds component does) has a nameReference for it.
Without one the reference would name a store that the build does not have: an error. For a
ClusterSecretStore kustomize also needs to know the kind is cluster-scoped (an `openapi:` schema
of the build that names it, as in that component); otherwise it treats it as namespaced and
rewrites only the references of ExternalSecrets in the namespace the root gives the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..results import FileRef, Result, error, warning
from . import lenient
from .kustomizations import Kustomization, Rename, Target, documents, renames_in
from .placement import FilePlan
from .source import SourceFile
from .universes import Universe

ESO_GROUP = "external-secrets.io"
STORE_KINDS = ("SecretStore", "ClusterSecretStore")
STORE_REF = "spec/secretStoreRef/name"  # where the function's ExternalSecrets name their store
FIX = ("add secret-sync's kustomize component kustomize/eso-kinds to {root} (components:) and "
       "run eval again; or declare the secret-sync function in {root} (transformers:); or set "
       "`create: false` on the store and create it elsewhere")


def remote_entries(u: Universe, found: dict[Path, Kustomization]) -> list[Result]:
    """A warning for each remote resource or component and each Helm chart of the root's build:
    eval reads neither."""
    if u.kustomization is None:
        return []
    return [warning(f"{k.rel}: the {entry} is not read: objects and references inside it are "
                    "not migrated")
            for k in _tree(u.kustomization, found) for entry in k.remote]


def renamed_stores(u: Universe, found: dict[Path, Kustomization], plans: dict[str, FilePlan],
                   outputs: list[tuple[Any, str]], outside: list[Rename]) -> list[Result]:
    """An error for each store eval adds to the root that the root's build renames (itself, or
    the `outside` renames an Argo CD Application gives it) while no name reference of the build
    follows it."""
    k = u.kustomization
    if k is None:
        return []
    renames = [*root_renames(k, found), *outside]
    out = []
    for kind, name in _new_stores(plans) if renames else ():
        users = _users(outputs, kind, name)
        if not _follows(k, found, kind, {ns for _, ns in users}):
            out.append(_renamed_store(u.name, kind, name, renames, sorted(n for n, _ in users)))
    return out


def inner_overlays(u: Universe, found: dict[Path, Kustomization],
                   plans: dict[str, FilePlan]) -> list[Result]:
    """A warning for each overlay inside the root (a kustomization the root includes that builds
    on another one: `overlays/prod-eu` -> `overlays/prod` -> `base`) whose converted objects
    would name a store that eval adds to the root only. Built on its own (an Argo CD Application
    often points at it), it would hold ExternalSecrets whose store is missing. A plain base is
    not meant to be built alone, so it gets no warning."""
    k = u.kustomization
    stores = sorted(set(_new_stores(plans))) if k is not None else []
    if k is None or not stores:
        return []
    changed = {fp.source.path for fp in plans.values() if fp.source is not None and fp.changed}
    named = ", ".join(f"{kind} {name!r}" for kind, name in stores)
    return [warning(f"{m.rel}: this overlay's own build would name the {named} that eval adds "
                    f"to {u.name} only; if {_dir(m)} is built on its own (an Argo CD "
                    f"Application, a CI check), move the store file into it and list it there instead of in {u.name}")
            for m in _tree(k, found) if m is not k and _is_overlay(m, found)
            and changed & {f for here in _tree(m, found) for f in here.resources}]


def _is_overlay(m: Kustomization, found: dict[Path, Kustomization]) -> bool:
    """A kustomization that builds on another one through `resources:`, and is not a component."""
    used_as_component = any(m.dir in k.components for k in found.values())
    return not used_as_component and any(
        d in found and d not in m.components for d in m.includes)


def _dir(k: Kustomization) -> str:
    return k.rel.rpartition("/")[0] or "."


def _follows(k: Kustomization, found: dict[Path, Kustomization], kind: str,
             namespaces: set[str]) -> bool:
    """Whether the build of `k` rewrites the store references of the ExternalSecrets (in
    `namespaces`) when it renames a store of `kind` listed in `k`."""
    if kind not in _followed_kinds(k, found):
        return False
    return (kind == "SecretStore" or _knows_cluster_scope(k, found)
            or namespaces <= {k.namespace or ""})


def _renamed_store(root: str, kind: str, name: str, renames: list[Rename],
                   users: list[str]) -> Result:
    how = ", ".join(f"{r.field}: {r.value!r} ({r.where})" for r in renames)
    return error(
        f"{root}: its build renames the {kind} {name!r} that eval would add to it ({how}), but "
        f"the ExternalSecrets {', '.join(users) or '(none)'} would still name {name!r}: "
        f"kustomize does not know ESO kinds. Either {FIX.format(root=root)}")


def overwritten_refs(u: Universe, plans: dict[str, FilePlan]) -> list[Result]:
    """A `replacements:` target that writes a Secret field (by its path) of an object whose
    references eval rewrites: the build would write the old value back over eval's edit."""
    edited = [(str(d.get("kind")), str((d.get("metadata") or {}).get("name")))
              for fp in plans.values() if fp.source is not None
              for n, text in fp.replaced.items() if text is not None
              for d in [fp.source.chunks[n].data] if isinstance(d, dict)]
    out = []
    for use in u.name_uses:
        for target in _replacement_targets(use.docs):
            select = target.get("select")
            select = select if isinstance(select, dict) else {}
            pick = Target(_opt(select.get("kind")), _opt(select.get("name")))
            paths = [str(p) for p in target.get("fieldPaths") or [] if "secret" in str(p).lower()]
            for kind, name in edited if paths else ():
                if pick.matches(kind, name):
                    out.append(error(
                        f"{use.where}: a replacement writes {paths[0]} of {kind} {name}, whose "
                        "Secret references the migration rewrites; the build would put the "
                        "old value back (eval does not edit kustomizations). Change that "
                        "replacement by hand (the ExternalSecret's spec.target.name is the new "
                        f"Secret name), or declare the secret-sync function in {u.name} "
                        "(transformers:)"))
    return out


def _replacement_targets(docs: tuple[Any, ...]) -> Iterator[dict[str, Any]]:
    for doc in (d for x in docs for d in (x if isinstance(x, list) else [x])):
        targets = doc.get("targets") if isinstance(doc, dict) else None
        yield from (t for t in targets or [] if isinstance(t, dict))


def _opt(value: Any) -> str | None:
    return str(value) if isinstance(value, str) and value else None


def same_identity(files: list[SourceFile], u: Universe) -> list[Result]:
    """Objects that the build of a root puts in the same namespace under the same name (the
    root's `namespace:` overrides its bases'): kustomize refuses that build, and the function
    would take one for the other."""
    if u.kustomization is None:
        return []
    first: dict[tuple[str, ...], tuple[FileRef, Path]] = {}
    out = []
    for f in files:
        for c in f.objects:
            meta = c.data.get("metadata") or {}
            ns = u.files.get(f.path) or str(meta.get("namespace") or "")
            key = (str(c.data.get("apiVersion")).rpartition("/")[0], str(c.data.get("kind")),
                   ns, str(meta.get("name")))
            where = FileRef(f.rel, c.index)
            if key in first:
                out.append(_twice(c.data, u, ns, first[key], (where, f.path)))
            first.setdefault(key, (where, f.path))
    return out


def _twice(data: Any, u: Universe, ns: str, other: tuple[FileRef, Path],
           this: tuple[FileRef, Path]) -> Result:
    """Two objects with one identity in the build: kustomize refuses it, unless a kustomization
    between the root and them renames one (`nameSuffix: -a` in `a/`, which includes `a/base/`),
    which eval does not follow."""
    (ref, path), (where, here) = other, this
    also = f"also {ref.path}[{ref.index}]"
    head = (f"{_kind_name(data)}: the build of {u.name} has this object twice in namespace "
            f"{ns or '(none)'!r}")
    renames = sorted(set(u.renamed_by.get(path, ())) ^ set(u.renamed_by.get(here, ())))
    if not renames:
        return error(f"{head} ({also}); kustomize refuses that build. Give them different names "
                     "or namespaces", file=where)
    return error(f"{head} before renames ({also}); the build tells them apart by "
                 f"{', '.join(renames)}, which eval does not follow, so it cannot tell which "
                 f"references name which. Declare the secret-sync function in {u.name} "
                 "(transformers:), or give them different names", file=where)


def _kind_name(data: Any) -> str:
    return f"{data.get('kind')} {(data.get('metadata') or {}).get('name')}"


def _tree(k: Kustomization, found: dict[Path, Kustomization]) -> Iterator[Kustomization]:
    """`k` and every kustomization it builds on (bases and components), each once."""
    seen: set[Path] = set()
    todo = [k]
    while todo:
        here = todo.pop()
        if here.dir in seen:
            continue
        seen.add(here.dir)
        yield here
        todo.extend(found[d] for d in here.includes if d in found)


def root_renames(k: Kustomization, found: dict[Path, Kustomization]) -> list[Rename]:
    """What renames the resources listed in `k`: its own settings, its transformer
    kustomizations' prefix/suffix transformers, and the components it includes (recursively)."""
    out = list(k.renames)
    for d in k.config_dirs:
        if d in found:
            out.extend(r for f in found[d].resources for r in renames_in(f, _rel(found[d], f)))
    for c in k.components:
        if c in found and c != k.dir:
            out.extend(root_renames(found[c], found))
    return out


def _rel(k: Kustomization, f: Path) -> str:
    base = k.rel.rpartition("/")[0]
    return f"{base}/{f.name}" if base else f.name


def _followed_kinds(k: Kustomization, found: dict[Path, Kustomization]) -> set[str]:
    """The store kinds whose new name kustomize writes into an ExternalSecret's store reference
    in the build of `k`: from the nameReference of every configurations file of its tree."""
    return {kind for here in _tree(k, found) for path in here.configurations
            for doc in documents(path) for kind in _followed_in(doc)}


def _followed_in(doc: Any) -> Iterator[str]:
    refs = doc.get("nameReference") if isinstance(doc, dict) else None
    for ref in refs if isinstance(refs, list) else []:
        if not isinstance(ref, dict) or ref.get("kind") not in STORE_KINDS:
            continue
        if ref.get("group") not in (None, ESO_GROUP):
            continue
        specs = ref.get("fieldSpecs")
        if any(_covers_store_ref(s) for s in (specs if isinstance(specs, list) else [])):
            yield str(ref["kind"])


def _covers_store_ref(spec: Any) -> bool:
    return (isinstance(spec, dict) and str(spec.get("path", "")).strip("/") == STORE_REF
            and spec.get("kind") in (None, "ExternalSecret")
            and spec.get("group") in (None, ESO_GROUP))


def _new_stores(plans: dict[str, FilePlan]) -> Iterator[tuple[str, str]]:
    for fp in plans.values():
        if fp.source is not None:
            continue
        for doc in fp.added:
            data = lenient.load(doc.text)
            if isinstance(data, dict) and data.get("kind") in STORE_KINDS:
                yield str(data["kind"]), str((data.get("metadata") or {}).get("name"))


def _knows_cluster_scope(k: Kustomization, found: dict[Path, Kustomization]) -> bool:
    return any(here.openapi is not None and "ClusterSecretStore" in _text(here.openapi)
               for here in _tree(k, found))


def _text(path: Path) -> str:
    try:
        return path.read_text("utf-8", errors="replace")
    except OSError:
        return ""


def _users(outputs: list[tuple[Any, str]], kind: str, name: str) -> set[tuple[str, str]]:
    """The ExternalSecrets (name, namespace) of the output that name the store."""
    out = set()
    for data, _ in outputs:
        if not isinstance(data, dict) or data.get("kind") != "ExternalSecret":
            continue
        ref = (data.get("spec") or {}).get("secretStoreRef") or {}
        if ref.get("name") == name and ref.get("kind", "SecretStore") == kind:
            meta = data.get("metadata") or {}
            out.add((str(meta.get("name")), str(meta.get("namespace") or "")))
    return out
