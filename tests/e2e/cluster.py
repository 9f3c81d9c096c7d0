"""The local control plane of scripts/cluster (etcd, kube-apiserver, the ESO controller) as the e2e
tests use it: kubectl against it, server-side apply, waiting, cleaning a namespace.

Nothing here knows how secret-sync works: the tests' oracle is the API server, the ESO controller
and hand-written expectations."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from conftest import KUBECTL, REPO

SCRIPTS = REPO / "scripts" / "cluster"
CACHE = Path(os.environ.get("SECRET_SYNC_E2E_CACHE")
             or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "secret-sync-e2e")
STATE = CACHE / "cluster"
FIELD_MANAGER = "e2e"
# Argo CD's default tracking label, put on every object at apply time as Argo CD does.
ARGOCD_LABEL = "app.kubernetes.io/instance"
ESO_API = "external-secrets.io/v1"
ESO_KINDS = ("ExternalSecret", "SecretStore", "ClusterSecretStore")
# What a test may leave in a namespace it used; deleted between tests (no namespace controller runs,
# so namespaces themselves are never deleted).
NAMESPACED = ("secretstores.external-secrets.io", "externalsecrets.kubernetes-client.io", "secrets",
              "configmaps", "serviceaccounts", "deployments", "statefulsets", "jobs", "cronjobs",
              "ingresses")


def versions() -> dict[str, str]:
    """The pinned component versions (scripts/cluster/versions.env)."""
    out = {}
    for line in (SCRIPTS / "versions.env").read_text().splitlines():
        text = line.split("#", 1)[0].strip()
        if "=" in text:
            key, value = text.split("=", 1)
            out[key] = value
    return out


ESO_VERSION = versions()["ESO_VERSION"]
ESO_RELEASE = ESO_VERSION.lstrip("v").rsplit(".", 1)[0]  # v0.16.2 -> "0.16", for spec.eso.version
CONTROLLER_CRDS = f"the ESO {ESO_VERSION} CRDs"  # how the checks name them


def go_missing_reason() -> str | None:
    """Why the control plane cannot be built here, or None."""
    v = versions()
    built = all((CACHE / f"{name}/.done").is_file() for name in (
        f"kube-apiserver-{v['KUBE_VERSION']}", f"eso-{v['ESO_VERSION']}"))
    if built or shutil.which("go"):
        return None
    return "Go is not installed: kube-apiserver and the ESO controller are built from their Go modules"


def cluster_running() -> bool:
    def alive(name: str) -> bool:
        pid = STATE / f"{name}.pid"
        try:
            os.kill(int(pid.read_text()), 0)
        except (OSError, ValueError):
            return False
        return True
    return all(alive(name) for name in ("etcd", "kube-apiserver", "eso"))


class KubectlError(AssertionError):
    pass


@dataclass
class Cluster:
    kubeconfig: Path

    def kubectl(self, *args: str, stdin: str | None = None, check: bool = True,
                timeout: float = 120) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([KUBECTL, "--kubeconfig", str(self.kubeconfig), *args], input=stdin,
                              capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise KubectlError(f"kubectl {' '.join(args)} failed:\n{proc.stderr}")
        return proc

    def json(self, *args: str) -> Any:
        return json.loads(self.kubectl(*args, "-o", "json").stdout)

    def server_version(self) -> str:
        return str(self.json("version")["serverVersion"]["gitVersion"])

    def apply(self, objs: Iterable[dict[str, Any]], *,
              labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Server-side apply with strict field validation, as one field manager; `labels` are added
        to every object first (Argo CD adds its tracking label the same way). Returns what was
        applied."""
        docs = [with_labels(o, labels or {}) for o in objs]
        self.kubectl("apply", "--server-side", "--validate=strict", "--field-manager", FIELD_MANAGER,
                     "--force-conflicts", "-f", "-", stdin=yaml.safe_dump_all(docs))
        return docs

    def get(self, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        ns = ["-n", meta["namespace"]] if meta.get("namespace") else []
        result: dict[str, Any] = self.json("get", resource(obj), meta["name"], *ns)
        return result

    def secret(self, namespace: str, name: str) -> dict[str, Any] | None:
        proc = self.kubectl("get", "secret", name, "-n", namespace, "-o", "json", check=False)
        return json.loads(proc.stdout) if proc.returncode == 0 else None

    def ensure_namespaces(self, objs: Iterable[dict[str, Any]]) -> None:
        for ns in sorted({o["metadata"]["namespace"] for o in objs if o["metadata"].get("namespace")}):
            self.kubectl("create", "namespace", ns, check=False)

    def clean(self, namespaces: Iterable[str]) -> None:
        """Deletes what tests put in `namespaces` and every ClusterSecretStore. The
        ExternalSecrets go first, so ESO does not recreate their Secrets."""
        for ns in sorted(set(namespaces)):
            self.kubectl("delete", "externalsecrets.external-secrets.io", "--all", "-n", ns)
            self.kubectl("delete", ",".join(NAMESPACED), "--all", "-n", ns, "--wait=false")
        self.kubectl("delete", "clustersecretstores.external-secrets.io", "--all", "--wait=false")

    def install_crds(self, directory: Path) -> None:
        files = sorted(directory.glob("*.yaml"))
        args = [a for f in files for a in ("-f", str(f))]
        self.kubectl("apply", "--server-side", "--force-conflicts", "--field-manager", "e2e-crds", *args)
        self.kubectl("wait", "--for", "condition=Established", "--timeout", "60s", *args)
        # Discovery and the ESO informers need a moment to see a changed CRD.
        time.sleep(2)


def resource(obj: dict[str, Any]) -> str:
    """kind.group, unambiguous for kubectl (ESO and KES both have an ExternalSecret)."""
    group = obj["apiVersion"].rpartition("/")[0]
    return f"{obj['kind'].lower()}.{group}" if group else obj["kind"].lower()


def with_labels(obj: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    if not labels:
        return obj
    out = json.loads(json.dumps(obj))
    out["metadata"].setdefault("labels", {}).update(labels)
    return out


def wait_until(what: str, check: Callable[[], Any], timeout: float = 60,
               interval: float = 0.5) -> Any:
    """Polls `check` until it returns something truthy; fails naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def ready(obj: dict[str, Any]) -> bool:
    conditions = obj.get("status", {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def decoded(secret: dict[str, Any]) -> dict[str, str]:
    import base64

    return {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
