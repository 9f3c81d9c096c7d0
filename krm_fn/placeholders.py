"""Placeholder Secrets: a v1 Secret marked with `secret-sync.dev/remote-key` or `secret-sync.dev/refs`.

Turns one placeholder into a SecretRequest. A placeholder must never carry secret material: a key
with a value that `refs` does not cover is an error, and no message ever quotes a value.
"""

from __future__ import annotations

from . import yamlio
from .metadata import OWN_PREFIX, source_of, user_annotations
from .model import SecretRequest, StoreSpec
from .records import TYPE_CHECKING
from .resourcelist import Item
from .results import Result, error
from .validation import secret_key_problem

if TYPE_CHECKING:
    from typing import Any

    from .config import Spec
    from .model import NamingStrategy

REMOTE_KEY = OWN_PREFIX + "remote-key"
STORE = OWN_PREFIX + "store"
VERSION = OWN_PREFIX + "version"
NAMING = OWN_PREFIX + "naming"
REVISION = OWN_PREFIX + "revision"
REFS = OWN_PREFIX + "refs"
KNOWN_ANNOTATIONS = {REMOTE_KEY, STORE, VERSION, NAMING, REVISION, REFS}

REF_FIELDS = {"key", "property", "version", "decodingStrategy", "conversionStrategy",
              "metadataPolicy", "nullBytePolicy"}
REF_ENUMS = {
    "decodingStrategy": ("None", "Base64", "Base64URL", "Auto"),
    "conversionStrategy": ("Default", "Unicode"),
    "metadataPolicy": ("None", "Fetch"),
    "nullBytePolicy": ("Ignore", "Fail"),
}
# An empty one of these would silently mean the default (store, naming, latest version): a user who
# wrote the annotation meant something else. (kustomize turns a null or non-string value into "".)
MUST_HAVE_VALUE = (STORE, NAMING, VERSION)
NAMINGS: tuple[NamingStrategy, ...] = ("hash", "suffix", "keep")
# The placeholder is read with scalars as written (every field but `immutable` is a string).
_BOOLEANS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


LOCAL_CONFIG = "config.kubernetes.io/local-config"


def is_placeholder(item: Item) -> bool:
    """A v1 Secret with our marker annotations. A local-config Secret is never deployed, so it
    is not one (kustomize and kpt: any value but "false" means local)."""
    return (item.kind == "Secret" and item.api_version == "v1"
            and (REMOTE_KEY in item.annotations or REFS in item.annotations)
            and item.annotations.get(LOCAL_CONFIG, "false") == "false")


class _Reader:
    """Collects the problems of one placeholder, each naming the Secret and the field."""

    def __init__(self, item: Item) -> None:
        self.item = item
        self.problems: list[Result] = []

    def fail(self, message: str, field: str) -> None:
        self.problems.append(error(message, resource=self.item.ref, field=field,
                                   file=self.item.file))


def to_request(item: Item, obj: dict[str, Any], spec: Spec,
               stores: dict[str, StoreSpec]) -> tuple[SecretRequest | None, list[Result]]:
    r = _Reader(item)
    ann = item.annotations
    for key in MUST_HAVE_VALUE:
        if ann.get(key) == "":
            r.fail(f"annotation {key} is empty (or not a string); write a value or remove it",
                   f"metadata.annotations[{key}]")
    remote_key = ann.get(REMOTE_KEY) or None
    refs = _refs(r, ann.get(REFS))
    keys = _keys(r, obj, refs)
    store = _store(r, ann.get(STORE) or spec.defaultStore, stores)
    naming = ann.get(NAMING) or spec.naming.strategy
    if naming not in NAMINGS:
        r.fail(f"naming {naming!r} is not one of hash, suffix, keep", f"metadata.annotations[{NAMING}]")
    data = [_data_entry(r, key, refs, remote_key, ann.get(VERSION)) for key in keys]
    data_from: list[dict[str, Any]] = []
    if not keys and not refs:
        if remote_key is None:
            r.fail("placeholder has no keys and no remote-key to read", f"metadata.annotations[{REMOTE_KEY}]")
        else:
            data_from = [{"extract": _with_version({"key": remote_key}, ann.get(VERSION))}]
    if r.problems or store is None:
        return None, r.problems
    labels = _string_labels(obj)
    annotations = user_annotations(ann)
    immutable = _BOOLEANS.get(str(obj.get("immutable")))
    return SecretRequest(
        source=source_of(item), origin="placeholder", store=store,
        data=[d for d in data if d is not None], data_from=data_from,
        secret_type=obj.get("type") if isinstance(obj.get("type"), str) else None,
        immutable=immutable,
        labels=labels, annotations=annotations,
        template_labels=dict(labels), template_annotations=dict(annotations),
        naming=naming,  # type: ignore[arg-type]  # checked against NAMINGS above
        revision=ann.get(REVISION),
    ), []


