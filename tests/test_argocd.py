"""examples/argocd: the CMP generate command run the way Argo CD runs it, and both install routes
emulated with podman from the manifests that `kubectl apply -k` would create.

Argo CD itself is not run here. The pod emulation takes the rendered Deployment patch at its word:
the init container's image, command and volume mounts are run as written (an emptyDir becomes a
world-writable host directory), then the consuming container's mounts (subPaths included) are
applied to a container that has no Python at all, like the stock repo-server image.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import textwrap
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import (
    BIN,
    REPO,
    SMALL_RESOURCE_LIST,
    built_image,
    podman,
    run_fn,
    skip_without_container_tools,
    write_container_app,
)

KUBECTL = str(BIN / "kubectl") if (BIN / "kubectl").exists() else "kubectl"
EXAMPLES = REPO / "examples"
ARGO = EXAMPLES / "argocd"
GENERATE = REPO / "scripts" / "argocd-cmp-generate"
IMAGE = "localhost/secret-sync:dev"

needs_container = skip_without_container_tools("the Argo CD pod emulation needs the image")

ARGOCD_ENV = {
    "ARGOCD_APP_NAME": "shop-prod",
    "ARGOCD_APP_NAMESPACE": "shop-prod",
    "ARGOCD_APP_PROJECT_NAME": "default",
    "ARGOCD_APP_REVISION": "0123456789abcdef0123456789abcdef01234567",
    "ARGOCD_APP_REVISION_SHORT": "0123456",
    "ARGOCD_APP_SOURCE_PATH": "overlays/prod",
    "ARGOCD_APP_SOURCE_REPO_URL": "https://git.example.com/shop-deploy.git",
    "ARGOCD_APP_SOURCE_TARGET_REVISION": "main",
    "KUBE_VERSION": "1.33.1",
    "KUBE_API_VERSIONS": "v1,apps/v1,batch/v1,networking.k8s.io/v1,external-secrets.io/v1",
    "ARGOCD_ENV_TEAM": "shop",
    "ARGOCD_ENV_FOO": "bar baz",
}


# ---- helpers -------------------------------------------------------------------------------------

def app_repo(tmp_path: Path) -> Path:
    """The kustomize example as Argo CD hands it to a CMP: a repo checkout with no exec bits."""
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "kustomize", repo)
    for p in repo.rglob("*"):
        if p.is_file():
            p.chmod(0o644)
    return repo


def generate(cwd: Path, script: Path = GENERATE, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECRET_SYNC_")}
    env.update(ARGOCD_ENV, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **extra_env)
    return subprocess.run([str(script)], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300)


def reference_build(overlay: Path, *, kubectl_only: bool = False) -> str:
    """`make run`: kustomize with the docker shim running the installed secret-sync (standalone
    kustomize when installed, as the generate script prefers it, else kubectl kustomize)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECRET_SYNC_")}
    env["PATH"] = os.pathsep.join([str(REPO / "scripts" / "docker-shim"), str(BIN),
                                   os.environ.get("PATH", "")])
    kustomize = None if kubectl_only else shutil.which("kustomize", path=env["PATH"])
    build = [kustomize, "build"] if kustomize else [KUBECTL, "kustomize"]
    res = subprocess.run([*build, "--enable-alpha-plugins", str(overlay)],
                         env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return res.stdout


def assert_only_manifests(text: str) -> list[dict[str, Any]]:
    objs = list(yaml.safe_load_all(text))
    assert objs, "no manifests"
    for obj in objs:
        assert isinstance(obj, dict), obj
        assert obj.get("apiVersion") and obj.get("kind"), obj
        assert obj.get("metadata", {}).get("name"), obj
    return objs


def write_app(tmp_path: Path, secret_yaml: str, image: str = IMAGE) -> Path:
    app = tmp_path / "app"
    app.mkdir()
    return write_container_app(app, secret_yaml, image)


PLACEHOLDER = """\
    apiVersion: v1
    kind: Secret
    metadata:
      name: app-db
      annotations: {secret-sync.dev/remote-key: app/db}
    stringData:
      password: ""
    """


# ---- plugin.yaml ---------------------------------------------------------------------------------

def plugin() -> dict[str, Any]:
    return yaml.safe_load((ARGO / "cmp" / "plugin.yaml").read_text())


def test_plugin_generate_is_the_generate_script() -> None:
    spec = plugin()["spec"]
    assert plugin()["kind"] == "ConfigManagementPlugin"
    assert Path(spec["generate"]["command"][0]).name == GENERATE.name
    assert spec.get("preserveFileMode", False) is False


def test_plugin_discovery_matches_only_repos_with_a_secretsync_config(tmp_path: Path) -> None:
    command = plugin()["spec"]["discover"]["find"]["command"]
    repo = app_repo(tmp_path)  # discovery runs in the repository root
    found = subprocess.run(command, cwd=repo, capture_output=True, text=True, timeout=60)
    assert found.returncode == 0 and found.stdout.strip()

    plain = tmp_path / "plain"
    shutil.copytree(EXAMPLES / "kustomize" / "base", plain)
    none = subprocess.run(command, cwd=plain, capture_output=True, text=True, timeout=60)
    assert none.returncode == 0 and none.stdout.strip() == ""


# ---- the generate command, run like Argo CD runs it ----------------------------------------------

def test_generate_prints_only_the_built_manifests(tmp_path: Path) -> None:
    repo = app_repo(tmp_path)
    res = generate(repo / "overlays" / "prod")
    assert res.returncode == 0, res.stderr
    objs = assert_only_manifests(res.stdout)
    assert res.stdout == reference_build(EXAMPLES / "kustomize" / "overlays" / "prod")
    kinds = {o["kind"] for o in objs}
    assert {"ExternalSecret", "ClusterSecretStore", "Deployment"} <= kinds
    assert not [o for o in objs if "secret-sync.dev/remote-key"
                in ((o.get("metadata") or {}).get("annotations") or {})]


def test_generate_failure_exits_nonzero_and_prints_nothing(tmp_path: Path) -> None:
    value = "hunter2-not-empty"
    app = write_app(tmp_path, PLACEHOLDER.replace('password: ""', f"password: {value}"))
    res = generate(app)
    assert res.returncode != 0
    assert res.stdout == ""
    assert "app-db" in res.stderr and "password" in res.stderr
    assert value not in res.stderr


def test_generate_refuses_empty_output(tmp_path: Path) -> None:
    app = tmp_path / "empty"
    app.mkdir()
    (app / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n")
    res = generate(app)
    assert res.returncode != 0
    assert res.stdout == ""
    assert "empty" in res.stderr


def test_generate_refuses_placeholders_the_function_did_not_convert(tmp_path: Path) -> None:
    # The route A overlay declares an exec function; the plugin (no --enable-exec) skips it
    # silently, which would ship placeholder Secrets. The script catches that.
    repo = tmp_path / "examples"
    shutil.copytree(EXAMPLES / "kustomize", repo / "kustomize")
    shutil.copytree(ARGO, repo / "argocd")
    res = generate(repo / "argocd" / "exec" / "app")
    assert res.returncode != 0
    assert res.stdout == ""
    assert "placeholder" in res.stderr


def test_generate_refuses_other_container_functions(tmp_path: Path) -> None:
    app = write_app(tmp_path, PLACEHOLDER, image="registry.example.com/other-function:v1")
    res = generate(app)
    assert res.returncode != 0
    assert res.stdout == ""
    assert "other-function" in res.stderr


# ---- both install routes, emulated with podman ---------------------------------------------------

INSTALL_STUB = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  labels: {app.kubernetes.io/name: argocd-cm, app.kubernetes.io/part-of: argocd}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: argocd-repo-server}
  template:
    metadata:
      labels: {app.kubernetes.io/name: argocd-repo-server}
    spec:
      initContainers:
        - name: copyutil
          image: quay.io/argoproj/argocd:v3.2.0
          command: [/bin/cp, -n, /usr/local/bin/argocd, /var/run/argocd/argocd-cmp-server]
          volumeMounts: [{name: var-files, mountPath: /var/run/argocd}]
      containers:
        - name: argocd-repo-server
          image: quay.io/argoproj/argocd:v3.2.0
          args: [/usr/local/bin/argocd-repo-server]
          volumeMounts:
            - {name: plugins, mountPath: /home/argocd/cmp-server/plugins}
            - {name: tmp, mountPath: /tmp}
      volumes:
        - {name: var-files, emptyDir: {}}
        - {name: plugins, emptyDir: {}}
        - {name: tmp, emptyDir: {}}
"""


def render_install(route: str, tmp_path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """`kubectl kustomize examples/argocd/<route>` with the upstream install.yaml stubbed."""
    work = tmp_path / route
    shutil.copytree(ARGO / route, work)
    kustomization = work / "kustomization.yaml"
    text = kustomization.read_text()
    remote = next(line.strip()[2:] for line in text.splitlines() if "install.yaml" in line)
    kustomization.write_text(text.replace(remote, "install-stub.yaml"))
    (work / "install-stub.yaml").write_text(INSTALL_STUB)
    res = subprocess.run([KUBECTL, "kustomize", str(work)], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    return {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(res.stdout)}


def podman_run(*args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    """`podman run` of a throwaway container with the shim's limits and no network."""
    return podman("run", "--rm", "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096",
                  "--network", "none", *args, timeout=300, **kw)


def mounts(container: dict[str, Any], volumes: dict[str, Path]) -> list[str]:
    """podman -v flags for a container's volumeMounts of the given emptyDirs (subPath honoured)."""
    flags = []
    for m in container.get("volumeMounts", []):
        if m["name"] in volumes:
            src = volumes[m["name"]] / m.get("subPath", "")
            flags += ["-v", f"{src}:{m['mountPath']}:{'ro' if m.get('readOnly') else 'rw'}"]
    return flags


def run_init_container(deploy: dict[str, Any], tmp_path: Path) -> dict[str, Path]:
    spec = deploy["spec"]["template"]["spec"]
    (init,) = [c for c in spec["initContainers"] if c["name"] == "install-secret-sync"]
    assert init["image"].rsplit(":", 1)[1] == f"v{dist_version('secret-sync')}"
    empty_dirs = {}
    for vol in spec["volumes"]:
        if "emptyDir" in vol:
            d = tmp_path / "volumes" / vol["name"]
            d.mkdir(parents=True)
            d.chmod(0o777)  # an emptyDir is world-writable
            empty_dirs[vol["name"]] = d
    command = init["command"] + init.get("args", [])
    res = podman_run(*mounts(init, empty_dirs), "--entrypoint", command[0], IMAGE, *command[1:])
    assert res.returncode == 0, res.stderr
    return empty_dirs


# Make the image look like a repo-server: no Python anywhere, none of the libraries the bundle
# carries, and the Argo CD user (999); then run the given command.
NO_PYTHON = (
    "rm -rf /usr/bin/python3* /usr/lib/python3* /usr/local/bin/python3* /usr/local/lib/python3* "
    "/usr/lib/*/libpython3* /usr/lib/*/libstdc++.so* /usr/lib/*/libexpat.so* && "
    "! command -v python3 >/dev/null && "
    'exec setpriv --reuid=999 --regid=999 --clear-groups "$@"'
)


@pytest.fixture(scope="module")
def image() -> str:
    return built_image(IMAGE)


@needs_container
def test_exec_route_repo_server_runs_the_bundle_without_python(image: str, tmp_path: Path) -> None:
    objs = render_install("exec", tmp_path)
    options = objs[("ConfigMap", "argocd-cm")]["data"]["kustomize.buildOptions"].split()
    assert {"--enable-alpha-plugins", "--enable-exec"} <= set(options)
    deploy = objs[("Deployment", "argocd-repo-server")]
    volumes = run_init_container(deploy, tmp_path)
    (repo_server,) = [c for c in deploy["spec"]["template"]["spec"]["containers"]
                      if c["name"] == "argocd-repo-server"]

    # kustomize --enable-exec runs `exec: {path: secret-sync}` by PATH lookup, in the app dir.
    rl = SMALL_RESOURCE_LIST + textwrap.dedent("""\
        - apiVersion: apps/v1
          kind: Deployment
          metadata: {name: web, namespace: app}
          spec:
            template:
              spec:
                containers:
                - name: web
                  image: nginx
                  envFrom: [{secretRef: {name: app-db}}]
        """)
    res = podman_run("-i", "--user", "0", *mounts(repo_server, volumes),
                     "-e", "PATH=/usr/local/bin:/usr/bin:/bin", "--entrypoint", "sh", image,
                     "-c", NO_PYTHON, "sh", "secret-sync", input=rl)
    assert res.returncode == 0, res.stderr
    direct = run_fn(rl)
    assert direct.returncode == 0, direct.stderr
    assert res.stdout == direct.stdout
    assert "kind: ExternalSecret" in res.stdout


@needs_container
def test_cmp_route_sidecar_generates_the_same_manifests(image: str, tmp_path: Path) -> None:
    objs = render_install("cmp", tmp_path)
    plugin_cm = objs[("ConfigMap", "secret-sync-cmp")]
    assert yaml.safe_load(plugin_cm["data"]["plugin.yaml"]) == plugin()
    deploy = objs[("Deployment", "argocd-repo-server")]
    volumes = run_init_container(deploy, tmp_path)
    (sidecar,) = [c for c in deploy["spec"]["template"]["spec"]["containers"]
                  if c["name"] == "secret-sync-cmp"]
    assert sidecar["command"] == ["/var/run/argocd/argocd-cmp-server"]
    assert sidecar["securityContext"]["runAsUser"] == 999
    mounted = {m["mountPath"] for m in sidecar["volumeMounts"]}
    assert {"/var/run/argocd", "/home/argocd/cmp-server/plugins", "/tmp",
            "/home/argocd/cmp-server/config/plugin.yaml"} <= mounted

    # The sidecar: the stock Argo CD image brings kustomize; kubectl kustomize stands in for it.
    repo = app_repo(tmp_path)
    for p in [repo, *repo.rglob("*")]:
        p.chmod(p.stat().st_mode | stat.S_IROTH | (stat.S_IXOTH if p.is_dir() else 0))
    env_flags = [f"--env={k}={v}" for k, v in ARGOCD_ENV.items()]
    command = plugin()["spec"]["generate"]["command"]
    res = podman_run("--user", "0", *mounts(sidecar, {k: v for k, v in volumes.items()
                                                      if k == "secret-sync-tools"}),
                     "-v", f"{KUBECTL}:/usr/local/bin/kubectl:ro", "-v", f"{repo}:/cmp/repo:ro",
                     "-w", "/cmp/repo/overlays/prod", "-e", "PATH=/usr/local/bin:/usr/bin:/bin",
                     *env_flags, "--entrypoint", "sh", image, "-c", NO_PYTHON, "sh", *command)
    assert res.returncode == 0, res.stderr
    assert_only_manifests(res.stdout)
    assert res.stdout == reference_build(EXAMPLES / "kustomize" / "overlays" / "prod",
                                         kubectl_only=True)


def test_exec_route_app_is_the_prod_overlay_with_an_exec_declaration() -> None:
    """Route A's `kustomize build --enable-exec` cannot run here (no standalone kustomize), so
    its app must stay the tested prod overlay with only the function declaration changed."""
    app, prod = ARGO / "exec" / "app", EXAMPLES / "kustomize" / "overlays" / "prod"
    ours, theirs = (yaml.safe_load((d / "secret-sync.yaml").read_text()) for d in (app, prod))
    assert ours["spec"] == theirs["spec"]
    assert yaml.safe_load(ours["metadata"]["annotations"]["config.kubernetes.io/function"]) == \
        {"exec": {"path": "secret-sync"}}
    k_app, k_prod = (yaml.safe_load((d / "kustomization.yaml").read_text()) for d in (app, prod))
    assert (app / k_app.pop("resources")[0]).resolve() == (prod / k_prod.pop("resources")[0]).resolve()
    assert k_app == k_prod
