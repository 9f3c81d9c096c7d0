"""Stores: the named stores of the config, and the store objects the output needs (each once).

A ClusterSecretStore is emitted once and never namespaced; a SecretStore once per namespace that
uses it (ESO resolves a SecretStore only in its own namespace). `create: false` stores are only
referenced.
"""

from __future__ import annotations

from .model import SecretRequest, StoreSpec
from .providers import check_provider
from .records import TYPE_CHECKING
from .results import Result, error

if TYPE_CHECKING:
    from typing import Any

    from .config import Spec


def configured(spec: Spec) -> tuple[dict[str, StoreSpec], list[Result]]:
    """The stores of `spec.stores` by name, with problems reported against the config field."""
    stores: dict[str, StoreSpec] = {}
    problems: list[Result] = []
    for i, cfg in enumerate(spec.stores):
        where = f"spec.stores[{i}]"
        if cfg.name in stores:
            problems.append(error(f"{where}.name: store {cfg.name!r} is defined twice"))
        if cfg.create:
            if cfg.provider is None:
                problems.append(error(f"{where}.provider is required when create is true"))
            for fld, msg in check_provider(cfg.provider) if cfg.provider is not None else []:
                path = f"{where}.provider.{fld}" if fld else f"{where}.provider"
                problems.append(error(f"{path} {msg}"))
        extra: dict[str, Any] = {}
        if cfg.conditions is not None:
            extra["conditions"] = cfg.conditions
        if cfg.retrySettings is not None:
            extra["retrySettings"] = cfg.retrySettings
        stores[cfg.name] = StoreSpec(cfg.name, cfg.kind, cfg.provider, cfg.create,
                                     cfg.controller, extra)
    if spec.defaultStore is not None and spec.defaultStore not in stores:
        problems.append(error(f"spec.defaultStore: no store named {spec.defaultStore!r} in spec.stores"))
    return stores, problems


def needed(requests: list[SecretRequest]) -> tuple[list[tuple[StoreSpec, str | None]], list[Result]]:
    """(store, namespace) pairs to emit, in first-use order, and conflicting store definitions."""
    out: dict[tuple[str, str, str | None], StoreSpec] = {}
    problems: list[Result] = []
    for req in requests:
        store = req.store
        if not store.create:
            continue
        ns = req.source.namespace if store.kind == "SecretStore" else None
        key = (store.kind, store.name, ns)
        existing = out.get(key)
        if existing is None:
            out[key] = store
        elif existing.identity() != store.identity() or existing.extra_spec != store.extra_spec:
            problems.append(error(
                f"two different {store.kind}s are both named {store.name!r}",
                resource=req.source.ref, file=req.source.file))
    return [(store, key[2]) for key, store in out.items()], problems
