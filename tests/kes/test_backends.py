"""Per-backend key, version and property rules (kes-mapping.md §2, §3, §4)."""

from __future__ import annotations

from typing import Any

import pytest

from .support import FULL_BACKENDS, build_path, config, failed, kes, ok, one, run

UUID = "0a1b2c3d-4e5f-4a5b-8c7d-9e0f1a2b3c4d"


def with_backends(**changes: Any) -> Any:
    return config({**FULL_BACKENDS, **changes})


# -- AWS Secrets Manager (§3.1, §4.1) -----------------------------------------------------------

def aws(**spec: Any) -> dict[str, Any]:
    return kes({"backendType": "secretsManager", **spec})


def test_sm_store_from_region_and_role() -> None:
    req = ok(run(aws(region="us-east-1", roleArn="arn:aws:iam::1:role/r",
                     data=[{"key": "k", "name": "n"}])))
    assert req.store.provider == {"aws": {"service": "SecretsManager", "region": "us-east-1",
                                          "role": "arn:aws:iam::1:role/r"}}
    assert req.store.kind == "ClusterSecretStore"


def test_sm_version_stage_and_version_id() -> None:
    conv = run(aws(data=[
        {"key": "k", "name": "prev", "versionStage": "AWSPREVIOUS", "property": "password"},
        {"key": "k", "name": "pinned", "versionId": "abc-123"},
    ]))
    req = ok(conv)
    assert req.data[0]["remoteRef"] == {"key": "k", "version": "AWSPREVIOUS",
                                        "property": "password"}
    assert req.data[1]["remoteRef"] == {"key": "k", "version": "uuid/abc-123"}


def test_sm_version_id_wins_over_stage() -> None:
    conv = run(aws(data=[{"key": "k", "name": "n", "versionStage": "AWSPREVIOUS",
                          "versionId": "v1"}]))
    assert ok(conv).data[0]["remoteRef"]["version"] == "uuid/v1"
    one(conv, "spec.data[0].versionStage", "warning")


def test_sm_data_from_with_options_versions() -> None:
    req = ok(run(aws(dataFromWithOptions=[{"key": "a", "versionStage": "AWSPENDING"},
                                          {"key": "b", "versionId": "id"}])))
    assert req.data_from == [{"extract": {"key": "a", "version": "AWSPENDING"}},
                             {"extract": {"key": "b", "version": "uuid/id"}}]


def test_sm_gcp_style_version_is_ignored_with_a_warning() -> None:
    conv = run(aws(data=[{"key": "k", "name": "n", "version": "3"}]))
    assert ok(conv).data[0]["remoteRef"] == {"key": "k"}
    one(conv, "spec.data[0].version", "warning")


def test_sm_is_binary_warns_about_secret_binary() -> None:
    conv = run(aws(data=[{"key": "k", "name": "n", "isBinary": True}]))
    assert ok(conv).data[0]["remoteRef"]["decodingStrategy"] == "Base64"
    one(conv, "spec.data[0].isBinary", "warning")


def test_path_entries_need_system_manager() -> None:
    conv = run(aws(data=[{"path": "/app/"}]))
    failed(conv)
    one(conv, "spec.data[0].path", "error")


# -- SSM Parameter Store (§2 path row, §3.1, §4.2) ----------------------------------------------

def ssm(**spec: Any) -> dict[str, Any]:
    return kes({"backendType": "systemManager", **spec})


def test_ssm_store_service() -> None:
    req = ok(run(ssm(region="eu-west-1", data=[{"key": "/a", "name": "a"}])))
    assert req.store.provider == {"aws": {"service": "ParameterStore", "region": "eu-west-1"}}


