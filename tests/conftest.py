"""Shared test helpers: run the function, find ../shared, validate against the ESO schemas."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
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

    @property
    def output(self) -> dict[str, Any]:
        return yaml.safe_load(self.stdout) if self.stdout.strip() else {}

    @property
    def items(self) -> list[dict[str, Any]]:
        return self.output.get("items") or []

    @property
    def results(self) -> list[dict[str, Any]]:
        return self.output.get("results") or []


def run_fn(stdin: str | bytes, *args: str, env: dict[str, str] | None = None,
           timeout: float = 60) -> Run:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run([SECRET_SYNC, *args], input=data, capture_output=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    return Run(proc.returncode, proc.stdout.decode("utf-8", "replace"),
               proc.stderr.decode("utf-8", "replace"))


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
