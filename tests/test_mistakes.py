"""Ordinary user mistakes end in correct output or a clear message (issue 13), one section per item.

Items about a kustomize build (1, 4, 5, 7, 8) run the real `kubectl kustomize`; the others run the
installed command on a ResourceList. Expectations are written by hand from the contract
(DESIGN.md), the issue and the ESO CRDs in ../shared, never computed by the module under test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import AWS_STORE, REPO, SHARED, config, kustomize_build, needs_shared, placeholder, resource_list, run_fn

FN_ANNOTATION = {"config.kubernetes.io/function": "container:\n  image: localhost/secret-sync:dev\n"}


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def fn_config(spec: dict[str, Any]) -> str:
    doc = config(spec)
    doc["metadata"]["annotations"] = FN_ANNOTATION
    return yaml.safe_dump(doc, sort_keys=False)


def built(proc: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert proc.returncode == 0, proc.stderr
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


def of_kind(objs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objs if o["kind"] == kind]


def warnings(run: Any) -> list[dict[str, Any]]:
    return [r for r in run.results if r["severity"] == "warning"]


PLACEHOLDER_YAML = """\
apiVersion: v1
kind: Secret
metadata:
  name: app-db
  annotations:
    secret-sync.dev/remote-key: shop/db
stringData:
  password: ""
"""
DEPLOYMENT_YAML = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: web:1
          envFrom:
            - secretRef: {name: app-db}
"""

# --- item 1: patches target the placeholder's name --------------------------------------------------

IMMUTABLE_PATCH = {"target": {"kind": "ExternalSecret", "name": "app-db"},
                   "patch": [{"op": "add", "path": "/spec/target/immutable", "value": True}]}


def test_patch_by_placeholder_name_applies_in_base_and_renaming_overlay(tmp_path: Path) -> None:
    fn = fn_config({"defaultStore": "aws", "stores": [AWS_STORE], "patches": [IMMUTABLE_PATCH]})
    write(tmp_path, {
        "base/kustomization.yaml": "resources: [secret.yaml, deploy.yaml]\n",
        "base/secret.yaml": PLACEHOLDER_YAML, "base/deploy.yaml": DEPLOYMENT_YAML,
        "plain/kustomization.yaml": "resources: [../base]\ntransformers: [fn.yaml]\n",
        "plain/fn.yaml": fn,
        "overlay/kustomization.yaml": "resources: [../base]\nnamePrefix: prod-\nnameSuffix: -v2\n"
                                      "namespace: shop\ntransformers: [fn.yaml]\n",
        "overlay/fn.yaml": fn,
    })
    for root, es_prefix in (("plain", "app-db-"), ("overlay", "prod-app-db-v2-")):
        proc = kustomize_build(tmp_path / root)
        (es,) = of_kind(built(proc), "ExternalSecret")
        assert es["metadata"]["name"].startswith(es_prefix)
        assert es["spec"]["target"]["immutable"] is True, root
        assert "matches no generated object" not in proc.stderr


def test_patch_with_namespace_applies_only_to_that_namespaces_placeholder() -> None:
    patch = {**IMMUTABLE_PATCH, "target": {"kind": "ExternalSecret", "name": "app-db", "namespace": "team-a"}}
    run = run_fn(resource_list([placeholder("app-db", ["password"], "team-a"),
                                placeholder("app-db", ["password"], "team-b")],
                               config({"defaultStore": "aws", "stores": [AWS_STORE], "patches": [patch]})))
    assert run.returncode == 0, run.stderr
    immutable = {es["metadata"]["namespace"]: es["spec"]["target"].get("immutable")
                 for es in of_kind(run.items, "ExternalSecret")}
    assert immutable == {"team-a": True, "team-b": None}


def test_patch_by_generated_name_still_works_and_a_miss_stays_a_warning() -> None:
    miss = {**IMMUTABLE_PATCH, "target": {"kind": "ExternalSecret", "name": "app-dbb"}}
    cfg = config({"defaultStore": "aws", "stores": [AWS_STORE], "naming": {"strategy": "suffix"},
                  "patches": [{**IMMUTABLE_PATCH, "target": {"name": "app-db-eso"}}, miss]})
    run = run_fn(resource_list([placeholder("app-db", ["password"], "shop")], cfg))
    assert run.returncode == 0, run.stderr
    (es,) = of_kind(run.items, "ExternalSecret")
    assert es["spec"]["target"]["immutable"] is True
    patch_warnings = [w["message"] for w in warnings(run) if "patches" in w["message"]]
    assert patch_warnings == ["spec.patches[1] matches no generated object"]


