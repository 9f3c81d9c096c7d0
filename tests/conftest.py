"""Shared test helpers: run the function, build its input from YAML snippets, find ../shared,
validate against the ESO schemas, build and run the container image."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
BIN = Path(sys.executable).parent
SECRET_SYNC = str(BIN / "secret-sync")
KUBECTL = str(BIN / "kubectl")
SHIM_DIR = REPO / "scripts" / "docker-shim"

needs_shared = pytest.mark.skipif(
    not (SHARED / "schemas" / "eso").is_dir(),
    reason="../shared (ESO schemas and corpus) is not next to this clone; it exists in CI only",
)


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float  # wall time of the process

    @property
    def output(self) -> dict[str, Any]:
        return yaml.safe_load(self.stdout) if self.stdout.strip() else {}

    @property
    def items(self) -> list[dict[str, Any]]:
        return self.output.get("items") or []

    @property
    def results(self) -> list[dict[str, Any]]:
        return self.output.get("results") or []


# Settings a developer may have exported that change what the function prints (a traceback for an
# internal error, a lower input limit): runs start without them, a test that wants one passes env.
DEVELOPER_SETTINGS = ("SECRET_SYNC_DEBUG", "SECRET_SYNC_MAX_INPUT_BYTES")


def run_fn(stdin: str | bytes, *args: str, env: dict[str, str] | None = None,
           timeout: float = 60) -> Run:
    """The installed `secret-sync` command on `stdin`. Its output is UTF-8, always: anything else
    fails the test here."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    full_env = {k: v for k, v in os.environ.items() if k not in DEVELOPER_SETTINGS}
    start = time.monotonic()
    proc = subprocess.run([SECRET_SYNC, *args], input=data, capture_output=True, timeout=timeout,
                          env={**full_env, **(env or {})})
    seconds = time.monotonic() - start
    return Run(proc.returncode, proc.stdout.decode(), proc.stderr.decode(), seconds)