def test_ssm_version_suffix_becomes_version() -> None:
    req = ok(run(ssm(dataFrom=["hello-service/credentials:3"],
                     data=[{"key": "/foo/name:5", "name": "foo"}, {"key": "/foo/x", "name": "x"}])))
    assert req.data_from == [{"extract": {"key": "hello-service/credentials", "version": "3"}}]
    assert req.data[0]["remoteRef"] == {"key": "/foo/name", "version": "5"}
    assert req.data[1]["remoteRef"] == {"key": "/foo/x"}


def test_ssm_path_not_recursive_is_one_level_find_with_basename_rewrite() -> None:
    req = ok(run(ssm(data=[{"path": "/bar/", "recursive": False}])))
    assert req.data == []
    assert req.data_from == [{
        "find": {"path": "/bar/", "name": {"regexp": "^/bar/[^/]+$"}},
        "rewrite": [{"regexp": {"source": "^.*/", "target": ""}}],
    }]


def test_ssm_path_recursive_defaults_to_false() -> None:
    req = ok(run(ssm(data=[{"path": "/my.app"}])))
    assert req.data_from[0]["find"]["name"] == {"regexp": r"^/my\.app/[^/]+$"}


def test_ssm_path_recursive_true_matches_everything() -> None:
    req = ok(run(ssm(data=[{"path": "/bar", "recursive": True}])))
    assert req.data_from[0]["find"] == {"path": "/bar", "name": {"regexp": ".*"}}


def test_ssm_find_regexp_selects_what_kes_listed() -> None:
    import re

    req = ok(run(ssm(data=[{"path": "/bar/"}])))
    regexp = re.compile(req.data_from[0]["find"]["name"]["regexp"])
    assert regexp.search("/bar/a")
    assert not regexp.search("/bar/sub/a")
    assert not regexp.search("/barista/a")


def test_ssm_finds_come_after_data_from() -> None:
    req = ok(run(ssm(dataFrom=["/json"], data=[{"path": "/p/"}])))
    assert [next(iter(e)) for e in req.data_from] == ["extract", "find"]


def test_ssm_path_after_data_entries_warns_about_precedence() -> None:
    conv = run(ssm(data=[{"key": "/foo/name", "name": "variable-name"},
                         {"path": "/bar/", "recursive": False}]))
    ok(conv)
    one(conv, "spec.data[1].path", "warning")


def test_ssm_path_first_does_not_warn() -> None:
    conv = run(ssm(data=[{"path": "/bar/"}, {"key": "/foo/name", "name": "n"}]))
    ok(conv)
    assert conv.results == []


def test_ssm_path_with_key_and_name_is_an_error() -> None:
    conv = run(ssm(data=[{"path": "/bar/", "key": "/k", "name": "n"}]))
    one(conv, "spec.data[0]", "error")


def test_ssm_has_no_version_stage() -> None:
    conv = run(ssm(data=[{"key": "/k", "name": "n", "versionStage": "AWSPREVIOUS",
                          "versionId": "x"}]))
    assert ok(conv).data[0]["remoteRef"] == {"key": "/k"}
    one(conv, "spec.data[0].versionStage", "warning")
    one(conv, "spec.data[0].versionId", "warning")


def test_recursive_without_path_warns() -> None:
    conv = run(ssm(data=[{"key": "/k", "name": "n", "recursive": True}]))
    ok(conv)
    one(conv, "spec.data[0].recursive", "warning")


# -- Vault (§3.2, §4.3, §9) ----------------------------------------------------------------------

def vault(**spec: Any) -> dict[str, Any]:
    return kes({"backendType": "vault", "vaultRole": "app", **spec})


def test_vault_store_defaults_to_kv2_and_kubernetes_auth() -> None:
    req = ok(run(vault(data=[{"key": "secret/data/app", "name": "n"}])))
    assert req.store.provider == {"vault": {
        "server": "https://vault.example:8200",
        "version": "v2",
        "auth": {"kubernetes": {"mountPath": "kubernetes", "role": "app"}},
    }}


