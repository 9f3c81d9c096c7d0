"""Does every reference in a built stream resolve? A test oracle written from the Kubernetes and
ESO APIs, independently of krm_fn: it reads the output of a real `kubectl kustomize`.

- a workload's Secret reference (envFrom, env valueFrom, volumes, projected volumes,
  imagePullSecrets, in every container list of a pod template) names, in the workload's
  namespace, a Secret of the build or the target Secret of an ExternalSecret of the build
  (spec.target.name, else the ExternalSecret's own name: what ESO creates);
- an ExternalSecret's store reference (spec.secretStoreRef, dataFrom[].sourceRef.storeRef) names
  a store of the build of that kind (SecretStore when kind is not given): a SecretStore in the
  ExternalSecret's namespace, a ClusterSecretStore by name alone (the API server drops the
  namespace that kustomize gives a kind it does not know to be cluster-scoped).

`shared_targets` is the other thing ESO refuses: two ExternalSecrets of one namespace that write
one Secret (with creationPolicy Owner, the default, a Secret has one owner; the second one fails).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

POD_TEMPLATE_PATHS = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def objects(built: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(built) if isinstance(d, dict)]


def dangling(built: str) -> list[str]:
    """Every reference of the build that does not resolve, described; [] when all do."""
    objs = objects(built)
    secrets = {(_ns(o), o["metadata"]["name"]) for o in objs if o.get("kind") == "Secret"}
    secrets |= {(_ns(o), ((o.get("spec") or {}).get("target") or {}).get("name")
                 or o["metadata"]["name"]) for o in objs if o.get("kind") == "ExternalSecret"}
    stores = {("SecretStore", _ns(o), o["metadata"]["name"]) for o in objs
              if o.get("kind") == "SecretStore"}
    stores |= {("ClusterSecretStore", "", o["metadata"]["name"]) for o in objs
               if o.get("kind") == "ClusterSecretStore"}
    out = []
    for o in objs:
        where = f"{o.get('kind')} {_ns(o)}/{o['metadata']['name']}"
        out.extend(f"{where} -> Secret {name}" for name in secret_refs(o)
                   if (_ns(o), name) not in secrets)
        for kind, name in store_refs(o):
            if (kind, "" if kind == "ClusterSecretStore" else _ns(o), name) not in stores:
                out.append(f"{where} -> {kind} {name}")
    return out


def shared_targets(built: str) -> list[str]:
    """Each Secret that two or more ExternalSecrets of the build write, described."""
    writers: dict[tuple[str, str], list[str]] = {}
    for o in objects(built):
        if o.get("kind") == "ExternalSecret":
            target = ((o.get("spec") or {}).get("target") or {}).get("name") or o["metadata"]["name"]
            writers.setdefault((_ns(o), target), []).append(o["metadata"]["name"])
    return [f"Secret {ns}/{name} <- {', '.join(sorted(w))}"
            for (ns, name), w in sorted(writers.items()) if len(w) > 1]


def secret_refs(o: dict[str, Any]) -> Iterator[str]:
    spec: Any = o
    for key in POD_TEMPLATE_PATHS.get(str(o.get("kind")), ("-",)):
        spec = spec.get(key) if isinstance(spec, dict) else None
    if not isinstance(spec, dict):
        return
    for s in spec.get("imagePullSecrets") or []:
        yield s["name"]
    for v in spec.get("volumes") or []:
        if "secret" in v:
            yield v["secret"]["secretName"]
        for src in (v.get("projected") or {}).get("sources") or []:
            if "secret" in src:
                yield src["secret"]["name"]
    for c in (c for lst in CONTAINER_LISTS for c in spec.get(lst) or []):
        for e in c.get("envFrom") or []:
            if "secretRef" in e:
                yield e["secretRef"]["name"]
        for e in c.get("env") or []:
            ref = (e.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                yield ref["name"]


def store_refs(o: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if o.get("kind") != "ExternalSecret":
        return
    spec = o.get("spec") or {}
    refs = [spec.get("secretStoreRef")] + [
        (d.get("sourceRef") or {}).get("storeRef") for d in spec.get("dataFrom") or []]
    for ref in refs:
        if ref:
            yield ref.get("kind", "SecretStore"), ref["name"]


def _ns(o: dict[str, Any]) -> str:
    return str(o["metadata"].get("namespace") or "")
