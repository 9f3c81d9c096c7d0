"""The bundled examples as the e2e tests build and check them: a real `kubectl kustomize` of a copy
(with `spec.eso.version` set to the ESO release under test), the remote data the fake store holds,
what each Secret must then contain (written by hand from the placeholders), and an independent
walk over the Secret references of stored workloads."""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from conftest import REPO, kustomize_build

from .cluster import ESO_API, ESO_KINDS

Obj = dict[str, Any]


def build(tmp: Path, example: str, overlay: str, eso_version: str,
          edit: dict[str, str] | None = None) -> list[Obj]:
    """kustomize build of examples/<example>/<overlay>, copied to `tmp`, with the function's
    spec.eso.version set; `edit` maps files of the copy to replacement text first."""
    root = tmp / example
    if not root.exists():
        shutil.copytree(REPO / "examples" / example, root)
    for name, text in (edit or {}).items():
        (root / name).write_text(text)
    config_file = root / overlay / "secret-sync.yaml"
    config = yaml.safe_load(config_file.read_text())
    config["spec"]["eso"] = {"version": eso_version}
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    proc = kustomize_build(root / overlay)
    assert proc.returncode == 0, proc.stderr
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


def generated(objs: list[Obj]) -> list[Obj]:
    return [o for o in objs if o["apiVersion"] == ESO_API and o["kind"] in ESO_KINDS]


def of_kind(objs: list[Obj], kind: str) -> list[Obj]:
    return [o for o in objs if o["apiVersion"] == ESO_API and o["kind"] == kind]


# --- what the fake store holds and what ESO must make of it -------------------------------------

DOCKERCONFIG = json.dumps({"auths": {"registry.example.com": {"auth": "ZTJlOmUyZQ=="}}})

# Remote data of examples/kustomize (prod and dev read the same remote keys).
SHOP_DATA = {
    "shop/db": json.dumps({"username": "shop-user", "password": "db-pass-1"}),
    "shop/db-url": "postgres://db.shop:5432/shop",
    "shop/registry": json.dumps({".dockerconfigjson": DOCKERCONFIG}),
    "shop/tls": json.dumps({"crt": "CERT-PEM", "key": "KEY-PEM"}),
    "shop/mailer": json.dumps({"smtp-password": "mail-pass"}),
}


@dataclass
class Expected:
    """One Secret ESO must create: its name (a regular expression over the final name), keys and
    values, type, and the labels it must carry."""

    name: str
    data: dict[str, str]
    type: str = "Opaque"
    labels: dict[str, str] = field(default_factory=dict)


HASH = "[a-z0-9]{10}"  # DESIGN.md: `<placeholder>-<10-char hash>`


def shop_expected(prefix: str, renamed: str) -> list[Expected]:
    """examples/kustomize/base/secrets.yaml after namePrefix `prefix`; `renamed` is the pattern the
    naming strategy appends (report-mailer says `naming: keep`)."""
    return [
        Expected(f"{prefix}app-db{renamed}",
                 {"username": "shop-user", "password": "db-pass-1",
                  "DB_URL": "postgres://db.shop:5432/shop"},
                 labels={"app.kubernetes.io/name": "shop"}),
        Expected(f"{prefix}registry-pull{renamed}", {".dockerconfigjson": DOCKERCONFIG},
                 type="kubernetes.io/dockerconfigjson"),
        Expected(f"{prefix}shop-tls{renamed}", {"tls.crt": "CERT-PEM", "tls.key": "KEY-PEM"},
                 type="kubernetes.io/tls"),
        Expected(f"{prefix}report-mailer", {"smtp-password": "mail-pass"}),
    ]


def fake_provider(data: dict[str, str], versioned: dict[tuple[str, str], str] | None = None) -> Obj:
    entries = [{"key": k, "value": v} for k, v in data.items()]
    entries += [{"key": k, "version": ver, "value": v} for (k, ver), v in (versioned or {}).items()]
    return {"fake": {"data": entries}}