def test_vault_kv1_mount_point_and_role() -> None:
    req = ok(run(vault(kvVersion=1, vaultMountPoint="k8s-prod", vaultRole="reader",
                       data=[{"key": "kv/db", "name": "n"}])))
    block = req.store.provider["vault"]  # type: ignore[index]
    assert block["version"] == "v1"
    assert block["auth"]["kubernetes"] == {"mountPath": "k8s-prod", "role": "reader"}
    assert "path" not in block


def test_vault_keys_are_verbatim_and_property_is_not_defaulted() -> None:
    req = ok(run(vault(dataFrom=["secret/data/all"], data=[
        {"key": "secret/data/app", "name": "whole"},
        {"key": "secret/data/app", "name": "pw", "property": "password"},
    ])))
    assert req.data == [
        {"secretKey": "whole", "remoteRef": {"key": "secret/data/app"}},
        {"secretKey": "pw", "remoteRef": {"key": "secret/data/app", "property": "password"}},
    ]
    assert req.data_from == [{"extract": {"key": "secret/data/all"}}]


@pytest.mark.parametrize(("kv", "keys"), [
    (2, ["secret/data/app", "team/a/kv/data/x/y", "vault-name/data/demo-service/credentials"]),
    (1, ["kv/database", "kv", "a/b/c/d"]),
])
def test_vault_read_path_equals_the_kes_key(kv: int, keys: list[str]) -> None:
    req = ok(run(vault(kvVersion=kv, dataFrom=keys,
                       data=[{"key": k, "name": f"n{i}"} for i, k in enumerate(keys)])))
    block = req.store.provider["vault"]  # type: ignore[index]
    refs = [d["remoteRef"] for d in req.data] + [e["extract"] for e in req.data_from]
    for ref, kes_key in zip(refs, keys + keys, strict=True):
        assert build_path(block.get("path"), ref["key"], block["version"]) == kes_key


def test_vault_kv2_key_without_data_segment_warns() -> None:
    conv = run(vault(data=[{"key": "secret/app", "name": "n"}]))
    assert ok(conv).data[0]["remoteRef"]["key"] == "secret/app"
    one(conv, "spec.data[0].key", "warning")


def test_vault_version_is_dropped_with_a_warning() -> None:
    conv = run(vault(data=[{"key": "secret/data/app", "name": "n", "version": 2}]))
    assert ok(conv).data[0]["remoteRef"] == {"key": "secret/data/app"}
    one(conv, "spec.data[0].version", "warning")


def test_vault_role_from_config() -> None:
    cfg = with_backends(vault={"vault": {"server": "https://v", "namespace": "team",
                                         "auth": {"kubernetes": {"role": "default-role",
                                                                 "mountPath": "k8s"}}}})
    req = ok(run(kes({"backendType": "vault", "data": [{"key": "a/data/b", "name": "n"}]}), cfg))
    assert req.store.provider == {"vault": {
        "server": "https://v", "namespace": "team", "version": "v2",
        "auth": {"kubernetes": {"role": "default-role", "mountPath": "k8s"}}}}


def test_vault_object_fields_override_config() -> None:
    cfg = with_backends(vault={"vault": {"server": "https://v", "version": "v1",
                                         "auth": {"kubernetes": {"role": "default-role"}}}})
    req = ok(run(vault(vaultRole="mine", data=[{"key": "a/data/b", "name": "n"}]), cfg))
    block = req.store.provider["vault"]  # type: ignore[index]
    assert block["auth"]["kubernetes"]["role"] == "mine"
    assert block["version"] == "v2"  # KES default kvVersion 2


def test_vault_missing_role_names_the_config_key() -> None:
    conv = run(kes({"backendType": "vault", "data": [{"key": "a/data/b", "name": "n"}]}))
    err = one(conv, "spec.vaultRole", "error")
    assert "spec.kes.backends.vault.vault.auth.kubernetes.role" in err.message


