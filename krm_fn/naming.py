"""Plan the name of each target Secret (and its ExternalSecret): hash, suffix or keep.

`hash` names change whenever anything in Git that decides the Secret's content changes, so
workloads referencing the new name roll out; that is how a user decides *when* a change reaches pods.
"""

from __future__ import annotations

import json
import re

from .hashing import sha256
from .model import SecretRequest
from .records import TYPE_CHECKING
from .results import FileRef, Result, error

if TYPE_CHECKING:
    from typing import Any

    from .config import Spec

HASH_LENGTH = 10
MAX_NAME = 253
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
# Consonants and digits only, like kustomize's hash suffixes: no accidental words, DNS-safe.
_ALPHABET = "bcdfghkmnprstvwxz2456789"


def content_hash(req: SecretRequest) -> str:
    """10 characters over everything that decides the Secret's content."""
    basis: dict[str, Any] = {
        "store": req.store.identity(),
        "data": req.data,
        "dataFrom": req.data_from,
        "type": req.secret_type,
        "template": {"data": req.template_data, "mergePolicy": req.merge_policy,
                     "labels": req.template_labels, "annotations": req.template_annotations,
                     "finalizers": req.template_finalizers},
        "immutable": req.immutable,
        "revision": req.revision,
    }
    digest = sha256(json.dumps(basis, sort_keys=True, separators=(",", ":")).encode())
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(HASH_LENGTH):
        number, rem = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[rem])
    return "".join(chars)


def planned_name(req: SecretRequest, spec: Spec) -> str:
    if req.naming == "keep":
        return req.source.name
    if req.naming == "suffix":
        return req.source.name + spec.naming.suffix
    return f"{req.source.name}-{content_hash(req)}"


def where(file: FileRef | None) -> str:
    """` (path[index])` of the other document in a collision, so that both are named."""
    return f" ({file.path}[{file.index}])" if file is not None else ""


def name_problem(name: str) -> str | None:
    if len(name) > MAX_NAME:
        return f"is {len(name)} characters long; Kubernetes allows at most {MAX_NAME}"
    if not _DNS_SUBDOMAIN.match(name):
        return ("is not a valid Kubernetes name (lowercase letters, digits, '-' and '.', "
                "starting and ending with a letter or digit)")
    return None


def plan(requests: list[SecretRequest], spec: Spec) -> list[Result]:
    """Set `target_name` on every request; report invalid and colliding names."""
    problems: list[Result] = []
    seen: dict[tuple[str, str | None], SecretRequest] = {}
    for req in requests:
        req.target_name = planned_name(req, spec)
        issue = name_problem(req.target_name)
        if issue:
            problems.append(error(
                f"generated name {req.target_name!r} ({req.naming} naming) {issue}",
                resource=req.source.ref, field="metadata.name", file=req.source.file))
            continue
        key = (req.target_name, req.source.namespace)
        other = seen.get(key)
        if other is not None:
            problems.append(error(
                f"generated name {req.target_name!r} collides with the one generated for "
                f"{other.source.ref.describe()}{where(other.source.file)}", resource=req.source.ref,
                field="metadata.name",
                file=req.source.file))
        seen[key] = req
    return problems
