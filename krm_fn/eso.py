"""Emit ESO objects: an ExternalSecret per request and each store once, with server defaults written."""

from __future__ import annotations

from . import durations, esoversions
from .model import SecretRequest, StoreSpec, copy_data
from .records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    from .config import Spec

API_VERSION = "external-secrets.io/v1"
MANAGED_BY = ("app.kubernetes.io/managed-by", "secret-sync")
DEFAULT_REFRESH = "1h"
SYNC_WAVE = "argocd.argoproj.io/sync-wave"


class Emitter:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.version = esoversions.parse_version(spec.eso.version)
        self.defaults = esoversions.defaults_for(self.version)
        self.refresh = durations.normalize(spec.refresh.interval or DEFAULT_REFRESH)

    # --- ExternalSecret --------------------------------------------------------------------------

    def external_secret(self, req: SecretRequest) -> dict[str, Any]:
        spec: dict[str, Any] = {"refreshInterval": self.refresh}
        if self.spec.refresh.policy:
            spec["refreshPolicy"] = self.spec.refresh.policy
        spec["secretStoreRef"] = {"name": req.store.name, "kind": req.store.kind}
        spec["target"] = self._target(req)
        if req.data:
            spec["data"] = [self._data_entry(d) for d in req.data]
        if req.data_from:
            spec["dataFrom"] = [self._data_from_entry(d) for d in req.data_from]
        annotations = dict(req.annotations)
        if self.spec.argocd.syncWaves:
            annotations[SYNC_WAVE] = "-1"
        return {
            "apiVersion": API_VERSION,
            "kind": "ExternalSecret",
            "metadata": _metadata(req.target_name, req.source.namespace, req.labels, annotations),
            "spec": spec,
        }

    def _target(self, req: SecretRequest) -> dict[str, Any]:
        target: dict[str, Any] = {}
        if req.explicit_target_name:
            target["name"] = req.target_name
        target["creationPolicy"] = self.spec.target.creationPolicy
        target["deletionPolicy"] = self.spec.target.deletionPolicy
        if req.immutable is not None:
            target["immutable"] = req.immutable
        target["template"] = self._template(req)
        return target

    def _template(self, req: SecretRequest) -> dict[str, Any]:
        # Always written: without a template ESO copies every ES label and annotation (Argo CD
        # tracking ones included) onto the Secret.
        template: dict[str, Any] = {
            "engineVersion": "v2",
            "mergePolicy": req.merge_policy or ("Merge" if req.template_data else "Replace"),
        }
        if req.secret_type:
            template["type"] = req.secret_type
        meta: dict[str, Any] = {"labels": dict(req.template_labels),
                                "annotations": dict(req.template_annotations)}
        if req.template_finalizers:
            meta["finalizers"] = list(req.template_finalizers)
        template["metadata"] = meta
        if req.template_data:
            template["data"] = dict(req.template_data)
        return template

    def _ref_defaults(self, ref: dict[str, Any], find: bool = False) -> dict[str, Any]:
        out = dict(ref)
        if self.defaults.ref_strategies:
            out.setdefault("conversionStrategy", "Default")
            out.setdefault("decodingStrategy", "None")
            if not find:
                out.setdefault("metadataPolicy", "None")
        if self.defaults.null_byte_policy:
            out.setdefault("nullBytePolicy", "Ignore")
        return out

    def _data_entry(self, entry: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = copy_data(entry)
        out["remoteRef"] = self._ref_defaults(entry["remoteRef"])
        return out

    def _data_from_entry(self, entry: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = copy_data(entry)
        if "extract" in out:
            out["extract"] = self._ref_defaults(out["extract"])
        if "find" in out:
            out["find"] = self._ref_defaults(out["find"], find=True)
        for rewrite in out.get("rewrite", []):
            if "merge" in rewrite:
                merge = rewrite["merge"]
                for key, value in (("conflictPolicy", "Error"), ("strategy", "Extract"),
                                   ("priorityPolicy", "Strict")):
                    merge.setdefault(key, value)
        return out

    # --- stores ----------------------------------------------------------------------------------

    def store(self, store: StoreSpec, namespace: str | None) -> dict[str, Any]:
        spec: dict[str, Any] = {}
        if store.controller:
            spec["controller"] = store.controller
        spec["provider"] = esoversions.with_store_defaults(store.provider or {}, self.version)
        spec.update(copy_data(store.extra_spec))
        annotations = {SYNC_WAVE: "-2"} if self.spec.argocd.syncWaves else {}
        ns = namespace if store.kind == "SecretStore" else None
        return {
            "apiVersion": API_VERSION,
            "kind": store.kind,
            "metadata": _metadata(store.name, ns, {}, annotations),
            "spec": spec,
        }


def _metadata(name: str, namespace: str | None, labels: dict[str, str],
              annotations: dict[str, str]) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    meta["labels"] = {**labels, MANAGED_BY[0]: MANAGED_BY[1]}
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta


def is_ours(obj_labels: dict[str, Any]) -> bool:
    return obj_labels.get(MANAGED_BY[0]) == MANAGED_BY[1]
