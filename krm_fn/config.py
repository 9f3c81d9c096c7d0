"""The function config: `SecretSync` (secret-sync.dev/v1alpha1) and the flat ConfigMap form.

pydantic models are the single source of truth: they validate input (unknown fields are errors
with their path) and generate the JSON Schema in functionconfig/.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .configcache import ConfigError
from .model import StoreKind

API_VERSION = "secret-sync.dev/v1alpha1"
KIND = "SecretSync"

KesBackend = Literal[
    "secretsManager", "systemManager", "vault", "azureKeyVault", "gcpSecretsManager",
    "ibmcloudSecretsManager", "akeyless", "alicloudSecretsManager",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Eso(Strict):
    version: str = Field(
        "2.9",
        description="Target ESO release (X.Y, 0.16 or newer); decides which server-defaulted fields are written out.")

    @field_validator("version", mode="before")
    @classmethod
    def _as_text(cls, v: Any) -> Any:
        # `version: 2.9` unquoted is a float in YAML; users mean the release "2.9".
        return str(v) if isinstance(v, (int, float)) else v

    @field_validator("version")
    @classmethod
    def _known(cls, v: str) -> str:
        from . import esoversions

        if esoversions.parse_version(v) < esoversions.OLDEST:
            raise ValueError("ESO releases before 0.16 do not serve external-secrets.io/v1")
        return v


class Store(Strict):
    name: str = Field(description="Store name, referenced by placeholders and spec.defaultStore.")
    kind: StoreKind = Field("ClusterSecretStore", description="ESO store kind to generate.")
    create: bool = Field(True, description="false: only reference a store that already exists in the cluster.")
    provider: dict[str, Any] | None = Field(
        None, description="ESO provider block (aws, vault, azurekv, gcpsm, ...), written as given after every field is "
        "checked against the ESO CRDs: unknown fields and wrong types are errors with 'did you mean'.")
    controller: str | None = Field(None, description="ESO controller class (store spec.controller).")
    conditions: list[dict[str, Any]] | None = Field(None, description="ClusterSecretStore spec.conditions.")
    retrySettings: dict[str, Any] | None = Field(None, description="ESO store spec.retrySettings, verbatim.")


class Refresh(Strict):
    interval: str | None = Field(
        None, description='Go duration, e.g. "1h"; written as "1h0m0s". "0" syncs once. Unset: 1h.')
    policy: Literal["Periodic", "OnChange", "CreatedOnce"] | None = Field(
        None, description="ESO refreshPolicy; unset leaves it to ESO (periodic refresh).")

    @field_validator("interval", mode="before")
    @classmethod
    def _as_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("interval")
    @classmethod
    def _is_duration(cls, v: str | None) -> str | None:
        from . import durations

        if v is not None:
            durations.parse(v)  # DurationError is a ValueError: pydantic reports it with the path
        return v


class Naming(Strict):
    strategy: Literal["hash", "suffix", "keep"] = Field(
        "hash", description="Generated Secret names: <name>-<hash>, <name><suffix>, or the placeholder's name.")
    suffix: str = Field("-eso", description="Appended to the name by the suffix strategy.")


class Target(Strict):
    creationPolicy: Literal["Owner", "Orphan", "Merge", "None", "CreateOrMerge"] = Field(
        "Owner", description="spec.target.creationPolicy of every ExternalSecret.")
    deletionPolicy: Literal["Retain", "Delete", "Merge"] = Field(
        "Retain", description="spec.target.deletionPolicy of every ExternalSecret.")


class FieldSpec(Strict):
    group: str = Field("", description="API group of the kind; empty for the core group.")
    version: str | None = Field(None, description="API version; unset matches every version.")
    kind: str = Field(description="Kind that holds the field, e.g. Rollout.")
    path: str = Field(description="kustomize fieldSpec path, slash separated; lists are traversed.")


class References(Strict):
    podSpecs: list[FieldSpec] = Field(
        default_factory=list, description="Where a PodSpec lives in a custom kind (e.g. an Argo Rollouts Rollout).")
    fieldSpecs: list[FieldSpec] = Field(default_factory=list, description="Fields that hold a Secret name.")


class Kes(Strict):
    enabled: bool = Field(False, description="Convert kubernetes-client.io/v1 ExternalSecrets (KES) to ESO.")
    keep: bool = Field(False, description="Keep the KES objects in the output too (two-phase migration).")
    storeKind: StoreKind = Field("ClusterSecretStore", description="Kind of the stores generated for KES objects.")
    backends: dict[KesBackend, dict[str, Any]] = Field(
        default_factory=dict,
        description="Provider settings KES kept in its Deployment env, per backendType (a provider block fragment).",
    )


class ArgoCD(Strict):
    syncWaves: bool = Field(False, description='Argo CD sync-wave "-2" on stores and "-1" on ExternalSecrets.')


class PatchTarget(Strict):
    kind: str | None = Field(None, description="Kind of the generated objects to patch; unset: every kind.")
    name: str | None = Field(None, description=(
        "Name of the generated object, or of the placeholder/KES object it comes from (as written or as "
        "renamed by namePrefix/nameSuffix); unset: every name."))
    namespace: str | None = Field(None, description=(
        "Namespace of the generated object or of its placeholder/KES object (also before kustomize's "
        "namespace:); unset: every namespace."))


class Patch(Strict):
    target: PatchTarget = Field(default_factory=lambda: PatchTarget(), description="Which generated objects.")
    patch: list[dict[str, Any]] = Field(
        description="RFC 6902 JSON Patch operations; the result is validated again and may not change identity.")


class Validate(Strict):
    allowNames: list[str] = Field(
        default_factory=list, description="Secrets (name or namespace/name) allowed to keep inline data.")
    allowLabels: dict[str, str] = Field(
        default_factory=dict, description="Secrets carrying all these labels may keep inline data.")


class Spec(Strict):
    eso: Eso = Field(default_factory=lambda: Eso(), description="The ESO release the output is for.")
    defaultStore: str | None = Field(None, description="Store of placeholders that name none.")
    stores: list[Store] = Field(default_factory=list, description="Stores that placeholders may name.")
    refresh: Refresh = Field(default_factory=lambda: Refresh(), description="When ESO refreshes the Secrets.")
    naming: Naming = Field(default_factory=lambda: Naming(), description="How generated Secrets are named.")
    target: Target = Field(default_factory=lambda: Target(), description="ExternalSecret target policies.")
    references: References = Field(
        default_factory=lambda: References(), description="Extra places where workloads name Secrets.")
    kes: Kes = Field(default_factory=lambda: Kes(), description="Conversion of legacy KES objects.")
    argocd: ArgoCD = Field(default_factory=lambda: ArgoCD(), description="Argo CD annotations.")
    mode: Literal["transform", "validate"] = Field(
        "transform", description=(
        "validate: change nothing; fail when a Secret with inline data remains, a ClusterSecretStore has a "
        "namespace, or an ExternalSecret names a store kustomize renamed without fixing the reference."))
    patches: list[Patch] = Field(default_factory=list, description=(
        "JSON patches applied to generated objects; a patch matching nothing is a warning, a failing op an error."))
    validate_: Validate = Field(
        default_factory=Validate, alias="validate", description="What validate mode lets through.")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Metadata(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    name: str | None = Field(None, description="Any name; other metadata (annotations, labels) is allowed.")


class SecretSync(Strict):
    apiVersion: Literal["secret-sync.dev/v1alpha1"]
    kind: Literal["SecretSync"]
    metadata: Metadata = Field(default_factory=lambda: Metadata(), description="Object metadata.")
    spec: Spec = Field(default_factory=lambda: Spec(), description="What the function does.")


def json_schema() -> dict[str, Any]:
    schema = SecretSync.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://secret-sync.dev/schemas/v1alpha1/secretsync.json"
    schema["title"] = "SecretSync"
    return schema


# --- loading ---------------------------------------------------------------------------------------

FLAT_KEYS = ("defaultStore", "storeKind", "provider", "refreshInterval", "refreshPolicy", "naming",
             "suffix", "mode", "esoVersion")


def load(obj: Any) -> SecretSync:
    """Validate a functionConfig: SecretSync, the flat ConfigMap form, or none at all."""
    from pydantic import ValidationError

    if obj is None:
        obj = {"apiVersion": API_VERSION, "kind": KIND}
    if not isinstance(obj, dict):
        raise ConfigError([("functionConfig", "must be a mapping (a SecretSync or a ConfigMap)")])
    flat = obj.get("kind") == "ConfigMap" and obj.get("apiVersion") == "v1"
    if flat:
        obj = from_config_map(obj.get("data") or {})
    elif obj.get("kind") != KIND or obj.get("apiVersion") != API_VERSION:
        raise ConfigError([("functionConfig", f"must be {API_VERSION} {KIND} or a v1 ConfigMap, "
                            f"not {obj.get('apiVersion')} {obj.get('kind')}")])
    try:
        model = SecretSync.model_validate(obj)
    except ValidationError as exc:
        raise ConfigError([(_loc(e["loc"]), e["msg"]) for e in exc.errors()]) from None
    problems = provider_problems(model.spec)
    if problems:
        # the flat form's one store comes from `data.provider`: name what the user wrote
        raise ConfigError([(path.replace("spec.stores[0].provider", "data.provider", 1) if flat else path, msg)
                           for path, msg in problems])
    return model


def provider_problems(spec: Spec) -> list[tuple[str, str]]:
    """Unknown fields and wrong types in every provider block, against the ESO CRDs' table
    (loaded only when there is a block to check; a cached config never gets here)."""
    blocks = [(f"spec.stores[{i}].provider", s.provider) for i, s in enumerate(spec.stores)
              if s.provider is not None]
    if spec.kes.backends:
        blocks += _kes_provider_blocks(spec.kes.backends)
    if not blocks:
        return []
    from . import providerfields

    return [(f"{where}.{path}" if path else where, msg)
            for where, block in blocks for path, msg in providerfields.check(block)]


def _kes_provider_blocks(backends: dict[KesBackend, dict[str, Any]]) -> list[tuple[str, Any]]:
    """The provider part of each `spec.kes.backends` entry: its handler settings (IBM's
    `secretGroup`) are no ESO fields, and kes/stores.py checks them."""
    from .kes.backends import REGISTRY

    return [(f"spec.kes.backends.{name}",
             {k: v for k, v in entry.items() if k not in REGISTRY[name].config_extras})
            for name, entry in backends.items()]


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "functionConfig"


def from_config_map(data: dict[str, Any]) -> dict[str, Any]:
    """The flat form (kpt `configMap:` or `--fn-config`) as a SecretSync document."""
    from . import yamlio

    unknown = sorted(set(data) - set(FLAT_KEYS))
    if unknown:
        raise ConfigError([(f"data.{k}", f"unknown key (allowed: {', '.join(FLAT_KEYS)})") for k in unknown])
    spec: dict[str, Any] = {}
    if "provider" in data:
        try:
            provider = yamlio.load_text(str(data["provider"]))
        except yamlio.YamlError as exc:
            raise ConfigError([("data.provider", f"is not YAML: {exc}")]) from None
        if not isinstance(provider, dict) or len(provider) != 1:
            # checked here: later checks would name spec.stores[0].provider, which the user never wrote
            raise ConfigError([("data.provider", "must be one ESO provider block as YAML text, e.g. "
                                "'aws: {service: SecretsManager, region: eu-west-1}'")])
        store: dict[str, Any] = {"name": data.get("defaultStore", "default"), "provider": provider}
        if "storeKind" in data:
            store["kind"] = data["storeKind"]
        spec["stores"] = [store]
        spec["defaultStore"] = store["name"]
    elif "defaultStore" in data:
        spec["defaultStore"] = data["defaultStore"]
    refresh = {k: data[f] for k, f in (("interval", "refreshInterval"), ("policy", "refreshPolicy")) if f in data}
    if refresh:
        spec["refresh"] = refresh
    naming = {k: data[f] for k, f in (("strategy", "naming"), ("suffix", "suffix")) if f in data}
    if naming:
        spec["naming"] = naming
    if "mode" in data:
        spec["mode"] = data["mode"]
    if "esoVersion" in data:
        spec["eso"] = {"version": data["esoVersion"]}
    return {"apiVersion": API_VERSION, "kind": KIND, "spec": spec}
