"""e2e tests: the bundled examples against a real kube-apiserver and the real ESO controller.

They are part of the whole suite (`make test`, and alone `make e2e`). They are skipped, with the
reason, where Go is missing (the control plane is built from Go modules) and when a developer asks
for the quick suite (`make test-fast`, SECRET_SYNC_E2E=0)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BIN, coverage_note

from .cluster import CACHE, SCRIPTS, Cluster, cluster_running, go_missing_reason, versions

HERE = Path(__file__).resolve().parent
KES_CRD = HERE / "testdata" / "kes-crd.yaml"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mine = [item for item in items if Path(str(item.fspath)).is_relative_to(HERE)]
    reasons = [] if os.environ.get("SECRET_SYNC_E2E") != "0" else [
        "SECRET_SYNC_E2E=0 (make test-fast): the end-to-end tests against a real kube-apiserver and "
        "ESO controller are left out; `make test` or `make e2e` runs them"]
    reasons += filter(None, [go_missing_reason()])
    reason = "; ".join(reasons)
    for item in mine:
        item.add_marker(pytest.mark.e2e)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """The control plane of scripts/cluster/up, started if needed (and then stopped at the end),
    with ESO's CRDs of the controller's version and the legacy KES CRD installed."""
    was_running = cluster_running()
    env = dict(os.environ, KUBECTL=str(BIN / "kubectl"))
    proc = subprocess.run([str(SCRIPTS / "up")], capture_output=True, text=True, env=env,
                          timeout=3600)
    if proc.returncode != 0:
        pytest.fail(f"scripts/cluster/up failed:\n{proc.stderr[-4000:]}")
    c = Cluster(Path(proc.stdout.strip().splitlines()[-1]))
    v = versions()
    etcd = subprocess.run([str(CACHE / f"etcd-{v['ETCD_VERSION']}" / "etcd"), "--version"],
                          capture_output=True, text=True).stdout.splitlines()[0]
    coverage_note("e2e 0 versions", f"kube-apiserver {c.server_version()} (as the server reports), "
                  f"{etcd}, ESO controller {v['ESO_VERSION']} (fake provider only)")
    c.install_crds(controller_crds())
    c.kubectl("apply", "--server-side", "-f", str(KES_CRD))
    try:
        yield c
    finally:
        if not was_running and not os.environ.get("SECRET_SYNC_E2E_KEEP"):
            subprocess.run([str(SCRIPTS / "down")], capture_output=True, timeout=60)


def controller_crds() -> Path:
    return CACHE / f"eso-{versions()['ESO_VERSION']}" / "crds"