@pytest.mark.parametrize(("op", "field", "wanted"), [
    ({"op": "replace", "path": "/spec/data", "value": "abc"}, "spec.data", "a list"),
    ({"op": "replace", "path": "/spec/data/0", "value": 5}, "spec.data[0]", "a mapping"),
    ({"op": "add", "path": "/spec/dataFrom", "value": [{"extract": 5}]}, "spec.dataFrom[0].extract", "a mapping"),
    ({"op": "replace", "path": "/spec/data/0/secretKey", "value": ["a"]}, "spec.data[0].secretKey", "a string"),
    ({"op": "replace", "path": "/spec/target/template", "value": 5}, "spec.target.template", "a mapping"),
    ({"op": "add", "path": "/metadata/labels/team", "value": {"a": 1}}, "metadata.labels.team", "a string"),
    ({"op": "add", "path": "/spec/target/template/metadata/labels/team", "value": 7},
     "spec.target.template.metadata.labels.team", "a string"),
])
def test_patch_giving_a_field_the_wrong_type_is_an_error_naming_it(op: dict[str, Any], field: str,
                                                                    wanted: str) -> None:
    """Before: an internal error (AttributeError/TypeError), or exit 0 with an object the API
    server rejects (a label that is a number, a template that is not a mapping)."""
    spec = {"defaultStore": "aws", "stores": [AWS_STORE],
            "patches": [{"target": {"kind": "ExternalSecret"}, "patch": [op]}]}
    run = run_fn(resource_list([placeholder("app-db", ["password"], "shop")], config(spec)))
    assert run.returncode == 1 and run.items == []
    assert "internal error" not in run.stderr
    assert f"field {field}: generated ExternalSecret" in run.stderr and f"{field} must be {wanted}" in run.stderr


def test_failing_patch_names_the_op_and_never_quotes_the_object() -> None:
    """jsonpatch's messages quote the whole object (`member 'x' not found in {...}`) or the value
    a `test` op found: with the `fake` provider that is a secret value in the error."""
    store = {"name": "f", "provider": {"fake": {"data": [{"key": "db", "value": "hunter2-inline"}]}}}
    for op, why in (({"op": "replace", "path": "/spec/nope/x", "value": 1}, "names a path"),
                    ({"op": "test", "path": "/spec/provider/fake/data/0/value", "value": "x"}, "test does not hold")):
        spec = {"defaultStore": "f", "stores": [store], "patches": [{"patch": [{"op": "add", "path": "/metadata/labels/a",
                                                                               "value": "b"}, op]}]}
        run = run_fn(resource_list([placeholder("app-db", ["password"], "shop")], config(spec)))
        assert run.returncode == 1 and run.items == []
        assert f"spec.patches[0].patch[1] ({op['op']} '{op['path']}') does not apply to ClusterSecretStore f" in run.stderr
        assert why in run.stderr
        assert "hunter2" not in run.stderr + json.dumps(run.results)


# --- item 2: typos in our own annotations --------------------------------------------------------


