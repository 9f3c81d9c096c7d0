"""Check 5: a rollout by Git. examples/kustomize (prod, hash naming) is applied and synced; then
two placeholders change in Git (app-db gets `secret-sync.dev/revision`, shop-tls a new key), the
build is re-applied (the Job recreated: its pod template is immutable), and the workloads' pod
templates change to the new Secrets, which ESO creates. The old Secret: ESO does not delete it (its ExternalSecret is another object, still in the
cluster until pruned); it is owned by the old ExternalSecret, so pruning that (Argo CD `prune`,
`kubectl apply --prune`, `kpt live apply`) lets Kubernetes' garbage collector delete it. This
cluster runs no garbage collector, so the ownership is what is checked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from .checks import apply_and_compare, check_secrets, check_workloads, count, wait_ready
from .cluster import CONTROLLER_CRDS, ESO_RELEASE, Cluster
from .examples import HASH, SHOP_DATA, build, fake_provider, fake_stores, of_kind, shop_expected

NAMESPACE = "shop-prod"
SECRETS = REPO / "examples" / "kustomize" / "base" / "secrets.yaml"
DATA = {**SHOP_DATA, "shop/tls": json.dumps({"crt": "CERT-PEM", "key": "KEY-PEM", "ca": "CA-PEM"})}


def changed_in_git() -> str:
    text = SECRETS.read_text()
    revision = "    secret-sync.dev/remote-key: shop/db "
    assert revision in text and "      tls.key: {key: shop/tls, property: key}\n" in text
    text = text.replace(revision, '    secret-sync.dev/revision: "2"\n' + revision, 1)
    return text.replace("      tls.key: {key: shop/tls, property: key}\n",
                        "      tls.key: {key: shop/tls, property: key}\n"
                        "      ca.crt: {key: shop/tls, property: ca}\n", 1)


@pytest.fixture
def clean(cluster: Cluster) -> Iterator[Cluster]:
    yield cluster
    cluster.clean([NAMESPACE])


def pod_templates(cluster: Cluster) -> dict[str, str]:
    stored = cluster.json("get", "deployments,statefulsets,jobs,cronjobs", "-n", NAMESPACE)["items"]
    return {f"{o['kind']}/{o['metadata']['name']}": json.dumps(o["spec"], sort_keys=True)
            for o in stored}


def test_a_placeholder_change_in_git_rolls_workloads_to_new_secrets(clean: Cluster,
                                                                     tmp_path: Path) -> None:
    provider = fake_provider(DATA)
    before = build(tmp_path, "kustomize", "overlays/prod", ESO_RELEASE)
    clean.ensure_namespaces(before)
    applied1 = apply_and_compare(clean, before, CONTROLLER_CRDS)
    clean.apply(fake_stores(applied1, provider))
    wait_ready(clean, of_kind(applied1, "ExternalSecret"))
    templates1 = pod_templates(clean)
    old = {es["metadata"]["name"]: clean.get(es) for es in of_kind(applied1, "ExternalSecret")}

    after = build(tmp_path, "kustomize", "overlays/prod", ESO_RELEASE,
                  edit={"base/secrets.yaml": changed_in_git()})
    # A Job's pod template is immutable: like with a secretGenerator, the changed reference cannot
    # be applied to the existing Job. It has to be recreated (Argo CD `Replace=true`, a hook, or
    # a delete before the apply), which is what the README tells users.
    refused = clean.kubectl("apply", "--server-side", "--field-manager", "e2e", "--force-conflicts",
                            "-f", "-", stdin=yaml.safe_dump_all(after), check=False)
    assert refused.returncode != 0
    assert 'The Job "prod-seed" is invalid: spec.template' in refused.stderr
    assert "field is immutable" in refused.stderr
    clean.kubectl("delete", "job", "prod-seed", "-n", NAMESPACE)
    count("5", "Jobs refused as immutable and recreated")
    applied2 = apply_and_compare(clean, after, CONTROLLER_CRDS)  # no prune: the old objects stay
    clean.apply(fake_stores(applied2, provider))
    expected = shop_expected("prod-", f"-{HASH}")
    expected[2].data["ca.crt"] = "CA-PEM"
    check_secrets(clean, applied2, expected)
    check_workloads(clean, [NAMESPACE])

    new_names = {es["metadata"]["name"] for es in of_kind(applied2, "ExternalSecret")}
    gone = sorted(set(old) - new_names)
    assert [n.rsplit("-", 1)[0] for n in gone] == ["prod-app-db", "prod-shop-tls"]
    templates2 = pod_templates(clean)
    rolled = sorted(k for k in templates1 if templates1[k] != templates2[k])
    # Everything that reads app-db or shop-tls; the CronJob reads app-db too.
    assert rolled == ["CronJob/prod-nightly-report", "Deployment/prod-web", "Job/prod-seed",
                      "StatefulSet/prod-cache"]
    count("5", "workloads whose pod template changed", len(rolled))

    for name in gone:  # what happens to the old Secret
        secret = clean.secret(NAMESPACE, name)
        assert secret is not None, f"old Secret {name} was deleted although its ExternalSecret remains"
        owners = [o for o in secret["metadata"].get("ownerReferences") or [] if o.get("controller")]
        assert [(o["kind"], o["name"], o["uid"]) for o in owners] == [
            ("ExternalSecret", name, old[name]["metadata"]["uid"])]
        count("5", "old Secrets kept and owned by their old ExternalSecret")
