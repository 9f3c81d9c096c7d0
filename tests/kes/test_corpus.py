"""Real KES manifests (../shared/corpus/kes): never a crash, and valid ESO v1 output.

Each file names its upstream source on line 1. The expectations below come from
kes-mapping.md (which of these examples are convertible at all), not from this tool's output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from krm_fn.kes import convert, is_kes

from .support import CORPUS, FILE, SCHEMAS, build_path, config, es_manifest, load_schema, source_for, store_manifest

jsonschema = pytest.importorskip("jsonschema")

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir() or not SCHEMAS.is_dir(),
    reason=f"shared corpus/schemas not found at {CORPUS.parent.parent} (../shared from the repo "
           "root); these tests need the project's shared folder",
)

# file stem -> the fields that must carry an error; files not listed must convert.
EXPECTED_ERRORS: dict[str, set[str]] = {
    # ESO 2.x has no Alibaba provider (§0.10)
    "alicloudsecretsmanager-roleArn-versionStage": {"spec.backendType"},
    # '/' in an Azure key never worked in KES (§3.3)
    "azurekeyvault-keyVaultName-property-slash-key": {"spec.data[0].key"},
    # '/' breaks ESO's IBM key split; dataFrom on IBM has no secretType (§4.7)
    "ibmcloud-by-id-secretType-and-dataFrom": {"spec.data[0].key", "spec.data[1].key",
                                               "spec.dataFrom[0]"},
    # username_password without property has no data[] equivalent (§4.7)
    "ibmcloud-keyByName-secretTypes-properties": {"spec.data[0].property"},
    # `fooName:5` is not a valid secretKey (§2)
    "systemmanager-version-suffix-dataFrom-and-bad-name": {"spec.data[0].name"},
    # README placeholder backendType (§3.8)
    "unknown-backendType-isBinary-with-and-without-property": {"spec.backendType"},
    # lodash templates (§5)
    "vault-template-lodash-data-labels-stringData": {
        "spec.template.data[file.txt]", "spec.template.stringData[file.yaml]",
        "spec.template.metadata.labels.label1", "spec.template.metadata.labels.label2"},
    "vault-template-lodash-labels-stringData": {
        "spec.template.stringData[file.yaml]", "spec.template.metadata.labels.world"},
}


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.yaml")) if CORPUS.is_dir() else []


def kes_documents(path: Path) -> list[dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]
    return [d for d in docs if is_kes(str(d.get("apiVersion")), str(d.get("kind")))]


def validator(name: str) -> Any:
    schema = load_schema(name)
    return jsonschema.validators.validator_for(schema)(schema)


def schema_errors(obj: dict[str, Any], name: str) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in validator(name).iter_errors(obj)]


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.stem)
def test_corpus_file_converts_as_kes_mapping_says(path: Path) -> None:
    docs = kes_documents(path)
    assert docs, f"{path.name} holds no KES object"
    for obj in docs:
        conv = convert(obj, source_for(obj), config())
        error_fields = {r.field for r in conv.results if r.severity == "error"}
        expected = EXPECTED_ERRORS.get(path.stem, set())
        assert error_fields == expected, [r.describe() for r in conv.results]
        assert (conv.request is None) == bool(expected)
        for result in conv.results:
            assert result.resource == source_for(obj).ref
            assert result.file == FILE
            assert "internal error" not in result.message


@pytest.mark.parametrize("cfg_name", ["full", "empty", "secretstore"])
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.stem)
def test_corpus_output_is_valid_eso_v1(path: Path, cfg_name: str) -> None:
    cfg = {"full": config(), "empty": config({}),
           "secretstore": config(storeKind="SecretStore")}[cfg_name]
    for obj in kes_documents(path):
        conv = convert(obj, source_for(obj), cfg)
        assert convert(obj, source_for(obj), cfg) == conv, "not deterministic"
        if conv.request is None:
            continue
        req = conv.request
        es = es_manifest(req)
        assert schema_errors(es, "externalsecret_v1.json") == []
        store_schema = ("clustersecretstore_v1.json" if req.store.kind == "ClusterSecretStore"
                        else "secretstore_v1.json")
        assert schema_errors(store_manifest(req.store), store_schema) == []
        check_webhook_rules(es["spec"])


def check_webhook_rules(spec: dict[str, Any]) -> None:
    """ESO's validating-webhook rules the schema does not hold (eso-api.md §2)."""
    assert spec.get("data") or spec.get("dataFrom")
    keys = [d["secretKey"] for d in spec.get("data", [])]
    assert len(keys) == len(set(keys)), "duplicate secretKey"
    for entry in spec.get("dataFrom", []):
        assert len({"extract", "find", "sourceRef"} & set(entry)) == 1


@pytest.mark.parametrize("path", [p for p in corpus_files() if p.stem.startswith("vault")],
                         ids=lambda p: p.stem)
def test_corpus_vault_read_paths_equal_kes_keys(path: Path) -> None:
    for obj in kes_documents(path):
        conv = convert(obj, source_for(obj), config())
        if conv.request is None:
            continue
        block = conv.request.store.provider["vault"]  # type: ignore[index]
        kes_keys = [d["key"] for d in obj["spec"].get("data", [])] + obj["spec"].get(
            "dataFrom", [])
        refs = ([d["remoteRef"]["key"] for d in conv.request.data]
                + [e["extract"]["key"] for e in conv.request.data_from])
        assert [build_path(block.get("path"), k, block["version"]) for k in refs] == kes_keys


def test_every_backend_type_is_in_the_corpus() -> None:
    seen = {d.get("spec", d.get("secretDescriptor", {})).get("backendType")
            for p in corpus_files() for d in kes_documents(p)}
    assert {"secretsManager", "systemManager", "vault", "azureKeyVault", "gcpSecretsManager",
            "ibmcloudSecretsManager", "akeyless", "alicloudSecretsManager"} <= seen
