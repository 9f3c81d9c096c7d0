"""What the function changed in a document, as a list of field changes, and applying them."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

FieldPath = tuple[Any, ...]


@dataclass(frozen=True)
class Change:
    path: FieldPath
    value: Any = None
    delete: bool = False
    leaf: bool = False             # a scalar replaced by a scalar


def diff(old: Any, new: Any, path: FieldPath = ()) -> list[Change]:
    """The smallest set of changes that turns `old` into `new` (both plain Python data)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = [Change((*path, k), delete=True) for k in old if k not in new]
        for k, v in new.items():
            out.extend(diff(old[k], v, (*path, k)) if k in old else [Change((*path, k), v)])
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [c for i, (a, b) in enumerate(zip(old, new, strict=True)) for c in diff(a, b, (*path, i))]
    if same(old, new):
        return []
    leaf = not isinstance(old, (dict, list)) and not isinstance(new, (dict, list))
    return [Change(path, copy.deepcopy(new), leaf=leaf)]


def same(a: Any, b: Any) -> bool:
    """Equality that also compares scalar types (1 == True == 1.0 in Python) and NaN."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and a != a:
        return bool(b != b)
    return bool(a == b)


def apply(data: Any, changes: list[Change]) -> Any:
    """A copy of `data` with `changes` applied."""
    return apply_in_place(copy.deepcopy(data), changes)


def _copy_of_new(parent: Any, change: Change) -> Any:
    return copy.deepcopy(change.value)


def apply_in_place(doc: Any, changes: list[Change],
                   value: Callable[[Any, Change], Any] = _copy_of_new) -> Any:
    """`doc` (plain data or a ruamel document) with `changes` made in it; `value(parent, change)`
    gives what a changed field is set to."""
    for c in changes:
        parent = doc
        for seg in c.path[:-1]:
            parent = parent[seg]
        if c.delete:
            del parent[c.path[-1]]
        else:
            parent[c.path[-1]] = value(parent, c)
    return doc
