"""Validate mode: fail when a Secret with inline data is still in the output, or when a store
reference of secret-sync's ExternalSecrets does not resolve (storerefs.py).

Run as a kustomize/kpt validator after everything else, it proves no secret material is
committed. An allow-list (by name or labels) covers Secrets a team decides may stay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .resourcelist import Item, ResourceList
from .results import Result, error, info

if TYPE_CHECKING:
    from .config import Spec


def _allowed(item: Item, obj: dict[str, Any], spec: Spec) -> bool:
    names = spec.validate_.allowNames
    if item.name in names or f"{item.namespace or ''}/{item.name}" in names:
        return True
    wanted = spec.validate_.allowLabels
    labels = (obj.get("metadata") or {}).get("labels")
    if not wanted or not isinstance(labels, dict):  # malformed labels allow nothing
        return False
    return all(labels.get(k) == v for k, v in wanted.items())


def _inline_keys(obj: dict[str, Any]) -> list[str]:
    keys: list[str] = []
    for section in ("data", "stringData"):
        values = obj.get(section)
        if isinstance(values, dict):
            keys += [f"{section}.{k}" for k, v in values.items() if v not in (None, "")]
        elif values not in (None, "", []):  # not a mapping, but not empty either: count it
            keys.append(section)
    return keys


def check(rl: ResourceList, spec: Spec) -> list[Result]:
    problems: list[Result] = []
    checked = 0
    for item in rl.items:
        if item.kind != "Secret" or item.api_version != "v1":
            continue
        checked += 1
        obj = rl.data(item)
        keys = _inline_keys(obj)
        if keys and not _allowed(item, obj, spec):
            problems.append(error(
                f"Secret carries inline data in {', '.join(keys)}; secret material must not be "
                "committed (replace it with a placeholder, or allow it in spec.validate)",
                resource=item.ref, field=keys[0], file=item.file))
    from . import storerefs

    problems += storerefs.check(rl, spec)
    if not problems:
        problems.append(info(f"validated {checked} Secrets: none carries inline data"))
    return problems
