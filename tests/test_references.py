"""Reference rewriting: every place of DESIGN.md "References", namespace-aware, kustomize-aware."""

from __future__ import annotations

import copy
from typing import Any

from conftest import AWS_STORE, config, placeholder, resource_list, run_fn

CFG = config({"defaultStore": "aws", "stores": [AWS_STORE], "naming": {"strategy": "suffix"},
              "references": {"podSpecs": [{"group": "argoproj.io", "kind": "Rollout", "path": "spec/template/spec"}],
                             "fieldSpecs": [{"group": "cert-manager.io", "kind": "Certificate", "path": "spec/secretName"}]}})


def pod_spec(name: str) -> dict[str, Any]:
    container = {"name": "c", "image": "x",
                 "env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": name, "key": "k"}}},
                         {"name": "B", "valueFrom": {"configMapKeyRef": {"name": name, "key": "k"}}}],
                 "envFrom": [{"secretRef": {"name": name}}, {"configMapRef": {"name": name}}]}
    return {"containers": [container], "initContainers": [copy.deepcopy(dict(container, name="i"))],
            "ephemeralContainers": [copy.deepcopy(dict(container, name="e"))],
            "imagePullSecrets": [{"name": name}],
            "volumes": [{"name": "v", "secret": {"secretName": name}},
                        {"name": "p", "projected": {"sources": [{"secret": {"name": name}},
                                                                 {"configMap": {"name": name}}]}}]}


WORKLOADS = {
    ("v1", "Pod"): lambda n: {"spec": pod_spec(n)},
    ("v1", "PodTemplate"): lambda n: {"template": {"spec": pod_spec(n)}},
    ("v1", "ReplicationController"): lambda n: {"spec": {"template": {"spec": pod_spec(n)}}},
    ("apps/v1", "Deployment"): lambda n: {"spec": {"template": {"spec": pod_spec(n)}}},
    ("apps/v1", "StatefulSet"): lambda n: {"spec": {"template": {"spec": pod_spec(n)}}},
    ("apps/v1", "DaemonSet"): lambda n: {"spec": {"template": {"spec": pod_spec(n)}}},
    ("apps/v1", "ReplicaSet"): lambda n: {"spec": {"template": {"spec": pod_spec(n)}}},
    ("batch/v1", "Job"): lambda n: {"spec": {"template": {"spec": pod_spec(n)}}},
    ("batch/v1", "CronJob"): lambda n: {"spec": {"jobTemplate": {"spec": {"template": {"spec": pod_spec(n)}}}}},
    ("argoproj.io/v1alpha1", "Rollout"): lambda n: {"spec": {"template": {"spec": pod_spec(n)}}},
}


def workload(api: str, kind: str, ref: str, namespace: str | None = None,
             annotations: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": f"w-{kind.lower()}"}
    if namespace:
        meta["namespace"] = namespace
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": api, "kind": kind, "metadata": meta, **WORKLOADS[(api, kind)](ref)}


def strings(obj: Any) -> list[str]:
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in strings(v)]
    return [obj] if isinstance(obj, str) else []


def test_every_secret_field_of_every_workload_kind() -> None:
    items = [placeholder("db", ["k"])] + [workload(a, k, "db") for a, k in WORKLOADS]
    proc = run_fn(resource_list(items, CFG))
    assert proc.returncode == 0, proc.stderr
    for out in proc.items[1:len(WORKLOADS) + 1]:
        values = strings(out["spec"] if "spec" in out else out["template"])
        # 3 containers x 2 secret fields + imagePullSecrets + 2 volumes = 9 secret refs
        assert values.count("db-eso") == 9, out["kind"]
        # configMap references named like the Secret are not Secret references
        assert values.count("db") == 3 * 2 + 1, out["kind"]


def test_service_account_ingress_and_field_specs() -> None:
    items = [placeholder("db", ["k"]),
             {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"},
              "secrets": [{"name": "db"}, {"name": "other"}], "imagePullSecrets": [{"name": "db"}]},
             {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "ing"},
              "spec": {"tls": [{"secretName": "db"}, {"secretName": "other"}]}},
             {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "c"},
              "spec": {"secretName": "db"}}]
    proc = run_fn(resource_list(items, CFG))
    sa, ing, cert = proc.items[1:4]
    assert sa["secrets"] == [{"name": "db-eso"}, {"name": "other"}]
    assert sa["imagePullSecrets"] == [{"name": "db-eso"}]
    assert ing["spec"]["tls"] == [{"secretName": "db-eso"}, {"secretName": "other"}]
    assert cert["spec"]["secretName"] == "db-eso"


def test_namespace_aware() -> None:
    items = [placeholder("db", ["k"], namespace="a"),
             workload("apps/v1", "Deployment", "db", namespace="a"),
             workload("batch/v1", "Job", "db", namespace="b"),
             workload("v1", "Pod", "db", namespace="missing-ns")]
    proc = run_fn(resource_list(items, CFG))
    assert proc.returncode == 0
    deploy, job, pod = proc.items[1:4]
    assert "db-eso" in strings(deploy)
    assert "db-eso" not in strings(job) and "db-eso" not in strings(pod)


def test_kustomize_previous_names_and_namespaces() -> None:
    """As a transformer after namePrefix/namespace: the placeholder is renamed, references are not."""
    ph = placeholder("prod-db", ["k"], namespace="prod")
    ph["metadata"]["annotations"].update({
        "internal.config.kubernetes.io/previousNames": "db,db",
        "internal.config.kubernetes.io/previousNamespaces": "default,default"})
    deploy = workload("apps/v1", "Deployment", "db", namespace="prod", annotations={
        "internal.config.kubernetes.io/previousNames": "web,web",
        "internal.config.kubernetes.io/previousNamespaces": "default,default"})
    proc = run_fn(resource_list([ph, deploy], CFG))
    assert proc.returncode == 0, proc.stderr
    assert proc.items[0]["metadata"]["name"] == "prod-db-eso"
    assert strings(proc.items[1]).count("prod-db-eso") == 9
    # kustomize's build state survives on what we pass through
    assert proc.items[1]["metadata"]["annotations"]["internal.config.kubernetes.io/previousNames"] == "web,web"


def test_keep_changes_no_reference_and_plain_secret_refs_untouched() -> None:
    items = [placeholder("db", ["k"], naming="keep"),
             {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "plain"}, "type": "Opaque"},
             workload("apps/v1", "Deployment", "db"), workload("batch/v1", "Job", "plain")]
    proc = run_fn(resource_list(items, CFG))
    deploy, job = proc.items[2:4]
    assert strings(deploy).count("db") == 9 + 7 and "db-eso" not in strings(deploy)
    assert "plain-eso" not in strings(job)


def test_reference_through_yaml_alias_is_rewritten_at_the_anchor() -> None:
    text = resource_list([placeholder("db", ["k"])], CFG) + """\
"""
    items_yaml = """\
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web}
  spec:
    template:
      spec:
        containers:
        - name: a
          envFrom: [{secretRef: {name: &dbname db}}]
        - name: b
          envFrom: [{secretRef: {name: *dbname}}]
"""
    text = text.replace("items:\n", "items:\n" + items_yaml, 1)
    proc = run_fn(text)
    assert proc.returncode == 0, proc.stderr
    containers = proc.items[0]["spec"]["template"]["spec"]["containers"]
    assert [c["envFrom"][0]["secretRef"]["name"] for c in containers] == ["db-eso", "db-eso"]
    assert "YAML alias" in proc.stderr