def kustomize_build(path: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A real `kubectl kustomize` build; container functions run through scripts/docker-shim."""
    full_env = {**os.environ, **(env or {})}
    full_env["PATH"] = f"{SHIM_DIR}{os.pathsep}{BIN}{os.pathsep}{full_env.get('PATH', '')}"
    return subprocess.run([KUBECTL, "kustomize", "--enable-alpha-plugins", str(path)],
                          capture_output=True, text=True, env=full_env, timeout=120)


def resource_list(items: list[dict[str, Any]], config: dict[str, Any] | None) -> str:
    doc: dict[str, Any] = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList",
                           "items": items}
    if config is not None:
        doc["functionConfig"] = config
    return yaml.safe_dump(doc, sort_keys=False)


def config(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "secret-sync.dev/v1alpha1", "kind": "SecretSync",
            "metadata": {"name": "secret-sync"}, "spec": spec}


AWS_STORE = {"name": "aws", "provider": {"aws": {"service": "SecretsManager", "region": "eu-west-1"}}}


def placeholder(name: str, keys: list[str] | None = None, namespace: str | None = None,
                **annotations: str) -> dict[str, Any]:
    ann = {"secret-sync.dev/remote-key": f"remote/{name}"}
    ann.update({f"secret-sync.dev/{k.replace('_', '-')}": v for k, v in annotations.items()})
    meta: dict[str, Any] = {"name": name, "annotations": ann}
    if namespace:
        meta["namespace"] = namespace
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": "Secret", "metadata": meta}
    if keys:
        obj["stringData"] = {k: "" for k in keys}
    return obj


# --- ResourceLists as YAML text -------------------------------------------------------------------
# Tests about the input's exact text (hostile input, leaks, fidelity, validate mode) build it from
# snippets rather than dumping dicts, so that they can break, decorate or repeat any line of it.

RESOURCE_LIST_HEADER = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"


def resource_list_text(items: str, config: str = "") -> str:
    """A ResourceList from snippets: `items` the entries of its `items:` list (`- ...` lines at
    column 0), `config` a `functionConfig:` block or nothing."""
    return RESOURCE_LIST_HEADER + "items:\n" + items + config


def aws_config_text(name: str) -> str:
    """A `functionConfig:` block: a SecretSync with one AWS store, the default. It ends inside
    `spec`, so a test can append spec fields (`+ "    naming: {strategy: suffix}\n"`)."""
    return f"""\
functionConfig:
  apiVersion: secret-sync.dev/v1alpha1
  kind: SecretSync
  metadata: {{name: {name}}}
  spec:
    defaultStore: aws
    stores:
    - name: aws
      provider:
        aws: {{service: SecretsManager, region: eu-west-1}}
"""


def placeholder_text(body: str = '  stringData:\n    password: ""\n', annotations: str = "") -> str:
    """An `items` entry: the placeholder Secret shop/app-db for remote key prod/app/db, with more
    `annotations` lines and its `body` (stringData/data lines) as given."""
    return ("- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: app-db\n    namespace: shop\n"
            "    annotations:\n      secret-sync.dev/remote-key: prod/app/db\n" + annotations + body)


# An `items` entry: a Deployment in shop that reads every key of app-db (more secretRef lines may
# follow it).
WEB_DEPLOYMENT = """\
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    namespace: shop
  spec:
    template:
      spec:
        containers:
        - name: app
          envFrom:
          - secretRef: {name: app-db}
"""

# A whole ResourceList in a few lines: one store and one placeholder (namespace app). Items may be
# appended: `items` is its last key.
SMALL_RESOURCE_LIST = """\
apiVersion: config.kubernetes.io/v1
kind: ResourceList
functionConfig:
  apiVersion: secret-sync.dev/v1alpha1
  kind: SecretSync
  metadata: {name: secrets}
  spec:
    defaultStore: main
    stores: [{name: main, provider: {aws: {service: SecretsManager, region: eu-west-1}}}]
items:
- apiVersion: v1
  kind: Secret
  metadata:
    name: app-db
    namespace: app
    annotations: {secret-sync.dev/remote-key: app/db}
  stringData: {password: ""}
"""


_SCHEMAS: dict[str, Any] = {}


def eso_schema_errors(obj: dict[str, Any]) -> list[str]:
    """Errors of `obj` against the ESO v2.9 JSON Schemas in ../shared (caller skips if absent)."""
    import jsonschema

    files = {"ExternalSecret": "externalsecret_v1.json", "SecretStore": "secretstore_v1.json",
             "ClusterSecretStore": "clustersecretstore_v1.json"}
    name = files[obj["kind"]]
    if name not in _SCHEMAS:
        _SCHEMAS[name] = json.loads((SHARED / "schemas" / "eso" / name).read_text())
    validator = jsonschema.Draft7Validator(_SCHEMAS[name])
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(obj)]


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


# --- the container image --------------------------------------------------------------------------

CONTAINER_TOOLS_MISSING = [tool for tool in ("podman", "buildah") if shutil.which(tool) is None]


def skip_without_container_tools(purpose: str) -> pytest.MarkDecorator:
    """Skip where podman or buildah is missing, saying what for; CI installs them, never skips."""
    return pytest.mark.skipif(
        bool(CONTAINER_TOOLS_MISSING) and not os.environ.get("CI"),
        reason=f"{' and '.join(CONTAINER_TOOLS_MISSING)} not installed: {purpose} "
        "(apt-get install podman buildah runc debootstrap); CI installs them and never skips",
    )


def podman(*args: str, timeout: float = 120, **kw: Any) -> subprocess.CompletedProcess[str]:
    """podman with the same runtime and cgroup manager as scripts/build-image and the docker shim."""
    return subprocess.run(["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", *args],
                          capture_output=True, text=True, timeout=timeout, **kw)


def build_image(image: str) -> subprocess.CompletedProcess[str]:
    """scripts/build-image (what `make image` runs): reuses the image when no input changed."""
    env = dict(os.environ, IMAGE=image, PYTHON=sys.executable)
    return subprocess.run([str(REPO / "scripts" / "build-image")], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=900)


def built_image(image: str) -> str:
    """`image`, built or found up to date; a failed build fails the test that needs it."""
    res = build_image(image)
    if res.returncode != 0:
        pytest.fail(f"scripts/build-image failed:\n{res.stdout}\n{res.stderr}")
    return image


def write_container_app(directory: Path, secret_yaml: str, image: str) -> Path:
    """A kustomization in `directory`: the Secret `secret_yaml` (dedented) and secret-sync as a
    container transformer from `image`, with one AWS store."""
    (directory / "kustomization.yaml").write_text(
        "resources: [secret.yaml]\ntransformers: [secret-sync.yaml]\n")
    (directory / "secret.yaml").write_text(textwrap.dedent(secret_yaml))
    (directory / "secret-sync.yaml").write_text(textwrap.dedent(f"""\
        apiVersion: secret-sync.dev/v1alpha1
        kind: SecretSync
        metadata:
          name: secrets
          annotations:
            config.kubernetes.io/function: |
              container: {{image: {image}}}
        spec:
          defaultStore: main
          stores: [{{name: main, provider: {{aws: {{service: SecretsManager, region: eu-west-1}}}}}}]
        """))
    return directory


# --- coverage figures for the terminal summary ----------------------------------------------------
# Tests that cover a corpus or generated examples record how much they covered here; the numbers
# are printed at the end of every pytest run (no -s needed), so CI logs show them.
COVERAGE: dict[str, str] = {}


def coverage_note(topic: str, text: str) -> None:
    COVERAGE[topic] = text


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if COVERAGE:
        terminalreporter.section("secret-sync coverage")
        for topic, text in sorted(COVERAGE.items()):
            terminalreporter.write_line(f"{topic}: {text}")
