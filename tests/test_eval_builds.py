"""`secret-sync eval` on small repositories whose build roots rename, fetch or copy names: the
result is either right or a clear error, never a build with a reference that does not resolve.

The oracle is the real `kubectl kustomize` of each root of the eval'd tree, read by
tests/buildrefs.py (written from the Kubernetes and ESO APIs, not from krm_fn): every workload's
Secret reference and every ExternalSecret's store reference resolves in the build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from buildrefs import dangling, objects
from conftest import REPO, kustomize_build
from test_eval import eval_, snapshot, write

CONFIG = (REPO / "testdata" / "eval-repo" / "secret-sync.yaml").read_text()  # ClusterSecretStore aws-main
SECRET = """\
apiVersion: v1
kind: Secret
metadata:
  name: db
  annotations:
    secret-sync.dev/remote-key: app/db
stringData:
  password: ""
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: busybox
          envFrom:
            - secretRef:
                name: db
"""
BASE = {"base/kustomization.yaml": "resources: [secret.yaml, deploy.yaml]\n",
        "base/secret.yaml": SECRET, "base/deploy.yaml": DEPLOYMENT}
PROD = "overlays/prod/kustomization.yaml"
NAME_REFERENCE = """\
nameReference:
  - kind: ClusterSecretStore
    fieldSpecs:
      - {kind: ExternalSecret, path: spec/secretStoreRef/name}
