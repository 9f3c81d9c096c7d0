"""Two build roots that convert one file into the same namespace under different names.

Each root is its own universe, so each build resolves. But overlays `a` (`namePrefix: a-`) and
`b` (`namePrefix: b-`) over one base, both in namespace `shared`, had Secrets `a-db` and `b-db`;
converted once, the base's ExternalSecret targets one Secret name, so in the cluster the
ExternalSecrets `a-db-...` and `b-db-...` would write one Secret, and ESO refuses the second. eval
cannot know whether the two builds go to one cluster, so this is a warning (within one root's
build it is certain: universes.py refuses it).
"""

from __future__ import annotations

from pathlib import Path

from ..results import Result, warning
from .argocd import application_renames
from .kustomizations import Kustomization
from .placement import FilePlan
from .rootchecks import root_renames
from .source import Source
from .universes import Universe

Seen = tuple[str, tuple[str, ...]]  # root, the renames its build gives a file


def shared_targets(source: Source, done: list[tuple[Universe, dict[str, FilePlan]]]) -> list[Result]:
    by_path = {f.path: f.rel for f in source.files}
    seen: dict[tuple[Path, str], Seen] = {}
    out = []
    for u, plans in done:
        if u.kustomization is None:
            continue
        own = _own_renames(u.kustomization, source, u.name)
        for f, ns in sorted(u.files.items()):
            rel = by_path.get(f)
            if rel is None or not _converts(plans.get(rel)):
                continue
            here = (u.name, (*own, *u.renamed_by.get(f, ())))
            first = seen.setdefault((f, ns or ""), here)
            if first[1] != here[1]:
                out.append(_warn(rel, ns or "", first, here))
    return out


def _own_renames(k: Kustomization, source: Source, name: str) -> tuple[str, ...]:
    renames = [*root_renames(k, source.kustomizations),
               *application_renames(source.root, source.files, name)]
    return tuple(f"{r.field}: {r.value!r} ({r.where})" for r in renames)


def _converts(plan: FilePlan | None) -> bool:
    """The file loses a placeholder or KES object to an ExternalSecret."""
    return plan is not None and any(text is None for text in plan.replaced.values())


def _warn(rel: str, ns: str, first: Seen, here: Seen) -> Result:
    told = " and ".join(", ".join(r) or "no rename" for _, r in (first, here))
    return warning(
        f"{rel}: builds {first[0]} and {here[0]} both put its objects in namespace {ns or '(none)'!r}, "
        f"told apart by {told}; converted once, their ExternalSecrets write one Secret there. "
        "If both builds go to one cluster, ESO refuses the second: declare the secret-sync "
        "function in those builds (transformers:) instead, or give them different namespaces")
