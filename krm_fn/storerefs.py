"""Validate mode: every store reference of secret-sync's ExternalSecrets resolves (issue 13, item 4).

kustomize does not know ESO kinds. When the function runs in a base and an overlay adds
`namePrefix`/`namespace`, the generated ClusterSecretStore gets a new name (and a namespace)
while the ExternalSecrets still name the old store: every secret fails in the cluster, the build
succeeds. Run as the top overlay's last transformer, validate mode catches both.

A validator runs before kustomize fixes name references (that is the last step of a build), so
it sees `prod-aws` with the reference still saying `aws`. A reference to a store's previous name
is fine when kustomize will fix it: for a ClusterSecretStore, kustomize marks its previous
namespace `_non_namespaceable_` only when it knows the kind is cluster-scoped, which only
secret-sync's component (kustomize/eso-kinds) teaches it, and that component also brings the
name reference. For a SecretStore nothing in the input tells, so its previous names are trusted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .eso import MANAGED_BY
from .metadata import PREVIOUS_NAMES, PREVIOUS_NAMESPACES, namespace_key, split_names
from .resourcelist import Item, ResourceList
from .results import Result, error

if TYPE_CHECKING:
    from .config import Spec

ESO_GROUP = "external-secrets.io"
CLUSTER_SCOPED = "_non_namespaceable_"  # kustomize's previous namespace of a cluster-scoped kind
FIX = ("add the component kustomize/eso-kinds of secret-sync to the base that declares the function "
       "(or declare the function in this overlay)")


def _is_eso(item: Item, kind: str) -> bool:
    return item.kind == kind and item.group == ESO_GROUP


def check(rl: ResourceList, spec: Spec) -> list[Result]:
    problems: list[Result] = []
    cluster_stores: set[str] = set()
    namespaced: set[tuple[str, str]] = set()
    for item in rl.items:
        if _is_eso(item, "ClusterSecretStore"):
            cluster_stores.add(item.name)
            if CLUSTER_SCOPED in split_names(item.annotations.get(PREVIOUS_NAMESPACES)):
                cluster_stores.update(split_names(item.annotations.get(PREVIOUS_NAMES)))
            if item.namespace:
                problems.append(error(
                    f"a ClusterSecretStore is cluster-scoped but has namespace {item.namespace!r} "
                    f"(kustomize's `namespace:` does not know ESO kinds); {FIX}",
                    resource=item.ref, field="metadata.namespace", file=item.file))
        elif _is_eso(item, "SecretStore"):
            namespaced.update((name, namespace_key(item.namespace))
                              for name in [item.name, *split_names(item.annotations.get(PREVIOUS_NAMES))])
    existing = {store.name for store in spec.stores}  # stores the validator is told exist
    for item in rl.items:
        if _is_eso(item, "ExternalSecret") and _managed(rl.data(item)):
            problems += _dangling(item, rl.data(item), cluster_stores, namespaced, existing)
    return problems


def _managed(obj: dict[str, Any]) -> bool:
    labels = (obj.get("metadata") or {}).get("labels")
    return isinstance(labels, dict) and labels.get(MANAGED_BY[0]) == MANAGED_BY[1]


def _refs(spec: dict[str, Any]) -> list[tuple[str, Any]]:
    """(field path, storeRef) of an ExternalSecret spec."""
    out: list[tuple[str, Any]] = [("spec.secretStoreRef", spec.get("secretStoreRef"))]
    for i, entry in enumerate(spec.get("dataFrom") or []):
        ref = ((entry or {}).get("sourceRef") or {}).get("storeRef") if isinstance(entry, dict) else None
        if ref is not None:
            out.append((f"spec.dataFrom[{i}].sourceRef.storeRef", ref))
    return out


def _dangling(item: Item, obj: dict[str, Any], cluster_stores: set[str],
              namespaced: set[tuple[str, str]], existing: set[str]) -> list[Result]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return []
    problems: list[Result] = []
    ns = namespace_key(item.namespace)
    for field, ref in _refs(spec):
        if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
            continue
        name, kind = ref["name"], ref.get("kind") or "SecretStore"
        found = name in cluster_stores if kind == "ClusterSecretStore" else (name, ns) in namespaced
        if found or name in existing:
            continue
        renamed = sorted(s for s in (cluster_stores if kind == "ClusterSecretStore" else
                                     {n for n, s_ns in namespaced if s_ns == ns}) if name in s)
        hint = f" (the output has {kind} {', '.join(map(repr, renamed))}: renamed by an overlay?)" if renamed else ""
        problems.append(error(
            f"{kind} {name!r} is not in the output{hint}; {FIX}. A store that exists in the "
            "cluster outside this build: list it in this validator's spec.stores",
            resource=item.ref, field=f"{field}.name", file=item.file))
    return problems
