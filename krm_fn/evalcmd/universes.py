"""Universes: the sets of files that are converted together.

Every build root (a kustomization under PATH that no other one includes) is a universe of its
own, as `kustomize build` of that root sees it: its files, the namespace its kustomizations set on
each file, and the patches that apply to each file. The YAML files that no kustomization lists
form one more universe; without any kustomization that is every file, as before.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from ..results import FunctionError
from .kustomizations import Kustomization, Patch
from .problems import fail

UNLISTED = "the files no kustomization lists"


@dataclass
class Universe:
    name: str                                   # the root's directory, or UNLISTED
    home: str                                   # where its new files go, relative to the root
    kustomization: Kustomization | None = None
    files: dict[Path, str | None] = field(default_factory=dict)   # file -> namespace set by build
    patches: list[tuple[Patch, frozenset[Path]]] = field(default_factory=list)  # and their scope
    name_uses: list[Patch] = field(default_factory=list)  # replacements, vars, merging generators
    renamed_by: dict[Path, tuple[str, ...]] = field(default_factory=dict)  # file -> renames
    # of the kustomizations between the root and the file (the root's own apply to every file)

    @property
    def declares_function(self) -> bool:
        """The root runs secret-sync itself (transformers/generators): its build converts."""
        return self.kustomization is not None and self.kustomization.declares_function


def not_objects(found: dict[Path, Kustomization]) -> set[Path]:
    """Patch files, build configuration and generator inputs: files that hold no objects."""
    out = {p for k in found.values() for p in k.configs}
    for k in found.values():
        for d in k.config_dirs:
            if d in found:
                out.update(found[d].resources)
    return out


def build_universes(root: Path, found: dict[Path, Kustomization],
                    yaml_files: list[Path]) -> list[Universe]:
    included = {d for k in found.values() for d in (*k.includes, *k.config_dirs)}
    universes = [_universe(root, k, found) for d, k in sorted(found.items()) if d not in included]
    listed = {f for u in universes for f in u.files} | not_objects(found)
    listed |= {k.path for k in found.values()}
    rest = [f for f in yaml_files if f not in listed]
    if rest or not universes:
        universes.append(Universe(UNLISTED if found else "", "", None, dict.fromkeys(rest)))
    return universes


def _universe(root: Path, k: Kustomization, found: dict[Path, Kustomization]) -> Universe:
    home = k.dir.relative_to(root).as_posix()
    u = Universe(home, "" if home == "." else home, k)
    _walk(u, k, None, found, ())
    return u


def _renamed_twice(u: Universe, k: Kustomization, f: Path, namespace: str | None,
                   renames: tuple[tuple[str, ...], tuple[str, ...]]) -> FunctionError:
    """One file built twice into one namespace under two prefixes (tenants/a, tenants/b over one
    base): kustomize builds it, but one converted file would give both copies one Secret name, so
    their ExternalSecrets would write the same Secret (ESO refuses the second)."""
    rel = posixpath.normpath(posixpath.join(posixpath.dirname(k.rel), f.relative_to(k.dir).as_posix()))
    told = " and ".join(", ".join(r) or "no rename" for r in renames)
    return fail(f"{k.rel}: the build of {u.name} includes {rel} twice in namespace "
                f"{namespace or '(none)'!r}, told apart by {told}; converted once, both copies "
                "would write one Secret, which ESO refuses. Declare the secret-sync function in "
                f"{u.name} (transformers:) instead")


def _renames_of(k: Kustomization, u: Universe) -> tuple[str, ...]:
    if u.kustomization is k:
        return ()
    return tuple(f"{r.field}: {r.value!r} ({r.where})" for r in k.renames)


def _walk(u: Universe, k: Kustomization, namespace: str | None,
          found: dict[Path, Kustomization], stack: tuple[Path, ...],
          renames: tuple[str, ...] = ()) -> frozenset[Path]:
    """Add the files `k` builds from, with the namespace that wins (the outermost one set), and
    its patches with the files they may change. Returns those files."""
    if k.dir in stack:
        raise fail(f"{k.rel}: the kustomizations include each other in a cycle")
    namespace = namespace if namespace is not None else k.namespace
    renames = (*renames, *_renames_of(k, u))
    scope: set[Path] = set()
    for f in k.resources:
        if f in u.files and u.files[f] != namespace:
            raise fail(f"{k.rel}: the build of {u.name} includes {f.name} twice, with different "
                       "namespaces; eval cannot edit one file for both (declare the function "
                       "in that build instead)")
        if f in u.files and u.renamed_by[f] != renames:
            raise _renamed_twice(u, k, f, namespace, (u.renamed_by[f], renames))
        u.files[f] = namespace
        u.renamed_by[f] = renames
        scope.add(f)
    for d in k.includes:
        if d in found:
            scope |= _walk(u, found[d], namespace, found, (*stack, k.dir), renames)
    frozen = frozenset(scope)
    u.patches.extend((p, frozen) for p in k.patches)
    u.name_uses.extend(k.name_uses)
    return frozen
