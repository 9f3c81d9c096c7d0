"""convert(): the KES fields every backend shares (kes-mapping.md §1, §2) and robustness."""

from __future__ import annotations

from typing import Any

import pytest

from .support import FILE, at, config, failed, kes, ok, one, run, run_yaml, severities, source_for

SM = {"backendType": "secretsManager", "region": "eu-west-1"}


def sm(**spec: Any) -> dict[str, Any]:
    return kes({**SM, **spec})


# -- the request ------------------------------------------------------------------------------

def test_request_carries_source_origin_and_explicit_target_name() -> None:
    obj = sm(data=[{"key": "app/db", "name": "password"}])
    req = ok(run(obj))
    assert req.origin == "kes"
    assert req.source == source_for(obj)
    # KES always wrote a Secret named like the object (§0.4).
    assert req.explicit_target_name is True
    assert req.keep_source is False
    assert req.naming == "hash"


def test_keep_and_naming_come_from_config() -> None:
    cfg = config(keep=True, naming={"strategy": "suffix"})
    req = ok(run(sm(data=[{"key": "k", "name": "n"}]), cfg))
    assert req.keep_source is True
    assert req.naming == "suffix"


def test_naming_annotation_overrides_config() -> None:
    obj = sm(data=[{"key": "k", "name": "n"}])
    obj["metadata"]["annotations"] = {"secret-sync.dev/naming": "keep"}
    req = ok(run(obj, config(naming={"strategy": "suffix"})))
    assert req.naming == "keep"
    assert "secret-sync.dev/naming" not in req.annotations


def test_bad_naming_annotation_is_an_error() -> None:
    obj = sm(data=[{"key": "k", "name": "n"}])
    obj["metadata"]["annotations"] = {"secret-sync.dev/naming": "random"}
    failed(run(obj))


def test_revision_annotation_is_passed_on() -> None:
    obj = sm(data=[{"key": "k", "name": "n"}])
    obj["metadata"]["annotations"] = {"secret-sync.dev/revision": "2"}
    assert ok(run(obj)).revision == "2"


def test_labels_and_user_annotations_are_copied_orchestrator_keys_are_not() -> None:
    obj = sm(data=[{"key": "k", "name": "n"}])
    obj["metadata"]["labels"] = {"app": "web"}
    obj["metadata"]["annotations"] = {
        "team": "payments",
        "kubectl.kubernetes.io/last-applied-configuration": "{}",
        "config.kubernetes.io/index": "0",
        "internal.config.kubernetes.io/path": "x.yaml",
        "kustomize.config.k8s.io/id": "x",
    }
    req = ok(run(obj))
    assert req.labels == {"app": "web"}
    assert req.annotations == {"team": "payments"}


def test_exported_fields_are_not_copied() -> None:
    obj = sm(data=[{"key": "k", "name": "n"}])
    obj["metadata"].update(uid="1", resourceVersion="2", generation=3,
                           creationTimestamp="2020-01-01T00:00:00Z")
    obj["status"] = {"status": "SUCCESS"}
    conv = run(obj)
    ok(conv)
    assert severities(conv) <= {"info"}


# -- data ---------------------------------------------------------------------------------------

def test_data_name_key_property() -> None:
    req = ok(run(sm(data=[
        {"key": "app/creds", "name": "password", "property": "password"},
        {"key": "app/raw", "name": "raw"},
    ])))
    assert req.data == [
        {"secretKey": "password", "remoteRef": {"key": "app/creds", "property": "password"}},
        # no property: the raw value in both, never defaulted
        {"secretKey": "raw", "remoteRef": {"key": "app/raw"}},
    ]


@pytest.mark.parametrize(("lodash", "gjson"), [
    ("a.b.c", "a.b.c"),
    ("cert.p12", "cert.p12"),
    ("users[0].name", "users.0.name"),
    ("a[1][2]", "a.1.2"),
])
def test_property_lodash_brackets_become_gjson_dots(lodash: str, gjson: str) -> None:
    req = ok(run(sm(data=[{"key": "k", "name": "n", "property": lodash}])))
    assert req.data[0]["remoteRef"]["property"] == gjson


def test_is_binary_becomes_base64_decoding() -> None:
    conv = run(sm(data=[
        {"key": "k1", "name": "bin", "isBinary": True},
        {"key": "k2", "name": "text", "isBinary": False},
    ]))
    req = ok(conv)
    assert req.data[0]["remoteRef"]["decodingStrategy"] == "Base64"
    assert "decodingStrategy" not in req.data[1]["remoteRef"]


@pytest.mark.parametrize("value", ["true", "yes", 1])
def test_is_binary_must_be_a_boolean(value: Any) -> None:
    conv = run(sm(data=[{"key": "k", "name": "n", "isBinary": value}]))
    failed(conv)
    one(conv, "spec.data[0].isBinary", "error")


