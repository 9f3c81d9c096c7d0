"""Checks 1-4 with the real ESO controller: examples/kustomize (prod: hash naming and a
ClusterSecretStore; dev: suffix naming and a SecretStore per namespace) built with
`spec.eso.version` set to the controller's release, applied against the controller's own CRDs,
read back, then with the generated stores swapped for ESO's `fake` provider holding the remote
data: every ExternalSecret becomes Ready, ESO creates the Secrets the placeholders declare, and
every workload reference resolves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .checks import apply_and_compare, check_secrets, check_workloads
from .cluster import CONTROLLER_CRDS, ESO_RELEASE, Cluster, KubectlError
from .examples import HASH, SHOP_DATA, build, fake_provider, fake_stores, shop_expected

OVERLAYS = {  # overlay -> (namespace, namePrefix, what the naming strategy appends)
    "prod": ("shop-prod", "prod-", f"-{HASH}"),
    "dev": ("shop-dev", "dev-", "-eso"),
}


@pytest.fixture
def clean(cluster: Cluster) -> Iterator[Cluster]:
    yield cluster
    cluster.clean(ns for ns, _, _ in OVERLAYS.values())


@pytest.mark.parametrize("overlay", sorted(OVERLAYS))
def test_example_on_the_controller(clean: Cluster, tmp_path: Path, overlay: str) -> None:
    namespace, prefix, renamed = OVERLAYS[overlay]
    objs = build(tmp_path, "kustomize", f"overlays/{overlay}", ESO_RELEASE)
    clean.ensure_namespaces(objs)
    applied = apply_and_compare(clean, objs, CONTROLLER_CRDS)
    clean.apply(fake_stores(applied, fake_provider(SHOP_DATA)))
    check_secrets(clean, applied, shop_expected(prefix, renamed))
    refs = check_workloads(clean, [namespace])
    assert len({r.secret for r in refs}) >= 5  # the four placeholders' Secrets and kustomize's own


def test_strict_apply_refuses_a_field_the_crd_does_not_know(clean: Cluster, tmp_path: Path) -> None:
    """The control for check 1: the same apply refuses a field the CRD lacks (rather than pruning
    it, which would be drift), so the objects above were accepted for what they hold."""
    objs = build(tmp_path, "kustomize", "overlays/prod", ESO_RELEASE)
    es = next(o for o in objs if o["kind"] == "ExternalSecret")
    es["spec"]["target"]["notAField"] = True
    clean.ensure_namespaces([es])
    with pytest.raises(KubectlError, match=r"\.spec\.target\.notAField: field not declared in schema"):
        clean.apply([es])
