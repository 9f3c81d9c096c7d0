"""Placeholder rules of DESIGN.md "Placeholders", through the function."""

from __future__ import annotations

from typing import Any

from conftest import AWS_STORE, config, placeholder, resource_list, run_fn

CFG = config({"defaultStore": "aws", "stores": [AWS_STORE], "naming": {"strategy": "keep"}})


def es_of(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for i in items if i["kind"] == "ExternalSecret"]


def run_one(obj: dict[str, Any], cfg: dict[str, Any] = CFG) -> dict[str, Any]:
    proc = run_fn(resource_list([obj], cfg))
    assert proc.returncode == 0, proc.stderr
    [es] = es_of(proc.items)
    assert not [i for i in proc.items if i["kind"] == "Secret"], "placeholder must be dropped"
    return es


def test_keys_become_properties_of_remote_key() -> None:
    es = run_one(placeholder("db", ["username", "password"]))
    assert [(d["secretKey"], d["remoteRef"]["key"], d["remoteRef"]["property"]) for d in es["spec"]["data"]] == \
        [("username", "remote/db", "username"), ("password", "remote/db", "password")]
    assert "dataFrom" not in es["spec"]


def test_no_keys_means_extract() -> None:
    es = run_one(placeholder("whole"))
    assert es["spec"]["dataFrom"][0]["extract"]["key"] == "remote/whole"
    assert "data" not in es["spec"]


def test_version_and_refs() -> None:
    obj = placeholder("db", ["username", "DB_URL"], version="3",
                      refs="DB_URL: {key: prod/url, property: url, version: \"2\", decodingStrategy: Base64}\n"
                           "EXTRA: other/key\n")
    es = run_one(obj)
    refs = {d["secretKey"]: d["remoteRef"] for d in es["spec"]["data"]}
    assert refs["username"]["version"] == "3"
    assert refs["DB_URL"] == {"key": "prod/url", "property": "url", "version": "2",
                              "decodingStrategy": "Base64", "conversionStrategy": "Default",
                              "metadataPolicy": "None"}
    assert refs["EXTRA"]["key"] == "other/key" and "property" not in refs["EXTRA"]


def test_refs_alone_mark_a_placeholder() -> None:
    obj = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
           "metadata": {"name": "tls", "annotations": {
               "secret-sync.dev/refs": "tls.crt: {key: c}\ntls.key: {key: k}\n"}}}
    es = run_one(obj)
    assert [d["secretKey"] for d in es["spec"]["data"]] == ["tls.crt", "tls.key"]
    assert es["spec"]["target"]["template"]["type"] == "kubernetes.io/tls"


def test_metadata_goes_to_es_and_template_but_not_own_or_orchestrator_keys() -> None:
    obj = placeholder("db", ["p"])
    obj["metadata"]["labels"] = {"team": "shop"}
    obj["metadata"]["annotations"].update({
        "owner": "alice", "kubectl.kubernetes.io/last-applied-configuration": "{}",
        "config.kubernetes.io/index": "0", "internal.config.kubernetes.io/path": "db.yaml"})
    es = run_one(obj)
    template_meta = es["spec"]["target"]["template"]["metadata"]
    assert template_meta == {"labels": {"team": "shop"}, "annotations": {"owner": "alice"}}
    assert es["metadata"]["labels"]["team"] == "shop"
    annotations = es["metadata"]["annotations"]
    assert annotations["owner"] == "alice"
    assert not any(k.startswith("secret-sync.dev/") or k.startswith("kubectl.") for k in annotations)


def test_literal_value_is_refused_without_echo() -> None:
    obj = placeholder("db", ["username"])
    obj["stringData"]["password"] = "hunter2-LEAKMARK"
    obj["data"] = {"token": "c2VjcmV0LUxFQUtNQVJL"}
    proc = run_fn(resource_list([obj], CFG))
    assert proc.returncode == 1
    assert "Secret db" in proc.stderr and "'password'" in proc.stderr and "'token'" in proc.stderr
    for stream in (proc.stdout, proc.stderr):
        assert "LEAKMARK" not in stream and "c2VjcmV0LUxFQUtNQVJL" not in stream
    assert proc.items == []
    assert {r["field"]["path"] for r in proc.results} == {"stringData.password", "data.token"}


def test_value_covered_by_refs_is_ignored_not_output() -> None:
    obj = placeholder("db", refs="password: {key: k}")
    obj["stringData"] = {"password": "ignored-LEAKMARK"}
    proc = run_fn(resource_list([obj], CFG))
    assert proc.returncode == 0
    assert "LEAKMARK" not in proc.stdout + proc.stderr


def test_unknown_store_and_missing_store() -> None:
    proc = run_fn(resource_list([placeholder("db", ["p"], store="nope")], CFG))
    assert proc.returncode == 1 and "unknown store 'nope'" in proc.stderr
    no_default = config({"stores": [AWS_STORE]})
    proc = run_fn(resource_list([placeholder("db", ["p"])], no_default))
    assert proc.returncode == 1 and "no store" in proc.stderr


def test_invalid_refs_field() -> None:
    proc = run_fn(resource_list([placeholder("db", refs="a: {key: k, prop: x}")], CFG))
    assert proc.returncode == 1 and "unknown field 'prop'" in proc.stderr


def test_non_placeholder_secrets_pass_through() -> None:
    plain = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "plain"},
             "stringData": {"a": "b"}}
    proc = run_fn(resource_list([plain], CFG))
    assert proc.returncode == 0
    assert proc.items == [plain]


def test_store_emitted_once_cluster_store_without_namespace() -> None:
    items = [placeholder("a", ["k"], namespace="ns1"), placeholder("b", ["k"], namespace="ns2")]
    proc = run_fn(resource_list(items, CFG))
    stores = [i for i in proc.items if i["kind"].endswith("SecretStore")]
    assert [(s["kind"], s["metadata"].get("namespace")) for s in stores] == [("ClusterSecretStore", None)]


def test_secret_store_once_per_namespace() -> None:
    cfg = config({"defaultStore": "ns-store", "stores": [{**AWS_STORE, "name": "ns-store", "kind": "SecretStore"}]})
    items = [placeholder("a", ["k"], namespace="ns1"), placeholder("b", ["k"], namespace="ns1"),
             placeholder("c", ["k"], namespace="ns2")]
    proc = run_fn(resource_list(items, cfg))
    stores = [(i["kind"], i["metadata"]["namespace"]) for i in proc.items if i["kind"] == "SecretStore"]
    assert stores == [("SecretStore", "ns1"), ("SecretStore", "ns2")]


def test_create_false_store_is_only_referenced() -> None:
    cfg = config({"defaultStore": "existing", "stores": [{"name": "existing", "create": False}]})
    proc = run_fn(resource_list([placeholder("a", ["k"])], cfg))
    assert proc.returncode == 0, proc.stderr
    assert [i["kind"] for i in proc.items] == ["ExternalSecret"]
    assert proc.items[0]["spec"]["secretStoreRef"] == {"name": "existing", "kind": "ClusterSecretStore"}


def test_provider_block_checked() -> None:
    cfg = config({"defaultStore": "aws", "stores": [{"name": "aws", "provider": {"aws": {"service": "SecretsManager"}}}]})
    proc = run_fn(resource_list([placeholder("a", ["k"])], cfg))
    assert proc.returncode == 1 and "spec.stores[0].provider.aws.region is required" in proc.stderr