def test_data_from_then_data_from_with_options_in_order() -> None:
    conv = run(sm(
        dataFrom=["first", "second"],
        dataFromWithOptions=[{"key": "third", "versionStage": "AWSPREVIOUS"},
                             {"key": "fourth"}],
        data=[{"key": "k", "name": "n"}],
    ))
    req = ok(conv)
    # KES merged dataFrom, dataFromWithOptions, data (last wins); ESO applies dataFrom in
    # order and data last (§0.5).
    assert req.data_from == [
        {"extract": {"key": "first"}},
        {"extract": {"key": "second"}},
        {"extract": {"key": "third", "version": "AWSPREVIOUS"}},
        {"extract": {"key": "fourth"}},
    ]
    assert req.data == [{"secretKey": "n", "remoteRef": {"key": "k"}}]


def test_data_from_with_options_is_binary_is_ignored_with_a_warning() -> None:
    conv = run(sm(dataFromWithOptions=[{"key": "k", "isBinary": True}]))
    req = ok(conv)
    assert req.data_from == [{"extract": {"key": "k"}}]
    one(conv, "spec.dataFromWithOptions[0].isBinary", "warning")


def test_duplicate_secret_keys_keep_the_last_and_warn() -> None:
    conv = run(sm(data=[
        {"key": "a", "name": "user", "property": "u1"},
        {"key": "b", "name": "pass"},
        {"key": "c", "name": "user", "property": "u2"},
    ]))
    req = ok(conv)
    assert [d["secretKey"] for d in req.data].count("user") == 1
    user = next(d for d in req.data if d["secretKey"] == "user")
    assert user["remoteRef"] == {"key": "c", "property": "u2"}
    one(conv, "spec.data[0].name", "warning")


@pytest.mark.parametrize("name", ["fooName:5", "has space", "a/b", ".", "x" * 254, ""])
def test_invalid_secret_key_names_are_errors(name: str) -> None:
    conv = run(sm(data=[{"key": "k", "name": name}]))
    failed(conv)
    one(conv, "spec.data[0].name", "error")


def test_longest_valid_secret_key_is_fine() -> None:
    ok(run(sm(data=[{"key": "k", "name": "x" * 253}])))


def test_nothing_to_fetch_is_an_error() -> None:
    conv = run(kes(dict(SM)))
    failed(conv)
    one(conv, "spec", "error")


def test_key_and_name_are_required() -> None:
    conv = run(sm(data=[{"name": "n"}, {"key": "k"}]))
    failed(conv)
    one(conv, "spec.data[0].key", "error")
    one(conv, "spec.data[1].name", "error")


def test_unknown_item_and_spec_fields_warn() -> None:
    conv = run(sm(data=[{"key": "k", "name": "n", "typo": 1}], extra=True))
    ok(conv)
    one(conv, "spec.data[0].typo", "warning")
    one(conv, "spec.extra", "warning")


# -- deprecated aliases (§1) --------------------------------------------------------------------

def test_secret_descriptor_is_read_as_spec_with_a_warning() -> None:
    conv = run_yaml("""
apiVersion: kubernetes-client.io/v1
kind: ExternalSecret
metadata: {name: old}
secretDescriptor:
  backendType: systemManager
  data: [{key: /e2e/name, name: name}]
""")
    req = ok(conv)
    assert req.data == [{"secretKey": "name", "remoteRef": {"key": "/e2e/name"}}]
    one(conv, "secretDescriptor", "warning")


def test_field_paths_follow_secret_descriptor() -> None:
    conv = run(kes(None, secretDescriptor={**SM, "data": [{"key": "k", "name": "bad name"}]}))
    one(conv, "secretDescriptor.data[0].name", "error")


def test_spec_wins_over_secret_descriptor() -> None:
    conv = run(kes({**SM, "data": [{"key": "new", "name": "n"}]},
                   secretDescriptor={**SM, "data": [{"key": "old", "name": "n"}]}))
    assert ok(conv).data[0]["remoteRef"]["key"] == "new"
    one(conv, "secretDescriptor", "warning")


def test_spec_type_is_template_type_with_a_warning() -> None:
    conv = run(sm(type="kubernetes.io/tls", data=[{"key": "k", "name": "tls.crt"}]))
    assert ok(conv).secret_type == "kubernetes.io/tls"
    one(conv, "spec.type", "warning")


def test_template_type_wins_over_spec_type() -> None:
    conv = run(sm(type="Opaque", template={"type": "kubernetes.io/tls"},
                  data=[{"key": "k", "name": "n"}]))
    assert ok(conv).secret_type == "kubernetes.io/tls"
    one(conv, "spec.type", "warning")


def test_properties_is_data_with_a_warning() -> None:
    conv = run(sm(properties=[{"key": "k", "name": "n"}]))
    assert ok(conv).data == [{"secretKey": "n", "remoteRef": {"key": "k"}}]
    one(conv, "spec.properties", "warning")


def test_properties_is_ignored_when_data_is_set() -> None:
    conv = run(sm(properties=[{"key": "old", "name": "o"}], data=[{"key": "k", "name": "n"}]))
    assert [d["secretKey"] for d in ok(conv).data] == ["n"]
    one(conv, "spec.properties", "warning")