"""
ESO_KINDS = {f"components/eso-kinds/{p.name}": p.read_text()
             for p in (REPO / "kustomize" / "eso-kinds").iterdir()}


def migrate(tmp_path: Path, files: dict[str, str], config: str = CONFIG) -> tuple[int, str]:
    write(tmp_path / "repo", files)
    (tmp_path / "cfg.yaml").write_text(config)
    run = eval_("repo", "--config", "cfg.yaml", "--in-place", cwd=tmp_path)
    assert "Traceback" not in run.stderr
    return run.returncode, run.stderr


def refused(tmp_path: Path, tree: dict[str, str], root: str = "overlays/prod",
            config: str = CONFIG) -> str:
    """eval of a tree whose `root` builds: exit 1, nothing written; its stderr."""
    write(tmp_path / "repo", tree)
    built(tmp_path / "repo" / root)
    before = snapshot(tmp_path / "repo")
    code, stderr = migrate(tmp_path, tree, config)
    assert code == 1
    assert snapshot(tmp_path / "repo") == before
    return stderr


def built(root: Path) -> str:
    proc = kustomize_build(root)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def assert_resolves(root: Path) -> list[dict]:
    out = built(root)
    assert dangling(out) == [], out
    return objects(out)


def with_store_kind(kind: str) -> str:
    return CONFIG.replace("kind: ClusterSecretStore", f"kind: {kind}")


# --- item 1: a root that renames the stores eval adds to it --------------------------------------


@pytest.mark.parametrize("rename", ["namePrefix: prod-", "nameSuffix: -prod"])
@pytest.mark.parametrize("kind", ["ClusterSecretStore", "SecretStore"])
def test_a_root_renaming_the_store_is_an_error_and_nothing_is_written(
        tmp_path: Path, rename: str, kind: str) -> None:
    files = {**BASE, PROD: f"{rename}\nnamespace: prod\nresources: [../../base]\n"}
    stderr = refused(tmp_path, files, config=with_store_kind(kind))
    (line,) = [x for x in stderr.splitlines() if ": error: " in x]
    field, value = rename.split(": ")
    assert f"error: overlays/prod: its build renames the {kind} 'aws-main'" in line
    assert f"{field}: '{value}' (overlays/prod/kustomization.yaml)" in line
    assert "the ExternalSecrets db-" in line                 # which ones would dangle
    assert "kustomize/eso-kinds to overlays/prod" in line    # the ways out
    assert "declare the secret-sync function in overlays/prod" in line
    assert "`create: false`" in line


def test_the_rename_error_comes_with_the_other_problems_of_the_run(tmp_path: Path) -> None:
    stderr = refused(tmp_path, {
        **BASE, PROD: "namePrefix: prod-\nresources: [../../base]\n",
        "other/kustomization.yaml": "resources: [s.yaml]\n",
        "other/s.yaml": SECRET.replace('password: ""', "password: hunter2")})
    errors = [x for x in stderr.splitlines() if ": error: " in x]
    assert len(errors) == 2, errors
    assert any("other/s.yaml[0]" in e for e in errors)
    assert any("overlays/prod: its build renames" in e for e in errors)
    assert "hunter2" not in stderr


def test_a_component_of_the_root_with_a_suffix_renames_the_store_too(tmp_path: Path) -> None:
    """kustomize applies a component to the resources of the kustomization that includes it."""
    code, stderr = migrate(tmp_path, {
        **BASE, "suffix/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\n"
                                             "kind: Component\nnameSuffix: -x\n",
        PROD: "resources: [../../base]\ncomponents: [../../suffix]\n"})
    assert code == 1
    assert "nameSuffix: '-x' (suffix/kustomization.yaml)" in stderr, stderr


def test_a_prefix_transformer_of_the_root_renames_the_store_too(tmp_path: Path) -> None:
    code, stderr = migrate(tmp_path, {
        **BASE, "overlays/prod/prefix.yaml": "apiVersion: builtin\nkind: PrefixSuffixTransformer\n"
                                             "metadata: {name: p}\nprefix: x-\n"
                                             "fieldSpecs: [{path: metadata/name}]\n",
        PROD: "resources: [../../base]\ntransformers: [prefix.yaml]\n"})
    assert code == 1
    assert "PrefixSuffixTransformer prefix: 'x-' (overlays/prod/prefix.yaml)" in stderr, stderr


def test_the_eso_kinds_component_in_the_root_makes_the_renamed_store_resolve(tmp_path: Path) -> None:
    code, stderr = migrate(tmp_path, {
        **BASE, **ESO_KINDS,
        PROD: "namePrefix: prod-\nnamespace: prod\nresources: [../../base]\n"
              "components: [../../components/eso-kinds]\n"})
    assert code == 0, stderr
    objs = assert_resolves(tmp_path / "repo/overlays/prod")
    (store,) = [o for o in objs if o["kind"] == "ClusterSecretStore"]
    assert store["metadata"] == {"name": "prod-aws-main",
                                 "labels": {"app.kubernetes.io/managed-by": "secret-sync"}}
    (es,) = [o for o in objs if o["kind"] == "ExternalSecret"]
    assert es["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "prod-aws-main"}


def test_a_name_reference_configured_in_a_base_is_carried_up_to_the_root(tmp_path: Path) -> None:
    code, stderr = migrate(tmp_path, {
        **BASE, "base/kustomization.yaml": "resources: [secret.yaml, deploy.yaml]\n"
                                           "configurations: [refs.yaml]\n",
        "base/refs.yaml": NAME_REFERENCE,
        PROD: "nameSuffix: -prod\nnamespace: prod\nresources: [../../base]\n"})
    assert code == 0, stderr
    objs = assert_resolves(tmp_path / "repo/overlays/prod")
    (es,) = [o for o in objs if o["kind"] == "ExternalSecret"]
    assert es["spec"]["secretStoreRef"]["name"] == "aws-main-prod"


def test_a_name_reference_alone_does_not_follow_a_cluster_store_across_namespaces(
        tmp_path: Path) -> None:
    """Without a schema that says ClusterSecretStore is cluster-scoped, kustomize takes it for
    namespaced and rewrites only references from its own namespace: the base's ExternalSecret
    (namespace a) would keep the old name."""
    files = {**BASE, "base/kustomization.yaml": "namespace: a\nresources: [secret.yaml, deploy.yaml]\n"
                                                "configurations: [refs.yaml]\n",
             "base/refs.yaml": NAME_REFERENCE,
             PROD: "namePrefix: p-\nresources: [../../base]\n"}
    code, stderr = migrate(tmp_path, files)
    assert code == 1
    assert "its build renames the ClusterSecretStore 'aws-main'" in stderr, stderr
    # With secret-sync's component (name reference and schema) the same layout resolves.
    shutil.rmtree(tmp_path / "repo")
    files[PROD] += "components: [../../components/eso-kinds]\n"
    code, stderr = migrate(tmp_path, {**files, **ESO_KINDS})
    assert code == 0, stderr
    objs = assert_resolves(tmp_path / "repo/overlays/prod")
    assert [o["metadata"] for o in objs if o["kind"] == "ClusterSecretStore"] == [
        {"name": "p-aws-main", "labels": {"app.kubernetes.io/managed-by": "secret-sync"}}]


# --- item 2: remote entries -----------------------------------------------------------------------


def test_a_remote_base_is_named_in_a_warning(tmp_path: Path) -> None:
    code, stderr = migrate(tmp_path, {
        **BASE, PROD: "namespace: prod\nresources:\n  - ../../base\n"
                      "  - https://github.com/org/repo//deploy?ref=v1\n"
                      "  - git@github.com:org/repo.git//app?ref=main\n"
                      "components: [github.com/org/repo/components/x]\n"
                      "helmCharts:\n  - {name: redis, repo: https://charts.example/, version: 1.0.0}\n"})
    assert code == 0, stderr
    warnings = [x for x in stderr.splitlines() if ": warning: " in x]
    assert len(warnings) == 4, warnings
    assert ("secret-sync: warning: overlays/prod/kustomization.yaml: the remote entry "
            "'https://github.com/org/repo//deploy?ref=v1' is not read: objects and references "
            "inside it are not migrated (build overlays/prod)") in warnings
    assert "'git@github.com:org/repo.git//app?ref=main' is not read" in warnings[1]
    assert "'github.com/org/repo/components/x' is not read" in warnings[2]
    assert "the Helm chart 'redis' (helmCharts) is not read" in warnings[3]


def test_a_base_outside_path_is_named_in_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "repo", BASE)
    (tmp_path / "cfg.yaml").write_text(CONFIG)
    write(tmp_path / "overlays", {"prod/kustomization.yaml": "resources: [../../repo/base]\n"})
    run = eval_("overlays", "--config", "cfg.yaml", "--diff", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert ("warning: prod/kustomization.yaml: the entry '../../repo/base', outside PATH, is not "
            "read: objects and references inside it are not migrated (build prod)") in run.stderr


# --- item 3: other layouts, each built by kustomize after eval -------------------------------------


def test_a_placeholder_in_a_component(tmp_path: Path) -> None:
    code, stderr = migrate(tmp_path, {
        "comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\n"
                                   "kind: Component\nresources: [secret.yaml]\n",
        "comp/secret.yaml": SECRET,
        "base/kustomization.yaml": "resources: [deploy.yaml]\n", "base/deploy.yaml": DEPLOYMENT,
        PROD: "namespace: prod\nresources: [../../base]\ncomponents: [../../comp]\n"})
    assert code == 0, stderr
    objs = assert_resolves(tmp_path / "repo/overlays/prod")
    assert {o["kind"] for o in objs} == {"Deployment", "ExternalSecret", "ClusterSecretStore"}


def test_a_suffix_in_an_intermediate_kustomization(tmp_path: Path) -> None:
    code, stderr = migrate(tmp_path, {
        **BASE, "mid/kustomization.yaml": "nameSuffix: -mid\nresources: [../base]\n",
        PROD: "namespace: prod\nresources: [../../mid]\n"})
    assert code == 0, stderr
    objs = assert_resolves(tmp_path / "repo/overlays/prod")
    assert {o["metadata"]["name"] for o in objs if o["kind"] == "Deployment"} == {"web-mid"}


def test_two_bases_with_same_named_placeholders_in_different_namespaces(tmp_path: Path) -> None:
    files = {"cluster/kustomization.yaml": "resources: [../a, ../b]\n"}
    for ns in ("a", "b"):
        files |= {f"{ns}/kustomization.yaml": f"namespace: {ns}\nresources: [secret.yaml, deploy.yaml]\n",
                  f"{ns}/secret.yaml": SECRET.replace("app/db", f"{ns}/db"),
                  f"{ns}/deploy.yaml": DEPLOYMENT.replace("name: web", f"name: web-{ns}")}
    code, stderr = migrate(tmp_path, files)
    assert code == 0, stderr
    objs = assert_resolves(tmp_path / "repo/cluster")
    keys = {o["metadata"]["namespace"]: o["spec"]["data"][0]["remoteRef"]["key"]
            for o in objs if o["kind"] == "ExternalSecret"}
    assert keys == {"a": "a/db", "b": "b/db"}


def test_an_outer_namespace_that_merges_two_same_named_placeholders_is_an_error(
        tmp_path: Path) -> None:
    """kustomize refuses this build (ID conflict); converted, it would build, with web-b reading
    the Secret of base a."""
    files = {"cluster/kustomization.yaml": "namespace: all\nresources: [../a, ../b]\n"}
    for ns in ("a", "b"):
        files |= {f"{ns}/kustomization.yaml": f"namespace: {ns}\nresources: [secret.yaml, deploy.yaml]\n",
                  f"{ns}/secret.yaml": SECRET.replace("app/db", f"{ns}/db"),
                  f"{ns}/deploy.yaml": DEPLOYMENT.replace("name: web", f"name: web-{ns}")}
    write(tmp_path / "repo", files)
    assert kustomize_build(tmp_path / "repo/cluster").returncode != 0
    before = snapshot(tmp_path / "repo")
    code, stderr = migrate(tmp_path, files)
    assert code == 1
    assert snapshot(tmp_path / "repo") == before
    assert ("error: b/secret.yaml[0]: Secret db: the build of cluster has this object twice in "
            "namespace 'all' (also a/secret.yaml[0])") in stderr, stderr


REPLACEMENTS = """\
replacements:
  - source: {kind: Secret, name: db, fieldPath: metadata.name}
    targets:
      - select: {kind: Deployment, name: web}
        fieldPaths: [spec.template.spec.containers.0.envFrom.0.secretRef.name]
