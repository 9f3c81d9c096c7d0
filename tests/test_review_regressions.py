"""Behaviour a review found wrong once: each test is the smallest input that showed it."""

from __future__ import annotations

import time

from conftest import AWS_STORE, config, placeholder, resource_list, run_fn

CFG = config({"defaultStore": "aws", "stores": [AWS_STORE], "naming": {"strategy": "keep"}})
HEADER = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
CONFIG_TEXT = """functionConfig:
  apiVersion: secret-sync.dev/v1alpha1
  kind: SecretSync
  metadata: {name: s}
  spec:
    defaultStore: aws
    naming: {strategy: keep}
    stores:
    - name: aws
      provider: {aws: {service: SecretsManager, region: eu-west-1}}
"""


def test_escaped_values_of_a_placeholder_reach_the_external_secret() -> None:
    text = HEADER + """- apiVersion: v1
  kind: Secret
  metadata:
    name: app-db
    annotations:
      secret-sync.dev/remote-key: prod/db
      description: "owner: a\\r\\nb"
  stringData: {user: ""}
""" + CONFIG_TEXT
    proc = run_fn(text)
    assert proc.returncode == 0, proc.stderr
    es = proc.items[0]
    assert es["metadata"]["annotations"]["description"] == "owner: a\r\nb"
    assert es["spec"]["target"]["template"]["metadata"]["annotations"]["description"] == "owner: a\r\nb"


def test_string_fields_keep_their_text() -> None:
    text = HEADER + """- apiVersion: v1
  kind: Secret
  metadata:
    name: app-db
    labels: {version: 1.10, build: 0009}
    annotations:
      secret-sync.dev/remote-key: prod/db
      secret-sync.dev/refs: |
        TOKEN: {key: 0009, property: 1.10, version: 1.10}
  stringData: {user: ""}
""" + CONFIG_TEXT.replace("    defaultStore: aws\n", "    defaultStore: aws\n    eso: {version: 2.10}\n")
    proc = run_fn(text)
    assert proc.returncode == 0, proc.stderr
    es = proc.items[0]
    assert es["metadata"]["labels"]["version"] == "1.10" and es["metadata"]["labels"]["build"] == "0009"
    token = next(d["remoteRef"] for d in es["spec"]["data"] if d["secretKey"] == "TOKEN")
    assert (token["key"], token["property"], token["version"]) == ("0009", "1.10", "1.10")
    store = next(i for i in proc.items if i["kind"] == "ClusterSecretStore")
    assert store["spec"]["provider"]["aws"]["sessionTagsPolicy"] == "None"  # 2.10 is after 2.5


def test_dot_keys_are_refused() -> None:
    proc = run_fn(resource_list([{**placeholder("db"), "stringData": {"..": ""}}], CFG))
    assert proc.returncode == 1 and "may not be '.' or '..'" in proc.stderr


def test_local_config_secret_is_not_a_placeholder() -> None:
    obj = placeholder("db", ["k"])
    obj["metadata"]["annotations"]["config.kubernetes.io/local-config"] = "true"
    proc = run_fn(resource_list([obj], CFG))
    assert proc.returncode == 0 and proc.items == [obj]


def test_kustomize_build_record_is_not_copied() -> None:
    obj = placeholder("db", ["k"])
    obj["metadata"]["annotations"]["alpha.config.kubernetes.io/transformations"] = "- kind: x"
    proc = run_fn(resource_list([obj], CFG))
    es = proc.items[0]
    assert "alpha.config.kubernetes.io/transformations" not in es["metadata"].get("annotations", {})
    assert es["spec"]["target"]["template"]["metadata"]["annotations"] == {}


def test_many_objects_sharing_one_anchor_are_neither_slow_nor_a_bomb() -> None:
    """1500 Deployments reusing the first one's labels and pod template through aliases: each
    object has its own alias budget, and the anchor index is built once."""
    first = """- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: d0, labels: &l {team: x}}
  spec:
    template: &tpl
      spec:
        containers:
        - name: c
          envFrom: [{secretRef: {name: db}}]
"""
    rest = "".join(f"- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {{name: d{i}, labels: *l}}\n"
                   "  spec:\n    template: *tpl\n" for i in range(1, 1500))
    secret = ("- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: db\n"
              "    annotations: {secret-sync.dev/remote-key: r}\n  stringData: {k: ''}\n")
    started = time.monotonic()
    proc = run_fn(HEADER + secret + first + rest + CONFIG_TEXT.replace("strategy: keep", "strategy: suffix"),
                  timeout=120)
    assert proc.returncode == 0, proc.stderr[:500]
    assert time.monotonic() - started < 30
    assert "YAML alias" in proc.stderr  # the shared name was rewritten at its anchor, and said so
    template = proc.items[1]["spec"]["template"]
    assert template["spec"]["containers"][0]["envFrom"][0]["secretRef"]["name"] == "db-eso"


