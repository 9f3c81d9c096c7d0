"""`secret-sync eval` on layouts taken from public GitOps repositories that the other eval tests do
not have: `helm template` output committed as a `kind: List`, overlays of overlays (an Argo CD
Application per overlay, one overlay building on another), a Helm-rendered file with `# Source:`
comments and empty documents, and every kind of Secret reference (ServiceAccount, Ingress TLS,
imagePullSecrets, projected volume, CronJob) in two namespaced overlays.

Oracles: the real `kubectl kustomize` of each root, read by tests/buildrefs.py, and hand-written
expectations (messages, file bytes).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from buildrefs import dangling, objects, shared_targets
from conftest import run_fn
from test_eval import write
from test_eval_builds import (
    BASE,
    CONFIG,
    DEPLOYMENT,
    ESO_KINDS,
    PROD,
    SECRET,
    assert_resolves,
    built,
    migrate,
    refused,
)

ES_STORE = "clustersecretstore_aws-main.yaml"


def as_list(*docs: str) -> str:
    """Documents as the items of one `kind: List`, as `helm template | kubectl ...` dumps them."""
    items = [yaml.safe_load(d) for d in docs]
    return "# Source: chart/templates/all.yaml\n" + yaml.safe_dump(
        {"apiVersion": "v1", "kind": "List", "items": items}, sort_keys=False)


def test_a_list_holding_a_placeholder_is_an_error_naming_file_and_item(tmp_path: Path) -> None:
    # Before: exit 0, the placeholder stayed a plain empty Secret in the build (not migrated).
    tree = {"base/kustomization.yaml": "resources: [all.yaml]\n",
            "base/all.yaml": as_list(SECRET, DEPLOYMENT),
            PROD: "namespace: prod\nresources: [../../base]\n"}
    stderr = refused(tmp_path, tree)
    (line,) = [x for x in stderr.splitlines() if ": error: " in x]
    assert "base/all.yaml[0]: List: field items[0] is a Secret" in line
    assert "split it into YAML documents separated by `---`" in line


def test_a_list_whose_workload_names_a_placeholder_is_an_error(tmp_path: Path) -> None:
    tree = {**BASE, "base/kustomization.yaml": "resources: [secret.yaml, deploy.yaml]\n",
            "base/deploy.yaml": as_list(DEPLOYMENT),
            PROD: "namespace: prod\nresources: [../../base]\n"}
    stderr = refused(tmp_path, tree)
    assert "base/deploy.yaml[0]: List: field items[0] names a Secret" in stderr


def test_a_list_without_secrets_is_passed_over(tmp_path: Path) -> None:
    config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n"
    tree = {**BASE, "base/kustomization.yaml": "resources: [secret.yaml, deploy.yaml, cm.yaml]\n",
            "base/cm.yaml": as_list(config_map),
            PROD: "namespace: prod\nresources: [../../base]\n"}
    code, stderr = migrate(tmp_path, tree)
    assert code == 0, stderr
    assert "base/cm.yaml[0]: List: eval does not read the objects inside a List" in stderr
    assert (tmp_path / "repo/base/cm.yaml").read_text() == tree["base/cm.yaml"]
    kinds = [o["kind"] for o in assert_resolves(tmp_path / "repo/overlays/prod")]
    assert sorted(kinds) == ["ClusterSecretStore", "ConfigMap", "Deployment", "ExternalSecret"]


OVERLAYS = {**BASE, PROD: "namespace: prod\nresources: [../../base]\n",
            "overlays/prod-eu/kustomization.yaml": "resources: [../prod]\nlabels:\n"
                                                   "  - pairs: {region: eu}\n"}


def test_an_overlay_inside_a_root_is_warned_about_and_the_advice_builds(tmp_path: Path) -> None:
    # overlays/prod-eu builds on overlays/prod: only prod-eu is a root and gets the store, so a
    # build of overlays/prod alone (its own Argo CD Application) names a store it does not have.
    code, stderr = migrate(tmp_path, OVERLAYS)
    assert code == 0, stderr
    repo = tmp_path / "repo"
    assert_resolves(repo / "overlays/prod-eu")
    assert dangling(built(repo / "overlays/prod")) == [
        "ExternalSecret prod/db-dxddbnfhwf -> ClusterSecretStore aws-main"]
    (line,) = [x for x in stderr.splitlines() if ": warning: " in x]
    assert ("overlays/prod/kustomization.yaml: this overlay's own build would name the "
            "ClusterSecretStore 'aws-main' that eval adds to overlays/prod-eu only") in line
    assert "move the store file into it" in line
    # The advice: the store file moves to overlays/prod; both builds then resolve, prod-eu's
    # through prod.
    (repo / "overlays/prod-eu" / ES_STORE).rename(repo / "overlays/prod" / ES_STORE)
    (repo / "overlays/prod-eu/kustomization.yaml").write_text(
        OVERLAYS["overlays/prod-eu/kustomization.yaml"])
    (repo / PROD).write_text(f"namespace: prod\nresources: [../../base, {ES_STORE}]\n")
    for root in ("overlays/prod", "overlays/prod-eu"):
        assert len(assert_resolves(repo / root)) == 3


def test_a_plain_base_gets_no_inner_overlay_warning(tmp_path: Path) -> None:
    code, stderr = migrate(tmp_path, {**BASE, PROD: "namespace: prod\nresources: [../../base]\n"})
    assert code == 0, stderr
    assert ": warning: " not in stderr


def placeholder(name: str, kind: str, data: str) -> str:
    return (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  annotations:\n"
            f"    secret-sync.dev/remote-key: app/{name}\ntype: {kind}\nstringData: {data}\n")


RENDERED = """\
# Source: app/templates/serviceaccount.yaml
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app}
secrets: [{name: db}]
imagePullSecrets: [{name: regcred}]
---
---
# Source: app/templates/ingress.yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: app}
spec:
  tls: [{hosts: [app.example.com], secretName: tls}]
