"""Check 6: refresh settings against the real ESO controller. Four kustomize builds of the same
kind of placeholder, each with its own fake ClusterSecretStore and refresh setting, are applied;
then the remote value changes in every fake store (the store object is edited in the cluster, as a
change in the secret backend would be, not in Git). The Periodic control (5s) shows the change is
visible to ESO; `refresh.interval: "0"`, `policy: CreatedOnce` and `policy: OnChange` keep the old
value; editing the OnChange ExternalSecret syncs it, editing the CreatedOnce one does not."""

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import kustomize_build

from .checks import count, secret_problems, wait_ready
from .cluster import ESO_RELEASE, Cluster, decoded, wait_until
from .examples import Expected, Obj, fake_provider, fake_stores, of_kind

NAMESPACE = "e2e-refresh"
SETTINGS = {  # build -> spec.refresh
    "control": {"interval": "5s"},
    "zero": {"interval": "0"},
    "created-once": {"interval": "5s", "policy": "CreatedOnce"},
    "on-change": {"interval": "5s", "policy": "OnChange"},
}
LABELS = {"team.example.com/tier": "backend"}
ANNOTATIONS = {"team.example.com/owner": "payments"}


def remote(value: str) -> Obj:
    return fake_provider({"app/db": json.dumps({"password": value})})


def build_root(tmp: Path, name: str, refresh: dict[str, str]) -> list[Obj]:
    """A kustomize root with one placeholder `db-<name>` (a user label and annotation) and
    secret-sync reading it from the fake ClusterSecretStore `fake-<name>`."""
    root = tmp / name
    root.mkdir()
    (root / "kustomization.yaml").write_text(
        f"namespace: {NAMESPACE}\nresources: [secret.yaml]\ntransformers: [secret-sync.yaml]\n")
    (root / "secret.yaml").write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": f"db-{name}", "labels": LABELS,
                     "annotations": {**ANNOTATIONS, "secret-sync.dev/remote-key": "app/db"}},
        "stringData": {"password": ""}}))
    (root / "secret-sync.yaml").write_text(textwrap.dedent("""\
        apiVersion: secret-sync.dev/v1alpha1
        kind: SecretSync
        metadata:
          name: secret-sync
          annotations:
            config.kubernetes.io/function: "container: {image: localhost/secret-sync:dev}"
        """) + yaml.safe_dump({"spec": {
            "eso": {"version": ESO_RELEASE}, "defaultStore": f"fake-{name}",
            "stores": [{"name": f"fake-{name}", "provider": remote("v1")}], "refresh": refresh}}))
    proc = kustomize_build(root)
    assert proc.returncode == 0, proc.stderr
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


@pytest.fixture
def clean(cluster: Cluster) -> Iterator[Cluster]:
    yield cluster
    cluster.clean([NAMESPACE])


def test_refresh_settings_decide_when_a_remote_change_arrives(clean: Cluster, tmp_path: Path) -> None:
    builds = {name: build_root(tmp_path, name, refresh) for name, refresh in SETTINGS.items()}
    es = {name: of_kind(objs, "ExternalSecret")[0] for name, objs in builds.items()}
    clean.ensure_namespaces(es.values())
    for objs in builds.values():
        clean.apply(objs)
    wait_ready(clean, list(es.values()))

    def password(name: str) -> str:
        secret = clean.secret(NAMESPACE, es[name]["spec"]["target"]["name"])
        return decoded(secret or {}).get("password", "")

    for name in SETTINGS:  # template metadata: the placeholder's label and annotation, no more
        exp = Expected(es[name]["spec"]["target"]["name"], {"password": "v1"}, labels=LABELS)
        assert not secret_problems(clean, es[name], exp)
        secret = clean.secret(NAMESPACE, exp.name) or {}
        assert ANNOTATIONS.items() <= (secret["metadata"].get("annotations") or {}).items()
        count("3", "Secrets checked")

    for objs in builds.values():
        clean.apply(fake_stores(objs, remote("v2")))
    wait_until("the Periodic control to pick up the new remote value",
               lambda: password("control") == "v2", timeout=90)
    # Two more 5s periods: a refresh the settings below allowed would have happened by now.
    time.sleep(10)
    frozen = {name: password(name) for name in ("zero", "created-once", "on-change")}
    assert frozen == {"zero": "v1", "created-once": "v1", "on-change": "v1"}
    count("6", "Secrets that kept their value after a remote change", len(frozen))

    for name in ("on-change", "created-once"):  # an edit of the ExternalSecret (a commit would)
        meta = es[name]["metadata"]
        clean.kubectl("annotate", "--overwrite", "externalsecrets.external-secrets.io", meta["name"],
                      "-n", NAMESPACE, "e2e.secret-sync.dev/edited=1")
    wait_until("the OnChange ExternalSecret to sync after its edit",
               lambda: password("on-change") == "v2", timeout=60)
    assert password("created-once") == "v1"
    count("6", "edits checked (OnChange syncs, CreatedOnce does not)", 2)

