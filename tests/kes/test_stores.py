"""Stores: one per distinct set of store-level inputs, deterministic DNS-1123 names (§0.3, §3)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from krm_fn.kes.stores import store_name

from .support import FULL_BACKENDS, config, kes, ok, one, run

DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DATA = [{"key": "app", "name": "n"}]  # a key every backend accepts


def store_of(spec: dict[str, Any], cfg: Any = None) -> Any:
    return ok(run(kes({"data": DATA, **spec}), cfg)).store


BASES: list[dict[str, Any]] = [
    {"backendType": "secretsManager"},
    {"backendType": "systemManager"},
    {"backendType": "vault", "vaultRole": "r"},
    {"backendType": "azureKeyVault", "keyVaultName": "kv-one"},
    {"backendType": "gcpSecretsManager", "projectId": "p"},
    {"backendType": "akeyless"},
]


@pytest.mark.parametrize("base", BASES, ids=lambda b: b["backendType"])
def test_store_names_are_readable_dns_names(base: dict[str, Any]) -> None:
    store = store_of(base)
    assert re.fullmatch(rf"kes-{base['backendType'].lower()}-[0-9a-f]{{8}}", store.name)
    assert DNS_1123.match(store.name) and len(store.name) <= 63


@pytest.mark.parametrize("base", BASES, ids=lambda b: b["backendType"])
def test_same_inputs_share_a_store(base: dict[str, Any]) -> None:
    first = store_of(base)
    other = ok(run(kes({"data": [{"key": "other", "name": "m"}], **base}, name="b",
                       namespace="elsewhere"))).store
    assert first == other


@pytest.mark.parametrize(("base", "change"), [
    ({"backendType": "secretsManager"}, {"region": "eu-west-1"}),
    ({"backendType": "secretsManager"}, {"roleArn": "arn:aws:iam::1:role/x"}),
    ({"backendType": "secretsManager"}, {"controllerId": "team-a"}),
    ({"backendType": "vault", "vaultRole": "r"}, {"vaultRole": "other"}),
    ({"backendType": "vault", "vaultRole": "r"}, {"vaultMountPoint": "k8s-2"}),
    ({"backendType": "vault", "vaultRole": "r"}, {"kvVersion": 1}),
    ({"backendType": "azureKeyVault", "keyVaultName": "kv-one"}, {"keyVaultName": "kv-two"}),
    ({"backendType": "gcpSecretsManager", "projectId": "p"}, {"projectId": "q"}),
])
def test_different_inputs_get_different_stores(base: dict[str, Any],
                                               change: dict[str, Any]) -> None:
    assert store_of(base).name != store_of({**base, **change}).name


def test_secrets_manager_and_ssm_never_share_a_store() -> None:
    assert store_of({"backendType": "secretsManager"}).name != \
        store_of({"backendType": "systemManager"}).name


def test_store_kind_follows_config() -> None:
    store = store_of({"backendType": "secretsManager"},
                     config(storeKind="SecretStore"))
    assert store.kind == "SecretStore"
    assert store.create is True


def test_names_are_stable_across_runs() -> None:
    # A fixed expectation: the name must not change between releases without intent,
    # or every GitOps repo would see its stores renamed.
    provider = {"aws": {"service": "SecretsManager", "region": "us-east-1"}}
    assert store_name("secretsManager", "ClusterSecretStore", provider, None) == \
        store_name("secretsManager", "ClusterSecretStore",
                   {"aws": {"region": "us-east-1", "service": "SecretsManager"}}, None)


def test_config_fragment_is_merged_under_object_fields() -> None:
    cfg = config({"secretsManager": {"aws": {
        "region": "us-west-2", "additionalRoles": ["arn:aws:iam::1:role/hop"],
        "auth": {"jwt": {"serviceAccountRef": {"name": "kes", "namespace": "kes"}}}}}})
    store = store_of({"backendType": "secretsManager", "region": "eu-central-1",
                      "roleArn": "arn:aws:iam::2:role/app"}, cfg)
    assert store.provider == {"aws": {
        "service": "SecretsManager",
        "region": "eu-central-1",  # the object wins
        "role": "arn:aws:iam::2:role/app",
        "additionalRoles": ["arn:aws:iam::1:role/hop"],
        "auth": {"jwt": {"serviceAccountRef": {"name": "kes", "namespace": "kes"}}},
    }}


def test_config_is_not_mutated() -> None:
    cfg = config()
    store_of({"backendType": "secretsManager", "region": "eu-west-1"}, cfg)
    assert cfg.kes.backends["secretsManager"] == FULL_BACKENDS["secretsManager"]


def test_missing_region_names_the_config_key() -> None:
    conv = run(kes({"backendType": "secretsManager", "data": DATA}), config({}))
    err = one(conv, "spec.region", "error")
    assert "spec.kes.backends.secretsManager.aws.region" in err.message
    assert conv.request is None


def test_ssm_has_its_own_config_entry() -> None:
    cfg = config({"secretsManager": {"aws": {"region": "us-west-2"}}})
    conv = run(kes({"backendType": "systemManager", "data": DATA}), cfg)
    err = one(conv, "spec.region", "error")
    assert "spec.kes.backends.systemManager.aws.region" in err.message


@pytest.mark.parametrize("entry", [
    {"vault": {"region": "x"}},
    {"aws": "us-west-2"},
    {"aws": {"region": "us-west-2", "service": "ParameterStore"}},
])
def test_bad_backend_config_is_an_error(entry: dict[str, Any]) -> None:
    conv = run(kes({"backendType": "secretsManager", "data": DATA}),
               config({"secretsManager": entry}))
    assert conv.request is None
    assert any("spec.kes.backends.secretsManager" in r.message for r in conv.results)
