"""`secret-sync eval` on a repository root laid out like real GitOps repositories
(testdata/eval-repo, its README says what it models).

The oracle is the real `kubectl kustomize`: after `eval --in-place`, building each overlay must give
the same objects, by meaning, as building the untouched overlay with the function declared in it.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from buildrefs import dangling
from conftest import REPO, kustomize_build
from test_eval import eval_, snapshot, write

CASE = REPO / "testdata" / "eval-repo"
SHOP_OVERLAYS = ("dev", "staging", "prod")
BILLING = "apps/billing/overlays/prod"
# kustomize's own build annotations: bookkeeping, not part of an object's meaning.
BUILD_ANNOTATION_PREFIXES = ("config.kubernetes.io/", "internal.config.kubernetes.io/",
                             "config.k8s.io/", "kustomize.config.k8s.io/")


def declare_function(overlay: Path) -> None:
    """What the error message tells the user to do: declare secret-sync in that overlay."""
    config = yaml.safe_load((CASE / "secret-sync.yaml").read_text())
    config["metadata"]["annotations"] = {
        "config.kubernetes.io/function": "container:\n  image: localhost/secret-sync:dev\n"}
    (overlay / "secret-sync.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    with (overlay / "kustomization.yaml").open("a") as fh:
        fh.write("transformers:\n  - secret-sync.yaml\n")


def meaning(built: str) -> list[Any]:
    """The build's objects without kustomize's annotations, in a fixed order. A ClusterSecretStore
    loses the namespace kustomize's namespace transformer gives every kind it does not know: the
    API server (and Argo CD) drop it on cluster-scoped objects."""
    out = []
    for doc in yaml.safe_load_all(built):
        if not doc:
            continue
        meta = doc.setdefault("metadata", {})
        ann = {k: v for k, v in (meta.pop("annotations", None) or {}).items()
               if not k.startswith(BUILD_ANNOTATION_PREFIXES)}
        if ann:
            meta["annotations"] = ann
        if doc.get("kind") == "ClusterSecretStore":
            meta.pop("namespace", None)
        out.append(doc)
    return sorted(out, key=lambda d: (d["apiVersion"], d["kind"], d["metadata"].get("namespace", ""),
                                      d["metadata"]["name"]))


def build(path: Path) -> list[Any]:
    proc = kustomize_build(path)
    assert proc.returncode == 0, proc.stderr
    return meaning(proc.stdout)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    shutil.copytree(CASE, tmp_path / "case")
    return tmp_path / "case"


def test_patched_base_is_a_clear_error_and_nothing_is_written(work: Path) -> None:
    before = snapshot(work / "repo")
    run = eval_("repo", "--config", "secret-sync.yaml", "--in-place", cwd=work)
    assert run.returncode == 1
    assert snapshot(work / "repo") == before
    (line,) = [x for x in run.stderr.splitlines() if ": error: " in x]
    assert "apps/billing/base/kes.yaml[0]: ExternalSecret billing-db" in line
    assert "apps/billing/overlays/prod/add-data.yaml" in line          # the patch
    assert f"Declare the secret-sync function in {BILLING}" in line    # the way out
    assert "Traceback" not in run.stderr


def test_every_overlay_builds_as_with_the_function_declared_in_it(work: Path, tmp_path: Path) -> None:
    declare_function(work / "repo" / BILLING)  # as the error of the test above says
    oracle = tmp_path / "oracle"
    shutil.copytree(work / "repo", oracle)
    for env in SHOP_OVERLAYS:
        declare_function(oracle / "apps/shop/overlays" / env)

    run = eval_("repo", "--config", "secret-sync.yaml", "--in-place", cwd=work)
    assert run.returncode == 0, run.stderr
    assert f"{BILLING}: the build declares the secret-sync function itself" in run.stderr
    assert "the files no kustomization lists (2) were converted together" in run.stderr

    for overlay in [f"apps/shop/overlays/{env}" for env in SHOP_OVERLAYS] + [BILLING]:
        got, want = build(work / "repo" / overlay), build(oracle / overlay)
        assert got == want, overlay
        # And every reference of the eval'd build resolves (tests/buildrefs.py).
        assert dangling(kustomize_build(work / "repo" / overlay).stdout) == [], overlay

    # Same-named KES objects without a namespace: each overlay's Deployment names its own.
    names = {env: next(o for o in build(work / "repo/apps/shop/overlays" / env)
                   if o["kind"] == "Deployment")["spec"]["template"]["spec"]["containers"][0]
             ["env"][0]["valueFrom"]["secretKeyRef"]["name"] for env in SHOP_OVERLAYS}
    assert len(set(names.values())) == 3, names

    # The files no kustomization lists are one more universe.
    pod = yaml.safe_load((work / "repo/tools/debug-pod.yaml").read_text())
    es = yaml.safe_load((work / "repo/tools/secret.yaml").read_text())
    assert pod["spec"]["containers"][0]["envFrom"][0]["secretRef"]["name"] == es["metadata"]["name"]

    # A second run changes nothing.
    migrated = snapshot(work / "repo")
    again = eval_("repo", "--config", "secret-sync.yaml", "--in-place", cwd=work)
    assert again.returncode == 0, again.stderr
    assert snapshot(work / "repo") == migrated


def test_migrated_files_hold_only_the_migration(work: Path) -> None:
    declare_function(work / "repo" / BILLING)
    repo = work / "repo"
    crd = (repo / "apps/shop/base/widgets-crd.yaml").read_bytes()
    kustomization = (repo / "apps/shop/overlays/prod/kustomization.yaml").read_text()
    run = eval_("repo", "--config", "secret-sync.yaml", "--in-place", cwd=work)
    assert run.returncode == 0, run.stderr
    assert "warning" not in run.stderr  # every edit made in place, flow sequence included
    # The controller-gen CRD is read (lenient reader) and left byte for byte.
    assert (repo / "apps/shop/base/widgets-crd.yaml").read_bytes() == crd
    # The replaced placeholder's file keeps its leading `---` and the comment above it.
    secrets = (repo / "apps/shop/base/secrets.yaml").read_text()
    assert secrets.startswith("---\n# The token every environment shares: a placeholder, no "
                              "value in Git, no namespace (the\n# overlays set it).\n"
                              "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n")
    assert "namespace" not in yaml.safe_load(secrets)["metadata"]  # the overlays set it
    # The flow sequence with `]` at its key's indentation survives an edit of its document.
    deployment = (repo / "apps/shop/overlays/prod/deployment.yaml").read_text()
    assert '          args: [\n            "--port=8080",\n            "--env=prod"\n          ]\n' \
        in deployment
    # The store files are added to the overlay's resources, the rest of the file as it was.
    assert (repo / "apps/shop/overlays/prod/kustomization.yaml").read_text() == kustomization + (
        "  - clustersecretstore_aws-main.yaml\n"
        "  - clustersecretstore_kes-secretsmanager-280d56d9.yaml\n")
    # The staging `$patch: delete` file is a patch, not an object: untouched.
    assert "$patch: delete" in (repo / "apps/shop/overlays/staging/drop-metrics-token.yaml").read_text()


# --- small repositories for one rule each --------------------------------------------------------------

HASH_CONFIG = """\
apiVersion: secret-sync.dev/v1alpha1
kind: SecretSync
metadata: {name: s}
spec:
  kes: {enabled: true}