---
# Source: app/templates/cronjob.yaml
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          imagePullSecrets: [{name: regcred}]
          containers:
            - name: backup
              image: busybox
              env: [{name: P, valueFrom: {secretKeyRef: {name: db, key: password}}}]
          volumes:
            - name: certs
              projected: {sources: [{secret: {name: tls}}]}
"""


def test_every_kind_of_reference_in_two_namespaced_overlays(tmp_path: Path) -> None:
    secrets = "---\n".join([SECRET, placeholder("tls", "kubernetes.io/tls", '{tls.crt: "", tls.key: ""}'),
                            placeholder("regcred", "kubernetes.io/dockerconfigjson",
                                        '{.dockerconfigjson: ""}')])
    tree = {"base/kustomization.yaml": "resources: [secrets.yaml, rendered.yaml]\n",
            "base/secrets.yaml": secrets, "base/rendered.yaml": RENDERED,
            "overlays/dev/kustomization.yaml": "namespace: dev\nresources: [../../base]\n",
            PROD: "namespace: prod\nresources: [../../base]\n"}
    code, stderr = migrate(tmp_path, tree)
    assert code == 0, stderr
    for root in ("overlays/dev", "overlays/prod"):
        objs = {o["kind"]: o for o in assert_resolves(tmp_path / "repo" / root)}  # workloads
        made = {o["metadata"]["name"].rpartition("-")[0]: o["spec"]["target"]["name"]
                for o in objects(built(tmp_path / "repo" / root)) if o["kind"] == "ExternalSecret"}
        assert sorted(made) == ["db", "regcred", "tls"]
        # buildrefs does not read ServiceAccounts and Ingresses: checked here, by hand.
        assert objs["ServiceAccount"]["secrets"] == [{"name": made["db"]}]
        assert objs["ServiceAccount"]["imagePullSecrets"] == [{"name": made["regcred"]}]
        assert objs["Ingress"]["spec"]["tls"][0]["secretName"] == made["tls"]
    assert "# Source: app/templates/ingress.yaml" in (tmp_path / "repo/base/rendered.yaml").read_text()


def application(source: str) -> str:
    """An app-of-apps entry, as in argocd/apps/*.yaml of many GitOps repositories."""
    return ("apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
            "metadata: {name: shop-prod, namespace: argocd}\nspec:\n  project: default\n"
            "  destination: {server: https://kubernetes.default.svc, namespace: prod}\n" + source)


ARGO_PREFIX = application("  source:\n    repoURL: https://example.com/gitops.git\n"
                          "    path: overlays/prod\n    kustomize: {namePrefix: prod-}\n")


def argocd_build(root: Path, edit: str) -> str:
    """What Argo CD builds for an Application with kustomize overrides: it runs `kustomize edit
    set nameprefix` on the root, then `kustomize build`."""
    path = root / "kustomization.yaml"
    path.write_text(path.read_text() + edit)
    return built(root)


def test_an_argocd_application_renaming_the_root_is_an_error(tmp_path: Path) -> None:
    # Before: exit 0; Argo CD's build named the store prod-aws-main and the ExternalSecret
    # still named aws-main.
    tree = {**BASE, PROD: "namespace: prod\nresources: [../../base]\n",
            "argocd/apps/shop.yaml": ARGO_PREFIX}
    stderr = refused(tmp_path, tree)
    (line,) = [x for x in stderr.splitlines() if ": error: " in x]
    assert ("overlays/prod: its build renames the ClusterSecretStore 'aws-main' that eval would "
            "add to it (spec.source.kustomize.namePrefix: 'prod-' (argocd/apps/shop.yaml[0] "
            "Application shop-prod))") in line
    assert "kustomize/eso-kinds to overlays/prod" in line


def test_an_argocd_multi_source_application_renaming_the_root_is_an_error(tmp_path: Path) -> None:
    app = application("  sources:\n    - {repoURL: https://charts.example.com, chart: x}\n"
                      "    - repoURL: https://example.com/gitops.git\n"
                      "      path: ./clusters/eu/overlays/prod/\n"
                      "      kustomize: {nameSuffix: -eu}\n")
    tree = {**BASE, PROD: "namespace: prod\nresources: [../../base]\n", "argocd/shop.yaml": app}
    stderr = refused(tmp_path, tree)
    assert "spec.sources[1].kustomize.nameSuffix: '-eu' (argocd/shop.yaml[0]" in stderr


def test_the_eso_kinds_component_makes_the_argocd_build_resolve(tmp_path: Path) -> None:
    tree = {**BASE, **ESO_KINDS, "argocd/apps/shop.yaml": ARGO_PREFIX,
            PROD: "namespace: prod\nresources: [../../base]\n"
                  "components: [../../components/eso-kinds]\n"}
    code, stderr = migrate(tmp_path, tree)
    assert code == 0, stderr
    out = argocd_build(tmp_path / "repo/overlays/prod", "namePrefix: prod-\n")
    assert dangling(out) == [], out
    assert "name: prod-aws-main" in out


@pytest.mark.parametrize("path", ["overlays/prod-old", "other/overlays/prod"])
def test_an_application_of_another_directory_is_not_a_rename(tmp_path: Path, path: str) -> None:
    # other/overlays/prod exists under PATH: it is that directory, not the root overlays/prod.
    tree = {**BASE, PROD: "namespace: prod\nresources: [../../base]\n",
            "other/overlays/prod/kustomization.yaml": "resources: []\n",
            "argocd/apps/shop.yaml": ARGO_PREFIX.replace("overlays/prod", path)}
    code, stderr = migrate(tmp_path, tree)
    assert code == 0, stderr
    assert_resolves(tmp_path / "repo/overlays/prod")


@pytest.mark.parametrize("layout", [
    "resources: [\n  ../../base,\n]\n",                       # one entry a line, trailing comma
    "resources: [ # the app\n    ../../base  # base\n  ]\n",  # comments, `]` indented
])
def test_a_flow_resources_list_over_several_lines_gets_the_store(tmp_path: Path,
                                                                  layout: str) -> None:
    # Before: "internal error (YamlError)".
    code, stderr = migrate(tmp_path, {**BASE, PROD: "namespace: prod\n" + layout})
    assert code == 0, stderr
    assert len(assert_resolves(tmp_path / "repo/overlays/prod")) == 3
    text = (tmp_path / "repo" / PROD).read_text()
    assert text.startswith("namespace: prod\n" + layout.split("\n")[0] + "\n")  # layout kept
    assert "  clustersecretstore_aws-main.yaml,\n" in text


def test_a_resources_list_eval_cannot_extend_is_an_error_naming_the_field(tmp_path: Path) -> None:
    stderr = refused(tmp_path, {**BASE, PROD: "namespace: prod\nresources: [\n  ../../base]\n"})
    assert ("error: overlays/prod/kustomization.yaml: field resources: cannot add "
            "clustersecretstore_aws-main.yaml to this list in place (nothing was written)") in stderr


def test_two_objects_an_inner_suffix_tells_apart_are_refused_with_the_real_reason(
        tmp_path: Path) -> None:
    # a/ renames its base's Secret db to db-a, b/ has its own db: kustomize builds this. eval
    # does not follow the suffix, so it refuses, without claiming kustomize would refuse too.
    worker = DEPLOYMENT.replace("name: web", "name: worker")
    tree = {"a/base/kustomization.yaml": "resources: [secret.yaml, deploy.yaml]\n",
            "a/base/secret.yaml": SECRET, "a/base/deploy.yaml": DEPLOYMENT,
            "a/kustomization.yaml": "nameSuffix: -a\nresources: [base]\n",
            "b/kustomization.yaml": "resources: [secret.yaml, deploy.yaml]\n",
            "b/secret.yaml": SECRET.replace("app/db", "b/db"), "b/deploy.yaml": worker,
            "cluster/kustomization.yaml": "namespace: all\nresources: [../a, ../b]\n"}
    stderr = refused(tmp_path, tree, root="cluster")
    (line,) = [x for x in stderr.splitlines() if ": error: " in x]
    assert ("b/secret.yaml[0]: Secret db: the build of cluster has this object twice in namespace "
            "'all' before renames (also a/base/secret.yaml[0]); the build tells them apart by "
            "nameSuffix: '-a' (a/kustomization.yaml), which eval does not follow") in line
    assert "kustomize refuses" not in line
    assert "Declare the secret-sync function in cluster" in line


APPS_TEMPLATE = """\
{{- range .Values.apps }}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ .name }}
spec:
  source:
    path: {{ .path }}
{{- end }}
"""


def test_a_helm_app_of_apps_chart_is_passed_over(tmp_path: Path) -> None:
    # Before: "argocd/templates/apps.yaml: not valid YAML" stopped the whole run.
    tree = {**BASE, PROD: "namespace: prod\nresources: [../../base]\n",
            "argocd/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 0.1.0\n",
            "argocd/values.yaml": "apps:\n  - {name: shop, path: overlays/prod}\n",
            "argocd/templates/apps.yaml": APPS_TEMPLATE}
    code, stderr = migrate(tmp_path, tree)
    assert code == 0, stderr
    assert ("info: argocd/Chart.yaml: a Helm chart: eval does not read its templates/ and "
            "charts/") in stderr
    assert (tmp_path / "repo/argocd/templates/apps.yaml").read_text() == APPS_TEMPLATE
    assert len(assert_resolves(tmp_path / "repo/overlays/prod")) == 3


HAND_STORE = """\
apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata:
  name: aws-main
spec:
  provider:
    aws: {service: SecretsManager, region: us-east-1}
"""


def test_a_store_of_the_root_with_the_configured_name_is_an_error(tmp_path: Path) -> None:
    # Before: exit 0 and a second clustersecretstore_aws-main.yaml; kustomize then refused the
    # build (kustomize gave the hand-written one the overlay's namespace, so the function did
    # not see that it had the name of the store it generates).
    stderr = refused(tmp_path, {**BASE, "overlays/prod/store.yaml": HAND_STORE,
                                PROD: "namespace: prod\nresources: [../../base, store.yaml]\n"})
    assert ("overlays/prod/store.yaml[0]: ClusterSecretStore prod/aws-main: field metadata.name: "
            "generated ClusterSecretStore 'aws-main' collides with an object of the same name in "
            "the input that secret-sync did not generate") in stderr


def test_the_function_sees_a_namespaced_cluster_store_as_the_same_object() -> None:
    """What kustomize hands the function for that overlay: the ClusterSecretStore with the
    overlay's namespace. The API server drops it, so it is the store the function generates."""
    items = [yaml.safe_load(SECRET), {**yaml.safe_load(HAND_STORE),
                                      "metadata": {"name": "aws-main", "namespace": "prod"}}]
    stdin = yaml.safe_dump({"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList",
                            "items": items, "functionConfig": yaml.safe_load(CONFIG)})
    run = run_fn(stdin)
    assert run.returncode == 1
    assert "generated ClusterSecretStore 'aws-main' collides with an object" in run.stdout + run.stderr


def test_an_unlisted_file_where_the_store_would_go_is_an_error_naming_it(tmp_path: Path) -> None:
    # Before: "the builds that include this file need different edits of it (... 1 new
    # object(s) ...)", which named neither the cause nor the way out.
    stderr = refused(tmp_path, {**BASE, PROD: "namespace: prod\nresources: [../../base]\n",
                                "overlays/prod/clustersecretstore_aws-main.yaml": HAND_STORE})
    assert ("error: overlays/prod/clustersecretstore_aws-main.yaml: build overlays/prod would "
            "write a new store to this file, but the file exists and is not listed in "
            "overlays/prod") in stderr


TENANTS = {**BASE,
           "tenants/a/kustomization.yaml": "namePrefix: a-\nresources: [../../base]\n",
           "tenants/b/kustomization.yaml": "namePrefix: b-\nresources: [../../base]\n",
           "cluster/kustomization.yaml": "namespace: shared\nresources: [../tenants/a, ../tenants/b]\n"}


def test_a_base_that_a_root_includes_twice_under_two_prefixes_is_an_error(tmp_path: Path) -> None:
    # Before: exit 0, and the build had two ExternalSecrets (a-db-..., b-db-...) writing one
    # Secret in namespace shared, which ESO refuses for the second; before the migration each
    # tenant had a Secret of its own (a-db, b-db).
    original = built(_tree(tmp_path / "before", TENANTS) / "cluster")
    assert shared_targets(original) == []
    stderr = refused(tmp_path, TENANTS, root="cluster")
    (line,) = [x for x in stderr.splitlines() if ": error: " in x]
    assert ("the build of cluster includes base/secret.yaml twice in namespace 'shared', told apart "
            "by namePrefix: 'a-' (tenants/a/kustomization.yaml) and namePrefix: 'b-' "
            "(tenants/b/kustomization.yaml)") in line
    assert "Declare the secret-sync function in cluster" in line


def _tree(root: Path, files: dict[str, str]) -> Path:
    write(root, files)
    return root


def test_two_prefixed_roots_in_one_namespace_are_warned_about(tmp_path: Path) -> None:
    # Two instances of an app in one namespace: a-db and b-db before; after, both builds'
    # ExternalSecrets write one Secret. Each build resolves (eval cannot know whether they go to
    # one cluster, so a warning), and the two builds together show the shared target.
    overlay = ("namespace: shared\nnamePrefix: {p}-\nresources: [../../base]\n"
               "components: [../../components/eso-kinds]\n")
    tree = {**BASE, **ESO_KINDS, "overlays/a/kustomization.yaml": overlay.format(p="a"),
            "overlays/b/kustomization.yaml": overlay.format(p="b")}
    code, stderr = migrate(tmp_path, tree)
    assert code == 0, stderr
    (line,) = [x for x in stderr.splitlines() if ": warning: " in x]
    assert ("base/secret.yaml: builds overlays/a and overlays/b both put its objects in namespace "
            "'shared', told apart by namePrefix: 'a-' (overlays/a/kustomization.yaml) and "
            "namePrefix: 'b-' (overlays/b/kustomization.yaml)") in line
    both = "---\n".join(built(tmp_path / "repo/overlays" / r) for r in ("a", "b"))
    assert len(shared_targets(both)) == 1  # what the warning is about, seen in the builds


def test_roots_in_different_namespaces_are_not_warned_about(tmp_path: Path) -> None:
    overlay = "namespace: {p}\nresources: [../../base]\n"
    tree = {**BASE, "overlays/a/kustomization.yaml": overlay.format(p="a"),
            "overlays/b/kustomization.yaml": overlay.format(p="b")}
    code, stderr = migrate(tmp_path, tree)
    assert code == 0, stderr
    assert ": warning: " not in stderr
