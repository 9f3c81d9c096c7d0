"""YAML fidelity (issue 6, item 3): what the function does not own comes out meaning the same.

Under `kpt fn render` the function's output is written back into the user's files, so a changed
scalar is changed for good. Every input file is wrapped, document by document and as written (its
text indented, never re-serialised), into a ResourceList together with a placeholder, a workload
that references it and a function config, so the function really works on the list. Then:

- every item the function does not own reads the same before and after, under YAML 1.1 (PyYAML's
  SafeLoader, as kubectl reads) and YAML 1.2 (ruamel.yaml safe loader, version 1.2, as kustomize
  and kpt read), annotations included;
- the workload whose references were rewritten is the same except for exactly those names.

Inputs: every file of ../shared/corpus/fidelity (third-party manifests: kustomize examples and the
ESO CRDs) and tests/fidelity/ (our realistic manifests and a file of tricky scalars).
"""

from __future__ import annotations

import math
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, SHARED, aws_config_text, coverage_note, resource_list_text, run_fn
from ruamel.yaml import YAML

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # same YAML 1.1 resolver, faster

CORPUS = SHARED / "corpus" / "fidelity"
OWN = REPO / "tests" / "fidelity"
CORPUS_FILES = sorted(CORPUS.glob("*.yaml")) if CORPUS.is_dir() else []
OWN_FILES = sorted(OWN.glob("*.yaml"))

NAMESPACE = "fidelity-ns"
PLACEHOLDER = f"""\
- apiVersion: v1
  kind: Secret
  metadata:
    name: fidelity-db
    namespace: {NAMESPACE}
    annotations:
      secret-sync.dev/remote-key: fidelity/db
  stringData:
    password: ""
    username: ""
"""
# A workload full of scalars both readings disagree on, around the references to rewrite.
WORKLOAD = f"""\
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: fidelity-web
    namespace: {NAMESPACE}
    labels: {{app: web, version: "1.10", enabled: "on"}}
    annotations:
      note: on
      octal: 0755
      build: 0009
  spec:
    replicas: 01
    template:
      metadata:
        labels: {{app: web}}
      spec:
        imagePullSecrets:
        - name: fidelity-db
        initContainers:
        - name: init
          image: busybox:1.36
          env:
          - name: FLAG
            value: yes
          - name: PASSWORD
            valueFrom:
              secretKeyRef: {{name: "fidelity-db", key: password}}
        containers:
        - name: web
          image: nginx:1.25
          args: ["--ratio", 1.10, on, 0x1F, ~]
          envFrom:
          - secretRef:
              name: 'fidelity-db'
          - configMapRef: {{name: fidelity-db}}
          env:
          - name: USER
            valueFrom:
              secretKeyRef:
                name: fidelity-db # the placeholder
                key: username
          - name: OTHER
            valueFrom:
              secretKeyRef: {{name: unrelated-secret, key: x}}
        volumes:
        - name: creds
          secret:
            secretName: fidelity-db
            defaultMode: 0400
        - name: projected
          projected:
            defaultMode: 0440
            sources:
            - secret: {{name: fidelity-db, items: [{{key: password, path: pw, mode: 0400}}]}}
            - configMap: {{name: fidelity-db}}
"""
# (path in the workload) of every reference that must be rewritten; nothing else may change.
REWRITTEN = [
    ("spec", "template", "spec", "imagePullSecrets", 0, "name"),
    ("spec", "template", "spec", "initContainers", 0, "env", 1, "valueFrom", "secretKeyRef", "name"),
    ("spec", "template", "spec", "containers", 0, "envFrom", 0, "secretRef", "name"),
    ("spec", "template", "spec", "containers", 0, "env", 0, "valueFrom", "secretKeyRef", "name"),
    ("spec", "template", "spec", "volumes", 0, "secret", "secretName"),
    ("spec", "template", "spec", "volumes", 1, "projected", "sources", 0, "secret", "name"),
]
CONFIG = aws_config_text("fidelity")

_DOC_START = re.compile(r"^---(\s.*)?$")
_DOC_END = re.compile(r"^\.\.\.\s*$")


def documents(text: str) -> list[str]:
    """The documents of a YAML stream, as text (split at `---` and `...` lines)."""
    docs: list[list[str]] = [[]]
    for line in text.splitlines():
        if _DOC_START.match(line) or _DOC_END.match(line):
            docs.append([])
        else:
            docs[-1].append(line)
    return ["\n".join(d) + "\n" for d in docs if any(_content(ln) for ln in d)]


def _content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def as_item(doc: str) -> str:
    """A document as one element of `items`: `- ` before its first content line, every line
    indented by two spaces. Its text is otherwise kept exactly."""
    out: list[str] = []
    started = False
    for line in doc.splitlines():
        if not started and _content(line):
            out.append("- " + line)
            started = True
        else:
            out.append("  " + line if line else "")
    return "\n".join(out) + "\n"


def is_object(doc: str) -> bool:
    data = yaml.load(doc, Loader=SafeLoader)
    meta = data.get("metadata") if isinstance(data, dict) else None
    return (isinstance(meta, dict) and isinstance(meta.get("name"), str)
            and isinstance(data.get("kind"), str) and isinstance(data.get("apiVersion"), str))


