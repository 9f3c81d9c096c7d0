"""Typed reads from untrusted KES data.

KES objects come from Git as plain YAML, so any field may hold any type. Each reader returns the
value when it has the expected type and otherwise records an error and returns None: conversion
continues to find more problems, and the caller never sees a wrong type. Messages name the type,
never the value (template fields may hold secret material).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .context import Ctx

_TYPE_NAMES = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
               list: "a list", dict: "a mapping"}


def type_name(value: object) -> str:
    for py_type, name in _TYPE_NAMES.items():
        if type(value) is py_type:
            return name
    if isinstance(value, Mapping):
        return "a mapping"
    return "null" if value is None else type(value).__name__


def opt_str(ctx: Ctx, obj: Mapping[str, Any], key: str, path: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    ctx.error(path, f"must be a string, not {type_name(value)}")
    return None


def opt_bool(ctx: Ctx, obj: Mapping[str, Any], key: str, path: str) -> bool | None:
    value = obj.get(key)
    if value is None or isinstance(value, bool):
        return value
    # KES compared with `=== true`, so a quoted "true" was silently false there; the CRD
    # rejects it. Refuse rather than guess which of the two the author meant.
    ctx.error(path, f"must be a boolean (true or false), not {type_name(value)}")
    return None


def opt_int_or_str(ctx: Ctx, obj: Mapping[str, Any], key: str, path: str) -> str | None:
    """The CRD's int-or-string: YAML `1` and `"1"` both mean the text 1."""
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    ctx.error(path, f"must be a string or an integer, not {type_name(value)}")
    return None


def opt_mapping(ctx: Ctx, obj: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any] | None:
    value = obj.get(key)
    if value is None or is_str_mapping(value):
        return value
    if isinstance(value, Mapping):
        ctx.error(path, "must be a mapping with string keys")
    else:
        ctx.error(path, f"must be a mapping, not {type_name(value)}")
    return None


def opt_list(ctx: Ctx, obj: Mapping[str, Any], key: str, path: str) -> list[Any] | None:
    value = obj.get(key)
    if value is None or isinstance(value, list):
        return value
    ctx.error(path, f"must be a list, not {type_name(value)}")
    return None


def is_str_mapping(value: object) -> bool:
    return isinstance(value, Mapping) and all(isinstance(k, str) for k in value)


def str_map(ctx: Ctx, value: object, path: str) -> dict[str, str]:
    """A map of strings (labels, annotations); wrong entries are errors and left out."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        ctx.error(path, f"must be a mapping of strings, not {type_name(value)}")
        return {}
    out: dict[str, str] = {}
    for k, v in value.items():
        if isinstance(k, str) and isinstance(v, str):
            out[k] = v
        else:
            ctx.error(f"{path}.{k}", f"must be a string, not {type_name(v)}")
    return out