def fake_stores(objs: list[Obj], provider: Obj) -> list[Obj]:
    """The generated stores of `objs`, each with its provider replaced by `provider`: applied by
    the same field manager, this swaps the store in the cluster for the fake one."""
    out = []
    for obj in of_kind(objs, "SecretStore") + of_kind(objs, "ClusterSecretStore"):
        obj = copy.deepcopy(obj)
        obj["spec"] = {"provider": copy.deepcopy(provider)}
        out.append(obj)
    return out


# --- drift: does every field we wrote read back the same? ----------------------------------------

def drift(written: Any, stored: Any, path: str = "") -> tuple[list[str], int]:
    """Differences between what was applied and what the server stores, for every field of
    `written` (the server may add fields: status, defaults, metadata), and the number of fields
    compared. An empty map or list must come back empty, not missing."""
    if isinstance(written, dict):
        if not isinstance(stored, dict):
            return [f"{path or '/'}: wrote a map, server has {stored!r}"], 1
        diffs: list[str] = []
        count = 0 if written else 1
        for key, value in written.items():
            if key not in stored:
                diffs.append(f"{path}/{key}: pruned or dropped by the server")
                count += 1
                continue
            d, n = drift(value, stored[key], f"{path}/{key}")
            diffs += d
            count += n
        return diffs, count
    if isinstance(written, list):
        if not isinstance(stored, list) or len(stored) != len(written):
            return [f"{path}: wrote {written!r}, server has {stored!r}"], 1
        diffs, count = [], 0 if written else 1
        for i, (w, s) in enumerate(zip(written, stored, strict=True)):
            d, n = drift(w, s, f"{path}/{i}")
            diffs += d
            count += n
        return diffs, count
    if written != stored or type(written) is not type(stored):
        return [f"{path}: wrote {written!r}, server has {stored!r}"], 1
    return [], 1


# --- Secret references of stored workloads (written for the tests, not taken from krm_fn) --------

@dataclass(frozen=True)
class Ref:
    where: str        # kind/namespace/name and the field
    namespace: str
    secret: str
    key: str | None   # None: the whole Secret (envFrom, a volume without items)


POD_SPEC_PATHS = {
    "Pod": ("spec",), "PodTemplate": ("template", "spec"),
    "Deployment": ("spec", "template", "spec"), "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"), "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"), "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
WORKLOAD_RESOURCES = ("pods", "podtemplates", "deployments", "statefulsets", "daemonsets",
                      "replicasets", "replicationcontrollers", "jobs", "cronjobs", "serviceaccounts",
                      "ingresses")


