"""Our own checks of what we generate: ESO's webhook rules and the schema rules that matter.

ESO's admission webhook may be absent or fail open, and the CRD schema does not hold these rules,
so a wrong object would only fail in the cluster. Checked after `spec.patches` too.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import durations
from .naming import name_problem
from .providers import check_provider
from .records import TYPE_CHECKING
from .results import ResourceRef, Result, error

if TYPE_CHECKING:
    from typing import Any

Problem = tuple[str, str]  # (field path, message)
SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]+\Z")
SECRET_KEY_MAX = 253
CREATION = ("Owner", "Orphan", "Merge", "None", "CreateOrMerge")
DELETION = ("Retain", "Delete", "Merge")
STRATEGIES = {"conversionStrategy": ("Default", "Unicode"),
              "decodingStrategy": ("None", "Base64", "Base64URL", "Auto"),
              "metadataPolicy": ("None", "Fetch"), "nullBytePolicy": ("Ignore", "Fail")}


def secret_key_problem(name: str) -> str | None:
    """Why `name` cannot be a key of a Kubernetes Secret written by ESO, or None."""
    if len(name) > SECRET_KEY_MAX:
        return f"is longer than {SECRET_KEY_MAX} characters"
    if not SECRET_KEY.match(name):
        return ("may only contain letters, digits, '-', '_' and '.' "
                "(ESO secretKey ^[-._a-zA-Z0-9]+$)")
    if name in (".", ".."):
        return "may not be '.' or '..' (Kubernetes Secret key rule)"
    return None


# The types the rules below read, checked first: a `spec.patches` op may put any value anywhere.
# `[]` is every element of a list, `*` every value of a mapping; a null is left to the rules.
ES_SHAPES: tuple[tuple[str, type], ...] = (
    ("data", list), ("data[]", dict), ("data[].secretKey", str), ("data[].remoteRef", dict),
    ("dataFrom", list), ("dataFrom[]", dict), ("dataFrom[].extract", dict), ("dataFrom[].find", dict),
    ("dataFrom[].sourceRef", dict), ("target", dict), ("target.template", dict),
    ("target.template.metadata", dict), ("target.template.metadata.annotations", dict),
    ("target.template.metadata.labels", dict), ("target.template.metadata.annotations.*", str),
    ("target.template.metadata.labels.*", str), ("target.template.templateFrom", list),
    ("target.template.templateFrom[]", dict),
)
META_SHAPES: tuple[tuple[str, type], ...] = (("labels.*", str), ("annotations.*", str))
TYPE_NAMES: dict[type, str] = {list: "a list", dict: "a mapping", str: "a string"}


def _at(value: Any, path: str, where: str) -> list[tuple[str, Any]]:
    """(concrete path, value) of every non-null value at `path` below `value`."""
    found = [(where, value)]
    for part in path.split("."):
        name, each = part.removesuffix("[]"), part.endswith("[]")
        step: list[tuple[str, Any]] = []
        for at, node in found:
            if name == "*":
                step += [(f"{at}.{k}", v) for k, v in node.items()] if isinstance(node, dict) else []
                continue
            child = node.get(name) if isinstance(node, dict) else None
            if each and isinstance(child, list):
                step += [(f"{at}.{name}[{i}]", v) for i, v in enumerate(child)]
            elif not each:
                step.append((f"{at}.{name}", child))
        found = [(at, v) for at, v in step if v is not None]
    return found


def shape_problems(obj: Any, shapes: tuple[tuple[str, type], ...], where: str) -> list[Problem]:
    return [(at, f"must be {TYPE_NAMES[kind]}") for path, kind in shapes
            for at, value in _at(obj, path, where) if not isinstance(value, kind)]


def _es_spec(spec: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = shape_problems(spec, ES_SHAPES, "spec")
    if problems:
        return problems  # the rules below read these types
    data, data_from = spec.get("data") or [], spec.get("dataFrom") or []
    if not data and not data_from:
        problems.append(("spec", "needs data or dataFrom"))
    target = spec.get("target") or {}
    creation = target.get("creationPolicy", "Owner")
    deletion = target.get("deletionPolicy", "Retain")
    if creation not in CREATION:
        problems.append(("spec.target.creationPolicy", f"must be one of {', '.join(CREATION)}"))
    if deletion not in DELETION:
        problems.append(("spec.target.deletionPolicy", f"must be one of {', '.join(DELETION)}"))
    if deletion == "Delete" and creation in ("Merge", "None", "CreateOrMerge"):
        problems.append(("spec.target.deletionPolicy", f"Delete is invalid with creationPolicy {creation}"))
    if deletion == "Merge" and creation == "None":
        problems.append(("spec.target.deletionPolicy", "Merge is invalid with creationPolicy None"))
    problems += _template(target.get("template") or {})
    problems += _data(data, deletion)
    problems += _data_from(data_from)
    interval = spec.get("refreshInterval")
    if interval is not None:
        try:
            durations.parse(str(interval))
        except durations.DurationError as exc:
            problems.append(("spec.refreshInterval", str(exc)))
    return problems


def _template(template: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    if template.get("engineVersion", "v2") != "v2":
        problems.append(("spec.target.template.engineVersion", "ESO v1 accepts only v2"))
    if template.get("type") == "bootstrap.kubernetes.io/token":
        problems.append(("spec.target.template.type", "bootstrap.kubernetes.io/token is forbidden"))
    annotations = (template.get("metadata") or {}).get("annotations") or {}
    if (template.get("type") == "kubernetes.io/service-account-token"
            and "kubernetes.io/service-account.name" in annotations):
        problems.append(("spec.target.template.metadata.annotations",
                         "a service-account-token target may not set kubernetes.io/service-account.name"))
    for i, tf in enumerate(template.get("templateFrom") or []):
        if tf.get("target", "Data") not in ("Data", "Annotations", "Labels"):
            problems.append((f"spec.target.template.templateFrom[{i}].target",
                             "must be Data, Annotations or Labels"))
    return problems


def _ref(ref: dict[str, Any], where: str) -> list[Problem]:
    problems = [(f"{where}.{k}", f"must be one of {', '.join(allowed)}")
                for k, allowed in STRATEGIES.items() if k in ref and ref[k] not in allowed]
    if "key" in ref and not ref["key"]:
        problems.append((f"{where}.key", "must not be empty"))
    return problems


def _data(data: list[dict[str, Any]], deletion: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, entry in enumerate(data):
        key = entry.get("secretKey", "")
        key_issue = secret_key_problem(str(key))
        if key_issue:
            problems.append((f"spec.data[{i}].secretKey", key_issue))
        if key in seen and deletion == "Retain":
            problems.append((f"spec.data[{i}].secretKey", f"duplicate secretKey {key!r}"))
        seen.add(key)
        ref = entry.get("remoteRef")
        if not isinstance(ref, dict) or not ref.get("key"):
            problems.append((f"spec.data[{i}].remoteRef.key", "is required"))
        else:
            problems += _ref(ref, f"spec.data[{i}].remoteRef")
    return problems


def _data_from(data_from: list[dict[str, Any]]) -> list[Problem]:
    problems: list[Problem] = []
    for i, entry in enumerate(data_from):
        where = f"spec.dataFrom[{i}]"
        source_ref = entry.get("sourceRef") or {}
        kinds: list[str] = [k for k in ("extract", "find") if k in entry]
        if source_ref.get("generatorRef"):
            kinds.append("generatorRef")
        if len(kinds) > 1:
            problems.append((where, f"may not combine {' and '.join(kinds)}"))
        if not kinds and not source_ref:
            problems.append((where, "needs extract, find or sourceRef"))
        if source_ref and not (source_ref.get("storeRef") or source_ref.get("generatorRef")):
            problems.append((f"{where}.sourceRef", "needs storeRef or generatorRef"))
        if "extract" in entry:
            problems += _ref(entry["extract"], f"{where}.extract")
        if "find" in entry:
            problems += _ref(entry["find"], f"{where}.find")
    return problems


def _store_spec(spec: dict[str, Any]) -> list[Problem]:
    return [(f"spec.provider.{f}" if f else "spec.provider", m)
            for f, m in check_provider(spec.get("provider"))]


CHECKS: dict[str, Callable[[dict[str, Any]], list[Problem]]] = {
    "ExternalSecret": _es_spec,
    "SecretStore": _store_spec,
    "ClusterSecretStore": _store_spec,
}


def check(obj: dict[str, Any]) -> list[Problem]:
    """Problems of one generated ESO object."""
    problems: list[Problem] = []
    meta = obj.get("metadata") or {}
    if obj.get("kind") == "ClusterSecretStore" and meta.get("namespace"):
        problems.append(("metadata.namespace", "a ClusterSecretStore is cluster-scoped"))
    problems += shape_problems(meta, META_SHAPES, "metadata")
    if not isinstance(obj.get("spec"), dict):
        return [*problems, ("spec", "is required")]
    check_fn = CHECKS.get(str(obj.get("kind")))
    return problems + (check_fn(obj["spec"]) if check_fn else [])


def check_generated(objects: list[dict[str, Any]]) -> list[Result]:
    """Every problem of the generated objects (after spec.patches) as an error result."""
    problems: list[Result] = []
    for obj in objects:
        meta = obj["metadata"]
        kind, name = obj["kind"], meta.get("name", "")
        found = check(obj)
        name_issue = name_problem(str(name))
        if name_issue:
            found.append(("metadata.name", name_issue))
        ref = ResourceRef(obj["apiVersion"], kind, name, meta.get("namespace"))
        problems.extend(error(f"generated {kind} {name!r}: {path} {msg}", resource=ref, field=path)
                        for path, msg in found)
    return problems
