"""Read the KES `data`, `dataFrom` and `dataFromWithOptions` entries into typed items.

This layer only checks shapes and types (the KES CRD's rules); what each field means is the
backend's business (backends/).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..validation import secret_key_problem
from .context import Ctx
from .values import opt_bool, opt_int_or_str, opt_str, type_name

# ESO's secretKey rule (ExternalSecretData.secretKey in the v1 CRD).

DATA_FIELDS = frozenset({"key", "name", "property", "isBinary", "path", "recursive", "secretType",
                         "version", "versionStage", "versionId"})
WITH_OPTIONS_FIELDS = frozenset({"key", "isBinary", "versionStage", "versionId"})


@dataclass
class KesEntry:
    """One entry to fetch. `path` is its field path, e.g. `spec.data[2]`."""

    path: str
    key: str | None = None
    name: str | None = None
    prop: str | None = None
    is_binary: bool = False
    version: str | None = None
    version_stage: str | None = None
    version_id: str | None = None
    secret_type: str | None = None
    ssm_path: str | None = None
    recursive: bool | None = None

    def field(self, name: str) -> str:
        return f"{self.path}.{name}"


def read_data(ctx: Ctx, raw: list[Any], rel: str) -> list[KesEntry]:
    items = []
    for i, entry in enumerate(raw):
        item = _read_data_item(ctx, entry, ctx.at(f"{rel}[{i}]"))
        if item is not None:
            items.append(item)
    return items


def read_data_from(ctx: Ctx, raw: list[Any]) -> list[KesEntry]:
    items = []
    for i, entry in enumerate(raw):
        path = ctx.at(f"dataFrom[{i}]")
        if isinstance(entry, str) and entry:
            items.append(KesEntry(path=path, key=entry))
        else:
            ctx.error(path, "must be a non-empty string (a key in the backend), not "
                      f"{type_name(entry)}")
    return items


def read_with_options(ctx: Ctx, raw: list[Any]) -> list[KesEntry]:
    items = []
    for i, entry in enumerate(raw):
        path = ctx.at(f"dataFromWithOptions[{i}]")
        if not _is_mapping(ctx, entry, path):
            continue
        _warn_unknown(ctx, entry, WITH_OPTIONS_FIELDS, path)
        item = KesEntry(path=path, key=_required_str(ctx, entry, "key", path))
        item.version_stage = opt_str(ctx, entry, "versionStage", item.field("versionStage"))
        item.version_id = opt_str(ctx, entry, "versionId", item.field("versionId"))
        if opt_bool(ctx, entry, "isBinary", item.field("isBinary")):
            # KES never decoded dataFromWithOptions values (the flag was accepted and unused), so
            # converting it would change the Secret.
            ctx.warn(item.field("isBinary"),
                     "ignored: KES never applied isBinary to dataFromWithOptions, so no "
                     "decodingStrategy is emitted")
        if item.key is not None:
            items.append(item)
    return items


def _read_data_item(ctx: Ctx, entry: Any, path: str) -> KesEntry | None:
    if not _is_mapping(ctx, entry, path):
        return None
    _warn_unknown(ctx, entry, DATA_FIELDS, path)
    item = KesEntry(path=path)
    item.recursive = opt_bool(ctx, entry, "recursive", item.field("recursive"))
    if entry.get("path") is not None:
        item.ssm_path = opt_str(ctx, entry, "path", item.field("path"))
        return None if item.ssm_path is None else _path_item(ctx, entry, item)
    if item.recursive is not None:
        ctx.warn(item.field("recursive"), "ignored: recursive only applies to path entries")
    item.key = _required_str(ctx, entry, "key", path)
    item.name = _required_str(ctx, entry, "name", path)
    _read_options(ctx, entry, item)
    if item.name is not None and (problem := secret_key_problem(item.name)) is not None:
        ctx.error(item.field("name"), f"'{item.name}' is not a valid Secret key: it {problem}")
        return None
    return item if item.key is not None and item.name is not None else None


def _path_item(ctx: Ctx, entry: Mapping[str, Any], item: KesEntry) -> KesEntry | None:
    if not item.ssm_path:
        ctx.error(item.field("path"), "must not be empty")
        return None
    if "key" in entry and "name" in entry:
        ctx.error(item.path, "takes either key and name, or path, not both (the KES CRD's oneOf)")
        return None
    for ignored in ("key", "name", "property", "isBinary", "secretType", "version",
                    "versionStage", "versionId"):
        if ignored in entry:
            ctx.warn(item.field(ignored),
                     "ignored: KES fetched every parameter under path and did not read it")
    return item


def _read_options(ctx: Ctx, entry: Mapping[str, Any], item: KesEntry) -> None:
    item.prop = opt_str(ctx, entry, "property", item.field("property"))
    item.is_binary = opt_bool(ctx, entry, "isBinary", item.field("isBinary")) or False
    item.version = opt_int_or_str(ctx, entry, "version", item.field("version"))
    item.version_stage = opt_str(ctx, entry, "versionStage", item.field("versionStage"))
    item.version_id = opt_str(ctx, entry, "versionId", item.field("versionId"))
    item.secret_type = opt_str(ctx, entry, "secretType", item.field("secretType"))


def _required_str(ctx: Ctx, entry: Mapping[str, Any], key: str, path: str) -> str | None:
    value = entry.get(key)
    if isinstance(value, str) and value:
        return value
    if value is None:
        ctx.error(f"{path}.{key}", "is required")
    elif value == "":
        ctx.error(f"{path}.{key}", "must not be empty")
    else:
        ctx.error(f"{path}.{key}", f"must be a non-empty string, not {type_name(value)}")
    return None


def _is_mapping(ctx: Ctx, entry: Any, path: str) -> bool:
    if isinstance(entry, Mapping) and all(isinstance(k, str) for k in entry):
        return True
    ctx.error(path, f"must be a mapping, not {type_name(entry)}")
    return False


def _warn_unknown(ctx: Ctx, entry: Mapping[str, Any], known: frozenset[str], path: str) -> None:
    for key in entry:
        if key not in known:
            ctx.warn(f"{path}.{key}", "unknown field ignored (the KES CRD prunes it)")
