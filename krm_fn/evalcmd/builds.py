"""Running the function once per universe (universes.py) and merging what each one plans.

A file in several universes (a base) must get the same edit from each of them; otherwise the run
fails naming the file, the object and what each build would need. An object that a patch of its
build changes cannot be converted from its file alone (the build sees the patched object), so
converting it, or failing on it, is reported with the patch and the function route.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..results import FileRef, FunctionError, Result, error, info
from . import lenient
from .annotate import with_namespace
from .argocd import application_renames
from .changes import diff
from .crossroots import shared_targets
from .function import run
from .placement import FilePlan, Layout, plan
from .problems import report
from .rootchecks import (
    inner_overlays,
    overwritten_refs,
    remote_entries,
    renamed_stores,
    same_identity,
)
from .source import Chunk, Source, SourceFile
from .universes import UNLISTED, Universe


@dataclass
class Planned:
    universe: Universe
    plans: dict[str, FilePlan]
    failed: bool = False           # its errors are reported; its plans do not count


def plan_all(source: Source) -> tuple[dict[str, FilePlan], list[Planned]]:
    """Every file's plan, agreed by every universe that holds it. All problems of all universes
    are reported together, then the run stops."""
    problems: list[tuple[Result, str]] = []
    notes: list[tuple[Result, str]] = []
    done: list[Planned] = []
    for u in source.universes:
        if u.declares_function:
            notes.append((info(f"{u.name}: the build declares the secret-sync function itself; "
                               "eval leaves its files to it"), ""))
            done.append(Planned(u, {}))
            continue
        view, layout = _view(source, u)
        problems.extend((r, _build(u)) for r in same_identity(view.files, u))
        outputs, results = run(view)
        errors = [r for r in results if r.severity == "error"]
        plans = {} if errors else plan(view, outputs, layout)
        problems.extend((r, _build(u)) for r in _patched(view, u, plans, errors))
        problems.extend((r, _build(u)) for r in _stale_patches(view, u, plans))
        problems.extend((r, _build(u)) for r in _stale_name_uses(view, u, plans))
        problems.extend((r, "") for r in renamed_stores(
            u, source.kustomizations, plans, outputs, application_renames(source.root, source.files, u.name)))
        problems.extend((r, _build(u)) for r in overwritten_refs(u, plans))
        notes.extend((r, _build(u)) for r in remote_entries(u, source.kustomizations))
        notes.extend((r, "") for r in inner_overlays(u, source.kustomizations, plans))
        notes.extend((r, _build(u)) for r in results if r.severity != "error")
        done.append(Planned(u, plans, bool(errors)))
    if len(source.universes) > 1 and source.universes[-1].name == UNLISTED:
        notes.append((info(f"{UNLISTED} ({len(source.universes[-1].files)}) were converted "
                           "together, as one more build"), ""))
    merged = _merge(source, done, problems)
    notes.extend((r, "") for r in shared_targets(
        source, [(p.universe, p.plans) for p in done if not p.failed]))
    if problems:  # errors first; the notes after them, as they may explain them
        raise FunctionError(*_grouped(problems), *_grouped(notes))
    report(_grouped(notes))
    return merged, done


def _view(source: Source, u: Universe) -> tuple[Source, Layout]:
    """The files of `u`, their objects in the namespace the build gives them."""
    files: list[SourceFile] = []
    namespaced: set[str] = set()
    for f in source.files:
        if f.path not in u.files:
            continue
        ns = u.files[f.path]
        if ns is not None:
            f = replace(f, chunks=[_in_namespace(c, ns) for c in f.chunks])
            namespaced.add(f.rel)
        files.append(f)
    view = Source(source.root, files, source.config_text)
    return view, Layout(u.home, frozenset(namespaced))


def _in_namespace(chunk: Chunk, namespace: str) -> Chunk:
    if chunk.index is None:
        return chunk
    item, sent = with_namespace(chunk.item, namespace)
    return replace(chunk, item=item, sent=sent)


def _build(u: Universe) -> str:
    return "" if u.kustomization is None else u.name


def _patched(view: Source, u: Universe, plans: dict[str, FilePlan],
             errors: list[Result]) -> list[Result]:
    """Errors of this universe, where an object its patches change is named with the patch."""
    out: list[Result] = []
    flagged: set[FileRef] = set()
    for f in view.files:
        for n, chunk in enumerate(f.chunks):
            patch = _patch_of(u, f, chunk)
            if patch is None or chunk.index is None:
                continue
            where = FileRef(f.rel, chunk.index)
            failed = any(r.file == where for r in errors)
            if failed or (f.rel in plans and plans[f.rel].replaced.get(n, "") is None):
                flagged.add(where)
                out.append(error(
                    f"{_describe(chunk.data)} cannot be converted file by file: the patch "
                    f"{patch} changes it in the build of {u.name}, which only sees the patched "
                    f"object. Declare the secret-sync function in {u.name} (transformers:) so "
                    "the build converts it, or move what the patch adds into the object",
                    file=where))
    out.extend(r for r in errors if r.file not in flagged)
    return out


def _stale_patches(view: Source, u: Universe, plans: dict[str, FilePlan]) -> list[Result]:
    """A patch of the build that names a Secret the migration renames would put the old name
    back after eval rewrote the object (eval does not edit patches): an error, never a wrong
    reference."""
    old = _renamed(view, plans)
    out = []
    for patch, _ in u.patches:
        for name in sorted({s for d in patch.docs for s in _strings(d)} & old):
            out.append(error(
                f"{patch.where}: this patch names the Secret {name!r}, which the migration "
                f"renames; eval does not edit patches. Declare the secret-sync function in "
                f"{u.name} (transformers:) so the build rewrites the patched object, or use "
                "`keep` naming"))
    return out


def _stale_name_uses(view: Source, u: Universe, plans: dict[str, FilePlan]) -> list[Result]:
    """`replacements`, `vars` and merging generators that name a Secret the migration replaces
    or renames: the build would fail on, or copy, a name nothing creates any more."""
    gone = _renamed(view, plans) | _replaced_secrets(view, plans)
    out = []
    for use in u.name_uses:
        named = {s for d in use.docs for s in _strings(d)}
        for name in sorted(named & gone if "Secret" in named else ()):
            out.append(error(
                f"{use.where}: names the Secret {name!r}, which the migration replaces by an "
                "ExternalSecret (the Secret it makes is named by its spec.target.name); eval "
                "does not edit kustomizations: change or remove that entry by hand"))
    return out


def _replaced_secrets(view: Source, plans: dict[str, FilePlan]) -> set[str]:
    """The names of the placeholder Secrets that leave the build (`keep` naming too)."""
    return {str((f.chunks[n].data.get("metadata") or {}).get("name"))
            for f in view.files for n, text in (plans.get(f.rel) or FilePlan(f)).replaced.items()
            if text is None and f.chunks[n].data.get("kind") == "Secret"}


def _renamed(view: Source, plans: dict[str, FilePlan]) -> set[str]:
    """The old names of the Secrets whose references the function rewrote in this universe."""
    old: set[str] = set()
    kept: set[str] = set()  # names that stay (`keep` naming)
    for f in view.files:
        plan_ = plans.get(f.rel) or FilePlan(f)
        for n, text in plan_.replaced.items():
            if text is not None:
                old.update(_changed_strings(f.chunks[n].data, lenient.load(text)))
            else:  # a replaced placeholder or KES object: its name is gone unless kept
                old.add(str((f.chunks[n].data.get("metadata") or {}).get("name")))
        for doc in plan_.added:
            kept.add(str((lenient.load(doc.text).get("metadata") or {}).get("name")))
    return old - kept


def _changed_strings(before: Any, after: Any) -> list[str]:
    out = []
    for c in diff(before, after):
        was: Any = before
        for seg in c.path:
            was = was[seg] if isinstance(was, (dict, list)) else None
        if c.leaf and isinstance(was, str):
            out.append(was)
    return out


def _strings(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [s for v in data.values() for s in _strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    return [data] if isinstance(data, str) else []


def _patch_of(u: Universe, f: SourceFile, chunk: Chunk) -> str | None:
    if chunk.data is None:
        return None
    kind, name = str(chunk.data.get("kind")), str((chunk.data.get("metadata") or {}).get("name"))
    for patch, scope in u.patches:
        if f.path in scope and patch.target.matches(kind, name):
            return patch.where
    return None


def _describe(data: Any) -> str:
    meta = data.get("metadata") or {}
    return f"{data.get('kind')} {meta.get('name')}"


def _merge(source: Source, done: list[Planned],
           problems: list[tuple[Result, str]]) -> dict[str, FilePlan]:
    """One plan per file; a file whose universes plan differently is a problem."""
    merged: dict[str, FilePlan] = {}
    owners: dict[str, list[tuple[str, FilePlan]]] = {}
    by_rel = {f.rel: f for f in source.files}
    for p in (p for p in done if not p.failed):
        for rel in _files_of(p, by_rel):
            owners.setdefault(rel, []).append((p.universe.name, p.plans.get(rel) or
                                               FilePlan(by_rel.get(rel))))
    for rel, entries in sorted(owners.items()):
        first = entries[0][1]
        taken = _taken(rel, entries, by_rel)
        if taken is not None:
            problems.append((taken, ""))
        elif all(_signature(e) == _signature(first) for _, e in entries[1:]):
            merged[rel] = first
        else:
            problems.append((_disagreement(rel, entries), ""))
    for f in source.files:
        merged.setdefault(f.rel, FilePlan(f))
    return merged


def _taken(rel: str, entries: list[tuple[str, FilePlan]],
           by_rel: dict[str, SourceFile]) -> Result | None:
    """A build that writes a new file (a store) where a file of another build already is."""
    new = [name for name, p in entries if p.source is None and p.added]
    if rel not in by_rel or not new:
        return None
    others = ", ".join(name for name, p in entries if name not in new) or "no build"
    return error(f"{rel}: build {new[0]} would write a new store to this file, but the file "
                 f"exists and is not listed in {new[0]} (it belongs to {others}). Move or rename "
                 "it, or list it in that build's resources:")


def _files_of(p: Planned, by_rel: dict[str, SourceFile]) -> list[str]:
    held = [rel for rel, f in by_rel.items() if f.path in p.universe.files]
    return sorted(set(held) | set(p.plans))


def _signature(p: FilePlan) -> tuple[Any, ...]:
    return tuple(sorted(p.replaced.items(), key=lambda kv: kv[0])), tuple(
        (d.index, d.after, d.text) for d in p.added)


def _disagreement(rel: str, entries: list[tuple[str, FilePlan]]) -> Result:
    """Which object differs and what each build would make of it."""
    n = _first_difference(entries)
    source = next((p.source for _, p in entries if p.source is not None), None)
    obj = ""
    if source is not None and n is not None and source.chunks[n].data is not None:
        obj = f"[{source.chunks[n].index}]: {_describe(source.chunks[n].data)}"
    needs = "; ".join(f"build {name}: {_needs(p, n)}" for name, p in entries)
    return error(
        f"{rel}{obj}: the builds that include this file need different edits of it ({needs}). "
        "eval can write only one; declare the secret-sync function in those builds "
        "(transformers:) instead, or use `suffix` or `keep` naming so that every build names "
        "the Secret alike")


def _first_difference(entries: list[tuple[str, FilePlan]]) -> int | None:
    """The first document the builds edit differently; None when only new documents differ."""
    for n in sorted({n for _, p in entries for n in p.replaced}):
        if len({p.replaced.get(n, "") for _, p in entries}) > 1:
            return n
    return None


def _needs(p: FilePlan, n: int | None) -> str:
    return f"{len(p.added)} new object(s)" if n is None else _edit_summary(p, n)


def _edit_summary(p: FilePlan, n: int) -> str:
    if n not in p.replaced:
        return "no change"
    text = p.replaced[n]
    if text is None:
        return "replaced by an ExternalSecret"
    assert p.source is not None
    new = lenient.load(text)
    changes = diff(p.source.chunks[n].data, new)
    shown = ", ".join(f"{'.'.join(map(str, c.path))}: {c.value}" for c in changes[:3])
    return shown or "an edit"


def _grouped(found: list[tuple[Result, str]]) -> list[Result]:
    """Each result once, naming the builds it came from (a base's problem shows in each)."""
    firsts: dict[str, Result] = {}
    builds: dict[str, list[str]] = {}
    for r, build in found:
        key = r.describe()  # results hold dicts (tags): not hashable themselves
        firsts.setdefault(key, r)
        if build and build not in builds.setdefault(key, []):
            builds[key].append(build)
    return [r._replace(message=f"{r.message} (build{'s' if len(b) > 1 else ''} {', '.join(b)})")
            if (b := builds.get(key)) else r for key, r in firsts.items()]