def test_annotation_typo_is_a_warning_with_did_you_mean() -> None:
    secret = placeholder("app-db", ["password"], "shop")
    secret["metadata"]["annotations"]["secret-sync.dev/stroe"] = "vault-team"
    other = {"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "cm", "namespace": "shop", "annotations": {"secret-sync.dev/colour": "x"}}}
    run = run_fn(resource_list([secret, other], config({"defaultStore": "aws", "stores": [AWS_STORE]})))
    assert run.returncode == 0, run.stderr
    found = {w["resourceRef"]["kind"]: w for w in warnings(run) if "unknown annotation" in w["message"]}
    assert "'secret-sync.dev/stroe'" in found["Secret"]["message"]
    assert "did you mean 'secret-sync.dev/store'" in found["Secret"]["message"]
    assert found["Secret"]["field"] == {"path": "metadata.annotations[secret-sync.dev/stroe]"}
    assert "'secret-sync.dev/colour'" in found["ConfigMap"]["message"]
    assert "did you mean" not in found["ConfigMap"]["message"]
    assert "Secret shop/app-db: field metadata.annotations[secret-sync.dev/stroe]" in run.stderr


def test_known_annotations_give_no_warning() -> None:
    secret = placeholder("app-db", ["password"], "shop", version="3", naming="suffix", revision="r1",
                         store="aws")
    run = run_fn(resource_list([secret], config({"defaultStore": "aws", "stores": [AWS_STORE]})))
    assert run.returncode == 0, run.stderr
    assert not [w for w in warnings(run) if "unknown annotation" in w["message"]]


def test_empty_or_non_string_store_annotation_is_an_error_not_the_default_store(tmp_path: Path) -> None:
    """kustomize hands the function "" for `secret-sync.dev/store: [vault]` (or a forgotten
    value); the placeholder silently read from spec.defaultStore, exit 0. A direct run too."""
    vault = {"name": "vault", "provider": {"vault": {"server": "https://vault.example"}}}
    write(tmp_path, {
        "kustomization.yaml": "resources: [secret.yaml]\ntransformers: [fn.yaml]\n",
        "fn.yaml": fn_config({"defaultStore": "aws", "stores": [AWS_STORE, vault]}),
        "secret.yaml": PLACEHOLDER_YAML.replace("annotations:\n",
                                                "annotations:\n    secret-sync.dev/store: [vault]\n", 1),
    })
    assert "secret-sync.dev/store: [vault]" in (tmp_path / "secret.yaml").read_text()
    proc = kustomize_build(tmp_path)
    assert proc.returncode != 0 and "ExternalSecret" not in proc.stdout
    assert "field metadata.annotations[secret-sync.dev/store]: annotation secret-sync.dev/store is empty" in proc.stderr
    for value in (None, ["vault"], ""):
        ph = placeholder("app-db", ["password"], "shop")
        ph["metadata"]["annotations"]["secret-sync.dev/naming"] = value
        run = run_fn(resource_list([ph], config({"defaultStore": "aws", "stores": [AWS_STORE]})))
        assert run.returncode == 1 and run.items == []
        assert "annotation secret-sync.dev/naming is empty" in run.stderr


def test_a_misspelt_prefix_is_warned_with_did_you_mean(tmp_path: Path) -> None:
    """Before: `secret-sync.io/remote-key` left the placeholder a plain Secret with empty values,
    exit 0 and no word. Other domains (external-secrets.io, ...) stay silent."""
    write(tmp_path, {
        "kustomization.yaml": "resources: [secret.yaml]\ntransformers: [fn.yaml]\n",
        "fn.yaml": fn_config({"defaultStore": "aws", "stores": [AWS_STORE]}),
        "secret.yaml": PLACEHOLDER_YAML.replace("secret-sync.dev/remote-key", "secret-sync.io/remote-key").replace(
            "annotations:\n", "annotations:\n    external-secrets.io/force-sync: x\n"
                              "    secrets-store.csi.k8s.io/used: 'true'\n", 1),
    })
    proc = kustomize_build(tmp_path)
    assert proc.returncode == 0, proc.stderr
    found = [ln for ln in proc.stderr.splitlines() if "warning" in ln and "annotation" in ln]
    assert found == ["secret-sync: warning: Secret app-db: field metadata.annotations[secret-sync.io/remote-key]: "
                     "annotation 'secret-sync.io/remote-key' is ignored; did you mean "
                     "'secret-sync.dev/remote-key'? (as written, secret-sync leaves the object as it is)"]


# --- item 3: provider blocks against the ESO CRDs ----------------------------------------------------


def _config_errors(spec: dict[str, Any]) -> list[str]:
    run = run_fn(resource_list([placeholder("app-db", ["password"], "shop")], config(spec)),
                 env={"SECRET_SYNC_NO_CACHE": "1"})
    assert run.returncode == 1
    assert run.items == []
    assert "Traceback" not in run.stderr
    return [r["message"] for r in run.results if r["severity"] == "error"]


def test_provider_typos_are_errors_with_path_and_did_you_mean() -> None:
    provider = {"aws": {"service": "SecretsManager", "region": "eu-west-1", "regoin": "x",
                        "additionalRole": ["arn:aws:iam::1:role/r"]}}
    errors = _config_errors({"defaultStore": "aws", "stores": [{"name": "aws", "provider": provider}]})
    assert len(errors) == 2
    assert any("spec.stores[0].provider.aws.regoin" in e and "did you mean 'region'" in e for e in errors)
    assert any("spec.stores[0].provider.aws.additionalRole" in e and "did you mean 'additionalRoles'" in e
               for e in errors)


def test_provider_wrong_types_and_kes_backends_are_checked() -> None:
    provider = {"vault": {"server": "https://v", "auth": {"kubernetes": {"role": 7}}}}
    errors = _config_errors({"defaultStore": "v", "stores": [{"name": "v", "provider": provider}],
                             "kes": {"enabled": True, "backends": {"secretsManager": {"aws": {"regoin": "x"}}}}})
    assert any("spec.stores[0].provider.vault.auth.kubernetes.role" in e and "must be a string" in e
               for e in errors)
    assert any("spec.kes.backends.secretsManager.aws.regoin" in e and "did you mean 'region'" in e
               for e in errors)


def test_kes_backend_settings_beside_the_provider_block_are_no_provider_typos() -> None:
    """docs/kes.md: `spec.kes.backends.ibmcloudSecretsManager.secretGroup` sits beside the `ibm`
    block; the provider check took it for an unknown ESO provider and refused the config."""
    ibm = {"ibm": {"serviceUrl": "https://sm.example", "auth": {"secretRef": {
        "secretApiKeySecretRef": {"name": "ibm", "key": "apikey", "namespace": "eso"}}}},
           "secretGroup": "payments"}
    kes = {"apiVersion": "kubernetes-client.io/v1", "kind": "ExternalSecret",
           "metadata": {"name": "app", "namespace": "shop"},
           "spec": {"backendType": "ibmcloudSecretsManager", "keyByName": True,
                    "data": [{"key": "creds", "name": "password", "secretType": "kv"}]}}
    run = run_fn(resource_list([kes], config({"kes": {"enabled": True, "backends": {
        "ibmcloudSecretsManager": ibm}}})), env={"SECRET_SYNC_NO_CACHE": "1"})
    assert run.returncode == 0, run.stderr
    es = next(i for i in run.items if i["kind"] == "ExternalSecret")
    assert es["spec"]["data"][0]["remoteRef"]["key"] == "payments/kv/creds"
    assert "secretGroup" not in json.dumps([i for i in run.items if i["kind"].endswith("SecretStore")])


def test_flat_config_map_provider_typo_names_data_provider() -> None:
    flat = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "fn"},
            "data": {"defaultStore": "aws", "provider": "aws: {service: SecretsManager, regoin: x}\n"}}
    run = run_fn(resource_list([placeholder("app-db", ["password"], "shop")], flat),
                 env={"SECRET_SYNC_NO_CACHE": "1"})
    assert run.returncode == 1
    assert "functionConfig data.provider.aws.regoin: unknown field 'regoin'" in run.stderr


