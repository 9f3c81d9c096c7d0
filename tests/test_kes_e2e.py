"""KES migration through the real kustomize: examples/kustomize-kes, phase 1 and phase 2.

The base holds kubernetes-client.io/v1 ExternalSecrets in the style of the KES README and the
workloads that read their Secrets. `overlays/phase1` is migration commit 1 (`suffix` naming,
`kes.keep: true`: KES and ESO objects side by side, workloads moved to `<name>-eso`);
`overlays/phase2` is commit 2 (`kes.keep: false`: the KES objects are gone). kubectl kustomize
runs the container function through scripts/docker-shim, which runs the installed secret-sync.

The last tests hold a few golden cases of testdata/kes to what a user must see beyond the bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, eso_schema_errors, kustomize_build, needs_shared, run_fn

from krm_fn import validation
from krm_fn.references import ReferenceTable, find

EXAMPLE = REPO / "examples" / "kustomize-kes"
BASE = EXAMPLE / "base"
NAMESPACE = "shop"
SUFFIX = "-eso"
KES_API = "kubernetes-client.io/v1"
ESO_API = "external-secrets.io/v1"
PHASES = {"phase1": True, "phase2": False}  # overlay -> spec.kes.keep


def load_all(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def base_kes() -> dict[str, dict[str, Any]]:
    objs = [o for o in load_all(BASE / "external-secrets.yaml") if o["apiVersion"] == KES_API]
    return {o["metadata"]["name"]: o for o in objs}


KES_NAMES = sorted(base_kes())


def build(overlay: str) -> list[dict[str, Any]]:
    proc = kustomize_build(EXAMPLE / "overlays" / overlay)
    assert proc.returncode == 0, proc.stderr
    assert "error" not in proc.stderr.lower(), proc.stderr
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


@pytest.fixture(scope="module")
def builds() -> dict[str, list[dict[str, Any]]]:
    return {overlay: build(overlay) for overlay in PHASES}


def of(objs: list[dict[str, Any]], api: str, kind: str) -> list[dict[str, Any]]:
    return [o for o in objs if o["apiVersion"] == api and o["kind"] == kind]


def secret_refs(objs: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """{(kind/name, field path): Secret name} for every built-in Secret reference."""
    from krm_fn.config import References
    from krm_fn.resourcelist import Item

    table = ReferenceTable(References())
    out: dict[tuple[str, str], str] = {}
    for obj in objs:
        meta = obj["metadata"]
        item = Item(0, 0, obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace"), {})
        for path in table.for_item(item):
            for at, value in find(obj, path):
                out[(f"{obj['kind']}/{meta['name']}", "/".join(map(str, at)))] = value
    return out


@pytest.mark.parametrize("overlay", sorted(PHASES))
def test_one_valid_eso_external_secret_per_kes_object(
        builds: dict[str, list[dict[str, Any]]], overlay: str) -> None:
    objs = builds[overlay]
    es = {o["metadata"]["name"]: o for o in of(objs, ESO_API, "ExternalSecret")}
    assert sorted(es) == [f"{name}{SUFFIX}" for name in KES_NAMES]
    stores = {o["metadata"]["name"]: o for o in of(objs, ESO_API, "ClusterSecretStore")}
    assert stores
    for name, obj in es.items():
        assert obj["metadata"]["namespace"] == NAMESPACE
        assert obj["spec"]["target"]["name"] == name  # the new Secret name, not KES's
        assert obj["spec"]["secretStoreRef"]["kind"] == "ClusterSecretStore"
        assert obj["spec"]["secretStoreRef"]["name"] in stores
        assert validation.check(obj) == [], name
    for name, store in stores.items():
        assert "namespace" not in store["metadata"], name  # kustomize's namespace: must not stick
        assert validation.check(store) == [], name
    # Every store is used by some ExternalSecret: no leftovers.
    assert {e["spec"]["secretStoreRef"]["name"] for e in es.values()} == set(stores)


@needs_shared
@pytest.mark.parametrize("overlay", sorted(PHASES))
def test_generated_objects_valid_against_eso_schemas(
        builds: dict[str, list[dict[str, Any]]], overlay: str) -> None:
    generated = [o for o in builds[overlay] if o["apiVersion"] == ESO_API]
    assert generated
    for obj in generated:
        assert eso_schema_errors(obj) == [], obj["metadata"]["name"]


@pytest.mark.parametrize("overlay", sorted(PHASES))
def test_every_reference_to_a_kes_secret_moves_to_the_eso_target(
        builds: dict[str, list[dict[str, Any]]], overlay: str) -> None:
    """Compare each reference in the base with the same field after the build."""
    before = secret_refs(load_all(BASE / "workloads.yaml"))
    after = secret_refs(builds[overlay])
    assert sum(v in KES_NAMES for v in before.values()) >= 8  # env, envFrom, volumes, CronJob, ...
    assert set(after) == set(before)
    for where, name in before.items():
        if name in KES_NAMES:
            assert after[where] == f"{name}{SUFFIX}", where
        else:  # kustomize's own secretGenerator Secret: only kustomize's hash suffix is added
            assert after[where].startswith(f"{name}-") and not after[where].endswith(SUFFIX), where
    targets = {e["spec"]["target"]["name"] for e in of(builds[overlay], ESO_API, "ExternalSecret")}
    kustomize_secrets = {s["metadata"]["name"] for s in of(builds[overlay], "v1", "Secret")}
    assert set(after.values()) <= targets | kustomize_secrets
    # The places users check first, by name.
    assert after[("CronJob/nightly-report",
                  "spec/jobTemplate/spec/template/spec/containers/0/envFrom/0/secretRef/name")] \
        == "hello-service-eso"
    assert after[("Ingress/web", "spec/tls/0/secretName")] == "tls-example-eso"
    assert after[("ServiceAccount/shop", "imagePullSecrets/0/name")] == "dockerconfig-example-eso"


@pytest.mark.parametrize("overlay", sorted(PHASES))
def test_kes_objects_kept_only_with_keep(builds: dict[str, list[dict[str, Any]]], overlay: str) -> None:
    kes = {o["metadata"]["name"]: o for o in of(builds[overlay], KES_API, "ExternalSecret")}
    if not PHASES[overlay]:
        assert kes == {}
        return
    assert sorted(kes) == KES_NAMES
    for name, original in base_kes().items():
        assert kes[name]["metadata"] == {"name": name, "namespace": NAMESPACE}
        assert kes[name]["spec"] == original["spec"], name  # unchanged: KES keeps running


def test_phase2_changes_nothing_but_the_kes_objects(builds: dict[str, list[dict[str, Any]]]) -> None:
    """Commit 2 must not roll pods again: same ESO objects, same workloads."""
    phase1 = [o for o in builds["phase1"] if o["apiVersion"] != KES_API]
    assert phase1 == builds["phase2"]


@pytest.mark.parametrize("overlay", sorted(PHASES))
def test_build_is_deterministic(builds: dict[str, list[dict[str, Any]]], overlay: str) -> None:
    again = kustomize_build(EXAMPLE / "overlays" / overlay)
    assert again.returncode == 0, again.stderr
    assert [d for d in yaml.safe_load_all(again.stdout) if d] == builds[overlay]
    third = kustomize_build(EXAMPLE / "overlays" / overlay)
    assert third.stdout == again.stdout


@pytest.mark.parametrize("overlay", sorted(PHASES))
def test_function_results_inside_kustomize(tmp_path: Path, overlay: str) -> None:
    """Capture what kustomize hands the function: the ownership info of phase 1 is there and
    is not an error (the build above succeeded); the function on its own output changes no item
    (results may differ: in phase 2 the second run has no KES objects left to warn about)."""
    capture = tmp_path / "input.yaml"
    proc = kustomize_build(EXAMPLE / "overlays" / overlay,
                           env={"SECRET_SYNC_CMD": str(REPO / "tests" / "tools" / "tee-fn"),
                                "TEE_FN_CAPTURE": str(capture)})
    assert proc.returncode == 0, proc.stderr
    first = run_fn(capture.read_bytes())
    assert first.returncode == 0, first.stderr
    assert not [r for r in first.results if r["severity"] == "error"]
    infos = [r for r in first.results if r["severity"] == "info"
             and r.get("resourceRef", {}).get("apiVersion") == KES_API]
    # phase 1 (kes.keep): KES keeps its Secret, ESO writes <name>-eso; phase 2: the old Secret goes
    wanted = "KES keeps owning" if PHASES[overlay] else "garbage-collected"
    noted = sorted(r["resourceRef"]["name"] for r in infos if wanted in r["message"])
    assert noted == KES_NAMES
    second = run_fn(first.stdout)
    assert second.returncode == 0, second.stderr
    assert second.items == first.items


# --- golden cases: what the bytes alone do not show ---------------------------------------------

GOLDEN = REPO / "testdata" / "kes"


def test_lodash_error_does_not_quote_the_template() -> None:
    case = GOLDEN / "error-template-lodash"
    source = (case / "input.yaml").read_text()
    kes = yaml.safe_load(source)["items"][0]["spec"]["template"]
    values = [kes["metadata"]["labels"]["world"], kes["stringData"]["file.yaml"]]
    proc = run_fn(source)
    assert proc.returncode == 1
    for value in values:
        for line in value.splitlines():
            assert line.strip() not in proc.stderr
    assert "Go template" in proc.stderr  # tells the user what to rewrite it as


def test_every_kes_golden_case_converts_each_kes_object() -> None:
    """In every expected.yaml: one ESO ExternalSecret per KES object, whose target Secret has the
    name the naming strategy gives, and the KES objects are present only with kes.keep."""
    cases = sorted(p.parent for p in GOLDEN.glob("*/expected.yaml"))
    assert len(cases) >= 10
    for case in cases:
        source = yaml.safe_load((case / "input.yaml").read_text())
        spec = source["functionConfig"]["spec"]
        strategy = spec.get("naming", {}).get("strategy", "hash")
        keep = spec["kes"].get("keep", False)
        kes = [(i["metadata"].get("namespace"), i["metadata"]["name"]) for i in source["items"]
               if i["apiVersion"] == KES_API]
        out = yaml.safe_load((case / "expected.yaml").read_text())["items"]
        es = [(o["metadata"].get("namespace"), o["spec"]["target"]["name"]) for o in out
              if o["apiVersion"] == ESO_API and o["kind"] == "ExternalSecret"]
        assert len(es) == len(kes), case.name
        for (ns, name), (es_ns, target) in zip(kes, es, strict=True):
            assert es_ns == ns, case.name
            if strategy == "keep":
                assert target == name, case.name
            elif strategy == "suffix":
                assert target == name + spec["naming"].get("suffix", "-eso"), case.name
        kept = [(i["metadata"].get("namespace"), i["metadata"]["name"]) for i in out
                if i["apiVersion"] == KES_API]
        assert kept == (kes if keep else []), case.name


def test_keep_naming_reports_kes_ownership() -> None:
    """naming keep + kes.keep false: ESO writes the very Secret that KES controller-owns, and
    pruning the KES object garbage-collects it; the user must be told (info)."""
    proc = run_fn((GOLDEN / "secretsmanager-versions" / "input.yaml").read_bytes())
    assert proc.returncode == 0, proc.stderr
    infos = [r for r in proc.results if r["severity"] == "info"
             and r.get("resourceRef", {}).get("apiVersion") == KES_API]
    assert infos and all("orphan" in r["message"] and "controller-owns" in r["message"] for r in infos)