def test_vault_missing_server_names_the_config_key() -> None:
    conv = run(vault(data=[{"key": "a/data/b", "name": "n"}]), with_backends(vault={}))
    err = one(conv, None, "error")
    assert "spec.kes.backends.vault.vault.server" in err.message
    assert conv.request is None


def test_vault_store_path_in_config_is_an_error() -> None:
    cfg = with_backends(vault={"vault": {"server": "https://v", "path": "secret"}})
    err = one(run(vault(data=[{"key": "secret/data/b", "name": "n"}]), cfg), None, "error")
    assert "spec.kes.backends.vault.vault.path" in err.message


def test_vault_other_auth_method_in_config_is_kept() -> None:
    auth = {"appRole": {"path": "approle", "roleId": "x",
                        "secretRef": {"name": "s", "key": "k", "namespace": "eso"}}}
    cfg = with_backends(vault={"vault": {"server": "https://v", "auth": auth}})
    conv = run(vault(data=[{"key": "a/data/b", "name": "n"}]), cfg)
    assert ok(conv).store.provider["vault"]["auth"] == auth  # type: ignore[index]
    one(conv, "spec.vaultRole", "warning")


# -- Azure Key Vault (§3.3, §4.4) ----------------------------------------------------------------

def azure(**spec: Any) -> dict[str, Any]:
    return kes({"backendType": "azureKeyVault", "keyVaultName": "hello-world", **spec})


def test_azure_vault_url_from_key_vault_name() -> None:
    req = ok(run(azure(data=[{"key": "password", "name": "n", "property": "value"}])))
    assert req.store.provider == {"azurekv": {"authType": "ManagedIdentity",
                                              "vaultUrl": "https://hello-world.vault.azure.net"}}
    assert req.data[0]["remoteRef"] == {"key": "password", "property": "value"}


def test_azure_dns_suffix_from_environment_or_configured_url() -> None:
    china = with_backends(azureKeyVault={"azurekv": {"authType": "ManagedIdentity",
                                                     "environmentType": "ChinaCloud"}})
    req = ok(run(azure(data=[{"key": "k", "name": "n"}]), china))
    assert req.store.provider["azurekv"]["vaultUrl"] == "https://hello-world.vault.azure.cn"  # type: ignore[index]
    custom = with_backends(azureKeyVault={"azurekv": {
        "authType": "ManagedIdentity", "vaultUrl": "https://other.vault.example.org"}})
    req = ok(run(azure(data=[{"key": "k", "name": "n"}]), custom))
    assert req.store.provider["azurekv"]["vaultUrl"] == "https://hello-world.vault.example.org"  # type: ignore[index]


def test_azure_key_with_slash_is_an_error() -> None:
    conv = run(azure(data=[{"key": "hello-service/credentials", "name": "n"}]))
    failed(conv)
    one(conv, "spec.data[0].key", "error")


def test_azure_without_key_vault_name_or_url_is_an_error() -> None:
    conv = run(kes({"backendType": "azureKeyVault", "data": [{"key": "k", "name": "n"}]}))
    one(conv, "spec.keyVaultName", "error")


def test_azure_service_principal_needs_config() -> None:
    conv = run(azure(data=[{"key": "k", "name": "n"}]), with_backends(azureKeyVault={}))
    messages = " ".join(r.message for r in failed(conv))
    assert "spec.kes.backends.azureKeyVault.azurekv.tenantId" in messages
    assert "spec.kes.backends.azureKeyVault.azurekv.authSecretRef.clientId" in messages


def test_azure_has_no_versions() -> None:
    conv = run(azure(data=[{"key": "k", "name": "n", "version": "1"}]))
    assert ok(conv).data[0]["remoteRef"] == {"key": "k"}
    one(conv, "spec.data[0].version", "warning")


# -- GCP Secret Manager (§3.4, §4.5) -------------------------------------------------------------

def gcp(**spec: Any) -> dict[str, Any]:
    return kes({"backendType": "gcpSecretsManager", "projectId": "proj", **spec})


