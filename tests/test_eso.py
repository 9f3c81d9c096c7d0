"""ESO correctness: defaults per target release, canonical durations, webhook rules, patches,
Argo CD sync waves, kpt bookkeeping."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import AWS_STORE, config, eso_schema_errors, needs_shared, placeholder, resource_list, run_fn

from krm_fn.validation import check


def run(spec: dict[str, Any], items: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    proc = run_fn(resource_list(items or [placeholder("db", ["k"])],
                                config({"defaultStore": "aws", "stores": [AWS_STORE], **spec})))
    assert proc.returncode == 0, proc.stderr
    return proc.items


def es(items: list[dict[str, Any]]) -> dict[str, Any]:
    return next(i for i in items if i["kind"] == "ExternalSecret")


@pytest.mark.parametrize(("version", "null_byte"), [("2.9", False), ("2.5", True), ("2.7", False), ("0.16", False)])
def test_defaulted_fields_follow_the_target_release(version: str, null_byte: bool) -> None:
    ref = es(run({"eso": {"version": version}}))["spec"]["data"][0]["remoteRef"]
    assert ref["conversionStrategy"] == "Default" and ref["decodingStrategy"] == "None"
    assert ref["metadataPolicy"] == "None"
    assert ("nullBytePolicy" in ref) is null_byte


def test_target_and_refresh_defaults_written_out() -> None:
    spec = es(run({}))["spec"]
    assert spec["refreshInterval"] == "1h0m0s"
    assert spec["target"]["creationPolicy"] == "Owner" and spec["target"]["deletionPolicy"] == "Retain"
    template = spec["target"]["template"]
    assert template["engineVersion"] == "v2" and template["mergePolicy"] == "Replace"
    assert template["metadata"] == {"labels": {}, "annotations": {}}


def test_refresh_interval_and_policy() -> None:
    spec = es(run({"refresh": {"interval": "90m", "policy": "OnChange"}}))["spec"]
    assert (spec["refreshInterval"], spec["refreshPolicy"]) == ("1h30m0s", "OnChange")
    assert es(run({"refresh": {"interval": "0"}}))["spec"]["refreshInterval"] == "0s"


def test_old_release_refused() -> None:
    proc = run_fn(resource_list([placeholder("db", ["k"])],
                                config({"defaultStore": "aws", "stores": [AWS_STORE], "eso": {"version": "0.15"}})))
    assert proc.returncode == 1 and "spec.eso.version" in proc.stderr


def test_webhook_rule_deletion_delete_with_merge_refused() -> None:
    proc = run_fn(resource_list([placeholder("db", ["k"])], config({
        "defaultStore": "aws", "stores": [AWS_STORE],
        "target": {"creationPolicy": "Merge", "deletionPolicy": "Delete"}})))
    assert proc.returncode == 1 and "Delete is invalid with creationPolicy Merge" in proc.stderr


def test_validation_rules_directly() -> None:
    good = {"kind": "ExternalSecret", "metadata": {"name": "x"},
            "spec": {"data": [{"secretKey": "a", "remoteRef": {"key": "k"}}]}}
    assert check(good) == []
    assert ("spec", "needs data or dataFrom") in check({**good, "spec": {}})
    dup = {**good, "spec": {"data": [{"secretKey": "a", "remoteRef": {"key": "k"}}] * 2}}
    assert any("duplicate" in m for _, m in check(dup))
    both = {**good, "spec": {"dataFrom": [{"extract": {"key": "a"}, "find": {"path": "p"}}]}}
    assert any("may not combine" in m for _, m in check(both))
    token = {**good, "spec": {**good["spec"], "target": {"template": {"type": "bootstrap.kubernetes.io/token"}}}}
    assert any("forbidden" in m for _, m in check(token))
    css = {"kind": "ClusterSecretStore", "metadata": {"name": "s", "namespace": "x"},
           "spec": {"provider": {"aws": {"service": "SecretsManager", "region": "r"}}}}
    assert ("metadata.namespace", "a ClusterSecretStore is cluster-scoped") in check(css)


def test_patches_applied_and_revalidated() -> None:
    out = es(run({"patches": [{"target": {"kind": "ExternalSecret"},
                               "patch": [{"op": "add", "path": "/spec/target/immutable", "value": True}]}]}))
    assert out["spec"]["target"]["immutable"] is True
    proc = run_fn(resource_list([placeholder("db", ["k"])], config({
        "defaultStore": "aws", "stores": [AWS_STORE],
        "patches": [{"target": {"kind": "ExternalSecret"},
                     "patch": [{"op": "remove", "path": "/spec/data"}]}]})))
    assert proc.returncode == 1 and "needs data or dataFrom" in proc.stderr
    proc = run_fn(resource_list([placeholder("db", ["k"])], config({
        "defaultStore": "aws", "stores": [AWS_STORE],
        "patches": [{"target": {"kind": "ExternalSecret"},
                     "patch": [{"op": "replace", "path": "/spec/nope", "value": 1}]}]})))
    assert proc.returncode == 1 and "spec.patches[0].patch[0] (replace '/spec/nope') does not apply" in proc.stderr


def test_sync_waves() -> None:
    items = run({"argocd": {"syncWaves": True}})
    waves = {i["kind"]: i["metadata"]["annotations"].get("argocd.argoproj.io/sync-wave") for i in items}
    assert waves == {"ExternalSecret": "-1", "ClusterSecretStore": "-2"}
    assert "argocd.argoproj.io/sync-wave" not in es(run({}))["metadata"].get("annotations", {})


def test_kpt_paths_and_indexes() -> None:
    ph = placeholder("db", ["k"], namespace="ns")
    ph["metadata"]["annotations"].update({"internal.config.kubernetes.io/path": "app/secrets.yaml",
                                          "internal.config.kubernetes.io/index": "1"})
    other = {"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "c", "annotations": {"internal.config.kubernetes.io/path": "app/secrets.yaml",
                                                       "internal.config.kubernetes.io/index": "0"}}}
    items = run({}, [other, ph])
    paths = {(i["kind"], i["metadata"]["annotations"]["internal.config.kubernetes.io/path"],
              i["metadata"]["annotations"]["internal.config.kubernetes.io/index"]) for i in items}
    assert paths == {("ConfigMap", "app/secrets.yaml", "0"), ("ExternalSecret", "app/secrets.yaml", "1"),
                     ("ClusterSecretStore", "clustersecretstore_aws.yaml", "0")}


def test_generated_objects_never_inherit_local_config_or_function_annotations() -> None:
    cfg = config({"defaultStore": "aws", "stores": [AWS_STORE]})
    cfg["metadata"]["annotations"] = {"config.kubernetes.io/local-config": "true",
                                      "config.kubernetes.io/function": "exec: {path: secret-sync}"}
    proc = run_fn(resource_list([placeholder("db", ["k"])], cfg))
    for item in proc.items:
        assert not {"config.kubernetes.io/local-config", "config.kubernetes.io/function"} & \
            set(item["metadata"].get("annotations", {}))


@needs_shared
def test_schema_valid_for_every_release_setting() -> None:
    for version in ("0.16", "2.5", "2.9"):
        for obj in run({"eso": {"version": version}}):
            assert eso_schema_errors(obj) == []


def test_store_defaults_written_where_the_server_adds_them() -> None:
    vault = {"name": "v", "provider": {"vault": {"server": "https://v:8200",
                                                 "auth": {"kubernetes": {"role": "r"}}}}}
    azure = {"name": "az", "provider": {"azurekv": {"vaultUrl": "https://x.vault.azure.net"}}}
    aws = {"name": "aws", "provider": {"aws": {"service": "SecretsManager", "region": "eu-west-1"}}}
    items = [placeholder("a", ["k"], store="v"), placeholder("b", ["k"], store="az"),
             placeholder("c", ["k"], store="aws")]
    for version, aws_tags in (("2.9", True), ("2.4", False)):
        proc = run_fn(resource_list(items, config({"stores": [vault, azure, aws], "eso": {"version": version}})))
        assert proc.returncode == 0, proc.stderr
        providers = {i["metadata"]["name"]: i["spec"]["provider"] for i in proc.items
                     if i["kind"] == "ClusterSecretStore"}
        assert providers["v"]["vault"]["version"] == "v2"
        assert providers["v"]["vault"]["auth"]["kubernetes"] == {"role": "r", "mountPath": "kubernetes"}
        assert "appRole" not in providers["v"]["vault"]["auth"]  # only where the parent exists
        assert providers["az"]["azurekv"]["authType"] == "ServicePrincipal"
        assert providers["az"]["azurekv"]["environmentType"] == "PublicCloud"
        assert ("sessionTagsPolicy" in providers["aws"]["aws"]) is aws_tags


def test_patch_can_add_an_annotation_to_an_object_without_annotations() -> None:
    out = es(run({"patches": [{"target": {"kind": "ExternalSecret"},
                               "patch": [{"op": "add", "path": "/metadata/annotations/team", "value": "shop"}]}]}))
    assert out["metadata"]["annotations"]["team"] == "shop"
