"""`secret-sync eval`: the transformation over a commented, multi-file tree on disk.

The promise under test: in place, eval changes only what it must. Untouched files keep their
bytes, a workload file differs only in the lines that name the replaced Secret, comments survive,
the placeholder's file holds the ExternalSecret, the store gets a file of its own; `--diff` and
`--output` leave the source alone, an error writes nothing, and a second run changes nothing.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from conftest import SECRET_SYNC

from krm_fn import evalcmd

CONFIG = """\
apiVersion: secret-sync.dev/v1alpha1
kind: SecretSync
metadata:
  name: secrets
spec:
  defaultStore: aws-main
  stores:
    - name: aws-main
      kind: ClusterSecretStore
      provider: {aws: {service: SecretsManager, region: eu-west-1}}
  naming: {strategy: suffix, suffix: -eso}
"""

SECRETS = """\
# Secrets of the shop, managed in AWS Secrets Manager.
---
# The database credentials: a placeholder, no values in Git.
apiVersion: v1
kind: Secret
metadata:
  name: app-db
  namespace: shop
  labels:
    app.kubernetes.io/name: shop   # same label as the app
  annotations:
    secret-sync.dev/remote-key: prod/shop/db
type: Opaque
stringData:
  username: ""   # property "username"
  password: ""
---
# Not a placeholder: a plain ConfigMap in the same file stays as written.
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-flags
  namespace: shop
data:
  beta: on      # unquoted on: a bool to kubectl (YAML 1.1), a string to kustomize
  mode: '0400'
"""

WORKLOADS = """\
# The shop API and its service.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-api
  namespace: shop
spec:
  replicas: 2 # two pods
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
      - name: api
        image: "ghcr.io/example/shop-api:1.8.0"   # pinned
        args: [--listen, ":8080", --verbose=on]
        env:
          - name: DB_USER
            valueFrom:
              secretKeyRef:
                name: app-db     # the placeholder's name
                key: username
          - name: DB_PASSWORD
            valueFrom:
              secretKeyRef: {name: app-db, key: password}
        envFrom:
          - secretRef:
              name: 'app-db'
      volumes:
        - name: creds
          secret:
            secretName: "app-db"   # quoted on purpose
            defaultMode: 0400
---
# Public entry point; secret-sync has nothing to do here.
apiVersion: v1
kind: Service
metadata:
  name: shop-api
  namespace: shop
spec:
  selector: {app: shop}
  ports:
    - port: 80      # public
      targetPort: 8080
"""

CRONJOB = """\
# Nightly report.
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly-report
  namespace: shop
spec:
  schedule: "0 3 * * *"   # 03:00 UTC
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: report
              image: busybox:1.36
              envFrom:
                - secretRef:
                    name: app-db
"""

TRICKY = """\
# Settings that have nothing to do with secrets. Every scalar here is a trap for a YAML
# library that resolves types: an unquoted on, an octal-looking number, 1.10, a date.
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings   # keep
  namespace: shop
data:
  feature: on
  permissions: 0400
  version: 1.10
  quoted: "yes"
  single: 'no'
  date: 2026-11-28
  empty: ""
  script: |
    #!/bin/sh
    echo "app-db is a word in a script, not a reference"
