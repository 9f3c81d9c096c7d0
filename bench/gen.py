"""Deterministic ResourceLists for the secret-sync benchmark.

`generate(n, seed)` returns a ResourceList (a plain dict) of exactly `n` items, the way kpt hands a
package to a function (path/index annotations on every item):

- about 5% third-party objects (ConfigMap, Service, a ServiceMonitor CRD instance; at least 3);
- half of the rest placeholder Secrets (2-4 empty stringData keys, some with `secret-sync.dev/refs`,
  a few tls/dockerconfigjson, a few with no keys at all -> dataFrom extract);
- the other half workloads (Deployment, StatefulSet, DaemonSet, Job, CronJob) that reference 1-3
  placeholders of their own namespace through env secretKeyRef, envFrom, secret volumes, projected
  volumes and imagePullSecrets, plus some references to a Secret that is not in the input.

Two more shapes for the Argo CD targets (issue 12):

- `smallest()`: one placeholder and one Deployment that uses it, the least a run can be given;
- `platform(seed)`: about 9 MB in 500 objects, shaped like the build of a big platform repository:
  CustomResourceDefinitions whose schemas hold many small nodes (typed properties, enums, nested
  objects), ConfigMaps holding big strings (dashboards, config files, as literal blocks), and
  Deployments, some of them using the few placeholder Secrets of their namespace.

`check(rl)` asserts the input honours the function's contract. Run as a script to print one list:
`python bench/gen.py 1000 > in.yaml` (or `smallest`, `platform` instead of a number).
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

Obj = dict[str, Any]

REMOTE_KEY = "secret-sync.dev/remote-key"
REFS = "secret-sync.dev/refs"
EXTERNAL_SECRET = "shared-registry-creds"  # referenced by workloads but never in the input
KEY_POOL = ("username", "password", "host", "port", "api-key", "token", "DB_URL", "client-id")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "CronJob", "DaemonSet", "Job")
DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

FUNCTION_CONFIG: Obj = {
    "apiVersion": "secret-sync.dev/v1alpha1",
    "kind": "SecretSync",
    "metadata": {
        "name": "secrets",
        "annotations": {
            "config.kubernetes.io/local-config": "true",
            "config.kubernetes.io/function": "exec: {path: secret-sync}\n",
        },
    },
    "spec": {
        "defaultStore": "aws-main",
        "stores": [
            {
                "name": "aws-main",
                "kind": "ClusterSecretStore",
                "provider": {"aws": {"service": "SecretsManager", "region": "ap-northeast-1"}},
            }
        ],
        "refresh": {"interval": "1h"},
    },
}


@dataclass
class Placeholder:
    name: str
    namespace: str
    keys: list[str]
    type: str = "Opaque"


@dataclass
class Plan:
    """How many of each item, and which placeholders live in which namespace."""

    n: int
    rng: random.Random
    by_ns: dict[str, list[Placeholder]] = field(default_factory=dict)


def kpt_annotations(kind: str, name: str, ns: str | None) -> dict[str, str]:
    path = f"{ns + '/' if ns else ''}{kind.lower()}_{name}.yaml"
    return {
        "config.kubernetes.io/index": "0",
        "config.kubernetes.io/path": path,
        "internal.config.kubernetes.io/index": "0",
        "internal.config.kubernetes.io/path": path,
    }


def meta(kind: str, name: str, ns: str | None, **extra: Any) -> Obj:
    m: Obj = {"name": name}
    if ns:
        m["namespace"] = ns
    m["labels"] = {"app.kubernetes.io/name": name}
    m["annotations"] = {**extra.pop("annotations", {}), **kpt_annotations(kind, name, ns)}
    m.update(extra)
    return m


def placeholder(i: int, ns: str, rng: random.Random) -> tuple[Placeholder, Obj]:
    name = f"app-{i:05d}-{rng.choice(('db', 'api', 'cache', 'queue'))}"
    ph = Placeholder(name, ns, sorted(rng.sample(KEY_POOL, rng.randint(2, 4))))
    notes = {REMOTE_KEY: f"prod/{ns}/{name}"}
    if i % 13 == 5:
        ph.type, ph.keys = "kubernetes.io/tls", ["tls.crt", "tls.key"]
    elif i % 17 == 7:
        ph.type, ph.keys = "kubernetes.io/dockerconfigjson", [".dockerconfigjson"]
    elif i % 7 == 3:
        ph.keys = []  # no keys, no refs: dataFrom extract of the whole remote secret
    if ph.keys and i % 3 == 0:
        key = ph.keys[-1]
        notes[REFS] = f'{key}: {{key: prod/shared/{name}, property: {key.lower()}, version: "2"}}\n'
    if i % 11 == 4:
        notes["secret-sync.dev/version"] = "3"
    if i % 5 == 1:
        notes["secret-sync.dev/store"] = "aws-main"
    obj: Obj = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta("Secret", name, ns, annotations=notes),
        "type": ph.type,
    }
    if ph.keys:
        obj["stringData"] = dict.fromkeys(ph.keys, "")
    return ph, obj


def container(name: str, refs: list[Placeholder], rng: random.Random) -> tuple[Obj, list[Obj]]:
    """A container that uses each of `refs` one way, and the volumes those uses need."""
    c: Obj = {
        "name": name,
        "image": f"registry.example.com/{name}:1.{rng.randint(0, 40)}.{rng.randint(0, 9)}",
        "env": [{"name": "LOG_LEVEL", "value": "info"}],
    }
    volumes: list[Obj] = []
    for ph in refs:
        use = rng.choice(("env", "envFrom", "volume", "projected")) if ph.keys else "envFrom"
        if ph.type == "kubernetes.io/tls":
            use = "volume"
        if use == "env":
            key = rng.choice(ph.keys)
            ref = {"secretKeyRef": {"name": ph.name, "key": key}}
            c["env"].append({"name": key.upper().replace("-", "_"), "valueFrom": ref})
        elif use == "envFrom":
            c.setdefault("envFrom", []).append({"secretRef": {"name": ph.name}})
        else:
            vol = f"v-{ph.name}"
            c.setdefault("volumeMounts", []).append({"name": vol, "mountPath": f"/etc/{ph.name}"})
            src: Obj = (
                {"secret": {"secretName": ph.name, "defaultMode": 0o400}}
                if use == "volume"
                else {"projected": {"sources": [{"secret": {"name": ph.name}}]}}
            )
            volumes.append({"name": vol, **src})
    return c, volumes


def pod_spec(refs: list[Placeholder], rng: random.Random, with_init: bool) -> Obj:
    pulls = [p for p in refs if p.type == "kubernetes.io/dockerconfigjson"]
    uses = [p for p in refs if p not in pulls]
    main, volumes = container("main", uses, rng)
    spec: Obj = {"containers": [main]}
    if with_init and uses:
        init, more = container("migrate", uses[:1], rng)
        spec["initContainers"] = [init]
        volumes += [v for v in more if v["name"] not in {x["name"] for x in volumes}]
    if rng.random() < 0.2:
        ext = {"secretKeyRef": {"name": EXTERNAL_SECRET, "key": "token"}}
        main["env"].append({"name": "REGISTRY_TOKEN", "valueFrom": ext})
    if volumes:
        spec["volumes"] = volumes
    if pulls:
        spec["imagePullSecrets"] = [{"name": p.name} for p in pulls]
    return spec


def workload(j: int, ns: str, plan: Plan) -> Obj:
    kind = WORKLOAD_KINDS[j % len(WORKLOAD_KINDS)]
    name = f"svc-{j:05d}"
    pool = plan.by_ns[ns]
    refs = plan.rng.sample(pool, min(len(pool), plan.rng.randint(1, 3)))
    labels = {"app.kubernetes.io/name": name}
    template = {
        "metadata": {"labels": dict(labels)},
        "spec": pod_spec(refs, plan.rng, with_init=j % 4 == 0),
    }
    api = "batch/v1" if kind in ("Job", "CronJob") else "apps/v1"
    obj: Obj = {"apiVersion": api, "kind": kind, "metadata": meta(kind, name, ns)}
    if kind == "CronJob":
        template["spec"]["restartPolicy"] = "OnFailure"
        job = {"template": template, "backoffLimit": 2}
        obj["spec"] = {"schedule": f"{j % 60} 3 * * *", "jobTemplate": {"spec": job}}
    elif kind == "Job":
        template["spec"]["restartPolicy"] = "Never"
        obj["spec"] = {"template": template}
    else:
        obj["spec"] = {"selector": {"matchLabels": labels}, "template": template}
        if kind != "DaemonSet":
            obj["spec"]["replicas"] = 2
    return obj


def third_party(k: int, ns: str) -> Obj:
    name = f"misc-{k:05d}"
    which = k % 3
    if which == 0:
        # scalars whose meaning differs between YAML 1.1 and 1.2 readings, kept as strings here
        data = {"FEATURE_X": "on", "ZIP": "0009", "VERSION": "1.10", "mode": "0400"}
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta("ConfigMap", name, ns),
            "data": data,
        }
    if which == 1:
        spec = {
            "selector": {"app.kubernetes.io/name": name},
            "ports": [{"name": "http", "port": 80, "targetPort": 8080}],
        }
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta("Service", name, ns),
            "spec": spec,
        }
    spec = {
        "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
        "endpoints": [{"port": "http", "interval": "30s"}],
    }
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": meta("ServiceMonitor", name, ns),
        "spec": spec,
    }


def counts(n: int) -> tuple[int, int, int]:
    """(placeholders, workloads, third-party) for n items."""
    extra = max(3, n // 20)
    rest = n - extra
    return rest // 2, rest - rest // 2, extra


def generate(n: int, seed: int = 42) -> Obj:
    plan = Plan(n, random.Random(seed))
    n_ph, n_wl, n_extra = counts(n)
    namespaces = [f"team-{k:03d}" for k in range(max(2, n_ph // 25))]
    items: list[Obj] = []
    for i in range(n_ph):
        ns = namespaces[i % len(namespaces)]
        ph, obj = placeholder(i, ns, plan.rng)
        plan.by_ns.setdefault(ns, []).append(ph)
        items.append(obj)
    items += [workload(j, namespaces[j % len(namespaces)], plan) for j in range(n_wl)]
    items += [third_party(k, namespaces[k % len(namespaces)]) for k in range(n_extra)]
    plan.rng.shuffle(items)
    return {
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": items,
        "functionConfig": FUNCTION_CONFIG,
    }


def smallest() -> Obj:
    """One placeholder and one Deployment that reads one of its keys."""
    rng = random.Random(0)
    ph, secret = placeholder(1, "app", rng)
    ph.keys, secret["stringData"] = ["password"], {"password": ""}
    plan = Plan(2, rng, {"app": [ph]})
    deployment = workload(0, "app", plan)
    return {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList",
            "items": [secret, deployment], "functionConfig": FUNCTION_CONFIG}


# platform(): 500 objects, about 9 MB (the bench prints the exact size)
PLATFORM_ITEMS = 500
PLATFORM_CRDS, PLATFORM_CONFIGMAPS, PLATFORM_PLACEHOLDERS = 40, 60, 20
FIELD_WORDS = ("replicas", "selector", "template", "endpoint", "timeout", "retention", "storage",
               "resources", "affinity", "tolerations", "interval", "labels", "port", "scheme",
               "secret", "tls", "config", "rules", "alerting", "remoteWrite", "shards", "version")


def schema_props(rng: random.Random, depth: int, width: int) -> Obj:
    """An openAPIV3Schema `properties` block: many small typed nodes, as generated CRDs have."""
    props: Obj = {}
    for k in range(width):
        name = f"{rng.choice(FIELD_WORDS)}{k}"
        desc = f"{name} of the {rng.choice(FIELD_WORDS)}; defaults to the {rng.choice(FIELD_WORDS)} value."
        roll = rng.random()
        if depth > 0 and roll < 0.25:
            props[name] = {"type": "object", "description": desc,
                           "properties": schema_props(rng, depth - 1, width)}
        elif depth > 0 and roll < 0.35:
            items = {"type": "object", "properties": schema_props(rng, depth - 1, max(2, width // 2)),
                     "required": ["name"]}
            props[name] = {"type": "array", "description": desc, "items": items,
                           "x-kubernetes-list-type": "atomic"}
        elif roll < 0.5:
            props[name] = {"type": "string", "enum": ["Always", "Never", "IfNotPresent"], "description": desc}
        elif roll < 0.65:
            props[name] = {"type": "integer", "format": "int32", "minimum": 0, "description": desc}
        elif roll < 0.75:
            props[name] = {"anyOf": [{"type": "integer"}, {"type": "string"}],
                           "x-kubernetes-int-or-string": True, "description": desc}
        else:
            props[name] = {"type": "string", "description": desc}
    return props


def crd(k: int, rng: random.Random) -> Obj:
    plural, group = f"widget{k:03d}s", f"platform{k % 7}.example.com"
    schema = {"type": "object", "properties": {
        "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
        "spec": {"type": "object", "properties": schema_props(rng, 3, 11)},
        "status": {"type": "object", "properties": schema_props(rng, 2, 6)},
    }}
    version = {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": schema},
               "subresources": {"status": {}}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": meta("CustomResourceDefinition", f"{plural}.{group}", None),
        "spec": {"group": group, "scope": "Namespaced", "versions": [version],
                 "names": {"kind": f"Widget{k:03d}", "plural": plural, "singular": plural[:-1],
                           "listKind": f"Widget{k:03d}List"}},
    }


def big_configmap(k: int, ns: str, rng: random.Random) -> Obj:
    """A dashboard (JSON) and a config file, each a big string written as a literal block."""
    panels = ",\n".join(
        f'    {{"id": {i}, "title": "{rng.choice(FIELD_WORDS)} {i}", "type": "timeseries", '
        f'"expr": "sum(rate(http_requests_total{{job=\\"svc-{i}\\"}}[5m])) by (code)"}}'
        for i in range(200))
    conf = "\n".join(f"{rng.choice(FIELD_WORDS)}_{i} = {rng.randint(0, 10**6)}  # tuned for {ns}"
                      for i in range(600))
    name = f"dashboards-{k:03d}"
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("ConfigMap", name, ns),
            "data": {"dashboard.json": f'{{\n  "panels": [\n{panels}\n  ]\n}}\n', "app.conf": conf + "\n"}}


def platform(seed: int = 42) -> Obj:
    """About 9 MB in PLATFORM_ITEMS objects (see the module docstring)."""
    rng = random.Random(seed)
    namespaces = [f"team-{k:03d}" for k in range(PLATFORM_PLACEHOLDERS // 4)]
    plan = Plan(PLATFORM_ITEMS, rng)
    items: list[Obj] = [crd(k, rng) for k in range(PLATFORM_CRDS)]
    items += [big_configmap(k, namespaces[k % len(namespaces)], rng) for k in range(PLATFORM_CONFIGMAPS)]
    for i in range(PLATFORM_PLACEHOLDERS):
        ns = namespaces[i % len(namespaces)]
        ph, obj = placeholder(i, ns, rng)
        plan.by_ns.setdefault(ns, []).append(ph)
        items.append(obj)
    n_deployments = PLATFORM_ITEMS - len(items)
    items += [workload(5 * j, namespaces[j % len(namespaces)], plan) for j in range(n_deployments)]
    rng.shuffle(items)
    return {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": items,
            "functionConfig": FUNCTION_CONFIG}


class _Dumper(yaml.CSafeDumper):
    """Multi-line strings as literal blocks, as people write them in manifests."""


_Dumper.add_representer(
    str,
    lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s, style="|" if "\n" in s else None),
)


def dump(rl: Obj, literal_blocks: bool = False) -> str:
    """`literal_blocks` for platform(); the other inputs keep the bytes earlier figures were taken on."""
    dumper = _Dumper if literal_blocks else yaml.CSafeDumper
    return str(yaml.dump(rl, Dumper=dumper, sort_keys=False, width=4096))


def is_placeholder(obj: Obj) -> bool:
    notes = obj["metadata"].get("annotations") or {}
    return obj["kind"] == "Secret" and (REMOTE_KEY in notes or REFS in notes)


def pod_specs(obj: Obj) -> Iterator[Obj]:
    spec = obj.get("spec") or {}
    if obj["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    if "template" in spec:
        yield spec["template"]["spec"]


def secret_refs(ps: Obj) -> Iterator[str]:
    for c in ps.get("containers", []) + ps.get("initContainers", []):
        for e in c.get("env", []):
            if "valueFrom" in e:
                yield e["valueFrom"]["secretKeyRef"]["name"]
        for e in c.get("envFrom", []):
            yield e["secretRef"]["name"]
    for v in ps.get("volumes", []):
        if "secret" in v:
            yield v["secret"]["secretName"]
        for src in v.get("projected", {}).get("sources", []):
            yield src["secret"]["name"]
    for p in ps.get("imagePullSecrets", []):
        yield p["name"]


def check(rl: Obj) -> dict[str, int]:
    """Assert the input honours the contract; return counts for the report."""
    items = rl["items"]
    placeholders = {(o["metadata"]["namespace"], o["metadata"]["name"]): o for o in items if is_placeholder(o)}
    for o in placeholders.values():
        values = {**o.get("data", {}), **o.get("stringData", {})}
        assert all(v == "" for v in values.values()), f"{o['metadata']['name']}: secret material"
        refs = yaml.safe_load(o["metadata"]["annotations"].get(REFS, "{}"))
        assert set(refs) <= set(values), f"{o['metadata']['name']}: refs for unknown keys"
        # hash naming appends -<10 chars>; the result must stay a DNS subdomain
        assert DNS1123.match(o["metadata"]["name"]) and len(o["metadata"]["name"]) <= 242
    seen = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in items}
    assert len(seen) == len(items), "duplicate item ids"
    n_refs = n_external = 0
    for o in items:
        for ps in pod_specs(o):
            for name in secret_refs(ps):
                if name == EXTERNAL_SECRET:
                    n_external += 1
                    continue
                assert (o["metadata"]["namespace"], name) in placeholders, f"dangling ref {name}"
                n_refs += 1
    return {
        "items": len(items),
        "placeholders": len(placeholders),
        "references": n_refs,
        "external_references": n_external,
    }


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "50"
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 42
    doc = smallest() if which == "smallest" else platform(seed) if which == "platform" else generate(int(which), seed)
    check(doc)
    sys.stdout.write(dump(doc, literal_blocks=which == "platform"))
