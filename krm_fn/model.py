"""The domain types every step shares: where a request came from, which store it reads, what to sync.

Placeholders (placeholders.py) and KES objects (kes/) are both turned into `SecretRequest`s; from there
on, naming, ESO emission and reference rewriting do not care where a request came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .results import FileRef, ResourceRef

StoreKind = Literal["ClusterSecretStore", "SecretStore"]
NamingStrategy = Literal["hash", "suffix", "keep"]


@dataclass(frozen=True)
class Source:
    """The input object a request replaces, and the names references may still use for it."""

    ref: ResourceRef
    # (name, namespace) pairs that name this object: the current one first, then kustomize's
    # previousNames/previousNamespaces, because references are only fixed by kustomize afterwards.
    aliases: tuple[tuple[str, str], ...]
    file: FileRef | None = None
    # kpt bookkeeping of the input object; the generated ExternalSecret takes its place in that file.
    kpt_path: str | None = None
    kpt_index: str | None = None

    @property
    def name(self) -> str:
        return self.ref.name

    @property
    def namespace(self) -> str | None:
        return self.ref.namespace


@dataclass
class StoreSpec:
    """A (Cluster)SecretStore the output needs: from `spec.stores` or derived from a KES backend."""

    name: str
    kind: StoreKind
    provider: dict[str, Any] | None
    create: bool = True
    controller: str | None = None
    extra_spec: dict[str, Any] = field(default_factory=dict)  # conditions, retrySettings, ...

    def identity(self) -> dict[str, Any]:
        """What about the store decides the Secret's content (part of the hash name)."""
        return {"name": self.name, "kind": self.kind, "provider": self.provider,
                "controller": self.controller}


@dataclass
class SecretRequest:
    """One ExternalSecret to emit, independent of whether it came from a placeholder or KES."""

    source: Source
    origin: Literal["placeholder", "kes"]
    store: StoreSpec
    # ESO `spec.data` / `spec.dataFrom` entries without the server-defaulted fields (eso.py adds them).
    data: list[dict[str, Any]] = field(default_factory=list)
    data_from: list[dict[str, Any]] = field(default_factory=list)
    secret_type: str | None = None
    # target.template.data (Go templates) and whether fetched keys are merged with it.
    template_data: dict[str, str] = field(default_factory=dict)
    merge_policy: Literal["Replace", "Merge"] | None = None
    immutable: bool | None = None
    # metadata of the ExternalSecret itself and of the target Secret (template.metadata)
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    template_labels: dict[str, str] = field(default_factory=dict)
    template_annotations: dict[str, str] = field(default_factory=dict)
    template_finalizers: list[str] = field(default_factory=list)
    naming: NamingStrategy = "hash"
    revision: str | None = None
    # the ExternalSecret carries `spec.target.name` explicitly (KES always named the Secret itself)
    explicit_target_name: bool = True
    # keep the source object in the output too (KES side-by-side migration)
    keep_source: bool = False
    # planned by naming.py
    target_name: str = ""