def test_rerun_keeps_regenerated_objects_in_place() -> None:
    """KES side by side (objects kept) plus a placeholder using a namespaced store: the second run
    replaces what the first generated at the same places, and adds no warning."""
    text = HEADER + """- apiVersion: kubernetes-client.io/v1
  kind: ExternalSecret
  metadata: {name: legacy, namespace: shop}
  spec:
    backendType: secretsManager
    region: eu-west-1
    data: [{key: a/b, name: pw}]
- apiVersion: v1
  kind: Secret
  metadata:
    name: db
    namespace: shop
    annotations: {secret-sync.dev/remote-key: r, secret-sync.dev/store: local}
  stringData: {k: ""}
functionConfig:
  apiVersion: secret-sync.dev/v1alpha1
  kind: SecretSync
  metadata: {name: s}
  spec:
    naming: {strategy: suffix}
    kes: {enabled: true, keep: true}
    stores:
    - {name: local, kind: SecretStore, provider: {aws: {service: SecretsManager, region: eu-west-1}}}
    patches:
    - target: {kind: ExternalSecret}
      patch: [{op: add, path: /metadata/annotations/team, value: shop}]
"""
    first = run_fn(text)
    assert first.returncode == 0, first.stderr
    second = run_fn(first.stdout)
    assert second.returncode == 0, second.stderr
    assert second.stdout.split("results:")[0] == first.stdout.split("results:")[0]
    assert "matches no generated object" not in second.stderr


def test_patches_may_not_change_identity() -> None:
    for op in ({"op": "remove", "path": "/metadata"}, {"op": "replace", "path": "/kind", "value": "X"},
               {"op": "add", "path": "/metadata/namespace", "value": "elsewhere"},
               {"op": "replace", "path": "/spec/target/name", "value": "other"}):
        cfg = config({"defaultStore": "aws", "stores": [AWS_STORE],
                      "patches": [{"target": {"kind": "ExternalSecret"}, "patch": [op]}]})
        proc = run_fn(resource_list([placeholder("db", ["k"])], cfg))
        assert proc.returncode == 1, op
        assert "may not change" in proc.stderr or "does not apply" in proc.stderr, op
        assert "internal error" not in proc.stderr


def test_surrogate_escape_is_a_clear_error() -> None:
    proc = run_fn('{"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":[{"apiVersion":"v1",'
                  '"kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"\\ud83d\\ude00"}}]}')
    assert proc.returncode == 1 and "surrogate" in proc.stderr and "internal error" not in proc.stderr


def test_odd_index_annotation_and_odd_labels_do_not_crash() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap",
          "metadata": {"name": "c", "annotations": {"internal.config.kubernetes.io/path": "a.yaml",
                                                    "internal.config.kubernetes.io/index": "²"}}}
    proc = run_fn(resource_list([cm, placeholder("db", ["k"])], CFG))
    assert proc.returncode == 0, proc.stderr
    foreign = {"apiVersion": "external-secrets.io/v1", "kind": "ClusterSecretStore",
               "metadata": {"name": "aws", "labels": ["x"]}, "spec": {}}
    proc = run_fn(resource_list([foreign, placeholder("db", ["k"])], CFG))
    assert proc.returncode == 1 and "did not generate" in proc.stderr


def test_legacy_path_annotations_count_as_taken_places() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap",
          "metadata": {"name": "c", "annotations": {"config.kubernetes.io/path": "clustersecretstore_aws.yaml",
                                                    "config.kubernetes.io/index": "0"}}}
    proc = run_fn(resource_list([cm, placeholder("db", ["k"])], CFG))
    assert proc.returncode == 0, proc.stderr
    store = next(i for i in proc.items if i["kind"] == "ClusterSecretStore")
    annotations = store["metadata"]["annotations"]
    assert (annotations["internal.config.kubernetes.io/path"], annotations["internal.config.kubernetes.io/index"]) \
        == ("clustersecretstore_aws.yaml", "1")