@pytest.mark.parametrize("text", ["null", "", "[aws]", "5", "{}",
                                  "{aws: {service: SecretsManager, region: x}, vault: {server: y}}"])
def test_flat_config_map_provider_that_is_no_single_block_names_data_provider(text: str) -> None:
    """Before: `spec.stores[0].provider ...` or pydantic's `Input should be a valid dictionary`,
    naming a field the ConfigMap's author never wrote."""
    flat = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "fn"},
            "data": {"defaultStore": "aws", "provider": text}}
    run = run_fn(resource_list([placeholder("app-db", ["password"], "shop")], flat),
                 env={"SECRET_SYNC_NO_CACHE": "1"})
    assert run.returncode == 1 and run.items == []
    assert "functionConfig data.provider: must be one ESO provider block" in run.stderr
    assert "spec.stores" not in run.stderr


def test_valid_provider_blocks_pass() -> None:
    """Fields taken by hand from the ESO 2.9 SecretStore CRD (aws.additionalRoles, sessionTags,
    vault.auth.kubernetes.serviceAccountRef, a map under customSessionTags)."""
    from krm_fn import providerfields

    assert providerfields.check({"aws": {
        "service": "SecretsManager", "region": "eu-west-1", "additionalRoles": ["arn:aws:iam::1:role/r"],
        "sessionTags": [{"key": "team", "value": "shop"}], "customSessionTags": {"any-key": "v"},
        "secretsManager": {"recoveryWindowInDays": 7, "forceDeleteWithoutRecovery": False}}}) == []
    assert providerfields.check({"vault": {"server": "https://v", "auth": {"kubernetes": {
        "mountPath": "k8s", "role": "r", "serviceAccountRef": {"name": "sa", "audiences": ["a"]}}}}}) == []


def test_check_depends_on_the_table() -> None:
    """Remove a known field from (a copy of) the table: the check then refuses it."""
    import copy

    from krm_fn import providerfields

    block = {"aws": {"service": "SecretsManager", "region": "r", "additionalRoles": ["x"]}}
    assert providerfields.check(block) == []
    table = copy.deepcopy(providerfields.providers())
    del table["aws"]["additionalRoles"]
    problems = providerfields.check(block, tree=table)
    assert [p for p, _ in problems] == ["aws.additionalRoles"]


@needs_shared
def test_table_is_generated_from_the_eso_crds() -> None:
    """The committed table is exactly what the generator makes of ../shared's CRDs: a field of the
    CRDs missing from the table (or an edited table) fails here."""
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "gen-provider-table"),
                           str(SHARED / "schemas" / "eso" / "crds"), "--stdout"],
                          capture_output=True, text=True, check=True)
    committed = (REPO / "krm_fn" / "data" / "eso_providers_2.9.json").read_text()
    assert proc.stdout == committed, "regenerate with scripts/gen-provider-table"


