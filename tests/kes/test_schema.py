"""Synthetic objects that use every convertible KES field validate against the ESO v1 schemas."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from .support import SCHEMAS, config, es_manifest, kes, load_schema, ok, run, store_manifest

jsonschema = pytest.importorskip("jsonschema")

pytestmark = pytest.mark.skipif(
    not SCHEMAS.is_dir(),
    reason=f"ESO schemas not found at {SCHEMAS} (../shared from the repo root)",
)

UUID = "0a1b2c3d-4e5f-4a5b-8c7d-9e0f1a2b3c4d"
TEMPLATE = {
    "type": "Opaque",
    "immutable": False,
    "metadata": {"labels": {"a": "b"}, "annotations": {"c": "{{d}}"}, "finalizers": ["x/y"]},
    "data": {"bin": base64.b64encode(b"\x00\xff").decode(),
             "txt": base64.b64encode(b"hello").decode()},
    "stringData": {"conf.yaml": "k: v\n"},
}

OBJECTS: list[dict[str, Any]] = [
    kes({"backendType": "secretsManager", "region": "us-east-1", "roleArn": "arn:aws:iam::1:role/r",
         "controllerId": "team", "template": TEMPLATE,
         "dataFrom": ["a"], "dataFromWithOptions": [{"key": "b", "versionId": "v"},
                                                    {"key": "c", "versionStage": "AWSPREVIOUS"}],
         "data": [{"key": "k", "name": "n", "property": "x[0].y", "isBinary": True,
                   "versionStage": "AWSPREVIOUS"}]}),
    kes({"backendType": "systemManager", "data": [
        {"key": "/a/b:2", "name": "a"}, {"path": "/p/", "recursive": True}, {"path": "/q"}]}),
    kes({"backendType": "vault", "vaultRole": "r", "vaultMountPoint": "m", "kvVersion": 1,
         "dataFrom": ["kv/x"], "data": [{"key": "kv/y", "name": "y", "isBinary": True}]}),
    kes({"backendType": "azureKeyVault", "keyVaultName": "my-vault",
         "data": [{"key": "s", "name": "s", "property": "p"}]}),
    kes({"backendType": "gcpSecretsManager", "projectId": "p",
         "data": [{"key": "s", "name": "s", "version": 4}]}),
    kes({"backendType": "ibmcloudSecretsManager", "keyByName": True,
         "data": [{"key": "n", "name": "u", "secretType": "username_password",
                   "property": "username"}]}),
    kes({"backendType": "ibmcloudSecretsManager",
         "data": [{"key": UUID, "name": "k", "secretType": "kv", "property": "payload.k"}]}),
    kes({"backendType": "akeyless", "data": [{"key": "/p/s", "name": "s"}]}),
]


def errors(obj: dict[str, Any], schema_name: str) -> list[str]:
    schema = load_schema(schema_name)
    check = jsonschema.validators.validator_for(schema)(schema)
    return [f"{e.json_path}: {e.message}" for e in check.iter_errors(obj)]


@pytest.mark.parametrize("store_kind", ["ClusterSecretStore", "SecretStore"])
@pytest.mark.parametrize("obj", OBJECTS, ids=lambda o: o["spec"]["backendType"])
def test_fragments_validate(obj: dict[str, Any], store_kind: str) -> None:
    req = ok(run(obj, config(storeKind=store_kind)))
    assert errors(es_manifest(req), "externalsecret_v1.json") == []
    schema = "clustersecretstore_v1.json" if store_kind == "ClusterSecretStore" else \
        "secretstore_v1.json"
    assert errors(store_manifest(req.store), schema) == []