"""


def kes(name: str, key: str) -> str:
    return textwrap.dedent(f"""\
        apiVersion: kubernetes-client.io/v1
        kind: ExternalSecret
        metadata:
          name: {name}
        spec:
          backendType: secretsManager
          region: eu-west-1
          data:
            - key: {key}
              name: password
        """)


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: busybox
          envFrom:
            - secretRef:
                name: db
"""


def overlay(namespace: str, *extra: str) -> str:
    lines = [f"namespace: {namespace}", "resources:", "  - ../../base", *[f"  - {e}" for e in extra]]
    return "\n".join(lines) + "\n"


def test_a_shared_file_that_roots_would_edit_differently_is_an_error(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, {
        "app/base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "app/base/deployment.yaml": DEPLOYMENT,
        "app/overlays/a/kustomization.yaml": overlay("a", "kes.yaml"),
        "app/overlays/a/kes.yaml": kes("db", "a/db"),
        "app/overlays/b/kustomization.yaml": overlay("b", "kes.yaml"),
        "app/overlays/b/kes.yaml": kes("db", "b/db"),
    })
    (tmp_path / "cfg.yaml").write_text(HASH_CONFIG)
    before = snapshot(root)
    run = eval_("repo", "--config", "cfg.yaml", "--in-place", cwd=tmp_path)
    assert run.returncode == 1
    assert snapshot(root) == before
    (line,) = [x for x in run.stderr.splitlines() if ": error: " in x]
    assert "error: app/base/deployment.yaml[0]: Deployment api: the builds that include" in line
    assert "build app/overlays/a: spec.template.spec.containers.0.envFrom.0.secretRef.name: db-" in line
    assert "build app/overlays/b: spec.template.spec.containers.0.envFrom.0.secretRef.name: db-" in line
    assert "declare the secret-sync function in those builds" in line