def test_gcp_project_and_version() -> None:
    req = ok(run(gcp(data=[
        {"key": "pw", "name": "a", "version": 1, "property": "value", "isBinary": False},
        {"key": "pw", "name": "b", "version": "latest"},
        {"key": "pw", "name": "c"},
    ])))
    assert req.store.provider == {"gcpsm": {"projectID": "proj"}}
    assert [d["remoteRef"] for d in req.data] == [
        {"key": "pw", "version": "1", "property": "value"},
        {"key": "pw", "version": "latest"},
        {"key": "pw"},
    ]


def test_gcp_version_stage_is_ignored_with_a_warning() -> None:
    conv = run(gcp(dataFromWithOptions=[{"key": "k", "versionStage": "x"}]))
    assert ok(conv).data_from == [{"extract": {"key": "k"}}]
    one(conv, "spec.dataFromWithOptions[0].versionStage", "warning")


def test_gcp_without_project_warns() -> None:
    conv = run(kes({"backendType": "gcpSecretsManager", "data": [{"key": "k", "name": "n"}]}))
    ok(conv)
    one(conv, "spec.projectId", "warning")


def test_gcp_without_project_and_key_file_is_an_error() -> None:
    cfg = with_backends(gcpSecretsManager={"gcpsm": {"auth": {"secretRef": {
        "secretAccessKeySecretRef": {"name": "gcp", "key": "key.json", "namespace": "eso"}}}}})
    conv = run(kes({"backendType": "gcpSecretsManager", "data": [{"key": "k", "name": "n"}]}),
               cfg)
    one(conv, "spec.projectId", "error")


# -- IBM Cloud Secrets Manager (§3.6, §4.7) ------------------------------------------------------

def ibm(**spec: Any) -> dict[str, Any]:
    return kes({"backendType": "ibmcloudSecretsManager", **spec})


def test_ibm_by_id_prefixes_the_secret_type() -> None:
    req = ok(run(ibm(data=[
        {"key": UUID, "name": "password", "secretType": "username_password",
         "property": "password"},
    ])))
    assert req.data[0]["remoteRef"] == {"key": f"username_password/{UUID}",
                                        "property": "password"}


def test_ibm_by_name_uses_the_default_group_with_a_warning() -> None:
    conv = run(ibm(keyByName=True, data=[
        {"key": "my-creds", "name": "tls.crt", "property": "certificate",
         "secretType": "imported_cert"},
        {"key": "my-creds", "name": "tls.key", "property": "private_key",
         "secretType": "imported_cert"},
    ]))
    req = ok(conv)
    assert [d["remoteRef"]["key"] for d in req.data] == ["default/imported_cert/my-creds"] * 2
    assert len([r for r in conv.results if r.severity == "warning"]) == 1


def test_ibm_by_name_uses_the_configured_group() -> None:
    cfg = with_backends(ibmcloudSecretsManager={**FULL_BACKENDS["ibmcloudSecretsManager"],
                                                "secretGroup": "payments"})
    conv = run(ibm(keyByName=True, data=[{"key": "creds", "name": "n", "secretType": "kv"}]),
               cfg)
    assert ok(conv).data[0]["remoteRef"] == {"key": "payments/kv/creds"}
    assert conv.results == []
    assert "secretGroup" not in ok(conv).store.provider  # type: ignore[operator]


@pytest.mark.parametrize(("stype", "prop", "expected"), [
    ("kv", "payload.key", "key"),
    ("kv", "payload", None),
    ("arbitrary", "payload", None),
    ("arbitrary", None, None),
    ("username_password", "username", "username"),
    ("private_cert", "certificate", "certificate"),
])
def test_ibm_property_per_secret_type(stype: str, prop: str | None,
                                      expected: str | None) -> None:
    item: dict[str, Any] = {"key": UUID, "name": "n", "secretType": stype}
    if prop is not None:
        item["property"] = prop
    req = ok(run(ibm(data=[item])))
    assert req.data[0]["remoteRef"].get("property") == expected