def _refs(r: _Reader, text: str | None) -> dict[str, dict[str, Any]]:
    field = f"metadata.annotations[{REFS}]"
    if not text:
        return {}
    try:
        value = yamlio.load_text(text, mode="text")  # refs are strings: `key: 0009` is "0009"
    except yamlio.YamlError as exc:
        r.fail(f"refs is not YAML: {exc}", field)
        return {}
    if not isinstance(value, dict):
        r.fail("refs must be a YAML mapping of secret key to remote ref", field)
        return {}
    refs: dict[str, dict[str, Any]] = {}
    for key, ref in value.items():
        refs[str(key)] = _ref(r, str(key), ref, f"{field}.{key}")
    return refs


def _ref(r: _Reader, key: str, ref: Any, field: str) -> dict[str, Any]:
    if isinstance(ref, str):  # shorthand: `KEY: remote/key`
        ref = {"key": ref}
    if not isinstance(ref, dict):
        r.fail(f"the ref of key {key!r} must be a mapping with at least `key`", field)
        return {}
    out: dict[str, Any] = {}
    for name, value in ref.items():
        if name not in REF_FIELDS:
            r.fail(f"unknown field {name!r} in the ref of key {key!r} "
                   f"(allowed: {', '.join(sorted(REF_FIELDS))})", f"{field}.{name}")
        elif name in REF_ENUMS and value not in REF_ENUMS[name]:
            r.fail(f"{name} must be one of {', '.join(REF_ENUMS[name])}", f"{field}.{name}")
        elif value is not None:
            out[name] = str(value) if not isinstance(value, bool) else value
    if "key" not in out:
        r.fail(f"the ref of key {key!r} has no `key` (the remote secret to read)", field)
    return out


def _keys(r: _Reader, obj: dict[str, Any], refs: dict[str, dict[str, Any]]) -> list[str]:
    """Secret keys in order of appearance (data, stringData, then refs-only keys)."""
    keys: list[str] = []
    for section in ("data", "stringData"):
        values = obj.get(section)
        if values is None:
            continue
        if not isinstance(values, dict):
            r.fail(f"{section} must be a mapping", section)
            continue
        for key, value in values.items():
            key = str(key)
            if value not in (None, "") and key not in refs:
                # Never echo the value: it may be real secret material.
                r.fail(f"placeholder key {key!r} carries a literal value; placeholders must "
                       "never hold secret material (leave it empty or cover it with refs)",
                       f"{section}.{key}")
            if key not in keys:
                keys.append(key)
    keys.extend(k for k in refs if k not in keys)
    for key in keys:
        issue = secret_key_problem(key)
        if issue:
            r.fail(f"secret key {key!r} {issue}", f"stringData.{key}")
    return keys


def _store(r: _Reader, name: str | None, stores: dict[str, StoreSpec]) -> StoreSpec | None:
    if name is None:
        r.fail("no store: set the secret-sync.dev/store annotation or spec.defaultStore",
               f"metadata.annotations[{STORE}]")
        return None
    store = stores.get(name)
    if store is None:
        known = ", ".join(sorted(stores)) or "none"
        r.fail(f"unknown store {name!r} (stores in the config: {known})",
               f"metadata.annotations[{STORE}]")
    return store


def _data_entry(r: _Reader, key: str, refs: dict[str, dict[str, Any]], remote_key: str | None,
                version: str | None) -> dict[str, Any] | None:
    if key in refs:
        return {"secretKey": key, "remoteRef": refs[key]} if refs[key] else None
    if remote_key is None:
        r.fail(f"key {key!r} has no remote-key annotation and no entry in refs", f"stringData.{key}")
        return None
    return {"secretKey": key,
            "remoteRef": _with_version({"key": remote_key, "property": key}, version)}


def _with_version(ref: dict[str, Any], version: str | None) -> dict[str, Any]:
    if version:
        ref["version"] = version
    return ref


def _string_labels(obj: dict[str, Any]) -> dict[str, str]:
    meta = obj.get("metadata") or {}
    labels = meta.get("labels") or {}
    return {str(k): "" if v is None else str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}