def dig(obj: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def secret_refs(obj: Obj) -> Iterator[Ref]:
    ns = obj["metadata"].get("namespace", "default")
    here = f"{obj['kind']}/{ns}/{obj['metadata']['name']}"

    def ref(field_: str, name: str, key: str | None = None) -> Ref:
        return Ref(f"{here} {field_}", ns, name, key)

    kind = obj["kind"]
    if kind == "ServiceAccount":
        for item in obj.get("secrets") or []:
            yield ref("secrets", item["name"])
        for item in obj.get("imagePullSecrets") or []:
            yield ref("imagePullSecrets", item["name"], ".dockerconfigjson")
    elif kind == "Ingress":
        for tls in dig(obj, ("spec", "tls")) or []:
            for key in ("tls.crt", "tls.key"):
                yield ref("spec.tls.secretName", tls["secretName"], key)
    elif kind in POD_SPEC_PATHS:
        yield from pod_spec_refs(dig(obj, POD_SPEC_PATHS[kind]) or {}, ref)


def pod_spec_refs(spec: Obj, ref: Any) -> Iterator[Ref]:
    for item in spec.get("imagePullSecrets") or []:
        yield ref("imagePullSecrets", item["name"], ".dockerconfigjson")
    for group in ("initContainers", "containers", "ephemeralContainers"):
        for c in spec.get(group) or []:
            for env in c.get("env") or []:
                key_ref = dig(env, ("valueFrom", "secretKeyRef"))
                if key_ref:
                    yield ref(f"{group}[{c['name']}].env[{env['name']}]", key_ref["name"], key_ref["key"])
            for source in c.get("envFrom") or []:
                if "secretRef" in source:
                    yield ref(f"{group}[{c['name']}].envFrom", source["secretRef"]["name"])
    for vol in spec.get("volumes") or []:
        sources = [("secret", vol["secret"], "secretName")] if "secret" in vol else []
        sources += [("projected", s["secret"], "name")
                    for s in dig(vol, ("projected", "sources")) or [] if "secret" in s]
        for what, src, name_field in sources:
            keys = [i["key"] for i in src.get("items") or []] or [None]
            for key in keys:
                yield ref(f"volumes[{vol['name']}].{what}", src[name_field], key)


def unresolved(refs: list[Ref], secrets: dict[tuple[str, str], Obj]) -> list[str]:
    """References that name no Secret of their namespace, or a key that Secret lacks."""
    problems = []
    for r in refs:
        secret = secrets.get((r.namespace, r.secret))
        if secret is None:
            problems.append(f"{r.where}: no Secret {r.namespace}/{r.secret}")
        elif r.key is not None and r.key not in (secret.get("data") or {}):
            problems.append(f"{r.where}: Secret {r.namespace}/{r.secret} has no key {r.key!r}")
    return problems


def matches(pattern: str, name: str) -> bool:
    return re.fullmatch(pattern, name) is not None


# Remote data of examples/kustomize-kes (by KES backend key; versioned entries apart).
KES_DATA = {
    "/shop/db/name": "shopdb",
    "/shop/feature-flags/beta": "on",
    "/shop/feature-flags/dark-mode": "off",
    "/development/dockerhub": DOCKERCONFIG,
    "/development/certificate": json.dumps({"crt": "KES-CERT", "key": "KES-KEY"}),
    "hello-service/migration-credentials": json.dumps({"password": "migrate-pass"}),
    "hello-service/credentials": json.dumps({"username": "hello", "api-token": "tok-current"}),
    "secret/data/hello-service/credentials": json.dumps({"password": "vault-pass",
                                                         "api-key": "vault-key"}),
}
KES_VERSIONED = {("hello-service/credentials", "AWSPREVIOUS"): json.dumps({"legacy-token": "old"})}

# examples/kustomize-kes/base/external-secrets.yaml, converted with `naming: suffix` (-eso).
KES_EXPECTED = [
    # data, then dataFrom and dataFromWithOptions (AWSPREVIOUS) extracted whole
    Expected("hello-service-eso", {"password": "migrate-pass", "username": "hello",
                                   "api-token": "tok-current", "legacy-token": "old"}),
    # `path: /shop/feature-flags/` reads every parameter under it, named by its last segment. ESO's
    # fake provider turns each `/` of a found key into `_` before the rewrite runs (the AWS
    # provider does not), so the rewrite `^.*/` has nothing to strip here: with Parameter Store the
    # keys are `beta` and `dark-mode`.
    Expected("aws-ssm-eso", {"db-name": "shopdb", "_shop_feature-flags_beta": "on",
                             "_shop_feature-flags_dark-mode": "off"}),
    Expected("hello-vault-service-eso", {"password": "vault-pass", "api-key": "vault-key"}),
    Expected("tls-example-eso", {"tls.crt": "KES-CERT", "tls.key": "KES-KEY"},
             type="kubernetes.io/tls"),
    Expected("dockerconfig-example-eso", {".dockerconfigjson": DOCKERCONFIG},
             type="kubernetes.io/dockerconfigjson"),
]


def identity(obj: Obj) -> tuple[str, str, str, str]:
    meta = obj["metadata"]
    return obj["apiVersion"], obj["kind"], meta.get("namespace", ""), meta["name"]