"""

KUSTOMIZATION = """\
# Build config, not a resource: eval leaves it alone.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [secrets.yaml, workloads.yaml, cronjob.yaml]
"""


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root, {
        "shop/secrets.yaml": SECRETS,
        "shop/workloads.yaml": WORKLOADS,
        "shop/cronjob.yaml": CRONJOB,
        "shop/kustomization.yaml": KUSTOMIZATION,
        "config/settings.yml": TRICKY,
        "README.md": "not YAML, not read\n",
        # Hidden directories are not read: this would be an error otherwise.
        ".github/broken.yaml": "key: [unclosed\n",
    })
    (tmp_path / "cfg.yaml").write_text(CONFIG)
    return root


def eval_(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SECRET_SYNC, "eval", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def checksum(root: Path) -> str:
    h = hashlib.sha256()
    for rel, data in snapshot(root).items():
        h.update(rel.encode() + b"\0" + data + b"\0")
    return h.hexdigest()


def docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    """Pairs (old line, new line) of every line that differs; fails if lines were added or
    removed (an in-place scalar edit never changes the line count)."""
    old, new = before.splitlines(), after.splitlines()
    pairs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new).get_opcodes():
        if op == "equal":
            continue
        assert op == "replace" and i2 - i1 == j2 - j1, (op, old[i1:i2], new[j1:j2])
        pairs.extend(zip(old[i1:i2], new[j1:j2], strict=True))
    return pairs


def comments(text: str) -> list[str]:
    return re.findall(r"#.*", text)


def squeeze(line: str) -> str:
    return re.sub(r"\s+", " ", line)


def assert_only_references_changed(before: str, after: str, expected: int) -> None:
    pairs = changed_lines(before, after)
    assert len(pairs) == expected, pairs
    for old, new in pairs:
        assert "app-db" in old
        # Same line with the new name; only the padding before an aligned comment may shrink.
        assert squeeze(new) == squeeze(re.sub(r"\bapp-db\b", "app-db-eso", old)), (old, new)
    assert comments(after) == comments(before)


# --- in place ---------------------------------------------------------------------------------------

def test_in_place_changes_only_what_it_must(repo: Path) -> None:
    before = snapshot(repo)
    run = eval_(".", "--config", "../cfg.yaml", "--in-place", cwd=repo)
    assert run.returncode == 0, run.stderr
    after = snapshot(repo)

    # Files without a change keep every byte.
    for rel in ("config/settings.yml", "README.md", ".github/broken.yaml"):
        assert after[rel] == before[rel], rel
    # The kustomization only gains the store its build now needs, at the end of its list.
    assert after["shop/kustomization.yaml"].decode() == KUSTOMIZATION.replace(
        "cronjob.yaml]", "cronjob.yaml, clustersecretstore_aws-main.yaml]")

    # Workloads: only the four lines that name the Secret differ, comments included.
    assert_only_references_changed(WORKLOADS, after["shop/workloads.yaml"].decode(), 4)
    assert_only_references_changed(CRONJOB, after["shop/cronjob.yaml"].decode(), 1)
    workloads = after["shop/workloads.yaml"].decode()
    assert "name: 'app-db-eso'" in workloads and 'secretName: "app-db-eso"' in workloads
    assert "{name: app-db-eso, key: password}" in workloads

    # The placeholder's file: header comment, then the ExternalSecret where the Secret was, then
    # the ConfigMap, byte for byte.
    secrets = after["shop/secrets.yaml"].decode()
    assert secrets.startswith("# Secrets of the shop, managed in AWS Secrets Manager.\n---\n")
    assert secrets.endswith(SECRETS[SECRETS.index("---\n# Not a placeholder"):])
    es, cm = docs(repo / "shop/secrets.yaml")
    assert (es["apiVersion"], es["kind"]) == ("external-secrets.io/v1", "ExternalSecret")
    assert es["metadata"]["name"] == "app-db-eso"
    assert es["spec"]["target"]["name"] == "app-db-eso"
    assert es["spec"]["secretStoreRef"] == {"name": "aws-main", "kind": "ClusterSecretStore"}
    assert {d["remoteRef"]["key"] for d in es["spec"]["data"]} == {"prod/shop/db"}
    assert cm["metadata"]["name"] == "shop-flags"

    # The store has a file of its own, in the directory of the build that uses it; nothing else
    # is new.
    assert sorted(set(after) - set(before)) == ["shop/clustersecretstore_aws-main.yaml"]
    (store,) = docs(repo / "shop/clustersecretstore_aws-main.yaml")
    assert store["kind"] == "ClusterSecretStore"
    assert store["metadata"]["name"] == "aws-main" and "namespace" not in store["metadata"]

    # kpt's internal annotations never reach a file.
    assert not [rel for rel, data in after.items() if b"internal.config.kubernetes.io" in data]
    assert "updated shop/workloads.yaml" in run.stderr


def test_second_run_changes_nothing(repo: Path) -> None:
    first = eval_(".", "--config", "../cfg.yaml", "--in-place", cwd=repo)
    assert first.returncode == 0, first.stderr
    migrated = snapshot(repo)
    again = eval_(".", "--config", "../cfg.yaml", "--in-place", cwd=repo)
    assert again.returncode == 0, again.stderr
    assert snapshot(repo) == migrated
    diff = eval_(".", "--config", "../cfg.yaml", "--diff", cwd=repo)
    assert (diff.returncode, diff.stdout) == (0, "")


# --- dry runs -----------------------------------------------------------------------------------------

def test_diff_prints_a_git_diff_and_writes_nothing(repo: Path, tmp_path: Path) -> None:
    before = checksum(repo)
    run = eval_("repo", "--config", "cfg.yaml", "--diff", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert checksum(repo) == before
    out = run.stdout
    assert "diff --git a/repo/shop/workloads.yaml b/repo/shop/workloads.yaml\n" in out
    assert "--- a/repo/shop/workloads.yaml\n+++ b/repo/shop/workloads.yaml\n" in out
    assert "-                name: app-db     # the placeholder's name\n" in out
    assert "+                name: app-db-eso # the placeholder's name\n" in out
    assert ("new file mode 100644\n--- /dev/null\n+++ b/repo/shop/clustersecretstore_aws-main.yaml\n"
            in out)
    # The kustomization lists the new store: that shows in the diff too.
    assert "+resources: [secrets.yaml, workloads.yaml, cronjob.yaml, clustersecretstore_aws-main.yaml]\n" in out
    assert "settings.yml" not in out

    # The diff is exactly what --in-place does: git applies it to the same bytes.
    if shutil.which("git") is None:
        pytest.skip("git is not installed: cannot check the diff applies")
    applied = tmp_path / "applied"
    shutil.copytree(repo, applied / "repo")
    subprocess.run(["git", "apply", "-"], input=out, cwd=applied, check=True, text=True)
    assert eval_("repo", "--config", "cfg.yaml", "--in-place", cwd=tmp_path).returncode == 0
    assert snapshot(applied / "repo") == snapshot(repo)


def test_output_dir_leaves_the_source_untouched(repo: Path, tmp_path: Path) -> None:
    before = snapshot(repo)
    run = eval_("repo", "--config", "cfg.yaml", "--output", "migrated", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert snapshot(repo) == before
    out = snapshot(tmp_path / "migrated")
    # The whole tree, hidden directories aside, as --in-place would leave it.
    assert eval_("repo", "--config", "cfg.yaml", "--in-place", cwd=tmp_path).returncode == 0
    in_place = {k: v for k, v in snapshot(repo).items() if not k.startswith(".")}
    assert out == in_place


def test_without_a_mode_prints_the_stream(repo: Path, tmp_path: Path) -> None:
    before = checksum(repo)
    run = eval_("repo", "--config", "cfg.yaml", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert checksum(repo) == before
    objects = [d for d in yaml.safe_load_all(run.stdout) if d is not None]
    kinds = sorted(f"{d['kind']}/{d['metadata']['name']}" for d in objects if "metadata" in d)
    assert kinds == ["ClusterSecretStore/aws-main", "ConfigMap/settings", "ConfigMap/shop-flags",
                     "CronJob/nightly-report", "Deployment/shop-api", "ExternalSecret/app-db-eso",
                     "Service/shop-api"]
    assert "# the placeholder's name" in run.stdout  # comments come along
    assert "internal.config.kubernetes.io" not in run.stdout


# --- errors ---------------------------------------------------------------------------------------------

def test_function_error_writes_nothing(repo: Path, tmp_path: Path) -> None:
    path = repo / "shop/secrets.yaml"
    path.write_text(SECRETS.replace('password: ""', 'password: "hunter2"'))
    before = checksum(repo)
    run = eval_("repo", "--config", "cfg.yaml", "--in-place", cwd=tmp_path)
    assert run.returncode == 1
    assert checksum(repo) == before
    assert run.stdout == ""
    assert run.stderr.startswith("secret-sync: error: shop/secrets.yaml[0]: Secret shop/app-db: ")
    assert "hunter2" not in run.stderr


CFG = ["--config", "cfg.yaml"]


@pytest.mark.parametrize(("files", "args", "message"), [
    ({"shop/broken.yaml": "kind: Pod\nmetadata: {name: x\n  labels: [\n"}, CFG,
     "secret-sync: error: shop/broken.yaml: not valid YAML"),
    ({"shop/latin1.yaml": "data: caf\xe9\n"}, CFG,
     "secret-sync: error: shop/latin1.yaml: not a YAML file: not UTF-8"),
    ({}, ["--config", "missing.yaml"], "secret-sync: error: --config missing.yaml: cannot read"),
    ({}, ["--config", "repo/README.md"], "secret-sync: error: --config repo/README.md: expected"),
    ({}, [], "secret-sync: error: eval needs the function config: --config FILE"),
], ids=["not-yaml", "not-utf8", "config-missing", "config-not-an-object", "no-config"])
def test_input_errors_name_the_file_and_write_nothing(
        repo: Path, tmp_path: Path, files: dict[str, str], args: list[str], message: str) -> None:
    for rel, text in files.items():
        (repo / rel).write_bytes(text.encode("latin-1"))
    before = checksum(repo)
    run = eval_("repo", *args, "--in-place", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert run.stderr.startswith(message), run.stderr
    assert checksum(repo) == before


# --- configs and inputs -------------------------------------------------------------------------------

def test_configmap_config_inside_the_tree_is_not_an_item(repo: Path) -> None:
    config = textwrap.dedent("""\
        # kpt fn eval --fn-config style
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: function-input
        data:
          defaultStore: aws-main
          provider: "aws: {service: SecretsManager, region: eu-west-1}"
          naming: suffix
          suffix: -eso
        """)
    (repo / "fn-config.yaml").write_text(config)
    run = eval_("shop", "config", "fn-config.yaml", "--config", "fn-config.yaml", "--in-place",
                cwd=repo)
    assert run.returncode == 0, run.stderr
    assert (repo / "fn-config.yaml").read_text() == config
    assert docs(repo / "shop/secrets.yaml")[0]["metadata"]["name"] == "app-db-eso"
    assert (repo / "shop/clustersecretstore_aws-main.yaml").exists()


def test_kes_object_file_is_converted_in_place(tmp_path: Path) -> None:
    kes = pytest.importorskip("krm_fn.kes", reason="KES conversion (krm_fn.kes) is not importable")
    if not hasattr(kes, "convert"):
        pytest.skip("krm_fn.kes has no convert() yet (KES support is written separately)")
    root = tmp_path / "legacy"
    write(root, {
        "db.yaml": textwrap.dedent("""\
            # Legacy KES object; ESO replaces it.
            apiVersion: kubernetes-client.io/v1
            kind: ExternalSecret
            metadata:
              name: legacy-db
              namespace: shop
            spec:
              backendType: secretsManager
              region: eu-west-1
              data:
                - key: prod/legacy/db
                  name: password
                  property: password
            """),
        "app.yaml": textwrap.dedent("""\
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: legacy-api
              namespace: shop
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      image: busybox
                      envFrom:
                        - secretRef:
                            name: legacy-db   # the Secret KES writes
            """),
    })
    (tmp_path / "kes.yaml").write_text(textwrap.dedent("""\
        apiVersion: secret-sync.dev/v1alpha1
        kind: SecretSync
        metadata: {name: migrate}
        spec:
          naming: {strategy: suffix, suffix: -eso}
          kes: {enabled: true}
        """))
    app_before = (root / "app.yaml").read_text()
    run = eval_("legacy", "--config", "kes.yaml", "--in-place", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    (es,) = docs(root / "db.yaml")
    assert (es["apiVersion"], es["kind"]) == ("external-secrets.io/v1", "ExternalSecret")
    assert es["metadata"]["name"] == "legacy-db-eso"
    assert es["spec"]["data"][0]["remoteRef"]["key"] == "prod/legacy/db"
    pairs = changed_lines(app_before, (root / "app.yaml").read_text())
    assert [squeeze(new).strip() for _, new in pairs] == [
        "name: legacy-db-eso # the Secret KES writes"]
    stores = [p.name for p in root.glob("clustersecretstore_*.yaml")]
    assert len(stores) == 1, stores
    snap = snapshot(root)
    assert eval_("legacy", "--config", "kes.yaml", "--in-place", cwd=tmp_path).returncode == 0
    assert snapshot(root) == snap


# --- the pieces -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    SECRETS, WORKLOADS, "", "# only a comment\n", "---\n", "a: 1\n...\n---\nb: 2\n",
    "%YAML 1.2\n---\na: 1\n", "a: |\n  ---not a marker\n---\nb: 2", "a: 1\r\n---\r\nb: 2\r\n",
])
def test_split_documents_gives_the_text_back(text: str) -> None:
    assert "".join(evalcmd.split_documents(text)) == text


def test_split_documents_cuts_at_markers() -> None:
    assert evalcmd.split_documents("# head\n---\na: 1\n--- # two\nb: 2\n...\nc: 3\n") == [
        "# head\n", "---\na: 1\n", "--- # two\nb: 2\n...\n", "c: 3\n"]


@pytest.mark.parametrize(("before", "after"), [
    ("name: app-db\n", "name: app-db-eso\n"),
    ("name: 'app-db'   # q\n", "name: 'app-db-eso' # q\n"),
    ('name: "app-db"\n', 'name: "app-db-eso"\n'),
    ("ref: {name: app-db, key: k}  # flow\n", "ref: {name: app-db-eso, key: k}  # flow\n"),
    ("names: [x, app-db]\n", "names: [x, app-db-eso]\n"),
    ("name: &n app-db\n", "name: &n app-db-eso\n"),
    ("name: !!str app-db\n", "name: !!str app-db-eso\n"),
    ("name:\n  app-db\n", "name:\n  app-db-eso\n"),
])
def test_edit_replaces_only_the_scalar(before: str, after: str) -> None:
    old = yaml.safe_load(before)
    path = ("names", 1) if "names" in old else (("ref", "name") if "ref" in old else ("name",))
    changes = [evalcmd.Change(path, "app-db-eso", leaf=True)]
    where = evalcmd.FileRef("f.yaml", 0)
    assert evalcmd.edit_document(before, old, changes, where) == after


def test_edit_keeps_the_value_safe_to_read() -> None:
    # A new value that would read as a boolean under YAML 1.1 is quoted, not written plain.
    changes = [evalcmd.Change(("name",), "on", leaf=True)]
    out = evalcmd.edit_document("name: app-db\n", {"name": "app-db"}, changes,
                                evalcmd.FileRef("f.yaml", 0))
    assert out == 'name: "on"\n'


def test_function_path_does_not_import_ruamel() -> None:
    rl = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"
    code = ("import sys; from krm_fn import cli; rc = cli.main([]); "
            "loaded = [m for m in sys.modules if m.startswith('ruamel')]; "
            "assert not loaded, loaded; sys.exit(rc)")
    run = subprocess.run([sys.executable, "-c", code], input=rl, capture_output=True, text=True,
                         timeout=60, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    assert run.returncode == 0, run.stderr


def test_crlf_and_byte_order_mark_survive_an_edit(repo: Path) -> None:
    pod = ("apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p\r\n  namespace: shop\r\n"
           "spec:\r\n  imagePullSecrets:\r\n  - name: app-db   # pull\r\n")
    (repo / "shop/pod.yaml").write_bytes(b"\xef\xbb\xbf" + pod.encode())
    # Listed by the shop's kustomization: in the same build as the placeholder it refers to.
    (repo / "shop/kustomization.yaml").write_text(
        KUSTOMIZATION.replace("cronjob.yaml]", "cronjob.yaml, pod.yaml]"))
    run = eval_(".", "--config", "../cfg.yaml", "--in-place", cwd=repo)
    assert run.returncode == 0, run.stderr
    assert (repo / "shop/pod.yaml").read_bytes() == b"\xef\xbb\xbf" + pod.replace(
        "name: app-db   # pull", "name: app-db-eso # pull").encode()
