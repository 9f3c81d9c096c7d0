"""Checks 1 and 2 against the ESO 2.9 CRDs (../shared/schemas/eso/crds, the release the function
targets by default): every object of every bundled kustomize example is accepted by server-side
apply with strict field validation, and every field of every generated object reads back as
written. The controller's own CRDs are put back afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SHARED, needs_shared

from .checks import apply_and_compare
from .cluster import Cluster
from .conftest import controller_crds
from .examples import build

BUILDS = [("kustomize", "overlays/prod"), ("kustomize", "overlays/dev"),
          ("kustomize-kes", "overlays/phase1"), ("kustomize-kes", "overlays/phase2")]


@pytest.fixture(scope="module")
def crds_2_9(cluster: Cluster) -> Iterator[Cluster]:
    cluster.install_crds(SHARED / "schemas" / "eso" / "crds")
    try:
        yield cluster
    finally:
        cluster.install_crds(controller_crds())


@pytest.fixture
def eso_2_9(crds_2_9: Cluster) -> Iterator[Cluster]:
    yield crds_2_9
    crds_2_9.clean(["shop-prod", "shop-dev", "shop"])


@needs_shared
@pytest.mark.parametrize(("example", "overlay"), BUILDS, ids=[f"{e}/{o}" for e, o in BUILDS])
def test_eso_2_9_accepts_every_object_and_stores_what_was_written(
        eso_2_9: Cluster, tmp_path: Path, example: str, overlay: str) -> None:
    objs = build(tmp_path, example, overlay, "2.9")
    eso_2_9.ensure_namespaces(objs)
    apply_and_compare(eso_2_9, objs, "the ESO 2.9 CRDs")