@pytest.mark.parametrize("stype", ["username_password", "imported_cert"])
def test_ibm_whole_json_of_field_types_is_an_error(stype: str) -> None:
    conv = run(ibm(data=[{"key": UUID, "name": "n", "secretType": stype}]))
    one(conv, "spec.data[0].property", "error")


def test_ibm_iam_credentials_warns_about_quoting() -> None:
    conv = run(ibm(data=[{"key": UUID, "name": "n", "secretType": "iam_credentials"}]))
    assert ok(conv).data[0]["remoteRef"] == {"key": f"iam_credentials/{UUID}"}
    one(conv, "spec.data[0]", "warning")


def test_ibm_key_with_slash_is_an_error() -> None:
    conv = run(ibm(data=[{"key": "demo-service/credentials", "name": "n",
                          "secretType": "username_password", "property": "password"}]))
    one(conv, "spec.data[0].key", "error")


def test_ibm_missing_secret_type_is_an_error() -> None:
    conv = run(ibm(data=[{"key": UUID, "name": "n"}]))
    one(conv, "spec.data[0].secretType", "error")


def test_ibm_data_from_is_an_error() -> None:
    conv = run(ibm(dataFrom=[UUID], data=[{"key": UUID, "name": "n", "secretType": "kv"}]))
    one(conv, "spec.dataFrom[0]", "error")


def test_ibm_non_uuid_id_warns() -> None:
    conv = run(ibm(data=[{"key": "creds", "name": "n", "secretType": "kv"}]))
    ok(conv)
    one(conv, "spec.data[0].key", "warning")


def test_ibm_missing_config_names_the_keys() -> None:
    conv = run(ibm(data=[{"key": UUID, "name": "n", "secretType": "kv"}]),
               with_backends(ibmcloudSecretsManager={}))
    messages = " ".join(r.message for r in failed(conv))
    assert "spec.kes.backends.ibmcloudSecretsManager.ibm.serviceUrl" in messages
    assert "spec.kes.backends.ibmcloudSecretsManager.ibm.auth" in messages


# -- Akeyless (§3.7) -----------------------------------------------------------------------------

def test_akeyless_keys_verbatim_and_default_gateway() -> None:
    req = ok(run(kes({"backendType": "akeyless",
                      "data": [{"key": "path/secret-name", "name": "password"}]})))
    assert req.data == [{"secretKey": "password", "remoteRef": {"key": "path/secret-name"}}]
    block = req.store.provider["akeyless"]  # type: ignore[index]
    assert block["akeylessGWApiURL"] == "https://api.akeyless.io"
    assert block["authSecretRef"] == FULL_BACKENDS["akeyless"]["akeyless"]["authSecretRef"]


def test_akeyless_configured_gateway_and_missing_auth() -> None:
    cfg = with_backends(akeyless={"akeyless": {"akeylessGWApiURL": "https://gw.example/api/v2"}})
    conv = run(kes({"backendType": "akeyless", "data": [{"key": "/p", "name": "n"}]}), cfg)
    err = one(conv, None, "error")
    assert "spec.kes.backends.akeyless.akeyless.authSecretRef" in err.message


# -- Alibaba (§3.5, §0.10) -----------------------------------------------------------------------

def test_alicloud_is_an_error_naming_the_object() -> None:
    obj = kes({"backendType": "alicloudSecretsManager", "roleArn": "acs:ram::1:role/demo",
               "data": [{"key": "hello", "name": "password", "versionStage": "ACSCurrent"}]},
              name="alicloud-secretsmanager")
    conv = run(obj)
    (err,) = failed(conv)
    assert err.field == "spec.backendType"
    assert err.resource is not None and err.resource.name == "alicloud-secretsmanager"
    assert "Alibaba" in err.message
