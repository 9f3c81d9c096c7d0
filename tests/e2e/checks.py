"""The figures each e2e check verified, summed over the tests and printed at the end of the run
(one line per check, through the suite's coverage summary)."""

from __future__ import annotations

import time
from collections import Counter

from conftest import coverage_note

from .cluster import ARGOCD_LABEL, Cluster, decoded, ready, wait_until
from .examples import (
    WORKLOAD_RESOURCES,
    Expected,
    Obj,
    Ref,
    drift,
    generated,
    matches,
    of_kind,
    secret_refs,
    unresolved,
)

_COUNTS: Counter[tuple[str, str]] = Counter()

CHECKS = {
    "1": "accepted (server-side apply, strict field validation)",
    "2": "no drift (every field written reads back identically)",
    "3": "Secrets appear (ESO made each with the generated name, keys, values, type, labels)",
    "4": "workloads resolve (every Secret reference of a stored workload)",
    "5": "rollout by Git",
    "6": "refresh off",
    "7": "KES migration",
}


def count(check: str, what: str, n: int = 1) -> None:
    _COUNTS[(check, what)] += n
    parts = [f"{v} {w}" for (c, w), v in sorted(_COUNTS.items()) if c == check]
    coverage_note(f"e2e {check} {CHECKS[check]}", ", ".join(parts))


# --- the checks, shared by the tests --------------------------------------------------------------

def apply_and_compare(cluster: Cluster, objs: list[Obj], crds: str) -> list[Obj]:
    """Checks 1 and 2: apply `objs` (with Argo CD's tracking label added, as Argo CD does) and read
    every generated object back. Returns what was applied."""
    applied = cluster.apply(objs, labels={ARGOCD_LABEL: "e2e"})
    count("1", f"objects applied on {crds}", len(applied))
    problems = []
    for obj in generated(applied):
        diffs, fields = drift(obj, cluster.get(obj))
        problems += [f"{obj['kind']} {obj['metadata']['name']}: {d}" for d in diffs]
        count("2", f"fields compared on {crds}", fields)
    assert not problems, "\n".join(problems)
    return applied


def wait_ready(cluster: Cluster, externalsecrets: list[Obj], timeout: float = 90) -> None:
    """Waits until ESO reports every ExternalSecret Ready. They are nudged first (an annotation),
    because ESO does not watch stores: an ExternalSecret that failed before its store was swapped
    for the fake one would otherwise wait out its error backoff."""
    for es in externalsecrets:
        meta = es["metadata"]
        cluster.kubectl("annotate", "--overwrite", "externalsecrets.external-secrets.io", meta["name"],
                        "-n", meta["namespace"], f"e2e.secret-sync.dev/nudge={time.monotonic_ns()}")
    for es in externalsecrets:
        meta = es["metadata"]
        wait_until(f"ExternalSecret {meta['namespace']}/{meta['name']} Ready",
                   lambda es=es: ready(cluster.get(es)), timeout=timeout)


def check_secrets(cluster: Cluster, applied: list[Obj], expected: list[Expected]) -> None:
    """Check 3: each ExternalSecret of the build gave the Secret `expected` describes, with its
    exact generated name, in its namespace, with exactly the keys, values and type declared, the
    template labels and none of the ExternalSecret's own labels."""
    externalsecrets = of_kind(applied, "ExternalSecret")
    wait_ready(cluster, externalsecrets)
    targets = {es["spec"]["target"]["name"]: es for es in externalsecrets}
    unmatched = dict(targets)
    problems = []
    for exp in expected:
        names = [n for n in targets if matches(exp.name, n)]
        if len(names) != 1:
            problems.append(f"expected one ExternalSecret target matching {exp.name}, got {names}")
            continue
        es = unmatched.pop(names[0])
        problems += secret_problems(cluster, es, exp)
        count("3", "Secrets checked")
        count("3", "keys compared", len(exp.data))
    problems += [f"ExternalSecret target {n} is not expected" for n in unmatched]
    assert not problems, "\n".join(problems)


def secret_problems(cluster: Cluster, es: Obj, exp: Expected) -> list[str]:
    ns, name = es["metadata"]["namespace"], es["spec"]["target"]["name"]
    secret = cluster.secret(ns, name)
    if secret is None:
        return [f"no Secret {ns}/{name}"]
    problems = []
    if decoded(secret) != exp.data:
        problems.append(f"Secret {ns}/{name}: keys {sorted(decoded(secret))}, "
                        f"expected {sorted(exp.data)} (or a value differs)")
    if secret.get("type") != exp.type:
        problems.append(f"Secret {ns}/{name}: type {secret.get('type')}, expected {exp.type}")
    labels = secret["metadata"].get("labels") or {}
    problems += [f"Secret {ns}/{name}: label {k}={v} missing" for k, v in exp.labels.items()
                 if labels.get(k) != v]
    own = set(es["metadata"].get("labels") or {}) - set(exp.labels)
    problems += [f"Secret {ns}/{name}: carries the ExternalSecret's own label {k}"
                 for k in sorted(own & set(labels))]
    problems += [f"Secret {ns}/{name}: carries annotation {k}"
                 for k in secret["metadata"].get("annotations") or {} if k.startswith("secret-sync.dev/")]
    return problems


def stored_secrets(cluster: Cluster, namespaces: list[str]) -> dict[tuple[str, str], Obj]:
    out = {}
    for ns in namespaces:
        for s in cluster.json("get", "secrets", "-n", ns)["items"]:
            out[(ns, s["metadata"]["name"])] = s
    return out


def check_workloads(cluster: Cluster, namespaces: list[str]) -> list[Ref]:
    """Check 4: every Secret reference of every workload stored in `namespaces` names a Secret of
    its namespace that holds the referenced key. Returns the references."""
    refs = []
    for ns in namespaces:
        stored = cluster.json("get", ",".join(WORKLOAD_RESOURCES), "-n", ns)["items"]
        count("4", "workloads read back", len(stored))
        refs += [r for obj in stored for r in secret_refs(obj)]
    problems = unresolved(refs, stored_secrets(cluster, namespaces))
    assert not problems, "\n".join(problems)
    count("4", "references resolved", len(refs))
    return refs
