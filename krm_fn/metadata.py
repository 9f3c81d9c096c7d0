"""Which labels and annotations are the user's, and the names references may use for an object."""

from __future__ import annotations

from .model import Source
from .resourcelist import INDEX_ANNOTATIONS, PATH_ANNOTATIONS, Item
from .resourcelist import OWN_PREFIX as OWN_PREFIX  # re-exported: its home before resourcelist needed it

# Annotations that belong to orchestrators or kubectl: never copied onto generated objects or Secrets.
FOREIGN_PREFIXES = (
    OWN_PREFIX,
    "config.kubernetes.io/",
    "alpha.config.kubernetes.io/",     # kustomize's build record (transformations, ...)
    "internal.config.kubernetes.io/",
    "config.k8s.io/",
    "kustomize.config.k8s.io/",
    "kpt.dev/",
    "kubectl.kubernetes.io/last-applied-configuration",
)
PREVIOUS_NAMES = "internal.config.kubernetes.io/previousNames"
PREVIOUS_NAMESPACES = "internal.config.kubernetes.io/previousNamespaces"
# kpt's file bookkeeping; the legacy keys (config.kubernetes.io/...) are read too, never written
KPT_PATH, KPT_INDEX = PATH_ANNOTATIONS[0], INDEX_ANNOTATIONS[0]
DEFAULT_NAMESPACE = "default"


def user_annotations(annotations: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in annotations.items() if not k.startswith(FOREIGN_PREFIXES)}


def namespace_key(namespace: str | None) -> str:
    """kustomize treats an object without namespace as being in `default`; so do we."""
    return namespace or DEFAULT_NAMESPACE


def source_of(item: Item) -> Source:
    aliases = [(item.name, namespace_key(item.namespace))]
    names = split_names(item.annotations.get(PREVIOUS_NAMES))
    namespaces = split_names(item.annotations.get(PREVIOUS_NAMESPACES))
    for i, name in enumerate(names):
        ns = namespaces[i] if i < len(namespaces) else item.namespace
        alias = (name, namespace_key(ns))
        if alias not in aliases:
            aliases.append(alias)
    return Source(
        ref=item.ref,
        aliases=tuple(aliases),
        file=item.file,
    )


def split_names(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",")] if value else []
