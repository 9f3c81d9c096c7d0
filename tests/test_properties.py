"""Property-based tests (issue 6, item 4), with hypothesis.

1. Random valid ResourceLists (placeholders with random DNS names and namespaces, some renamed by
   a kustomize namePrefix so they carry previousNames/previousNamespaces; workloads of every
   supported kind referencing some placeholders by current or previous name, some plain Secrets
   and some unknown names, in the same or another namespace; plain Secrets; unrelated objects with
   random text): the function never crashes; its output is deterministic, idempotent, and its
   generated objects are valid; every reference to a placeholder is rewritten to the name of the
   ExternalSecret that replaced it, and no other field of any object changes.
2. Random byte and YAML-level mutations of a valid input never give a traceback or an internal
   error, only exit 0 or exit 1 with a message.

The function runs in-process (`krm_fn.cli.main` with stdin/stdout/stderr swapped; ryml's C++
diagnostics are captured through fd 2 by yamlio itself), plus a small subprocess sample for the
mutations so that a hard crash of the process would show up as such.
"""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any
from unittest.mock import patch

import pytest
import yaml
from conftest import SECRET_SYNC, SHARED, coverage_note, eso_schema_errors
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from krm_fn import cli, validation

HAVE_SCHEMAS = (SHARED / "schemas" / "eso").is_dir()
COUNTS = {"valid": 0, "valid-exit-1": 0, "references": 0, "mutations": 0, "mutations-subprocess": 0}
SETTINGS = settings(max_examples=80, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(autouse=True, scope="module")
def _no_debug() -> Any:
    saved = {k: os.environ.pop(k) for k in ("SECRET_SYNC_DEBUG", "SECRET_SYNC_MAX_INPUT_BYTES")
             if k in os.environ}
    yield
    os.environ.update(saved)


def call(data: bytes, *args: str) -> tuple[int, bytes, str]:
    """Run the function in this process, as the console script would."""
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    out = io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8")
    err = io.StringIO()
    with patch.object(sys, "stdin", stdin), patch.object(sys, "stdout", stdout), \
            patch.object(sys, "stderr", err):
        code = cli.main(list(args))
        stdout.flush()
    return code, out.getvalue(), err.getvalue()


def assert_handled(code: int, stdout: bytes, stderr: str) -> None:
    """exit 0, or exit 1 with a readable message and no items: never a crash."""
    assert "Traceback" not in stderr
    assert "internal error" not in stderr, stderr
    assert code in (0, 1), (code, stderr)
    if code == 1:
        assert "secret-sync: error: " in stderr
        assert yaml.safe_load(stdout)["items"] == []


# --- strategies ---------------------------------------------------------------------------------------

LABEL = st.from_regex(r"[a-z]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
NAMESPACES = st.sampled_from([None, "default", "shop", "prod", "team-b"])
KEYS = st.lists(st.sampled_from(["username", "password", "url", "token", "ca.crt"]), unique=True,
                max_size=3)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
SCALAR = st.one_of(TEXT, st.integers(-10**6, 10**6), st.booleans(), st.none(),
                   st.sampled_from(["on", "0009", "1.10", "0x1F", "~", "yes", "0400", "1:20"]))


@dataclass
class Placeholder:
    name: str                      # current name (after a kustomize namePrefix, if any)
    namespace: str | None
    previous: list[tuple[str, str | None]] = field(default_factory=list)  # (name, namespace)
    keys: list[str] = field(default_factory=list)
    naming: str | None = None
    store: str | None = None

    def aliases(self) -> list[tuple[str, str]]:
        """(name, namespace) pairs a reference may use: how kustomize's build state is read."""
        out = [(self.name, self.namespace or "default")]
        out += [(n, ns or "default") for n, ns in self.previous]  # written out, see obj()
        return out

    def obj(self) -> dict[str, Any]:
        ann = {"secret-sync.dev/remote-key": f"remote/{self.name}"}
        if self.naming:
            ann["secret-sync.dev/naming"] = self.naming
        if self.store:
            ann["secret-sync.dev/store"] = self.store
        if self.previous:
            ann["internal.config.kubernetes.io/previousNames"] = ",".join(n for n, _ in self.previous)
            ann["internal.config.kubernetes.io/previousNamespaces"] = ",".join(
                ns or "default" for _, ns in self.previous)
        meta: dict[str, Any] = {"name": self.name, "annotations": ann}
        if self.namespace:
            meta["namespace"] = self.namespace
        obj: dict[str, Any] = {"apiVersion": "v1", "kind": "Secret", "metadata": meta}
        if self.keys:
            obj["stringData"] = dict.fromkeys(self.keys, "")
        return obj


@st.composite
def placeholders(draw: st.DrawFn) -> Placeholder:
    orig = draw(LABEL)
    namespace = draw(NAMESPACES)
    renamed = draw(st.sampled_from(["no", "prefix", "prefix-and-namespace"]))
    previous: list[tuple[str, str | None]] = []
    name = orig
    if renamed != "no":  # kustomize namePrefix (and namespace) ran before the function
        name = f"p-{orig}"
        old_ns = draw(NAMESPACES) if renamed == "prefix-and-namespace" else namespace
        previous = [(orig, old_ns), (orig, old_ns)]  # kustomize writes one entry per rename
    return Placeholder(name, namespace, previous, draw(KEYS),
                       draw(st.sampled_from([None, None, "hash", "suffix", "keep"])),
                       draw(st.sampled_from([None, None, "vault"])))


@dataclass
class Ref:
    item: int                      # index in items
    path: tuple[Any, ...]
    value: str


@dataclass
class Scenario:
    items: list[dict[str, Any]]
    placeholders: dict[int, Placeholder]  # item index -> placeholder
    refs: list[Ref]
    config: dict[str, Any]

    def text(self) -> bytes:
        doc = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList",
               "items": self.items, "functionConfig": self.config}
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode()


POD_SPEC_AT = {
    ("apps/v1", "Deployment"): ("spec", "template", "spec"),
    ("apps/v1", "StatefulSet"): ("spec", "template", "spec"),
    ("batch/v1", "CronJob"): ("spec", "jobTemplate", "spec", "template", "spec"),
    ("v1", "Pod"): ("spec",),
}
CONFIG = {
    "apiVersion": "secret-sync.dev/v1alpha1", "kind": "SecretSync", "metadata": {"name": "p"},
    "spec": {
        "defaultStore": "aws",
        "stores": [
            {"name": "aws", "provider": {"aws": {"service": "SecretsManager", "region": "eu-west-1"}}},
            {"name": "vault", "kind": "SecretStore",
             "provider": {"vault": {"server": "https://vault.example:8200", "path": "secret",
                                    "version": "v2",
                                    "auth": {"tokenSecretRef": {"name": "vault-token",
                                                                "key": "token"}}}}},
        ],
        "references": {"fieldSpecs": [{"group": "example.com", "kind": "Widget",
                                       "path": "spec/secretName"}]},
    },
}


def pod_spec(names: list[str]) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """A pod spec using each name in one of the places Secret names live; paths returned."""
    containers: list[dict[str, Any]] = [{"name": "app", "image": "app:1", "env": [], "envFrom": []}]
    spec: dict[str, Any] = {"containers": containers, "volumes": [], "imagePullSecrets": []}
    paths: list[tuple[Any, ...]] = []
    for i, name in enumerate(names):
        where = i % 5
        if where == 0:
            env = containers[0]["env"]
            env.append({"name": f"V{i}", "valueFrom": {"secretKeyRef": {"name": name, "key": "k"}}})
            paths.append(("containers", 0, "env", len(env) - 1, "valueFrom", "secretKeyRef", "name"))
        elif where == 1:
            env_from = containers[0]["envFrom"]
            env_from.append({"secretRef": {"name": name}})
            paths.append(("containers", 0, "envFrom", len(env_from) - 1, "secretRef", "name"))
        elif where == 2:
            spec["volumes"].append({"name": f"v{i}", "secret": {"secretName": name, "defaultMode": 0o400}})
            paths.append(("volumes", len(spec["volumes"]) - 1, "secret", "secretName"))
        elif where == 3:
            spec["imagePullSecrets"].append({"name": name})
            paths.append(("imagePullSecrets", len(spec["imagePullSecrets"]) - 1, "name"))
        else:
            spec["volumes"].append({"name": f"p{i}", "projected": {"sources": [
                {"configMap": {"name": name}}, {"secret": {"name": name}}]}})
            paths.append(("volumes", len(spec["volumes"]) - 1, "projected", "sources", 1, "secret", "name"))
    return spec, paths


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    phs = draw(st.lists(placeholders(), min_size=1, max_size=4))
    aliases = [a for p in phs for a in p.aliases()]
    # no two placeholders may answer to the same (name, namespace): that input is ambiguous
    for p in phs:
        for q in phs:
            if p is not q:
                assume(not set(p.aliases()) & set(q.aliases()))
    plain = draw(st.lists(st.tuples(LABEL, NAMESPACES), max_size=3, unique=True))
    assume(not {(n, ns or "default") for n, ns in plain} & set(aliases))

    items: list[dict[str, Any]] = []
    index: dict[int, Placeholder] = {}
    refs: list[Ref] = []
    for p in phs:
        index[len(items)] = p
        items.append(p.obj())
    for name, ns in plain:
        meta: dict[str, Any] = {"name": name, **({"namespace": ns} if ns else {})}
        data = base64.b64encode(draw(st.binary(max_size=12))).decode()
        items.append({"apiVersion": "v1", "kind": "Secret", "metadata": meta, "data": {"k": data}})

    # mostly names of placeholders (current and previous), some plain Secrets, some unknown
    candidates = [n for p in phs for n, _ in p.aliases()] * 3 + [n for n, _ in plain] + ["unrelated"]
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from([*POD_SPEC_AT, ("v1", "ServiceAccount"),
                                     ("networking.k8s.io/v1", "Ingress"), ("example.com/v1", "Widget"),
                                     ("example.com/v1", "Gadget"), ("v1", "ConfigMap")]))
        names = draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=6))
        ns = draw(NAMESPACES)
        meta = {"name": f"w{len(items)}", **({"namespace": ns} if ns else {})}
        if draw(st.booleans()) and ns:  # moved by a kustomize `namespace:` transformer
            meta["annotations"] = {"internal.config.kubernetes.io/previousNamespaces":
                                   draw(st.sampled_from(["default", "shop", "prod"]))}
        obj: dict[str, Any] = {"apiVersion": kind[0], "kind": kind[1], "metadata": meta}
        paths: list[tuple[Any, ...]] = []
        if kind in POD_SPEC_AT:
            spec, sub = pod_spec(names)
            at = POD_SPEC_AT[kind]
            body: dict[str, Any] = spec
            for key in reversed(at[1:]):
                body = {key: body}
            obj[at[0]] = body
            paths = [(*at, *s) for s in sub]
        elif kind[1] == "ServiceAccount":
            obj["secrets"] = [{"name": n} for n in names[::2]]
            obj["imagePullSecrets"] = [{"name": n} for n in names[1::2]]
            paths = [("secrets", i, "name") for i in range(len(names[::2]))]
            paths += [("imagePullSecrets", i, "name") for i in range(len(names[1::2]))]
        elif kind[1] == "Ingress":
            obj["spec"] = {"tls": [{"hosts": ["x.example.com"], "secretName": n} for n in names]}
            paths = [("spec", "tls", i, "secretName") for i in range(len(names))]
        elif kind[1] == "Widget":  # listed in spec.references.fieldSpecs
            obj["spec"] = {"secretName": names[0], "other": names[-1]}
            paths = [("spec", "secretName")]
        else:  # Gadget (a pod spec in a kind nobody configured) and ConfigMap: never rewritten
            obj["spec" if kind[1] == "Gadget" else "data"] = (
                pod_spec(names)[0] if kind[1] == "Gadget" else {"name": names[0]})
        refs += [Ref(len(items), path, _get(obj, path)) for path in paths]
        items.append(obj)

    for _ in range(draw(st.integers(0, 2))):  # unrelated objects with random scalars
        meta = {"name": f"cm{len(items)}", "annotations": {"note": draw(TEXT)}}
        items.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta,
                      "data": draw(st.dictionaries(st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,8}",
                                                                 fullmatch=True), SCALAR, max_size=4))})
    order = draw(st.permutations(range(len(items))))
    moved = {old: new for new, old in enumerate(order)}
    return Scenario([items[i] for i in order], {moved[i]: p for i, p in index.items()},
                    [Ref(moved[r.item], r.path, r.value) for r in refs], CONFIG)


