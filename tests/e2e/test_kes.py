"""Check 7: the two commits of a KES migration (examples/kustomize-kes, "Migrating from KES" in
the README) against the real API server and ESO controller. Phase 1 applies (KES objects kept,
ExternalSecrets `<name>-eso` beside them, workloads moved); ESO makes every `-eso` Secret; phase 2
applies with the KES objects pruned, as Argo CD or `kubectl apply --prune` would, the workloads
do not change again, and every workload reference names a Secret ESO made (or one the build
itself holds: kustomize's secretGenerator)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .checks import apply_and_compare, check_secrets, check_workloads, count, stored_secrets
from .cluster import CONTROLLER_CRDS, ESO_RELEASE, Cluster
from .examples import KES_DATA, KES_EXPECTED, KES_VERSIONED, POD_SPEC_PATHS, build, fake_provider, fake_stores, identity

NAMESPACE = "shop"
KES_KIND = ("kubernetes-client.io/v1", "ExternalSecret")
ESO_MANAGED = "reconcile.external-secrets.io/managed"


@pytest.fixture
def clean(cluster: Cluster) -> Iterator[Cluster]:
    yield cluster
    cluster.clean([NAMESPACE])


def generations(cluster: Cluster) -> dict[str, int]:
    kinds = ",".join(k.lower() + "s" for k in POD_SPEC_PATHS if k not in ("Pod", "PodTemplate"))
    return {f"{o['kind']}/{o['metadata']['name']}": o["metadata"]["generation"]
            for o in cluster.json("get", kinds, "-n", NAMESPACE)["items"]}


def test_kes_migration_in_two_commits(clean: Cluster, tmp_path: Path) -> None:
    phase1 = build(tmp_path, "kustomize-kes", "overlays/phase1", ESO_RELEASE)
    phase2 = build(tmp_path, "kustomize-kes", "overlays/phase2", ESO_RELEASE)
    provider = fake_provider(KES_DATA, KES_VERSIONED)

    clean.ensure_namespaces(phase1)
    applied1 = apply_and_compare(clean, phase1, CONTROLLER_CRDS)
    assert any(identity(o)[:2] == KES_KIND for o in applied1)
    clean.apply(fake_stores(applied1, provider))
    check_secrets(clean, applied1, KES_EXPECTED)
    check_workloads(clean, [NAMESPACE])
    before = generations(clean)

    # Commit 2: what phase 2 no longer renders is pruned (the KES objects), the rest re-applied.
    kept = {identity(o) for o in phase2}
    pruned = [o for o in applied1 if identity(o) not in kept]
    assert {identity(o)[:2] for o in pruned} == {KES_KIND}
    for obj in pruned:
        clean.kubectl("delete", "externalsecrets.kubernetes-client.io", obj["metadata"]["name"],
                      "-n", NAMESPACE)
    applied2 = apply_and_compare(clean, phase2, CONTROLLER_CRDS)
    clean.apply(fake_stores(applied2, provider))
    check_secrets(clean, applied2, KES_EXPECTED)
    assert generations(clean) == before, "phase 2 changed a workload's pod template"

    in_build = {o["metadata"]["name"] for o in applied2 if o["kind"] == "Secret"}
    secrets = stored_secrets(clean, [NAMESPACE])
    refs = check_workloads(clean, [NAMESPACE])
    not_eso = sorted({r.secret for r in refs if r.secret not in in_build
                      and (secrets[(NAMESPACE, r.secret)]["metadata"].get("labels") or {})
                      .get(ESO_MANAGED) != "true"})
    assert not not_eso, f"workloads still read Secrets ESO did not make: {not_eso}"
    count("7", "KES objects pruned", len(pruned))
    count("7", "references to ESO-made Secrets after phase 2",
          sum(r.secret not in in_build for r in refs))