"""
VARS = """\
vars:
  - name: DB_SECRET
    objref: {kind: Secret, name: db, apiVersion: v1}
    fieldref: {fieldpath: metadata.name}
"""


@pytest.mark.parametrize(("files", "where"), [
    ({"base/kustomization.yaml": BASE["base/kustomization.yaml"] + REPLACEMENTS},
     "base/kustomization.yaml replacements"),
    ({"base/kustomization.yaml": BASE["base/kustomization.yaml"] + VARS,
      "base/deploy.yaml": DEPLOYMENT.replace("image: busybox", 'image: busybox\n'
                                             '          args: ["--secret=$(DB_SECRET)"]')},
     "base/kustomization.yaml vars"),
    ({PROD: "namespace: prod\nresources: [../../base]\nsecretGenerator:\n"
            "  - {name: db, behavior: merge, literals: [extra=1]}\n"},
     "overlays/prod/kustomization.yaml secretGenerator"),
], ids=["replacements", "vars", "merging-secretGenerator"])
def test_kustomization_entries_naming_a_replaced_secret_are_an_error(
        tmp_path: Path, files: dict[str, str], where: str) -> None:
    """Each builds before the migration; after it, kustomize would find no Secret `db`."""
    stderr = refused(tmp_path, {**BASE, PROD: "namespace: prod\nresources: [../../base]\n", **files})
    assert (f"error: {where}: names the Secret 'db', which the migration replaces by an "
            "ExternalSecret") in stderr, stderr


def test_a_replacement_writing_a_rewritten_secret_reference_is_an_error(tmp_path: Path) -> None:
    """The Secret's name comes from a ConfigMap: after eval rewrote the Deployment, the build
    would write `db` back into it, a Secret nothing creates any more."""
    tree = {**BASE, "base/kustomization.yaml": "resources: [secret.yaml, deploy.yaml, cm.yaml]\n"
                                               "replacements:\n"
                                               "  - source: {kind: ConfigMap, name: settings, "
                                               "fieldPath: data.secretName}\n"
                                               "    targets:\n"
                                               "      - select: {kind: Deployment, name: web}\n"
                                               "        fieldPaths: [spec.template.spec.containers"
                                               ".0.envFrom.0.secretRef.name]\n",
            "base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n"
                            "data: {secretName: db}\n",
            PROD: "namespace: prod\nresources: [../../base]\n"}
    write(tmp_path / "repo", tree)
    assert dangling(built(tmp_path / "repo/overlays/prod")) == []  # before the migration
    stderr = refused(tmp_path, tree)
    assert ("error: base/kustomization.yaml replacements: a replacement writes spec.template.spec."
            "containers.0.envFrom.0.secretRef.name of Deployment web, whose Secret references "
            "the migration rewrites") in stderr, stderr


def test_a_secret_generator_of_the_placeholders_name_is_left_to_kustomize(tmp_path: Path) -> None:
    """kustomize itself refuses a generated Secret next to a placeholder of the same name in one
    namespace: that root does not build before the migration. After it, the generated Secret and
    the ExternalSecret's Secret have different names, and every reference still resolves."""
    tree = {**BASE, PROD: "namespace: prod\nresources: [../../base]\n"
                          "secretGenerator:\n  - {name: db, literals: [password=x]}\n"}
    write(tmp_path / "repo", tree)
    assert kustomize_build(tmp_path / "repo/overlays/prod").returncode != 0
    shutil.rmtree(tmp_path / "repo")
    code, stderr = migrate(tmp_path, tree)
    assert code == 0, stderr
    assert_resolves(tmp_path / "repo/overlays/prod")


def test_the_checker_finds_the_dangling_store_reference_of_the_lead_report(tmp_path: Path) -> None:
    """What eval wrote before this check (written by hand here): kustomize renames the store
    listed in the overlay and leaves the ExternalSecret's reference alone."""
    write(tmp_path / "repo", {
        "base/kustomization.yaml": "resources: [es.yaml, deploy.yaml]\n",
        "base/es.yaml": "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
                        "metadata: {name: db}\nspec:\n"
                        "  secretStoreRef: {kind: ClusterSecretStore, name: aws-main}\n"
                        "  target: {name: db-1}\n",
        "base/deploy.yaml": DEPLOYMENT,
        "overlays/prod/store.yaml": "apiVersion: external-secrets.io/v1\n"
                                    "kind: ClusterSecretStore\nmetadata: {name: aws-main}\n",
        PROD: "namePrefix: prod-\nnamespace: prod\nresources: [../../base, store.yaml]\n"})
    assert dangling(built(tmp_path / "repo/overlays/prod")) == [
        "Deployment prod/prod-web -> Secret db",
        "ExternalSecret prod/prod-db -> ClusterSecretStore aws-main"]