def test_secret_manager_alias() -> None:
    conv = run(kes({"backendType": "secretManager", "region": "eu-west-1",
                    "data": [{"key": "k", "name": "n"}]}))
    req = ok(conv)
    assert req.store.provider == {"aws": {"service": "SecretsManager", "region": "eu-west-1"}}
    one(conv, "spec.backendType", "warning")


# -- backendType --------------------------------------------------------------------------------

@pytest.mark.parametrize("backend", [None, "", "anySupportedBackend", 3])
def test_missing_or_unknown_backend_is_an_error(backend: Any) -> None:
    spec: dict[str, Any] = {"data": [{"key": "k", "name": "n"}]}
    if backend is not None:
        spec["backendType"] = backend
    conv = run(kes(spec))
    failed(conv)
    one(conv, "spec.backendType", "error")


def test_knobs_of_other_backends_warn() -> None:
    conv = run(sm(vaultRole="r", keyVaultName="v", projectId="p", kvVersion=2, keyByName=True,
                  data=[{"key": "k", "name": "n"}]))
    ok(conv)
    for knob in ("vaultRole", "keyVaultName", "projectId", "kvVersion", "keyByName"):
        one(conv, f"spec.{knob}", "warning")


def test_secret_type_outside_ibm_warns() -> None:
    conv = run(sm(data=[{"key": "k", "name": "n", "secretType": "username_password"}]))
    # kes-to-eso prefixed it onto every key; KES only read it for IBM (§2).
    assert ok(conv).data[0]["remoteRef"] == {"key": "k"}
    one(conv, "spec.data[0].secretType", "warning")


def test_controller_id_goes_to_the_store() -> None:
    conv = run(sm(controllerId="dev-team", data=[{"key": "k", "name": "n"}]))
    req = ok(conv)
    assert req.store.controller == "dev-team"
    assert one(conv, "spec.controllerId", "info")


# -- results name the object and never crash ------------------------------------------------------

def test_results_name_object_file_and_field() -> None:
    obj = sm(data=[{"key": "k", "name": "bad name"}])
    conv = run(obj)
    (err,) = failed(conv)
    assert err.resource == source_for(obj).ref
    assert err.file == FILE
    assert err.field == "spec.data[0].name"


MALFORMED: list[Any] = [
    None,
    [],
    "text",
    kes(None),
    kes([1, 2]),  # type: ignore[arg-type]
    kes({"backendType": "secretsManager", "region": "r", "data": {"key": "k"}}),
    kes({"backendType": "secretsManager", "region": "r", "data": ["k"]}),
    kes({"backendType": "secretsManager", "region": "r", "data": [{"key": 12, "name": 3}]}),
    kes({"backendType": "secretsManager", "region": "r", "dataFrom": [1, None, {"a": 1}]}),
    kes({"backendType": "secretsManager", "region": "r", "dataFrom": "k"}),
    kes({"backendType": "secretsManager", "region": "r", "dataFromWithOptions": ["k"]}),
    kes({"backendType": "secretsManager", "region": 5, "data": [{"key": "k", "name": "n"}]}),
    kes({"backendType": "vault", "kvVersion": "2", "data": [{"key": "k", "name": "n"}]}),
    kes({"backendType": "vault", "kvVersion": 3, "data": [{"key": "k", "name": "n"}]}),
    kes({"backendType": "gcpSecretsManager",
         "data": [{"key": "k", "name": "n", "version": 1.5}]}),
    kes({"backendType": "gcpSecretsManager",
         "data": [{"key": "k", "name": "n", "version": True}]}),
    kes({"backendType": "secretsManager", "region": "r", "template": ["x"],
         "data": [{"key": "k", "name": "n"}]}),
    kes({"backendType": "secretsManager", "region": "r",
         "template": {"metadata": {"labels": {"a": 1}}}, "data": [{"key": "k", "name": "n"}]}),
    kes({"backendType": "secretsManager", "region": "r",
         "template": {"data": {1: "eA=="}}, "data": [{"key": "k", "name": "n"}]}),
    kes({"backendType": "secretsManager", "region": "r", "keyByName": "yes",
         "data": [{"key": "k", "name": "n", "path": "/p"}]}),
    {"apiVersion": "kubernetes-client.io/v1", "kind": "ExternalSecret", "metadata": "x",
     "spec": {"backendType": "systemManager", "data": [{"path": ""}]}},
]


@pytest.mark.parametrize("obj", MALFORMED)
def test_malformed_input_gives_errors_not_exceptions(obj: Any) -> None:
    conv = run(obj)
    failed(conv)
    assert not [r for r in conv.results if "internal error" in r.message]


def test_string_version_number_in_yaml_is_text() -> None:
    conv = run(kes({"backendType": "gcpSecretsManager", "projectId": "p",
                    "data": [{"key": "k", "name": "n", "version": 3}]}))
    assert ok(conv).data[0]["remoteRef"]["version"] == "3"


def test_no_result_without_field_for_object_problems() -> None:
    conv = run(sm(data=[{"key": "k", "name": "n", "isBinary": "true"}],
                  dataFrom=[3], template={"stringData": {"bad key": "x"}}))
    assert all(r.field for r in conv.results), [r.describe() for r in conv.results]
    assert at(conv, "spec.dataFrom[0]", "error")