def _get(obj: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        obj = obj[key]
    return obj


def _set(obj: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = value


def _namespaces(obj: dict[str, Any]) -> list[str]:
    meta = obj["metadata"]
    out = [meta.get("namespace") or "default"]
    previous = (meta.get("annotations") or {}).get("internal.config.kubernetes.io/previousNamespaces")
    out += [ns.strip() or "default" for ns in previous.split(",")] if previous else []
    return out


def _without_results(text: bytes) -> bytes:
    """The ResourceList text up to its `results:` key (the renderer writes it last)."""
    head, sep, _ = text.partition(b"\nresults:\n")
    return head + b"\n" if sep else text


# --- property 1: valid input ---------------------------------------------------------------------------

@SETTINGS
@given(scenarios())
def test_valid_resource_lists(sc: Scenario) -> None:
    source = sc.text()
    code, out, err = call(source)
    assert_handled(code, out, err)
    COUNTS["valid"] += 1
    if code == 1:  # only generated-name collisions may stop a valid input
        COUNTS["valid-exit-1"] += 1
        assert "collides" in err, err
        return

    # deterministic: same input, same bytes
    assert call(source) == (code, out, err)
    # idempotent: its own output goes through unchanged
    code2, out2, err2 = call(out)
    assert code2 == 0, err2
    # Results are about the run, not the objects: a warning on the first run (a renamed placeholder
    # nothing refers to, issue 13) has no placeholder left to be about on the second.
    assert out2 == _without_results(out)

    before = sc.items
    after = yaml.safe_load(out)["items"]
    made = [o for o in after if o["apiVersion"] == "external-secrets.io/v1"]
    for obj in made:
        assert validation.check(obj) == [], obj
        if HAVE_SCHEMAS:
            assert eso_schema_errors(obj) == [], obj

    # output order: every input item in place (a placeholder replaced by its ExternalSecret),
    # then the stores
    stores = [o for o in after[len(before):]]
    assert {o["kind"] for o in stores} <= {"ClusterSecretStore", "SecretStore"}
    target: dict[int, str] = {}
    for i, obj in enumerate(after[:len(before)]):
        if i in sc.placeholders:
            p = sc.placeholders[i]
            assert obj["kind"] == "ExternalSecret"
            assert obj["metadata"].get("namespace") == p.namespace
            target[i] = obj["spec"]["target"].get("name", obj["metadata"]["name"])
            assert obj["spec"]["secretStoreRef"]["name"] == (p.store or "aws")

    # references: each one is rewritten exactly when it names a placeholder (current or previous
    # name) in a namespace the workload is or was in; nothing else in any object changes
    owner = {alias: i for i, p in sc.placeholders.items() for alias in p.aliases()}
    expected = [yaml.safe_load(yaml.safe_dump(o)) for o in before]
    for ref in sc.refs:
        for ns in _namespaces(before[ref.item]):
            if (ref.value, ns) in owner:
                _set(expected[ref.item], ref.path, target[owner[(ref.value, ns)]])
                COUNTS["references"] += 1
                break
    for i, (want, got) in enumerate(zip(expected, after[:len(before)], strict=True)):
        if i not in sc.placeholders:
            assert got == want, f"item {i} ({want['kind']}) changed beyond its Secret references"


# --- property 2: mutated input ---------------------------------------------------------------------------

YAML_SNIPPETS = [b"&a ", b"*a", b"*nope", b"<<: *a\n", b"!!binary ", b"!!int ", b"!custom ", b"---\n",
                 b"...\n", b"? ", b": ", b"- ", b"{", b"}", b"[", b"]", b"'", b'"', b"|", b">-", b"#",
                 b"\t", b"\\", b"\\x00", b'"\\0"', b"\x00", b"\xff", b"\xef\xbb\xbf", b"%YAML 1.1\n",
                 b"~", b"null", b"items:", b"kind:", b"metadata:", b"name:", b"\n  ", b"\r\n",
                 "\u2028".encode(), b"&x [*x]", b"a: &b [*b]\n"]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(scenarios()).text())
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "snippet", "dup-line", "indent"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 40))]
        elif op == "snippet":
            data[pos:pos] = draw(st.sampled_from(YAML_SNIPPETS))
        else:
            lines = bytes(data).split(b"\n")
            n = draw(st.integers(0, len(lines) - 1))
            if op == "dup-line":
                lines.insert(n, lines[n])
            else:
                lines[n] = draw(st.sampled_from([b"", b" ", b"  ", b"\t"])) + lines[n].lstrip(b" ")
            data = bytearray(b"\n".join(lines))
    return bytes(data)


@settings(max_examples=250, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated(), st.sampled_from([(), ("validate",)]))
def test_mutations_never_crash(data: bytes, args: tuple[str, ...]) -> None:
    code, out, err = call(data, *args)
    assert_handled(code, out, err)
    COUNTS["mutations"] += 1


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_mutations_never_crash_the_process(data: bytes) -> None:
    proc = subprocess.run([SECRET_SYNC], input=data, capture_output=True, timeout=30,
                          env={k: v for k, v in os.environ.items() if k != "SECRET_SYNC_DEBUG"})
    assert_handled(proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace"))
    COUNTS["mutations-subprocess"] += 1


def test_report_counts() -> None:
    """Runs last in this file: puts the number of examples into the pytest summary."""
    coverage_note("properties", f"{COUNTS['valid']} random valid ResourceLists "
                  f"({COUNTS['valid-exit-1']} stopped by a name collision, "
                  f"{COUNTS['references']} placeholder references checked), "
                  f"{COUNTS['mutations']} mutated inputs in-process, "
                  f"{COUNTS['mutations-subprocess']} by subprocess")
    assert COUNTS["valid"] > 0 or COUNTS["mutations"] > 0