def test_same_name_without_namespace_in_two_overlays_gets_each_its_own_reference(
        tmp_path: Path) -> None:
    """Issue #9's first report: both Deployments were rewritten to one overlay's name, exit 0."""
    root = tmp_path / "repo"
    files = {}
    for env in ("prod", "staging"):
        files[f"overlays/{env}/kustomization.yaml"] = (
            f"namespace: shop-{env}\nresources: [kes.yaml, deployment.yaml]\n")
        files[f"overlays/{env}/kes.yaml"] = kes("db", f"{env}/db")
        files[f"overlays/{env}/deployment.yaml"] = DEPLOYMENT
    write(root, files)
    (tmp_path / "cfg.yaml").write_text(HASH_CONFIG)
    run = eval_("repo", "--config", "cfg.yaml", "--in-place", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    for env in ("prod", "staging"):
        es = yaml.safe_load((root / f"overlays/{env}/kes.yaml").read_text())
        ref = yaml.safe_load((root / f"overlays/{env}/deployment.yaml").read_text())
        assert ref["spec"]["template"]["spec"]["containers"][0]["envFrom"][0]["secretRef"][
            "name"] == es["spec"]["target"]["name"], env


def test_keep_true_puts_each_external_secret_after_its_kes_object(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, {"kes.yaml": "---\n# first\n" + kes("one", "k/1") + "---\n" + kes("two", "k/2")})
    (tmp_path / "cfg.yaml").write_text(HASH_CONFIG.replace("{enabled: true}",
                                                           "{enabled: true, keep: true}"))
    run = eval_("repo", "--config", "cfg.yaml", "--in-place", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    text = (root / "kes.yaml").read_text()
    assert text.startswith("---\n# first\n" + kes("one", "k/1") + "---\n")
    objs = list(yaml.safe_load_all(text))
    assert [(o["apiVersion"].split("/")[0], o["metadata"]["name"][:3]) for o in objs] == [
        ("kubernetes-client.io", "one"), ("external-secrets.io", "one"),
        ("kubernetes-client.io", "two"), ("external-secrets.io", "two")]


def test_every_problem_of_the_run_is_reported_at_once(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, {
        "a/kustomization.yaml": "resources: [s.yaml]\n",
        "a/s.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n  annotations:\n"
                    "    secret-sync.dev/remote-key: k\nstringData:\n  p: not-empty\n",
        "b/kustomization.yaml": "resources: [s.yaml]\n",
        "b/s.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: y\n  annotations:\n"
                    "    secret-sync.dev/remote-key: k\nstringData:\n  q: also-not-empty\n",
        "broken-1.yaml": "a: [1,\n",
        "broken-2.yaml": "a: 1\n  b: 2\n",
    })
    (tmp_path / "cfg.yaml").write_text(HASH_CONFIG.replace("spec:\n", "spec:\n  defaultStore: x\n"
                                       "  stores: [{name: x, kind: ClusterSecretStore, provider: "
                                       "{fake: {}}}]\n"))
    before = snapshot(root)
    run = eval_("repo", "--config", "cfg.yaml", "--in-place", cwd=tmp_path)
    assert run.returncode == 1
    assert snapshot(root) == before
    errors = [x for x in run.stderr.splitlines() if ": error: " in x]
    assert [e.split(": error: ")[1].split(":")[0] for e in errors] == ["broken-1.yaml",
                                                                       "broken-2.yaml"]
    # The files read, the function runs over each build; both builds' problems come together.
    write(root, {"broken-1.yaml": "a: 1\n", "broken-2.yaml": "a: 2\n"})
    run = eval_("repo", "--config", "cfg.yaml", "--in-place", cwd=tmp_path)
    assert run.returncode == 1
    assert "a/s.yaml[0]" in run.stderr and "b/s.yaml[0]" in run.stderr
    assert "not-empty" not in run.stderr


@pytest.mark.parametrize(("text", "position"), [
    ("a: 1\nb: [1,\n", "line 3, column 1"),
    ("a: 1\n  b: 2\n", "line 2, column 4"),
    ("key: value\n\tother: 1\n", "line 2, column 1"),
])
def test_syntax_errors_give_the_line_and_column_of_the_offending_text(
        tmp_path: Path, text: str, position: str) -> None:
    write(tmp_path / "repo", {"bad.yaml": text})
    (tmp_path / "cfg.yaml").write_text(HASH_CONFIG)
    run = eval_("repo", "--config", "cfg.yaml", "--diff", cwd=tmp_path)
    assert run.returncode == 1
    assert "secret-sync: error: bad.yaml: not valid YAML: " in run.stderr
    assert position in run.stderr, run.stderr


def test_a_name_collision_names_both_documents(tmp_path: Path) -> None:
    """Two same-named KES objects that no kustomization separates: one universe, one name."""
    root = tmp_path / "repo"
    write(root, {"prod/kes.yaml": kes("db", "prod/db"), "staging/kes.yaml": kes("db", "staging/db")})
    (tmp_path / "cfg.yaml").write_text(HASH_CONFIG.replace(
        "spec:\n", "spec:\n  naming: {strategy: suffix, suffix: -eso}\n"))
    run = eval_("repo", "--config", "cfg.yaml", "--diff", cwd=tmp_path)
    assert run.returncode == 1
    assert ("error: staging/kes.yaml[0]: ExternalSecret db: field metadata.name: generated name "
            "'db-eso' collides with the one generated for ExternalSecret db (prod/kes.yaml[0])"
            in run.stderr), run.stderr


def test_a_patch_naming_a_renamed_secret_is_an_error_not_a_stale_reference(tmp_path: Path) -> None:
    """eval does not edit patches: an overlay patch that puts `db` back into the Deployment would
    leave a reference to a Secret nothing creates."""
    root = tmp_path / "repo"
    write(root, {
        "app/base/kustomization.yaml": "resources: [deployment.yaml, kes.yaml]\n",
        "app/base/deployment.yaml": DEPLOYMENT,
        "app/base/kes.yaml": kes("db", "app/db"),
        "app/overlays/prod/kustomization.yaml": overlay("prod") + "patches:\n  - path: env.yaml\n",
        "app/overlays/prod/env.yaml": textwrap.dedent("""\
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: api
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      env:
                        - name: DB_PASSWORD
                          valueFrom:
                            secretKeyRef: {name: db, key: password}
            """),
    })
    (tmp_path / "cfg.yaml").write_text(HASH_CONFIG)
    before = snapshot(root)
    run = eval_("repo", "--config", "cfg.yaml", "--in-place", cwd=tmp_path)
    assert run.returncode == 1
    assert snapshot(root) == before
    assert ("error: app/overlays/prod/env.yaml: this patch names the Secret 'db', which the "
            "migration renames" in run.stderr), run.stderr
    assert "Declare the secret-sync function in app/overlays/prod" in run.stderr


def test_a_failing_build_does_not_make_its_shared_files_disagree(tmp_path: Path) -> None:
    """Overlay b fails on its own file; the base it shares with a is not reported as a conflict."""
    root = tmp_path / "repo"
    write(root, {
        "app/base/kustomization.yaml": "resources: [deployment.yaml, kes.yaml]\n",
        "app/base/deployment.yaml": DEPLOYMENT,
        "app/base/kes.yaml": kes("db", "app/db"),
        "app/overlays/a/kustomization.yaml": overlay("a"),
        "app/overlays/b/kustomization.yaml": overlay("b", "broken.yaml"),
        "app/overlays/b/broken.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n"
                                      "  annotations:\n    secret-sync.dev/remote-key: k\n"
                                      "stringData:\n  p: not-empty\n",
    })
    (tmp_path / "cfg.yaml").write_text(HASH_CONFIG)
    run = eval_("repo", "--config", "cfg.yaml", "--in-place", cwd=tmp_path)
    assert run.returncode == 1
    errors = [x for x in run.stderr.splitlines() if ": error: " in x]
    assert errors and all("app/overlays/b/broken.yaml[0]" in e for e in errors), errors
    assert "different edits" not in run.stderr


def test_a_collision_with_an_input_object_names_both_documents(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, {
        "a.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations:\n"
                  "    secret-sync.dev/remote-key: k\n",
        "b.yaml": "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n"
                  "  name: db-eso\nspec: {}\n",
    })
    (tmp_path / "cfg.yaml").write_text(
        "apiVersion: secret-sync.dev/v1alpha1\nkind: SecretSync\nmetadata: {name: s}\nspec:\n"
        "  defaultStore: x\n  stores: [{name: x, kind: ClusterSecretStore, provider: "
        "{fake: {}}}]\n  naming: {strategy: suffix, suffix: -eso}\n")
    run = eval_("repo", "--config", "cfg.yaml", "--diff", cwd=tmp_path)
    assert run.returncode == 1
    assert ("error: b.yaml[0]: ExternalSecret db-eso: field metadata.name: generated "
            "ExternalSecret 'db-eso' (a.yaml[0]) collides with an object of the same name"
            in run.stderr), run.stderr
