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
name reference. For a SecretStore nothing in the input tells: a reference to its previous name is
fine when some ClusterSecretStore of the build shows the component, else a warning (without the
component it names a store that does not exist; with it, the warning is noise we cannot tell apart).

A store that is not in the output at all may exist in the cluster (`create: false`): a warning,
silenced by listing it in the validator's `spec.stores`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .eso import MANAGED_BY
from .metadata import PREVIOUS_NAMES, PREVIOUS_NAMESPACES, namespace_key, split_names
from .resourcelist import Item, ResourceList
from .results import Result, error, warning

if TYPE_CHECKING:
    from .config import Spec

ESO_GROUP = "external-secrets.io"
CLUSTER_SCOPED = "_non_namespaceable_"  # kustomize's previous namespace of a cluster-scoped kind
FIX = ("add the component kustomize/eso-kinds of secret-sync to the base that declares the function "
       "(or declare the function in this overlay)")


class Stores:
    """The stores of the output: names a reference may use, and names kustomize will leave stale."""

    def __init__(self) -> None:
        self.cluster: set[str] = set()
        self.namespaced: set[tuple[str, str]] = set()
        self.stale: dict[str, str] = {}  # previous ClusterSecretStore name -> current name
        # (previous SecretStore name, namespace) -> current name: fixed by kustomize only with the component
        self.renamed: dict[tuple[str, str], str] = {}
        self.component = False  # a ClusterSecretStore shows kustomize knows the ESO kinds

    def add(self, item: Item) -> None:
        previous = split_names(item.annotations.get(PREVIOUS_NAMES))
        if item.kind == "SecretStore":
            ns = namespace_key(item.namespace)
            self.namespaced.add((item.name, ns))
            self.renamed.update(((n, ns), item.name) for n in previous if n != item.name)
            return
        self.cluster.add(item.name)
        if CLUSTER_SCOPED in split_names(item.annotations.get(PREVIOUS_NAMESPACES)):
            self.cluster.update(previous)  # kustomize knows the kind: it fixes the references too
            self.component = True
        else:
            self.stale.update((n, item.name) for n in previous if n != item.name)

    def resolves(self, kind: str, name: str, namespace: str) -> bool:
        if kind == "ClusterSecretStore":
            return name in self.cluster
        return (name, namespace) in self.namespaced or (self.component and (name, namespace) in self.renamed)


def _is_eso(item: Item, *kinds: str) -> bool:
    return item.kind in kinds and item.group == ESO_GROUP


def check(rl: ResourceList, spec: Spec) -> list[Result]:
    problems: list[Result] = []
    stores = Stores()
    for item in rl.items:
        if not _is_eso(item, "ClusterSecretStore", "SecretStore"):
            continue
        stores.add(item)
        if item.kind == "ClusterSecretStore" and item.namespace:
            problems.append(error(
                f"a ClusterSecretStore is cluster-scoped but has namespace {item.namespace!r} "
                f"(kustomize's `namespace:` does not know ESO kinds); {FIX}",
                resource=item.ref, field="metadata.namespace", file=item.file))
    listed = {store.name for store in spec.stores}  # stores the validator is told exist
    for item in rl.items:
        if _is_eso(item, "ExternalSecret") and _managed(rl.data(item)):
            problems += _dangling(item, rl.data(item), stores, listed)
    return problems


def _managed(obj: dict[str, Any]) -> bool:
    labels = (obj.get("metadata") or {}).get("labels")
    return isinstance(labels, dict) and labels.get(MANAGED_BY[0]) == MANAGED_BY[1]


def _refs(spec: dict[str, Any]) -> list[tuple[str, Any]]:
    """(field path, storeRef) of an ExternalSecret spec."""
    out: list[tuple[str, Any]] = [("spec.secretStoreRef", spec.get("secretStoreRef"))]
    data_from = spec.get("dataFrom")
    # any shape may come in (someone's hand-edited object): what is not a list of mappings holds no reference
    for i, entry in enumerate(data_from if isinstance(data_from, list) else []):
        source = entry.get("sourceRef") if isinstance(entry, dict) else None
        ref = source.get("storeRef") if isinstance(source, dict) else None
        if ref is not None:
            out.append((f"spec.dataFrom[{i}].sourceRef.storeRef", ref))
    return out


def _dangling(item: Item, obj: dict[str, Any], stores: Stores, listed: set[str]) -> list[Result]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return []
    problems: list[Result] = []
    for field, ref in _refs(spec):
        if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
            continue
        name, kind = ref["name"], ref.get("kind") or "SecretStore"
        if stores.resolves(kind, name, namespace_key(item.namespace)) or name in listed:
            continue
        where = {"resource": item.ref, "field": f"{field}.name", "file": item.file}
        renamed = stores.stale.get(name) if kind == "ClusterSecretStore" else None
        maybe = stores.renamed.get((name, namespace_key(item.namespace))) if kind != "ClusterSecretStore" else None
        if renamed is not None:
            problems.append(error(
                f"{kind} {name!r} was renamed to {renamed!r} in this build (namePrefix/nameSuffix) and "
                f"kustomize does not know this reference, so it stays {name!r}; {FIX}", **where))
        elif maybe is not None:
            problems.append(warning(
                f"{kind} {name!r} was renamed to {maybe!r} in this build (namePrefix/nameSuffix); kustomize "
                "fixes this reference only when the base that declares the function uses the component "
                "kustomize/eso-kinds of secret-sync; without it the reference names a store that does not "
                "exist (add the component, or declare the function in this overlay)", **where))
        else:
            problems.append(warning(
                f"{kind} {name!r} is not in the output; fine if it exists in the cluster (list it in "
                "this validator's spec.stores to say so)", **where))
    return problems