def yaml12() -> YAML:
    loader = YAML(typ="safe")
    loader.version = (1, 2)
    return loader


READINGS = {
    "YAML 1.1 (PyYAML SafeLoader, kubectl)": lambda text: yaml.load(text, Loader=SafeLoader),
    "YAML 1.2 (ruamel.yaml safe, kustomize/kpt)": lambda text: yaml12().load(text),
}


class _NaN:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, _NaN)

    def __repr__(self) -> str:
        return "nan"


def comparable(value: Any) -> Any:
    """NaN != NaN in Python; YAML's .nan must still compare equal to itself."""
    if isinstance(value, float) and math.isnan(value):
        return _NaN()
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return value


def run(stdin: str) -> str:
    res = run_fn(stdin, timeout=120)
    assert res.returncode == 0, res.stderr
    assert not res.stderr, res.stderr
    return res.stdout


def generated(item: dict[str, Any]) -> bool:
    labels = (item.get("metadata") or {}).get("labels") or {}
    return (item.get("apiVersion") == "external-secrets.io/v1"
            and labels.get("app.kubernetes.io/managed-by") == "secret-sync")


def set_path(data: Any, path: tuple[Any, ...], value: str) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


COUNTS = {"files": 0, "items": 0, "skipped": 0}


def check_file(path: Path) -> None:
    docs = documents(path.read_text(encoding="utf-8"))
    objects = [d for d in docs if is_object(d)]
    COUNTS["skipped"] += len(docs) - len(objects)  # e.g. a patch without metadata.name
    assert objects, f"{path.name} holds no Kubernetes object"
    stdin = resource_list_text(PLACEHOLDER + "".join(as_item(d) for d in objects) + WORKLOAD, CONFIG)
    stdout = run(stdin)

    for reading, load in READINGS.items():
        before = load(stdin)["items"]
        after = load(stdout)["items"]
        placeholder, *unowned, workload = before
        made = [i for i in after if generated(i)]
        rest = [i for i in after if not generated(i)]
        assert [i["kind"] for i in made] == ["ExternalSecret", "ClusterSecretStore"], reading
        assert placeholder not in rest
        *unowned_after, workload_after = rest
        assert len(unowned_after) == len(unowned)
        for i, (old, new) in enumerate(zip(unowned, unowned_after, strict=True)):
            assert comparable(new) == comparable(old), (
                f"{path.name} document {i} ({old.get('kind')} {old['metadata']['name']}) "
                f"reads differently under {reading} after secret-sync")

        target = made[0]["metadata"]["name"]
        assert target != "fidelity-db"
        expected = comparable(workload)
        for ref in REWRITTEN:
            set_path(expected, ref, target)
        assert comparable(workload_after) == expected, f"workload changed beyond its references ({reading})"
    COUNTS["files"] += 1
    COUNTS["items"] += len(objects)
    coverage_note("fidelity", f"{COUNTS['items']} unowned items from {COUNTS['files']} files, "
                  f"each compared under YAML 1.1 and 1.2 (+ a rewritten workload per file); "
                  f"{COUNTS['skipped']} non-object documents skipped")


@pytest.mark.skipif(not CORPUS_FILES, reason="../shared/corpus/fidelity is not next to this clone "
                    "(it exists in CI); tests/fidelity still runs")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_third_party_corpus(path: Path) -> None:
    check_file(path)


@pytest.mark.parametrize("path", OWN_FILES, ids=[p.name for p in OWN_FILES])
def test_own_manifests(path: Path) -> None:
    check_file(path)


def test_own_corpus_is_there() -> None:
    names = {p.name for p in OWN_FILES}
    assert {"tricky-scalars.yaml", "app-stack.yaml", "operators.yaml"} <= names


def test_wrapping_keeps_the_text() -> None:
    """The harness itself: wrapping a document changes no reading of it."""
    doc = (OWN / "tricky-scalars.yaml").read_text(encoding="utf-8")
    for d in documents(doc):
        wrapped = "items:\n" + as_item(d)
        for load in READINGS.values():
            assert comparable(load(wrapped)["items"][0]) == comparable(load(d))


HELLO = "kustomize__examples__helloWorld__"


@pytest.mark.skipif(not (CORPUS / f"{HELLO}kustomization.yaml").is_file(),
                    reason="../shared/corpus/fidelity is not next to this clone (it exists in CI)")
def test_kustomize_built_example(tmp_path: Path) -> None:
    """kustomize's helloWorld example, built by kubectl kustomize from its own inputs: the YAML
    as kustomize writes it (its quoting, its key order) survives too."""
    from conftest import KUBECTL

    src = tmp_path / "helloWorld"
    src.mkdir()
    for f in CORPUS.glob(f"{HELLO}*.yaml"):
        (src / f.name.removeprefix(HELLO)).write_bytes(f.read_bytes())
    built = subprocess.run([KUBECTL, "kustomize", str(src)], capture_output=True, text=True,
                           timeout=120)
    assert built.returncode == 0, built.stderr
    out = tmp_path / "built.yaml"
    out.write_text(built.stdout)
    check_file(out)
