"""The domain types every step shares: where a request came from, which store it reads, what to sync.

Placeholders (placeholders.py) and KES objects (kes/) are both turned into `SecretRequest`s; from there
on, naming, ESO emission and reference rewriting do not care where a request came from.
"""

from __future__ import annotations

from .records import TYPE_CHECKING, NamedTuple
from .results import FileRef, ResourceRef

if TYPE_CHECKING:
    from typing import Any, Literal

    StoreKind = Literal["ClusterSecretStore", "SecretStore"]
    NamingStrategy = Literal["hash", "suffix", "keep"]
else:

    def __getattr__(name: str) -> object:
        """The same two types for run-time use (the pydantic config, KES conversion), built when
        first asked for: the function's start path uses them only in annotations (see records)."""
        if name not in ("StoreKind", "NamingStrategy"):  # the import system asks for others
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from typing import Literal

        literals = {"StoreKind": Literal["ClusterSecretStore", "SecretStore"],
                    "NamingStrategy": Literal["hash", "suffix", "keep"]}
        return literals[name]


class Source(NamedTuple):
    """The input object a request replaces, and the names references may still use for it."""

    ref: ResourceRef
    # (name, namespace) pairs that name this object: the current one first, then kustomize's
    # previousNames/previousNamespaces, because references are only fixed by kustomize afterwards.
    aliases: tuple[tuple[str, str], ...]
    # where the object is in the input (kpt path/index); its ExternalSecret takes that place
    file: FileRef | None = None

    @property
    def name(self) -> str:
        return self.ref.name

    @property
    def namespace(self) -> str | None:
        return self.ref.namespace


class StoreSpec:
    """A (Cluster)SecretStore the output needs: from `spec.stores` or derived from a KES backend."""

    def __init__(self, name: str, kind: StoreKind, provider: dict[str, Any] | None,
                 create: bool = True, controller: str | None = None,
                 extra_spec: dict[str, Any] | None = None) -> None:
        self.name = name
        self.kind: StoreKind = kind
        self.provider = provider
        self.create = create
        self.controller = controller
        self.extra_spec: dict[str, Any] = extra_spec or {}  # conditions, retrySettings, ...

    def identity(self) -> dict[str, Any]:
        """What about the store decides the Secret's content (part of the hash name)."""
        return {"name": self.name, "kind": self.kind, "provider": self.provider,
                "controller": self.controller}

    def __repr__(self) -> str:
        return f"StoreSpec({self.kind} {self.name})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value


class SecretRequest:
    """One ExternalSecret to emit, independent of whether it came from a placeholder or KES.

    `data` and `data_from` are ESO `spec.data` / `spec.dataFrom` entries without the
    server-defaulted fields (eso.py adds them); `template_data` holds target.template.data (Go
    templates) and `merge_policy` whether fetched keys are merged with it; `labels`/`annotations`
    are the ExternalSecret's own, `template_*` the target Secret's (template.metadata);
    `explicit_target_name` writes spec.target.name (KES always named the Secret itself);
    `keep_source` keeps the source object in the output too (KES side-by-side migration);
    `target_name` is set by naming.py."""

    def __init__(self, source: Source, origin: Literal["placeholder", "kes"], store: StoreSpec, *,
                 data: list[dict[str, Any]] | None = None,
                 data_from: list[dict[str, Any]] | None = None,
                 secret_type: str | None = None,
                 template_data: dict[str, str] | None = None,
                 merge_policy: Literal["Replace", "Merge"] | None = None,
                 immutable: bool | None = None,
                 labels: dict[str, str] | None = None,
                 annotations: dict[str, str] | None = None,
                 template_labels: dict[str, str] | None = None,
                 template_annotations: dict[str, str] | None = None,
                 template_finalizers: list[str] | None = None,
                 naming: NamingStrategy = "hash",
                 revision: str | None = None,
                 explicit_target_name: bool = True,
                 keep_source: bool = False) -> None:
        self.source = source
        self.origin = origin
        self.store = store
        self.data: list[dict[str, Any]] = data or []
        self.data_from: list[dict[str, Any]] = data_from or []
        self.secret_type = secret_type
        self.template_data: dict[str, str] = template_data or {}
        self.merge_policy = merge_policy
        self.immutable = immutable
        self.labels: dict[str, str] = labels or {}
        self.annotations: dict[str, str] = annotations or {}
        self.template_labels: dict[str, str] = template_labels or {}
        self.template_annotations: dict[str, str] = template_annotations or {}
        self.template_finalizers: list[str] = template_finalizers or []
        self.naming: NamingStrategy = naming
        self.revision = revision
        self.explicit_target_name = explicit_target_name
        self.keep_source = keep_source
        self.target_name = ""

    def __repr__(self) -> str:
        return f"SecretRequest({self.origin} {self.source.ref.describe()} -> {self.target_name or '?'})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value


def copy_data(value: Any) -> Any:
    """A deep copy of plain data (dicts, lists, scalars), as generated objects are built from.
    copy.deepcopy would do, but importing copy (and weakref) costs about 1 ms of every start."""
    if isinstance(value, dict):
        return {k: copy_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_data(v) for v in value]
    return value
