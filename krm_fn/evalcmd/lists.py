"""Kubernetes `List` documents (`kind: List`, `SecretList`, ...), which `helm template` output and
`kubectl get -o yaml` dumps hold. kubectl and kustomize apply their `items` one by one; eval reads
documents, not items. A List that holds a Secret, a KES object or a Secret reference is an error:
left as it is, its placeholder would stay a plain Secret and its references would keep the old
name, with exit 0. Any other List is passed over with a warning."""

from __future__ import annotations

from typing import Any

from ..results import FileRef, Result, warning
from .problems import fail

SPLIT = "split it into YAML documents separated by `---` and run eval again"


def is_list(data: dict[Any, Any]) -> bool:
    return str(data.get("kind", "")).endswith("List") and isinstance(data.get("items"), list)


def check_list(data: dict[Any, Any], where: FileRef) -> Result:
    """The warning for a List eval may pass over; raises the error for one it must not."""
    kind = data["kind"]
    for n, item in enumerate(data["items"]):
        found = _secret_related(item)
        if found:
            raise fail(f"{kind}: field items[{n}] {found}, but eval does not convert objects "
                       f"inside a {kind}: {SPLIT}", file=where)
    return warning(f"{kind}: eval does not read the objects inside a {kind} (none of them names "
                   "a Secret)", file=where)


def _secret_related(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    kind, group = str(item.get("kind")), str(item.get("apiVersion", "")).rpartition("/")[0]
    if kind == "Secret" or (kind == "ExternalSecret" and group == "kubernetes-client.io"):
        return f"is a {kind}"
    return "names a Secret" if _mentions_secret(item) else None


def _mentions_secret(data: Any) -> bool:
    """A key such as secretRef, secretKeyRef, secretName, imagePullSecrets or secret (volumes)."""
    if isinstance(data, dict):
        return any("secret" in str(k).lower() or _mentions_secret(v) for k, v in data.items())
    return isinstance(data, list) and any(_mentions_secret(v) for v in data)
