"""The container image: built with `scripts/build-image` (what `make image` runs) and run by real
kustomize (`kubectl kustomize --enable-alpha-plugins`) through scripts/docker-shim with podman.

The image is rebuilt only when one of its inputs changed (the build script compares a digest label),
so after the first build these tests take a few seconds. The first build on a machine that cannot
pull the public base image makes a local Debian base with debootstrap (about a minute, needs root).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from importlib.metadata import version as dist_version
from pathlib import Path

import pytest
import yaml
from conftest import (
    BIN,
    REPO,
    SHIM_DIR,
    SMALL_RESOURCE_LIST,
    build_image,
    built_image,
    podman,
    skip_without_container_tools,
    write_container_app,
)

OVERLAY = REPO / "examples" / "kustomize" / "overlays" / "prod"
KUBECTL = shutil.which("kubectl", path=str(BIN)) or shutil.which("kubectl")

needs_container = skip_without_container_tools("the image cannot be built or run here")

# What kyaml's container runtime passes to `docker run` (kustomize v5, see docs/krm-contract.md).
KUSTOMIZE_RUN_ARGS = [
    "run", "--rm", "-i", "-a", "STDIN", "-a", "STDOUT", "-a", "STDERR",
    "--network", "none", "--user", "nobody", "--security-opt=no-new-privileges",
]


def example_image() -> str:
    config = yaml.safe_load((OVERLAY / "secret-sync.yaml").read_text())
    function = yaml.safe_load(config["metadata"]["annotations"]["config.kubernetes.io/function"])
    return str(function["container"]["image"])


def shim(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`docker ...` as kustomize calls it, answered by podman through the shim."""
    env = dict(os.environ, SECRET_SYNC_SHIM_RUNTIME="podman")
    return subprocess.run([str(SHIM_DIR / "docker"), *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120)


def image_id(image: str) -> str:
    return podman("image", "inspect", "--format", "{{.Id}}", image).stdout.strip()


@pytest.fixture(scope="module")
def image() -> str:
    return built_image(example_image())


def kustomize(overlay: Path, *, container: bool) -> subprocess.CompletedProcess[bytes]:
    path = [str(SHIM_DIR)]
    env = dict(os.environ)
    if container:
        env["SECRET_SYNC_SHIM_RUNTIME"] = "podman"
        # Prove the container ran: the host's secret-sync is neither on PATH nor usable.
        env["SECRET_SYNC_CMD"] = "/bin/false"
        path += [p for p in os.environ.get("PATH", "").split(os.pathsep)
                 if p and Path(p).resolve() != BIN.resolve()]
    else:
        env.pop("SECRET_SYNC_SHIM_RUNTIME", None)
        env.pop("SECRET_SYNC_CMD", None)
        path += [str(BIN), os.environ.get("PATH", "")]
    env["PATH"] = os.pathsep.join(path)
    return subprocess.run([KUBECTL or "kubectl", "kustomize", "--enable-alpha-plugins",
                           str(overlay)], env=env, capture_output=True, timeout=300)


# ---- tag scheme (no container tools needed) ----------------------------------------------------

@pytest.mark.parametrize(("version", "tags"), [
    ("1.4.2", ["v1.4.2", "v1.4", "v1"]),
    ("v0.1.0", ["v0.1.0", "v0.1", "v0"]),
    ("1.5.0-rc.1", ["v1.5.0-rc.1"]),  # a pre-release never moves v1.5 or v1
])
def test_release_tags_are_immutable_version_plus_minor_and_major(
    version: str, tags: list[str]
) -> None:
    res = subprocess.run([str(REPO / "scripts" / "image-tags"), version],
                         capture_output=True, text=True, check=True)
    assert res.stdout.split() == tags
    assert "latest" not in res.stdout


@pytest.mark.parametrize("version", ["latest", "1.4", "dev", "01.2.3"])
def test_release_tags_reject_non_versions(version: str) -> None:
    res = subprocess.run([str(REPO / "scripts" / "image-tags"), version],
                         capture_output=True, text=True)
    assert res.returncode != 0
    assert res.stdout == ""


# ---- the image -------------------------------------------------------------------------------------

@needs_container
def test_image_metadata(image: str) -> None:
    res = podman("image", "inspect", image)
    assert res.returncode == 0, res.stderr
    (info,) = json.loads(res.stdout)
    config = info["Config"]
    labels = config["Labels"]
    assert labels["org.opencontainers.image.version"] == dist_version("secret-sync")
    assert labels["org.opencontainers.image.licenses"] == "Apache-2.0"
    assert labels["org.opencontainers.image.source"].startswith("https://")
    assert config["Entrypoint"] == ["secret-sync"]
    assert config["User"].split(":")[0] not in ("", "0", "root")


@needs_container
def test_rebuild_reuses_an_up_to_date_image(image: str) -> None:
    before = image_id(image)
    res = build_image(image)
    assert res.returncode == 0, res.stderr
    assert "is up to date" in res.stderr
    assert image_id(image) == before


@needs_container
def test_container_user_is_not_root_even_without_user_flag(image: str) -> None:
    res = podman("run", "--rm", "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096",
                 "--network", "none", "--entrypoint", "python3", image,
                 "-c", "import os; print(os.getuid(), os.getgid())")
    assert res.returncode == 0, res.stderr
    uid, gid = res.stdout.split()
    assert uid != "0" and gid != "0"


@needs_container
def test_function_runs_as_nobody_without_network(image: str) -> None:
    # The arguments kustomize uses really isolate the container: only the loopback interface.
    probe = shim(*KUSTOMIZE_RUN_ARGS, "--entrypoint", "python3", image, "-c",
                 "import os, socket; print(os.getuid(), [n for _, n in socket.if_nameindex()])")
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split(" ", 1) == ["65534", "['lo']\n"]

    # ... and the function does its whole job in there.
    res = shim(*KUSTOMIZE_RUN_ARGS, image, stdin=SMALL_RESOURCE_LIST)
    assert res.returncode == 0, res.stderr
    out = yaml.safe_load(res.stdout)
    assert out["kind"] == "ResourceList"
    assert sorted(i["kind"] for i in out["items"]) == ["ClusterSecretStore", "ExternalSecret"]


# ---- real kustomize, container mode vs direct mode ------------------------------------------------

@needs_container
def test_kustomize_container_build_equals_direct_build(image: str) -> None:
    direct = kustomize(OVERLAY, container=False)
    assert direct.returncode == 0, direct.stderr.decode()
    in_container = kustomize(OVERLAY, container=True)
    assert in_container.returncode == 0, in_container.stderr.decode()

    assert in_container.stdout == direct.stdout

    # The build really went through the function: placeholders became ESO objects.
    objs = [d for d in yaml.safe_load_all(in_container.stdout) if d]
    kinds = [o["kind"] for o in objs]
    assert "ExternalSecret" in kinds and "ClusterSecretStore" in kinds
    assert not [o for o in objs if o["kind"] == "Secret"
                and "secret-sync.dev/remote-key" in (o["metadata"].get("annotations") or {})]


@needs_container
def test_kustomize_container_error_fails_the_build(image: str, tmp_path: Path) -> None:
    value = "pl41n-text-password"
    write_container_app(tmp_path, f"""\
        apiVersion: v1
        kind: Secret
        metadata:
          name: app-db
          annotations: {{secret-sync.dev/remote-key: app/db}}
        stringData:
          password: {value}
        """, image)
    res = kustomize(tmp_path, container=True)
    assert res.returncode != 0
    assert res.stdout == b""
    stderr = res.stderr.decode()
    assert "app-db" in stderr and "password" in stderr
    assert value not in stderr


# ---- catalog metadata ---------------------------------------------------------------------------

def test_catalog_metadata_points_at_real_examples_and_the_published_image() -> None:
    meta = yaml.safe_load((REPO / "metadata.yaml").read_text())
    assert set(meta["tags"]) == {"mutator", "validator"}
    assert meta["license"] == "Apache-2.0"
    assert ":" not in meta["image"].rsplit("/", 1)[1]  # the catalog names the image, not a tag
    for url in meta["examplePackageURLs"]:
        assert url.startswith(meta["sourceURL"] + "/")
        assert (REPO / url.removeprefix(meta["sourceURL"] + "/")).is_dir(), url
    # Every install manifest pins that image at the current version, never a moving tag.
    pinned = f"{meta['image']}:v{dist_version('secret-sync')}"
    for patch in sorted((REPO / "examples" / "argocd").rglob("repo-server-patch.yaml")):
        doc = yaml.safe_load(patch.read_text())
        images = [c["image"] for c in doc["spec"]["template"]["spec"]["initContainers"]]
        assert images == [pinned], patch