@needs_shared
def test_every_crd_field_is_in_the_table() -> None:
    """Independent of the generator: walk the CRD's provider schema here and look every field up."""
    crd = yaml.safe_load((SHARED / "schemas" / "eso" / "crds" / "external-secrets.io_secretstores.yaml").read_text())
    (v1,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
    schema = v1["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["provider"]
    table = json.loads((REPO / "krm_fn" / "data" / "eso_providers_2.9.json").read_text())["providers"]
    header = json.loads((REPO / "krm_fn" / "data" / "eso_providers_2.9.json").read_text())
    assert "cc5bfbc2234ace9cb0caff4ea89c435cf517b27b" in header["source"] and "Apache-2.0" in header["license"]
    missing: list[str] = []

    def walk(node: dict[str, Any], entry: Any, path: str) -> None:
        if node.get("type") == "array":
            walk(node.get("items") or {}, entry[0] if isinstance(entry, list) else None, path + "[]")
            return
        for name, sub in (node.get("properties") or {}).items():
            if not isinstance(entry, dict) or name not in entry:
                missing.append(f"{path}.{name}")
            else:
                walk(sub, entry[name], f"{path}.{name}")

    walk(schema, table, "provider")
    assert not missing
    assert len(table) == len(schema["properties"]) == 43


# --- item 4: function in a base, overlay renames ----------------------------------------------------

BASE_FN_EXAMPLE = REPO / "examples" / "kustomize-base-function"


def test_base_function_under_renaming_overlay_resolves_every_store() -> None:
    objs = built(kustomize_build(BASE_FN_EXAMPLE / "overlays" / "prod"))
    stores = {(o["kind"], o["metadata"]["name"]) for o in objs if o["kind"].endswith("SecretStore")}
    assert stores == {("ClusterSecretStore", "prod-aws")}
    for css in of_kind(objs, "ClusterSecretStore"):
        assert "namespace" not in css["metadata"]
    for es in of_kind(objs, "ExternalSecret"):
        ref = es["spec"]["secretStoreRef"]
        assert (ref["kind"], ref["name"]) in stores
        assert es["metadata"]["namespace"] == "shop-prod"
        assert es["spec"]["target"]["immutable"] is True  # base patch by placeholder name
    (deploy,) = of_kind(objs, "Deployment")
    (container,) = deploy["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "example.com/shop/web:1.5.0"        # the overlay's patch
    assert container["env"] == [{"name": "LOG_LEVEL", "value": "info"}]  # the base's, merged
    (es,) = of_kind(objs, "ExternalSecret")
    assert container["envFrom"] == [{"secretRef": {"name": es["spec"]["target"]["name"]}}]


def test_without_the_component_validate_fails_the_overlay(tmp_path: Path) -> None:
    shutil.copytree(BASE_FN_EXAMPLE, tmp_path / "example")
    shutil.copytree(REPO / "kustomize", tmp_path / "kustomize")
    kustomization = tmp_path / "example" / "base" / "kustomization.yaml"
    text = kustomization.read_text()
    kustomization.write_text(text[:text.index("components:")])
    proc = kustomize_build(tmp_path / "example" / "overlays" / "prod")
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert ("ClusterSecretStore shop-prod/prod-aws: field metadata.namespace: a ClusterSecretStore is "
            "cluster-scoped but has namespace 'shop-prod'") in proc.stderr
    assert ("field spec.secretStoreRef.name: ClusterSecretStore 'aws' was renamed to 'prod-aws' in this "
            "build (namePrefix/nameSuffix) and kustomize does not know this reference") in proc.stderr
    assert "kustomize/eso-kinds" in proc.stderr


def test_base_function_with_a_secret_store_under_renaming_overlay(tmp_path: Path) -> None:
    example = tmp_path / "examples" / "kustomize-base-function"  # the same relative layout as the repo
    shutil.copytree(BASE_FN_EXAMPLE, example)
    shutil.copytree(REPO / "kustomize", tmp_path / "kustomize")
    fn = example / "base" / "secret-sync.yaml"
    fn.write_text(fn.read_text().replace("kind: ClusterSecretStore", "kind: SecretStore"))
    objs = built(kustomize_build(example / "overlays" / "prod"))
    (store,) = of_kind(objs, "SecretStore")
    assert (store["metadata"]["name"], store["metadata"]["namespace"]) == ("prod-aws", "shop-prod")
    (es,) = of_kind(objs, "ExternalSecret")
    assert es["spec"]["secretStoreRef"] == {"kind": "SecretStore", "name": "prod-aws"}
    assert es["metadata"]["namespace"] == "shop-prod"


def test_renamed_secret_store_without_the_component_is_a_warning_not_silence(tmp_path: Path) -> None:
    """Before: the overlay's validator trusted every previous name of a SecretStore, so a base
    without kustomize/eso-kinds built `prod-aws` with ExternalSecrets naming `aws` (no such store
    in the cluster), exit 0 and no word."""
    example = tmp_path / "examples" / "kustomize-base-function"
    shutil.copytree(BASE_FN_EXAMPLE, example)
    shutil.copytree(REPO / "kustomize", tmp_path / "kustomize")
    fn = example / "base" / "secret-sync.yaml"
    fn.write_text(fn.read_text().replace("kind: ClusterSecretStore", "kind: SecretStore"))
    kustomization = example / "base" / "kustomization.yaml"
    text = kustomization.read_text()
    kustomization.write_text(text[:text.index("components:")])
    proc = kustomize_build(example / "overlays" / "prod")
    objs = built(proc)
    (es,) = of_kind(objs, "ExternalSecret")
    assert es["spec"]["secretStoreRef"] == {"kind": "SecretStore", "name": "aws"}  # what kustomize leaves
    assert [s["metadata"]["name"] for s in of_kind(objs, "SecretStore")] == ["prod-aws"]
    assert ("field spec.secretStoreRef.name: SecretStore 'aws' was renamed to 'prod-aws' in this build"
            in proc.stderr and "kustomize/eso-kinds" in proc.stderr)


def _store(kind: str, name: str, annotations: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "external-secrets.io/v1", "kind": kind,
            "metadata": {"name": name, "annotations": annotations},
            "spec": {"provider": {"aws": {"service": "SecretsManager", "region": "eu-west-1"}}}}


def _managed_es(kind: str, store: str) -> dict[str, Any]:
    return {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
            "metadata": {"name": "db", "namespace": "shop",
                         "labels": {"app.kubernetes.io/managed-by": "secret-sync"}},
            "spec": {"secretStoreRef": {"kind": kind, "name": store},
                     "data": [{"secretKey": "k", "remoteRef": {"key": "k"}}]}}


def test_validate_tells_a_stale_store_reference_from_one_kustomize_fixes() -> None:
    """What a validator sees in kustomize (written by hand from a kustomize v5.8.1 build): the
    store is already `prod-aws` (previousNames aws) and the reference still says `aws`."""
    validate = config({"mode": "validate"})
    renamed = {"internal.config.kubernetes.io/previousNames": "aws,aws",
               "internal.config.kubernetes.io/previousNamespaces": "default,default"}
    run = run_fn(resource_list([_managed_es("ClusterSecretStore", "aws"),
                                _store("ClusterSecretStore", "prod-aws", renamed)], validate))
    assert run.returncode == 1
    assert ("ExternalSecret shop/db: field spec.secretStoreRef.name: ClusterSecretStore 'aws' was renamed "
            "to 'prod-aws' in this build") in run.stderr
    # with secret-sync's component kustomize knows the kind (and fixes the reference afterwards)
    known = {**renamed, "internal.config.kubernetes.io/previousNamespaces": "_non_namespaceable_,_non_namespaceable_"}
    run = run_fn(resource_list([_managed_es("ClusterSecretStore", "aws"),
                                _store("ClusterSecretStore", "prod-aws", known)], validate))
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("data_from", [5, [{"sourceRef": 5}], [7, {"sourceRef": {"storeRef": "x"}}]])
def test_validate_reads_odd_data_from_without_crashing(data_from: Any) -> None:
    """Before: internal error (TypeError/AttributeError) on a hand-edited ExternalSecret."""
    es = _managed_es("ClusterSecretStore", "aws")
    es["spec"]["dataFrom"] = data_from
    run = run_fn(resource_list([es], config({"mode": "validate", "stores": [
        {"name": "aws", "create": False}]})))
    assert run.returncode == 0, run.stderr
    assert "internal error" not in run.stderr and warnings(run) == []


def test_validate_warns_about_a_store_outside_the_build_unless_listed() -> None:
    foreign = {**_managed_es("SecretStore", "vault"), "metadata": {"name": "other", "namespace": "shop"}}
    items = [_managed_es("SecretStore", "vault"), foreign]
    run = run_fn(resource_list(items, config({"mode": "validate"})))
    assert run.returncode == 0, run.stderr
    (found,) = warnings(run)  # the ExternalSecret secret-sync did not generate is not checked
    assert found["resourceRef"]["name"] == "db"
    assert "SecretStore 'vault' is not in the output" in found["message"]
    run = run_fn(resource_list(items, config({"mode": "validate", "stores": [
        {"name": "vault", "kind": "SecretStore", "create": False}]})))
    assert run.returncode == 0 and warnings(run) == []


def test_shipped_schema_is_complete_and_knows_eso_scope() -> None:
    schema = json.loads((REPO / "kustomize" / "eso-kinds" / "openapi.json").read_text())
    paths = schema["paths"]
    assert "/apis/external-secrets.io/v1/clustersecretstores/{name}" in paths
    assert "/apis/external-secrets.io/v1/namespaces/{namespace}/secretstores/{name}" in paths
    containers = schema["definitions"]["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert "Apache-2.0" in schema["info"]["license"]["name"]


# --- item 5: renamed with nobody referring to it ------------------------------------------------------


def test_renamed_placeholder_nobody_refers_to_is_a_warning(tmp_path: Path) -> None:
    lonely = PLACEHOLDER_YAML.replace("name: app-db", "name: alertmanager-main")
    kept = lonely.replace("name: alertmanager-main", "name: kept").replace(
        "annotations:\n", "annotations:\n    secret-sync.dev/naming: keep\n")
    write(tmp_path, {
        "kustomization.yaml": "resources: [secrets.yaml, deploy.yaml]\ntransformers: [fn.yaml]\n",
        "secrets.yaml": PLACEHOLDER_YAML + "---\n" + lonely + "---\n" + kept,
        "deploy.yaml": DEPLOYMENT_YAML,
        "fn.yaml": fn_config({"defaultStore": "aws", "stores": [AWS_STORE]}),
    })
    proc = kustomize_build(tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if "nothing in this build refers to it" in ln]
    assert len(lines) == 1, proc.stderr
    assert "Secret alertmanager-main" in lines[0]
    assert "secret-sync.dev/naming: keep" in lines[0] and "spec.references.fieldSpecs" in lines[0]


# --- item 6: KES namespace permission annotations ------------------------------------------------------

KES_OBJECT = {"apiVersion": "kubernetes-client.io/v1", "kind": "ExternalSecret",
              "metadata": {"name": "db", "namespace": "team"},
              "spec": {"backendType": "secretsManager", "roleArn": "arn:aws:iam::1:role/team",
                       "data": [{"key": "team/db", "name": "password"}]}}


def test_kes_permitted_namespace_is_warned_once() -> None:
    ns = {"apiVersion": "v1", "kind": "Namespace",
          "metadata": {"name": "team", "annotations": {"iam.amazonaws.com/permitted": "arn:aws:iam::1:role/team.*"}}}
    second = {**KES_OBJECT, "metadata": {"name": "db2", "namespace": "team"}}
    cfg = config({"kes": {"enabled": True, "backends": {"secretsManager": {"aws": {"region": "eu-west-1"}}}}})
    run = run_fn(resource_list([ns, KES_OBJECT, second], cfg))
    assert run.returncode == 0, run.stderr
    found = [w for w in warnings(run) if "iam.amazonaws.com/permitted" in w["message"]]
    assert len(found) == 1
    message = found[0]["message"]
    assert found[0]["resourceRef"] == {"apiVersion": "v1", "kind": "Namespace", "name": "team"}
    assert "'team'" in message and "SecretStore" in message and "spec.conditions" in message


def test_kes_permitted_namespace_without_kes_objects_is_not_warned(tmp_path: Path) -> None:
    """Before: every annotated Namespace of the build got the warning ("converting the KES objects
    of namespace 'idle' widens their access") though it held no KES object."""
    permitted = {"iam.amazonaws.com/permitted": "arn:aws:iam::1:role/x.*"}
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "annotations": permitted}}
                  for n in ("team", "idle")]
    cfg = {"kes": {"enabled": True, "backends": {"secretsManager": {"aws": {"region": "eu-west-1"}}}}}
    write(tmp_path, {
        "kustomization.yaml": "resources: [all.yaml]\ntransformers: [fn.yaml]\n",
        "all.yaml": "---\n".join(yaml.safe_dump(o) for o in [*namespaces, KES_OBJECT]),
        "fn.yaml": fn_config(cfg),
    })
    proc = kustomize_build(tmp_path)
    assert proc.returncode == 0, proc.stderr
    found = [ln for ln in proc.stderr.splitlines() if "iam.amazonaws.com/permitted" in ln]
    assert len(found) == 1 and "Namespace team:" in found[0] and "'idle'" not in proc.stderr


def test_kes_keep_with_keep_naming_is_an_error_not_two_owners() -> None:
    """Before: exit 0, the KES object kept and an ExternalSecret targeting the Secret KES owns
    (ESO cannot take over a Secret another controller owns), plus a note saying to delete it."""
    cfg = config({"naming": {"strategy": "keep"}, "kes": {
        "enabled": True, "keep": True, "backends": {"secretsManager": {"aws": {"region": "eu-west-1"}}}}})
    run = run_fn(resource_list([KES_OBJECT], cfg))
    assert run.returncode == 1 and run.items == []
    assert "ExternalSecret team/db: spec.kes.keep is true" in run.stderr
    assert "Secret 'db'" in run.stderr and "hash or suffix naming" in run.stderr
    side_by_side = config({"naming": {"strategy": "suffix"}, "kes": {
        "enabled": True, "keep": True, "backends": {"secretsManager": {"aws": {"region": "eu-west-1"}}}}})
    assert run_fn(resource_list([KES_OBJECT], side_by_side)).returncode == 0


# --- item 7: cut-over notes reach kustomize users ----------------------------------------------------


def test_cutover_notes_on_stderr_in_kustomize_builds_only(tmp_path: Path) -> None:
    cfg = {"kes": {"enabled": True, "backends": {"secretsManager": {"aws": {"region": "eu-west-1"}}}}}
    write(tmp_path, {
        "kustomization.yaml": "resources: [kes.yaml]\ntransformers: [fn.yaml]\n",
        "kes.yaml": yaml.safe_dump(KES_OBJECT) + "---\n" + yaml.safe_dump(
            {**KES_OBJECT, "metadata": {"name": "db2", "namespace": "team"}}),
        "fn.yaml": fn_config(cfg),
    })
    proc = kustomize_build(tmp_path)
    assert proc.returncode == 0, proc.stderr
    notes = [ln for ln in proc.stderr.splitlines() if ln.startswith("secret-sync: note: ")]
    assert notes == ["secret-sync: note: 2 KES object(s) replaced: their old Secrets are garbage-collected "
                     "once pruned; workloads in this build use the new ones"]
    # outside kustomize (kpt shows the info results itself) nothing is printed
    run = run_fn(resource_list([KES_OBJECT], config(cfg)))
    assert run.returncode == 0 and "note:" not in run.stderr
    assert any("garbage-collected" in r["message"] for r in run.results if r["severity"] == "info")


# --- item 8: errors name the file in kustomize builds --------------------------------------------------


def test_errors_name_the_origin_file(tmp_path: Path) -> None:
    write(tmp_path, {
        "kustomization.yaml": "resources: [secrets/db.yaml]\ntransformers: [fn.yaml]\n"
                              "buildMetadata: [originAnnotations]\n",
        "secrets/db.yaml": PLACEHOLDER_YAML.replace('password: ""', "password: LEAK-MARKER"),
        "fn.yaml": fn_config({"defaultStore": "aws", "stores": [AWS_STORE]}),
    })
    proc = kustomize_build(tmp_path)
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert ("secret-sync: error: secrets/db.yaml: Secret app-db: field stringData.password: placeholder key "
            "'password' carries a literal value") in proc.stderr
    assert "LEAK-MARKER" not in proc.stderr


def test_without_origin_annotations_the_message_still_names_object_and_field(tmp_path: Path) -> None:
    write(tmp_path, {
        "kustomization.yaml": "resources: [db.yaml]\ntransformers: [fn.yaml]\n",
        "db.yaml": PLACEHOLDER_YAML.replace('password: ""', "password: LEAK-MARKER"),
        "fn.yaml": fn_config({"defaultStore": "aws", "stores": [AWS_STORE]}),
    })
    proc = kustomize_build(tmp_path)
    assert proc.returncode != 0
    assert "secret-sync: error: Secret app-db: field stringData.password:" in proc.stderr


@pytest.mark.parametrize("text, path", [
    ("path: a/b.yaml\n", "a/b.yaml"),
    ("path: b.yaml\nrepo: https://example.com/r\nref: v1\n", "https://example.com/r//b.yaml"),
    ("configuredIn: fn.yaml\nconfiguredBy: {kind: X}\n", None),
])
def test_origin_annotation_reading(text: str, path: str | None) -> None:
    from krm_fn.resourcelist import origin_ref

    ref = origin_ref({"config.kubernetes.io/origin": text})
    assert (ref.path if ref else None) == path
    assert ref is None or ref.index is None
