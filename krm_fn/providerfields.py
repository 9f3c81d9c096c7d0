"""Every field of a store's provider block, checked against the ESO CRDs (issue 13, item 3).

The API server silently prunes a field its CRD does not know (`additionalRole` for
`additionalRoles`): role chaining is then not configured and Argo CD stays OutOfSync forever. The
table of known fields and their types is generated from the ESO CRDs by scripts/gen-provider-table
(krm_fn/data/eso_providers_<release>.json). It is read only when a config with providers is
validated, which the config cache (configcache.py) does once per distinct config.

Every `spec.eso.version` is checked against the newest table (2.9): a field that an older release
does not know yet passes here (the older API server would prune it).
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any

TABLE_RELEASE = "2.9"
Problem = tuple[str, str]  # (field path below the block, message)

# A scalar type of the table and the Python types a YAML value of that type reads as.
SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
}

def table_path(release: str = TABLE_RELEASE) -> str:
    return os.path.join(os.path.dirname(__file__), "data", f"eso_providers_{release}.json")


@functools.cache
def providers() -> dict[str, Any]:
    """The provider tree (loaded once per process)."""
    with open(table_path(), encoding="utf-8") as f:
        tree: dict[str, Any] = json.load(f)["providers"]
    return tree


def check(block: Any, tree: Any = None) -> list[Problem]:
    """Unknown fields and wrong types in a provider block (`{aws: {...}}`), with "did you mean".
    `tree` is the table to check against (default: the generated one)."""
    problems: list[Problem] = []
    _check(block, providers() if tree is None else tree, "", problems)
    return problems


def _check(value: Any, node: Any, path: str, problems: list[Problem]) -> None:
    if isinstance(node, list):
        _check_list(value, node[0], path, problems)
    elif isinstance(node, dict):
        _check_mapping(value, node, path, problems)
    elif node == "object":
        if not isinstance(value, dict):
            problems.append((path, f"must be a mapping, not {_kind(value)}"))
    elif not _is(value, node):
        problems.append((path, f"must be a {node}, not {_kind(value)}"))


def _check_list(value: Any, item: Any, path: str, problems: list[Problem]) -> None:
    if not isinstance(value, list):
        problems.append((path, f"must be a list, not {_kind(value)}"))
        return
    for i, element in enumerate(value):
        _check(element, item, f"{path}[{i}]", problems)


def _check_mapping(value: Any, node: dict[str, Any], path: str, problems: list[Problem]) -> None:
    if not isinstance(value, dict):
        problems.append((path, f"must be a mapping, not {_kind(value)}"))
        return
    for key, sub in value.items():
        where = f"{path}.{key}" if path else str(key)
        if "*" in node:
            _check(sub, node["*"], where, problems)
        elif key in node:
            _check(sub, node[key], where, problems)
        else:
            problems.append((where, _unknown(str(key), node, path)))


def _unknown(key: str, node: dict[str, Any], path: str) -> str:
    import difflib  # only when there is a typo to explain

    known = sorted(node)
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    what = "ESO provider" if not path else "field"
    listed = f" (known: {', '.join(known)})" if not close and len(known) <= 12 else ""
    return (f"unknown {what} {key!r} in ESO {TABLE_RELEASE}{hint}{listed}; the API server would "
            "silently drop it")


def _is(value: Any, scalar: str) -> bool:
    allowed = SCALARS.get(scalar, (object,))
    return isinstance(value, allowed) and not (isinstance(value, bool) and bool not in allowed)


def _kind(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "list",
             dict: "mapping", type(None): "null"}
    return names.get(type(value), type(value).__name__)
