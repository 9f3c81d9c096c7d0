"""Helpers shared by the KES conversion tests: build inputs, run convert, pick results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from krm_fn.config import Spec
from krm_fn.kes import Conversion, convert
from krm_fn.model import SecretRequest, Source, StoreSpec
from krm_fn.results import FileRef, ResourceRef, Result

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"  # ../shared from the repo root
CORPUS = SHARED / "corpus" / "kes"
SCHEMAS = SHARED / "schemas" / "eso"
FILE = FileRef(path="kes/app.yaml", index=0)

# Every store setting KES kept in its Deployment env, so tests that are about something else
# do not trip over "missing config" errors.
FULL_BACKENDS: dict[str, Any] = {
    "secretsManager": {"aws": {"region": "us-west-2"}},
    "systemManager": {"aws": {"region": "us-west-2"}},
    "vault": {"vault": {"server": "https://vault.example:8200"}},
    "azureKeyVault": {"azurekv": {"authType": "ManagedIdentity"}},
    "gcpSecretsManager": {"gcpsm": {}},
    "ibmcloudSecretsManager": {"ibm": {
        "serviceUrl": "https://sm.example.appdomain.cloud",
        "auth": {"secretRef": {"secretApiKeySecretRef": {
            "name": "ibm-key", "key": "apikey", "namespace": "eso"}}}}},
    "akeyless": {"akeyless": {"authSecretRef": {"secretRef": {
        "accessID": {"name": "akl", "key": "id", "namespace": "eso"},
        "accessType": {"name": "akl", "key": "type", "namespace": "eso"},
        "accessTypeParam": {"name": "akl", "key": "param", "namespace": "eso"}}}}},
}


def config(backends: dict[str, Any] | None = None, naming: dict[str, Any] | None = None,
           **kes: Any) -> Spec:
    top: dict[str, Any] = {"naming": naming} if naming else {}
    return Spec.model_validate({
        "kes": {"enabled": True, "backends": FULL_BACKENDS if backends is None else backends,
                **kes},
        **top,
    })


def source_for(obj: Any) -> Source:
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    meta = meta if isinstance(meta, dict) else {}
    name = str(meta.get("name") or "unnamed")
    namespace = meta.get("namespace") if isinstance(meta.get("namespace"), str) else None
    ref = ResourceRef("kubernetes-client.io/v1", "ExternalSecret", name, namespace)
    return Source(ref=ref, aliases=((name, namespace or "default"),), file=FILE)


def kes(spec: dict[str, Any] | None = None, name: str = "app", namespace: str = "team",
        **top: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {"apiVersion": "kubernetes-client.io/v1", "kind": "ExternalSecret",
                           "metadata": {"name": name, "namespace": namespace}}
    if spec is not None:
        obj["spec"] = spec
    obj.update(top)
    return obj


def run(obj: Any, cfg: Spec | None = None) -> Conversion:
    return convert(obj, source_for(obj), cfg or config())


def run_yaml(text: str, cfg: Spec | None = None) -> Conversion:
    return run(yaml.safe_load(text), cfg)


def ok(conv: Conversion) -> SecretRequest:
    """The request, asserting the conversion had no error."""
    errors = [r.describe() for r in conv.results if r.severity == "error"]
    assert not errors, errors
    assert conv.request is not None
    return conv.request


def failed(conv: Conversion) -> list[Result]:
    """The error results, asserting there is at least one and no request."""
    errors = [r for r in conv.results if r.severity == "error"]
    assert errors, [r.describe() for r in conv.results]
    assert conv.request is None
    return errors


def at(conv: Conversion, field: str | None, severity: str | None = None) -> list[Result]:
    return [r for r in conv.results if r.field == field
            and (severity is None or r.severity == severity)]


def one(conv: Conversion, field: str | None, severity: str) -> Result:
    found = at(conv, field, severity)
    assert len(found) == 1, [r.describe() for r in conv.results]
    return found[0]


def severities(conv: Conversion) -> set[str]:
    return {r.severity for r in conv.results}


def es_manifest(req: SecretRequest) -> dict[str, Any]:
    """A minimal ExternalSecret built only from the request's fragments (no eso.py involved)."""
    spec: dict[str, Any] = {
        "secretStoreRef": {"name": req.store.name, "kind": req.store.kind},
        "target": {"name": req.source.name},
    }
    if req.data:
        spec["data"] = req.data
    if req.data_from:
        spec["dataFrom"] = req.data_from
    template = _template(req)
    if template:
        spec["target"]["template"] = template
    if req.immutable is not None:
        spec["target"]["immutable"] = req.immutable
    metadata: dict[str, Any] = {"name": req.source.name}
    if req.source.namespace:
        metadata["namespace"] = req.source.namespace
    if req.labels:
        metadata["labels"] = req.labels
    if req.annotations:
        metadata["annotations"] = req.annotations
    return {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
            "metadata": metadata, "spec": spec}


def _template(req: SecretRequest) -> dict[str, Any]:
    template: dict[str, Any] = {}
    if req.secret_type:
        template["type"] = req.secret_type
    if req.template_data:
        template["data"] = req.template_data
    if req.merge_policy:
        template["mergePolicy"] = req.merge_policy
    meta = {k: v for k, v in (("labels", req.template_labels),
                              ("annotations", req.template_annotations),
                              ("finalizers", req.template_finalizers)) if v}
    if meta:
        template["metadata"] = meta
    return template


def store_manifest(store: StoreSpec, namespace: str = "team") -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": store.name}
    if store.kind == "SecretStore":
        metadata["namespace"] = namespace
    spec: dict[str, Any] = {"provider": store.provider}
    if store.controller:
        spec["controller"] = store.controller
    return {"apiVersion": "external-secrets.io/v1", "kind": store.kind, "metadata": metadata,
            "spec": spec}


def load_schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text())  # type: ignore[no-any-return]


def build_path(store_path: str | None, key: str, version: str) -> str:
    """ESO's Vault read path for a key (kes-mapping.md §9, ESO client_get.go buildPath)."""
    if store_path is not None:
        if key.startswith(store_path + "/"):
            key = key[len(store_path) + 1:]
            if version == "v2" and key.startswith("data/"):
                key = key[5:]
        return "/".join(store_path.split("/") + (["data"] if version == "v2" else [])
                        + key.split("/"))
    if version == "v2" and "/data/" not in key:
        parts = key.split("/")
        return "/".join([parts[0], "data", *parts[1:]])
    return key
